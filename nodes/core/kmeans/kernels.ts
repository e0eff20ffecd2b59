/**
 * The k-means loops over points, cut into fixed chunks of CHUNK points. The main thread and the
 * worker threads (pool.ts) run exactly these functions: a chunk is always processed the same way,
 * in point order, and writes only its own per-chunk partial results (sums, counts, changed labels,
 * potentials, inertia), which the main thread adds up in chunk order. So the result does not depend
 * on how many threads there are or which thread ran which chunk.
 *
 * Everything here is self-contained (no imports, no module-level values used inside a function):
 * the worker threads are started from the functions' source text (`kernelSource()`), which works
 * the same from the TypeScript sources (tests) and from the compiled dist/.
 */

/** Points per chunk. Fixed: the chunk boundaries must not depend on the number of threads. */
export const CHUNK = 8192;

/** Operations of runChunk. */
export const OP = {
	/** k-means++: squared distance of each point to the first centre (cand 0) into `closest`; chunk potential. */
	ppFirst: 1,
	/** k-means++: potential of the chunk if each candidate (0..arg-1) were added. */
	ppEval: 2,
	/** k-means++: candidate `arg` becomes a centre: `closest` updated; chunk potential. */
	ppUpdate: 3,
	/** Hamerly: full assignment (nearest and second nearest), fresh chunk sums and counts. */
	assignAll: 4,
	/** Hamerly: one bounded assignment step; chunk sums and counts updated; changed labels. */
	hamerly: 5,
	/** Lloyd: full assignment, fresh chunk sums and counts; changed labels. */
	lloyd: 6,
	/** Chunk inertia (sum of squared distances to the labelled centres), and `dist` as OP.distances. */
	inertia: 7,
	/** Euclidean distance of each point (of P) to its centre into `dist`. */
	distances: 8,
	/** Per-chunk minimum and maximum of the first (up to 3) coordinates, into cval. */
	bounds: 9,
	/** Morton key of every point (grid origin and scale in par at the candidates' offset), and the first radix pass's digit counts. */
	keys: 10,
	/** Radix pass `arg` (0..2, 10 bits each): per-chunk digit counts into hist. */
	hist: 11,
	/** Radix pass `arg`: scatter to the write positions in hist (stable); the last pass also fills P. */
	scatter: 12,
} as const;

/**
 * Views of one k-means call's memory (SharedArrayBuffers when threads help, plain buffers
 * otherwise). `par` holds, from offset 0: centres C (kmax × d), D (kmax), G (kmax), s (kmax) and the
 * k-means++ candidates (nLocalMax × d). Per chunk ch: sums at csum[ch·kmax·d], counts at
 * ccnt[ch·kmax], scalars at cval[ch·vs]: [0] changed labels or potential, [1] inertia,
 * [2 + c] potential with candidate c.
 */
export interface KernelCtx {
	n: number;
	d: number;
	kmax: number;
	/** stride of cval */
	vs: number;
	/** the points in the caller's order (k-means++ draws by position in it) */
	X: Float64Array;
	/** the same points in spatial order (see OP.keys): what the iterations read */
	P: Float64Array;
	/** spatial position → input index */
	perm: Int32Array;
	/** radix sort work: keys and indices of the passes (k1/i1 → k2/i2 → perm) */
	keys: Uint32Array;
	k1: Uint32Array;
	i1: Int32Array;
	k2: Uint32Array;
	i2: Int32Array;
	/** per chunk and radix digit: counts (hist), then write positions (off) */
	hist: Int32Array;
	/** labels of the points of P */
	labels: Int32Array;
	/** Hamerly bounds, stored relative to the accumulated centre movements: B[2i] upper, B[2i+1] lower */
	B: Float64Array;
	closest: Float64Array;
	dist: Float64Array;
	par: Float64Array;
	csum: Float64Array;
	ccnt: Int32Array;
	cval: Float64Array;
}

