import {
	NodeOperationError,
	type ICredentialTestFunctions,
	type ICredentialsDecrypted,
	type IDataObject,
	type IExecuteFunctions,
	type INodeCredentialTestResult,
	type INodeProperties,
} from 'n8n-workflow';
import { createSmtpProvider, verifySmtp, type SmtpServerOptions } from '../../core/delivery/providers/smtp';
import type { ModuleProvider, ProviderModule } from './module';

const show = { show: { provider: ['smtp'] } };

const PLACEHOLDER_HINT =
	'Use {{firstName}} for a field of the customer, {{rfm.segment}} for nested fields, {{firstName | there}} for a fallback';

const properties: INodeProperties[] = [
	{
		displayName: 'Subject',
		name: 'smtpSubject',
		type: 'string',
		default: '',
		required: true,
		displayOptions: show,
		placeholder: 'e.g. {{firstName | Hi}}, a thank-you for our best customers',
		description: `Email subject, rendered for each customer. ${PLACEHOLDER_HINT}.`,
	},
	{
		displayName: 'HTML Body',
		name: 'smtpHtml',
		type: 'string',
		typeOptions: { rows: 8 },
		default: '',
		displayOptions: show,
		placeholder: '<p>Hi {{firstName | there}},</p><p>Your code: <b>{{playbook.offer}}</b></p>',
		description: 'HTML of the email. Field values are HTML-escaped, so customer data cannot break the layout. Give an HTML body, a text body, or both.',
	},
	{
		displayName: 'Text Body',
		name: 'smtpText',
		type: 'string',
		typeOptions: { rows: 5 },
		default: '',
		displayOptions: show,
		description: 'Plain-text version, shown by mail apps that do not display HTML. Same placeholders as the subject.',
	},
	{
		displayName: 'Options',
		name: 'smtpOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Connections',
				name: 'connections',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 20 },
				default: 3,
				description: 'SMTP connections kept open and reused for the run (most providers allow 2–10)',
			},
			{
				displayName: 'From',
				name: 'from',
				type: 'string',
				default: '',
				placeholder: 'e.g. Your Shop <news@yourshop.com>',
				description: 'Sender for this campaign; leave empty to use the sender of the credential',
			},
			{
				displayName: 'List-Unsubscribe Link',
				name: 'listUnsubscribe',
				type: 'string',
				default: '',
				placeholder: 'e.g. https://yourshop.com/unsubscribe?c={{customerId}}',
				description:
					'Adds the List-Unsubscribe header (and one-click unsubscribe for https links) that Gmail and Yahoo expect from bulk senders. Placeholders allowed.',
			},
			{
				displayName: 'Reply-To',
				name: 'replyTo',
				type: 'string',
				default: '',
				placeholder: 'e.g. care@yourshop.com',
				description: 'Address that receives replies, if not the sender',
			},
		],
	},
];

function rawString(ctx: IExecuteFunctions, name: string, itemIndex: number): string {
	const v = ctx.getNodeParameter(name, itemIndex, '', { rawExpressions: true });
	return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

export function serverOptions(credentials: IDataObject): SmtpServerOptions {
	return {
		host: String(credentials.host ?? ''),
		port: Number(credentials.port ?? 587),
		secure: credentials.secure === true,
		requireTls: credentials.requireTls === true,
		user: credentials.user ? String(credentials.user) : undefined,
		password: credentials.password ? String(credentials.password) : undefined,
		rejectUnauthorized: credentials.allowSelfSigned !== true,
	};
}

export const smtpModule: ProviderModule = {
	id: 'smtp',
	displayName: 'SMTP Email',
	description: 'Send one email per customer through your own mail server (subject and body with placeholders)',
	credentialType: 'microSmtp',
	channel: 'email',
	addressField: 'email',
	addressFallbacks: ['emailAddress', 'Email', 'customer.email'],
	transport: 'none',
	properties,
	async create(ctx: IExecuteFunctions, itemIndex: number): Promise<ModuleProvider> {
		const credentials = (await ctx.getCredentials('microSmtp', itemIndex)) as IDataObject;
		const options = ctx.getNodeParameter('smtpOptions', itemIndex, {}) as IDataObject;
		const rawOptions = ctx.getNodeParameter('smtpOptions', itemIndex, {}, { rawExpressions: true }) as IDataObject;
		const connections = Math.max(1, Math.min(20, Math.floor(Number(options.connections ?? 3)) || 3));
		const from = String(options.from ?? '').trim() || String(credentials.from ?? '').trim();
		try {
			return createSmtpProvider({
				...serverOptions(credentials),
				maxConnections: connections,
				from,
				replyTo: String(options.replyTo ?? '').trim() || undefined,
				subject: rawString(ctx, 'smtpSubject', itemIndex),
				html: rawString(ctx, 'smtpHtml', itemIndex),
				text: rawString(ctx, 'smtpText', itemIndex),
				listUnsubscribe: typeof rawOptions.listUnsubscribe === 'string' ? rawOptions.listUnsubscribe : undefined,
				limits: { concurrency: connections },
				expression: (expression, i) => ctx.evaluateExpression(`={{ ${expression} }}`, i),
			});
		} catch (error) {
			throw new NodeOperationError(ctx.getNode(), (error as Error).message, { itemIndex });
		}
	},
};

/** Credential test for `microSmtp` (node `methods.credentialTest`): logs in and out, sends nothing. */
export async function microSmtpConnectionTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = (credential.data ?? {}) as IDataObject;
	if (!String(data.host ?? '').trim()) return { status: 'Error', message: 'The host is empty' };
	const problem = await verifySmtp({ ...serverOptions(data), connectionTimeoutMs: 15000, greetingTimeoutMs: 15000 });
	return problem ? { status: 'Error', message: problem } : { status: 'OK', message: 'Connected and logged in' };
}
