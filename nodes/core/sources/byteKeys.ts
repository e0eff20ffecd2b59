/**
 * Interning of byte strings (customer ids, order ids, statuses, currencies read from a file):
 * an open-addressing hash table over one byte arena, so that a million rows create no string per
 * row; a key becomes a string only when asked for (`key(i)`). Entries are numbered 0, 1, 2... in
 * the order they were first seen. A slot holds the key's hash, its entry number and, for keys of
 * at most 7 bytes, the key itself with its length: looking up a short key (customer ids, order
 * numbers, codes) touches one cache line; longer keys are compared against the arena.
 */
export class ByteKeyTable {
	size = 0;
	/** True when the last intern() call added its key. */
	added = false;
	private mask: number;
	/** Per slot: [hash, entry + 1 (0 = empty), first 4 bytes, next 3 bytes | (length + 1) << 24 (0 for longer keys)]. */
	private slots: Int32Array;
	/** The keys' bytes, by entry number. */
	private readonly keys: ByteList;
	/** The words of the key last hashed (see slots). */
	private w0 = 0;
	private w1 = 0;

	/** A table for about `capacity` keys (it grows past that; growing re-inserts every key). */
	constructor(capacity = 1024) {
		let slots = 16;
		while (slots < capacity * 1.5) slots *= 2;
		this.mask = slots - 1;
		this.slots = new Int32Array(slots * 4);
		this.keys = new ByteList(capacity * 8, capacity);
	}

	/**
	 * Hash of b[s, e) (ASCII letters lower-cased when `lower`); sets w0 / w1. A function of the
	 * (lower-cased) bytes only, whichever way they come in. Keys of at most 7 bytes are hashed from
	 * their two words at once; longer keys byte by byte (FNV-1a), then mixed (murmur3's finalizer:
	 * FNV's low bits cluster for keys that differ in their last byte).
	 */
	private hash(b: Uint8Array, s: number, e: number, lower: boolean): number {
		const len = e - s;
		if (len > 7) {
			this.w0 = 0;
			this.w1 = 0;
			return this.longHash(b, s, e, lower);
		}
		let w0 = 0;
		let w1 = 0;
		const mid = len < 4 ? e : s + 4;
		for (let i = s; i < mid; i++) {
			let c = b[i];
			if (lower && c >= 65 && c <= 90) c += 32;
			w0 |= c << (8 * (i - s));
		}
		for (let i = mid; i < e; i++) {
			let c = b[i];
			if (lower && c >= 65 && c <= 90) c += 32;
			w1 |= c << (8 * (i - mid));
		}
		w1 |= (len + 1) << 24;
		this.w0 = w0;
		this.w1 = w1;
		let h = Math.imul(w0, 0xcc9e2d51) ^ Math.imul(w1 ^ (w1 >>> 15), 0x1b873593);
		h ^= h >>> 16;
		h = Math.imul(h, 0x85ebca6b);
		h ^= h >>> 13;
		h = Math.imul(h, 0xc2b2ae35);
		return h ^ (h >>> 16);
	}

	private longHash(b: Uint8Array, s: number, e: number, lower: boolean): number {
		let h = 0x811c9dc5;
		for (let i = s; i < e; i++) {
			let c = b[i];
			if (lower && c >= 65 && c <= 90) c += 32;
			h = Math.imul(h ^ c, 0x01000193);
		}
		h ^= h >>> 16;
		h = Math.imul(h, 0x85ebca6b);
		h ^= h >>> 13;
		h = Math.imul(h, 0xc2b2ae35);
		return h ^ (h >>> 16);
	}

	/** Index of the key b[s, e) (with ASCII letters lower-cased when `lower`), added when new. */
	intern(b: Uint8Array, s: number, e: number, lower: boolean): number {
		const h = this.hash(b, s, e, lower);
		const w0 = this.w0;
		const w1 = this.w1;
		const len = e - s;
		const slots = this.slots;
		const mask = this.mask;
		let p = (h & mask) << 2;
		for (;;) {
			const v = slots[p + 1];
			if (v === 0) break;
			if (slots[p] === h && slots[p + 3] === w1 && slots[p + 2] === w0) {
				const idx = v - 1;
				if (len <= 7 || this.keys.equals(idx, b, s, len, lower)) {
					this.added = false;
					return idx;
				}
			}
			p = (p + 4) & (mask << 2 | 3);
		}
		return this.add(b, s, e, lower, h, p);
	}

