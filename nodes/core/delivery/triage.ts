/**
 * The engine's decisions before anything is sent: each input becomes a recipient or is skipped /
 * failed (no id, no address, invalid, duplicate), then the ledger says what each recipient's send
 * key already is: new (to send), sent (skip), in progress (another live run), or left unresolved
 * by an earlier run (re-sent safely under the provider's dedupe key, or held / re-sent / marked
 * sent as Unconfirmed Sends says). Dry runs stop here, with the exact requests.
 */
import { batchKeyOf, customerKeyOf, sendKeyOf } from './keys';
import type { LedgerEntry } from './ledger';
import { chunk, finishRun, HELD_EARLIER, type DeliveryInput, type DeliveryResult, type PlannedRequest, type RunState } from './run';
import type { Recipient } from './types';
import { redactHeaders } from '../net/redact';

export interface Plan {
	/** Never reserved before: reserved batch by batch as they are sent. */
	fresh: Recipient[];
	/** Rows an earlier run left (orphaned or unconfirmed) that may be sent now, grouped as batches. */
	recovery: Recipient[][];
	/** Unconfirmed rows a person declared delivered (Unconfirmed Sends = Mark as Sent). */
	toMarkSent: Recipient[];
}

/** Per-recipient decisions that need no ledger; returns the candidates, in input order. */
export function screenInputs(run: RunState, inputs: readonly DeliveryInput[]): Recipient[] {
	const { opts, provider } = run;
	const seenCustomers = new Set<string>();
	const seenAddresses = new Set<string>();
	const candidates: Recipient[] = [];
	for (const inp of inputs) {
		const i = inp.itemIndex;
		if (inp.skipReason) {
			run.skip(i, inp.skipReason);
			continue;
		}
		const customerId = (inp.customerId ?? '').trim();
		if (!customerId) {
			run.fail(i, 'missing_customer_id', 'The item has no customer id, so it cannot be deduplicated');
			continue;
		}
		const sendKey = sendKeyOf(opts.campaignKey, customerId, opts.runKey, provider.contentKey?.(inp.fields));
		run.record(i).sendKey = sendKey;
		// One send per customer in a run, whatever the content.
		if (seenCustomers.has(customerId)) {
			run.skip(i, 'duplicate');
			continue;
		}
		seenCustomers.add(customerId);
		const address = (inp.address ?? '').trim();
		if (!address) {
			run.skip(i, 'no_address');
			continue;
		}
		const recipient: Recipient = { itemIndex: i, customerId, address, sendKey, fields: inp.fields };
		const invalid = provider.validate?.(recipient);
		if (invalid) {
			run.fail(i, invalid);
			continue;
		}
		const aKey = provider.addressKey ? provider.addressKey(address) : address;
		if (seenAddresses.has(aKey)) {
			run.skip(i, 'duplicate_address');
			continue;
		}
		seenAddresses.add(aKey);
		candidates.push(recipient);
	}
	return candidates;
}

function addTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
	const list = map.get(key);
	if (list) list.push(value);
	else map.set(key, [value]);
}

async function lookupAll(run: RunState, candidates: Recipient[]): Promise<Map<string, LedgerEntry>> {
	const state = new Map<string, LedgerEntry>();
	for (const part of chunk(candidates, 5000)) for (const [k, v] of await run.ledger.lookup(part.map((r) => r.sendKey))) state.set(k, v);
	return state;
}

/** Sorts the candidates by their ledger rows. */
export async function sortByLedger(run: RunState, candidates: Recipient[]): Promise<Plan> {
	const { ledger, provider, started } = run;
	const state = await lookupAll(run, candidates);
	const plan: Plan = { fresh: [], recovery: [], toMarkSent: [] };
	const groups = new Map<string, Recipient[]>();
	const loose: Recipient[] = [];
	const undecided = (r: Recipient) => {
		const policy = run.opts.unconfirmed ?? 'fail';
		if (policy === 'resend') loose.push(r);
		else if (policy === 'markSent') plan.toMarkSent.push(r);
		else run.hold(r.itemIndex, 'unconfirmed', HELD_EARLIER);
	};
	const window = provider.idempotencyWindowMs;
	for (const r of candidates) {
		const e = state.get(r.sendKey);
		if (!e) plan.fresh.push(r);
		else if (e.status === 'sent') run.skip(r.itemIndex, 'already_sent');
		else if (e.status === 'pending' && e.runId !== run.runId && (ledger.isLive ? ledger.isLive(e.runId) : e.at > started - run.leaseMs))
			run.skip(r.itemIndex, 'in_progress');
		// A pending row without a batch key was reserved but its request never started (the batch
		// key is written just before sending): sending it now cannot duplicate anything.
		else if (e.status === 'pending' && !e.batchKey) loose.push(r);
		// Orphaned pending row or unconfirmed row: the provider may or may not have it.
		else if (window === Infinity) loose.push(r);
		else if (window !== undefined && e.batchKey && started - e.at < window - 60000) addTo(groups, e.batchKey, r);
		else undecided(r);
	}
	// The same batch again (same idempotency key) only when it is exactly the batch sent before.
	for (const [bk, group] of groups) {
		if (batchKeyOf(group.map((r) => r.sendKey)) === bk) plan.recovery.push(group);
		else group.forEach(undecided);
	}
	plan.recovery.push(...chunk(loose, run.batchSize));
	return plan;
}

/** Dry run: the frequency cap (read-only), then exactly the requests that would be sent; nothing recorded. */
export async function planDryRun(run: RunState, plan: Plan): Promise<DeliveryResult> {
	const { cap, provider, opts } = run;
	for (const r of plan.toMarkSent) run.skip(r.itemIndex, 'dry_run');
	let eligible = plan.fresh;
	if (cap) {
		const countsNow = new Map<string, number>();
		for (const part of chunk(plan.fresh, 5000))
			for (const [k, v] of await run.ledger.countRecent(part.map((r) => customerKeyOf(r.customerId)), cap.since)) countsNow.set(k, v);
		eligible = plan.fresh.filter((r) => {
			if ((countsNow.get(customerKeyOf(r.customerId)) ?? 0) < cap.max) return true;
			run.skip(r.itemIndex, 'frequency_cap');
			return false;
		});
	}
	const planned: PlannedRequest[] = [];
	const batches = [...plan.recovery, ...chunk(eligible, run.batchSize)];
	for (const [b, batch] of batches.entries()) {
		const reqs = await provider.plan(batch, { campaignKey: opts.campaignKey, runKey: opts.runKey, now: run.clock.now });
		for (const req of reqs) planned.push({ ...req, headers: redactHeaders(req.headers), batch: b + 1, itemIndexes: batch.map((r) => r.itemIndex) });
		for (const r of batch) run.skip(r.itemIndex, 'dry_run');
	}
	run.summary.batches = batches.length;
	const result = finishRun(run, planned.length, 0);
	return { ...result, plannedRequests: planned };
}

/** A person decided these were delivered: record them as sent, send nothing. */
export async function markDecidedSent(run: RunState, recipients: Recipient[]): Promise<void> {
	if (recipients.length === 0) return;
	const { ledger, runId, clock, leaseMs } = run;
	const taken = await ledger.takeOver(recipients.map((r) => r.sendKey), { runId, now: clock.now(), leaseMs });
	await ledger.markSent([...taken].map((sendKey) => ({ sendKey })), { runId, now: clock.now() });
	for (const r of recipients) run.skip(r.itemIndex, taken.has(r.sendKey) ? 'marked_sent' : 'in_progress');
}
