import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/** Klaviyo private API key, for Campaign Send (profile bulk imports, lists, events). */
export class MicroKlaviyoApi implements ICredentialType {
	name = 'microKlaviyoApi';

	displayName = 'Microsegments Klaviyo API';

	icon: Icon = 'file:../nodes/CampaignSend/campaignSend.svg';

	documentationUrl = 'https://developers.klaviyo.com/en/docs/authenticate_';

	properties: INodeProperties[] = [
		{
			displayName: 'Private API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'A Klaviyo private API key (pk_...) with the scopes profiles:write, lists:write, lists:read and events:write (Settings > API keys)',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://a.klaviyo.com',
			description: 'Change only to point at a proxy or a local test server',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Klaviyo-API-Key {{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/api/lists/',
			// The API revision Campaign Send pins (nodes/core/delivery/providers/klaviyoApi.ts KLAVIYO_REVISION).
			headers: { accept: 'application/vnd.api+json', revision: '2025-01-15' },
		},
	};
}
