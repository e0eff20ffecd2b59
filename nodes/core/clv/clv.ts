/**
 * Customer Value: BG/NBD + Gamma-Gamma on prepared customers (prepare.ts), fitted or with fixed
 * parameters, scored per customer, tiered, and checked against a holdout period when there is one.
 *
 * Units: the model's time unit is days or weeks (it only changes α: α in days = 7 × α in weeks;
 * r, a, b and every prediction stay the same). The horizon is in days whatever the unit.
 * Discounted value over the horizon H (days), in monthly steps of one average month
 * M = 365.25 / 12 days, the last step shorter:
 *   t_k = min(k M, H),  value = E[spend] × Σ_k (E[Y(t_k)] - E[Y(t_{k-1})]) / (1 + d)^(t_k / M),
 * with d the monthly discount rate: purchases expected in month k are discounted to today from the
 * end of that month.
 */
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- runtime dependency of this package: Floyd-Rivest selection for the tier thresholds
import { quickselect } from 'simple-statistics';
import { aliveByPattern, bgnbdLogLikelihood, collapse, fitBgnbd, growth, type BgnbdParams, type Patterns } from './bgnbd';
import { expectedSpend, fitGammaGamma, gammaGammaLogLikelihood, populationMeanSpend, spendData, type GammaGammaParams } from './gammaGamma';
import { ClvInputError, type ClvData } from './prepare';

export const MONTH_DAYS = 365.25 / 12;
export type TimeUnit = 'days' | 'weeks';
export const TIERS = ['High', 'Medium', 'Low'] as const;
export type Tier = (typeof TIERS)[number];

/** Fitted (or given) parameters, in the shape Fixed Parameters accepts back. */
export interface ClvModel {
	unit: TimeUnit;
	bgnbd: BgnbdParams;
	gammaGamma: GammaGammaParams;
}

export interface ClvOptions {
	unit: TimeUnit;
	horizonDays: number;
	/** Monthly discount rate as a fraction (0.01 = 1 %). */
	monthlyDiscountRate: number;
	minRepeatCustomers: number;
	/** Use these parameters instead of fitting. */
	fixed?: ClvModel;
	/** Shares of customers in the High and Medium tiers (fractions; the rest is Low). */
	highShare: number;
	mediumShare: number;
	/** Churn risk at or above which a customer is "At Risk". */
	riskThreshold: number;
}

export interface HoldoutCheck {
	days: number;
	customers: number;
	actualPurchases: number;
	expectedPurchases: number;
	byCalibrationFrequency: { repeatPurchases: string; customers: number; actualMean: number; expectedMean: number }[];
}

export interface ClvResult {
	count: number;
	model: ClvModel;
	source: 'fitted' | 'fixed';
	fit: {
		logLikelihood: number;
		iterations: number | null;
		converged: boolean | null;
		spendLogLikelihood: number | null;
		spendIterations: number | null;
		spendConverged: boolean | null;
	};
	columns: {
		probabilityAlive: Float64Array;
		expectedOrders: Float64Array;
		expectedOrderValue: Float64Array;
		/** 1 when the spend estimate uses the customer's own repeat purchases. */
		ownSpend: Uint8Array;
		predictedValue: Float64Array;
		tier: Uint8Array;
		expectedHoldout: Float64Array | null;
	};
	patterns: number;
	repeatCustomers: number;
	spendCustomers: number;
	populationMeanSpend: number;
	frequencySpendCorrelation: number | null;
	tierThresholds: { high: number; medium: number };
	holdout: HoldoutCheck | null;
	warnings: string[];
}

export function unitDaysOf(unit: TimeUnit): number {
	return unit === 'weeks' ? 7 : 1;
}

/** The same parameters in another time unit (only α changes). */
export function convertModel(m: ClvModel, unit: TimeUnit): ClvModel {
	const f = unitDaysOf(m.unit) / unitDaysOf(unit);
	return { unit, bgnbd: { ...m.bgnbd, alpha: m.bgnbd.alpha * f }, gammaGamma: { ...m.gammaGamma } };
}

/** (x, T) pairs of consecutive patterns (patterns are sorted by x, then T). */
function pairsOf(pat: Patterns): { pairOf: Int32Array; first: number[] } {
	const pairOf = new Int32Array(pat.length);
	const first: number[] = [];
	for (let i = 0; i < pat.length; i++) {
		if (i === 0 || pat.x[i] !== pat.x[i - 1] || pat.TDays[i] !== pat.TDays[i - 1]) first.push(i);
		pairOf[i] = first.length - 1;
	}
	return { pairOf, first };
}

/**
 * Per (x, T): expected purchases of a customer alive at T over the horizon, their discounted sum,
 * and over the holdout (all still to be multiplied by P(alive)).
 */
