/**
 * HubSpot: CRM updates and marketing single sends.
 * - 'upsert': POST /crm/v3/objects/contacts/batch/upsert (≤100 inputs, idProperty "email"):
 *   writes properties such as rfm_segment / cluster / clv on the contact, creating it if needed.
 *   200 → every contact written; 207 → `errors[].context.ids` names the refused emails.
 * - 'listAdd' / 'listRemove': Lists v3 `PUT /crm/v3/lists/{listId}/memberships/add|remove` with
 *   record ids (the v1 lists API is shut down). Adding upserts the contacts first to learn their
 *   ids; removing reads them (batch/read by email) and never creates contacts.
 * - 'singleSend': POST /marketing/v4/email/single-send, one recipient per request, with
 *   `message.sendId` = the send key (HubSpot sends at most one email per sendId).
 * Rate limits: 100 requests / 10 s per private app by default (190 on Professional/Enterprise);
 * a 429 body names the policy: TEN_SECONDLY_ROLLING → wait the interval
 * (X-HubSpot-RateLimit-Interval-Milliseconds), DAILY → stop the run, the remaining recipients fail
 * with `daily_limit`. Updates and list membership are idempotent, so an unknown outcome is simply
 * re-sent (idempotencyWindowMs = Infinity).
 */
import type { HttpRequest, HttpResponse } from '../../net/http';
import { redact } from '../../net/redact';
import { errorMessage } from '../../net/body';
import { parseRetryAfter } from '../../net/retry';
import { resultForStatus } from '../status';
import type { BatchResult, Provider, ProviderLimits, Recipient, RecipientOutcome, SendContext } from '../types';
import { assertSafePaths, getPath } from '../../fields';
import { isEmail, pickTemplateData } from './util';

export type HubSpotAction = 'upsert' | 'listAdd' | 'listRemove' | 'singleSend';

export interface HubSpotPropertyMapping {
	/** HubSpot internal property name (e.g. rfm_segment). */
	property: string;
	/** Item field (dotted path) holding the value (e.g. rfm.segment). */
	field: string;
}

export interface HubSpotOptions {
	action: HubSpotAction;
	/** API base URL (default https://api.hubapi.com). */
	baseUrl?: string;
	/** Only when the transport does not authenticate (tests, benches). */
	accessToken?: string;
	/** Contact properties written (upsert, listAdd) or passed as contactProperties (singleSend). */
	properties?: HubSpotPropertyMapping[];
	/** Lists v3 list id (listAdd / listRemove); the list must be MANUAL or SNAPSHOT. */
	listId?: string;
	/** Marketing email id (singleSend). */
	emailId?: number;
	/** Item fields passed as customProperties (singleSend); empty: none. */
	customPropertyFields?: string[];
	limits?: Partial<ProviderLimits>;
}

export const HUBSPOT_CRM_LIMITS: ProviderLimits = { maxBatchSize: 100, requestsPerInterval: 100, intervalMs: 10000, concurrency: 4 };
export const HUBSPOT_EMAIL_LIMITS: ProviderLimits = { maxBatchSize: 1, requestsPerInterval: 100, intervalMs: 10000, concurrency: 4 };

/** HubSpot property values are strings: numbers as is, booleans 'true'/'false', arrays ';'-joined (multi-select). */
export function hubspotValue(v: unknown): string | undefined {
	if (v === undefined) return undefined;
	if (v === null) return '';
	if (typeof v === 'string') return v;
	if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
	if (typeof v === 'boolean') return v ? 'true' : 'false';
	if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(';');
	return JSON.stringify(v);
}

function mapProperties(r: Recipient, mappings: HubSpotPropertyMapping[] | undefined): Record<string, string> {
	const out: Record<string, string> = {};
	for (const m of mappings ?? []) {
		if (!m.property || !m.field) continue;
		const v = hubspotValue(getPath(r.fields, m.field));
		if (v !== undefined) out[m.property] = v;
	}
	return out;
}

/** Reads a HubSpot 429: DAILY stops the run, rolling windows wait their interval. */
export function hubspotRateLimit(res: HttpResponse, now: number): BatchResult {
	const body = (res.body ?? {}) as { policyName?: string };
	const interval = Number(res.headers['x-hubspot-ratelimit-interval-milliseconds']);
	if (body.policyName === 'DAILY')
		return { kind: 'fatal', reason: 'daily_limit', detail: 'HubSpot daily API limit reached: the remaining recipients were not sent', stopRun: true };
	if (body.policyName === 'SECONDLY') return { kind: 'retry', reason: 'rate_limited', afterMs: 1000 };
	if (body.policyName === 'TEN_SECONDLY_ROLLING') return { kind: 'retry', reason: 'rate_limited', afterMs: Number.isFinite(interval) && interval > 0 ? interval : 10000 };
	const after = parseRetryAfter(res.headers['retry-after'], now);
	return { kind: 'retry', reason: 'rate_limited', afterMs: after ?? (Number.isFinite(interval) && interval > 0 ? interval : undefined) };
}

