/**
 * Brevo transactional email (POST /v3/smtp/email, `api-key` header) with a template and
 * per-recipient `params` through `messageVersions` (up to 1,000 versions per call; batch sending
 * is limited to 100 calls per minute). Every request carries `headers.idempotencyKey`, a UUID
 * derived from the batch's send keys, which Brevo remembers for 30 minutes: a batch re-sent
 * unchanged within that time (retry after a timeout, recovery of an interrupted run) is not
 * delivered twice. Success is 201 `{ messageIds: [...] }` (one per version); 429 carries
 * `x-sib-ratelimit-reset` (seconds until the window resets).
 */
import type { HttpRequest } from '../../net/http';
import { batchIdempotencyKey } from '../keys';
import { redact } from '../../net/redact';
import { errorMessage } from '../../net/body';
import { parseRetryAfter, parseSecondsReset } from '../../net/retry';
import { resultForStatus } from '../status';
import type { BatchResult, Provider, ProviderLimits, Recipient, SendContext } from '../types';
import { assertSafePaths, getPath } from '../../fields';
import { isEmail, pickTemplateData, stringValue } from './util';

export interface BrevoOptions {
	/** API base URL (default https://api.brevo.com). */
	baseUrl?: string;
	/** Only when the transport does not authenticate (tests, benches). */
	apiKey?: string;
	templateId: number;
	senderEmail?: string;
	senderName?: string;
	replyToEmail?: string;
	/** Field holding the recipient's name (to.name); empty: none. */
	nameField?: string;
	/** Item fields passed as params (dotted paths allowed); empty: every field. */
	paramFields?: string[];
	/** Tags for Brevo's statistics (the campaign key is always added). */
	tags?: string[];
	limits?: Partial<ProviderLimits>;
}

export const BREVO_LIMITS: ProviderLimits = { maxBatchSize: 1000, requestsPerInterval: 100, intervalMs: 60000, concurrency: 4 };
export const BREVO_IDEMPOTENCY_MS = 30 * 60000;

export function createBrevoProvider(o: BrevoOptions): Provider {
	assertSafePaths(o.paramFields ?? [], 'Params Fields');
	assertSafePaths([o.nameField], 'Name Field');
	const base = (o.baseUrl ?? 'https://api.brevo.com').replace(/\/+$/, '');
	const limits = { ...BREVO_LIMITS, ...(o.limits ?? {}) };
	limits.maxBatchSize = Math.min(1000, Math.max(1, limits.maxBatchSize));

	const build = (batch: Recipient[], campaignKey: string): HttpRequest => {
		const messageVersions = batch.map((r) => {
			const name = o.nameField ? stringValue(getPath(r.fields, o.nameField)) : undefined;
			return { to: [name ? { email: r.address, name } : { email: r.address }], params: pickTemplateData(r.fields, o.paramFields) };
		});
		const body: Record<string, unknown> = {
			templateId: o.templateId,
			messageVersions,
			headers: { idempotencyKey: batchIdempotencyKey(batch.map((r) => r.sendKey)) },
			tags: [...new Set([campaignKey, ...(o.tags ?? [])])].filter((t) => t !== ''),
		};
		if (o.senderEmail) body.sender = o.senderName ? { email: o.senderEmail, name: o.senderName } : { email: o.senderEmail };
		if (o.replyToEmail) body.replyTo = { email: o.replyToEmail };
		const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
		if (o.apiKey) headers['api-key'] = o.apiKey;
		return { method: 'POST', url: `${base}/v3/smtp/email`, headers, body, timeoutMs: 30000 };
	};

	return {
		id: 'brevo',
		limits,
		idempotencyWindowMs: BREVO_IDEMPOTENCY_MS,
		addressKey: (a) => a.trim().toLowerCase(),
		validate: (r) => (isEmail(r.address) ? undefined : 'invalid_address'),
		plan: (batch, ctx) => [build(batch, ctx.campaignKey)],
		async send(batch: Recipient[], ctx: SendContext): Promise<BatchResult> {
			const res = await ctx.transport(build(batch, ctx.campaignKey));
			if (res.status === 201 || res.status === 200 || res.status === 202) {
				const ids = (res.body as { messageIds?: unknown; messageId?: unknown }) ?? {};
				const list = Array.isArray(ids.messageIds) ? ids.messageIds.map(String) : [];
				const single = typeof ids.messageId === 'string' ? ids.messageId : undefined;
				return {
					kind: 'done',
					outcomes: batch.map((recipient, i) => ({ recipient, status: 'sent', messageId: list[i] ?? list[0] ?? single })),
				};
			}
			if (res.status === 429)
				return {
					kind: 'retry',
					reason: 'rate_limited',
					afterMs: parseSecondsReset(res.headers['x-sib-ratelimit-reset']) ?? parseRetryAfter(res.headers['retry-after'], ctx.now()),
				};
			if (res.status === 400) {
				const code = String((res.body as { code?: unknown })?.code ?? '');
				const detail = redact(errorMessage(res.body) ?? 'Brevo answered 400');
				// Brevo rejects the whole request without saying which version: let the engine split it
				// when the message is about a recipient, stop on configuration problems.
				if (/email|to\b|recipient|contact/i.test(detail ?? '') && batch.length > 1) return { kind: 'fatal', reason: 'invalid_address', detail };
				if (batch.length === 1 && /email|to\b|recipient|contact/i.test(detail ?? ''))
					return { kind: 'done', outcomes: [{ recipient: batch[0], status: 'failed', reason: 'invalid_address', detail }] };
				return { kind: 'fatal', reason: code === 'invalid_parameter' || code === 'missing_parameter' ? 'invalid_request' : 'http_400', detail, stopRun: true };
			}
			return resultForStatus(res);
		},
	};
}
