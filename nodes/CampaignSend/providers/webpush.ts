import {
	NodeOperationError,
	type ICredentialTestFunctions,
	type ICredentialsDecrypted,
	type IDataObject,
	type IExecuteFunctions,
	type INodeCredentialTestResult,
	type INodeProperties,
} from 'n8n-workflow';
import { createWebPushProvider, validateVapid } from '../../core/delivery/providers/webpush';
import { privatePushAllowedByAdmin } from '../../core/net/address';
import { keyValues } from './fcm';
import type { ModuleProvider, ProviderModule } from './module';
import { fieldList } from './shared';

const show = { show: { provider: ['webpush'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Title',
		name: 'webpushTitle',
		type: 'string',
		default: '',
		displayOptions: show,
		placeholder: 'e.g. {{firstName | Hi}}, your cart is waiting',
		description:
			'Notification title, rendered for each customer: {{firstName}} for a field, {{rfm.segment}} for nested fields, {{firstName | there}} for a fallback',
	},
	{
		displayName: 'Message',
		name: 'webpushBody',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		displayOptions: show,
		description: 'Notification text, same placeholders as the title. A title or a message is required; everything together must stay under about 3.9 KB.',
	},
	{
		displayName: 'Link',
		name: 'webpushUrl',
		type: 'string',
		default: '',
		displayOptions: show,
		placeholder: 'e.g. https://yourshop.com/cart?c={{customerId}}',
		description: 'Page your service worker opens on click. Placeholders allowed.',
	},
	{
		displayName: 'Icon URL',
		name: 'webpushIcon',
		type: 'string',
		default: '',
		displayOptions: show,
		description: 'Small icon shown with the notification (payload field "icon")',
	},
	{
		displayName: 'Image URL',
		name: 'webpushImage',
		type: 'string',
		default: '',
		displayOptions: show,
		description: 'Large picture (payload field "image"; not every browser shows it)',
	},
	{
		displayName: 'Data',
		name: 'webpushData',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Data Field',
		default: {},
		displayOptions: show,
		description: 'Extra key/value pairs for your service worker (payload field "data"; placeholders allowed)',
		options: [
			{
				name: 'field',
				displayName: 'Field',
				values: [
					{ displayName: 'Key', name: 'key', type: 'string', default: '', placeholder: 'e.g. offer' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '', placeholder: 'e.g. {{playbook.offer}}' },
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'webpushOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Allowed Push Hosts',
				name: 'allowedHosts',
				type: 'string',
				default: '',
				placeholder: 'e.g. push.example.com, *.push.example.net',
				description:
					'Push services besides those of Chrome, Firefox, Safari and Edge (FCM, Mozilla, Apple, Windows), separated by commas. Subscriptions pointing anywhere else are not contacted (endpoint_not_allowed), and never one that resolves to a private or local address.',
			},
			{
				displayName: 'Keep for Offline Browsers (Hours)',
				name: 'ttlHours',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 672 },
				default: 48,
				description: 'How long the push service keeps the message for a browser that is offline (0 = now or never)',
			},
			{
				displayName: 'Topic',
				name: 'topic',
				type: 'string',
				default: '',
				description:
					'Up to 32 letters, digits, - or _: a newer message with the same topic replaces one not yet delivered. Leave empty for one topic per customer and campaign.',
			},
			{
				displayName: 'Urgency',
				name: 'urgency',
				type: 'options',
				options: [
					{ name: 'High', value: 'high' },
					{ name: 'Low', value: 'low' },
					{ name: 'Normal', value: 'normal' },
					{ name: 'Very Low', value: 'very-low' },
				],
				default: 'normal',
				description: 'Hint for the browser on battery; Normal suits marketing messages',
			},
		],
	},
];

function raw(ctx: IExecuteFunctions, name: string, itemIndex: number): string {
	const v = ctx.getNodeParameter(name, itemIndex, '', { rawExpressions: true });
	return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function vapidOf(data: IDataObject) {
	return { publicKey: String(data.publicKey ?? ''), privateKey: String(data.privateKey ?? ''), subject: String(data.subject ?? '') };
}

export const webpushModule: ProviderModule = {
	id: 'webpush',
	displayName: 'Web Push',
	description: 'Browser notifications to the push subscriptions stored on your customers (VAPID keys of your site)',
	credentialType: 'microWebPushVapidApi',
	channel: 'push',
	// The subscription object or its JSON text (PushSubscription.toJSON()): endpoint + keys.p256dh + keys.auth.
	addressField: 'webPushSubscription',
	addressFallbacks: ['pushSubscription', 'subscription'],
	transport: 'plain',
	properties,
	async create(ctx: IExecuteFunctions, itemIndex: number): Promise<ModuleProvider> {
		const credentials = (await ctx.getCredentials('microWebPushVapidApi', itemIndex)) as IDataObject;
		const options = ctx.getNodeParameter('webpushOptions', itemIndex, {}) as IDataObject;
		const ttlHours = options.ttlHours === undefined ? 48 : Number(options.ttlHours);
		const urgency = ['very-low', 'low', 'normal', 'high'].includes(String(options.urgency)) ? (String(options.urgency) as 'normal') : 'normal';
		try {
			return createWebPushProvider({
				vapid: vapidOf(credentials),
				title: raw(ctx, 'webpushTitle', itemIndex),
				body: raw(ctx, 'webpushBody', itemIndex),
				url: raw(ctx, 'webpushUrl', itemIndex) || undefined,
				icon: raw(ctx, 'webpushIcon', itemIndex) || undefined,
				image: raw(ctx, 'webpushImage', itemIndex) || undefined,
				data: keyValues(ctx.getNodeParameter('webpushData', itemIndex, {}, { rawExpressions: true })),
				ttlSeconds: Number.isFinite(ttlHours) ? Math.round(ttlHours * 3600) : NaN,
				urgency,
				topic: String(options.topic ?? '').trim() || undefined,
				allowedHosts: fieldList(options.allowedHosts),
				// Loopback/private push services only when the n8n admin says so (test servers).
				allowPrivateNetworks: privatePushAllowedByAdmin(),
				expression: (expression, i) => ctx.evaluateExpression(`={{ ${expression} }}`, i),
			});
		} catch (error) {
			// Messages of the core name the key that is wrong, never its value.
			throw new NodeOperationError(ctx.getNode(), (error as Error).message, { itemIndex });
		}
	},
};

/** Credential test for `microWebPushVapidApi` (node `methods.credentialTest`): checks the keys locally. */
export async function microWebPushVapidApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	try {
		validateVapid(vapidOf((credential.data ?? {}) as IDataObject));
		return { status: 'OK', message: 'The VAPID keys form a valid pair' };
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
}
