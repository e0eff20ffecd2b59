import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/** HubSpot private app token, shared by Fetch Customers (CRM reads) and Campaign Send (writes). */
export class MicroHubSpotApi implements ICredentialType {
	name = 'microHubSpotApi';

	displayName = 'Microsegments HubSpot API';

	icon: Icon = 'file:../nodes/shared/hubspot.svg';

	documentationUrl = 'https://developers.hubspot.com/docs/api/private-apps';

	properties: INodeProperties[] = [
		{
			displayName: 'Private App Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'Token of a HubSpot private app with the CRM scopes you need (crm.objects.contacts.read/write, crm.objects.deals.read, crm.lists.read/write, marketing-email for single sends)',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.hubapi.com',
			description: 'Change only to point at a proxy or a local test server',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.accessToken}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/crm/v3/objects/contacts',
			qs: { limit: 1 },
		},
	};
}
