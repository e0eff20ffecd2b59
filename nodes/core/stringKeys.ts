/**
 * Interning of JavaScript strings (customer ids read from items): an open-addressing hash table
 * that numbers keys 0, 1, 2... in the order they were first seen and keeps them in `keys`.
 * The strings of items are not internalized by V8, so looking them up in an object or a Map makes
 * V8 hash them and search its own string table first (at a million rows, most of the time of
 * reading orders). Here a slot holds the key's hash, its entry number and, for keys of at most 7
 * characters all below U+0100, the characters themselves with the length: looking up such a key
 * (customer numbers, short codes) touches one cache line and never the stored string; other keys
 * are compared with the stored string.
 */
export class StringKeyTable {
	/** The keys, by entry number. */
	readonly keys: string[] = [];
	private mask: number;
	/** Per slot: [hash, entry + 1 (0 = empty), chars 0..3, chars 4..6 | (length + 1) << 24 (0 for other keys)]. */
	private slots: Int32Array;
	/** The packed words of the key last hashed (see slots). */
	private w0 = 0;
	private w1 = 0;

	/** A table for about `capacity` keys (it grows past that; growing re-inserts every key). */
	constructor(capacity = 1024) {
		let slots = 16;
		while (slots < capacity * 2) slots *= 2;
		this.mask = slots - 1;
		this.slots = new Int32Array(slots * 4);
	}

	get size(): number {
		return this.keys.length;
	}

	/** Hash of s (a function of its characters only); sets w0 / w1. */
	private hash(s: string): number {
		const n = s.length;
		let w0 = 0;
		let w1 = 0;
		let h = 0x811c9dc5;
		let packed = n <= 7;
		for (let i = 0; i < n; i++) {
			const c = s.charCodeAt(i);
			h = Math.imul(h ^ c, 0x01000193);
			if (c > 255) packed = false;
			else if (i < 4) w0 |= c << (8 * i);
			else w1 |= c << (8 * (i - 4));
		}
		if (packed) {
			this.w0 = w0;
			this.w1 = w1 | ((n + 1) << 24);
		} else {
			this.w0 = 0;
			this.w1 = 0;
		}
		// murmur3's finalizer: FNV's low bits cluster for keys that differ in their last character
		h ^= h >>> 16;
		h = Math.imul(h, 0x85ebca6b);
		h ^= h >>> 13;
		h = Math.imul(h, 0xc2b2ae35);
		return h ^ (h >>> 16);
	}

	/** The entry number of s, adding it (as the next number) when new. */
	intern(s: string): number {
		const h = this.hash(s);
		const w0 = this.w0;
		const w1 = this.w1;
		const slots = this.slots;
		const mask = this.mask;
		let p = h & mask;
		for (;;) {
			const o = p * 4;
			const e = slots[o + 1];
			if (e === 0) {
				const entry = this.keys.length;
				this.keys.push(s);
				slots[o] = h;
				slots[o + 1] = entry + 1;
				slots[o + 2] = w0;
				slots[o + 3] = w1;
				if (this.keys.length * 2 > mask + 1) this.grow();
				return entry;
			}
			if (slots[o] === h && slots[o + 2] === w0 && slots[o + 3] === w1 && (w1 !== 0 || this.keys[e - 1] === s)) return e - 1;
			p = (p + 1) & mask;
		}
	}

	private grow(): void {
		const old = this.slots;
		const count = (this.mask + 1) * 2;
		const mask = count - 1;
		const slots = new Int32Array(count * 4);
		for (let o = 0; o < old.length; o += 4) {
			if (old[o + 1] === 0) continue;
			let p = old[o] & mask;
			while (slots[p * 4 + 1] !== 0) p = (p + 1) & mask;
			const q = p * 4;
			slots[q] = old[o];
			slots[q + 1] = old[o + 1];
			slots[q + 2] = old[o + 2];
			slots[q + 3] = old[o + 3];
		}
		this.slots = slots;
		this.mask = mask;
	}
}
