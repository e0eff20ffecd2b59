import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/** Mailchimp Marketing API key (Campaign Send writes audience members, merge fields and tags). */
export class MicroMailchimpApi implements ICredentialType {
	name = 'microMailchimpApi';

	displayName = 'Microsegments Mailchimp API';

	icon: Icon = 'file:../nodes/CampaignSend/campaignSend.svg';

	documentationUrl = 'https://mailchimp.com/developer/marketing/guides/quick-start/';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: '0123456789abcdef0123456789abcdef-us21',
			description: 'Mailchimp: Profile > Extras > API keys. It ends with your data center (e.g. -us21).',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://us21.api.mailchimp.com/3.0',
			description: 'Leave empty to use https://{data center of the key}.api.mailchimp.com/3.0. Change only to point at a proxy or a local test server.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			auth: {
				username: 'anystring',
				password: '={{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{$credentials.baseUrl ? $credentials.baseUrl.replace(/\\/+$/, "") : "https://" + $credentials.apiKey.trim().split("-").pop() + ".api.mailchimp.com/3.0"}}',
			url: '/ping',
		},
	};
}