/** Buffers of a KernelCtx (what is sent to the workers). */
export interface KernelBuffers {
	n: number;
	d: number;
	kmax: number;
	vs: number;
	X: ArrayBufferLike;
	xOffset: number;
	P: ArrayBufferLike;
	perm: ArrayBufferLike;
	keys: ArrayBufferLike;
	k1: ArrayBufferLike;
	i1: ArrayBufferLike;
	k2: ArrayBufferLike;
	i2: ArrayBufferLike;
	hist: ArrayBufferLike;
	labels: ArrayBufferLike;
	B: ArrayBufferLike;
	closest: ArrayBufferLike;
	dist: ArrayBufferLike;
	par: ArrayBufferLike;
	csum: ArrayBufferLike;
	ccnt: ArrayBufferLike;
	cval: ArrayBufferLike;
}

/** Rebuilds the views of a KernelCtx from its buffers (in a worker). */
export function ctxFromBuffers(b: KernelBuffers): KernelCtx {
	return {
		n: b.n,
		d: b.d,
		kmax: b.kmax,
		vs: b.vs,
		X: new Float64Array(b.X, b.xOffset, b.n * b.d),
		P: new Float64Array(b.P),
		perm: new Int32Array(b.perm),
		keys: new Uint32Array(b.keys),
		k1: new Uint32Array(b.k1),
		i1: new Int32Array(b.i1),
		k2: new Uint32Array(b.k2),
		i2: new Int32Array(b.i2),
		hist: new Int32Array(b.hist),
		labels: new Int32Array(b.labels),
		B: new Float64Array(b.B),
		closest: new Float64Array(b.closest),
		dist: new Float64Array(b.dist),
		par: new Float64Array(b.par),
		csum: new Float64Array(b.csum),
		ccnt: new Int32Array(b.ccnt),
		cval: new Float64Array(b.cval),
	};
}

/** Runs operation `op` (OP) on chunk `ch` with k centres; `arg` is the op's extra number. */
export function runChunk(ctx: KernelCtx, op: number, k: number, arg: number, ch: number): void {
	const CH = 8192; // = CHUNK (kept literal: this function runs from its source text in workers)
	const n = ctx.n;
	const d = ctx.d;
	const kmax = ctx.kmax;
	const lo = ch * CH;
	const hi = lo + CH < n ? lo + CH : n;
	const par = ctx.par;
	const offD = kmax * d;
	const offG = offD + kmax;
	const offS = offG + kmax;
	const offCand = offS + kmax;
	const vo = ch * ctx.vs;
	const so = ch * kmax * d;
	const cc = ch * kmax;
	const X = ctx.X;
	const P = ctx.P;
	switch (op) {
		case 1:
			ctx.cval[vo] = kPpFirst(X, d, lo, hi, par, offCand, ctx.closest);
			return;
		case 2:
			kPpEval(X, d, lo, hi, par, offCand, arg, ctx.closest, ctx.cval, vo + 2);
			return;
		case 3:
			ctx.cval[vo] = kPpUpdate(X, d, lo, hi, par, offCand + arg * d, ctx.closest);
			return;
		case 4:
			kAssignAll(P, d, lo, hi, k, par, ctx.labels, ctx.B, ctx.csum, so, ctx.ccnt, cc);
			return;
		case 5:
			ctx.cval[vo] =
				d === 3
					? kHamerly3(P, lo, hi, k, par, offD, offG, offS, ctx.labels, ctx.B, ctx.csum, so, ctx.ccnt, cc)
					: kHamerly(P, d, lo, hi, k, par, offD, offG, offS, ctx.labels, ctx.B, ctx.csum, so, ctx.ccnt, cc);
			return;
		case 6:
			ctx.cval[vo] = kLloyd(P, d, lo, hi, k, par, ctx.labels, ctx.csum, so, ctx.ccnt, cc);
			return;
		case 7:
			ctx.cval[vo + 1] = kInertia(P, d, lo, hi, par, ctx.labels, ctx.dist);
			return;
		case 8:
			kDistances(P, d, lo, hi, par, ctx.labels, ctx.dist);
			return;
		case 9:
			kBounds(X, d, lo, hi, ctx.cval, vo);
			return;
		case 10:
			kKeys(X, d, lo, hi, par, offCand, ctx.keys);
			kHist(ctx.keys, lo, hi, 0, ctx.hist, ch * 1024); // the first radix pass's counts
			return;
		case 11:
			kHist(arg === 0 ? ctx.keys : arg === 1 ? ctx.k1 : ctx.k2, lo, hi, 10 * arg, ctx.hist, ch * 1024);
			return;
		case 12:
			if (arg === 0) kScatter(ctx.keys, null, lo, hi, 0, ctx.hist, ch * 1024, ctx.k1, ctx.i1);
			else if (arg === 1) kScatter(ctx.k1, ctx.i1, lo, hi, 10, ctx.hist, ch * 1024, ctx.k2, ctx.i2);
			else kScatterLast(ctx.k2, ctx.i2, lo, hi, ctx.hist, ch * 1024, ctx.perm, X, d, P);
			return;
		default:
			throw new Error(`unknown k-means operation ${op}`);
	}
}

