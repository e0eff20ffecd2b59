/**
 * What the Customer Value node emits: the `clv` group of one customer, the summary item, and the
 * reading of fixed parameters. Field names are stable (documented in docs/nodes/CustomerValue.md).
 */
import { DAY_MS, toIsoDate } from '../dates';
import { expectedPurchasesNewCustomer } from './bgnbd';
import { TIERS, type ClvModel, type ClvOptions, type ClvResult, type TimeUnit } from './clv';
import { ClvInputError, type ClvData } from './prepare';

export const NO_ORDERS = 'No Orders';
const AT_RISK = ' At Risk';

function round(v: number, digits: number): number {
	const f = 10 ** digits;
	return Math.round(v * f) / f;
}

const money = (v: number) => round(v, 4);
const prob = (v: number) => round(v, 6);
const dayIso = (d: number) => toIsoDate(d * DAY_MS);

/** The segment a customer gets: its tier, plus " At Risk" when its churn risk reaches the threshold. */
export function segmentName(tier: number, churnRisk: number, riskThreshold: number): string {
	return `${TIERS[tier]} Value${churnRisk >= riskThreshold ? AT_RISK : ''}`;
}

/** Every segment name in the order the docs list them. */
export const SEGMENT_NAMES: readonly string[] = TIERS.flatMap((t) => [`${t} Value`, `${t} Value${AT_RISK}`]);

/** The `clv` group of customer k. */
export function clvGroup(data: ClvData, res: ClvResult, o: ClvOptions, k: number): Record<string, unknown> {
	const c = res.columns;
	const pa = c.probabilityAlive[k];
	const x = data.x[k];
	const group: Record<string, unknown> = {
		expectedOrders: prob(c.expectedOrders[k]),
		probabilityAlive: prob(pa),
		churnRisk: prob(1 - prob(pa)),
		expectedOrderValue: money(c.expectedOrderValue[k]),
		predictedValue: money(c.predictedValue[k]),
		horizonDays: o.horizonDays,
		tier: TIERS[c.tier[k]],
		segment: segmentName(c.tier[k], 1 - pa, o.riskThreshold),
		atRisk: 1 - pa >= o.riskThreshold,
		spendEstimate: c.ownSpend[k] ? 'customer' : 'population',
		repeatPurchases: x,
		averageSpend: x > 0 && Number.isFinite(data.averageSpend[k]) ? money(data.averageSpend[k]) : null,
		firstPurchaseDate: dayIso(data.firstDay[k]),
		lastPurchaseDate: dayIso(data.lastDay[k]),
		daysFirstToLast: data.txDays[k],
		ageDays: data.TDays[k],
		currency: data.currency ?? null,
		calibrationEnd: dayIso(data.calibrationEndDay),
	};
	if (c.expectedHoldout && data.holdoutPurchases) {
		group.holdoutPurchases = data.holdoutPurchases[k];
		group.expectedHoldoutPurchases = prob(c.expectedHoldout[k]);
	}
	return group;
}

/** The `clv` group of a customer without orders (customers input): kept, not modelled. */
export function noOrdersGroup(o: ClvOptions, data: ClvData): Record<string, unknown> {
	return {
		expectedOrders: null,
		probabilityAlive: null,
		churnRisk: null,
		expectedOrderValue: null,
		predictedValue: null,
		horizonDays: o.horizonDays,
		tier: NO_ORDERS,
		segment: NO_ORDERS,
		atRisk: false,
		spendEstimate: null,
		repeatPurchases: null,
		averageSpend: null,
		firstPurchaseDate: null,
		lastPurchaseDate: null,
		daysFirstToLast: null,
		ageDays: null,
		currency: data.currency ?? null,
		calibrationEnd: data.count ? dayIso(data.calibrationEndDay) : null,
	};
}

function tierSummary(res: ClvResult, o: ClvOptions) {
	const c = res.columns;
	const rows = TIERS.map((tier) => ({ tier, customers: 0, share: 0, atRisk: 0, predictedValue: 0, expectedOrders: 0, minPredictedValue: Infinity, meanProbabilityAlive: 0 }));
	for (let k = 0; k < res.count; k++) {
		const t = rows[c.tier[k]];
		t.customers++;
		t.predictedValue += c.predictedValue[k];
		t.expectedOrders += c.expectedOrders[k];
		t.minPredictedValue = Math.min(t.minPredictedValue, c.predictedValue[k]);
		t.meanProbabilityAlive += c.probabilityAlive[k];
		if (1 - c.probabilityAlive[k] >= o.riskThreshold) t.atRisk++;
	}
	return rows.map((t) => ({
		...t,
		share: res.count ? round(t.customers / res.count, 6) : 0,
		predictedValue: money(t.predictedValue),
		expectedOrders: round(t.expectedOrders, 4),
		minPredictedValue: t.customers ? money(t.minPredictedValue) : null,
		meanProbabilityAlive: t.customers ? prob(t.meanProbabilityAlive / t.customers) : null,
	}));
}

