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

/**
 * Ids made of one fixed prefix and a decimal number of at most 15 digits without leading zeros
 * ("1001", "#1001", "C-17"): the first id ending in such a number fixes the prefix (one holding an
 * "@" is refused when `noAt`: emails are lower-cased before they are compared).
 */
export class NumberShape {
	prefixText = '';
	private prefix: Uint8Array | undefined;

	constructor(private readonly noAt: boolean) {}

	/** The number of an id of the shape, else -1. */
	numberOf(b: Uint8Array, s: number, e: number): number {
		const p = this.prefix;
		if (p === undefined) return this.fix(b, s, e);
		// the prefix never ends in a digit: the id is of the shape when digits alone follow it
		const d = s + p.length;
		const digits = e - d;
		if (digits < 1 || digits > MAX_DIGITS || (digits > 1 && b[d] === 48)) return -1;
		for (let i = 0; i < p.length; i++) if (b[s + i] !== p[i]) return -1;
		let x = 0;
		for (let i = d; i < e; i++) {
			const c = b[i] - 48;
			if (c < 0 || c > 9) return -1;
			x = x * 10 + c;
		}
		return x;
	}

	/** The first id ending in a number: fixes the prefix (the bytes before its trailing digits). */
	private fix(b: Uint8Array, s: number, e: number): number {
		let d = e;
		while (d > s && b[d - 1] >= 48 && b[d - 1] <= 57) d--;
		const digits = e - d;
		if (digits === 0 || digits > MAX_DIGITS || (digits > 1 && b[d] === 48) || d - s > MAX_PREFIX) return -1;
		if (this.noAt) for (let i = s; i < d; i++) if (b[i] === 64) return -1;
		this.prefix = b.slice(s, d);
		this.prefixText = Buffer.from(this.prefix).toString('utf8');
		let x = 0;
		for (let i = d; i < e; i++) x = x * 10 + (b[i] - 48);
		return x;
	}
}

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
	private readonly shape = new NumberShape(false);
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
		const x = this.shape.numberOf(b, s, e);
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
		return Number.isNaN(x) ? this.table.key(this.entryOf[o]) : this.shape.prefixText + String(x);
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
}

/** Numbers below this many are customer numbers looked up directly (a 4-byte cell each, allocated up to the largest seen). */
const DIRECT_LIMIT = 1 << 22;

/**
 * Distinct customer ids, numbered 0, 1, 2... in the order they were first seen, exactly. Ids of
 * one prefix and a small number ("C17", "1042": what shops and exports number customers with) are
 * found by their number in a plain array (a few hundred kilobytes, where a hash table of the same
 * ids spans megabytes and costs a cache miss per order); every other id (emails, long numbers,
 * other shapes) goes to a ByteKeyTable. An id takes one road or the other by its bytes alone.
 */
export class CustomerIdTable {
	/** Number of distinct ids. */
	size = 0;
	private readonly table: ByteKeyTable;
	private tableCustomer: Int32Array<ArrayBuffer> = new Int32Array(1024);
	/** Number -> customer + 1 (0 = not seen). */
	private direct: Int32Array<ArrayBuffer> = new Int32Array(4096);
	/** Customer -> its number, or -(table entry + 1). */
	private idOf: Float64Array<ArrayBuffer>;
	private readonly shape = new NumberShape(true);

	constructor(capacity: number) {
		this.table = new ByteKeyTable(capacity);
		this.idOf = new Float64Array(Math.max(1024, capacity));
	}

	/** Customer of the id b[s, e) (ASCII letters lower-cased when `lower`: only ids holding an @), added when new. */
	intern(b: Uint8Array, s: number, e: number, lower: boolean): number {
		if (!lower) {
			const c = this.numbered(b, s, e);
			if (c >= 0) return c;
		}
		const t = this.table;
		const entry = t.intern(b, s, e, lower);
		if (!t.added) return this.tableCustomer[entry];
		if (entry >= this.tableCustomer.length) this.tableCustomer = grownI32(this.tableCustomer, this.tableCustomer.length * 2);
		const k = this.newCustomer(-(entry + 1));
		this.tableCustomer[entry] = k;
		return k;
	}

	/**
	 * Customer of an id of one prefix and a small number, added when new; -1 for any other id (such
	 * an id never holds an @, so the caller need not look for one first).
	 */
	numbered(b: Uint8Array, s: number, e: number): number {
		const x = this.shape.numberOf(b, s, e);
		if (x < 0 || x >= DIRECT_LIMIT) return -1;
		if (x >= this.direct.length) this.direct = grownI32(this.direct, Math.min(DIRECT_LIMIT, Math.max(x + 1, this.direct.length * 2)));
		const c = this.direct[x];
		if (c > 0) return c - 1;
		const k = this.newCustomer(x);
		this.direct[x] = k + 1;
		return k;
	}

	/** The id of customer c as text. */
	key(c: number): string {
		const x = this.idOf[c];
		return x >= 0 ? this.shape.prefixText + String(x) : this.table.key(-x - 1);
	}

	private newCustomer(id: number): number {
		const c = this.size++;
		if (c === this.idOf.length) {
			const next = new Float64Array(c * 2);
			next.set(this.idOf);
			this.idOf = next;
		}
		this.idOf[c] = id;
		return c;
	}
}

function grownI32(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
	const b = new Int32Array(n);
	b.set(a);
	return b;
}
