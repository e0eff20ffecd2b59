import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/** Stripe secret or restricted key (Fetch Customers reads customers and charges). */
export class MicroStripeApi implements ICredentialType {
	name = 'microStripeApi';

	displayName = 'Microsegments Stripe API';

	icon: Icon = 'file:../nodes/FetchCustomers/fetchCustomers.svg';

	documentationUrl = 'https://docs.stripe.com/keys';

	properties: INodeProperties[] = [
		{
			displayName: 'Secret Key',
			name: 'secretKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'rk_live_... or sk_live_...',
			description:
				'Stripe Dashboard > Developers > API keys. A restricted key with Read access to Customers and Charges is enough and safer than the secret key.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.stripe.com',
			description: 'Change only to point at a proxy or a local test server',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.secretKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/v1/customers',
			qs: { limit: 1 },
		},
	};
}
