import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/** Brevo (ex-Sendinblue) API v3 key (Campaign Send). */
export class MicroBrevoApi implements ICredentialType {
	name = 'microBrevoApi';

	displayName = 'Microsegments Brevo API';

	icon: Icon = 'file:../nodes/CampaignSend/campaignSend.svg';

	documentationUrl = 'https://developers.brevo.com/docs/getting-started';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Brevo API v3 key (SMTP & API > API Keys); it starts with xkeysib-',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.brevo.com',
			description: 'Change only to point at a proxy or a local test server',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				'api-key': '={{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/v3/account',
		},
	};
}
