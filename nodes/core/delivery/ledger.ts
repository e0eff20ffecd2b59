/**
 * The idempotency ledger: one row per send key (campaign key + customer id + run key) that a run
 * reserved ('pending'), that a provider accepted ('sent'), or whose outcome is unknown because a
 * run died or gave up mid-request ('unconfirmed'). The same rows give the frequency cap (messages
 * per customer over the last D calendar days, across campaigns).
 *
 * Three implementations: JournalLedger (ledgerJournal.ts; a crash-safe file on the n8n server, the
 * default), StaticDataLedger (this file; the workflow's static data, an explicit choice) and
 * PostgresLedger (ledgerPostgres.ts; shared by workflows and n8n workers, atomic reservations).
 * The first two keep compact rows in memory (RowLedger, this file).
 * Customer ids are stored hashed (keys.ts customerKeyOf); no address is ever stored.
 */
import { DAY_MS } from './time';

export type LedgerStatus = 'pending' | 'sent' | 'unconfirmed';

export interface LedgerEntry {
	sendKey: string;
	customerKey: string;
	status: LedgerStatus;
	/** Reservation time for pending rows, send time for sent rows (ms since epoch). */
	at: number;
	/** Run that holds a pending row. */
	runId?: string;
	/** Batch key of the request a pending row was part of (keys.ts batchKeyOf). */
	batchKey?: string;
	messageId?: string;
	/** Whether the row counts toward the frequency cap (messages to the customer; CRM updates do not). */
	counts: boolean;
}

export interface ReserveCandidate {
	sendKey: string;
	customerKey: string;
}

export interface ReserveOptions {
	runId: string;
	campaignKey: string;
	provider: string;
	now: number;
	/** Rows counting toward the cap (false for CRM updates). */
	counts: boolean;
	/** Frequency cap: refuse when the customer already has `max` counted rows at or after `since`. */
	cap?: { max: number; since: number };
	/** A pending row of another run younger than this is in progress; older rows are orphaned. */
	leaseMs: number;
}

/**
 * 'reserved' → this run may send; 'already_sent'; 'in_progress' (another run holds it);
 * 'frequency_cap'; 'unconfirmed' (an orphaned or unconfirmed row: the engine resolves it).
 */
export type ReserveOutcome = 'reserved' | 'already_sent' | 'in_progress' | 'frequency_cap' | 'unconfirmed';

export interface Ledger {
	readonly kind: 'journal' | 'staticData' | 'postgres';
	/** Pending rows of other runs are treated as live for this long (static data: 0, there is no concurrent run). */
	readonly defaultLeaseMs: number;
	/** Whether the run holding a pending row is still running (ledgers that know; else the lease decides). */
	isLive?(runId: string | undefined): boolean;
	lookup(sendKeys: readonly string[]): Promise<Map<string, LedgerEntry>>;
	/** Counted rows per customer at or after `since` (read-only; dry runs). */
	countRecent(customerKeys: readonly string[], since: number): Promise<Map<string, number>>;
	/** Atomically reserves 'pending' rows: never two runs for one send key, never over the cap. */
	reserve(candidates: readonly ReserveCandidate[], opts: ReserveOptions): Promise<Map<string, ReserveOutcome>>;
	/** Takes over orphaned pending rows (older than the lease) and unconfirmed rows; returns the keys now held by this run. */
	takeOver(sendKeys: readonly string[], opts: { runId: string; now: number; leaseMs: number }): Promise<Set<string>>;
	/** Records the batch a set of this run's pending rows is being sent in, and refreshes their lease. */
	touch(sendKeys: readonly string[], opts: { runId: string; now: number; batchKey?: string }): Promise<void>;
	markSent(items: readonly { sendKey: string; messageId?: string }[], opts: { runId: string; now: number }): Promise<void>;
	/** Deletes this run's pending rows: the provider definitely did not accept them, a later run may send. */
	release(sendKeys: readonly string[], opts: { runId: string }): Promise<void>;
	/** The outcome is unknown (the provider may have accepted): keep the row as 'unconfirmed'. */
	markUnconfirmed(sendKeys: readonly string[], opts: { runId: string; now: number }): Promise<void>;
	/** Throws LedgerFullError when `count` more rows would not fit (bounded ledgers); called before a run sends. */
	ensureRoom?(count: number): Promise<void>;
	/** Persists / frees resources; returns housekeeping figures. */
	close(): Promise<LedgerStats>;
}

