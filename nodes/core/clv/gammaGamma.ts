/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves for
 * Customer Base Analysis"; Colombo & Jiang 1999). A customer's purchases are Gamma(p, ν) around
 * their own mean p/ν; ν varies over customers as Gamma(q, v). Fitted on the repeat customers'
 * average spend m̄ over x repeat purchases:
 *   ln L = ln Γ(px+q) - ln Γ(px) - ln Γ(q) + q ln v + px ln x + (px-1) ln m̄ - (px+q) ln(v + x m̄).
 * The likelihood is flat along a ridge (p, q, v can move together with almost the same fit), so the
 * per-customer expected spend is what is well determined, not p, q, v themselves.
 * Expected spend of a customer: E[M | x, m̄] = p (v + x m̄) / (p x + q - 1), a weighted average of
 * the population mean p v / (q - 1) and the customer's own m̄.
 */
import { minimize } from './optimize';
import { digamma, lnGamma } from './special';

export interface GammaGammaParams {
	p: number;
	q: number;
	v: number;
}

/** Repeat customers' x (> 0) and average spend m̄ (> 0), grouped by x for the constant terms. */
export interface SpendData {
	x: Float64Array;
	m: Float64Array;
	/** Distinct x values, customers with each, and Σ ln m̄ over them. */
	xs: Float64Array;
	nx: Float64Array;
	sumLnM: Float64Array;
	length: number;
}

export function spendData(x: ArrayLike<number>, m: ArrayLike<number>): SpendData {
	const n = x.length;
	// grouped by x in a Map (x values are few); Σ ln m̄ summed in input order
	const byX = new Map<number, { n: number; s: number }>();
	for (let i = 0; i < n; i++) {
		const g = byX.get(x[i]);
		if (g) {
			g.n++;
			g.s += Math.log(m[i]);
		} else byX.set(x[i], { n: 1, s: Math.log(m[i]) });
	}
	const keys = [...byX.keys()].sort((u, w) => u - w);
	return {
		x: Float64Array.from(x),
		m: Float64Array.from(m),
		xs: Float64Array.from(keys),
		nx: Float64Array.from(keys, (k) => (byX.get(k) as { n: number }).n),
		sumLnM: Float64Array.from(keys, (k) => (byX.get(k) as { s: number }).s),
		length: n,
	};
}

/** Log-likelihood summed over the customers; with `grad`, d lnL / d ln θ for θ = (p, q, v). */
export function gammaGammaLogLikelihood(params: GammaGammaParams, d: SpendData, grad?: Float64Array): number {
	const { p, q, v } = params;
	const lnV = Math.log(v);
	const lgq = lnGamma(q);
	const dgq = grad ? digamma(q) : 0;
	let ll = 0;
	let gp = 0;
	let gq = 0;
	let gv = 0;
	for (let j = 0; j < d.xs.length; j++) {
		const x = d.xs[j];
		const n = d.nx[j];
		const px = p * x;
		ll += n * (lnGamma(px + q) - lnGamma(px) - lgq + q * lnV + px * Math.log(x)) + (px - 1) * d.sumLnM[j];
		if (grad) {
			const dpq = digamma(px + q);
			gp += n * x * (dpq - digamma(px) + Math.log(x)) + x * d.sumLnM[j];
			gq += n * (dpq - dgq + lnV);
			gv += (n * q) / v;
		}
	}
	const { x, m } = d;
	for (let i = 0; i < d.length; i++) {
		const s = v + x[i] * m[i];
		const w = p * x[i] + q;
		const ls = Math.log(s);
		ll -= w * ls;
		if (grad) {
			gp -= x[i] * ls;
			gq -= ls;
			gv -= w / s;
		}
	}
	if (grad) {
		grad[0] = gp * p;
		grad[1] = gq * q;
		grad[2] = gv * v;
	}
	return ll;
}

export interface GammaGammaFit {
	params: GammaGammaParams;
	logLikelihood: number;
	iterations: number;
	converged: boolean;
}

/** Fit on log-parameters from a fixed start p = 1, q = 2, v = mean m̄ (population mean = mean m̄). */
export function fitGammaGamma(d: SpendData): GammaGammaFit {
	let meanM = 0;
	for (let i = 0; i < d.length; i++) meanM += d.m[i];
	meanM = d.length ? meanM / d.length : 1;
	const N = Math.max(d.length, 1);
	const fromLog = (t: ArrayLike<number>): GammaGammaParams => ({ p: Math.exp(t[0]), q: Math.exp(t[1]), v: Math.exp(t[2]) });
	const objective = (theta: Float64Array, grad: Float64Array) => {
		for (let i = 0; i < 3; i++) if (!(Math.abs(theta[i]) < 40)) return Infinity;
		const ll = gammaGammaLogLikelihood(fromLog(theta), d, grad);
		for (let i = 0; i < 3; i++) grad[i] = -grad[i] / N;
		return -ll / N;
	};
	const res = minimize(objective, [0, Math.log(2), Math.log(meanM)]);
	const params = fromLog(res.theta);
	return { params, logLikelihood: gammaGammaLogLikelihood(params, d), iterations: res.iterations, converged: res.converged };
}

/** Population mean spend p v / (q - 1); NaN when q ≤ 1 (the mean does not exist). */
export function populationMeanSpend(g: GammaGammaParams): number {
	return g.q > 1 ? (g.p * g.v) / (g.q - 1) : NaN;
}

/**
 * E[M | x, m̄]: x = 0 (or m̄ unknown) gives the population mean. A negative m̄ (refunds larger
 * than purchases) counts as 0.
 */
export function expectedSpend(g: GammaGammaParams, x: number, m: number): number {
	if (!(x > 0) || !Number.isFinite(m)) return populationMeanSpend(g);
	const den = g.p * x + g.q - 1;
	return den > 0 ? (g.p * (g.v + x * Math.max(m, 0))) / den : NaN;
}
