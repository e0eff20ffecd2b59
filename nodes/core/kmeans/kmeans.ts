/**
 * Exact k-means on a flat row-major matrix (Float64Array of n × d values).
 *
 * - Initialisation: greedy k-means++ as in scikit-learn (2 + ⌊ln k⌋ candidates per step, the one
 *   that lowers the potential most wins), or centres given by the caller.
 * - Iterations: Hamerly's algorithm (one upper and one lower distance bound per point, triangle
 *   inequality), which returns the same labels as Lloyd's algorithm while skipping most distance
 *   computations. A plain Lloyd implementation is kept for tests and as a reference.
 * - Convergence exactly as scikit-learn: stop when no label changes, or when the summed squared
 *   centre shift falls to `tol × mean feature variance`; after a tolerance stop the labels are
 *   re-assigned to the final centres, and inertia is measured against them.
 * - An empty cluster is repaired (its centre moves to the point farthest from its own centre,
 *   taken from a cluster with more than one point), never an error.
 * - Determinism: seeded generator, strict `<` comparisons so ties go to the lowest centre index,
 *   restarts seeded from (seed, k, restart) so a given k gives the same result whatever else runs.
 * - Threads: the loops over points (kernels.ts) run on fixed chunks of CHUNK points, on this thread
 *   and, for large inputs, on a small worker pool (pool.ts). Each chunk keeps its own partial sums,
 *   counts and potentials, added up here in chunk order, so labels, centres and inertia are
 *   bit-identical for any number of threads.
 * - The iterations read a copy of the points in Morton order (sortSpatial; k-means++ keeps to the
 *   input order), and the labels and distances are mapped back to the input order.
 * - Fewer distinct points than k: k-means++ stops when every distinct point is a centre, and the
 *   result has fewer clusters (`result.k < options.k`); nothing is NaN.
 */
import { CHUNK, OP, runChunk, type KernelBuffers, type KernelCtx } from './kernels';
import { MAX_POOL_CHUNKS, PoolError, defaultThreads, disablePool, getPool } from './pool';
import { Random, mixSeed } from './random';

export interface KMeansOptions {
	k: number;
	/** Restarts with different k-means++ seeds; the lowest inertia wins. Default 1. */
	nInit?: number;
	/** Iteration cap per restart. Default 300 (scikit-learn's). */
	maxIter?: number;
	/** Relative tolerance on the centre shift (scikit-learn's `tol`). Default 1e-4. */
	tol?: number;
	seed?: number;
	/** k × d starting centres instead of k-means++ (then a single run). */
	initialCenters?: Float64Array;
	algorithm?: 'hamerly' | 'lloyd';
	/**
	 * Threads for the loops over points (this one plus workers). Default min(2, cores). The result
	 * is bit-identical for any number: points are cut into fixed chunks whose partial sums are added
	 * in chunk order.
	 */
	threads?: number;
	/** Below this n·k the run stays on one thread. Default PARALLEL_MIN_WORK. */
	parallelMinWork?: number;
}

export interface KMeansRun {
	inertia: number;
	iterations: number;
	converged: boolean;
}

export interface KMeansResult {
	/** Number of clusters found (less than requested only when there are fewer distinct points). */
	k: number;
	d: number;
	/** k × d centres, row-major. */
	centers: Float64Array;
	/** Cluster of each point, 0..k-1. */
	labels: Int32Array;
	/** Euclidean distance of each point to its centre. */
	distances: Float64Array;
	/** Sum of squared distances to the centres. */
	inertia: number;
	/** Cluster sizes. */
	sizes: Int32Array;
	iterations: number;
	converged: boolean;
	/** Every restart, in order. */
	runs: KMeansRun[];
	/** Index of the restart that won. */
	bestRun: number;
}

/** Mean of the per-feature (population) variances; scikit-learn scales `tol` by it. */
export function meanVariance(X: Float64Array, n: number, d: number): number {
	if (n === 0 || d === 0) return 0;
	let total = 0;
	for (let j = 0; j < d; j++) {
		let mean = 0;
		for (let i = 0; i < n; i++) mean += X[i * d + j];
		mean /= n;
		let ss = 0;
		for (let i = 0; i < n; i++) {
			const v = X[i * d + j] - mean;
			ss += v * v;
		}
		total += ss / n;
	}
	return total / d;
}

