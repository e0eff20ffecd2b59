/**
 * Klaviyo: segment write-back for marketers whose flows live in Klaviyo.
 * - 'profiles': upserts each customer's profile (by email) with our fields as custom properties in
 *   one profile bulk import job per batch (`POST /api/profile-bulk-import-jobs/`, ≤ 10,000
 *   profiles and ≤ 5 MB a job); with Segment Lists on, the job also adds the profiles to their
 *   segment's list (one job per list in the batch; lists found by name or created, once per run),
 *   and customers who moved or left a segment (Segment Changes) are removed from the previous
 *   segment's list (membership.ts decides). The job is asynchronous: the provider polls it until
 *   it is complete and reads the per-profile import errors. Upserts and list membership are
 *   idempotent (a profile written twice, a member added twice, stays the same), so an answer lost
 *   after Klaviyo took the job is simply sent again: idempotencyWindowMs = Infinity.
 * - 'event': tracks one event per customer (`POST /api/events/`), e.g. "Entered segment
 *   Champions", that starts a Klaviyo flow. Events are not idempotent by nature: a lost answer
 *   leaves the recipient unconfirmed (never re-sent by the engine); the event still carries
 *   `unique_id` = the send key, so Klaviyo itself drops a repeat if a person chooses Resend.
 * Rate limits: per endpoint (klaviyoApi.ts KlaviyoPacer), 429 → Retry-After.
 */
import { realClock, type Clock } from '../../net/clock';
import type { HttpRequest, HttpResponse } from '../../net/http';
import { redact } from '../../net/redact';
import { parseRetryAfter } from '../../net/retry';
import { assertSafePaths, getPath } from '../../fields';
import { canonicalJson } from '../keys';
import { membershipChange, membershipContent, membershipName, type MembershipOptions } from '../membership';
import { resultForStatus } from '../status';
import type { BatchResult, Provider, ProviderLimits, Recipient, RecipientOutcome, SendContext } from '../types';
import {
	eventBody,
	importJobBody,
	KLAVIYO_BASE_URL,
	KLAVIYO_MAX_JOB_BYTES,
	KLAVIYO_MAX_JOB_PROFILES,
	klaviyoError,
	klaviyoHeaders,
	KlaviyoPacer,
	type ImportProfile,
} from './klaviyoApi';
import { runImportJob, type JobOutcome } from './klaviyoJobs';
import { KlaviyoLists, KlaviyoRequestError } from './klaviyoLists';
import { isEmail, sendEach } from './util';

export type KlaviyoAction = 'profiles' | 'event';

export interface KlaviyoPropertyMapping {
	/** Klaviyo custom property name (e.g. rfm_segment). */
	property: string;
	/** Item field (dotted path), e.g. rfm.segment. */
	field: string;
}

export interface KlaviyoOptions {
	action: KlaviyoAction;
	baseUrl?: string;
	/** Only when the transport does not authenticate (tests, bench). */
	apiKey?: string;
	/** Custom properties written on the profile ('profiles') or sent with the event ('event'). */
	properties?: KlaviyoPropertyMapping[];
	/** 'profiles': add to the segment's list and remove from the previous one (membership.ts). */
	segmentLists?: boolean;
	/** Segment field and list-name prefix (membership.ts); the event name prefix for 'event'. */
	membership?: MembershipOptions;
	/** 'event': metric name = this prefix + the segment (default "Entered segment "). */
	eventPrefix?: string;
	/** Clock for job polling and the per-endpoint limiters (tests: a virtual clock). */
	clock?: Clock;
	/** Shares the per-endpoint limiters between runs of one credential (real clock only). */
	limiterScope?: string;
	/** Longest time a job is polled before its outcome counts as unknown (default 30 min). */
	jobTimeoutMs?: number;
	limits?: Partial<ProviderLimits>;
}

/**
 * The engine's limiter is a ceiling over every request of a run (the largest steady limit of the
 * endpoints used); the per-endpoint limits are the pacer's. Batches: one job of 10,000 profiles,
 * or one event per request.
 */