/** A bounded ledger cannot take a run's sends: nothing is sent, nothing already recorded is forgotten. */
export class LedgerFullError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'LedgerFullError';
	}
}

export interface LedgerStats {
	entries?: number;
	pruned?: number;
	bytes?: number;
}

/** Start of the frequency-cap window: the last `days` calendar days in UTC, today included. */
export function capWindowStart(now: number, days: number): number {
	const startOfToday = Math.floor(now / DAY_MS) * DAY_MS;
	return startOfToday - (Math.max(1, Math.floor(days)) - 1) * DAY_MS;
}

// ---------------------------------------------------------------------------------------------
// Rows in memory (static data and the file journal)

/** Stored row: [atSeconds, customerKey16, status, counts, runId?, batchKey?] */
export type StoredRow = [number, string, 's' | 'p' | 'u', 0 | 1, string?, string?];

const STATUS_OUT: Record<StoredRow[2], LedgerStatus> = { s: 'sent', p: 'pending', u: 'unconfirmed' };

const indexes = new WeakMap<object, Map<string, Set<string>>>();

/**
 * A ledger of compact rows in a plain object: send keys cut to 20 hex characters (80 bits),
 * customer keys to 16, times in seconds. Subclasses decide where the rows live and are told of
 * every change (changed()).
 */
export abstract class RowLedger implements Ledger {
	abstract readonly kind: 'journal' | 'staticData';
	readonly defaultLeaseMs: number = 0;
	protected pruned = 0;
	private rowCount: number | undefined;

	protected constructor(
		protected rows: Record<string, StoredRow>,
		protected readonly retentionMs: number,
		protected readonly maxEntries = Infinity,
	) {}

	static k(sendKey: string): string {
		return sendKey.slice(0, 20);
	}

	static c(customerKey: string): string {
		return customerKey.slice(0, 16);
	}

	/** Rows (short keys) that changed; the new state is in `rows` (absent: deleted). Static data: nothing to do. */
	protected changed(keys: readonly string[]): void {
		void keys;
	}

	/** Whether a pending row of another run still belongs to a live run. */
	protected othersLive(row: StoredRow, now: number, leaseMs: number): boolean {
		return row[0] * 1000 > now - leaseMs;
	}

	/** Deletes rows older than the retention; returns their short keys. */
	protected prune(now: number): string[] {
		const cutoff = (now - this.retentionMs) / 1000;
		const gone: string[] = [];
		for (const [k, row] of Object.entries(this.rows)) {
			if (row[0] < cutoff) {
				delete this.rows[k];
				gone.push(k);
			}
		}
		this.pruned += gone.length;
		this.forgetIndex();
		return gone;
	}

	/** Call after changing rows directly (not through the operations below). */
	protected forgetIndex(): void {
		indexes.delete(this.rows);
		this.rowCount = undefined;
	}

	/** Rows held (counted once, then kept up to date by the operations below). */
	protected size(): number {
		this.rowCount ??= Object.keys(this.rows).length;
		return this.rowCount;
	}

	/** Short send keys per customer key, shared by every ledger object on the same rows. */
	protected index(): Map<string, Set<string>> {
		let idx = indexes.get(this.rows);
		if (!idx) {
			idx = new Map();
			for (const [k, row] of Object.entries(this.rows)) {
				let s = idx.get(row[1]);
				if (!s) idx.set(row[1], (s = new Set()));
				s.add(k);
			}
			indexes.set(this.rows, idx);
		}
		return idx;
	}

	private toEntry(sendKey: string, row: StoredRow): LedgerEntry {
		return { sendKey, customerKey: row[1], status: STATUS_OUT[row[2]], at: row[0] * 1000, runId: row[4], batchKey: row[5], counts: row[3] === 1 };
	}

