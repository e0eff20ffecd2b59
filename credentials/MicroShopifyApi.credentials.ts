import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/** Shopify Admin API access token of a custom app (Fetch Customers reads customers and orders; Campaign Send writes customer tags and a metafield). */
export class MicroShopifyApi implements ICredentialType {
	name = 'microShopifyApi';

	displayName = 'Microsegments Shopify API';

	icon: Icon = 'file:../nodes/FetchCustomers/fetchCustomers.svg';

	documentationUrl = 'https://help.shopify.com/en/manual/apps/app-types/custom-apps';

	properties: INodeProperties[] = [
		{
			displayName: 'Shop Domain',
			name: 'shopDomain',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'your-store.myshopify.com',
			description: 'Your store\'s myshopify.com address (not your custom domain). "your-store" alone works too.',
		},
		{
			displayName: 'Admin API Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'shpat_...',
			description:
				'Shopify admin: Settings > Apps and sales channels > Develop apps > your app > API credentials. Fetch Customers needs the read_customers and read_orders scopes (and read_all_orders for orders older than 60 days); Campaign Send (Shopify tags and metafield) also needs write_customers.',
		},
		{
			displayName: 'API Version',
			name: 'apiVersion',
			type: 'string',
			default: '2026-01',
			description: 'Shopify Admin API version, 2025-04 or later (the node reads the customer\'s default email address and Shopify\'s RFM group, both added in 2025-04)',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://your-store.myshopify.com',
			description: 'Leave empty to use https://{shop domain}. Change only to point at a proxy or a local test server.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				'X-Shopify-Access-Token': '={{$credentials.accessToken}}',
			},
		},
	};

	// A one-field query: costs 1 point and reads nothing about customers.
	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{$credentials.baseUrl ? $credentials.baseUrl.replace(/\\/+$/, "") : "https://" + $credentials.shopDomain.trim().replace(/^https?:\\/\\//, "").replace(/\\/.*$/, "") + ($credentials.shopDomain.includes(".") ? "" : ".myshopify.com")}}',
			url: '=/admin/api/{{$credentials.apiVersion || "2026-01"}}/graphql.json',
			method: 'POST',
			body: { query: '{ shop { name } }' },
		},
	};
}
