/**
 * SMTP through nodemailer with a pooled connection: one message per recipient (maxBatchSize 1,
 * the engine's concurrency = the pool's connections), subject/HTML/text rendered per recipient
 * with `{{field}}` placeholders (values HTML-escaped in the HTML body).
 *
 * Replies: 2xx sent (message id = the server's queue id when it gives one, else our Message-ID);
 * 4xx and dropped/timed-out connections → retried by the engine; 5xx on the recipient or the
 * message → failed `rejected`; 5xx on the sender (MAIL FROM) or refused login → the run stops.
 * Every message carries a Message-ID derived from its send key, so a message retried after a lost
 * reply keeps its identity (receiving systems and the marketer can spot the rare duplicate that
 * SMTP cannot rule out).
 */
import { createHash } from 'node:crypto';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- runtime dependency of this package: the SMTP client
import { createTransport, type Transporter } from 'nodemailer';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- type-only import of the runtime dependency above (erased when compiled)
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { TransportError, type HttpRequest } from '../../net/http';
import type { BatchResult, Provider, ProviderLimits, Recipient } from '../types';
import { redact } from '../../net/redact';
import { renderPlaceholders } from './placeholders';
import { sendEach } from './util';

export const SMTP_LIMITS: ProviderLimits = {
	maxBatchSize: 1,
	requestsPerInterval: 10,
	intervalMs: 1000,
	concurrency: 3,
};

export interface SmtpServerOptions {
	host: string;
	port?: number;
	/** TLS from the first byte (port 465). Otherwise STARTTLS is used when the server offers it. */
	secure?: boolean;
	/** Refuse to send without STARTTLS. */
	requireTls?: boolean;
	user?: string;
	password?: string;
	/** Check the server's TLS certificate (turn off only for self-signed test servers). */
	rejectUnauthorized?: boolean;
	/** Connections in the pool (default: the concurrency, 3). */
	maxConnections?: number;
	connectionTimeoutMs?: number;
	greetingTimeoutMs?: number;
	socketTimeoutMs?: number;
}

export interface SmtpMessageOptions {
	/** Sender: `news@shop.com` or `Shop <news@shop.com>`. */
	from: string;
	replyTo?: string;
	/** Subject, HTML body and text body with `{{field}}` placeholders; HTML or text is required. */
	subject: string;
	html?: string;
	text?: string;
	/** List-Unsubscribe target (URL or mailto:, placeholders allowed); adds the one-click header for URLs. */
	listUnsubscribe?: string;
	/**
	 * Evaluates placeholders that are not plain field paths (n8n expressions such as
	 * `{{ $now.toISODate() }}`) for the recipient's input item; the node passes n8n's evaluator.
	 */
	expression?: (expression: string, itemIndex: number) => unknown;
}

export interface SmtpOptions extends SmtpServerOptions, SmtpMessageOptions {
	limits?: Partial<ProviderLimits>;
}

export type SmtpProvider = Provider & { close: () => Promise<void> };

const EMAIL = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;

export function isEmail(address: string): boolean {
	return EMAIL.test(address.trim());
}

/** The address part of `Name <addr>` or `addr`. */
export function addressOf(from: string): string | undefined {
	const m = /<([^<>]+)>\s*$/.exec(from.trim());
	const a = (m ? m[1] : from).trim();
	return isEmail(a) ? a : undefined;
}

/** Deterministic Message-ID of a send key. */
export function messageIdFor(sendKey: string, from: string): string {
	const domain = addressOf(from)?.split('@')[1] ?? 'microsegments.invalid';
	return `<${createHash('sha256').update(sendKey).digest('hex').slice(0, 32)}@${domain}>`;
}

function validateOptions(options: SmtpOptions): void {
	if (!options.host?.trim()) throw new Error('SMTP host is missing');
	const port = options.port ?? (options.secure ? 465 : 587);
	if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('SMTP port must be a whole number between 1 and 65535');
	if (!addressOf(options.from ?? '')) throw new Error('The sender (From) must be an email address, e.g. Shop <news@shop.com>');
	if (options.replyTo && !addressOf(options.replyTo)) throw new Error('Reply-To must be an email address');
	if (!options.subject?.trim()) throw new Error('The email subject is empty');
	if (!options.html?.trim() && !options.text?.trim()) throw new Error('The email needs an HTML body or a text body');
}

