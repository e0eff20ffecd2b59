import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import { createFcmProvider } from '../../core/delivery/providers/fcm';
import type { ModuleProvider, ProviderModule } from './module';

const show = { show: { provider: ['fcm'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Title',
		name: 'fcmTitle',
		type: 'string',
		default: '',
		displayOptions: show,
		placeholder: 'e.g. {{firstName | Hi}}, your favourites are back',
		description:
			'Notification title, rendered for each customer: {{firstName}} for a field, {{rfm.segment}} for nested fields, {{firstName | there}} for a fallback',
	},
	{
		displayName: 'Message',
		name: 'fcmBody',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		displayOptions: show,
		description: 'Notification text, same placeholders as the title. A title or a message is required.',
	},
	{
		displayName: 'Link',
		name: 'fcmLink',
		type: 'string',
		default: '',
		displayOptions: show,
		placeholder: 'e.g. https://yourshop.com/offers?c={{customerId}}',
		description: 'Page opened on tap. Web apps open it directly; mobile apps receive it as data "link". Placeholders allowed.',
	},
	{
		displayName: 'Image URL',
		name: 'fcmImageUrl',
		type: 'string',
		default: '',
		displayOptions: show,
		description: 'Picture shown in the notification (https URL, under 1 MB)',
	},
	{
		displayName: 'Data',
		name: 'fcmData',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Data Field',
		default: {},
		displayOptions: show,
		description: 'Key/value pairs your app receives with the notification (sent as text; placeholders allowed)',
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
		name: 'fcmOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Analytics Label',
				name: 'analyticsLabel',
				type: 'string',
				default: '',
				description: 'Label for Firebase delivery reports; defaults to the campaign key',
			},
			{
				displayName: 'Android Priority',
				name: 'androidPriority',
				type: 'options',
				options: [
					{ name: 'High (Wakes the Device)', value: 'high' },
					{ name: 'Normal', value: 'normal' },
				],
				default: 'normal',
				description: 'Whether Android delivers at once even in battery saving mode; keep Normal for marketing',
			},
			{
				displayName: 'Keep for Offline Devices (Hours)',
				name: 'ttlHours',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 672 },
				default: 48,
				description: 'How long Firebase keeps the message for a device that is offline (0 = now or never, at most 28 days)',
			},
		],
	},
];

function raw(ctx: IExecuteFunctions, name: string, itemIndex: number): string {
	const v = ctx.getNodeParameter(name, itemIndex, '', { rawExpressions: true });
	return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

/** Key/value pairs of a fixedCollection read with raw expressions. */
export function keyValues(collection: unknown, group = 'field'): Record<string, string> {
	const rows = ((collection as IDataObject | undefined)?.[group] as IDataObject[] | undefined) ?? [];
	const out: Record<string, string> = {};
	for (const row of rows) {
		const key = String(row.key ?? '').trim();
		if (key) out[key] = row.value === undefined || row.value === null ? '' : String(row.value);
	}
	return out;
}

export const fcmModule: ProviderModule = {
	id: 'fcm',
	displayName: 'Firebase Cloud Messaging (FCM)',
	description: 'Push to your mobile or web app through Firebase, one personalised notification per device token',
	credentialType: 'microFcmServiceAccountApi',
	channel: 'push',
	addressField: 'fcmToken',
	addressFallbacks: ['fcm_token', 'deviceToken', 'pushToken'],
	transport: 'plain',
	properties,
	async create(ctx: IExecuteFunctions, itemIndex: number): Promise<ModuleProvider> {
		const credentials = (await ctx.getCredentials('microFcmServiceAccountApi', itemIndex)) as IDataObject;
		const options = ctx.getNodeParameter('fcmOptions', itemIndex, {}) as IDataObject;
		const ttlHours = options.ttlHours === undefined ? 48 : Number(options.ttlHours);
		try {
			return createFcmProvider({
				serviceAccount: String(credentials.serviceAccountJson ?? ''),
				baseUrl: String(credentials.baseUrl ?? '') || undefined,
				title: raw(ctx, 'fcmTitle', itemIndex),
				body: raw(ctx, 'fcmBody', itemIndex),
				link: raw(ctx, 'fcmLink', itemIndex) || undefined,
				imageUrl: raw(ctx, 'fcmImageUrl', itemIndex) || undefined,
				data: keyValues(ctx.getNodeParameter('fcmData', itemIndex, {}, { rawExpressions: true })),
				androidPriority: options.androidPriority === 'high' ? 'high' : 'normal',
				ttlSeconds: Number.isFinite(ttlHours) ? Math.round(ttlHours * 3600) : NaN,
				analyticsLabel: String(options.analyticsLabel ?? '').trim() || undefined,
				expression: (expression, i) => ctx.evaluateExpression(`={{ ${expression} }}`, i),
			});
		} catch (error) {
			// Messages of the core name the field that is wrong, never its value.
			throw new NodeOperationError(ctx.getNode(), (error as Error).message, { itemIndex });
		}
	},
};
