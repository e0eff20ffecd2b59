/**
 * BG/NBD purchase model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way").
 * A customer buys at rate λ while alive (Poisson; λ ~ Gamma(r, α) over customers) and after each
 * purchase drops out with probability p (p ~ Beta(a, b)). Inputs per customer: x repeat purchases,
 * t_x time of the last purchase and T age, both measured from the first purchase, in the model's
 * time unit. Everything here works on customers collapsed into distinct (x, t_x, T) patterns.
 *
 * Times are whole days (every purchase is a calendar day) divided by `unitDays` (1 or 7).
 * x is a whole number: lnΓ(r+x) - lnΓ(r) = Σ_{k<x} ln(r+k) and its digamma counterparts are exact
 * sums built once per likelihood evaluation for x = 0..max x (no special function needed).
 */
import { minimize } from './optimize';
import { bgnbdGrowth } from './special';

export interface BgnbdParams {
	r: number;
	alpha: number;
	a: number;
	b: number;
}

/** Customers collapsed into distinct (x, t_x, T), sorted by x, then T, then t_x. */
export interface Patterns {
	x: Int32Array;
	txDays: Int32Array;
	TDays: Int32Array;
	/** Customers with this pattern. */
	count: Float64Array;
	length: number;
	/** Pattern of each customer. */
	patternOf: Int32Array;
	maxX: number;
	maxDays: number;
	customers: number;
}

/**
 * One stable counting-sort pass: returns `key` sorted (values 0..range-1) and each `carry` array
 * moved along with it. Keys and carried values are read in order and only written scattered, which
 * keeps the pass memory-friendly on large inputs.
 */
function radixPass(key: Int32Array, range: number, carry: Int32Array[]): { key: Int32Array; carry: Int32Array[] } {
	const n = key.length;
	const counts = new Int32Array(range + 1);
	for (let i = 0; i < n; i++) counts[key[i] + 1]++;
	for (let v = 0; v < range; v++) counts[v + 1] += counts[v];
	const outKey = new Int32Array(n);
	const out = carry.map(() => new Int32Array(n));
	const [c0, c1, c2] = carry;
	const [o0, o1, o2] = out;
	for (let i = 0; i < n; i++) {
		const k = key[i];
		const j = counts[k]++;
		outKey[j] = k;
		o0[j] = c0[i];
		if (c1) o1[j] = c1[i];
		if (c2) o2[j] = c2[i];
	}
	return { key: outKey, carry: out };
}

/** Triangular (T, t_x) index sets above this size are sorted in two passes instead of one. */
const MAX_TRIANGLE = 1 << 22;

/**
 * Customers sorted by x, then T, then t_x (stable): returns the customer order and the sorted
 * x, T, t_x. (T, t_x) go in one pass through the triangular index T (T+1) / 2 + t_x when the range
 * is small enough (t_x ≤ T), else in two.
 */
function sortCustomers(x: ArrayLike<number>, txDays: ArrayLike<number>, TDays: ArrayLike<number>, maxX: number, maxDays: number) {
	const n = x.length;
	const ord = new Int32Array(n);
	const xs = Int32Array.from(x);
	for (let i = 0; i < n; i++) ord[i] = i;
	const triangle = ((maxDays + 1) * (maxDays + 2)) / 2;
	let T: Int32Array;
	let tx: Int32Array;
	let sorted: { key: Int32Array; carry: Int32Array[] };
	if (triangle <= MAX_TRIANGLE) {
		const tri = new Int32Array(n);
		for (let i = 0; i < n; i++) tri[i] = (TDays[i] * (TDays[i] + 1)) / 2 + txDays[i];
		sorted = radixPass(tri, triangle, [ord, xs]);
		sorted = radixPass(sorted.carry[1], maxX + 1, [sorted.carry[0], sorted.key]);
		T = new Int32Array(n);
		tx = new Int32Array(n);
		const triSorted = sorted.carry[1];
		for (let j = 0; j < n; j++) {
			const k = triSorted[j];
			// T from the triangular index: the largest T with T (T+1) / 2 ≤ k
			let t = Math.floor((Math.sqrt(8 * k + 1) - 1) / 2);
			while ((t * (t + 1)) / 2 > k) t--;
			while (((t + 1) * (t + 2)) / 2 <= k) t++;
			T[j] = t;
			tx[j] = k - (t * (t + 1)) / 2;
		}
	} else {
		sorted = radixPass(Int32Array.from(txDays), maxDays + 1, [ord, xs, Int32Array.from(TDays)]);
		sorted = radixPass(sorted.carry[2], maxDays + 1, [sorted.carry[0], sorted.carry[1], sorted.key]);
		sorted = radixPass(sorted.carry[1], maxX + 1, [sorted.carry[0], sorted.key, sorted.carry[2]]);
		T = sorted.carry[1];
		tx = sorted.carry[2];
	}
	return { ord: sorted.carry[0], x: sorted.key, T, tx };
}