function kPpFirst(X: Float64Array, d: number, lo: number, hi: number, par: Float64Array, co: number, closest: Float64Array): number {
	let acc = 0;
	for (let i = lo; i < hi; i++) {
		let q = 0;
		const xo = i * d;
		for (let t = 0; t < d; t++) {
			const v = X[xo + t] - par[co + t];
			q += v * v;
		}
		closest[i] = q;
		acc += q;
	}
	return acc;
}

function kPpEval(
	X: Float64Array,
	d: number,
	lo: number,
	hi: number,
	par: Float64Array,
	offCand: number,
	nLocal: number,
	closest: Float64Array,
	out: Float64Array,
	oo: number,
): void {
	if (d === 3 && nLocal <= 4) {
		// one pass over the points for all candidates (up to 4; missing ones repeat the last and are
		// not written back): each point and its closest distance are read once
		const a0 = offCand;
		const a1 = offCand + 3 * (nLocal > 1 ? 1 : 0);
		const a2 = offCand + 3 * (nLocal > 2 ? 2 : nLocal - 1);
		const a3 = offCand + 3 * (nLocal > 3 ? 3 : nLocal - 1);
		const c00 = par[a0], c01 = par[a0 + 1], c02 = par[a0 + 2];
		const c10 = par[a1], c11 = par[a1 + 1], c12 = par[a1 + 2];
		const c20 = par[a2], c21 = par[a2 + 1], c22 = par[a2 + 2];
		const c30 = par[a3], c31 = par[a3 + 1], c32 = par[a3 + 2];
		let p0 = 0;
		let p1 = 0;
		let p2 = 0;
		let p3 = 0;
		for (let i = lo, xo = lo * 3; i < hi; i++, xo += 3) {
			const x0 = X[xo];
			const x1 = X[xo + 1];
			const x2 = X[xo + 2];
			const ci = closest[i];
			let v0 = x0 - c00;
			let v1 = x1 - c01;
			let v2 = x2 - c02;
			let q = v0 * v0 + v1 * v1 + v2 * v2;
			p0 += q < ci ? q : ci;
			v0 = x0 - c10;
			v1 = x1 - c11;
			v2 = x2 - c12;
			q = v0 * v0 + v1 * v1 + v2 * v2;
			p1 += q < ci ? q : ci;
			v0 = x0 - c20;
			v1 = x1 - c21;
			v2 = x2 - c22;
			q = v0 * v0 + v1 * v1 + v2 * v2;
			p2 += q < ci ? q : ci;
			v0 = x0 - c30;
			v1 = x1 - c31;
			v2 = x2 - c32;
			q = v0 * v0 + v1 * v1 + v2 * v2;
			p3 += q < ci ? q : ci;
		}
		out[oo] = p0;
		out[oo + 1] = p1;
		if (nLocal > 2) out[oo + 2] = p2;
		if (nLocal > 3) out[oo + 3] = p3;
		return;
	}
	for (let c = 0; c < nLocal; c++) {
		let pot = 0;
		const co = offCand + c * d;
		for (let i = lo; i < hi; i++) {
			let q = 0;
			const xo = i * d;
			for (let t = 0; t < d; t++) {
				const v = X[xo + t] - par[co + t];
				q += v * v;
			}
			const ci = closest[i];
			pot += q < ci ? q : ci;
		}
		out[oo + c] = pot;
	}
}

