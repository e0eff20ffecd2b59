import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import { createMailchimpProvider, type MailchimpMergeField, type MailchimpNewStatus } from '../../core/delivery/providers/mailchimp';
import type { ModuleProvider, ProviderModule } from './module';
import { membershipProperties } from './shopify';

const show = { show: { provider: ['mailchimp'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Audience (List) ID',
		name: 'mailchimpListId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: show,
		placeholder: 'e.g. a1b2c3d4e5',
		description: 'Mailchimp: Audience > Settings > Audience name and defaults > Audience ID',
	},
	...membershipProperties('mailchimp', 'tag'),
	{
		displayName: 'Merge Fields',
		name: 'mailchimpMergeFields',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Merge Field',
		default: { field: [{ tag: 'RFM_SEG', field: 'rfm.segment' }, { tag: 'RFM_CELL', field: 'rfm.cell' }, { tag: 'RFM_SCORE', field: 'rfm.score' }] },
		displayOptions: show,
		description: 'Audience fields to write, each from a field of the customer. Create them first in Mailchimp (Audience > Settings > Audience fields and *|MERGE|* tags): Mailchimp ignores unknown merge tags.',
		options: [
			{
				name: 'field',
				displayName: 'Merge Field',
				values: [
					{ displayName: 'Merge Tag', name: 'tag', type: 'string', default: '', placeholder: 'e.g. RFM_SEG', description: 'Upper-case merge tag, up to 10 characters' },
					{ displayName: 'Field', name: 'field', type: 'string', default: '', placeholder: 'e.g. rfm.segment', description: 'Field of the item (dotted paths read nested fields)' },
				],
			},
		],
	},
	{
		displayName: 'Status for New Members',
		name: 'mailchimpStatusIfNew',
		type: 'options',
		displayOptions: show,
		options: [
			{ name: 'Transactional (No Marketing Email)', value: 'transactional' },
			{ name: 'Subscribed (Only Customers Who Opted In)', value: 'subscribed' },
			{ name: 'Pending (Mailchimp Sends a Confirmation Email)', value: 'pending' },
			{ name: 'Unsubscribed', value: 'unsubscribed' },
		],
		default: 'transactional',
		description: "Status of customers who are not in the audience yet. Existing members' status is never changed.",
	},
];

function mergeFields(ctx: IExecuteFunctions, itemIndex: number): MailchimpMergeField[] {
	const rows = ((ctx.getNodeParameter('mailchimpMergeFields', itemIndex, {}) as IDataObject).field as IDataObject[] | undefined) ?? [];
	const out: MailchimpMergeField[] = [];
	for (const row of rows) {
		const tag = String(row.tag ?? '').trim();
		const field = String(row.field ?? '').trim();
		if (!tag && !field) continue;
		if (!/^[A-Z0-9_]{1,10}$/.test(tag))
			throw new NodeOperationError(ctx.getNode(), `"${tag}" is not a Mailchimp merge tag (upper-case letters, digits, underscores, up to 10)`, { itemIndex });
		if (!field) throw new NodeOperationError(ctx.getNode(), `Merge tag ${tag} needs a field`, { itemIndex });
		out.push({ tag, field });
	}
	return out;
}

/** https://{dc}.api.mailchimp.com/3.0 from the key's data-center suffix, unless the credential gives a Base URL. */
export function mailchimpBaseUrl(apiKey: string, baseUrl: string): string | undefined {
	if (baseUrl.trim()) return baseUrl.trim().replace(/\/+$/, '');
	const dc = /-([a-z]{2}\d{1,3})$/.exec(apiKey.trim())?.[1];
	return dc ? `https://${dc}.api.mailchimp.com/3.0` : undefined;
}

export const mailchimpModule: ProviderModule = {
	id: 'mailchimp',
	displayName: 'Mailchimp Audience (Merge Fields, Tags)',
	description: 'Add or update each customer in a Mailchimp audience with its scores as merge fields and its segment as a tag (the old tag removed)',
	credentialType: 'microMailchimpApi',
	channel: 'crm',
	addressField: 'email',
	addressFallbacks: ['Email', 'emailAddress'],
	transport: 'credential',
	properties,
	async create(ctx: IExecuteFunctions, itemIndex: number): Promise<ModuleProvider> {
		const credentials = (await ctx.getCredentials('microMailchimpApi', itemIndex)) as IDataObject;
		const baseUrl = mailchimpBaseUrl(String(credentials.apiKey ?? ''), String(credentials.baseUrl ?? ''));
		if (!baseUrl) throw new NodeOperationError(ctx.getNode(), 'The Mailchimp API key does not end with a data center (e.g. -us21): fill in the Base URL of the credential', { itemIndex });
		const listId = String(ctx.getNodeParameter('mailchimpListId', itemIndex, '') ?? '').trim();
		if (!/^[A-Za-z0-9]{1,32}$/.test(listId)) throw new NodeOperationError(ctx.getNode(), 'Audience (List) ID must be the letters and digits of a Mailchimp audience id', { itemIndex });
		return createMailchimpProvider({
			baseUrl,
			listId,
			membership: {
				segmentField: String(ctx.getNodeParameter('mailchimpSegmentField', itemIndex, 'rfm.segment') ?? '').trim() || 'rfm.segment',
				prefix: String(ctx.getNodeParameter('mailchimpTagPrefix', itemIndex, 'rfm: ') ?? ''),
			},
			mergeFields: mergeFields(ctx, itemIndex),
			statusIfNew: ctx.getNodeParameter('mailchimpStatusIfNew', itemIndex, 'transactional') as MailchimpNewStatus,
		});
	},
};
