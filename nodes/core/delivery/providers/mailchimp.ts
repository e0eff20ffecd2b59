/**
 * Mailchimp (Marketing API 3.0): each customer becomes an audience member with our fields as merge
 * fields and the current segment as a tag; the previous segment's tag is removed when Segment
 * Changes says the customer moved or is gone (membership.ts).
 * - One batch (≤ 500 members) = one `POST /lists/{list_id}` ("batch subscribe or unsubscribe")
 *   with `update_existing: true`: members are created with `status_if_new` or updated (their
 *   subscription status is never changed), merge fields written, and the segment tag added
 *   (`tags` on a batch member adds tags to existing members too; `sync_tags` is never set, so the
 *   merchant's own tags stay).
 * - Then, only for customers leaving a segment, `POST /lists/{list_id}/members/{md5(lower email)}/tags`
 *   with the old tag `inactive` (204). The batch subscribe cannot remove a single tag, and the
 *   `/batches` endpoint is asynchronous (poll, then download a tar of results): per-member tag
 *   calls give a synchronous answer per customer, and only movers need them.
 * Limits: Mailchimp allows 10 simultaneous connections per account (429 "simultaneous
 * connections"); a batch makes one request at a time, so concurrency ≤ 10 keeps under it.
 * Everything here is idempotent (upsert, tag active/inactive), so a batch whose answer was lost is
 * sent again (idempotencyWindowMs = Infinity) and a rerun changes nothing.
 */
import { createHash } from 'node:crypto';
import type { HttpRequest, HttpResponse } from '../../net/http';
import { redact } from '../../net/redact';
import { assertSafePaths, getPath } from '../../fields';
import { canonicalJson } from '../keys';
import { membershipChange, membershipContent, type MembershipOptions } from '../membership';
import { resultForStatus } from '../status';
import type { BatchResult, Provider, ProviderLimits, Recipient, RecipientOutcome, SendContext } from '../types';
import { isEmail } from './util';

export interface MailchimpMergeField {
	/** Merge tag, e.g. RFM_SEG (upper case, ≤ 10 characters). */
	tag: string;
	/** Item field (dotted path). */
	field: string;
}

export type MailchimpNewStatus = 'subscribed' | 'pending' | 'transactional' | 'unsubscribed';

export interface MailchimpOptions {
	/** https://<dc>.api.mailchimp.com/3.0 (or a mock). */
	baseUrl: string;
	listId: string;
	/** Only when the transport does not authenticate (tests, benches). */
	apiKey?: string;
	membership: MembershipOptions;
	mergeFields: MailchimpMergeField[];
	statusIfNew: MailchimpNewStatus;
	limits?: Partial<ProviderLimits>;
}

export const MAILCHIMP_LIMITS: ProviderLimits = { maxBatchSize: 500, requestsPerInterval: 10, intervalMs: 1000, concurrency: 4 };
/** Mailchimp's simultaneous connection limit per account. */
export const MAILCHIMP_MAX_CONNECTIONS = 10;

/** At most `max` calls of `fn` at once (the Concurrency option may ask the engine for more). */
export function connectionGate(max: number): <T>(fn: () => Promise<T>) => Promise<T> {
	let active = 0;
	const waiting: (() => void)[] = [];
	return async (fn) => {
		if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
		else active++;
		try {
			return await fn();
		} finally {
			const next = waiting.shift();
			if (next) next();
			else active--;
		}
	};
}

/** Mailchimp's subscriber hash: MD5 of the lower-cased email. */
export function subscriberHash(email: string): string {
	return createHash('md5').update(email.trim().toLowerCase(), 'utf8').digest('hex');
}

/** Merge field values: numbers and strings as they are, booleans as text, objects as JSON. */
export function mergeValue(v: unknown): string | number | undefined {
	if (v === undefined || v === null) return undefined;
	if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
	if (typeof v === 'string') return v;
	if (typeof v === 'boolean') return v ? 'true' : 'false';
	return JSON.stringify(v);
}

/** Mailchimp error bodies are problem+json: `title` and `detail`. */
function problem(res: HttpResponse): string | undefined {
	const b = (res.body ?? {}) as { title?: string; detail?: string };
	return redact([b.title, b.detail].filter(Boolean).join(': ') || undefined);
}

function failure(res: HttpResponse): BatchResult {
	if (res.status === 429) return { kind: 'retry', reason: 'rate_limited' };
	if (res.status === 404) return { kind: 'fatal', reason: 'list_not_found', detail: problem(res) ?? 'Mailchimp has no audience with this List ID', stopRun: true };
	const r = resultForStatus(res);
	return r.kind === 'fatal' ? { ...r, detail: problem(res) ?? r.detail } : r;
}

interface BatchAnswer {
	new_members?: { email_address?: string; id?: string }[];
	updated_members?: { email_address?: string; id?: string }[];
	errors?: { email_address?: string; error?: string; error_code?: string }[];
}