function kPpUpdate(X: Float64Array, d: number, lo: number, hi: number, par: Float64Array, co: number, closest: Float64Array): number {
	let acc = 0;
	if (d === 3) {
		const c0 = par[co];
		const c1 = par[co + 1];
		const c2 = par[co + 2];
		for (let i = lo, xo = lo * 3; i < hi; i++, xo += 3) {
			const v0 = X[xo] - c0;
			const v1 = X[xo + 1] - c1;
			const v2 = X[xo + 2] - c2;
			const q = v0 * v0 + v1 * v1 + v2 * v2;
			const ci = closest[i];
			const m = q < ci ? q : ci;
			closest[i] = m;
			acc += m;
		}
		return acc;
	}
	for (let i = lo; i < hi; i++) {
		let q = 0;
		const xo = i * d;
		for (let t = 0; t < d; t++) {
			const v = X[xo + t] - par[co + t];
			q += v * v;
		}
		const ci = closest[i];
		const m = q < ci ? q : ci;
		closest[i] = m;
		acc += m;
	}
	return acc;
}

function kAssignAll(
	X: Float64Array,
	d: number,
	lo: number,
	hi: number,
	k: number,
	C: Float64Array,
	labels: Int32Array,
	B: Float64Array,
	sums: Float64Array,
	so: number,
	counts: Int32Array,
	cc: number,
): void {
	for (let j = 0; j < k; j++) counts[cc + j] = 0;
	for (let j = 0; j < k * d; j++) sums[so + j] = 0;
	for (let i = lo; i < hi; i++) {
		let b1 = Infinity;
		let b2 = Infinity;
		let a = 0;
		const xo = i * d;
		for (let j = 0; j < k; j++) {
			let q = 0;
			const co = j * d;
			if (d === 3) {
				const v0 = X[xo] - C[co];
				const v1 = X[xo + 1] - C[co + 1];
				const v2 = X[xo + 2] - C[co + 2];
				q = v0 * v0 + v1 * v1 + v2 * v2;
			} else {
				for (let t = 0; t < d; t++) {
					const v = X[xo + t] - C[co + t];
					q += v * v;
				}
			}
			if (q < b1) {
				b2 = b1;
				b1 = q;
				a = j;
			} else if (q < b2) b2 = q;
		}
		labels[i] = a;
		B[2 * i] = Math.sqrt(b1);
		B[2 * i + 1] = k > 1 ? Math.sqrt(b2) : Infinity;
		counts[cc + a]++;
		const ao = so + a * d;
		for (let t = 0; t < d; t++) sums[ao + t] += X[xo + t];
	}
}

/**
 * Hamerly step on one chunk. Bounds: upper = B[2i] + D[label], lower = B[2i+1] − G[label]; a point
 * is skipped when upper ≤ max(s[label], lower). The tests combine comparisons with `&` (no branch
 * per comparison: the outcome is data dependent and mispredicted branches cost more than the
 * extra comparison).
 */