/** Groups customers into distinct patterns, sorted by x, then T, then t_x. */
export function collapse(x: ArrayLike<number>, txDays: ArrayLike<number>, TDays: ArrayLike<number>): Patterns {
	const n = x.length;
	let maxX = 0;
	let maxDays = 0;
	for (let i = 0; i < n; i++) {
		if (x[i] > maxX) maxX = x[i];
		if (TDays[i] > maxDays) maxDays = TDays[i];
	}
	const s = sortCustomers(x, txDays, TDays, maxX, maxDays);
	const px = new Int32Array(n);
	const ptx = new Int32Array(n);
	const pT = new Int32Array(n);
	const pc = new Float64Array(n);
	const patternOf = new Int32Array(n);
	let m = -1;
	for (let j = 0; j < n; j++) {
		if (m < 0 || s.x[j] !== px[m] || s.T[j] !== pT[m] || s.tx[j] !== ptx[m]) {
			m++;
			px[m] = s.x[j];
			ptx[m] = s.tx[j];
			pT[m] = s.T[j];
		}
		pc[m]++;
		patternOf[s.ord[j]] = m;
	}
	return {
		x: px.slice(0, m + 1),
		txDays: ptx.slice(0, m + 1),
		TDays: pT.slice(0, m + 1),
		count: pc.slice(0, m + 1),
		length: m + 1,
		patternOf,
		maxX,
		maxDays,
		customers: n,
	};
}

/** Per-evaluation tables: sums over k < x, the x-only terms, and ln(α + d / unitDays) for every day d. */
interface Tables {
	/** Σ_{k<x} ln(r+k) + ln(b+k) - ln(a+b+k) + r ln α: the terms of a pattern that depend on x only. */
	base: Float64Array;
	/** ln a - ln(b+x-1) (x ≥ 1). */
	lnB1: Float64Array;
	lnA: Float64Array;
	/** Gradient tables: d base / d(r, a, b), 1/(b+x-1), 1/(α + d/unitDays). */
	digR: Float64Array;
	digBa: Float64Array;
	digBb: Float64Array;
	invB1: Float64Array;
	invA: Float64Array;
}

function tables(p: BgnbdParams, maxX: number, maxDays: number, unitDays: number, withGradient: boolean): Tables {
	const { r, alpha, a, b } = p;
	const g = withGradient ? maxX + 1 : 0;
	const t: Tables = {
		base: new Float64Array(maxX + 1),
		lnB1: new Float64Array(maxX + 1),
		lnA: new Float64Array(maxDays + 1),
		digR: new Float64Array(g),
		digBa: new Float64Array(g),
		digBb: new Float64Array(g),
		invB1: new Float64Array(g),
		invA: new Float64Array(withGradient ? maxDays + 1 : 0),
	};
	const lnAlpha = Math.log(alpha);
	const lnSmallA = Math.log(a);
	let sum = 0;
	for (let k = 0; k <= maxX; k++) {
		t.base[k] = sum + r * lnAlpha;
		if (k > 0) t.lnB1[k] = lnSmallA - Math.log(b + k - 1);
		if (withGradient) {
			if (k > 0) {
				t.digR[k] = t.digR[k - 1] + 1 / (r + k - 1);
				t.digBa[k] = t.digBa[k - 1] - 1 / (a + b + k - 1);
				t.digBb[k] = t.digBb[k - 1] + 1 / (b + k - 1) - 1 / (a + b + k - 1);
				t.invB1[k] = 1 / (b + k - 1);
			}
		}
		sum += Math.log(r + k) + Math.log(b + k) - Math.log(a + b + k);
	}
	for (let d = 0; d <= maxDays; d++) {
		const v = alpha + d / unitDays;
		t.lnA[d] = Math.log(v);
		if (withGradient) t.invA[d] = 1 / v;
	}
	return t;
}

