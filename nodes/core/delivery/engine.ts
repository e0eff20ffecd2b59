/**
 * The delivery engine: one engine for every provider (providers only shape requests and read
 * responses, see types.ts). For each recipient it decides skip / send, reserves the send in the
 * idempotency ledger, batches to the provider's limit, rate-limits every HTTP request, runs
 * batches with bounded concurrency, retries with exponential backoff and jitter, honours the
 * provider's wait signals, maps partial failures back to recipients, and records what the
 * provider accepted. Deterministic given its clock and RNG. No n8n import.
 *
 * Delivery guarantees (see docs/nodes/CampaignSend.md):
 * - A send key is reserved ('pending') before its request and marked 'sent' once the provider
 *   accepted it; a rerun skips 'sent' keys (`already_sent`) and two concurrent runs never both
 *   reserve one key (atomic in PostgreSQL).
 * - A definite refusal (4xx, 429/5xx after the last attempt) deletes the reservation: a later
 *   run may try again. An unknown outcome (timeouts / resets after the last attempt, a run killed
 *   mid-request) leaves the row 'unconfirmed' / orphaned 'pending'. A later run resolves those:
 *   providers that deduplicate (Provider.idempotencyWindowMs) get the same batch again within
 *   their window (exactly once); for the others the `unconfirmed` policy decides: 'fail'
 *   (default, at most once: reported failed, reason `unconfirmed`) or 'resend' (at least once).
 */
import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpTransport } from '../net/http';
import { redact, redactHeaders } from '../net/redact';
import { batchKeyOf, customerKeyOf, sendKeyOf } from './keys';
import { capWindowStart, type Ledger, type LedgerEntry, type ReserveOutcome } from './ledger';
import { realClock, type Clock } from '../net/clock';
import { SlidingWindowLimiter } from '../net/rateLimit';
import { backoffDelay, defaultRetryPolicy, isAmbiguousTransportReason, seededRandom, transportReason, type RetryPolicy } from '../net/retry';
import type { BatchResult, Provider, ProviderLimits, Recipient, RecipientOutcome } from './types';

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

export function redactRequest(request: HttpRequest): HttpRequest {
	return { ...request, headers: redactHeaders(request.headers) };
}

export class DeliveryAbortedError extends Error {
	constructor() {
		super('Delivery aborted');
		this.name = 'DeliveryAbortedError';
	}
}

interface Job {
	recipients: Recipient[];
	/** Rows already held by this run (recovery or bisection): no reservation needed. */
	held: boolean;
	batch: number;
	/** Set when an earlier attempt's outcome is unknown. */
	unknown?: { reason: string };
}

const HELD_NOW =
	'The provider may have accepted this message but its answer was lost; not sent again, so nobody gets it twice. Check the provider\'s log, then rerun with Unconfirmed Sends = Resend or Mark as Sent';
const HELD_EARLIER =
	'An earlier run may have sent this message but could not confirm it; held (not re-sent) until Unconfirmed Sends says Resend or Mark as Sent';

function inc(map: Record<string, number>, key: string): void {
	map[key] = (map[key] ?? 0) + 1;
}

function chunk<T>(arr: readonly T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < arr.length; i += size) out.push(arr.slice(i, i + size));
	return out;
}