	private put(k: string, row: StoredRow): void {
		if (this.rowCount !== undefined && !this.rows[k]) this.rowCount++;
		this.rows[k] = row;
		const idx = this.index();
		let s = idx.get(row[1]);
		if (!s) idx.set(row[1], (s = new Set()));
		s.add(k);
	}

	async lookup(sendKeys: readonly string[]): Promise<Map<string, LedgerEntry>> {
		const out = new Map<string, LedgerEntry>();
		for (const key of sendKeys) {
			const row = this.rows[RowLedger.k(key)];
			if (row) out.set(key, this.toEntry(key, row));
		}
		return out;
	}

	private count(customerKey: string, since: number): number {
		const keys = this.index().get(RowLedger.c(customerKey));
		if (!keys) return 0;
		const sinceS = since / 1000;
		let n = 0;
		for (const k of keys) {
			const row = this.rows[k];
			if (row && row[3] === 1 && row[0] >= sinceS) n++;
		}
		return n;
	}

	async countRecent(customerKeys: readonly string[], since: number): Promise<Map<string, number>> {
		const out = new Map<string, number>();
		for (const c of customerKeys) out.set(c, this.count(c, since));
		return out;
	}

	async ensureRoom(count: number): Promise<void> {
		if (this.maxEntries === Infinity) return;
		const have = this.size();
		if (have + count <= this.maxEntries) return;
		const n = (x: number) => x.toLocaleString('en-US');
		throw new LedgerFullError(
			`The Workflow Static Data ledger holds ${n(have)} sends of the last ${Math.round(this.retentionMs / DAY_MS)} days and can take at most ${n(this.maxEntries)}: this run would add ${n(count)}. Nothing was sent and no send was forgotten. Use the File Journal or PostgreSQL ledger (no such limit), or lower Ledger Retention (Days).`,
		);
	}

	async reserve(candidates: readonly ReserveCandidate[], opts: ReserveOptions): Promise<Map<string, ReserveOutcome>> {
		const out = new Map<string, ReserveOutcome>();
		await this.ensureRoom(candidates.filter((c) => !this.rows[RowLedger.k(c.sendKey)]).length);
		const touched: string[] = [];
		for (const cand of candidates) {
			const k = RowLedger.k(cand.sendKey);
			const row = this.rows[k];
			if (row) {
				if (row[2] === 's') out.set(cand.sendKey, 'already_sent');
				else if (row[2] === 'p' && row[4] === opts.runId) out.set(cand.sendKey, 'reserved');
				else if (row[2] === 'p' && this.othersLive(row, opts.now, opts.leaseMs)) out.set(cand.sendKey, 'in_progress');
				else out.set(cand.sendKey, 'unconfirmed');
				continue;
			}
			if (opts.cap && this.count(cand.customerKey, opts.cap.since) >= opts.cap.max) {
				out.set(cand.sendKey, 'frequency_cap');
				continue;
			}
			this.put(k, [Math.floor(opts.now / 1000), RowLedger.c(cand.customerKey), 'p', opts.counts ? 1 : 0, opts.runId]);
			touched.push(k);
			out.set(cand.sendKey, 'reserved');
		}
		this.changed(touched);
		return out;
	}

	async takeOver(sendKeys: readonly string[], opts: { runId: string; now: number; leaseMs: number }): Promise<Set<string>> {
		const taken = new Set<string>();
		const touched: string[] = [];
		for (const key of sendKeys) {
			const k = RowLedger.k(key);
			const row = this.rows[k];
			if (!row) continue;
			const orphan = row[2] === 'u' || (row[2] === 'p' && (row[4] === opts.runId || !this.othersLive(row, opts.now, opts.leaseMs)));
			if (!orphan) continue;
			row[2] = 'p';
			row[4] = opts.runId;
			taken.add(key);
			touched.push(k);
		}
		this.changed(touched);
		return taken;
	}

	async touch(sendKeys: readonly string[], opts: { runId: string; now: number; batchKey?: string }): Promise<void> {
		const touched: string[] = [];
		for (const key of sendKeys) {
			const k = RowLedger.k(key);
			const row = this.rows[k];
			if (!row || row[2] !== 'p' || row[4] !== opts.runId) continue;
			row[0] = Math.floor(opts.now / 1000);
			if (opts.batchKey) row[5] = opts.batchKey;
			touched.push(k);
		}
		this.changed(touched);
	}

