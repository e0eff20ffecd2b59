/**
 * One delivery run's state: its settings (limits, retry policy, cap window, lease), the record of
 * every input item and the summary, with the three ways a record ends up (skip / fail / hold). The
 * steps of the engine (triage.ts, batches.ts) work on it; engine.ts runs them in order.
 */
import { randomUUID } from 'node:crypto';
import { realClock, type Clock } from '../net/clock';
import type { HttpRequest, HttpTransport } from '../net/http';
import { SlidingWindowLimiter } from '../net/rateLimit';
import { redact } from '../net/redact';
import { defaultRetryPolicy, seededRandom, type RetryPolicy } from '../net/retry';
import { capWindowStart, type Ledger } from './ledger';
import type { Provider, ProviderLimits } from './types';

export interface DeliveryInput {
	itemIndex: number;
	customerId?: string;
	address?: string;
	fields: Record<string, unknown>;
	/** Decided before the engine (consent): 'suppressed', 'no_consent', 'holdout'... → skipped. */
	skipReason?: string;
}

/** 'unconfirmed': the provider may have the message but its answer was lost; held until a person decides. */
export type DeliveryStatus = 'sent' | 'skipped' | 'failed' | 'unconfirmed';

export interface DeliveryRecord {
	itemIndex: number;
	status: DeliveryStatus;
	reason: string | null;
	detail?: string;
	messageId: string | null;
	provider: string;
	sendKey: string | null;
	attempts: number;
}

export interface PlannedRequest extends HttpRequest {
	/** Position of the batch in the run. */
	batch: number;
	/** Input item indexes of the recipients in this request. */
	itemIndexes: number[];
}

export interface DeliverySummary {
	provider: string;
	campaignKey: string;
	runKey: string;
	dryRun: boolean;
	ledger: Ledger['kind'];
	total: number;
	sent: number;
	skipped: number;
	failed: number;
	/** Recipients whose outcome is unknown (the answer was lost): not re-sent, see Unconfirmed Sends. */
	unconfirmed: number;
	skippedByReason: Record<string, number>;
	failedByReason: Record<string, number>;
	unconfirmedByReason: Record<string, number>;
	/** HTTP requests made (dry run: requests that would be made). */
	requests: number;
	/** Batches re-sent after a retryable failure (whole or partial). */
	retries: number;
	batches: number;
	/** Time spent waiting for the rate limit or a provider's "slow down" (ms). */
	rateLimitWaitMs: number;
	/** Set when the run stopped early (bad credential, HubSpot DAILY limit...). */
	stopped?: { reason: string; detail?: string };
	durationMs: number;
}

export interface DeliveryResult {
	records: DeliveryRecord[];
	summary: DeliverySummary;
	/** Dry run only: exactly the requests that would be sent, auth headers redacted. */
	plannedRequests?: PlannedRequest[];
}

export type UnconfirmedPolicy = 'fail' | 'resend' | 'markSent';

export interface DeliveryOptions {
	provider: Provider;
	/** Transport for the provider (n8n's request helpers in the node, fetchTransport in tests). */
	transport: HttpTransport;
	ledger: Ledger;
	campaignKey: string;
	runKey: string;
	/** Unique id of this run (default: a random UUID). */
	runId?: string;
	dryRun?: boolean;
	/** Overrides of the provider's limits (batch size, rate, concurrency). */
	limits?: Partial<ProviderLimits>;
	/** At most `maxMessages` per customer over the last `days` calendar days (UTC), across campaigns. */
	frequencyCap?: { maxMessages: number; days: number } | null;
	/** Whether these sends count toward the cap (false for CRM updates). Default true. */
	countsTowardCap?: boolean;
	retry?: Partial<RetryPolicy>;
	/**
	 * What to do with sends whose outcome an earlier run could not confirm (providers without a
	 * dedupe key, or past its window): 'fail' (default) holds them unconfirmed and reports them
	 * again (at most once); 'resend' sends them again (at least once); 'markSent' records them as
	 * sent without sending (a person checked the provider's log).
	 */
	unconfirmed?: UnconfirmedPolicy;
	/** Pending rows of other runs younger than this are in progress (default: the ledger's). */
	leaseMs?: number;
	clock?: Clock;
	rng?: () => number;
	/** A shared limiter (per credential); default: a new one from the limits. */
	limiter?: SlidingWindowLimiter;
	/** Aborting simulates a killed run: in-flight results are dropped, runDelivery rejects. */
	signal?: AbortSignal;
	/** The credential's secret values: removed from every detail and stop reason (net/redact.ts). */
	secrets?: readonly string[];
	/** Progress lines without addresses or secrets. */
	log?: (message: string) => void;
	/** Called after each batch finished (tests use it to abort mid-run). */
	onBatchDone?: (info: { batch: number; sent: number; failed: number }) => void;
}

export class DeliveryAbortedError extends Error {
	constructor() {
		super('Delivery aborted');
		this.name = 'DeliveryAbortedError';
	}
}

export const HELD_NOW =
	"The provider may have accepted this message but its answer was lost; not sent again, so nobody gets it twice. Check the provider's log, then rerun with Unconfirmed Sends = Resend or Mark as Sent";
export const HELD_EARLIER =
	'An earlier run may have sent this message but could not confirm it; held (not re-sent) until Unconfirmed Sends says Resend or Mark as Sent';