/** Creates the pooled nodemailer transport (exported for the credential test). */
export function smtpTransport(server: SmtpServerOptions, pool = true): Transporter {
	const port = server.port ?? (server.secure ? 465 : 587);
	const options: SMTPPool.Options = {
		pool: true,
		maxConnections: server.maxConnections ?? SMTP_LIMITS.concurrency,
		maxMessages: 100,
		host: server.host.trim(),
		port,
		secure: server.secure ?? port === 465,
		requireTLS: server.requireTls ?? false,
		auth: server.user ? { user: server.user, pass: server.password ?? '' } : undefined,
		tls: { rejectUnauthorized: server.rejectUnauthorized ?? true },
		connectionTimeout: server.connectionTimeoutMs ?? 30000,
		greetingTimeout: server.greetingTimeoutMs ?? 30000,
		socketTimeout: server.socketTimeoutMs ?? 60000,
		logger: false,
		debug: false,
	};
	if (!pool) return createTransport({ ...options, pool: undefined } as Omit<SMTPPool.Options, 'pool'>);
	return createTransport(options);
}

interface SmtpError extends Error {
	code?: string;
	responseCode?: number;
	command?: string;
	response?: string;
}

/** `SMTP 550 5.1.1` from a reply, without the text (which often repeats the address). */
function replyCode(err: SmtpError): string {
	const enhanced = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(err.response ?? '')?.[1];
	return `SMTP ${err.responseCode ?? '?'}${enhanced ? ` ${enhanced}` : ''}`;
}

/** The server's queue id from a 250 reply (Postfix "queued as", Exim "id=", Gmail, SES), if any. */
export function queueIdOf(response: string | undefined): string | undefined {
	if (!response) return undefined;
	const m =
		/queued as\s+<?([A-Za-z0-9._@-]+)>?/i.exec(response) ??
		/\bid=<?([A-Za-z0-9._@-]+)>?/i.exec(response) ??
		// Gmail: "250 2.0.0 OK  1700000000 a1b2c3si123 - gsmtp"; Amazon SES: "250 Ok 0100018b...-000000"
		/\bOK\s+\d+\s+([A-Za-z0-9._-]+)\s+-\s+gsmtp/i.exec(response) ??
		/^250\s+Ok\s+([0-9a-f]{16,}(?:-[0-9a-f]+)+)\s*$/i.exec(response.trim());
	return m?.[1];
}