function sqDist(X: Float64Array, i: number, C: Float64Array, c: number, d: number): number {
	let s = 0;
	const xo = i * d;
	const co = c * d;
	for (let t = 0; t < d; t++) {
		const v = X[xo + t] - C[co + t];
		s += v * v;
	}
	return s;
}

/** Reusable buffers of kmeansPlusPlus (n values each). */
export interface SeedScratch {
	closest: Float64Array;
	/** no longer used (the draw walks the chunk potentials); kept for callers that pass it */
	cum?: Float64Array;
}

/** Runs one kernel operation on every chunk (here, or with the worker pool). */
interface Exec {
	run(op: number, k: number, arg: number): void;
}

/** A k-means call's memory (see KernelCtx) and how its chunks are run. */
interface Work {
	ctx: KernelCtx;
	exec: Exec;
	nChunks: number;
	/** totals of the chunk sums and counts */
	sums: Float64Array;
	counts: Int32Array;
	p: Float64Array;
	oldC: Float64Array;
}

const nLocalOf = (k: number) => 2 + Math.floor(Math.log(k));
/** cval stride: changed/potential, inertia, candidate potentials; at least 6 for the bounds of 3 axes */
const strideOf = (k: number) => Math.max(6, 2 + nLocalOf(k));

/**
 * Memory kept between calls (grow-only, by role; dropped 2 s after the last call): fresh buffers
 * of this size cost page faults (about 10 ms per 18 MB here), as much as several iterations.
 */
const arena = new Map<string, SharedArrayBuffer>();
let arenaTimer: ReturnType<typeof setTimeout> | undefined;

function arenaBuffer(role: string, bytes: number): SharedArrayBuffer {
	let b = arena.get(role);
	if (!b || b.byteLength < bytes) {
		arena.delete(role);
		b = new SharedArrayBuffer(Math.max(8, bytes));
		arena.set(role, b);
	}
	return b;
}

function arenaIdle(): void {
	if (arenaTimer) clearTimeout(arenaTimer);
	arenaTimer = setTimeout(() => arena.clear(), 2000);
	arenaTimer.unref?.();
}

/**
 * A call's memory: SharedArrayBuffers from the arena (the worker threads can read them), with the
 * points in input order (X, for k-means++) and room for their spatial order (P, perm; sortSpatial).
 */
function makeCtx(X: Float64Array, n: number, d: number, kmax: number, shared: boolean): KernelCtx {
	const nChunks = Math.max(1, Math.ceil(n / CHUNK));
	const vs = strideOf(kmax);
	const f64 = (role: string, len: number) => new Float64Array(arenaBuffer(role, len * 8), 0, len);
	const i32 = (role: string, len: number) => new Int32Array(arenaBuffer(role, len * 4), 0, len);
	const u32 = (role: string, len: number) => new Uint32Array(arenaBuffer(role, len * 4), 0, len);
	let Xs = X.subarray(0, n * d);
	if (shared && !(X.buffer instanceof SharedArrayBuffer)) {
		Xs = f64('X', n * d);
		Xs.set(X.subarray(0, n * d));
	}
	return {
		n,
		d,
		kmax,
		vs,
		X: Xs,
		P: f64('P', n * d),
		perm: i32('perm', n),
		keys: u32('keys', n),
		k1: u32('k1', n),
		i1: i32('i1', n),
		k2: u32('k2', n),
		i2: i32('i2', n),
		hist: i32('hist', nChunks * 1024),
		labels: i32('labels', n),
		B: f64('B', 2 * n),
		closest: f64('closest', n),
		dist: f64('dist', n),
		par: f64('par', kmax * d + 3 * kmax + nLocalOf(kmax) * d),
		csum: f64('csum', nChunks * kmax * d),
		ccnt: i32('ccnt', nChunks * kmax),
		cval: f64('cval', nChunks * vs),
	};
}

