import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/** SendGrid API key with the Mail Send permission (Campaign Send). */
export class MicroSendGridApi implements ICredentialType {
	name = 'microSendGridApi';

	displayName = 'Microsegments SendGrid API';

	icon: Icon = 'file:../nodes/CampaignSend/campaignSend.svg';

	documentationUrl = 'https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'SendGrid API key with at least the Mail Send permission (Settings > API Keys); it starts with SG.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.sendgrid.com',
			description: 'Change only for the EU data residency region (https://api.eu.sendgrid.com), a proxy or a local test server',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/v3/scopes',
		},
	};
}