function configProblem(res: HttpResponse): string | undefined {
	const b = (res.body ?? {}) as { errors?: { code?: string }[]; message?: string; category?: string };
	const codes = (b.errors ?? []).map((e) => e.code ?? '');
	if (codes.includes('PROPERTY_DOESNT_EXIST') || /property .* does not exist/i.test(b.message ?? '')) return 'property_missing';
	if (codes.includes('READ_ONLY_VALUE') || /read.?only/i.test(b.message ?? '')) return 'property_read_only';
	return undefined;
}

interface ContactResult {
	id: string;
	email: string;
}

export function createHubSpotProvider(o: HubSpotOptions): Provider {
	assertSafePaths((o.properties ?? []).map((m) => m.field), 'Properties');
	assertSafePaths(o.customPropertyFields ?? [], 'Custom Property Fields');
	const base = (o.baseUrl ?? 'https://api.hubapi.com').replace(/\/+$/, '');
	const single = o.action === 'singleSend';
	const limits = { ...(single ? HUBSPOT_EMAIL_LIMITS : HUBSPOT_CRM_LIMITS), ...(o.limits ?? {}) };
	limits.maxBatchSize = single ? 1 : Math.min(100, Math.max(1, limits.maxBatchSize));
	const headers = (): Record<string, string> => {
		const h: Record<string, string> = { 'content-type': 'application/json' };
		if (o.accessToken) h.authorization = `Bearer ${o.accessToken}`;
		return h;
	};
	const lower = (s: string) => s.trim().toLowerCase();

	const upsertRequest = (batch: Recipient[], withProperties: boolean): HttpRequest => ({
		method: 'POST',
		url: `${base}/crm/v3/objects/contacts/batch/upsert`,
		headers: headers(),
		body: {
			inputs: batch.map((r) => ({
				idProperty: 'email',
				id: lower(r.address),
				properties: { ...(withProperties ? mapProperties(r, o.properties) : {}), email: lower(r.address) },
			})),
		},
		timeoutMs: 30000,
	});
	const readRequest = (batch: Recipient[]): HttpRequest => ({
		method: 'POST',
		url: `${base}/crm/v3/objects/contacts/batch/read`,
		headers: headers(),
		body: { idProperty: 'email', inputs: batch.map((r) => ({ id: lower(r.address) })), properties: ['email'] },
		timeoutMs: 30000,
	});
	const membershipRequest = (ids: string[], op: 'add' | 'remove'): HttpRequest => ({
		method: 'PUT',
		url: `${base}/crm/v3/lists/${encodeURIComponent(o.listId ?? '')}/memberships/${op}`,
		headers: headers(),
		body: ids,
		timeoutMs: 30000,
	});
	const singleSendRequest = (r: Recipient): HttpRequest => {
		const body: Record<string, unknown> = {
			emailId: o.emailId,
			message: { to: r.address.trim(), sendId: r.sendKey },
			contactProperties: mapProperties(r, o.properties),
		};
		if (o.customPropertyFields && o.customPropertyFields.length > 0) body.customProperties = pickTemplateData(r.fields, o.customPropertyFields);
		return { method: 'POST', url: `${base}/marketing/v4/email/single-send`, headers: headers(), body, timeoutMs: 30000 };
	};

	/** Reads contacts (id by email) and per-email errors from a 200/207 batch answer. */
	const readBatch = (res: HttpResponse): { found: Map<string, ContactResult>; errors: Map<string, { reason: string; detail?: string }> } => {
		const b = (res.body ?? {}) as {
			results?: { id?: unknown; properties?: Record<string, unknown> }[];
			errors?: { category?: string; message?: string; context?: { ids?: string[]; id?: string[] } }[];
		};
		const found = new Map<string, ContactResult>();
		for (const r of b.results ?? []) {
			const email = typeof r.properties?.email === 'string' ? lower(r.properties.email) : undefined;
			if (email && r.id !== undefined) found.set(email, { id: String(r.id), email });
		}
		const errors = new Map<string, { reason: string; detail?: string }>();
		for (const e of b.errors ?? []) {
			const ids = e.context?.ids ?? e.context?.id ?? [];
			for (const id of ids) errors.set(lower(String(id)), { reason: (e.category ?? 'rejected').toLowerCase(), detail: redact(e.message) });
		}
		return { found, errors };
	};

	const failure = (res: HttpResponse, ctx: SendContext, batch: Recipient[]): BatchResult => {
		if (res.status === 429) return hubspotRateLimit(res, ctx.now());
		if (res.status === 400) {
			const config = configProblem(res);
			if (config) return { kind: 'fatal', reason: config, detail: redact(errorMessage(res.body)), stopRun: true };
			if (batch.length === 1)
				return { kind: 'done', outcomes: [{ recipient: batch[0], status: 'failed', reason: 'validation_error', detail: redact(errorMessage(res.body)) }] };
			return { kind: 'fatal', reason: 'validation_error', detail: redact(errorMessage(res.body)) };
		}
		return resultForStatus(res);
	};

	const sendUpsertLike = async (batch: Recipient[], ctx: SendContext): Promise<BatchResult> => {
		const op = o.action === 'listRemove' ? 'remove' : 'add';
		const first = await ctx.transport(o.action === 'listRemove' ? readRequest(batch) : upsertRequest(batch, true));
		if (first.status !== 200 && first.status !== 201 && first.status !== 207) return failure(first, ctx, batch);
		const { found, errors } = readBatch(first);
		const outcomes: RecipientOutcome[] = [];
		const ok: { r: Recipient; id: string }[] = [];
		for (const r of batch) {
			const email = lower(r.address);
			const hit = found.get(email);
			const err = errors.get(email);
			if (hit) ok.push({ r, id: hit.id });
			else if (o.action === 'listRemove' && (err?.reason === 'object_not_found' || !err))
				outcomes.push({ recipient: r, status: 'sent', detail: 'Not a HubSpot contact: nothing to remove' });
			else if (err) outcomes.push({ recipient: r, status: 'failed', reason: err.reason, detail: err.detail });
			else outcomes.push({ recipient: r, status: 'failed', reason: 'no_outcome', detail: 'HubSpot did not return this contact', retryable: true });
		}
		if (o.action === 'upsert' || ok.length === 0) {
			for (const { r, id } of ok) outcomes.push({ recipient: r, status: 'sent', messageId: id });
			return { kind: 'done', outcomes };
		}
		const second = await ctx.transport(membershipRequest(ok.map((x) => x.id), op));
		if (second.status === 404)
			return { kind: 'fatal', reason: 'list_not_found', detail: 'HubSpot has no list with this id (or it is not a MANUAL/SNAPSHOT list)', stopRun: true };
		if (second.status !== 200) {
			const f = failure(second, ctx, batch);
			if (f.kind === 'fatal' && !f.stopRun) return { ...f, stopRun: true, reason: 'list_update_refused' };
			return f;
		}
		const sb = (second.body ?? {}) as { recordIdsMissing?: unknown[] };
		const missing = new Set((sb.recordIdsMissing ?? []).map(String));
		for (const { r, id } of ok) {
			if (missing.has(id)) outcomes.push({ recipient: r, status: 'failed', reason: 'record_missing', detail: 'HubSpot reported the contact record as missing' });
			else outcomes.push({ recipient: r, status: 'sent', messageId: id });
		}
		return { kind: 'done', outcomes };
	};

	const sendSingle = async (batch: Recipient[], ctx: SendContext): Promise<BatchResult> => {
		const r = batch[0];
		const res = await ctx.transport(singleSendRequest(r));
		if (res.status >= 200 && res.status < 300) {
			const b = (res.body ?? {}) as { status?: string; statusId?: string; sendResult?: string };
			const bad = b.status === 'CANCELED' || (b.sendResult !== undefined && !['SENT', 'QUEUED', 'IDEMPOTENT_IGNORE'].includes(b.sendResult));
			if (bad) return { kind: 'done', outcomes: [{ recipient: r, status: 'failed', reason: (b.sendResult ?? 'canceled').toLowerCase() }] };
			return { kind: 'done', outcomes: [{ recipient: r, status: 'sent', messageId: b.statusId }] };
		}
		return failure(res, ctx, batch);
	};

	return {
		id: single ? 'hubspotEmail' : 'hubspot',
		limits,
		idempotencyWindowMs: Infinity,
		addressKey: lower,
		validate: (r) => (isEmail(r.address) ? undefined : 'invalid_address'),
		plan(batch) {
			if (single) return batch.map(singleSendRequest);
			if (o.action === 'upsert') return [upsertRequest(batch, true)];
			// The membership request needs the record ids the first call returns: shown with placeholders.
			const first = o.action === 'listRemove' ? readRequest(batch) : upsertRequest(batch, true);
			return [first, membershipRequest(batch.map((r) => `<record id of item ${r.itemIndex}>`), o.action === 'listRemove' ? 'remove' : 'add')];
		},
		send: (batch, ctx) => (single ? sendSingle(batch, ctx) : sendUpsertLike(batch, ctx)),
	};
}