/**
 * Puts the points in spatial order (P, perm): along a Morton (Z-order) curve over their first (up
 * to 3) coordinates on a 2^30-cell grid, by a stable radix sort (3 passes of 10 bits) whose chunks
 * run like the other kernels (per-chunk digit counts, write positions laid out in digit then chunk
 * order: the same order whoever sorts which chunk). Nearby points get nearby positions, so the
 * iterations read memory and take their branches far more predictably than in input order (about
 * 1.3× faster iterations on the bench matrices). Only the summation order of the centres depends
 * on it; the labels are the exact nearest centres either way.
 */
function sortSpatial(w: Work): void {
	const { d, kmax, vs, cval, par, hist } = w.ctx;
	const m = Math.min(d, 3);
	const levels = m === 3 ? 1024 : m === 2 ? 32768 : 1073741824;
	const o = kmax * d + 3 * kmax; // the k-means++ candidates' room, free until seeding
	w.exec.run(OP.bounds, 0, 0);
	for (let t = 0; t < m; t++) {
		let lo = Infinity;
		let hi = -Infinity;
		for (let ch = 0; ch < w.nChunks; ch++) {
			if (cval[ch * vs + 2 * t] < lo) lo = cval[ch * vs + 2 * t];
			if (cval[ch * vs + 2 * t + 1] > hi) hi = cval[ch * vs + 2 * t + 1];
		}
		par[o + 2 * t] = lo;
		par[o + 2 * t + 1] = hi > lo ? levels / (hi - lo) : 0;
	}
	w.exec.run(OP.keys, 0, 0);
	const runs = new Int32Array(1024);
	for (let pass = 0; pass < 3; pass++) {
		if (pass > 0) w.exec.run(OP.hist, 0, pass); // pass 0's counts come with the keys
		// write positions: digit by digit, chunk by chunk (hist is digit-major)
		// write positions, digit by digit and chunk by chunk: digit starts from the digit totals,
		// then each chunk's rows in chunk order (rows read in order: hist is chunk-major)
		runs.fill(0);
		for (let ch = 0; ch < w.nChunks; ch++) for (let b = 0; b < 1024; b++) runs[b] += hist[ch * 1024 + b];
		let at = 0;
		for (let b = 0; b < 1024; b++) {
			const c = runs[b];
			runs[b] = at;
			at += c;
		}
		for (let ch = 0; ch < w.nChunks; ch++) {
			const ho = ch * 1024;
			for (let b = 0; b < 1024; b++) {
				const c = hist[ho + b];
				hist[ho + b] = runs[b];
				runs[b] += c;
			}
		}
		w.exec.run(OP.scatter, 0, pass); // the last pass also writes P
	}
}

/** Memory for kmeansPlusPlus alone (input order only, no iterations). */
function seedCtx(X: Float64Array, n: number, d: number, k: number, closest?: Float64Array): KernelCtx {
	const nChunks = Math.max(1, Math.ceil(n / CHUNK));
	const vs = strideOf(k);
	const Xs = X.subarray(0, n * d);
	const none32 = new Int32Array(0);
	const noneU = new Uint32Array(0);
	return {
		n,
		d,
		kmax: k,
		vs,
		X: Xs,
		P: Xs,
		perm: none32,
		keys: noneU,
		k1: noneU,
		i1: none32,
		k2: noneU,
		i2: none32,
		hist: none32,
		labels: none32,
		B: new Float64Array(0),
		closest: closest && closest.length >= n ? closest : new Float64Array(n),
		dist: new Float64Array(0),
		par: new Float64Array(k * d + 3 * k + nLocalOf(k) * d),
		csum: new Float64Array(0),
		ccnt: none32,
		cval: new Float64Array(nChunks * vs),
	};
}