	async markSent(items: readonly { sendKey: string; messageId?: string }[], opts: { runId: string; now: number }): Promise<void> {
		const touched: string[] = [];
		for (const it of items) {
			const k = RowLedger.k(it.sendKey);
			const row = this.rows[k];
			if (!row) continue;
			this.rows[k] = [Math.floor(opts.now / 1000), row[1], 's', row[3]];
			touched.push(k);
		}
		this.changed(touched);
	}

	async release(sendKeys: readonly string[], opts: { runId: string }): Promise<void> {
		const touched: string[] = [];
		for (const key of sendKeys) {
			const k = RowLedger.k(key);
			const row = this.rows[k];
			if (row && row[2] === 'p' && row[4] === opts.runId) {
				delete this.rows[k];
				if (this.rowCount !== undefined) this.rowCount--;
				this.index().get(row[1])?.delete(k);
				touched.push(k);
			}
		}
		this.changed(touched);
	}

	async markUnconfirmed(sendKeys: readonly string[], opts: { runId: string; now: number }): Promise<void> {
		const touched: string[] = [];
		for (const key of sendKeys) {
			const k = RowLedger.k(key);
			const row = this.rows[k];
			if (row && row[2] === 'p' && row[4] === opts.runId) {
				row[2] = 'u';
				row[0] = Math.floor(opts.now / 1000);
				touched.push(k);
			}
		}
		this.changed(touched);
	}

	abstract close(): Promise<LedgerStats>;
}

// ---------------------------------------------------------------------------------------------
// Static data ledger

/** Key under the workflow's global static data (shared by every Campaign Send node of the workflow). */
export const STATIC_LEDGER_KEY = 'microsegmentsDeliveryLedger';

export interface StoredLedger {
	v: 1;
	e: Record<string, StoredRow>;
	/** Set once the rows were moved to another ledger (the file journal): see readStaticRows(). */
	movedTo?: string;
}

export interface StaticLedgerOptions {
	/** Rows older than this many days are pruned (default 90). Keep it ≥ the frequency-cap window and ≥ how long a custom run key is reused. */
	retentionDays?: number;
	/**
	 * Upper bound on rows (default 150 000, ≈ 9 MB of static data). A run that would go past it is
	 * refused before it sends (LedgerFullError): a row inside the retention is never dropped.
	 */
	maxEntries?: number;
	now?: number;
}

/** The static-data ledger object of a workflow, if it holds one. */
export function readStaticRows(container: Record<string, unknown>): StoredLedger | undefined {
	const existing = container[STATIC_LEDGER_KEY] as StoredLedger | undefined;
	return existing && existing.v === 1 && existing.e && typeof existing.e === 'object' ? existing : undefined;
}

/**
 * Ledger in the workflow's static data (an object n8n saves with the workflow after each
 * production run). n8n writes static data when an execution ends (not in manual executions from
 * the editor, and not at all if the process dies: a killed run is forgotten), and two
 * simultaneous executions of one workflow each save their own copy. Bounded (maxEntries). An
 * explicit choice; the default is the file journal.
 */
export class StaticDataLedger extends RowLedger {
	readonly kind = 'staticData' as const;
	private readonly store: StoredLedger;

	constructor(
		private readonly container: Record<string, unknown>,
		opts: StaticLedgerOptions = {},
	) {
		const store = readStaticRows(container) ?? { v: 1 as const, e: {} };
		super(store.e, Math.max(1, opts.retentionDays ?? 90) * DAY_MS, Math.max(1000, opts.maxEntries ?? 150000));
		this.store = store;
		container[STATIC_LEDGER_KEY] = store;
		this.prune(opts.now ?? Date.now());
	}

	async close(): Promise<LedgerStats> {
		// Re-assign so n8n's observable static data is marked changed and saved.
		this.container[STATIC_LEDGER_KEY] = this.store;
		return { entries: this.size(), pruned: this.pruned, bytes: JSON.stringify(this.store).length };
	}
}