	private add(b: Uint8Array, s: number, e: number, lower: boolean, h: number, p: number): number {
		const idx = this.size++;
		this.added = true;
		this.keys.push(b, s, e, lower);
		const slots = this.slots;
		slots[p] = h;
		slots[p + 1] = idx + 1;
		slots[p + 2] = this.w0;
		slots[p + 3] = this.w1;
		if (this.size * 2 > this.mask + 1) this.rehash();
		return idx;
	}

	/** Index of a string key, added when new. */
	internString(key: string): number {
		const b = Buffer.from(key, 'utf8');
		return this.intern(b, 0, b.length, false);
	}

	/** The key of entry i as text. */
	key(i: number): string {
		return this.keys.key(i);
	}

	private rehash(): void {
		const n = (this.mask + 1) * 2;
		const slots = new Int32Array(n * 4);
		const mask = n - 1;
		const old = this.slots;
		for (let j = 0; j < old.length; j += 4) {
			if (old[j + 1] === 0) continue;
			let slot = old[j] & mask;
			while (slots[4 * slot + 1] !== 0) slot = (slot + 1) & mask;
			slots.set(old.subarray(j, j + 4), 4 * slot);
		}
		this.slots = slots;
		this.mask = mask;
	}
}

/**
 * Byte strings kept one after the other in one arena (no lookup, no hash), numbered 0, 1, 2... as
 * added: a ByteKeyTable's keys, and values stored once per key that need not be told apart (a
 * customer's email).
 */
export class ByteList {
	size = 0;
	/** Per entry: [arena offset, length]. */
	private entries: Int32Array;
	private arena: Uint8Array<ArrayBuffer>;
	private used = 0;

	constructor(bytes = 4096, entries = 1024) {
		this.arena = new Uint8Array(Math.max(1024, bytes));
		this.entries = new Int32Array(Math.max(16, entries) * 2);
	}

	/** Adds b[s, e) (ASCII letters lower-cased when `lower`); its number. */
	push(b: Uint8Array, s: number, e: number, lower: boolean): number {
		const idx = this.size++;
		const len = e - s;
		if (2 * idx + 2 > this.entries.length) {
			const next = new Int32Array(this.entries.length * 2);
			next.set(this.entries);
			this.entries = next;
		}
		if (this.used + len > this.arena.length) {
			const next = new Uint8Array(Math.max(this.arena.length * 2, this.used + len));
			next.set(this.arena.subarray(0, this.used));
			this.arena = next;
		}
		const a = this.arena;
		const at = this.used;
		for (let i = 0; i < len; i++) {
			const c = b[s + i];
			a[at + i] = lower && c >= 65 && c <= 90 ? c + 32 : c;
		}
		this.used = at + len;
		this.entries[2 * idx] = at;
		this.entries[2 * idx + 1] = len;
		return idx;
	}

	pushString(text: string): number {
		const b = Buffer.from(text, 'utf8');
		return this.push(b, 0, b.length, false);
	}

	/** Whether entry i holds b[s, s + len) (ASCII letters of b lower-cased when `lower`). */
	equals(i: number, b: Uint8Array, s: number, len: number, lower: boolean): boolean {
		if (this.entries[2 * i + 1] !== len) return false;
		const a = this.arena;
		const at = this.entries[2 * i];
		if (lower) {
			for (let k = 0; k < len; k++) {
				let c = b[s + k];
				if (c >= 65 && c <= 90) c += 32;
				if (a[at + k] !== c) return false;
			}
			return true;
		}
		for (let k = 0; k < len; k++) if (a[at + k] !== b[s + k]) return false;
		return true;
	}

	key(i: number): string {
		const a = this.arena;
		const at = this.entries[2 * i];
		return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('utf8', at, at + this.entries[2 * i + 1]);
	}
}