function buffersOf(ctx: KernelCtx): KernelBuffers {
	return {
		n: ctx.n,
		d: ctx.d,
		kmax: ctx.kmax,
		vs: ctx.vs,
		X: ctx.X.buffer,
		xOffset: ctx.X.byteOffset,
		P: ctx.P.buffer,
		perm: ctx.perm.buffer,
		keys: ctx.keys.buffer,
		k1: ctx.k1.buffer,
		i1: ctx.i1.buffer,
		k2: ctx.k2.buffer,
		i2: ctx.i2.buffer,
		hist: ctx.hist.buffer,
		labels: ctx.labels.buffer,
		B: ctx.B.buffer,
		closest: ctx.closest.buffer,
		dist: ctx.dist.buffer,
		par: ctx.par.buffer,
		csum: ctx.csum.buffer,
		ccnt: ctx.ccnt.buffer,
		cval: ctx.cval.buffer,
	};
}

function localExec(ctx: KernelCtx, nChunks: number): Exec {
	return {
		run(op, k, arg) {
			for (let ch = 0; ch < nChunks; ch++) runChunk(ctx, op, k, arg, ch);
		},
	};
}

function makeWork(ctx: KernelCtx, exec: Exec): Work {
	const { n, d, kmax } = ctx;
	return {
		ctx,
		exec,
		nChunks: Math.max(1, Math.ceil(n / CHUNK)),
		sums: new Float64Array(kmax * d),
		counts: new Int32Array(kmax),
		p: new Float64Array(kmax),
		oldC: new Float64Array(kmax * d),
	};
}

/** Sum over chunks, in chunk order, of cval[ch · vs + slot]. */
function chunkTotal(w: Work, slot: number): number {
	const { cval, vs } = w.ctx;
	let total = 0;
	for (let ch = 0; ch < w.nChunks; ch++) total += cval[ch * vs + slot];
	return total;
}

/**
 * First point whose cumulative potential exceeds r, where the cumulative potential of point i in
 * chunk ch is (sum of the earlier chunks' potentials, in chunk order) + (sum of closest[] from the
 * chunk start to i): the same values whoever computed the chunks. n − 1 when none does (rounding).
 */
function drawIndex(w: Work, r: number): number {
	const { cval, vs, closest, n } = w.ctx;
	let acc = 0;
	for (let ch = 0; ch < w.nChunks; ch++) {
		const total = cval[ch * vs];
		if (acc + total > r) {
			const lo = ch * CHUNK;
			const hi = Math.min(n, lo + CHUNK);
			let local = 0;
			for (let i = lo; i < hi; i++) {
				local += closest[i];
				if (acc + local > r) return i;
			}
			return hi - 1;
		}
		acc += total;
	}
	return n - 1;
}

/** Greedy k-means++ on a Work; centres go to `centers`. Returns how many were placed. */
function seedPlusPlus(w: Work, k: number, rng: Random, centers: Float64Array): number {
	const { X, n, d, kmax, par } = w.ctx;
	const nLocal = nLocalOf(k);
	const offCand = kmax * d + 3 * kmax;
	const first = rng.int(n);
	for (let t = 0; t < d; t++) {
		centers[t] = X[first * d + t];
		par[offCand + t] = X[first * d + t];
	}
	w.exec.run(OP.ppFirst, 0, 0);
	let pot = chunkTotal(w, 0);
	let placed = 1;
	const pots = new Float64Array(nLocal);
	while (placed < k) {
		if (!(pot > 0)) break; // every distinct point is a centre
		for (let trialNo = 0; trialNo < nLocal; trialNo++) {
			const id = drawIndex(w, rng.next() * pot);
			for (let t = 0; t < d; t++) par[offCand + trialNo * d + t] = X[id * d + t];
		}
		// potential after adding each candidate: sum over points of min(closest, distance to it)
		w.exec.run(OP.ppEval, 0, nLocal);
		for (let c = 0; c < nLocal; c++) pots[c] = chunkTotal(w, 2 + c);
		let best = 0;
		for (let c = 1; c < nLocal; c++) if (pots[c] < pots[best]) best = c;
		for (let t = 0; t < d; t++) centers[placed * d + t] = par[offCand + best * d + t];
		placed++;
		if (placed === k) break; // the last centre's distances are not needed
		// keep the new closest distances and the chunk potentials
		w.exec.run(OP.ppUpdate, 0, best);
		pot = chunkTotal(w, 0);
	}
	return placed;
}

