/**
 * A minimal stand-in for the delivery engine, to test providers on their own: validates, batches
 * by the provider's maxBatchSize, sends with bounded concurrency, retries 'retry' results, thrown
 * transport errors (classified with the engine's transportReason) and retryable outcomes (up to
 * maxAttempts, recording the Retry-After delays asked for without waiting them), fails the batch
 * on 'fatal' and stops on stopRun. The real engine's tests
 * cover backoff, rate limits and the ledger; here we check what the provider says.
 */
import type { HttpTransport } from '../../nodes/core/net/http';
import { sendKeyOf } from '../../nodes/core/delivery/keys';
import { transportReason } from '../../nodes/core/net/retry';
import type { BatchResult, Provider, Recipient, RecipientOutcome } from '../../nodes/core/delivery/types';

export function recipients(
	count: number,
	address: (i: number) => string,
	fields: (i: number) => Record<string, unknown> = () => ({}),
	campaignKey = 'winback-2026',
	runKey = '2026-03-02',
): Recipient[] {
	return Array.from({ length: count }, (_, i) => {
		const customerId = `c${i + 1}`;
		return { itemIndex: i, customerId, address: address(i), sendKey: sendKeyOf(campaignKey, customerId, runKey), fields: { customerId, ...fields(i) } };
	});
}

export interface DriveResult {
	outcomes: RecipientOutcome[];
	bySendKey: Map<string, RecipientOutcome>;
	sends: number;
	retries: Array<{ reason: string; afterMs?: number }>;
	fatal?: Extract<BatchResult, { kind: 'fatal' }>;
	batchSizes: number[];
}

export async function drive(
	provider: Provider,
	list: Recipient[],
	transport: HttpTransport,
	opts: { maxAttempts?: number; concurrency?: number; campaignKey?: string; runKey?: string; now?: () => number } = {},
): Promise<DriveResult> {
	const result: DriveResult = { outcomes: [], bySendKey: new Map(), sends: 0, retries: [], batchSizes: [] };
	const maxAttempts = opts.maxAttempts ?? 5;
	const record = (o: RecipientOutcome) => {
		result.outcomes.push(o);
		result.bySendKey.set(o.recipient.sendKey, o);
	};
	const valid: Recipient[] = [];
	for (const r of list) {
		const reason = provider.validate?.(r);
		if (reason) record({ recipient: r, status: 'failed', reason });
		else valid.push(r);
	}
	const size = provider.limits.maxBatchSize;
	const queue: Array<{ batch: Recipient[]; attempt: number }> = [];
	for (let i = 0; i < valid.length; i += size) queue.push({ batch: valid.slice(i, i + size), attempt: 1 });
	let stopped = false;
	async function worker(): Promise<void> {
		while (queue.length && !stopped) {
			const job = queue.shift()!;
			result.sends++;
			result.batchSizes.push(job.batch.length);
			let res: BatchResult;
			try {
				res = await provider.send(job.batch, {
					transport,
					campaignKey: opts.campaignKey ?? 'winback-2026',
					runKey: opts.runKey ?? '2026-03-02',
					attempt: job.attempt,
					now: opts.now ?? (() => Date.now()),
				});
			} catch (error) {
				// Like the engine: errors with a code are transport failures (retried), others are bugs.
				if (typeof (error as { code?: unknown })?.code !== 'string') throw error;
				res = { kind: 'retry', reason: transportReason(error) };
			}
			if (res.kind === 'retry') {
				result.retries.push({ reason: res.reason, afterMs: res.afterMs });
				if (job.attempt >= maxAttempts) for (const r of job.batch) record({ recipient: r, status: 'failed', reason: res.reason });
				else {
					// The wait asked for is recorded, not slept: yield once and go on (no wall clock).
					await new Promise<void>((w) => setImmediate(w));
					queue.unshift({ batch: job.batch, attempt: job.attempt + 1 });
				}
			} else if (res.kind === 'fatal') {
				result.fatal = res;
				for (const r of job.batch) record({ recipient: r, status: 'failed', reason: res.reason, detail: res.detail });
				if (res.stopRun) stopped = true;
			} else {
				const again: Recipient[] = [];
				for (const o of res.outcomes) {
					if (o.status === 'failed' && o.retryable && job.attempt < maxAttempts) again.push(o.recipient);
					else record(o);
				}
				if (again.length) queue.unshift({ batch: again, attempt: job.attempt + 1 });
			}
		}
	}
	await Promise.all(Array.from({ length: opts.concurrency ?? provider.limits.concurrency }, () => worker()));
	return result;
}
