/**
 * SendGrid v3 Mail Send with a dynamic template: one request carries up to 1,000
 * personalizations, each with its recipient, its `dynamic_template_data` (from the item's
 * fields) and `custom_args` (campaign, segment, send key, so event webhooks map back).
 * Success is 202 with an empty body and `X-Message-Id`; 429 carries `X-RateLimit-Reset` (epoch
 * seconds); a 400 names the offending field (`personalizations.N...`), which is mapped back to
 * the recipient while the others are retried without it. SendGrid has no idempotency key: a
 * request whose outcome is unknown is not re-sent by a later run unless the node's
 * "Unconfirmed Sends" option says so.
 */
import type { HttpRequest, HttpResponse } from '../../net/http';
import { redact } from '../../net/redact';
import { errorMessage } from '../../net/body';
import { parseEpochReset, parseRetryAfter } from '../../net/retry';
import { resultForStatus } from '../status';
import type { BatchResult, Provider, ProviderLimits, Recipient, RecipientOutcome, SendContext } from '../types';
import { assertSafePaths, getPath } from '../../fields';
import { isEmail, pickTemplateData, stringValue } from './util';

export interface SendGridOptions {
	/** API base URL (default https://api.sendgrid.com). */
	baseUrl?: string;
	/** Only when the transport does not authenticate (tests, benches): sent as a Bearer token. */
	apiKey?: string;
	/** Dynamic template id (d-...). */
	templateId: string;
	fromEmail: string;
	fromName?: string;
	replyToEmail?: string;
	/** Field holding the recipient's display name (to.name); empty: none. */
	nameField?: string;
	/** Item fields passed as dynamic_template_data (dotted paths allowed); empty: every field of the item. */
	templateFields?: string[];
	/** Up to 10 categories for SendGrid's statistics. */
	categories?: string[];
	/** Field holding the segment name for custom_args.segment (default: route.segment, then rfm.segment). */
	segmentField?: string;
	/** Unsubscribe group id (asm.group_id); 0/undefined: none. */
	asmGroupId?: number;
	/** SendGrid sandbox mode: validated, not delivered. */
	sandbox?: boolean;
	limits?: Partial<ProviderLimits>;
}

/** SendGrid publishes ≤1,000 personalizations per request; Mail Send allows far more requests than 10/s, kept low by default. */
export const SENDGRID_LIMITS: ProviderLimits = { maxBatchSize: 1000, requestsPerInterval: 10, intervalMs: 1000, concurrency: 4 };

function segmentOf(r: Recipient, field: string | undefined): string | undefined {
	const paths = field ? [field] : ['route.segment', 'rfm.segment', 'segment'];
	for (const p of paths) {
		const v = stringValue(getPath(r.fields, p));
		if (v) return v;
	}
	return undefined;
}

export function createSendGridProvider(o: SendGridOptions): Provider {
	assertSafePaths(o.templateFields ?? [], 'Template Data Fields');
	assertSafePaths([o.nameField, o.segmentField], 'Name Field / Segment Field');
	const base = (o.baseUrl ?? 'https://api.sendgrid.com').replace(/\/+$/, '');
	const limits = { ...SENDGRID_LIMITS, ...(o.limits ?? {}) };
	limits.maxBatchSize = Math.min(1000, Math.max(1, limits.maxBatchSize));

	const build = (batch: Recipient[], campaignKey: string): HttpRequest => {
		const personalizations = batch.map((r) => {
			const name = o.nameField ? stringValue(getPath(r.fields, o.nameField)) : undefined;
			const customArgs: Record<string, string> = { campaign: campaignKey, send_key: r.sendKey };
			const segment = segmentOf(r, o.segmentField);
			if (segment) customArgs.segment = segment;
			return {
				to: [name ? { email: r.address, name: name.replace(/[;,]/g, ' ') } : { email: r.address }],
				dynamic_template_data: pickTemplateData(r.fields, o.templateFields),
				custom_args: customArgs,
			};
		});
		const body: Record<string, unknown> = {
			from: o.fromName ? { email: o.fromEmail, name: o.fromName } : { email: o.fromEmail },
			template_id: o.templateId,
			personalizations,
		};
		if (o.replyToEmail) body.reply_to = { email: o.replyToEmail };
		if (o.categories && o.categories.length > 0) body.categories = o.categories.slice(0, 10);
		if (o.asmGroupId) body.asm = { group_id: o.asmGroupId };
		if (o.sandbox) body.mail_settings = { sandbox_mode: { enable: true } };
		const headers: Record<string, string> = { 'content-type': 'application/json' };
		if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
		return { method: 'POST', url: `${base}/v3/mail/send`, headers, body, timeoutMs: 30000 };
	};

	const read400 = (res: HttpResponse, batch: Recipient[]): BatchResult => {
		const errors = (res.body as { errors?: { field?: string | null; message?: string }[] })?.errors ?? [];
		const bad = new Map<number, { reason: string; detail?: string }>();
		let other: string | undefined;
		for (const e of errors) {
			const m = /^personalizations\.(\d+)(\.(.*))?$/.exec(e.field ?? '');
			if (m && Number(m[1]) < batch.length) {
				const sub = m[3] ?? '';
				const reason = /^(to|cc|bcc)/.test(sub) || /email/i.test(e.message ?? '') ? 'invalid_address' : 'rejected';
				bad.set(Number(m[1]), { reason, detail: redact(e.message) });
			} else other = other ?? `${e.field ?? 'request'}: ${e.message ?? 'invalid'}`;
		}
		if (bad.size === 0) {
			// A problem with the request itself (template id, sender, categories...): stop the run.
			return { kind: 'fatal', reason: 'invalid_request', detail: redact(other ?? errorMessage(res.body) ?? 'SendGrid answered 400'), stopRun: true };
		}
		const outcomes: RecipientOutcome[] = batch.map((recipient, i) => {
			const b = bad.get(i);
			if (b) return { recipient, status: 'failed', reason: b.reason, detail: b.detail };
			return { recipient, status: 'failed', reason: 'batch_rejected', detail: 'Another recipient of the same request was refused; retried without it', retryable: true };
		});
		return { kind: 'done', outcomes };
	};

	return {
		id: 'sendgrid',
		limits,
		addressKey: (a) => a.trim().toLowerCase(),
		validate: (r) => (isEmail(r.address) ? undefined : 'invalid_address'),
		plan: (batch, ctx) => [build(batch, ctx.campaignKey)],
		async send(batch: Recipient[], ctx: SendContext): Promise<BatchResult> {
			const res = await ctx.transport(build(batch, ctx.campaignKey));
			if (res.status === 202 || res.status === 200) {
				const messageId = res.headers['x-message-id'] || undefined;
				return { kind: 'done', outcomes: batch.map((recipient) => ({ recipient, status: 'sent', messageId })) };
			}
			// Retry-After when SendGrid sends one (429, 503), else the rate-limit window's reset.
			const wait = parseRetryAfter(res.headers['retry-after'], ctx.now()) ?? parseEpochReset(res.headers['x-ratelimit-reset'], ctx.now());
			if (res.status === 429) return { kind: 'retry', reason: 'rate_limited', afterMs: wait };
			if (res.status === 400) return read400(res, batch);
			if (res.status === 413) return { kind: 'fatal', reason: 'payload_too_large', detail: 'The request was larger than SendGrid accepts' };
			return resultForStatus(res, wait);
		},
	};
}
