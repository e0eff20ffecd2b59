import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import { createKlaviyoProvider, DEFAULT_MEMBERSHIP, type KlaviyoAction, type KlaviyoPropertyMapping } from '../../core/delivery/providers/klaviyo';
import type { ModuleProvider, ProviderModule } from './module';

const show = { show: { provider: ['klaviyo'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Action',
		name: 'klaviyoAction',
		type: 'options',
		noDataExpression: true,
		displayOptions: show,
		options: [
			{
				name: 'Update Profiles and Segment Lists',
				value: 'profiles',
				description: 'Write scores as custom properties on each profile (10,000 per bulk import job) and keep each customer in the list of their segment',
			},
			{ name: 'Track Segment Event', value: 'event', description: 'Track "Entered segment Champions" once per customer, to start a Klaviyo flow' },
		],
		default: 'profiles',
		description: 'What to do in Klaviyo for each customer (matched by email)',
	},
	{
		displayName: 'Profile Properties',
		name: 'klaviyoProperties',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Property',
		default: {
			property: [
				{ property: 'rfm_segment', field: 'rfm.segment' },
				{ property: 'rfm_score', field: 'rfm.score' },
				{ property: 'rfm_cell', field: 'rfm.cell' },
			],
		},
		displayOptions: show,
		description: 'Custom properties written on the profile (or sent with the event), each from a field of the customer; a missing field leaves the property unchanged',
		options: [
			{
				name: 'property',
				displayName: 'Property',
				values: [
					{ displayName: 'Klaviyo Property', name: 'property', type: 'string', default: '', placeholder: 'e.g. rfm_segment', description: 'Name of the custom property in Klaviyo' },
					{ displayName: 'Field', name: 'field', type: 'string', default: '', placeholder: 'e.g. rfm.segment', description: 'Field of the item (dotted paths read nested fields)' },
				],
			},
		],
	},
	{
		displayName: 'Segment Lists',
		name: 'klaviyoSegmentLists',
		type: 'boolean',
		default: true,
		displayOptions: { show: { provider: ['klaviyo'], klaviyoAction: ['profiles'] } },
		description:
			"Whether to add each customer to their segment's list (found by name or created) and, for customers who moved or left (Segment Changes), remove them from the previous segment's list",
	},
	{
		displayName: 'List Name Prefix',
		name: 'klaviyoListPrefix',
		type: 'string',
		default: 'rfm: ',
		displayOptions: { show: { provider: ['klaviyo'], klaviyoAction: ['profiles'], klaviyoSegmentLists: [true] } },
		description: 'Put before the segment name to name its list: "rfm: " gives the list "rfm: Champions"',
	},
	{
		displayName: 'Event Name Prefix',
		name: 'klaviyoEventPrefix',
		type: 'string',
		default: 'Entered segment ',
		displayOptions: { show: { provider: ['klaviyo'], klaviyoAction: ['event'] } },
		description: 'The event (metric) is this prefix plus the segment: "Entered segment Champions". Use it as the trigger of a Klaviyo flow.',
	},
	{
		displayName: 'Segment Field',
		name: 'klaviyoSegmentField',
		type: 'string',
		default: 'rfm.segment',
		displayOptions: show,
		description: "Field with the customer's current segment; when empty, Segment Changes' change.to is used",
	},
];

function mappings(ctx: IExecuteFunctions, itemIndex: number): KlaviyoPropertyMapping[] {
	const rows = ((ctx.getNodeParameter('klaviyoProperties', itemIndex, {}) as IDataObject).property as IDataObject[] | undefined) ?? [];
	const out: KlaviyoPropertyMapping[] = [];
	for (const row of rows) {
		const property = String(row.property ?? '').trim();
		const field = String(row.field ?? '').trim();
		if (!property && !field) continue;
		if (!property || !field) throw new NodeOperationError(ctx.getNode(), 'Each profile property needs both a Klaviyo property name and a field', { itemIndex });
		if (property.startsWith('$'))
			throw new NodeOperationError(ctx.getNode(), `"${property}" is a Klaviyo special property: custom properties cannot start with $`, { itemIndex });
		out.push({ property, field });
	}
	return out;
}

export const klaviyoModule: ProviderModule = {
	id: 'klaviyo',
	displayName: 'Klaviyo (Profiles, Lists, Events)',
	description: "Write segment properties on Klaviyo profiles, keep segment lists in sync, or track an event that starts a flow",
	credentialType: 'microKlaviyoApi',
	channel: 'crm',
	addressField: 'email',
	addressFallbacks: ['Email', 'properties.email', 'emailAddress'],
	transport: 'credential',
	properties,
	async create(ctx: IExecuteFunctions, itemIndex: number): Promise<ModuleProvider> {
		const credentials = (await ctx.getCredentials('microKlaviyoApi', itemIndex)) as IDataObject;
		const action: KlaviyoAction = ctx.getNodeParameter('klaviyoAction', itemIndex, 'profiles') === 'event' ? 'event' : 'profiles';
		const segmentLists = action === 'profiles' && ctx.getNodeParameter('klaviyoSegmentLists', itemIndex, true) === true;
		const properties = mappings(ctx, itemIndex);
		if (action === 'profiles' && properties.length === 0 && !segmentLists)
			throw new NodeOperationError(ctx.getNode(), 'Add at least one profile property, or turn on Segment Lists', { itemIndex });
		const segmentField = String(ctx.getNodeParameter('klaviyoSegmentField', itemIndex, DEFAULT_MEMBERSHIP.segmentField) ?? '').trim() || DEFAULT_MEMBERSHIP.segmentField;
		const prefix = segmentLists ? String(ctx.getNodeParameter('klaviyoListPrefix', itemIndex, DEFAULT_MEMBERSHIP.prefix) ?? '') : '';
		const credentialId = (ctx.getNode().credentials?.microKlaviyoApi as { id?: string | null } | undefined)?.id ?? undefined;
		return createKlaviyoProvider({
			action,
			baseUrl: String(credentials.baseUrl ?? '').trim() || undefined,
			properties,
			segmentLists,
			membership: { segmentField, prefix },
			eventPrefix: action === 'event' ? String(ctx.getNodeParameter('klaviyoEventPrefix', itemIndex, 'Entered segment ') ?? '') : undefined,
			limiterScope: credentialId ?? String(credentials.baseUrl ?? 'default'),
		});
	},
};
