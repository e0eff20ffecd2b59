/**
 * Interning of byte strings (customer ids, order ids, statuses, currencies read from a file):
 * an open-addressing hash table over one byte arena, so that a million rows create no string per
 * row; a key becomes a string only when asked for (`key(i)`). Entries are numbered 0, 1, 2... in
 * the order they were first seen.
 */
export class ByteKeyTable {
	size = 0;
	/** True when the last intern() call added its key. */
	added = false;
	private mask: number;
	private slots: Int32Array;
	private hashes: Int32Array;
	private keyStart: Int32Array;
	private keyLen: Int32Array;
	private arena: Uint8Array;
	private used = 0;

	constructor(capacity = 1024) {
		let slots = 16;
		while (slots < capacity * 2) slots *= 2;
		this.mask = slots - 1;
		this.slots = new Int32Array(slots);
		this.hashes = new Int32Array(slots >> 1);
		this.keyStart = new Int32Array(slots >> 1);
		this.keyLen = new Int32Array(slots >> 1);
		this.arena = new Uint8Array(Math.max(1024, capacity * 8));
	}

	/**
	 * Index of the key b[s, e) (with ASCII letters lower-cased when `lower`), added when new.
	 */
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
		const mask = this.mask;
		let slot = h & mask;
		for (;;) {
			const v = this.slots[slot];
			if (v === 0) break;
			const idx = v - 1;
			if (this.hashes[idx] === h && this.keyLen[idx] === len && this.same(idx, b, s, len, lower)) {
				this.added = false;
				return idx;
			}
			slot = (slot + 1) & mask;
		}
		const idx = this.size++;
		this.added = true;
		if (idx >= this.hashes.length) this.growEntries();
		if (this.used + len > this.arena.length) this.growArena(len);
		const at = this.used;
		const arena = this.arena;
		if (lower)
			for (let i = 0; i < len; i++) {
				const c = b[s + i];
				arena[at + i] = c >= 65 && c <= 90 ? c + 32 : c;
			}
		else arena.set(b.subarray(s, e), at);
		this.used += len;
		this.hashes[idx] = h;
		this.keyStart[idx] = at;
		this.keyLen[idx] = len;
		this.slots[slot] = idx + 1;
		if (this.size * 2 > this.slots.length) this.rehash();
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
		return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('utf8', this.keyStart[i], this.keyStart[i] + this.keyLen[i]);
	}

	/** Bytes held (for memory reports). */
	get bytes(): number {
		return this.slots.byteLength + this.hashes.byteLength * 3 + this.arena.byteLength;
	}

	private same(idx: number, b: Uint8Array, s: number, len: number, lower: boolean): boolean {
		const a = this.arena;
		const at = this.keyStart[idx];
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

	private growEntries(): void {
		const n = this.hashes.length * 2;
		const grow = (x: Int32Array) => {
			const y = new Int32Array(n);
			y.set(x);
			return y;
		};
		this.hashes = grow(this.hashes);
		this.keyStart = grow(this.keyStart);
		this.keyLen = grow(this.keyLen);
	}

	private growArena(need: number): void {
		const next = new Uint8Array(Math.max(this.arena.length * 2, this.used + need));
		next.set(this.arena.subarray(0, this.used));
		this.arena = next;
	}

	private rehash(): void {
		const slots = new Int32Array(this.slots.length * 2);
		const mask = slots.length - 1;
		for (let idx = 0; idx < this.size; idx++) {
			let slot = this.hashes[idx] & mask;
			while (slots[slot] !== 0) slot = (slot + 1) & mask;
			slots[slot] = idx + 1;
		}
		this.slots = slots;
		this.mask = mask;
		if (this.hashes.length < slots.length >> 1) {
			const n = slots.length >> 1;
			const grow = (x: Int32Array) => {
				const y = new Int32Array(n);
				y.set(x);
				return y;
			};
			this.hashes = grow(this.hashes);
			this.keyStart = grow(this.keyStart);
			this.keyLen = grow(this.keyLen);
		}
	}
}