export const KLAVIYO_PROFILE_LIMITS: ProviderLimits = { maxBatchSize: KLAVIYO_MAX_JOB_PROFILES, requestsPerInterval: 700, intervalMs: 60000, concurrency: 3 };
export const KLAVIYO_EVENT_LIMITS: ProviderLimits = { maxBatchSize: 1, requestsPerInterval: 3500, intervalMs: 60000, concurrency: 8 };
export const DEFAULT_MEMBERSHIP: MembershipOptions = { segmentField: 'rfm.segment', prefix: 'rfm: ' };

/** A property value as Klaviyo stores it: scalars, arrays and objects as is; NaN, Infinity and undefined left out. */
export function klaviyoValue(v: unknown): unknown {
	if (v === undefined) return undefined;
	if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
	if (typeof v === 'bigint') return String(v);
	return v;
}

export function mapKlaviyoProperties(fields: Record<string, unknown>, mappings: readonly KlaviyoPropertyMapping[] | undefined): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const m of mappings ?? []) {
		if (!m.property || !m.field) continue;
		const v = klaviyoValue(getPath(fields, m.field));
		if (v !== undefined) out[m.property] = v;
	}
	return out;
}

const lower = (s: string) => s.trim().toLowerCase();

/** Splits profiles into jobs that stay under the documented payload size. */
function jobsBySize(recipients: Recipient[], profile: (r: Recipient) => ImportProfile): Recipient[][] {
	const out: Recipient[][] = [];
	let current: Recipient[] = [];
	let bytes = 512;
	for (const r of recipients) {
		const size = Buffer.byteLength(JSON.stringify(profile(r))) + 64;
		if (current.length > 0 && (bytes + size > KLAVIYO_MAX_JOB_BYTES || current.length >= KLAVIYO_MAX_JOB_PROFILES)) {
			out.push(current);
			current = [];
			bytes = 512;
		}
		current.push(r);
		bytes += size;
	}
	if (current.length) out.push(current);
	return out;
}

/** A non-2xx answer to the batch's own request as a BatchResult (429 → Retry-After). */
export function klaviyoFailure(res: HttpResponse, now: number, batch: Recipient[]): BatchResult {
	if (res.status === 429) return { kind: 'retry', reason: 'rate_limited', afterMs: parseRetryAfter(res.headers['retry-after'], now) };
	const e = klaviyoError(res.body);
	if (res.status === 400 && batch.length === 1)
		return { kind: 'done', outcomes: [{ recipient: batch[0], status: 'failed', reason: 'invalid', detail: redact(e.message) }] };
	if (res.status === 400 || res.status === 413 || res.status === 422) return { kind: 'fatal', reason: e.code ?? `http_${res.status}`, detail: redact(e.message) };
	const r = resultForStatus(res);
	return r.kind === 'fatal' && e.message ? { ...r, detail: redact(e.message) } : r;
}

/** Outcomes of a whole group from a BatchResult that is not 'done' (several groups in one batch). */
function asOutcomes(group: Recipient[], r: BatchResult): RecipientOutcome[] {
	if (r.kind === 'done') return r.outcomes;
	return group.map((recipient) => ({ recipient, status: 'failed' as const, reason: r.reason, detail: r.kind === 'fatal' ? r.detail : undefined, retryable: r.kind === 'retry' }));
}