/**
 * Greedy k-means++ (scikit-learn's variant). Writes up to k centres into `centers` and returns how
 * many it placed: fewer than k only when every distinct point is already a centre. The candidates
 * of a step are drawn first, then scored in one pass over the points. Same result as the seeding
 * inside kmeans() with the same generator, whatever the number of threads there.
 */
export function kmeansPlusPlus(
	X: Float64Array,
	n: number,
	d: number,
	k: number,
	rng: Random,
	centers: Float64Array,
	scratch?: SeedScratch,
): number {
	const ctx = seedCtx(X, n, d, k, scratch?.closest);
	return seedPlusPlus(makeWork(ctx, localExec(ctx, Math.max(1, Math.ceil(n / CHUNK)))), k, rng, centers);
}

/** Adds the chunk sums and counts up, in chunk order, into w.sums and w.counts. */
function reduceChunks(w: Work, k: number): void {
	const { d, kmax, csum, ccnt } = w.ctx;
	const { sums, counts } = w;
	sums.fill(0);
	counts.fill(0);
	for (let ch = 0; ch < w.nChunks; ch++) {
		const so = ch * kmax * d;
		const cc = ch * kmax;
		for (let j = 0; j < k; j++) counts[j] += ccnt[cc + j];
		for (let q = 0; q < k * d; q++) sums[q] += csum[so + q];
	}
}

/**
 * Moves the centre of every empty cluster onto the point farthest from its own centre (taken from
 * a cluster with more than one point; ties to the lowest input index). The point's chunk sums and
 * counts follow it.
 */
function repairEmpty(w: Work, k: number): void {
	const { P: X, perm, n, d, kmax, par: C, labels, B, csum, ccnt } = w.ctx;
	const { counts } = w;
	const offD = kmax * d;
	const offG = offD + kmax;
	for (let j = 0; j < k; j++) {
		if (counts[j] !== 0) continue;
		let far = -1;
		let farD = -1;
		for (let i = 0; i < n; i++) {
			const a = labels[i];
			if (counts[a] <= 1) continue;
			const v = sqDist(X, i, C, a, d);
			if (v > farD || (v === farD && perm[i] < perm[far])) {
				farD = v;
				far = i;
			}
		}
		if (far < 0) break; // cannot happen while n >= k
		const a = labels[far];
		const ch = Math.floor(far / CHUNK);
		counts[a]--;
		counts[j]++;
		ccnt[ch * kmax + a]--;
		ccnt[ch * kmax + j]++;
		for (let c = 0; c < w.nChunks; c++) for (let t = 0; t < d; t++) csum[c * kmax * d + j * d + t] = 0;
		for (let t = 0; t < d; t++) {
			const x = X[far * d + t];
			csum[ch * kmax * d + a * d + t] -= x;
			csum[ch * kmax * d + j * d + t] = x;
			let sa = 0;
			for (let c = 0; c < w.nChunks; c++) sa += csum[c * kmax * d + a * d + t];
			C[j * d + t] = x;
			C[a * d + t] = sa / counts[a];
		}
		labels[far] = j;
		// upper 0 and lower 0 as of now (both stay valid once this iteration's movement is added)
		B[2 * far] = -C[offD + j];
		B[2 * far + 1] = C[offG + j];
	}
}

/** M-step from the chunk sums (an empty cluster keeps its centre until repaired). */
function moveCenters(w: Work, k: number): void {
	const { d, par: C } = w.ctx;
	w.oldC.set(C.subarray(0, k * d));
	reduceChunks(w, k);
	for (let j = 0; j < k; j++) {
		const c = w.counts[j];
		if (c === 0) continue;
		for (let t = 0; t < d; t++) C[j * d + t] = w.sums[j * d + t] / c;
	}
}

/**
 * Centre movements of the last M-step; accumulates them into the bound offsets D and G; returns
 * the summed squared shift (scikit-learn's convergence measure).
 */
