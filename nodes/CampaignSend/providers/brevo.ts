import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import { createBrevoProvider } from '../../core/delivery/providers/brevo';
import type { ModuleProvider, ProviderModule } from './module';
import { fieldList } from './shared';

const show = { show: { provider: ['brevo'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Template ID',
		name: 'brevoTemplateId',
		type: 'number',
		default: 0,
		required: true,
		displayOptions: show,
		description: 'Number of the Brevo transactional template (Transactional > Templates); the template sets subject and sender unless you set a sender below',
	},
	{
		displayName: 'Params Fields',
		name: 'brevoParamFields',
		type: 'string',
		default: '',
		displayOptions: show,
		placeholder: 'e.g. firstName, rfm.segment, playbook.offer',
		description:
			'Fields of each customer passed to the template as params, separated by commas (use {{ params.firstName }} in the template). Leave empty to pass every field of the item.',
	},
	{
		displayName: 'Options',
		name: 'brevoOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Name Field',
				name: 'nameField',
				type: 'string',
				default: '',
				placeholder: 'e.g. firstName',
				description: "Field holding the customer's name, shown next to the address",
			},
			{
				displayName: 'Reply-To Email',
				name: 'replyTo',
				type: 'string',
				default: '',
				placeholder: 'e.g. support@yourshop.com',
			},
			{
				displayName: 'Sender Email',
				name: 'senderEmail',
				type: 'string',
				default: '',
				placeholder: 'e.g. hello@yourshop.com',
				description: "Overrides the template's sender; it must be a sender validated in Brevo",
			},
			{
				displayName: 'Sender Name',
				name: 'senderName',
				type: 'string',
				default: '',
			},
			{
				displayName: 'Tags',
				name: 'tags',
				type: 'string',
				default: '',
				placeholder: 'e.g. rfm, winback',
				description: "Tags separated by commas for Brevo's statistics (the campaign key is always added)",
			},
		],
	},
];

export const brevoModule: ProviderModule = {
	id: 'brevo',
	displayName: 'Brevo Email',
	description: 'Template email with per-customer params, up to 1,000 customers per request, never sent twice within 30 minutes',
	credentialType: 'microBrevoApi',
	channel: 'email',
	addressField: 'email',
	addressFallbacks: ['Email', 'emailAddress', 'email_address', 'contact.email'],
	transport: 'credential',
	properties,
	async create(ctx: IExecuteFunctions, itemIndex: number): Promise<ModuleProvider> {
		const credentials = (await ctx.getCredentials('microBrevoApi', itemIndex)) as IDataObject;
		const templateId = Number(ctx.getNodeParameter('brevoTemplateId', itemIndex, 0));
		if (!Number.isInteger(templateId) || templateId <= 0)
			throw new NodeOperationError(ctx.getNode(), 'Template ID must be the positive number of a Brevo template', { itemIndex });
		const options = ctx.getNodeParameter('brevoOptions', itemIndex, {}) as IDataObject;
		const senderEmail = String(options.senderEmail ?? '').trim();
		if (senderEmail && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(senderEmail))
			throw new NodeOperationError(ctx.getNode(), 'Sender Email is not a valid address', { itemIndex });
		return createBrevoProvider({
			baseUrl: String(credentials.baseUrl ?? '').trim() || undefined,
			templateId,
			senderEmail: senderEmail || undefined,
			senderName: String(options.senderName ?? '').trim() || undefined,
			replyToEmail: String(options.replyTo ?? '').trim() || undefined,
			nameField: String(options.nameField ?? '').trim() || undefined,
			paramFields: fieldList(ctx.getNodeParameter('brevoParamFields', itemIndex, '')),
			tags: fieldList(options.tags),
		});
	},
};
