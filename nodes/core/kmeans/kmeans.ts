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
 * - Fewer distinct points than k: k-means++ stops when every distinct point is a centre, and the
 *   result has fewer clusters (`result.k < options.k`); nothing is NaN.
 */
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
	cum: Float64Array;
}

/**
 * Greedy k-means++ (scikit-learn's variant). Writes up to k centres into `centers` and returns how
 * many it placed: fewer than k only when every distinct point is already a centre. The candidates
 * of a step are drawn first, then scored in one pass over the points.
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
	const nLocal = 2 + Math.floor(Math.log(k));
	const first = rng.int(n);
	for (let t = 0; t < d; t++) centers[t] = X[first * d + t];
	const closest = scratch && scratch.closest.length >= n ? scratch.closest : new Float64Array(n);
	const cum = scratch && scratch.cum.length >= n ? scratch.cum : new Float64Array(n);
	let acc = 0;
	for (let i = 0; i < n; i++) {
		const v = sqDist(X, i, centers, 0, d);
		closest[i] = v;
		acc += v;
		cum[i] = acc;
	}
	let placed = 1;
	const ids = new Int32Array(nLocal);
	const cand = new Float64Array(nLocal * d);
	const pots = new Float64Array(nLocal);
	while (placed < k) {
		const pot = acc;
		if (!(pot > 0)) break; // every distinct point is a centre
		for (let trialNo = 0; trialNo < nLocal; trialNo++) {
			const r = rng.next() * pot;
			// first index whose cumulative potential exceeds r (a point with positive weight)
			let lo = 0;
			let hi = n - 1;
			while (lo < hi) {
				const mid = (lo + hi) >>> 1;
				if (cum[mid] > r) hi = mid;
				else lo = mid + 1;
			}
			ids[trialNo] = lo;
			for (let t = 0; t < d; t++) cand[trialNo * d + t] = X[lo * d + t];
		}
		// potential after adding each candidate: sum over points of min(closest, distance to it)
		pots.fill(0);
		for (let i = 0; i < n; i++) {
			const ci = closest[i];
			const xo = i * d;
			for (let c = 0; c < nLocal; c++) {
				let q = 0;
				const co = c * d;
				if (d === 3) {
					const v0 = X[xo] - cand[co];
					const v1 = X[xo + 1] - cand[co + 1];
					const v2 = X[xo + 2] - cand[co + 2];
					q = v0 * v0 + v1 * v1 + v2 * v2;
				} else {
					for (let t = 0; t < d; t++) {
						const v = X[xo + t] - cand[co + t];
						q += v * v;
					}
				}
				pots[c] += q < ci ? q : ci;
			}
		}
		let best = 0;
		for (let c = 1; c < nLocal; c++) if (pots[c] < pots[best]) best = c;
		const bo = best * d;
		for (let t = 0; t < d; t++) centers[placed * d + t] = cand[bo + t];
		// keep the new closest distances and their running sum
		acc = 0;
		for (let i = 0; i < n; i++) {
			let q = 0;
			const xo = i * d;
			for (let t = 0; t < d; t++) {
				const v = X[xo + t] - cand[bo + t];
				q += v * v;
			}
			if (q < closest[i]) closest[i] = q;
			acc += closest[i];
			cum[i] = acc;
		}
		placed++;
	}
	return placed;
}

/**
 * Working memory of a run. Hamerly's bounds are stored relative to the centres' accumulated
 * movement, so a point whose bounds still prune it costs reads only, no writes:
 *   upper bound of point i = B[2i] + D[label],  lower bound = B[2i+1] − G[label],
 * where D[j] sums centre j's movements and G[j] sums the largest movement of any other centre
 * (exactly the amounts Hamerly adds to / subtracts from the bounds each iteration).
 */
interface Work {
	sums: Float64Array;
	counts: Int32Array;
	/** interleaved stored bounds: B[2i] upper, B[2i + 1] lower */
	B: Float64Array;
	D: Float64Array;
	G: Float64Array;
	s: Float64Array;
	p: Float64Array;
	oldC: Float64Array;
}

function makeWork(n: number, d: number, k: number): Work {
	return {
		sums: new Float64Array(k * d),
		counts: new Int32Array(k),
		B: new Float64Array(2 * n),
		D: new Float64Array(k),
		G: new Float64Array(k),
		s: new Float64Array(k),
		p: new Float64Array(k),
		oldC: new Float64Array(k * d),
	};
}