export function createMailchimpProvider(o: MailchimpOptions): Provider {
	assertSafePaths([o.membership.segmentField, ...o.mergeFields.map((m) => m.field)], 'Mailchimp fields');
	const base = o.baseUrl.replace(/\/+$/, '');
	const list = encodeURIComponent(o.listId);
	const limits = { ...MAILCHIMP_LIMITS, ...(o.limits ?? {}) };
	limits.maxBatchSize = Math.min(500, Math.max(1, limits.maxBatchSize));
	limits.concurrency = Math.min(MAILCHIMP_MAX_CONNECTIONS, Math.max(1, limits.concurrency));
	const headers = (): Record<string, string> => ({
		'content-type': 'application/json',
		...(o.apiKey ? { authorization: `Basic ${Buffer.from(`anystring:${o.apiKey}`).toString('base64')}` } : {}),
	});
	const lower = (s: string) => s.trim().toLowerCase();
	// Mailchimp counts simultaneous connections per account: never more than 10 from this run,
	// whatever Concurrency the engine was given.
	const gate = connectionGate(MAILCHIMP_MAX_CONNECTIONS);
	const call = (ctx: SendContext, req: HttpRequest) => gate(() => ctx.transport(req));

	const mergeFieldsOf = (fields: Record<string, unknown>) => {
		const merge: Record<string, string | number> = {};
		for (const m of o.mergeFields) {
			const v = mergeValue(getPath(fields, m.field));
			if (v !== undefined) merge[m.tag] = v;
		}
		return merge;
	};
	const member = (r: Recipient) => {
		const add = membershipChange(r.fields, o.membership).add;
		return { email_address: lower(r.address), status_if_new: o.statusIfNew, merge_fields: mergeFieldsOf(r.fields), ...(add.length ? { tags: add } : {}) };
	};
	const upsertRequest = (batch: Recipient[]): HttpRequest => ({
		method: 'POST',
		url: `${base}/lists/${list}`,
		headers: headers(),
		body: { members: batch.map(member), update_existing: true },
		timeoutMs: 60000,
	});
	const untagRequest = (r: Recipient, tags: string[]): HttpRequest => ({
		method: 'POST',
		url: `${base}/lists/${list}/members/${subscriberHash(r.address)}/tags`,
		headers: headers(),
		body: { tags: tags.map((name) => ({ name, status: 'inactive' })), is_syncing: false },
		timeoutMs: 30000,
	});
	const leaving = (r: Recipient) => membershipChange(r.fields, o.membership).remove;

	async function send(batch: Recipient[], ctx: SendContext): Promise<BatchResult> {
		const res = await call(ctx, upsertRequest(batch));
		if (res.status !== 200) return failure(res);
		const b = (res.body ?? {}) as BatchAnswer;
		const ids = new Map<string, string>();
		for (const m of [...(b.new_members ?? []), ...(b.updated_members ?? [])]) if (m.email_address) ids.set(lower(m.email_address), String(m.id ?? ''));
		const errors = new Map((b.errors ?? []).map((e) => [lower(e.email_address ?? ''), e]));
		const outcomes: RecipientOutcome[] = [];
		for (const r of batch) {
			const email = lower(r.address);
			const err = errors.get(email);
			if (err) outcomes.push({ recipient: r, status: 'failed', reason: (err.error_code ?? 'rejected').toLowerCase(), detail: redact(err.error) });
			else if (!ids.has(email)) outcomes.push({ recipient: r, status: 'failed', reason: 'no_outcome', detail: 'Mailchimp did not return this member', retryable: true });
			else outcomes.push(await untag(r, ids.get(email) || subscriberHash(email), ctx));
		}
		return { kind: 'done', outcomes };
	}

	/** Removes the previous segment's tag (only for customers who left it). */
	async function untag(r: Recipient, id: string, ctx: SendContext): Promise<RecipientOutcome> {
		const tags = leaving(r);
		if (tags.length === 0) return { recipient: r, status: 'sent', messageId: id };
		let res: HttpResponse;
		try {
			res = await call(ctx, untagRequest(r, tags));
		} catch (error) {
			if (typeof (error as { code?: unknown })?.code !== 'string') throw error;
			// The upsert is done; the tag call may or may not have happened: both are safe to repeat.
			return { recipient: r, status: 'failed', reason: 'tag_update_lost', retryable: true };
		}
		if (res.status === 204 || res.status === 200) return { recipient: r, status: 'sent', messageId: id };
		const retry = res.status === 429 || res.status >= 500;
		return { recipient: r, status: 'failed', reason: retry ? 'tag_update_retry' : `tag_update_${res.status}`, detail: problem(res), retryable: retry };
	}

	return {
		id: 'mailchimp',
		limits,
		idempotencyWindowMs: Infinity,
		// What a member gets: merge fields, the tag added and the tag removed.
		contentKey: (fields) => canonicalJson({ merge: mergeFieldsOf(fields), tags: membershipContent(fields, o.membership) }),
		addressKey: lower,
		validate: (r) => {
			if (!isEmail(r.address)) return 'invalid_address';
			const change = membershipChange(r.fields, o.membership);
			if ([...change.add, ...change.remove].some((t) => t.length > 100)) return 'invalid_tag';
			return undefined;
		},
		plan: (batch) => [upsertRequest(batch), ...batch.filter((r) => leaving(r).length > 0).map((r) => untagRequest(r, leaving(r)))],
		send,
	};
}
