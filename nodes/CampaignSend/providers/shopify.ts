import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import { createShopifyWriteProvider } from '../../core/delivery/providers/shopify';
import { validMetafieldName } from '../../core/delivery/providers/shopifyGraphql';
import { shopifyBaseUrl } from '../../core/sources/shopify';
import type { ModuleProvider, ProviderModule } from './module';
import { fieldList } from './shared';

const show = { show: { provider: ['shopify'] } };

/** Segment tag parameters shared by the write-back modules (Shopify, Mailchimp): names prefixed per module. */
export function membershipProperties(id: string, what: string): INodeProperties[] {
	return [
		{
			displayName: 'Segment Field',
			name: `${id}SegmentField`,
			type: 'string',
			default: 'rfm.segment',
			displayOptions: { show: { provider: [id] } },
			description: `Field with the customer's current segment; its ${what} is added. When Segment Changes says the customer moved (change.type = moved) or is gone, the ${what} of the previous segment (change.from) is removed.`,
		},
		{
			displayName: 'Tag Prefix',
			name: `${id}TagPrefix`,
			type: 'string',
			default: 'rfm: ',
			displayOptions: { show: { provider: [id] } },
			description: `Put before the segment name (e.g. "rfm: Champions"), so our ${what}s never collide with yours; may be empty`,
		},
	];
}

const properties: INodeProperties[] = [
	...membershipProperties('shopify', 'customer tag'),
	{
		displayName: 'Write Scores Metafield',
		name: 'shopifyMetafield',
		type: 'boolean',
		default: true,
		displayOptions: show,
		description: "Whether to write the scores as a JSON metafield on the customer (usable in Shopify's customer segments and Flow)",
	},
	{
		displayName: 'Metafield Namespace',
		name: 'shopifyMetafieldNamespace',
		type: 'string',
		default: 'microsegments',
		displayOptions: { show: { provider: ['shopify'], shopifyMetafield: [true] } },
		description: 'Letters, digits, hyphens and underscores (3-255 characters)',
	},
	{
		displayName: 'Metafield Key',
		name: 'shopifyMetafieldKey',
		type: 'string',
		default: 'rfm',
		displayOptions: { show: { provider: ['shopify'], shopifyMetafield: [true] } },
		description: 'Letters, digits, hyphens and underscores (2-64 characters)',
	},
	{
		displayName: 'Metafield Fields',
		name: 'shopifyMetafieldFields',
		type: 'string',
		default: 'rfm.segment, rfm.r, rfm.f, rfm.m, rfm.cell, rfm.score, rfm.recencyDays, rfm.frequency, rfm.monetary',
		displayOptions: { show: { provider: ['shopify'], shopifyMetafield: [true] } },
		description: 'Fields written into the JSON metafield, separated by commas (dotted paths stay nested). Leave out fields that change every day (e.g. rfm.referenceDate), or every run rewrites the metafield.',
	},
];

export const shopifyModule: ProviderModule = {
	id: 'shopify',
	displayName: 'Shopify Customer Tags & Metafield',
	description: "Tag each customer with its segment (and untag the old one) and write the scores into a metafield, for Shopify's own segments and flows",
	credentialType: 'microShopifyApi',
	channel: 'crm',
	addressField: 'customerId',
	addressFallbacks: ['email'],
	transport: 'credential',
	properties,
	async create(ctx: IExecuteFunctions, itemIndex: number): Promise<ModuleProvider> {
		const credentials = (await ctx.getCredentials('microShopifyApi', itemIndex)) as IDataObject;
		const segmentField = String(ctx.getNodeParameter('shopifySegmentField', itemIndex, 'rfm.segment') ?? '').trim() || 'rfm.segment';
		const prefix = String(ctx.getNodeParameter('shopifyTagPrefix', itemIndex, 'rfm: ') ?? '');
		let metafield: { namespace: string; key: string; fields: string[] } | undefined;
		if (ctx.getNodeParameter('shopifyMetafield', itemIndex, true) === true) {
			const namespace = String(ctx.getNodeParameter('shopifyMetafieldNamespace', itemIndex, 'microsegments') ?? '').trim();
			const key = String(ctx.getNodeParameter('shopifyMetafieldKey', itemIndex, 'rfm') ?? '').trim();
			if (!validMetafieldName(namespace, key))
				throw new NodeOperationError(ctx.getNode(), 'Metafield Namespace (3-255) and Metafield Key (2-64) may hold only letters, digits, hyphens and underscores', { itemIndex });
			const fields = fieldList(ctx.getNodeParameter('shopifyMetafieldFields', itemIndex, ''));
			if (fields.length === 0) throw new NodeOperationError(ctx.getNode(), 'Metafield Fields is empty: name the fields to write, or turn off Write Scores Metafield', { itemIndex });
			metafield = { namespace, key, fields };
		}
		return createShopifyWriteProvider({
			baseUrl: shopifyBaseUrl(String(credentials.shopDomain ?? ''), String(credentials.baseUrl ?? '')),
			apiVersion: String(credentials.apiVersion ?? '').trim() || '2026-01',
			membership: { segmentField, prefix },
			metafield,
		});
	},
};
