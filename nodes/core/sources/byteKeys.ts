/**
 * Interning of byte strings (customer ids, order ids, statuses, currencies read from a file):
 * an open-addressing hash table over one byte arena, so that a million rows create no string per
 * row; a key becomes a string only when asked for (`key(i)`). Entries are numbered 0, 1, 2... in
 * the order they were first seen. A slot holds the key's hash beside its entry number and an entry
 * its arena offset beside its length, so that a lookup touches few cache lines.
 */
export class ByteKeyTable {
	size = 0;
	/** True when the last intern() call added its key. */
	added = false;
	private mask: number;
	/** Per slot: [hash, entry + 1] (0 = empty). */
	private slots: Int32Array;
	/** Per entry: [arena offset, length, first 4 bytes, next 4 bytes] (short keys compare without the arena). */
	private entries: Int32Array;
	private arena: Uint8Array;
	private used = 0;

	constructor(capacity = 1024) {
		let slots = 16;
		while (slots < capacity * 2) slots *= 2;
		this.mask = slots - 1;
		this.slots = new Int32Array(slots * 2);
		this.entries = new Int32Array(Math.max(16, capacity) * 4);
		this.arena = new Uint8Array(Math.max(1024, capacity * 8));
	}

	/** Index of the key b[s, e) (with ASCII letters lower-cased when `lower`), added when new. */
	intern(b: Uint8Array, s: number, e: number, lower: boolean): number {
		let h = 0x811c9dc5;
		if (lower) {
			for (let i = s; i < e; i++) {
				let c = b[i];
				if (c >= 65 && c <= 90) c += 32;
				h = Math.imul(h ^ c, 0x01000193);
			}
		} else for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
		// finalizer (as murmur3's): FNV's low bits cluster for keys that differ in their last byte
		h ^= h >>> 16;
		h = Math.imul(h, 0x85ebca6b);
		h ^= h >>> 13;
		h = Math.imul(h, 0xc2b2ae35);
		h ^= h >>> 16;
		const len = e - s;
		const slots = this.slots;
		const entries = this.entries;
		const mask = this.mask;
		let slot = h & mask;
		for (;;) {
			const v = slots[2 * slot + 1];
			if (v === 0) break;
			if (slots[2 * slot] === h) {
				const idx = v - 1;
				if (entries[4 * idx + 1] === len && (len <= 8 ? this.sameShort(entries, 4 * idx + 2, b, s, len, lower) : this.same(entries[4 * idx], b, s, len, lower))) {
					this.added = false;
					return idx;
				}
			}
			slot = (slot + 1) & mask;
		}
		return this.add(b, s, e, lower, h, slot);
	}

	private add(b: Uint8Array, s: number, e: number, lower: boolean, h: number, slot: number): number {
		const idx = this.size++;
		const len = e - s;
		this.added = true;
		if (4 * idx + 4 > this.entries.length) {
			const next = new Int32Array(this.entries.length * 2);
			next.set(this.entries);
			this.entries = next;
		}
		if (this.used + len > this.arena.length) {
			const next = new Uint8Array(Math.max(this.arena.length * 2, this.used + len));
			next.set(this.arena.subarray(0, this.used));
			this.arena = next;
		}
		const at = this.used;
		const arena = this.arena;
		if (lower)
			for (let i = 0; i < len; i++) {
				const c = b[s + i];
				arena[at + i] = c >= 65 && c <= 90 ? c + 32 : c;
			}
		else for (let i = 0; i < len; i++) arena[at + i] = b[s + i];
		this.used += len;
		const entries = this.entries;
		entries[4 * idx] = at;
		entries[4 * idx + 1] = len;
		if (len <= 8) {
			let w0 = 0;
			let w1 = 0;
			for (let i = 0; i < len; i++) {
				if (i < 4) w0 |= arena[at + i] << (8 * i);
				else w1 |= arena[at + i] << (8 * (i - 4));
			}
			entries[4 * idx + 2] = w0;
			entries[4 * idx + 3] = w1;
		}
		this.slots[2 * slot] = h;
		this.slots[2 * slot + 1] = idx + 1;
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
		const a = this.arena;
		const at = this.entries[4 * i];
		return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('utf8', at, at + this.entries[4 * i + 1]);
	}

	/** A key of at most 8 bytes against the two words kept in its entry. */
	private sameShort(entries: Int32Array, w: number, b: Uint8Array, s: number, len: number, lower: boolean): boolean {
		let w0 = 0;
		let w1 = 0;
		for (let i = 0; i < len; i++) {
			let c = b[s + i];
			if (lower && c >= 65 && c <= 90) c += 32;
			if (i < 4) w0 |= c << (8 * i);
			else w1 |= c << (8 * (i - 4));
		}
		return entries[w] === w0 && entries[w + 1] === w1;
	}

	private same(at: number, b: Uint8Array, s: number, len: number, lower: boolean): boolean {
		const a = this.arena;
		if (lower) {
			for (let i = 0; i < len; i++) {
				let c = b[s + i];
				if (c >= 65 && c <= 90) c += 32;
				if (a[at + i] !== c) return false;
			}
			return true;
		}
		for (let i = 0; i < len; i++) if (a[at + i] !== b[s + i]) return false;
		return true;
	}

	private rehash(): void {
		const n = (this.mask + 1) * 2;
		const slots = new Int32Array(n * 2);
		const mask = n - 1;
		const old = this.slots;
		for (let j = 0; j < old.length; j += 2) {
			const v = old[j + 1];
			if (v === 0) continue;
			const h = old[j];
			let slot = h & mask;
			while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
			slots[2 * slot] = h;
			slots[2 * slot + 1] = v;
		}
		this.slots = slots;
		this.mask = mask;
	}
}
