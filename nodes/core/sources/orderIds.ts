/**
 * Distinct order ids of a file, numbered 0, 1, 2... in the order they were first seen, exactly
 * (bytes equal = same order). Exports list their orders by number, ascending or descending
 * ("1001", "#1001", "O-1001": one fixed prefix, then a number), so ids that keep extending that
 * run are new without any lookup: a number above the largest (below the smallest) seen so far
 * cannot have been seen. Such ids are kept as numbers in two sorted runs (one rising, one falling)
 * and found again by binary search; every other id (other shapes, or a number back inside the
 * runs' range that they do not hold) goes to a ByteKeyTable. A million ids in a hash table cost a
 * cache miss each (the table is tens of megabytes); the runs are read in order.
 *
 * Invariant that keeps it exact: every run number lies in [lo, hi]; an id of the run's shape goes
 * to the table only when its number lies in [lo, hi] at that moment and is not in the runs, and
 * lo / hi only widen. So a number outside [lo, hi] is in neither, and one inside is in the runs or
 * the table (looked up in that order).
 */
import { ByteKeyTable } from './byteKeys';

/** Longest number kept as such: 15 digits are exact in a double. */
const MAX_DIGITS = 15;
const MAX_PREFIX = 16;

class Run {
	n = 0;
	num: Float64Array<ArrayBuffer>;
	order: Int32Array<ArrayBuffer>;

	constructor(cap: number) {
		this.num = new Float64Array(cap);
		this.order = new Int32Array(cap);
	}

	push(x: number, o: number): void {
		if (this.n === this.num.length) {
			const num = new Float64Array(this.n * 2);
			num.set(this.num);
			this.num = num;
			const order = new Int32Array(this.n * 2);
			order.set(this.order);
			this.order = order;
		}
		this.num[this.n] = x;
		this.order[this.n++] = o;
	}

	/** Order of number x (the run is rising when `up`, else falling), -1 when absent. */
	find(x: number, up: boolean): number {
		const a = this.num;
		let lo = 0;
		let hi = this.n - 1;
		while (lo <= hi) {
			const mid = (lo + hi) >>> 1;
			const v = a[mid];
			if (v === x) return this.order[mid];
			if ((v < x) === up) lo = mid + 1;
			else hi = mid - 1;
		}
		return -1;
	}
}

export class OrderIdTable {
	/** Number of distinct ids. */
	size = 0;
	/** True when the last intern() call added its id. */
	added = false;
	private readonly table: ByteKeyTable;
	/** Table entry -> order. */
	private tableOrder: Int32Array<ArrayBuffer>;
	/** Order -> its number (ids of the runs) or NaN (ids in the table: see entryOf). */
	private numOf: Float64Array<ArrayBuffer>;
	private entryOf: Int32Array<ArrayBuffer>;
	/** The prefix of the runs' ids (fixed by the first id that ends in a number). */
	private prefix: Uint8Array | undefined;
	private prefixText = '';
	private lo = Infinity;
	private hi = -Infinity;
	private readonly rising: Run;
	private readonly falling: Run;
	/** The last number looked up and its order (line items of one order follow each other). */
	private lastNum = NaN;
	private lastOrder = -1;

	constructor(capacity: number) {
		// sized for the file like the runs: pages of it that ids never reach are never touched
		this.table = new ByteKeyTable(Math.max(1024, capacity));
		this.tableOrder = new Int32Array(1024);
		this.numOf = new Float64Array(Math.max(1024, capacity));
		this.entryOf = new Int32Array(Math.max(1024, capacity));
		this.rising = new Run(Math.max(1024, capacity));
		this.falling = new Run(1024);
	}

	/** Order of the id b[s, e), added when new. */
	intern(b: Uint8Array, s: number, e: number): number {
		const x = this.numberOf(b, s, e);
		if (x >= 0) {
			if (x === this.lastNum) {
				this.added = false;
				return this.lastOrder;
			}
			let o: number;
			if (x > this.hi) {
				if (this.lo === Infinity) this.lo = x;
				this.hi = x;
				o = this.newOrder(x, -1);
				this.rising.push(x, o);
			} else if (x < this.lo) {
				this.lo = x;
				o = this.newOrder(x, -1);
				this.falling.push(x, o);
			} else {
				o = this.rising.find(x, true);
				if (o < 0) o = this.falling.find(x, false);
				if (o < 0) o = this.fromTable(b, s, e);
				else this.added = false;
			}
			this.lastNum = x;
			this.lastOrder = o;
			return o;
		}
		return this.fromTable(b, s, e);
	}

	/** Order of a string id, added when new. */
	internString(key: string): number {
		const b = Buffer.from(key, 'utf8');
		return this.intern(b, 0, b.length);
	}

	/** The id of order o as text. */
	key(o: number): string {
		const x = this.numOf[o];
		return Number.isNaN(x) ? this.table.key(this.entryOf[o]) : this.prefixText + String(x);
	}

	private fromTable(b: Uint8Array, s: number, e: number): number {
		const t = this.table;
		const entry = t.intern(b, s, e, false);
		if (!t.added) {
			this.added = false;
			return this.tableOrder[entry];
		}
		if (entry >= this.tableOrder.length) {
			const next = new Int32Array(this.tableOrder.length * 2);
			next.set(this.tableOrder);
			this.tableOrder = next;
		}
		const o = this.newOrder(NaN, entry);
		this.tableOrder[entry] = o;
		return o;
	}

	private newOrder(x: number, entry: number): number {
		const o = this.size++;
		this.added = true;
		if (o === this.numOf.length) {
			const num = new Float64Array(o * 2);
			num.set(this.numOf);
			this.numOf = num;
			const ent = new Int32Array(o * 2);
			ent.set(this.entryOf);
			this.entryOf = ent;
		}
		this.numOf[o] = x;
		this.entryOf[o] = entry;
		return o;
	}

	/**
	 * The number of an id of the runs' shape (the prefix, then a decimal number of at most 15
	 * digits without leading zeros), else -1. The first id ending in such a number fixes the prefix.
	 */
	private numberOf(b: Uint8Array, s: number, e: number): number {
		let d = e;
		while (d > s && b[d - 1] >= 48 && b[d - 1] <= 57) d--;
		const digits = e - d;
		if (digits === 0 || digits > MAX_DIGITS || (digits > 1 && b[d] === 48)) return -1;
		const p = this.prefix;
		if (p === undefined) {
			if (d - s > MAX_PREFIX) return -1;
			this.prefix = b.slice(s, d);
			this.prefixText = Buffer.from(this.prefix).toString('utf8');
		} else {
			if (d - s !== p.length) return -1;
			for (let i = 0; i < p.length; i++) if (b[s + i] !== p[i]) return -1;
		}
		let x = 0;
		for (let i = d; i < e; i++) x = x * 10 + (b[i] - 48);
		return x;
	}
}