/**
 * Moves the centre of every empty cluster onto the point farthest from its own centre (taken from
 * a cluster with more than one point; ties to the lowest point index). Returns the moved points.
 */
function repairEmpty(
	X: Float64Array,
	n: number,
	d: number,
	k: number,
	C: Float64Array,
	labels: Int32Array,
	w: Work,
): number[] {
	const moved: number[] = [];
	for (let j = 0; j < k; j++) {
		if (w.counts[j] !== 0) continue;
		let far = -1;
		let farD = -1;
		for (let i = 0; i < n; i++) {
			const a = labels[i];
			if (w.counts[a] <= 1) continue;
			const v = sqDist(X, i, C, a, d);
			if (v > farD) {
				farD = v;
				far = i;
			}
		}
		if (far < 0) break; // cannot happen while n >= k
		const a = labels[far];
		w.counts[a]--;
		w.counts[j]++;
		for (let t = 0; t < d; t++) {
			const x = X[far * d + t];
			w.sums[a * d + t] -= x;
			w.sums[j * d + t] = x;
			C[j * d + t] = x;
			C[a * d + t] = w.sums[a * d + t] / w.counts[a];
		}
		labels[far] = j;
		// upper 0 and lower 0 as of now (both stay valid once this iteration's movement is added)
		w.B[2 * far] = -w.D[j];
		w.B[2 * far + 1] = w.G[j];
		moved.push(far);
	}
	return moved;
}

/** M-step from the running sums (an empty cluster keeps its centre until repaired). */
function moveCenters(k: number, d: number, C: Float64Array, w: Work): void {
	w.oldC.set(C);
	for (let j = 0; j < k; j++) {
		const c = w.counts[j];
		if (c === 0) continue;
		for (let t = 0; t < d; t++) C[j * d + t] = w.sums[j * d + t] / c;
	}
}

/**
 * Centre movements of the last M-step into w.p; accumulates them into the bound offsets D and G;
 * returns the summed squared shift (scikit-learn's convergence measure).
 */
function shifts(k: number, d: number, C: Float64Array, w: Work): number {
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
		w.D[j] += w.p[j];
		w.G[j] += j === arg1 ? max2 : max1;
	}
	return total;
}

/** Full assignment: nearest and second-nearest centre of every point; fills sums and counts. */
function assignAll(X: Float64Array, n: number, d: number, k: number, C: Float64Array, labels: Int32Array, w: Work): void {
	w.sums.fill(0);
	w.counts.fill(0);
	w.D.fill(0);
	w.G.fill(0);
	for (let i = 0; i < n; i++) {
		let b1 = Infinity;
		let b2 = Infinity;
		let a = 0;
		const xo = i * d;
		for (let j = 0; j < k; j++) {
			let s = 0;
			const co = j * d;
			if (d === 3) {
				const v0 = X[xo] - C[co];
				const v1 = X[xo + 1] - C[co + 1];
				const v2 = X[xo + 2] - C[co + 2];
				s = v0 * v0 + v1 * v1 + v2 * v2;
			} else {
				for (let t = 0; t < d; t++) {
					const v = X[xo + t] - C[co + t];
					s += v * v;
				}
			}
			if (s < b1) {
				b2 = b1;
				b1 = s;
				a = j;
			} else if (s < b2) b2 = s;
		}
		labels[i] = a;
		w.B[2 * i] = Math.sqrt(b1);
		w.B[2 * i + 1] = k > 1 ? Math.sqrt(b2) : Infinity;
		w.counts[a]++;
		const so = a * d;
		for (let t = 0; t < d; t++) w.sums[so + t] += X[xo + t];
	}
}

/** Half the distance from each centre to its nearest other centre. */
function halfNearest(k: number, d: number, C: Float64Array, s: Float64Array): void {
	for (let j = 0; j < k; j++) s[j] = Infinity;
	for (let j = 0; j < k; j++) {
		for (let l = j + 1; l < k; l++) {
			let v = 0;
			for (let t = 0; t < d; t++) {
				const q = C[j * d + t] - C[l * d + t];
				v += q * q;
			}
			const h = 0.5 * Math.sqrt(v);
			if (h < s[j]) s[j] = h;
			if (h < s[l]) s[l] = h;
		}
	}
}