function kHamerly3(
	X: Float64Array,
	lo: number,
	hi: number,
	k: number,
	P: Float64Array,
	offD: number,
	offG: number,
	offS: number,
	labels: Int32Array,
	B: Float64Array,
	sums: Float64Array,
	so: number,
	counts: Int32Array,
	cc: number,
): number {
	let changed = 0;
	for (let i = lo; i < hi; i++) {
		const a = labels[i];
		const bi = 2 * i;
		const da = P[offD + a];
		const sa = P[offS + a];
		const lb = B[bi + 1] - P[offG + a];
		const ub = B[bi] + da;
		if (+(ub > sa) & +(ub > lb)) {
			const xo = i * 3;
			const x0 = X[xo];
			const x1 = X[xo + 1];
			const x2 = X[xo + 2];
			const ao = a * 3;
			let v0 = x0 - P[ao];
			let v1 = x1 - P[ao + 1];
			let v2 = x2 - P[ao + 2];
			const u = Math.sqrt(v0 * v0 + v1 * v1 + v2 * v2);
			B[bi] = u - da;
			if (+(u > sa) & +(u > lb)) {
				let b1 = Infinity;
				let b2 = Infinity;
				let b = 0;
				for (let j = 0, co = 0; j < k; j++, co += 3) {
					v0 = x0 - P[co];
					v1 = x1 - P[co + 1];
					v2 = x2 - P[co + 2];
					const q = v0 * v0 + v1 * v1 + v2 * v2;
					if (q < b1) {
						b2 = b1;
						b1 = q;
						b = j;
					} else if (q < b2) b2 = q;
				}
				B[bi] = Math.sqrt(b1) - P[offD + b];
				B[bi + 1] = Math.sqrt(b2) + P[offG + b];
				if (b !== a) {
					labels[i] = b;
					counts[cc + a]--;
					counts[cc + b]++;
					const sa0 = so + ao;
					const sb0 = so + b * 3;
					sums[sa0] -= x0;
					sums[sa0 + 1] -= x1;
					sums[sa0 + 2] -= x2;
					sums[sb0] += x0;
					sums[sb0 + 1] += x1;
					sums[sb0 + 2] += x2;
					changed++;
				}
			}
		}
	}
	return changed;
}

/** kHamerly3 for any d. */
function kHamerly(
	X: Float64Array,
	d: number,
	lo: number,
	hi: number,
	k: number,
	P: Float64Array,
	offD: number,
	offG: number,
	offS: number,
	labels: Int32Array,
	B: Float64Array,
	sums: Float64Array,
	so: number,
	counts: Int32Array,
	cc: number,
): number {
	let changed = 0;
	for (let i = lo; i < hi; i++) {
		const a = labels[i];
		const bi = 2 * i;
		const da = P[offD + a];
		const sa = P[offS + a];
		const lb = B[bi + 1] - P[offG + a];
		const ub = B[bi] + da;
		if (+(ub > sa) & +(ub > lb)) {
			const xo = i * d;
			const ao = a * d;
			let u = 0;
			for (let t = 0; t < d; t++) {
				const v = X[xo + t] - P[ao + t];
				u += v * v;
			}
			u = Math.sqrt(u);
			B[bi] = u - da;
			if (+(u > sa) & +(u > lb)) {
				let b1 = Infinity;
				let b2 = Infinity;
				let b = 0;
				for (let j = 0; j < k; j++) {
					let q = 0;
					const co = j * d;
					for (let t = 0; t < d; t++) {
						const v = X[xo + t] - P[co + t];
						q += v * v;
					}
					if (q < b1) {
						b2 = b1;
						b1 = q;
						b = j;
					} else if (q < b2) b2 = q;
				}
				B[bi] = Math.sqrt(b1) - P[offD + b];
				B[bi + 1] = Math.sqrt(b2) + P[offG + b];
				if (b !== a) {
					labels[i] = b;
					counts[cc + a]--;
					counts[cc + b]++;
					const sa0 = so + ao;
					const sb0 = so + b * d;
					for (let t = 0; t < d; t++) {
						const x = X[xo + t];
						sums[sa0 + t] -= x;
						sums[sb0 + t] += x;
					}
					changed++;
				}
			}
		}
	}
	return changed;
}

