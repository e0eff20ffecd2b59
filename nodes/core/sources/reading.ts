/**
 * What every API reader keeps while it reads (Shopify, WooCommerce, HubSpot, Stripe): the record
 * limit, the incremental cursor (changed since / the previous run's state), the records it had to
 * skip (or the error when invalid records must fail the run), whether a limit cut the read short,
 * and the result it returns. The pages themselves are read by the paging engine (net/paging.ts)
 * through the reader's HTTP client (request.ts).
 */
import { SourceError } from './errors';
import { IncrementalTracker } from './incremental';
import { latestIso } from './normalize';
import type { FetchOptions, FetchResult, FetchStats, IncrementalState, NormalizedCustomer, NormalizedOrder, OutputMode, SkippedRecord } from './types';

export class ReadRun {
	/** Stop after this many records (Infinity: all). */
	readonly maxRecords: number;
	readonly tracker: IncrementalTracker | null;
	/** Records changed at or after this instant (the node's "changed since" or the incremental cursor). */
	readonly since: string | null;
	readonly includeSource: boolean;
	readonly skipped: SkippedRecord[] = [];
	/** Set when the limit stopped the read early. */
	truncated = false;

	constructor(
		readonly opts: FetchOptions,
		private readonly service: string,
	) {
		this.maxRecords = opts.maxRecords && opts.maxRecords > 0 ? opts.maxRecords : Infinity;
		this.tracker = opts.incremental ? new IncrementalTracker(opts.incremental) : null;
		this.since = latestIso(opts.since ?? null, this.tracker?.since ?? null);
		this.includeSource = !!opts.includeSource;
	}

	/** A record that cannot be normalized: skipped and counted, or the run fails (option). */
	invalid(kind: string, s: SkippedRecord): void {
		if (this.opts.onInvalid === 'fail') throw new SourceError('invalidRecord', `${this.service} ${kind} ${s.id}: ${s.reason}.`, { recordId: s.id });
		this.skipped.push(s);
	}

	/** The previous run's incremental state, unchanged (a read cut short must not move the cursor). */
	previousState(): IncrementalState | undefined {
		const prev = this.opts.incremental;
		return prev ? { since: prev.since, seen: { ...prev.seen } } : undefined;
	}

	/**
	 * The reader's result. The incremental state (incremental runs only) is `state` when given,
	 * else the tracker's next cursor.
	 */
	result(mode: OutputMode, records: Array<NormalizedCustomer | NormalizedOrder>, stats: FetchStats, state?: IncrementalState): FetchResult {
		const out: FetchResult = { mode, records, skipped: this.skipped, stats, truncated: this.truncated };
		if (this.tracker) out.state = state ?? this.tracker.next();
		return out;
	}
}