/** Hamerly assignment step with bounds; returns how many labels changed. */
function hamerlyAssign(X: Float64Array, n: number, d: number, k: number, C: Float64Array, labels: Int32Array, w: Work): number {
	halfNearest(k, d, C, w.s);
	const { B, D, G, s, sums, counts } = w;
	let changed = 0;
	for (let i = 0; i < n; i++) {
		const a = labels[i];
		const bi = 2 * i;
		const lb = B[bi + 1] - G[a];
		const m = s[a] > lb ? s[a] : lb;
		if (B[bi] + D[a] <= m) continue;
		const xo = i * d;
		const ao = a * d;
		let u = 0;
		for (let t = 0; t < d; t++) {
			const v = X[xo + t] - C[ao + t];
			u += v * v;
		}
		u = Math.sqrt(u);
		B[bi] = u - D[a];
		if (u <= m) continue;
		let b1 = Infinity;
		let b2 = Infinity;
		let b = 0;
		for (let j = 0; j < k; j++) {
			let q = 0;
			const co = j * d;
			for (let t = 0; t < d; t++) {
				const v = X[xo + t] - C[co + t];
				q += v * v;
			}
			if (q < b1) {
				b2 = b1;
				b1 = q;
				b = j;
			} else if (q < b2) b2 = q;
		}
		B[bi] = Math.sqrt(b1) - D[b];
		B[bi + 1] = Math.sqrt(b2) + G[b];
		if (b !== a) {
			labels[i] = b;
			counts[a]--;
			counts[b]++;
			const bo = b * d;
			for (let t = 0; t < d; t++) {
				const x = X[xo + t];
				sums[ao + t] -= x;
				sums[bo + t] += x;
			}
			changed++;
		}
	}
	return changed;
}

/** hamerlyAssign for d = 3 (the RFM case), unrolled: same arithmetic, same result. */
function hamerlyAssign3(X: Float64Array, n: number, k: number, C: Float64Array, labels: Int32Array, w: Work): number {
	halfNearest(k, 3, C, w.s);
	const { B, D, G, s, sums, counts } = w;
	let changed = 0;
	for (let i = 0; i < n; i++) {
		const a = labels[i];
		const bi = 2 * i;
		const lb = B[bi + 1] - G[a];
		const sa = s[a];
		const m = sa > lb ? sa : lb;
		if (B[bi] + D[a] <= m) continue;
		const xo = i * 3;
		const x0 = X[xo];
		const x1 = X[xo + 1];
		const x2 = X[xo + 2];
		const ao = a * 3;
		let v0 = x0 - C[ao];
		let v1 = x1 - C[ao + 1];
		let v2 = x2 - C[ao + 2];
		const u = Math.sqrt(v0 * v0 + v1 * v1 + v2 * v2);
		B[bi] = u - D[a];
		if (u <= m) continue;
		let b1 = Infinity;
		let b2 = Infinity;
		let b = 0;
		for (let j = 0, co = 0; j < k; j++, co += 3) {
			v0 = x0 - C[co];
			v1 = x1 - C[co + 1];
			v2 = x2 - C[co + 2];
			const q = v0 * v0 + v1 * v1 + v2 * v2;
			if (q < b1) {
				b2 = b1;
				b1 = q;
				b = j;
			} else if (q < b2) b2 = q;
		}
		B[bi] = Math.sqrt(b1) - D[b];
		B[bi + 1] = Math.sqrt(b2) + G[b];
		if (b !== a) {
			labels[i] = b;
			counts[a]--;
			counts[b]++;
			const bo = b * 3;
			sums[ao] -= x0;
			sums[ao + 1] -= x1;
			sums[ao + 2] -= x2;
			sums[bo] += x0;
			sums[bo + 1] += x1;
			sums[bo + 2] += x2;
			changed++;
		}
	}
	return changed;
}

/** Lloyd assignment (every distance computed); returns how many labels changed. */
function lloydAssign(X: Float64Array, n: number, d: number, k: number, C: Float64Array, labels: Int32Array, w: Work): number {
	let changed = 0;
	w.sums.fill(0);
	w.counts.fill(0);
	for (let i = 0; i < n; i++) {
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
		w.counts[b]++;
		const so = b * d;
		for (let t = 0; t < d; t++) w.sums[so + t] += X[xo + t];
	}
	return changed;
}

