/**
 * The engine's sending half: batches in a queue, worked by `concurrency` workers. Each batch is
 * claimed in the ledger (reserved, or taken over when an earlier run left it), written down with
 * its batch key just before each attempt (ledger.touch: the crash-safe point), sent through the
 * rate-limited transport, and settled from the provider's answer:
 * - done: per-recipient outcomes (sent / failed / unknown / retryable part),
 * - retry: wait (the provider's Retry-After, else backoff with jitter) and try again,
 * - fatal: the request was refused (split a batch to find the recipient that spoiled it, or stop
 *   the run on a credential problem).
 * A timeout or reset may mean the provider has the message: a provider without a dedupe key is
 * never sent that request again (the recipients are held unconfirmed), and once any attempt's
 * outcome was unknown, no later refusal releases the batch.
 */
import type { HttpTransport } from '../net/http';
import { redact } from '../net/redact';
import { backoffDelay, isAmbiguousTransportReason, transportReason } from '../net/retry';
import { batchKeyOf, customerKeyOf } from './keys';
import type { ReserveOutcome } from './ledger';
import { chunk, DeliveryAbortedError, HELD_NOW, type RunState } from './run';
import type { Plan } from './triage';
import type { BatchResult, Recipient, RecipientOutcome } from './types';

interface Job {
	recipients: Recipient[];
	/** Rows already held by this run (recovery or bisection): no reservation needed. */
	held: boolean;
	batch: number;
}

/** Why an attempt's outcome is unknown (the first unknown attempt of the batch). */
type Unknown = { reason: string } | undefined;

/** What to do after an attempt: the batch is settled ('end'), or tried again with these recipients. */
type Next = { end: true } | { end?: false; batch: Recipient[]; waitMs: number };

const END: Next = { end: true };

class BatchSender {
	private readonly queue: Job[] = [];
	private requests = 0;
	private done = 0;
	private readonly total: number;
	private readonly transport: HttpTransport;

	constructor(
		private readonly run: RunState,
		plan: Plan,
	) {
		let n = 0;
		for (const batch of plan.recovery) this.queue.push({ recipients: batch, held: true, batch: ++n });
		for (const batch of chunk(plan.fresh, run.batchSize)) this.queue.push({ recipients: batch, held: false, batch: ++n });
		this.total = this.queue.length;
		this.transport = async (request) => {
			const release = await run.limiter.acquire();
			this.requests++;
			try {
				return await run.opts.transport(request);
			} finally {
				release();
			}
		};
	}

	private stopReason(): RunState['stopped'] {
		return this.run.stopped;
	}

	private aborted(): boolean {
		return this.run.opts.signal?.aborted === true;
	}

	/** Runs the workers to the end of the queue; resolves the number of requests made. */
	async sendAll(): Promise<number> {
		const workers = Array.from({ length: this.run.concurrency }, () => this.worker());
		const results = await Promise.allSettled(workers);
		const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
		if (failure) throw failure.reason;
		return this.requests;
	}

	private async worker(): Promise<void> {
		for (;;) {
			if (this.aborted()) throw new DeliveryAbortedError();
			const job = this.queue.shift();
			if (!job) return;
			await this.process(job);
			this.done++;
			this.report(job);
		}
	}

	private report(job: Job): void {
		const { opts, log } = this.run;
		if (opts.onBatchDone) {
			let sent = 0;
			let failed = 0;
			for (const r of job.recipients) {
				const st = this.run.record(r.itemIndex).status;
				if (st === 'sent') sent++;
				else if (st === 'failed') failed++;
			}
			opts.onBatchDone({ batch: job.batch, sent, failed });
		}
		if (this.done % 10 === 0) log(`Campaign Send: ${this.done} batches done`);
	}

	/** Reserves (or takes over) the batch's rows; returns the recipients this run may send. */
	private async claim(job: Job): Promise<Recipient[]> {
		const { ledger, runId, clock, leaseMs, opts, provider, counts, cap } = this.run;
		if (job.held) {
			const taken = await ledger.takeOver(job.recipients.map((r) => r.sendKey), { runId, now: clock.now(), leaseMs });
			return job.recipients.filter((r) => {
				if (taken.has(r.sendKey)) return true;
				this.run.skip(r.itemIndex, 'in_progress');
				return false;
			});
		}
		const outcomes = await ledger.reserve(
			job.recipients.map((r) => ({ sendKey: r.sendKey, customerKey: customerKeyOf(r.customerId) })),
			{ runId, campaignKey: opts.campaignKey, provider: provider.id, now: clock.now(), counts, cap, leaseMs },
		);
		return job.recipients.filter((r) => {
			const o: ReserveOutcome = outcomes.get(r.sendKey) ?? 'in_progress';
			if (o === 'reserved') return true;
			this.run.skip(r.itemIndex, o === 'unconfirmed' ? 'in_progress' : o);
			return false;
		});
	}

