import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import { createOneSignalProvider } from '../../core/delivery/providers/onesignal';
import type { ModuleProvider, ProviderModule } from './module';

const show = { show: { provider: ['onesignal'] } };

const properties: INodeProperties[] = [
	{
		displayName:
			'OneSignal sends the same text to everyone in a request (up to 20,000 customers). To personalise, use OneSignal tags in the text, e.g. {{ first_name | default: "there" }}: OneSignal fills them in per user.',
		name: 'onesignalNotice',
		type: 'notice',
		default: '',
		displayOptions: show,
	},
	{
		displayName: 'Title',
		name: 'onesignalTitle',
		type: 'string',
		default: '',
		displayOptions: show,
		placeholder: 'e.g. We miss you',
		description: 'Notification title in English (OneSignal requires English; add other languages under Translations)',
	},
	{
		displayName: 'Message',
		name: 'onesignalMessage',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		displayOptions: show,
		placeholder: 'e.g. Come back this week for 15% off',
		description: 'Notification text in English (required by OneSignal)',
	},
	{
		displayName: 'Translations',
		name: 'onesignalTranslations',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Translation',
		default: {},
		displayOptions: show,
		description: 'Title and message in other languages; each device gets its own language, English otherwise',
		options: [
			{
				name: 'translation',
				displayName: 'Translation',
				values: [
					{
						displayName: 'Language Code',
						name: 'language',
						type: 'string',
						default: '',
						placeholder: 'e.g. de',
						description: 'Two-letter language code as OneSignal uses it (de, fr, es, pt-BR, zh-Hans...)',
					},
					{ displayName: 'Title', name: 'title', type: 'string', default: '' },
					{ displayName: 'Message', name: 'message', type: 'string', typeOptions: { rows: 2 }, default: '' },
				],
			},
		],
	},
	{
		displayName: 'Launch URL',
		name: 'onesignalUrl',
		type: 'string',
		default: '',
		displayOptions: show,
		placeholder: 'e.g. https://yourshop.com/winback',
		description: 'Page opened when the notification is tapped',
	},
	{
		displayName: 'Data',
		name: 'onesignalData',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Data Field',
		default: {},
		displayOptions: show,
		description: 'Key/value pairs your app receives with the notification (the same for everyone in the request)',
		options: [
			{
				name: 'field',
				displayName: 'Field',
				values: [
					{ displayName: 'Key', name: 'key', type: 'string', default: '', placeholder: 'e.g. offer' },
					{ displayName: 'Value', name: 'value', type: 'string', default: '', placeholder: 'e.g. WINBACK15' },
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'onesignalOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Extra Request Fields (JSON)',
				name: 'extra',
				type: 'json',
				default: '{}',
				description:
					'More fields of OneSignal\'s Create Message request, e.g. {"android_channel_id": "...", "ios_badge_type": "Increase", "ios_badgeCount": 1}',
			},
			{
				displayName: 'Internal Name',
				name: 'name',
				type: 'string',
				default: '',
				description: 'Name shown in the OneSignal dashboard; defaults to the campaign key',
			},
			{
				displayName: 'Subtitle (iOS)',
				name: 'subtitle',
				type: 'string',
				default: '',
				description: 'Line under the title on iOS, in English',
			},
		],
	},
];

/**
 * Text for OneSignal: n8n expressions (`{{ $json.x }}`, `{{ $now... }}`) are evaluated once for the
 * run (item 0); everything else in braces is left to OneSignal's own tag substitution.
 */
function oneSignalText(ctx: IExecuteFunctions, value: unknown, itemIndex: number): string {
	let text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
	if (text.startsWith('=')) text = text.slice(1);
	return text.replace(/\{\{([\s\S]*?)\}\}/g, (match, inner: string) => {
		if (!inner.includes('$')) return match;
		const v = ctx.evaluateExpression(`={{ ${inner.trim()} }}`, itemIndex);
		return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
	});
}

function raw(ctx: IExecuteFunctions, name: string, itemIndex: number): unknown {
	return ctx.getNodeParameter(name, itemIndex, '', { rawExpressions: true });
}

export const onesignalModule: ProviderModule = {
	id: 'onesignal',
	displayName: 'OneSignal Push',
	description: 'Push notifications to your app users by External ID, up to 20,000 per request',
	credentialType: 'microOneSignalApi',
	channel: 'push',
	addressField: 'oneSignalExternalId',
	addressFallbacks: ['externalId', 'customerId'],
	transport: 'credential',
	properties,
	async create(ctx: IExecuteFunctions, itemIndex: number): Promise<ModuleProvider> {
		const credentials = (await ctx.getCredentials('microOneSignalApi', itemIndex)) as IDataObject;
		const options = ctx.getNodeParameter('onesignalOptions', itemIndex, {}) as IDataObject;
		const text = (name: string) => oneSignalText(ctx, raw(ctx, name, itemIndex), itemIndex);
		const contents: Record<string, string> = { en: text('onesignalMessage') };
		const headings: Record<string, string> = {};
		const title = text('onesignalTitle');
		if (title.trim()) headings.en = title;
		const translations = (raw(ctx, 'onesignalTranslations', itemIndex) as IDataObject | undefined)?.translation as IDataObject[] | undefined;
		for (const t of translations ?? []) {
			const lang = String(t.language ?? '').trim();
			if (!lang) continue;
			const m = oneSignalText(ctx, t.message, itemIndex);
			const h = oneSignalText(ctx, t.title, itemIndex);
			if (m.trim()) contents[lang] = m;
			if (h.trim()) headings[lang] = h;
		}
		const data: Record<string, string> = {};
		const rows = ((ctx.getNodeParameter('onesignalData', itemIndex, {}) as IDataObject).field as IDataObject[] | undefined) ?? [];
		for (const row of rows) {
			const key = String(row.key ?? '').trim();
			if (key) data[key] = row.value === undefined || row.value === null ? '' : String(row.value);
		}
		let extra: Record<string, unknown> | undefined;
		if (options.extra !== undefined && options.extra !== '') {
			try {
				extra = typeof options.extra === 'string' ? JSON.parse(options.extra) : (options.extra as Record<string, unknown>);
			} catch {
				throw new NodeOperationError(ctx.getNode(), 'Extra Request Fields is not valid JSON', { itemIndex });
			}
			if (!extra || typeof extra !== 'object' || Array.isArray(extra))
				throw new NodeOperationError(ctx.getNode(), 'Extra Request Fields must be a JSON object', { itemIndex });
		}
		const subtitle = String(options.subtitle ?? '').trim();
		try {
			return createOneSignalProvider({
				baseUrl: String(credentials.baseUrl ?? '') || undefined,
				appId: String(credentials.appId ?? ''),
				contents,
				headings: Object.keys(headings).length ? headings : undefined,
				subtitle: subtitle ? { en: subtitle } : undefined,
				data: Object.keys(data).length ? data : undefined,
				url: String(ctx.getNodeParameter('onesignalUrl', itemIndex, '') ?? '').trim() || undefined,
				name: String(options.name ?? '').trim() || undefined,
				extra,
			});
		} catch (error) {
			throw new NodeOperationError(ctx.getNode(), (error as Error).message, { itemIndex });
		}
	},
};