function shifts(w: Work, k: number): number {
	const { d, kmax, par: C } = w.ctx;
	const offD = kmax * d;
	const offG = offD + kmax;
	let total = 0;
	let max1 = 0;
	let max2 = 0;
	let arg1 = -1;
	for (let j = 0; j < k; j++) {
		let s = 0;
		for (let t = 0; t < d; t++) {
			const v = C[j * d + t] - w.oldC[j * d + t];
			s += v * v;
		}
		const pj = Math.sqrt(s);
		w.p[j] = pj;
		total += s;
		if (pj > max1) {
			max2 = max1;
			max1 = pj;
			arg1 = j;
		} else if (pj > max2) max2 = pj;
	}
	for (let j = 0; j < k; j++) {
		C[offD + j] += w.p[j];
		C[offG + j] += j === arg1 ? max2 : max1;
	}
	return total;
}

/** Half the distance from each centre to its nearest other centre, into par's s. */
function halfNearest(w: Work, k: number): void {
	const { d, kmax, par: C } = w.ctx;
	const offS = kmax * d + 2 * kmax;
	for (let j = 0; j < k; j++) C[offS + j] = Infinity;
	for (let j = 0; j < k; j++) {
		for (let l = j + 1; l < k; l++) {
			let v = 0;
			for (let t = 0; t < d; t++) {
				const q = C[j * d + t] - C[l * d + t];
				v += q * q;
			}
			const h = 0.5 * Math.sqrt(v);
			if (h < C[offS + j]) C[offS + j] = h;
			if (h < C[offS + l]) C[offS + l] = h;
		}
	}
}

/** One k-means run from the centres in par (updated in place); labels written in the context. */
function runFrom(w: Work, k: number, maxIter: number, tolAbs: number, algorithm: 'hamerly' | 'lloyd'): KMeansRun {
	const { d, kmax, par } = w.ctx;
	const hamerly = algorithm === 'hamerly';
	const assign = (): number => {
		if (hamerly) {
			halfNearest(w, k);
			w.exec.run(OP.hamerly, k, 0);
		} else w.exec.run(OP.lloyd, k, 0);
		return chunkTotal(w, 0);
	};
	w.ctx.labels.fill(-1);
	par.fill(0, kmax * d, kmax * d + 2 * kmax); // D and G
	w.exec.run(hamerly ? OP.assignAll : OP.lloyd, k, 0);
	let iterations = 0;
	let converged = false;
	let strict = false;
	while (iterations < maxIter) {
		moveCenters(w, k);
		if (w.counts.subarray(0, k).some((c) => c === 0)) repairEmpty(w, k);
		const shift = shifts(w, k);
		iterations++;
		if (shift <= tolAbs) {
			converged = true;
			break;
		}
		const changed = assign();
		if (changed === 0) {
			converged = true;
			strict = true;
			break;
		}
	}
	if (!strict) {
		// labels for the final centres (centres are not moved again), as scikit-learn does
		assign();
	}
	w.exec.run(OP.inertia, k, 0);
	return { inertia: chunkTotal(w, 1), iterations, converged };
}

/** Work n·k below which k-means stays on one thread (starting and syncing threads costs more). */
export const PARALLEL_MIN_WORK = 200000;

/** k-means with restarts; see the file comment for the guarantees. */
export function kmeans(X: Float64Array, n: number, d: number, options: KMeansOptions): KMeansResult {
	const requested = Math.floor(options.k);
	if (!(requested >= 1)) throw new RangeError(`k must be at least 1 (got ${options.k})`);
	if (n < requested) throw new RangeError(`k = ${requested} needs at least ${requested} points (got ${n})`);
	if (X.length < n * d) throw new RangeError('matrix is smaller than n × d');
	if (options.initialCenters && options.initialCenters.length !== requested * d)
		throw new RangeError('initialCenters must hold k × d values');
	const threads = options.threads !== undefined && options.threads >= 1 ? Math.floor(options.threads) : defaultThreads();
	const minWork = options.parallelMinWork ?? PARALLEL_MIN_WORK;
	const nChunks = Math.max(1, Math.ceil(n / CHUNK));
	const parallel = threads > 1 && n * requested >= minWork && nChunks > 1 && nChunks <= MAX_POOL_CHUNKS;
	if (parallel) {
		try {
			return kmeansOn(X, n, d, options, requested, threads);
		} catch (error) {
			if (!(error instanceof PoolError)) throw error;
			disablePool(); // same result on one thread
		}
	}
	return kmeansOn(X, n, d, options, requested, 1);
}