function kLloyd(
	X: Float64Array,
	d: number,
	lo: number,
	hi: number,
	k: number,
	C: Float64Array,
	labels: Int32Array,
	sums: Float64Array,
	so: number,
	counts: Int32Array,
	cc: number,
): number {
	for (let j = 0; j < k; j++) counts[cc + j] = 0;
	for (let j = 0; j < k * d; j++) sums[so + j] = 0;
	let changed = 0;
	for (let i = lo; i < hi; i++) {
		let b1 = Infinity;
		let b = 0;
		const xo = i * d;
		for (let j = 0; j < k; j++) {
			let q = 0;
			const co = j * d;
			for (let t = 0; t < d; t++) {
				const v = X[xo + t] - C[co + t];
				q += v * v;
			}
			if (q < b1) {
				b1 = q;
				b = j;
			}
		}
		if (labels[i] !== b) changed++;
		labels[i] = b;
		counts[cc + b]++;
		const bo = so + b * d;
		for (let t = 0; t < d; t++) sums[bo + t] += X[xo + t];
	}
	return changed;
}

/** Chunk inertia; also each point's distance to its centre into dist (as kDistances). */
function kInertia(X: Float64Array, d: number, lo: number, hi: number, C: Float64Array, labels: Int32Array, dist: Float64Array): number {
	let acc = 0;
	for (let i = lo; i < hi; i++) {
		const xo = i * d;
		const co = labels[i] * d;
		let q = 0;
		for (let t = 0; t < d; t++) {
			const v = X[xo + t] - C[co + t];
			q += v * v;
		}
		dist[i] = Math.sqrt(q);
		acc += q;
	}
	return acc;
}

function kDistances(X: Float64Array, d: number, lo: number, hi: number, C: Float64Array, labels: Int32Array, dist: Float64Array): void {
	for (let i = lo; i < hi; i++) {
		const xo = i * d;
		const co = labels[i] * d;
		let q = 0;
		for (let t = 0; t < d; t++) {
			const v = X[xo + t] - C[co + t];
			q += v * v;
		}
		dist[i] = Math.sqrt(q);
	}
}

function kBounds(X: Float64Array, d: number, lo: number, hi: number, out: Float64Array, vo: number): void {
	const m = d < 3 ? d : 3;
	let mn0 = Infinity;
	let mx0 = -Infinity;
	let mn1 = Infinity;
	let mx1 = -Infinity;
	let mn2 = Infinity;
	let mx2 = -Infinity;
	for (let i = lo, xo = lo * d; i < hi; i++, xo += d) {
		const v0 = X[xo];
		if (v0 < mn0) mn0 = v0;
		if (v0 > mx0) mx0 = v0;
		if (m > 1) {
			const v1 = X[xo + 1];
			if (v1 < mn1) mn1 = v1;
			if (v1 > mx1) mx1 = v1;
			if (m > 2) {
				const v2 = X[xo + 2];
				if (v2 < mn2) mn2 = v2;
				if (v2 > mx2) mx2 = v2;
			}
		}
	}
	out[vo] = mn0;
	out[vo + 1] = mx0;
	out[vo + 2] = mn1;
	out[vo + 3] = mx1;
	out[vo + 4] = mn2;
	out[vo + 5] = mx2;
}

/**
 * Morton (Z-order) key of each point on a 2^30-cell grid over its first (up to 3) coordinates:
 * 10 bits per axis interleaved for d ≥ 3, 15 for d = 2, 30 for d = 1. par[o + 2t] is the grid's
 * origin on axis t, par[o + 2t + 1] its cells per unit.
 */
