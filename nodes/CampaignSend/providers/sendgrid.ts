import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import { createSendGridProvider } from '../../core/delivery/providers/sendgrid';
import type { ModuleProvider, ProviderModule } from './module';
import { fieldList } from './shared';

const show = { show: { provider: ['sendgrid'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Dynamic Template ID',
		name: 'sendgridTemplateId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: show,
		placeholder: 'e.g. d-2f1b0c5e8a7d4e6f9b3c1a2d4e5f6a7b',
		description: 'ID of the SendGrid dynamic template (Email API > Dynamic Templates); it starts with d-',
	},
	{
		displayName: 'From Email',
		name: 'sendgridFromEmail',
		type: 'string',
		default: '',
		required: true,
		displayOptions: show,
		placeholder: 'e.g. hello@yourshop.com',
		description: 'Sender address; it must be a verified sender or on an authenticated domain in SendGrid',
	},
	{
		displayName: 'From Name',
		name: 'sendgridFromName',
		type: 'string',
		default: '',
		displayOptions: show,
		placeholder: 'e.g. Your Shop',
		description: 'Sender name shown in the inbox',
	},
	{
		displayName: 'Template Data Fields',
		name: 'sendgridTemplateFields',
		type: 'string',
		default: '',
		displayOptions: show,
		placeholder: 'e.g. firstName, rfm.segment, playbook.offer',
		description:
			'Fields of each customer passed to the template as dynamic_template_data, separated by commas (dotted paths keep their nesting, so {{rfm.segment}} works in the template). Leave empty to pass every field of the item.',
	},
	{
		displayName: 'Options',
		name: 'sendgridOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Categories',
				name: 'categories',
				type: 'string',
				default: '',
				placeholder: 'e.g. rfm, winback',
				description: "Up to 10 categories, separated by commas, for SendGrid's statistics",
			},
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
				displayName: 'Sandbox Mode',
				name: 'sandbox',
				type: 'boolean',
				default: false,
				description: 'Whether SendGrid only validates the request and delivers nothing (the ledger still records the sends)',
			},
			{
				displayName: 'Segment Field',
				name: 'segmentField',
				type: 'string',
				default: '',
				placeholder: 'e.g. rfm.segment',
				description:
					'Field sent as the custom argument "segment" (visible in SendGrid events). Leave empty to use route.segment, then rfm.segment.',
			},
			{
				displayName: 'Unsubscribe Group ID',
				name: 'asmGroupId',
				type: 'number',
				default: 0,
				description: 'SendGrid unsubscribe group (ASM) of this campaign; 0 for none',
			},
		],
	},
];

export const sendgridModule: ProviderModule = {
	id: 'sendgrid',
	displayName: 'SendGrid Email',
	description: 'Dynamic-template email, up to 1,000 customers per request',
	credentialType: 'microSendGridApi',
	channel: 'email',
	addressField: 'email',
	addressFallbacks: ['Email', 'emailAddress', 'email_address', 'contact.email'],
	transport: 'credential',
	properties,
	async create(ctx: IExecuteFunctions, itemIndex: number): Promise<ModuleProvider> {
		const credentials = (await ctx.getCredentials('microSendGridApi', itemIndex)) as IDataObject;
		const templateId = String(ctx.getNodeParameter('sendgridTemplateId', itemIndex, '')).trim();
		const fromEmail = String(ctx.getNodeParameter('sendgridFromEmail', itemIndex, '')).trim();
		const options = ctx.getNodeParameter('sendgridOptions', itemIndex, {}) as IDataObject;
		if (!/^d-[0-9a-f]{32}$/i.test(templateId))
			throw new NodeOperationError(ctx.getNode(), 'Dynamic Template ID must look like d- followed by 32 letters and digits', { itemIndex });
		if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(fromEmail)) throw new NodeOperationError(ctx.getNode(), 'From Email is not a valid address', { itemIndex });
		const categories = fieldList(options.categories);
		if (categories.length > 10) throw new NodeOperationError(ctx.getNode(), 'SendGrid accepts at most 10 categories', { itemIndex });
		return createSendGridProvider({
			baseUrl: String(credentials.baseUrl ?? '').trim() || undefined,
			templateId,
			fromEmail,
			fromName: String(ctx.getNodeParameter('sendgridFromName', itemIndex, '')).trim() || undefined,
			replyToEmail: String(options.replyTo ?? '').trim() || undefined,
			nameField: String(options.nameField ?? '').trim() || undefined,
			templateFields: fieldList(ctx.getNodeParameter('sendgridTemplateFields', itemIndex, '')),
			categories,
			segmentField: String(options.segmentField ?? '').trim() || undefined,
			asmGroupId: Number(options.asmGroupId) > 0 ? Number(options.asmGroupId) : undefined,
			sandbox: options.sandbox === true,
		});
	},
};
