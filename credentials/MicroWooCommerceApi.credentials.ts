import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/**
 * WooCommerce REST API key (consumer key + secret), sent as HTTP Basic auth. WooCommerce accepts
 * Basic auth over HTTPS; over plain http it requires OAuth 1.0a signatures, which this credential
 * does not do, so use the site's https address.
 */
export class MicroWooCommerceApi implements ICredentialType {
	name = 'microWooCommerceApi';

	displayName = 'Microsegments WooCommerce API';

	icon: Icon = 'file:../nodes/FetchCustomers/fetchCustomers.svg';

	documentationUrl = 'https://woocommerce.com/document/woocommerce-rest-api/';

	properties: INodeProperties[] = [
		{
			displayName: 'Site URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://shop.example.com',
			description: 'Address of your WordPress site (https). The node calls {Site URL}/wp-json/wc/v3/...',
		},
		{
			displayName: 'Consumer Key',
			name: 'consumerKey',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'ck_...',
			description: 'WooCommerce > Settings > Advanced > REST API > Add key, with Read permission',
		},
		{
			displayName: 'Consumer Secret',
			name: 'consumerSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'cs_...',
			description: 'Shown once, next to the consumer key, when the key is created',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			auth: {
				username: '={{$credentials.consumerKey}}',
				password: '={{$credentials.consumerSecret}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}/wp-json/wc/v3',
			url: '/orders',
			qs: { per_page: 1 },
		},
	};
}