function kKeys(X: Float64Array, d: number, lo: number, hi: number, par: Float64Array, o: number, keys: Uint32Array): void {
	if (d >= 3) {
		const o0 = par[o];
		const f0 = par[o + 1];
		const o1 = par[o + 2];
		const f1 = par[o + 3];
		const o2 = par[o + 4];
		const f2 = par[o + 5];
		for (let i = lo, xo = lo * d; i < hi; i++, xo += d) {
			const q0 = (X[xo] - o0) * f0;
			const q1 = (X[xo + 1] - o1) * f1;
			const q2 = (X[xo + 2] - o2) * f2;
			// cell 0..1023 (truncation = floor for q > 0), then its bits moved to every third bit
			let a = q0 >= 1024 ? 1023 : q0 > 0 ? q0 | 0 : 0;
			let b = q1 >= 1024 ? 1023 : q1 > 0 ? q1 | 0 : 0;
			let c = q2 >= 1024 ? 1023 : q2 > 0 ? q2 | 0 : 0;
			a = (a | (a << 16)) & 0x030000ff;
			a = (a | (a << 8)) & 0x0300f00f;
			a = (a | (a << 4)) & 0x030c30c3;
			a = (a | (a << 2)) & 0x09249249;
			b = (b | (b << 16)) & 0x030000ff;
			b = (b | (b << 8)) & 0x0300f00f;
			b = (b | (b << 4)) & 0x030c30c3;
			b = (b | (b << 2)) & 0x09249249;
			c = (c | (c << 16)) & 0x030000ff;
			c = (c | (c << 8)) & 0x0300f00f;
			c = (c | (c << 4)) & 0x030c30c3;
			c = (c | (c << 2)) & 0x09249249;
			keys[i] = (a | (b << 1) | (c << 2)) >>> 0;
		}
		return;
	}
	const levels = d === 2 ? 32768 : 1073741824;
	for (let i = lo; i < hi; i++) {
		let key = 0;
		for (let t = 0; t < d; t++) {
			const q = (X[i * d + t] - par[o + 2 * t]) * par[o + 2 * t + 1];
			let v = q >= levels ? levels - 1 : q > 0 ? Math.floor(q) : 0;
			if (d === 2) {
				v = (v | (v << 8)) & 0x00ff00ff;
				v = (v | (v << 4)) & 0x0f0f0f0f;
				v = (v | (v << 2)) & 0x33333333;
				v = (v | (v << 1)) & 0x55555555;
			}
			key |= v << t;
		}
		keys[i] = key >>> 0;
	}
}

/** Digit counts of the chunk at hist[ch · 1024 + digit]. */
function kHist(keys: Uint32Array, lo: number, hi: number, shift: number, hist: Int32Array, ho: number): void {
	for (let b = 0; b < 1024; b++) hist[ho + b] = 0;
	for (let p = lo; p < hi; p++) hist[ho + ((keys[p] >>> shift) & 1023)]++;
}

/** Stable scatter of the chunk's items to the write positions at off[ch · 1024 + digit]. */
function kScatter(
	kin: Uint32Array,
	iin: Int32Array | null,
	lo: number,
	hi: number,
	shift: number,
	off: Int32Array,
	oo: number,
	kout: Uint32Array | null,
	iout: Int32Array,
): void {
	for (let p = lo; p < hi; p++) {
		const key = kin[p];
		const q = off[oo + ((key >>> shift) & 1023)]++;
		if (kout !== null) kout[q] = key;
		iout[q] = iin === null ? p : iin[p];
	}
}

/** Last radix pass: writes perm and the points themselves (P in spatial order). */
function kScatterLast(
	kin: Uint32Array,
	iin: Int32Array,
	lo: number,
	hi: number,
	off: Int32Array,
	oo: number,
	perm: Int32Array,
	X: Float64Array,
	d: number,
	P: Float64Array,
): void {
	for (let p = lo; p < hi; p++) {
		const q = off[oo + (kin[p] >>> 20)]++;
		const i = iin[p];
		perm[q] = i;
		if (d === 3) {
			const xo = i * 3;
			const po = q * 3;
			P[po] = X[xo];
			P[po + 1] = X[xo + 1];
			P[po + 2] = X[xo + 2];
		} else for (let t = 0; t < d; t++) P[q * d + t] = X[i * d + t];
	}
}

/** Source text of the kernels, for a worker started with `eval: true`. */
export function kernelSource(): string {
	return [
		runChunk,
		ctxFromBuffers,
		kPpFirst,
		kPpEval,
		kPpUpdate,
		kAssignAll,
		kHamerly3,
		kHamerly,
		kLloyd,
		kInertia,
		kDistances,
		kBounds,
		kKeys,
		kHist,
		kScatter,
		kScatterLast,
	]
		.map((f) => f.toString())
		.join('\n');
}