/**
 * Σ ln L over the patterns. A pattern's likelihood in log-sum-exp form:
 *   ln L = base(x) + e3 + ln(1 + exp(e4 - e3)),  e3 = -(r+x) ln(α+T),
 *   e4 = ln a - ln(b+x-1) - (r+x) ln(α+t_x)  (x > 0 only).
 * ln(1 + e) with e = exp(-|e4 - e3|) ≤ 1 loses nothing that matters against log1p here: its
 * absolute error is below 2e-16.
 */
function sumLogLikelihood(t: Tables, pat: Patterns, r: number): number {
	const { base, lnB1, lnA } = t;
	const { x, txDays, TDays, count } = pat;
	let ll = 0;
	for (let i = 0; i < pat.length; i++) {
		const xi = x[i];
		const rx = r + xi;
		const e3 = -rx * lnA[TDays[i]];
		let li = e3;
		if (xi > 0) {
			const d = lnB1[xi] - rx * lnA[txDays[i]] - e3;
			li = d > 0 ? e3 + d + Math.log(1 + Math.exp(-d)) : e3 + Math.log(1 + Math.exp(d));
		}
		ll += count[i] * (base[xi] + li);
	}
	return ll;
}

/** The same sum and its gradient with respect to (r, α, a, b), written into grad. */
function sumWithGradient(t: Tables, pat: Patterns, p: BgnbdParams, grad: Float64Array): number {
	const { r, alpha, a } = p;
	const { base, lnB1, lnA, digR, digBa, digBb, invB1, invA } = t;
	const { x, txDays, TDays, count } = pat;
	const lnAlpha = Math.log(alpha);
	let ll = 0;
	let gr = 0;
	let gAlpha = 0;
	let ga = 0;
	let gb = 0;
	for (let i = 0; i < pat.length; i++) {
		const xi = x[i];
		const n = count[i];
		const rx = r + xi;
		const T = TDays[i];
		const lT = lnA[T];
		const e3 = -rx * lT;
		let li = e3;
		let w = 0;
		let lt = 0;
		let it = 0;
		if (xi > 0) {
			lt = lnA[txDays[i]];
			it = invA[txDays[i]];
			const d = lnB1[xi] - rx * lt - e3;
			const e = Math.exp(-Math.abs(d));
			li = (d > 0 ? e3 + d : e3) + Math.log(1 + e);
			w = d > 0 ? 1 / (1 + e) : e / (1 + e);
		}
		ll += n * (base[xi] + li);
		gr += n * (digR[xi] + lnAlpha - (1 - w) * lT - w * lt);
		gAlpha += n * (r / alpha - rx * ((1 - w) * invA[T] + w * it));
		ga += n * (digBa[xi] + w / a);
		gb += n * (digBb[xi] - w * invB1[xi]);
	}
	grad[0] = gr;
	grad[1] = gAlpha;
	grad[2] = ga;
	grad[3] = gb;
	return ll;
}

/**
 * Log-likelihood (FHL 2005 eq. 6) summed over the patterns:
 *   ln L = ln Γ(r+x) - ln Γ(r) + r ln α + ln B(a, b+x) - ln B(a, b)
 *          + ln( (α+T)^-(r+x) + [x>0] a/(b+x-1) (α+t_x)^-(r+x) ).
 * With `grad`, writes d lnL / d ln θ for θ = (r, α, a, b).
 */
export function bgnbdLogLikelihood(p: BgnbdParams, pat: Patterns, unitDays: number, grad?: Float64Array): number {
	const t = tables(p, pat.maxX, pat.maxDays, unitDays, grad !== undefined);
	if (!grad) return sumLogLikelihood(t, pat, p.r);
	const ll = sumWithGradient(t, pat, p, grad);
	grad[0] *= p.r;
	grad[1] *= p.alpha;
	grad[2] *= p.a;
	grad[3] *= p.b;
	return ll;
}