	/** Ends a batch without a send: a definite refusal releases it, an unknown outcome holds it unconfirmed. */
	private async settle(batch: Recipient[], reason: string, detail: string | undefined, unknown: Unknown): Promise<Next> {
		const { ledger, runId, clock } = this.run;
		const keys = batch.map((r) => r.sendKey);
		if (unknown) {
			const why = reason === unknown.reason ? '' : ` (then: ${reason}${detail ? `, ${detail}` : ''})`;
			for (const r of batch) this.run.hold(r.itemIndex, unknown.reason, `${HELD_NOW}${why}`);
			await ledger.markUnconfirmed(keys, { runId, now: clock.now() });
		} else {
			for (const r of batch) this.run.fail(r.itemIndex, reason, detail);
			await ledger.release(keys, { runId });
		}
		return END;
	}

	private async process(job: Job): Promise<void> {
		if (this.run.stopped) {
			for (const r of job.recipients) this.run.fail(r.itemIndex, this.run.stopped.reason, this.run.stopped.detail);
			if (job.held) await this.run.ledger.release(job.recipients.map((r) => r.sendKey), { runId: this.run.runId });
			return;
		}
		let batch = await this.claim(job);
		if (batch.length === 0) return;
		this.run.summary.batches++;
		// Set once any attempt's outcome is unknown: from then on nothing of this batch is released.
		const state: { unknown: Unknown } = { unknown: undefined };
		for (let attempt = 1; ; attempt++) {
			if (this.aborted()) throw new DeliveryAbortedError();
			// Another worker may have stopped the run meanwhile.
			const stop = this.stopReason();
			if (stop) return void (await this.settle(batch, stop.reason, stop.detail, state.unknown));
			if (attempt > 1) this.run.summary.retries++;
			const next = await this.attempt(job, batch, attempt, state);
			if (next.end) return;
			batch = next.batch;
			await this.run.clock.sleep(next.waitMs);
		}
	}

	/** One attempt at a batch: written down first, then sent, then its answer handled. */
	private async attempt(job: Job, batch: Recipient[], attempt: number, state: { unknown: Unknown }): Promise<Next> {
		const { ledger, runId, clock, opts, provider } = this.run;
		const keys = batch.map((r) => r.sendKey);
		await ledger.touch(keys, { runId, now: clock.now(), batchKey: batchKeyOf(keys) });
		for (const r of batch) this.run.record(r.itemIndex).attempts++;
		let result: BatchResult;
		try {
			result = await provider.send(batch, { transport: this.transport, campaignKey: opts.campaignKey, runKey: opts.runKey, attempt, now: clock.now });
		} catch (error) {
			if (error instanceof DeliveryAbortedError) throw error;
			const code = (error as { code?: unknown })?.code;
			const reason = typeof code === 'string' && code ? transportReason(error) : 'provider_error';
			result = reason === 'provider_error' ? { kind: 'fatal', reason, detail: (error as Error)?.message } : { kind: 'retry', reason };
			if (reason === 'provider_error' || isAmbiguousTransportReason(reason)) {
				state.unknown ??= { reason };
				// Without a dedupe key the same request is never sent again.
				if (provider.idempotencyWindowMs === undefined) {
					if (this.aborted()) throw new DeliveryAbortedError();
					return this.settle(batch, reason, undefined, state.unknown);
				}
			}
		}
		if (this.aborted()) throw new DeliveryAbortedError();
		if (result.kind === 'done') return this.onDone(batch, result.outcomes, attempt, state.unknown);
		if (result.kind === 'retry') return this.onRetry(job, batch, result, attempt, state.unknown);
		return this.onFatal(job, batch, result, state.unknown);
	}