/** The summary item: the model (pasteable as Fixed Parameters), the fit, totals, tiers, holdout check. */
export function summaryOf(data: ClvData, res: ClvResult, o: ClvOptions, extra: Record<string, unknown> = {}): Record<string, unknown> {
	let orders = 0;
	let value = 0;
	for (let k = 0; k < res.count; k++) {
		orders += res.columns.expectedOrders[k];
		value += res.columns.predictedValue[k];
	}
	const h = res.holdout;
	return {
		customers: res.count,
		repeatCustomers: res.repeatCustomers,
		model: res.model,
		source: res.source,
		fit: { ...res.fit, logLikelihood: round(res.fit.logLikelihood, 4), spendLogLikelihood: res.fit.spendLogLikelihood === null ? null : round(res.fit.spendLogLikelihood, 4) },
		calibrationEnd: dayIso(data.calibrationEndDay),
		unit: o.unit,
		horizonDays: o.horizonDays,
		monthlyDiscountRate: o.monthlyDiscountRate,
		currency: data.currency ?? null,
		expectedOrders: round(orders, 4),
		predictedValue: money(value),
		newCustomerExpectedOrders: prob(expectedPurchasesNewCustomer(res.model.bgnbd, o.horizonDays / (o.unit === 'weeks' ? 7 : 1))),
		populationMeanSpend: money(res.populationMeanSpend),
		spendCustomers: res.spendCustomers,
		frequencySpendCorrelation: res.frequencySpendCorrelation === null ? null : round(res.frequencySpendCorrelation, 4),
		tiers: tierSummary(res, o),
		holdout: h
			? {
					...h,
					expectedPurchases: round(h.expectedPurchases, 4),
					byCalibrationFrequency: h.byCalibrationFrequency.map((g) => ({ ...g, actualMean: round(g.actualMean, 6), expectedMean: round(g.expectedMean, 6) })),
				}
			: null,
		patterns: res.patterns,
		skipped: data.skipped,
		fields: data.fields,
		warnings: res.warnings,
		...extra,
	};
}

const FIXED_HELP =
	'Paste the "model" field of an earlier run\'s summary item, e.g. {"unit": "weeks", "bgnbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, "gammaGamma": {"p": 6.25, "q": 3.74, "v": 15.44}}';

function positive(obj: Record<string, unknown>, key: string, where: string): number {
	const v = typeof obj[key] === 'string' ? Number(obj[key]) : obj[key];
	if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
		throw new ClvInputError(`Fixed Parameters: "${where}${key}" must be a number above 0 (got ${JSON.stringify(obj[key]) ?? 'nothing'})`, undefined, FIXED_HELP);
	return v;
}

/**
 * Reads Fixed Parameters: the summary's `model` object (or the whole summary item), as an object or
 * JSON text. The unit is required: α depends on it (α in days = 7 × α in weeks).
 */
export function parseFixedModel(value: unknown): ClvModel {
	let v = value;
	if (v === undefined || v === null || (typeof v === 'string' && v.trim() === ''))
		throw new ClvInputError('Fixed Parameters is empty', undefined, FIXED_HELP);
	if (typeof v === 'string') {
		try {
			v = JSON.parse(v);
		} catch {
			throw new ClvInputError('Fixed Parameters is not valid JSON', undefined, FIXED_HELP);
		}
	}
	if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ClvInputError('Fixed Parameters must be an object', undefined, FIXED_HELP);
	let o = v as Record<string, unknown>;
	if (o.model && typeof o.model === 'object') o = o.model as Record<string, unknown>;
	const unit = o.unit;
	if (unit !== 'days' && unit !== 'weeks')
		throw new ClvInputError('Fixed Parameters: "unit" must be "days" or "weeks" (the time unit α was fitted in)', undefined, FIXED_HELP);
	const bg = o.bgnbd;
	const gg = o.gammaGamma;
	if (!bg || typeof bg !== 'object') throw new ClvInputError('Fixed Parameters: "bgnbd" (r, alpha, a, b) is missing', undefined, FIXED_HELP);
	if (!gg || typeof gg !== 'object') throw new ClvInputError('Fixed Parameters: "gammaGamma" (p, q, v) is missing', undefined, FIXED_HELP);
	const b = bg as Record<string, unknown>;
	const g = gg as Record<string, unknown>;
	return {
		unit: unit as TimeUnit,
		bgnbd: { r: positive(b, 'r', 'bgnbd.'), alpha: positive(b, 'alpha', 'bgnbd.'), a: positive(b, 'a', 'bgnbd.'), b: positive(b, 'b', 'bgnbd.') },
		gammaGamma: { p: positive(g, 'p', 'gammaGamma.'), q: positive(g, 'q', 'gammaGamma.'), v: positive(g, 'v', 'gammaGamma.') },
	};
}
