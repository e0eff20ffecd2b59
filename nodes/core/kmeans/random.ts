/**
 * Small seeded PRNG for the k-means core: sfc32 (Chris Doty-Humphrey's Small Fast Counting
 * generator, 128-bit state) seeded through splitmix32. Pure 32-bit integer arithmetic, so the
 * stream is identical on every machine and JavaScript engine; no Math.random anywhere.
 */

/** splitmix32 step: turns any 32-bit seed into well-mixed state words. */
function splitmix32(state: { s: number }): number {
	state.s = (state.s + 0x9e3779b9) | 0;
	let z = state.s;
	z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
	z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
	return (z ^ (z >>> 16)) >>> 0;
}

/** Mixes several integers (seed, k, restart number...) into one 32-bit seed. */
export function mixSeed(...parts: number[]): number {
	let h = 0x811c9dc5;
	for (const p of parts) {
		const st = { s: (h ^ (p | 0)) | 0 };
		h = splitmix32(st) ^ Math.imul(h, 0x01000193);
		h = splitmix32({ s: h }) | 0;
	}
	return h >>> 0;
}

export class Random {
	private a: number;
	private b: number;
	private c: number;
	private d: number;

	constructor(seed: number) {
		const st = { s: seed | 0 };
		this.a = splitmix32(st) | 0;
		this.b = splitmix32(st) | 0;
		this.c = splitmix32(st) | 0;
		this.d = splitmix32(st) | 0;
		for (let i = 0; i < 12; i++) this.nextUint32();
	}

	/** Next unsigned 32-bit integer. */
	nextUint32(): number {
		const t = (((this.a + this.b) | 0) + this.d) | 0;
		this.d = (this.d + 1) | 0;
		this.a = this.b ^ (this.b >>> 9);
		this.b = (this.c + (this.c << 3)) | 0;
		this.c = (this.c << 21) | (this.c >>> 11);
		this.c = (this.c + t) | 0;
		return t >>> 0;
	}

	/** Uniform double in [0, 1) with 53 random bits. */
	next(): number {
		const hi = this.nextUint32() >>> 5; // 27 bits
		const lo = this.nextUint32() >>> 6; // 26 bits
		return (hi * 67108864 + lo) / 9007199254740992;
	}

	/** Uniform integer in [0, n). */
	int(n: number): number {
		return Math.floor(this.next() * n);
	}
}

/**
 * `m` distinct indices out of [0, n), ascending (Floyd's algorithm, then sorted). Deterministic
 * for a given generator state; returns all indices when m >= n.
 */
export function sampleIndices(n: number, m: number, rng: Random): Int32Array {
	if (m >= n) {
		const all = new Int32Array(n);
		for (let i = 0; i < n; i++) all[i] = i;
		return all;
	}
	const chosen = new Set<number>();
	for (let j = n - m; j < n; j++) {
		const t = rng.int(j + 1);
		chosen.add(chosen.has(t) ? j : t);
	}
	return Int32Array.from(chosen).sort();
}