/** One k-means run from the centres in C (updated in place); labels written in place. */
function runFrom(
	X: Float64Array,
	n: number,
	d: number,
	k: number,
	C: Float64Array,
	labels: Int32Array,
	maxIter: number,
	tolAbs: number,
	algorithm: 'hamerly' | 'lloyd',
	w: Work,
): KMeansRun {
	const hamerly = algorithm === 'hamerly';
	const assign = () =>
		hamerly
			? d === 3
				? hamerlyAssign3(X, n, k, C, labels, w)
				: hamerlyAssign(X, n, d, k, C, labels, w)
			: lloydAssign(X, n, d, k, C, labels, w);
	labels.fill(-1);
	if (hamerly) assignAll(X, n, d, k, C, labels, w);
	else lloydAssign(X, n, d, k, C, labels, w);
	let iterations = 0;
	let converged = false;
	let strict = false;
	while (iterations < maxIter) {
		moveCenters(k, d, C, w);
		if (w.counts.some((c) => c === 0)) repairEmpty(X, n, d, k, C, labels, w);
		const shift = shifts(k, d, C, w);
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
	let inertia = 0;
	for (let i = 0; i < n; i++) inertia += sqDist(X, i, C, labels[i], d);
	return { inertia, iterations, converged };
}

/** k-means with restarts; see the file comment for the guarantees. */
export function kmeans(X: Float64Array, n: number, d: number, options: KMeansOptions): KMeansResult {
	const requested = Math.floor(options.k);
	if (!(requested >= 1)) throw new RangeError(`k must be at least 1 (got ${options.k})`);
	if (n < requested) throw new RangeError(`k = ${requested} needs at least ${requested} points (got ${n})`);
	if (X.length < n * d) throw new RangeError('matrix is smaller than n × d');
	const nInit = options.initialCenters ? 1 : Math.max(1, Math.floor(options.nInit ?? 1));
	const maxIter = Math.max(1, Math.floor(options.maxIter ?? 300));
	const tol = options.tol ?? 1e-4;
	const seed = options.seed ?? 0;
	const algorithm = options.algorithm ?? 'hamerly';
	const tolAbs = tol * meanVariance(X, n, d);

	const runs: KMeansRun[] = [];
	let best: { C: Float64Array; labels: Int32Array; k: number; run: KMeansRun; index: number } | undefined;
	let C: Float64Array = new Float64Array(requested * d);
	let labels: Int32Array = new Int32Array(n);
	const works = new Map<number, Work>();
	const scratch: SeedScratch = { closest: new Float64Array(0), cum: new Float64Array(0) };
	for (let r = 0; r < nInit; r++) {
		let k = requested;
		if (options.initialCenters) {
			if (options.initialCenters.length !== requested * d) throw new RangeError('initialCenters must hold k × d values');
			C.set(options.initialCenters);
		} else {
			const rng = new Random(mixSeed(seed, requested, r));
			if (scratch.closest.length < n) {
				scratch.closest = new Float64Array(n);
				scratch.cum = new Float64Array(n);
			}
			k = kmeansPlusPlus(X, n, d, requested, rng, C, scratch);
		}
		let w = works.get(k);
		if (!w) {
			w = makeWork(n, d, k);
			works.set(k, w);
		}
		const Ck = k === requested ? C : C.subarray(0, k * d);
		const run = runFrom(X, n, d, k, Ck, labels, maxIter, tolAbs, algorithm, w);
		runs.push(run);
		if (!best || run.inertia < best.run.inertia) {
			const prev = best;
			best = { C, labels, k, run, index: r };
			// recycle the previous best's buffers for the next restart
			C = prev ? prev.C : new Float64Array(requested * d);
			labels = prev ? prev.labels : new Int32Array(n);
		}
	}
	const b = best as NonNullable<typeof best>;
	const k = b.k;
	const centers = b.C.slice(0, k * d);
	const distances = new Float64Array(n);
	const sizes = new Int32Array(k);
	for (let i = 0; i < n; i++) {
		const a = b.labels[i];
		sizes[a]++;
		distances[i] = Math.sqrt(sqDist(X, i, centers, a, d));
	}
	return {
		k,
		d,
		centers,
		labels: b.labels,
		distances,
		inertia: b.run.inertia,
		sizes,
		iterations: b.run.iterations,
		converged: b.run.converged,
		runs,
		bestRun: b.index,
	};
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