	/** Per-recipient outcomes: recorded; a retryable part is tried again (when that is safe). */
	private async onDone(batch: Recipient[], outcomes: RecipientOutcome[], attempt: number, unknown: Unknown): Promise<Next> {
		const { ledger, runId, clock, provider, policy, rng } = this.run;
		const byKey = new Map(outcomes.map((o) => [o.recipient.sendKey, o]));
		const sent: { sendKey: string; messageId?: string }[] = [];
		const retryable: Recipient[] = [];
		const refused: Recipient[] = [];
		const lost: Recipient[] = [];
		// A retry of part of a batch is a new request (a new idempotency key): after an unknown
		// outcome only a naturally idempotent operation may be repeated that way.
		const mayRetryPart = !unknown || provider.idempotencyWindowMs === Infinity;
		for (const r of batch) {
			const o = byKey.get(r.sendKey);
			const i = r.itemIndex;
			if (!o) {
				lost.push(r);
				this.run.hold(i, 'no_outcome', 'The provider response did not mention this recipient: it may have the message; not re-sent');
			} else if (o.status === 'unknown') {
				lost.push(r);
				this.run.hold(i, o.reason ?? 'unknown', o.detail ?? HELD_NOW);
			} else if (o.status === 'sent') {
				Object.assign(this.run.record(i), { status: 'sent', reason: null, messageId: o.messageId ?? null });
				sent.push({ sendKey: r.sendKey, messageId: o.messageId });
			} else if (o.retryable && attempt < policy.maxAttempts && mayRetryPart) retryable.push(r);
			else if (o.retryable && unknown) {
				lost.push(r);
				this.run.hold(i, unknown.reason, `${HELD_NOW} (then: ${o.reason ?? 'rejected'})`);
			} else {
				this.run.fail(i, o.reason ?? 'rejected', o.detail);
				refused.push(r);
			}
		}
		if (sent.length) await ledger.markSent(sent, { runId, now: clock.now() });
		if (refused.length) await ledger.release(refused.map((r) => r.sendKey), { runId });
		if (lost.length) await ledger.markUnconfirmed(lost.map((r) => r.sendKey), { runId, now: clock.now() });
		if (retryable.length === 0) return END;
		return { batch: retryable, waitMs: backoffDelay(attempt, policy, rng) };
	}

	/** The whole batch failed for now (429, 5xx, throttled, a transport error): wait and try again. */
	private async onRetry(job: Job, batch: Recipient[], result: Extract<BatchResult, { kind: 'retry' }>, attempt: number, unknown: Unknown): Promise<Next> {
		const { policy, rng, clock, limiter, log } = this.run;
		let wait: number;
		if (result.afterMs !== undefined && Number.isFinite(result.afterMs)) {
			if (result.afterMs > policy.maxWaitMs)
				return this.settle(
					batch,
					result.reason,
					`The provider asked to wait ${Math.round(result.afterMs / 1000)} s, longer than the ${Math.round(policy.maxWaitMs / 1000)} s allowed`,
					unknown,
				);
			wait = Math.max(0, result.afterMs) + Math.round(rng() * 250);
			// A "slow down" holds every request of the credential, not only this batch.
			limiter.pauseUntil(clock.now() + wait);
		} else wait = backoffDelay(attempt, policy, rng);
		if (attempt >= policy.maxAttempts) return this.settle(batch, result.reason, `Gave up after ${attempt} attempts`, unknown);
		log(`Campaign Send: batch ${job.batch} of ${this.total} will be retried (${result.reason}), attempt ${attempt + 1}`);
		return { batch, waitMs: wait };
	}

	/** The provider refused the request: stop the run, or split the batch to find who spoiled it. */
	private async onFatal(job: Job, batch: Recipient[], result: Extract<BatchResult, { kind: 'fatal' }>, unknown: Unknown): Promise<Next> {
		if (result.stopRun) {
			this.run.stopped = { reason: result.reason, detail: redact(result.detail, this.run.opts.secrets) };
			this.run.log(`Campaign Send: stopping the run (${result.reason})`);
			return this.settle(batch, result.reason, result.detail, unknown);
		}
		if (batch.length > 1 && !unknown) {
			const mid = Math.ceil(batch.length / 2);
			this.queue.unshift({ recipients: batch.slice(mid), held: true, batch: job.batch }, { recipients: batch.slice(0, mid), held: true, batch: job.batch });
			return END;
		}
		return this.settle(batch, result.reason, result.detail, unknown);
	}
}

/** Sends every batch of the plan; resolves the number of HTTP requests made. */
export function sendBatches(run: RunState, plan: Plan): Promise<number> {
	return new BatchSender(run, plan).sendAll();
}