export async function runDelivery(inputs: readonly DeliveryInput[], opts: DeliveryOptions): Promise<DeliveryResult> {
	const clock = opts.clock ?? realClock;
	const rng = opts.rng ?? seededRandom(0x5eed);
	const started = clock.now();
	const provider = opts.provider;
	const limits: ProviderLimits = { ...provider.limits, ...stripUndefined(opts.limits ?? {}) };
	const batchSize = Math.max(1, Math.floor(limits.maxBatchSize));
	const concurrency = Math.max(1, Math.floor(limits.concurrency));
	const policy: RetryPolicy = { ...defaultRetryPolicy, ...stripUndefined(opts.retry ?? {}) };
	const runId = opts.runId ?? randomUUID();
	const ledger = opts.ledger;
	const leaseMs = opts.leaseMs ?? ledger.defaultLeaseMs;
	const counts = opts.countsTowardCap ?? true;
	const cap =
		opts.frequencyCap && opts.frequencyCap.maxMessages > 0 && counts
			? { max: Math.floor(opts.frequencyCap.maxMessages), since: capWindowStart(started, opts.frequencyCap.days) }
			: undefined;
	const unconfirmedPolicy = opts.unconfirmed ?? 'fail';
	const log = opts.log ?? (() => undefined);
	const limiter = opts.limiter ?? new SlidingWindowLimiter(limits.requestsPerInterval, limits.intervalMs, clock);
	const waitedBefore = limiter.stats.waitedMs;

	const records: DeliveryRecord[] = inputs.map((inp) => ({
		itemIndex: inp.itemIndex,
		status: 'skipped',
		reason: null,
		messageId: null,
		provider: provider.id,
		sendKey: null,
		attempts: 0,
	}));
	const recordOf = new Map<number, DeliveryRecord>();
	records.forEach((r) => recordOf.set(r.itemIndex, r));
	const summary: DeliverySummary = {
		provider: provider.id,
		campaignKey: opts.campaignKey,
		runKey: opts.runKey,
		dryRun: !!opts.dryRun,
		ledger: ledger.kind,
		total: inputs.length,
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

	const skip = (rec: DeliveryRecord, reason: string) => {
		rec.status = 'skipped';
		rec.reason = reason;
	};
	const fail = (rec: DeliveryRecord, reason: string, detail?: string) => {
		rec.status = 'failed';
		rec.reason = reason;
		if (detail) rec.detail = redact(detail, opts.secrets);
	};
	const hold = (rec: DeliveryRecord, reason: string, detail: string) => {
		rec.status = 'unconfirmed';
		rec.reason = reason;
		rec.detail = redact(detail, opts.secrets);
	};

	// 1. Per-recipient decisions that need no ledger.
	const seenSendKeys = new Set<string>();
	const seenAddresses = new Set<string>();
	const candidates: Recipient[] = [];
	for (const inp of inputs) {
		const rec = recordOf.get(inp.itemIndex)!;
		if (inp.skipReason) {
			skip(rec, inp.skipReason);
			continue;
		}
		const customerId = (inp.customerId ?? '').trim();
		if (!customerId) {
			fail(rec, 'missing_customer_id', 'The item has no customer id, so it cannot be deduplicated');
			continue;
		}
		const sendKey = sendKeyOf(opts.campaignKey, customerId, opts.runKey);
		rec.sendKey = sendKey;
		if (seenSendKeys.has(sendKey)) {
			skip(rec, 'duplicate');
			continue;
		}
		seenSendKeys.add(sendKey);
		const address = (inp.address ?? '').trim();
		if (!address) {
			skip(rec, 'no_address');
			continue;
		}
		const recipient: Recipient = { itemIndex: inp.itemIndex, customerId, address, sendKey, fields: inp.fields };
		const invalid = provider.validate?.(recipient);
		if (invalid) {
			fail(rec, invalid);
			continue;
		}
		const aKey = provider.addressKey ? provider.addressKey(address) : address;
		if (seenAddresses.has(aKey)) {
			skip(rec, 'duplicate_address');
			continue;
		}
		seenAddresses.add(aKey);
		candidates.push(recipient);
	}

	// 2. Ledger state of the candidates.
	const state = new Map<string, LedgerEntry>();
	for (const part of chunk(candidates, 5000)) {
		const found = await ledger.lookup(part.map((r) => r.sendKey));
		for (const [k, v] of found) state.set(k, v);
	}
	const fresh: Recipient[] = [];
	const recoveryGroups = new Map<string, Recipient[]>();
	const recoveryLoose: Recipient[] = [];
	const toMarkSent: Recipient[] = [];
	const undecided = (r: Recipient) => {
		if (unconfirmedPolicy === 'resend') recoveryLoose.push(r);
		else if (unconfirmedPolicy === 'markSent') toMarkSent.push(r);
		else hold(recordOf.get(r.itemIndex)!, 'unconfirmed', HELD_EARLIER);
	};
	const window = provider.idempotencyWindowMs;
	for (const r of candidates) {
		const e = state.get(r.sendKey);
		const rec = recordOf.get(r.itemIndex)!;
		if (!e) {
			fresh.push(r);
			continue;
		}
		if (e.status === 'sent') {
			skip(rec, 'already_sent');
			continue;
		}
		if (e.status === 'pending' && e.runId !== runId && (ledger.isLive ? ledger.isLive(e.runId) : e.at > started - leaseMs)) {
			skip(rec, 'in_progress');
			continue;
		}
		// A pending row without a batch key was reserved but its request never started (the batch
		// key is written just before sending): sending it now cannot duplicate anything.
		if (e.status === 'pending' && !e.batchKey) recoveryLoose.push(r);
		// Orphaned pending row or unconfirmed row: the provider may or may not have it.
		else if (window === Infinity) recoveryLoose.push(r);
		else if (window !== undefined && e.batchKey && started - e.at < window - 60000) {
			const g = recoveryGroups.get(e.batchKey) ?? [];
			g.push(r);
			recoveryGroups.set(e.batchKey, g);
		} else undecided(r);
	}
	const recoveryBatches: Recipient[][] = [];
	for (const [bk, group] of recoveryGroups) {
		if (batchKeyOf(group.map((r) => r.sendKey)) === bk) recoveryBatches.push(group);
		else group.forEach(undecided);
	}
	for (const part of chunk(recoveryLoose, batchSize)) recoveryBatches.push(part);

	// 3. Dry run: plan, send nothing, record nothing.
	if (opts.dryRun) {
		for (const r of toMarkSent) skip(recordOf.get(r.itemIndex)!, 'dry_run');
		let eligible = fresh;
		if (cap) {
			const countsNow = new Map<string, number>();
			for (const part of chunk(fresh, 5000)) {
				const c = await ledger.countRecent(
					part.map((r) => customerKeyOf(r.customerId)),
					cap.since,
				);
				for (const [k, v] of c) countsNow.set(k, v);
			}
			eligible = fresh.filter((r) => {
				if ((countsNow.get(customerKeyOf(r.customerId)) ?? 0) >= cap.max) {
					skip(recordOf.get(r.itemIndex)!, 'frequency_cap');
					return false;
				}
				return true;
			});
		}
		const planned: PlannedRequest[] = [];
		const batches = [...recoveryBatches, ...chunk(eligible, batchSize)];
		let b = 0;
		for (const batch of batches) {
			b++;
			const reqs = await provider.plan(batch, { campaignKey: opts.campaignKey, runKey: opts.runKey, now: clock.now });
			for (const req of reqs)
				planned.push({ ...redactRequest(req), batch: b, itemIndexes: batch.map((r) => r.itemIndex) });
			for (const r of batch) skip(recordOf.get(r.itemIndex)!, 'dry_run');
		}
		summary.batches = batches.length;
		summary.requests = planned.length;
		finish(summary, records, clock.now() - started, 0);
		return { records, summary, plannedRequests: planned };
	}

	// 4. Live run.
	await ledger.ensureRoom?.(fresh.length);
	if (toMarkSent.length > 0) {
		// A person decided these were delivered: record them as sent, send nothing.
		const taken = await ledger.takeOver(toMarkSent.map((r) => r.sendKey), { runId, now: clock.now(), leaseMs });
		await ledger.markSent([...taken].map((sendKey) => ({ sendKey })), { runId, now: clock.now() });
		for (const r of toMarkSent) skip(recordOf.get(r.itemIndex)!, taken.has(r.sendKey) ? 'marked_sent' : 'in_progress');
	}
	let requestCount = 0;
	const limitedTransport: HttpTransport = async (request) => {
		const release = await limiter.acquire();
		requestCount++;
		try {
			return await opts.transport(request);
		} finally {
			release();
		}
	};
	const aborted = () => opts.signal?.aborted === true;
	const ctl = { stopped: undefined as { reason: string; detail?: string } | undefined };
	const stoppedNow = () => ctl.stopped;
	let batchCounter = 0;
	const queue: Job[] = [];
	for (const batch of recoveryBatches) queue.push({ recipients: batch, held: true, batch: ++batchCounter });
	for (const batch of chunk(fresh, batchSize)) queue.push({ recipients: batch, held: false, batch: ++batchCounter });
	const totalBatches = queue.length;
	let done = 0;

	/** Ends a batch without a send: a definite refusal releases it, an unknown outcome holds it unconfirmed. */
	const settle = async (batch: Recipient[], reason: string, detail: string | undefined, unknown: { reason: string } | undefined) => {
		const keys = batch.map((r) => r.sendKey);
		if (unknown) {
			const why = reason === unknown.reason ? '' : ` (then: ${reason}${detail ? `, ${detail}` : ''})`;
			for (const r of batch) hold(recordOf.get(r.itemIndex)!, unknown.reason, `${HELD_NOW}${why}`);
			await ledger.markUnconfirmed(keys, { runId, now: clock.now() });
			return;
		}
		for (const r of batch) fail(recordOf.get(r.itemIndex)!, reason, detail);
		await ledger.release(keys, { runId });
	};

	const processJob = async (job: Job): Promise<void> => {
		let batch = job.recipients;
		if (ctl.stopped) {
			for (const r of batch) fail(recordOf.get(r.itemIndex)!, ctl.stopped.reason, ctl.stopped.detail);
			if (job.held) await ledger.release(batch.map((r) => r.sendKey), { runId });
			return;
		}
		const dedupes = provider.idempotencyWindowMs !== undefined;
		if (job.held) {
			const keys = batch.map((r) => r.sendKey);
			const taken = await ledger.takeOver(keys, { runId, now: clock.now(), leaseMs });
			batch = batch.filter((r) => {
				if (taken.has(r.sendKey)) return true;
				skip(recordOf.get(r.itemIndex)!, 'in_progress');
				return false;
			});
		} else {
			const outcomes = await ledger.reserve(
				batch.map((r) => ({ sendKey: r.sendKey, customerKey: customerKeyOf(r.customerId) })),
				{ runId, campaignKey: opts.campaignKey, provider: provider.id, now: clock.now(), counts, cap, leaseMs },
			);
			batch = batch.filter((r) => {
				const o: ReserveOutcome = outcomes.get(r.sendKey) ?? 'in_progress';
				if (o === 'reserved') return true;
				skip(recordOf.get(r.itemIndex)!, o === 'unconfirmed' ? 'in_progress' : o);
				return false;
			});
		}
		if (batch.length === 0) return;
		summary.batches++;

		let attempt = 0;
		// Set once any attempt's outcome is unknown: from then on nothing of this batch is released.
		let unknown: { reason: string } | undefined = job.unknown;
		for (;;) {
			attempt++;
			if (aborted()) throw new DeliveryAbortedError();
			const stop = stoppedNow();
			if (stop) {
				await settle(batch, stop.reason, stop.detail, unknown);
				return;
			}
			if (attempt > 1) summary.retries++;
			await ledger.touch(
				batch.map((r) => r.sendKey),
				{ runId, now: clock.now(), batchKey: batchKeyOf(batch.map((r) => r.sendKey)) },
			);
			for (const r of batch) recordOf.get(r.itemIndex)!.attempts++;
			let result: BatchResult;
			try {
				result = await provider.send(batch, {
					transport: limitedTransport,
					campaignKey: opts.campaignKey,
					runKey: opts.runKey,
					attempt,
					now: clock.now,
				});
			} catch (error) {
				if (error instanceof DeliveryAbortedError) throw error;
				const code = (error as { code?: unknown })?.code;
				const reason = typeof code === 'string' && code ? transportReason(error) : 'provider_error';
				result = reason === 'provider_error' ? { kind: 'fatal', reason, detail: (error as Error)?.message } : { kind: 'retry', reason };
				if (reason === 'provider_error' || isAmbiguousTransportReason(reason)) {
					unknown ??= { reason };
					// Without a dedupe key the same request is never sent again.
					if (!dedupes) {
						if (aborted()) throw new DeliveryAbortedError();
						await settle(batch, reason, undefined, unknown);
						return;
					}
				}
			}
			if (aborted()) throw new DeliveryAbortedError();

			if (result.kind === 'done') {
				const byKey = new Map<string, RecipientOutcome>();
				for (const o of result.outcomes) byKey.set(o.recipient.sendKey, o);
				const sent: { sendKey: string; messageId?: string }[] = [];
				const retryable: Recipient[] = [];
				const definiteFail: Recipient[] = [];
				const lost: Recipient[] = [];
				// A retry of part of a batch is a new request (a new idempotency key): after an
				// unknown outcome only a naturally idempotent operation may be repeated that way.
				const mayRetryPart = !unknown || provider.idempotencyWindowMs === Infinity;
				for (const r of batch) {
					const o = byKey.get(r.sendKey);
					const rec = recordOf.get(r.itemIndex)!;
					if (!o) {
						lost.push(r);
						hold(rec, 'no_outcome', 'The provider response did not mention this recipient: it may have the message; not re-sent');
					} else if (o.status === 'unknown') {
						lost.push(r);
						hold(rec, o.reason ?? 'unknown', o.detail ?? HELD_NOW);
					} else if (o.status === 'sent') {
						rec.status = 'sent';
						rec.reason = null;
						rec.messageId = o.messageId ?? null;
						sent.push({ sendKey: r.sendKey, messageId: o.messageId });
					} else if (o.retryable && attempt < policy.maxAttempts && mayRetryPart) {
						retryable.push(r);
					} else if (o.retryable && unknown) {
						lost.push(r);
						hold(rec, unknown.reason, `${HELD_NOW} (then: ${o.reason ?? 'rejected'})`);
					} else {
						fail(rec, o.reason ?? 'rejected', o.detail);
						definiteFail.push(r);
					}
				}
				if (sent.length) await ledger.markSent(sent, { runId, now: clock.now() });
				if (definiteFail.length) await ledger.release(definiteFail.map((r) => r.sendKey), { runId });
				if (lost.length) await ledger.markUnconfirmed(lost.map((r) => r.sendKey), { runId, now: clock.now() });
				if (retryable.length === 0) return;
				batch = retryable;
				await clock.sleep(backoffDelay(attempt, policy, rng));
				continue;
			}

			if (result.kind === 'retry') {
				let wait: number;
				if (result.afterMs !== undefined && Number.isFinite(result.afterMs)) {
					if (result.afterMs > policy.maxWaitMs) {
						await settle(
							batch,
							result.reason,
							`The provider asked to wait ${Math.round(result.afterMs / 1000)} s, longer than the ${Math.round(policy.maxWaitMs / 1000)} s allowed`,
							unknown,
						);
						return;
					}
					wait = Math.max(0, result.afterMs) + Math.round(rng() * 250);
					limiter.pauseUntil(clock.now() + wait);
				} else wait = backoffDelay(attempt, policy, rng);
				if (attempt >= policy.maxAttempts) {
					await settle(batch, result.reason, `Gave up after ${attempt} attempts`, unknown);
					return;
				}
				log(`Campaign Send: batch ${job.batch} of ${totalBatches} will be retried (${result.reason}), attempt ${attempt + 1}`);
				await clock.sleep(wait);
				continue;
			}

			// fatal
			if (result.stopRun) {
				ctl.stopped = { reason: result.reason, detail: redact(result.detail, opts.secrets) };
				log(`Campaign Send: stopping the run (${result.reason})`);
				await settle(batch, result.reason, result.detail, unknown);
				return;
			}
			if (batch.length > 1 && !unknown) {
				// One recipient may have spoiled the request: split it to find out.
				const mid = Math.ceil(batch.length / 2);
				queue.unshift({ recipients: batch.slice(mid), held: true, batch: job.batch }, { recipients: batch.slice(0, mid), held: true, batch: job.batch });
				return;
			}
			await settle(batch, result.reason, result.detail, unknown);
			return;
		}
	};

	const worker = async (): Promise<void> => {
		for (;;) {
			if (aborted()) throw new DeliveryAbortedError();
			const job = queue.shift();
			if (!job) return;
			await processJob(job);
			done++;
			if (opts.onBatchDone) {
				let s = 0;
				let f = 0;
				for (const r of job.recipients) {
					const st = recordOf.get(r.itemIndex)!.status;
					if (st === 'sent') s++;
					else if (st === 'failed') f++;
				}
				opts.onBatchDone({ batch: job.batch, sent: s, failed: f });
			}
			if (done % 10 === 0) log(`Campaign Send: ${done} batches done`);
		}
	};
	const workers: Promise<void>[] = [];
	for (let i = 0; i < concurrency; i++) workers.push(worker());
	const results = await Promise.allSettled(workers);
	const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
	if (failure) throw failure.reason;

	if (ctl.stopped) summary.stopped = ctl.stopped;
	summary.requests = requestCount;
	finish(summary, records, clock.now() - started, limiter.stats.waitedMs - waitedBefore);
	return { records, summary };
}

function finish(summary: DeliverySummary, records: DeliveryRecord[], durationMs: number, waited: number): void {
	for (const r of records) {
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
	summary.durationMs = durationMs;
	summary.rateLimitWaitMs = waited;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
	const out: Partial<T> = {};
	for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null && !(typeof v === 'number' && !Number.isFinite(v))) (out as Record<string, unknown>)[k] = v;
	return out;
}