export interface RunState {
	opts: DeliveryOptions;
	provider: Provider;
	ledger: Ledger;
	clock: Clock;
	rng: () => number;
	runId: string;
	started: number;
	batchSize: number;
	concurrency: number;
	policy: RetryPolicy;
	leaseMs: number;
	counts: boolean;
	/** Frequency cap: at most `max` counted rows since `since`. */
	cap?: { max: number; since: number };
	limiter: SlidingWindowLimiter;
	waitedBefore: number;
	log: (message: string) => void;
	records: DeliveryRecord[];
	summary: DeliverySummary;
	/** The run's stop reason once a provider refused the run (bad credential, daily limit). */
	stopped?: { reason: string; detail?: string };
	skip(itemIndex: number, reason: string): void;
	fail(itemIndex: number, reason: string, detail?: string): void;
	/** The outcome is unknown: held unconfirmed, never re-sent by this run. */
	hold(itemIndex: number, reason: string, detail: string): void;
	record(itemIndex: number): DeliveryRecord;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
	const out: Partial<T> = {};
	for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null && !(typeof v === 'number' && !Number.isFinite(v))) (out as Record<string, unknown>)[k] = v;
	return out;
}

function emptySummary(inputs: number, opts: DeliveryOptions): DeliverySummary {
	return {
		provider: opts.provider.id,
		campaignKey: opts.campaignKey,
		runKey: opts.runKey,
		dryRun: !!opts.dryRun,
		ledger: opts.ledger.kind,
		total: inputs,
		sent: 0,
		skipped: 0,
		failed: 0,
		unconfirmed: 0,
		skippedByReason: {},
		failedByReason: {},
		unconfirmedByReason: {},
		requests: 0,
		retries: 0,
		batches: 0,
		rateLimitWaitMs: 0,
		durationMs: 0,
	};
}

/** The run's settings from the options and the provider's limits, and a 'skipped' record per input. */
export function startRun(inputs: readonly DeliveryInput[], opts: DeliveryOptions): RunState {
	const clock = opts.clock ?? realClock;
	const started = clock.now();
	const limits: ProviderLimits = { ...opts.provider.limits, ...stripUndefined(opts.limits ?? {}) };
	const counts = opts.countsTowardCap ?? true;
	const limiter = opts.limiter ?? new SlidingWindowLimiter(limits.requestsPerInterval, limits.intervalMs, clock);
	const records: DeliveryRecord[] = inputs.map((inp) => ({ itemIndex: inp.itemIndex, status: 'skipped', reason: null, messageId: null, provider: opts.provider.id, sendKey: null, attempts: 0 }));
	const recordOf = new Map<number, DeliveryRecord>(records.map((r) => [r.itemIndex, r]));
	const record = (i: number) => recordOf.get(i)!;
	const set = (i: number, status: DeliveryStatus, reason: string, detail?: string) => {
		const rec = record(i);
		rec.status = status;
		rec.reason = reason;
		if (detail) rec.detail = redact(detail, opts.secrets);
	};
	return {
		opts,
		provider: opts.provider,
		ledger: opts.ledger,
		clock,
		rng: opts.rng ?? seededRandom(0x5eed),
		runId: opts.runId ?? randomUUID(),
		started,
		batchSize: Math.max(1, Math.floor(limits.maxBatchSize)),
		concurrency: Math.max(1, Math.floor(limits.concurrency)),
		policy: { ...defaultRetryPolicy, ...stripUndefined(opts.retry ?? {}) },
		leaseMs: opts.leaseMs ?? opts.ledger.defaultLeaseMs,
		counts,
		cap:
			opts.frequencyCap && opts.frequencyCap.maxMessages > 0 && counts
				? { max: Math.floor(opts.frequencyCap.maxMessages), since: capWindowStart(started, opts.frequencyCap.days) }
				: undefined,
		limiter,
		waitedBefore: limiter.stats.waitedMs,
		log: opts.log ?? (() => undefined),
		records,
		summary: emptySummary(inputs.length, opts),
		skip: (i, reason) => set(i, 'skipped', reason),
		fail: (i, reason, detail) => set(i, 'failed', reason, detail),
		hold: (i, reason, detail) => set(i, 'unconfirmed', reason, detail),
		record,
	};
}

function inc(map: Record<string, number>, key: string): void {
	map[key] = (map[key] ?? 0) + 1;
}

/** Counts the records into the summary and closes it. */
export function finishRun(run: RunState, requests: number, waitedMs: number): DeliveryResult {
	const summary = run.summary;
	for (const r of run.records) {
		if (r.status === 'sent') summary.sent++;
		else if (r.status === 'skipped') {
			summary.skipped++;
			inc(summary.skippedByReason, r.reason ?? 'unknown');
		} else if (r.status === 'unconfirmed') {
			summary.unconfirmed++;
			inc(summary.unconfirmedByReason, r.reason ?? 'unknown');
		} else {
			summary.failed++;
			inc(summary.failedByReason, r.reason ?? 'unknown');
		}
	}
	if (run.stopped) summary.stopped = run.stopped;
	summary.requests = requests;
	summary.durationMs = run.clock.now() - run.started;
	summary.rateLimitWaitMs = waitedMs;
	return { records: run.records, summary };
}

export function chunk<T>(arr: readonly T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < arr.length; i += size) out.push(arr.slice(i, i + size));
	return out;
}