export function createKlaviyoProvider(o: KlaviyoOptions): Provider {
	assertSafePaths((o.properties ?? []).map((m) => m.field), 'Properties');
	const membership = o.membership ?? DEFAULT_MEMBERSHIP;
	assertSafePaths([membership.segmentField], 'Segment Field');
	const base = (o.baseUrl ?? KLAVIYO_BASE_URL).replace(/\/+$/, '');
	const clock = o.clock ?? realClock;
	const pacer = new KlaviyoPacer(clock, o.limiterScope);
	const lists = new KlaviyoLists({ base, apiKey: o.apiKey, pacer });
	const isEvent = o.action === 'event';
	const limits = { ...(isEvent ? KLAVIYO_EVENT_LIMITS : KLAVIYO_PROFILE_LIMITS), ...(o.limits ?? {}) };
	limits.maxBatchSize = Math.min(KLAVIYO_MAX_JOB_PROFILES, Math.max(1, limits.maxBatchSize));
	const eventPrefix = o.eventPrefix ?? 'Entered segment ';

	const profile = (r: Recipient): ImportProfile => ({ email: lower(r.address), properties: mapKlaviyoProperties(r.fields, o.properties) });
	const change = (r: Recipient) => (o.segmentLists || isEvent ? membershipChange(r.fields, membership) : { add: [], remove: [] });
	const jobRequest = (group: Recipient[], listId: string | undefined): HttpRequest => ({
		method: 'POST',
		url: `${base}/api/profile-bulk-import-jobs/`,
		headers: klaviyoHeaders(o.apiKey),
		body: importJobBody(group.map(profile), listId),
		timeoutMs: 120000,
	});
	const eventName = (r: Recipient) => {
		const segment = membershipChange(r.fields, { ...membership, prefix: '' }).add[0];
		return segment === undefined ? undefined : membershipName(eventPrefix, segment);
	};
	const eventRequest = (r: Recipient): HttpRequest => ({
		method: 'POST',
		url: `${base}/api/events/`,
		headers: klaviyoHeaders(o.apiKey),
		body: eventBody({
			metric: eventName(r) ?? '',
			email: lower(r.address),
			properties: { ...mapKlaviyoProperties(r.fields, o.properties), segment: membershipChange(r.fields, { ...membership, prefix: '' }).add[0] },
			uniqueId: r.sendKey,
		}),
		timeoutMs: 30000,
	});

	/** Recipients grouped by the list they join (one job each); '' = no list. */
	const groupsOf = (batch: Recipient[]): Map<string, Recipient[]> => {
		const groups = new Map<string, Recipient[]>();
		for (const r of batch) {
			const name = change(r).add[0] ?? '';
			const g = groups.get(name);
			if (g) g.push(r);
			else groups.set(name, [r]);
		}
		return groups;
	};

	/** One job (or several when the payload is too large) for one list group. */
	const sendGroup = async (group: Recipient[], listName: string, ctx: SendContext, only: boolean): Promise<BatchResult> => {
		let listId: string | undefined;
		try {
			listId = listName ? await lists.resolve(ctx.transport, listName, true) : undefined;
		} catch (error) {
			if (!(error instanceof KlaviyoRequestError)) throw error;
			return klaviyoFailure(error.response, ctx.now(), group);
		}
		const outcomes: RecipientOutcome[] = [];
		const parts = jobsBySize(group, profile);
		// The batch's only request: the engine decides (retry, stop, or re-send after a lost answer: upserts are idempotent).
		const alone = only && parts.length === 1;
		for (const part of parts) {
			let res: HttpResponse;
			try {
				res = await pacer.send(ctx.transport, 'importCreate', jobRequest(part, listId));
			} catch (error) {
				if (alone) throw error;
				if (typeof (error as { code?: unknown })?.code !== 'string') throw error;
				outcomes.push(...part.map((recipient) => ({ recipient, status: 'unknown' as const, reason: 'timeout', detail: 'The job request got no answer' })));
				continue;
			}
			if (res.status !== 202) {
				const failed = klaviyoFailure(res, ctx.now(), part);
				if (alone) return failed;
				outcomes.push(...asOutcomes(part, failed));
				continue;
			}
			outcomes.push(...(await jobOutcomes(part, res, ctx)));
		}
		return { kind: 'done', outcomes };
	};

	const jobOutcomes = async (part: Recipient[], res: HttpResponse, ctx: SendContext): Promise<RecipientOutcome[]> => {
		const jobId = String(((res.body ?? {}) as { data?: { id?: unknown } }).data?.id ?? '');
		let job: JobOutcome;
		try {
			job = await runImportJob({ base, apiKey: o.apiKey, pacer, clock, transport: ctx.transport, timeoutMs: o.jobTimeoutMs ?? 1800000 }, jobId, part.length);
		} catch (error) {
			// Klaviyo took the job but its status could not be read: not confirmed (a later run re-sends it safely).
			if (!(error instanceof KlaviyoRequestError) && typeof (error as { code?: unknown })?.code !== 'string') throw error;
			const detail = redact(`Klaviyo job ${jobId} was accepted but its status could not be read (${(error as Error).message})`);
			return part.map((recipient) => ({ recipient, status: 'unknown', reason: 'job_status_unavailable', detail }));
		}
		return part.map((recipient, i) => {
			const err = job.errors.get(i) ?? job.errorsByEmail.get(lower(recipient.address));
			if (job.state === 'timeout') return { recipient, status: 'unknown', reason: 'job_pending', detail: `Klaviyo job ${jobId} was still ${job.status} when polling stopped` };
			if (job.state === 'cancelled') return { recipient, status: 'failed', reason: 'job_cancelled', detail: `Klaviyo job ${jobId} was ${job.status}`, retryable: true };
			if (err) return { recipient, status: 'failed', reason: err.code ?? 'import_error', detail: redact(err.message) };
			return { recipient, status: 'sent', messageId: jobId };
		});
	};

	/** Removes the customers whose job went through from their previous segment's list. */
	const removeFromLists = async (outcomes: RecipientOutcome[], ctx: SendContext): Promise<RecipientOutcome[]> => {
		const byList = new Map<string, RecipientOutcome[]>();
		for (const oc of outcomes) {
			if (oc.status !== 'sent') continue;
			for (const name of change(oc.recipient).remove) byList.set(name, [...(byList.get(name) ?? []), oc]);
		}
		for (const [name, members] of byList) {
			try {
				const listId = await lists.resolve(ctx.transport, name, false);
				if (listId === undefined) continue;
				const ids = await lists.profileIds(ctx.transport, members.map((m) => lower(m.recipient.address)));
				const profileIds = members.map((m) => ids.get(lower(m.recipient.address))).filter((x): x is string => x !== undefined);
				if (profileIds.length) await lists.removeMembers(ctx.transport, listId, profileIds);
			} catch (error) {
				if (!(error instanceof KlaviyoRequestError) && typeof (error as { code?: unknown })?.code !== 'string') throw error;
				const detail = redact(error instanceof KlaviyoRequestError ? error.message : `Removing from list "${name}" got no answer`);
				for (const m of members) Object.assign(m, { status: 'failed', reason: 'list_remove_failed', detail, retryable: true, messageId: undefined });
			}
		}
		return outcomes;
	};

	const sendProfiles = async (batch: Recipient[], ctx: SendContext): Promise<BatchResult> => {
		const groups = groupsOf(batch);
		const outcomes: RecipientOutcome[] = [];
		for (const [name, group] of groups) {
			const r = await sendGroup(group, name, ctx, groups.size === 1);
			if (r.kind !== 'done' && groups.size === 1) return r;
			outcomes.push(...asOutcomes(group, r));
		}
		return { kind: 'done', outcomes: o.segmentLists ? await removeFromLists(outcomes, ctx) : outcomes };
	};

	const sendEvent = async (r: Recipient, ctx: SendContext): Promise<BatchResult> => {
		const res = await pacer.send(ctx.transport, 'eventCreate', eventRequest(r));
		if (res.status === 202) return { kind: 'done', outcomes: [{ recipient: r, status: 'sent' }] };
		return klaviyoFailure(res, ctx.now(), [r]);
	};

	return {
		id: 'klaviyo',
		limits,
		idempotencyWindowMs: isEvent ? undefined : Infinity,
		// Profiles: what a profile gets (its properties, the list joined, the list left); events are messages (one per run key).
		...(isEvent
			? {}
			: { contentKey: (fields: Record<string, unknown>) => canonicalJson({ properties: mapKlaviyoProperties(fields, o.properties), lists: o.segmentLists ? membershipContent(fields, membership) : null }) }),
		addressKey: lower,
		validate: (r) => (!isEmail(r.address) ? 'invalid_address' : isEvent && eventName(r) === undefined ? 'no_segment' : undefined),
		plan(batch) {
			if (isEvent) return batch.map(eventRequest);
			const out: HttpRequest[] = [];
			for (const [name, group] of groupsOf(batch)) for (const part of jobsBySize(group, profile)) out.push(jobRequest(part, name ? `<id of list "${name}">` : undefined));
			return out;
		},
		send: (batch, ctx) => (isEvent ? sendEach(batch, (r) => sendEvent(r, ctx)) : sendProfiles(batch, ctx)),
	};
}