function pairGrowth(p: BgnbdParams, pat: Patterns, first: number[], unitDays: number, o: ClvOptions, holdoutDays: number) {
	const H = o.horizonDays;
	const steps: { t: number; w: number }[] = [];
	for (let k = 1; H > 0; k++) {
		const t = Math.min(k * MONTH_DAYS, H);
		steps.push({ t: t / unitDays, w: Math.pow(1 + o.monthlyDiscountRate, -t / MONTH_DAYS) });
		if (t >= H) break;
	}
	const horizon = new Float64Array(first.length);
	const discounted = new Float64Array(first.length);
	const hold = holdoutDays > 0 ? new Float64Array(first.length) : null;
	for (let j = 0; j < first.length; j++) {
		const x = pat.x[first[j]];
		const T = pat.TDays[first[j]] / unitDays;
		let prev = 0;
		let sum = 0;
		for (const s of steps) {
			const g = growth(p, x, T, s.t);
			sum += (g - prev) * s.w;
			prev = g;
		}
		horizon[j] = prev;
		discounted[j] = sum;
		if (hold) hold[j] = growth(p, x, T, holdoutDays / unitDays);
	}
	return { horizon, discounted, hold };
}

function pearson(u: Float64Array, v: Float64Array): number | null {
	const n = u.length;
	if (n < 3) return null;
	let mu = 0;
	let mv = 0;
	for (let i = 0; i < n; i++) {
		mu += u[i];
		mv += v[i];
	}
	mu /= n;
	mv /= n;
	let suv = 0;
	let suu = 0;
	let svv = 0;
	for (let i = 0; i < n; i++) {
		suv += (u[i] - mu) * (v[i] - mv);
		suu += (u[i] - mu) ** 2;
		svv += (v[i] - mv) ** 2;
	}
	return suu > 0 && svv > 0 ? suv / Math.sqrt(suu * svv) : null;
}

/**
 * Tiers by predicted value: High holds the top `highShare` of customers, Medium the next
 * `mediumShare`, the rest is Low. The cut values are the k-th largest values (Floyd-Rivest
 * selection); equal values always share a tier (ties at a cut go up).
 */
function assignTiers(value: Float64Array, o: ClvOptions) {
	const n = value.length;
	const kHigh = Math.ceil(n * o.highShare - 1e-9);
	const kMedium = Math.ceil(n * (o.highShare + o.mediumShare) - 1e-9);
	const work = Float64Array.from(value);
	// the k-th largest is the (n - k)-th smallest (0-based)
	const cut = (k: number) => {
		if (k <= 0 || n === 0) return Infinity;
		const at = n - Math.min(k, n);
		quickselect(work as unknown as number[], at);
		return work[at];
	};
	const high = cut(kHigh);
	const medium = cut(kMedium);
	const tier = new Uint8Array(n);
	for (let k = 0; k < n; k++) tier[k] = value[k] >= high ? 0 : value[k] >= medium ? 1 : 2;
	return { tier, thresholds: { high, medium } };
}

function holdoutCheck(data: ClvData, expected: Float64Array, actual: Int32Array): HoldoutCheck {
	const groups = Array.from({ length: 8 }, () => ({ customers: 0, actual: 0, expected: 0 }));
	let a = 0;
	let e = 0;
	for (let k = 0; k < data.count; k++) {
		const g = groups[Math.min(data.x[k], 7)];
		g.customers++;
		g.actual += actual[k];
		g.expected += expected[k];
		a += actual[k];
		e += expected[k];
	}
	return {
		days: data.holdoutDays,
		customers: data.count,
		actualPurchases: a,
		expectedPurchases: e,
		byCalibrationFrequency: groups.map((g, i) => ({
			repeatPurchases: i < 7 ? String(i) : '7+',
			customers: g.customers,
			actualMean: g.customers ? g.actual / g.customers : 0,
			expectedMean: g.customers ? g.expected / g.customers : 0,
		})),
	};
}

/** Fitted or fixed parameters and the fit's figures. */
function modelFor(data: ClvData, pat: Patterns, spend: ReturnType<typeof spendData>, o: ClvOptions, repeat: number) {
	const unitDays = unitDaysOf(o.unit);
	if (o.fixed) {
		const model = convertModel(o.fixed, o.unit);
		const fit: ClvResult['fit'] = {
			logLikelihood: bgnbdLogLikelihood(model.bgnbd, pat, unitDays),
			iterations: null,
			converged: null,
			spendLogLikelihood: spend.length ? gammaGammaLogLikelihood(model.gammaGamma, spend) : null,
			spendIterations: null,
			spendConverged: null,
		};
		return { model, fit, source: 'fixed' as const };
	}
	if (repeat < o.minRepeatCustomers)
		throw new ClvInputError(
			`Only ${repeat} of ${data.count} customers bought again on a later day before the calibration end; fitting the model needs at least ${o.minRepeatCustomers} (Minimum Repeat Customers)`,
			undefined,
			'Use a longer order history or a later calibration end, lower "Minimum Repeat Customers" (less reliable predictions), or use fixed parameters from an earlier fit.',
		);
	if (spend.length === 0)
		throw new ClvInputError('No repeat customer has a positive average spend: the spend model cannot be fitted', undefined, 'Check the amount field, or use fixed parameters from an earlier fit.');
	const b = fitBgnbd(pat, unitDays);
	const g = fitGammaGamma(spend);
	const fit: ClvResult['fit'] = {
		logLikelihood: b.logLikelihood,
		iterations: b.iterations,
		converged: b.converged,
		spendLogLikelihood: g.logLikelihood,
		spendIterations: g.iterations,
		spendConverged: g.converged,
	};
	return { model: { unit: o.unit, bgnbd: b.params, gammaGamma: g.params }, fit, source: 'fitted' as const };
}

