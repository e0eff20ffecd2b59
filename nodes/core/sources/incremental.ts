/**
 * Incremental cursor: fetch only what changed since the last successful run, never twice, never
 * missing a record changed while the previous run was reading.
 *
 * The source is asked for records changed at or after `since`. A record is skipped when
 * - it changed before `since` (the previous run already delivered that version; this happens when
 *   an API only filters with "after" and the query is widened by a second), or
 * - its id and change time are in `seen` (delivered by the previous run, unchanged since).
 * The next `since` is the latest change time delivered, but never later than the moment this run
 * started reading (the server's clock when known): a record changed during the run, behind the
 * page being read, is then fetched next time. `seen` keeps only the ids whose change time is at or
 * after the new `since`, so it stays small.
 */
import type { IncrementalState } from './types';

export function emptyState(): IncrementalState {
	return { since: null, seen: {} };
}

export function isIncrementalState(value: unknown): value is IncrementalState {
	if (!value || typeof value !== 'object') return false;
	const v = value as Record<string, unknown>;
	return (v.since === null || typeof v.since === 'string') && !!v.seen && typeof v.seen === 'object';
}

export class IncrementalTracker {
	private maxSeen: number | null = null;
	private readonly delivered = new Map<string, string>();
	private readonly sinceMs: number | null;
	runStartMs: number | null = null;

	constructor(private readonly prev: IncrementalState) {
		this.sinceMs = prev.since ? Date.parse(prev.since) : null;
	}

	get since(): string | null {
		return this.prev.since;
	}

	/** Remembers the server's time at the start of the read (first response's Date header). */
	noteServerTime(dateHeader: string | undefined, fallbackMs: number): void {
		if (this.runStartMs !== null) return;
		const t = dateHeader ? Date.parse(dateHeader) : NaN;
		this.runStartMs = Number.isNaN(t) ? fallbackMs : t;
	}

	/** True when this version of the record was already delivered by an earlier run. */
	alreadyDelivered(id: string, changedAt: string | null | undefined): boolean {
		if (!changedAt) return false;
		const t = Date.parse(changedAt);
		if (this.sinceMs !== null && !Number.isNaN(t) && t < this.sinceMs) return true;
		return this.prev.seen[id] === changedAt;
	}

	/** Records a delivered record version. */
	note(id: string, changedAt: string | null | undefined): void {
		if (!changedAt) return;
		const t = Date.parse(changedAt);
		if (Number.isNaN(t)) return;
		this.delivered.set(id, changedAt);
		if (this.maxSeen === null || t > this.maxSeen) this.maxSeen = t;
	}

	next(): IncrementalState {
		if (this.maxSeen === null) return { since: this.prev.since, seen: { ...this.prev.seen } };
		let sinceMs = this.maxSeen;
		if (this.runStartMs !== null && this.runStartMs < sinceMs) sinceMs = this.runStartMs;
		if (this.sinceMs !== null && sinceMs < this.sinceMs) sinceMs = this.sinceMs;
		const seen: Record<string, string> = {};
		for (const [id, at] of Object.entries(this.prev.seen)) if (Date.parse(at) >= sinceMs) seen[id] = at;
		for (const [id, at] of this.delivered) if (Date.parse(at) >= sinceMs) seen[id] = at;
		return { since: new Date(sinceMs).toISOString(), seen };
	}
}
