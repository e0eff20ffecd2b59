import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import { createHubSpotProvider, type HubSpotAction, type HubSpotPropertyMapping } from '../../core/delivery/providers/hubspot';
import type { ModuleProvider, ProviderModule } from './module';
import { fieldList } from './shared';

const showCrm = { show: { provider: ['hubspot'] } };
const showEmail = { show: { provider: ['hubspotEmail'] } };

function propertyMappingParameter(name: string, displayOptions: INodeProperties['displayOptions'], defaults: boolean): INodeProperties {
	const parameter: INodeProperties = {
		displayName: 'Contact Properties',
		name,
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Property',
		default: {},
		displayOptions,
		description:
			'HubSpot contact properties to write, each from a field of the customer. The properties must exist in HubSpot (Settings > Properties); a missing field leaves the property unchanged.',
		options: [
			{
				name: 'property',
				displayName: 'Property',
				values: [
					{
						displayName: 'HubSpot Property',
						name: 'property',
						type: 'string',
						default: '',
						placeholder: 'e.g. rfm_segment',
						description: 'Internal name of the HubSpot property',
					},
					{
						displayName: 'Field',
						name: 'field',
						type: 'string',
						default: '',
						placeholder: 'e.g. rfm.segment',
						description: 'Field of the item (dotted paths read nested fields)',
					},
				],
			},
		],
	};
	if (defaults)
		parameter.default = {
			property: [
				{ property: 'rfm_segment', field: 'rfm.segment' },
				{ property: 'rfm_score', field: 'rfm.cell' },
			],
		};
	return parameter;
}

const crmProperties: INodeProperties[] = [
	{
		displayName: 'Action',
		name: 'hubspotAction',
		type: 'options',
		noDataExpression: true,
		displayOptions: showCrm,
		options: [
			{ name: 'Update Contact Properties', value: 'updateProperties', description: 'Write properties such as rfm_segment on each contact (created when missing), 100 per request' },
			{ name: 'Add to List', value: 'listAdd', description: 'Add the contacts to a static list (created or updated first, so they exist)' },
			{ name: 'Remove From List', value: 'listRemove', description: 'Remove the contacts from a static list; customers who are not contacts are left alone' },
		],
		default: 'updateProperties',
		description: 'What to do in HubSpot for each customer (matched by email)',
	},
	{
		displayName: 'List ID',
		name: 'hubspotListId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { provider: ['hubspot'], hubspotAction: ['listAdd', 'listRemove'] } },
		placeholder: 'e.g. 123',
		description: 'ID of a static (MANUAL or SNAPSHOT) list, from the list URL in HubSpot (Contacts > Lists)',
	},
	propertyMappingParameter('hubspotProperties', { show: { provider: ['hubspot'], hubspotAction: ['updateProperties', 'listAdd'] } }, true),
];

const emailProperties: INodeProperties[] = [
	{
		displayName: 'Email ID',
		name: 'hubspotEmailId',
		type: 'number',
		default: 0,
		required: true,
		displayOptions: showEmail,
		description: 'ID of the marketing email saved for single-send API use (Marketing > Email > email details). Needs Marketing Hub Enterprise or the transactional email add-on.',
	},
	{
		displayName: 'Custom Properties Fields',
		name: 'hubspotCustomFields',
		type: 'string',
		default: '',
		displayOptions: showEmail,
		placeholder: 'e.g. firstName, playbook.offer',
		description: 'Fields passed to the email as custom properties ({{ custom.firstName }} in the email), separated by commas',
	},
	propertyMappingParameter('hubspotEmailProperties', showEmail, false),
];

function mappings(ctx: IExecuteFunctions, name: string, itemIndex: number): HubSpotPropertyMapping[] {
	const value = ctx.getNodeParameter(name, itemIndex, {}) as IDataObject;
	const rows = (value.property as IDataObject[] | undefined) ?? [];
	const out: HubSpotPropertyMapping[] = [];
	for (const row of rows) {
		const property = String(row.property ?? '').trim();
		const field = String(row.field ?? '').trim();
		if (!property && !field) continue;
		if (!property || !field)
			throw new NodeOperationError(ctx.getNode(), 'Each contact property needs both a HubSpot property name and a field', { itemIndex });
		if (!/^[a-z0-9_]+$/i.test(property))
			throw new NodeOperationError(ctx.getNode(), `"${property}" is not a HubSpot internal property name (letters, digits, underscores)`, { itemIndex });
		out.push({ property, field });
	}
	return out;
}

export const hubspotModule: ProviderModule = {
	id: 'hubspot',
	displayName: 'HubSpot CRM (Properties, Lists)',
	description: 'Write segment properties on contacts or add/remove them to/from a static list',
	credentialType: 'microHubSpotApi',
	channel: 'crm',
	addressField: 'email',
	addressFallbacks: ['Email', 'properties.email', 'emailAddress'],
	transport: 'credential',
	properties: crmProperties,
	async create(ctx: IExecuteFunctions, itemIndex: number): Promise<ModuleProvider> {
		const credentials = (await ctx.getCredentials('microHubSpotApi', itemIndex)) as IDataObject;
		const chosen = ctx.getNodeParameter('hubspotAction', itemIndex, 'updateProperties') as string;
		const action: HubSpotAction = chosen === 'listAdd' || chosen === 'listRemove' ? chosen : 'upsert';
		const listId = String(ctx.getNodeParameter('hubspotListId', itemIndex, '') ?? '').trim();
		if ((action === 'listAdd' || action === 'listRemove') && !/^\d+$/.test(listId))
			throw new NodeOperationError(ctx.getNode(), 'List ID must be the number of a HubSpot list', { itemIndex });
		const properties = action === 'listRemove' ? [] : mappings(ctx, 'hubspotProperties', itemIndex);
		if (action === 'upsert' && properties.length === 0)
			throw new NodeOperationError(ctx.getNode(), 'Add at least one contact property to update', { itemIndex });
		return createHubSpotProvider({ action, baseUrl: String(credentials.baseUrl ?? '').trim() || undefined, properties, listId });
	},
};

export const hubspotEmailModule: ProviderModule = {
	id: 'hubspotEmail',
	displayName: 'HubSpot Marketing Email',
	description: 'Send a saved HubSpot marketing email to each customer (single-send API, never twice per send key)',
	credentialType: 'microHubSpotApi',
	channel: 'email',
	addressField: 'email',
	addressFallbacks: ['Email', 'properties.email', 'emailAddress'],
	transport: 'credential',
	properties: emailProperties,
	async create(ctx: IExecuteFunctions, itemIndex: number): Promise<ModuleProvider> {
		const credentials = (await ctx.getCredentials('microHubSpotApi', itemIndex)) as IDataObject;
		const emailId = Number(ctx.getNodeParameter('hubspotEmailId', itemIndex, 0));
		if (!Number.isInteger(emailId) || emailId <= 0)
			throw new NodeOperationError(ctx.getNode(), 'Email ID must be the positive number of a HubSpot marketing email', { itemIndex });
		return createHubSpotProvider({
			action: 'singleSend',
			baseUrl: String(credentials.baseUrl ?? '').trim() || undefined,
			emailId,
			properties: mappings(ctx, 'hubspotEmailProperties', itemIndex),
			customPropertyFields: fieldList(ctx.getNodeParameter('hubspotCustomFields', itemIndex, '')),
		});
	},
};
