import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/** OneSignal App ID + App API key (REST API key) for push by External ID (Campaign Send). */
export class MicroOneSignalApi implements ICredentialType {
	name = 'microOneSignalApi';

	displayName = 'Microsegments OneSignal API';

	icon: Icon = 'file:../nodes/CampaignSend/campaignSend.svg';

	documentationUrl = 'https://documentation.onesignal.com/docs/keys-and-ids';

	properties: INodeProperties[] = [
		{
			displayName: 'App ID',
			name: 'appId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. 5eb5a37e-b458-11e3-ac11-000c2940e62c',
			description: 'OneSignal dashboard: Settings > Keys & IDs > OneSignal App ID',
		},
		{
			displayName: 'App API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'OneSignal dashboard: Settings > Keys & IDs > App API key (REST API key). Sent as "Authorization: Key ...".',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.onesignal.com',
			description: 'Change only to point at a proxy or a local test server',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Key {{$credentials.apiKey}}',
			},
		},
	};

	// "View messages" needs the same App API key and the App ID, and sends nothing.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/notifications',
			qs: { app_id: '={{$credentials.appId}}', limit: 1 },
		},
	};
}