export function createSmtpProvider(options: SmtpOptions, transporter?: Transporter): SmtpProvider {
	validateOptions(options);
	const limits: ProviderLimits = { ...SMTP_LIMITS, ...(options.limits ?? {}), maxBatchSize: 1 };
	let transport: Transporter | undefined = transporter;
	const getTransport = () => (transport ??= smtpTransport({ maxConnections: limits.concurrency, ...options }));
	const port = options.port ?? (options.secure ? 465 : 587);

	function render(recipient: Recipient) {
		const f = recipient.fields;
		const resolve = options.expression ? (e: string) => options.expression!(e, recipient.itemIndex) : undefined;
		const mail: Record<string, unknown> = {
			from: options.from.trim(),
			to: recipient.address.trim(),
			subject: renderPlaceholders(options.subject, f, { resolve }).replace(/[\r\n]+/g, ' '),
			messageId: messageIdFor(recipient.sendKey, options.from),
		};
		if (options.replyTo) mail.replyTo = options.replyTo.trim();
		if (options.html?.trim()) mail.html = renderPlaceholders(options.html, f, { html: true, resolve });
		if (options.text?.trim()) mail.text = renderPlaceholders(options.text, f, { resolve });
		const unsub = options.listUnsubscribe ? renderPlaceholders(options.listUnsubscribe, f, { resolve }).trim() : '';
		if (unsub) {
			const headers: Record<string, string> = { 'List-Unsubscribe': `<${unsub}>` };
			if (/^https:/i.test(unsub)) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
			mail.headers = headers;
		}
		return mail;
	}

	async function sendOne(recipient: Recipient): Promise<BatchResult> {
		const fail = (reason: string, detail: string): BatchResult => ({
			kind: 'done',
			outcomes: [{ recipient, status: 'failed', reason, detail }],
		});
		if (!isEmail(recipient.address ?? '')) return fail('invalid_address', 'Not an email address');
		const mail = render(recipient);
		let info: { accepted?: unknown[]; rejected?: unknown[]; response?: string; messageId?: string };
		try {
			info = await getTransport().sendMail(mail);
		} catch (error) {
			const err = error as SmtpError;
			const code = err.responseCode;
			const command = (err.command ?? '').toUpperCase();
			if (err.code === 'EAUTH' || command.startsWith('AUTH'))
				return { kind: 'fatal', reason: 'auth_failed', detail: `The SMTP server refused the login (${replyCode(err)})`, stopRun: true };
			if (err.code === 'ETLS')
				return { kind: 'fatal', reason: 'tls_failed', detail: 'TLS with the SMTP server failed (check Secure/port and certificate)', stopRun: true };
			if (code !== undefined && code >= 400 && code < 500) return { kind: 'retry', reason: `smtp_${code}` };
			if (code !== undefined && code >= 500) {
				if (command === 'MAIL FROM')
					return { kind: 'fatal', reason: 'sender_rejected', detail: `The SMTP server refused the sender (${replyCode(err)})`, stopRun: true };
				return fail('rejected', `The SMTP server refused the message (${replyCode(err)})`);
			}
			if (err.code === 'EENVELOPE' || err.code === 'EMESSAGE') return fail('rejected', redact(err.message, [recipient.address], 160) ?? 'rejected');
			// No connection or no greeting: nothing was sent, retry.
			if ((err.code === 'ETIMEDOUT' && /greeting/i.test(err.message)) || (err.code === 'ESOCKET' && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(err.message)) || err.code === 'EDNS')
				return { kind: 'retry', reason: 'connection_failed' };
			// The connection broke or timed out mid-conversation: the server may have accepted the
			// message. Thrown like a transport error so the engine records an unknown outcome.
			throw new TransportError('SMTP connection lost', err.code === 'ETIMEDOUT' ? 'ETIMEDOUT' : 'ECONNRESET');
		}
		const accepted = (info.accepted ?? []).map(String);
		if (!accepted.length) return fail('rejected', 'The SMTP server accepted no recipient');
		const messageId = queueIdOf(info.response) ?? (info.messageId ?? (mail.messageId as string)).replace(/^<|>$/g, '');
		return { kind: 'done', outcomes: [{ recipient, status: 'sent', messageId }] };
	}

	return {
		id: 'smtp',
		limits,
		addressKey: (address) => address.trim().toLowerCase(),
		validate(recipient) {
			const a = (recipient.address ?? '').trim();
			if (!a) return 'missing_address';
			return isEmail(a) ? undefined : 'invalid_address';
		},
		plan(batch) {
			return batch.map((r): HttpRequest => {
				const mail = render(r);
				return {
					method: 'POST',
					url: `smtp://${options.host.trim()}:${port}`,
					headers: { From: String(mail.from), To: String(mail.to), Subject: String(mail.subject), 'Message-ID': String(mail.messageId) },
					body: mail,
				};
			});
		},
		send: (batch: Recipient[]) => sendEach(batch, sendOne),
		async close() {
			if (transport) {
				transport.close();
				transport = undefined;
			}
		},
	};
}

/** Logs in and out (credential test). Resolves with an error message without secrets, or undefined. */
export async function verifySmtp(server: SmtpServerOptions): Promise<string | undefined> {
	const t = smtpTransport(server, false);
	try {
		await t.verify();
		return undefined;
	} catch (error) {
		const err = error as SmtpError;
		if (err.code === 'EAUTH') return `The SMTP server refused the login (${replyCode(err)})`;
		if (err.code === 'ETLS' || /tls|ssl|certificate/i.test(err.message)) return 'TLS with the SMTP server failed (check Secure, port and certificate)';
		if (err.code === 'ETIMEDOUT') return 'The SMTP server did not answer in time';
		return `Could not connect to the SMTP server (${err.code ?? 'error'})`;
	} finally {
		t.close();
	}
}