function kmeansOn(X: Float64Array, n: number, d: number, options: KMeansOptions, requested: number, threads: number): KMeansResult {
	const nInit = options.initialCenters ? 1 : Math.max(1, Math.floor(options.nInit ?? 1));
	const maxIter = Math.max(1, Math.floor(options.maxIter ?? 300));
	const tol = options.tol ?? 1e-4;
	const seed = options.seed ?? 0;
	const algorithm = options.algorithm ?? 'hamerly';
	const tolAbs = tol * meanVariance(X, n, d);
	const nChunks = Math.max(1, Math.ceil(n / CHUNK));

	const pool = threads > 1 ? getPool(threads - 1) : undefined;
	const ctx = makeCtx(X, n, d, requested, pool !== undefined);
	let exec: Exec;
	let ctxId = -1;
	if (pool) {
		ctxId = pool.attach(buffersOf(ctx));
		const id = ctxId;
		exec = { run: (op, k, arg) => pool.run(ctx, id, op, k, arg, nChunks, threads - 1) };
	} else exec = localExec(ctx, nChunks);
	try {
		const w = makeWork(ctx, exec);
		sortSpatial(w);
		const C = ctx.par.subarray(0, requested * d);
		const runs: KMeansRun[] = [];
		let best: { C: Float64Array; labels: Int32Array | null; k: number; run: KMeansRun; index: number } | undefined;
		for (let r = 0; r < nInit; r++) {
			let k = requested;
			if (options.initialCenters) C.set(options.initialCenters);
			else k = seedPlusPlus(w, requested, new Random(mixSeed(seed, requested, r)), C);
			const run = runFrom(w, k, maxIter, tolAbs, algorithm);
			runs.push(run);
			if (!best || run.inertia < best.run.inertia) {
				// labels are copied only when a later restart could overwrite them
				best = { C: C.slice(0, k * d), labels: r < nInit - 1 ? ctx.labels.slice() : null, k, run, index: r };
			}
		}
		const b = best as NonNullable<typeof best>;
		const k = b.k;
		if (b.labels) {
			// an earlier restart won: its labels and centres back, and its distances
			ctx.labels.set(b.labels);
			C.set(b.C);
			exec.run(OP.distances, k, 0);
		} // else the last run's inertia pass left its distances in ctx.dist
		// back to the input order
		const labels = new Int32Array(n);
		const distances = new Float64Array(n);
		const sizes = new Int32Array(k);
		const { labels: sl, dist, perm } = ctx;
		for (let p = 0; p < n; p++) {
			const i = perm[p];
			labels[i] = sl[p];
			distances[i] = dist[p];
			sizes[sl[p]]++;
		}
		return {
			k,
			d,
			centers: b.C,
			labels,
			distances,
			inertia: b.run.inertia,
			sizes,
			iterations: b.run.iterations,
			converged: b.run.converged,
			runs,
			bestRun: b.index,
		};
	} finally {
		if (pool) pool.release(ctxId);
		arenaIdle();
	}
}

/** Nearest centre of every point (ties to the lowest index) and the squared distance to it. */
export function assignNearest(
	X: Float64Array,
	n: number,
	d: number,
	centers: Float64Array,
	k: number,
): { labels: Int32Array; sqDistances: Float64Array } {
	const labels = new Int32Array(n);
	const sq = new Float64Array(n);
	for (let i = 0; i < n; i++) {
		let b1 = Infinity;
		let b = 0;
		for (let j = 0; j < k; j++) {
			const q = sqDist(X, i, centers, j, d);
			if (q < b1) {
				b1 = q;
				b = j;
			}
		}
		labels[i] = b;
		sq[i] = b1;
	}
	return { labels, sqDistances: sq };
}
