/**
 * The delivery engine: one engine for every provider (providers only shape requests and read
 * responses, see types.ts). For each recipient it decides skip / send, reserves the send in the
 * idempotency ledger, batches to the provider's limit, rate-limits every HTTP request, runs
 * batches with bounded concurrency, retries with exponential backoff and jitter, honours the
 * provider's wait signals, maps partial failures back to recipients, and records what the
 * provider accepted. Deterministic given its clock and RNG. No n8n import.
 *
 * The steps, in order: startRun (run.ts: settings, records), screenInputs and sortByLedger
 * (triage.ts: who is sent, skipped, recovered), planDryRun or markDecidedSent + sendBatches
 * (batches.ts: claim, attempt, settle), finishRun (the summary).
 *
 * Delivery guarantees (see docs/nodes/CampaignSend.md):
 * - A send key is reserved ('pending') before its request and marked 'sent' once the provider
 *   accepted it; a rerun skips 'sent' keys (`already_sent`) and two concurrent runs never both
 *   reserve one key (atomic in PostgreSQL).
 * - A definite refusal (4xx, 429/5xx after the last attempt) deletes the reservation: a later
 *   run may try again, unless an earlier attempt's outcome was unknown.
 * - An unknown outcome (a timeout or reset after the request may have been processed, a run
 *   killed mid-request) is never sent again to a provider without a dedupe key: the recipients
 *   are 'unconfirmed' (their own status and output) and the row stays. A later run resolves it:
 *   providers that deduplicate (Provider.idempotencyWindowMs) get the same batch again within
 *   their window (exactly once); for the others the `unconfirmed` policy decides: 'fail' (default,
 *   hold: at most once), 'resend' (at least once) or 'markSent' (a person saw it delivered).
 */
import { redactHeaders } from '../net/redact';
import type { HttpRequest } from '../net/http';
import { finishRun, startRun, type DeliveryInput, type DeliveryOptions, type DeliveryResult } from './run';
import { sendBatches } from './batches';
import { markDecidedSent, planDryRun, screenInputs, sortByLedger } from './triage';

export type {
	DeliveryInput,
	DeliveryOptions,
	DeliveryRecord,
	DeliveryResult,
	DeliveryStatus,
	DeliverySummary,
	PlannedRequest,
	UnconfirmedPolicy,
} from './run';
export { DeliveryAbortedError } from './run';

export function redactRequest(request: HttpRequest): HttpRequest {
	return { ...request, headers: redactHeaders(request.headers) };
}

export async function runDelivery(inputs: readonly DeliveryInput[], opts: DeliveryOptions): Promise<DeliveryResult> {
	const run = startRun(inputs, opts);
	const plan = await sortByLedger(run, screenInputs(run, inputs));
	if (opts.dryRun) return planDryRun(run, plan);
	await run.ledger.ensureRoom?.(plan.fresh.length);
	await markDecidedSent(run, plan.toMarkSent);
	const requests = await sendBatches(run, plan);
	return finishRun(run, requests, run.limiter.stats.waitedMs - run.waitedBefore);
}