export interface BgnbdFit {
	params: BgnbdParams;
	logLikelihood: number;
	iterations: number;
	converged: boolean;
}

const fromLog = (theta: ArrayLike<number>): BgnbdParams => ({
	r: Math.exp(theta[0]),
	alpha: Math.exp(theta[1]),
	a: Math.exp(theta[2]),
	b: Math.exp(theta[3]),
});

/**
 * Maximum-likelihood fit on log-parameters from a fixed start: r = a = b = 1 and α = the customers'
 * mean age T (so that the path, and the fitted r, a, b, do not depend on the time unit).
 */
export function fitBgnbd(pat: Patterns, unitDays: number): BgnbdFit {
	let meanT = 0;
	for (let i = 0; i < pat.length; i++) meanT += pat.count[i] * pat.TDays[i];
	meanT = Math.max(meanT / Math.max(pat.customers, 1) / unitDays, 1 / unitDays);
	const N = Math.max(pat.customers, 1);
	const objective = (theta: Float64Array, grad: Float64Array) => {
		for (let i = 0; i < 4; i++) if (!(Math.abs(theta[i]) < 30)) return Infinity;
		const ll = bgnbdLogLikelihood(fromLog(theta), pat, unitDays, grad);
		for (let i = 0; i < 4; i++) grad[i] = -grad[i] / N;
		return -ll / N;
	};
	const res = minimize(objective, [0, Math.log(meanT), 0, 0]);
	const params = fromLog(res.theta);
	return { params, logLikelihood: bgnbdLogLikelihood(params, pat, unitDays), iterations: res.iterations, converged: res.converged };
}

/** P(alive | x, t_x, T) = 1 / (1 + [x>0] a/(b+x-1) ((α+T)/(α+t_x))^(r+x)), from its logarithm. */
export function probabilityAlive(p: BgnbdParams, x: number, tx: number, T: number): number {
	if (x === 0) return 1;
	const s = Math.log(p.a) - Math.log(p.b + x - 1) + (p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + tx));
	return s > 0 ? Math.exp(-s) / (1 + Math.exp(-s)) : 1 / (1 + Math.exp(s));
}

/** P(alive) of every pattern, with the logarithms taken once per x and per day (tables). */
export function aliveByPattern(p: BgnbdParams, pat: Patterns, unitDays: number): Float64Array {
	const { lnB1, lnA } = tables(p, pat.maxX, pat.maxDays, unitDays, false);
	const out = new Float64Array(pat.length);
	for (let i = 0; i < pat.length; i++) {
		const x = pat.x[i];
		if (x === 0) {
			out[i] = 1;
			continue;
		}
		const s = lnB1[x] + (p.r + x) * (lnA[pat.TDays[i]] - lnA[pat.txDays[i]]);
		out[i] = s > 0 ? Math.exp(-s) / (1 + Math.exp(-s)) : 1 / (1 + Math.exp(s));
	}
	return out;
}

/** E[Y(t) | x, t_x, T] divided by P(alive): the expected purchases in (T, T + t] of a customer alive at T. */
export function growth(p: BgnbdParams, x: number, T: number, t: number): number {
	if (t <= 0) return 0;
	const lnOneMinusZ = -Math.log1p(t / (p.alpha + T));
	const z = -Math.expm1(lnOneMinusZ);
	return bgnbdGrowth(p.r, p.a, p.b, x, z, lnOneMinusZ);
}

/** E[Y(t) | x, t_x, T] (FHL 2005 eq. 10): expected purchases in the next t time units. */
export function expectedPurchases(p: BgnbdParams, x: number, tx: number, T: number, t: number): number {
	return probabilityAlive(p, x, tx, T) * growth(p, x, T, t);
}

/** E[X(t)] for a customer who just made a first purchase (FHL 2005 eq. 9). */
export function expectedPurchasesNewCustomer(p: BgnbdParams, t: number): number {
	return growth(p, 0, 0, t);
}