/** Repeat customers with a positive average spend: the spend model's data. */
function spendOf(data: ClvData) {
	let repeat = 0;
	let positive = 0;
	for (let k = 0; k < data.count; k++)
		if (data.x[k] > 0) {
			repeat++;
			if (data.averageSpend[k] > 0) positive++;
		}
	const xs = new Float64Array(positive);
	const ms = new Float64Array(positive);
	for (let k = 0, j = 0; k < data.count; k++)
		if (data.x[k] > 0 && data.averageSpend[k] > 0) {
			xs[j] = data.x[k];
			ms[j++] = data.averageSpend[k];
		}
	return { spend: spendData(xs, ms), repeat };
}

function fitWarnings(fit: ClvResult['fit'], spendMean: number, corr: number | null, nonPositive: number): string[] {
	const w: string[] = [];
	if (fit.converged === false) w.push('The purchase model fit stopped before converging: treat its predictions with care');
	if (fit.spendConverged === false) w.push('The spend model fit stopped before converging: treat expected order values with care');
	if (!Number.isFinite(spendMean))
		w.push('The spend model has no finite population mean (q ≤ 1): customers without repeat purchases get the mean of the repeat customers\' average spend instead');
	if (corr !== null && Math.abs(corr) > 0.3)
		w.push(`Average spend and number of purchases are correlated (${corr.toFixed(2)}); the spend model assumes they are not, so expected order values may be biased`);
	if (nonPositive) w.push(`${nonPositive} repeat customer(s) with an average spend of zero or less were left out of the spend fit`);
	return w;
}

/** Fits (or takes) the models and scores every prepared customer. */
export function modelCustomerValue(data: ClvData, o: ClvOptions): ClvResult {
	const n = data.count;
	const unitDays = unitDaysOf(o.unit);
	const pat = collapse(data.x.subarray(0, n), data.txDays.subarray(0, n), data.TDays.subarray(0, n));
	const { spend, repeat } = spendOf(data);
	const { model, fit, source } = modelFor(data, pat, spend, o, repeat);
	const p = model.bgnbd;
	let spendMean = populationMeanSpend(model.gammaGamma);
	const corr = pearson(spend.x, spend.m);
	const warnings = fitWarnings(fit, spendMean, corr, repeat - spend.length);
	if (!Number.isFinite(spendMean)) {
		let s = 0;
		for (let i = 0; i < spend.length; i++) s += spend.m[i];
		spendMean = spend.length ? s / spend.length : 0;
	}

	const { pairOf, first } = pairsOf(pat);
	const grow = pairGrowth(p, pat, first, unitDays, o, data.holdoutPurchases ? data.holdoutDays : 0);
	const alive = aliveByPattern(p, pat, unitDays);

	const col: ClvResult['columns'] = {
		probabilityAlive: new Float64Array(n),
		expectedOrders: new Float64Array(n),
		expectedOrderValue: new Float64Array(n),
		ownSpend: new Uint8Array(n),
		predictedValue: new Float64Array(n),
		tier: new Uint8Array(n),
		expectedHoldout: grow.hold ? new Float64Array(n) : null,
	};
	for (let k = 0; k < n; k++) {
		const i = pat.patternOf[k];
		const j = pairOf[i];
		const pa = alive[i];
		const x = data.x[k];
		const own = x > 0 && Number.isFinite(data.averageSpend[k]);
		const e = own ? expectedSpend(model.gammaGamma, x, data.averageSpend[k]) : spendMean;
		col.probabilityAlive[k] = pa;
		col.expectedOrders[k] = pa * grow.horizon[j];
		col.expectedOrderValue[k] = e;
		col.ownSpend[k] = own ? 1 : 0;
		col.predictedValue[k] = e * pa * grow.discounted[j];
		if (col.expectedHoldout && grow.hold) col.expectedHoldout[k] = pa * grow.hold[j];
	}
	const tiers = assignTiers(col.predictedValue, o);
	col.tier = tiers.tier;
	return {
		count: n,
		model,
		source,
		fit,
		columns: col,
		patterns: pat.length,
		repeatCustomers: repeat,
		spendCustomers: spend.length,
		populationMeanSpend: spendMean,
		frequencySpendCorrelation: corr,
		tierThresholds: tiers.thresholds,
		holdout: col.expectedHoldout && data.holdoutPurchases ? holdoutCheck(data, col.expectedHoldout, data.holdoutPurchases) : null,
		warnings,
	};
}
