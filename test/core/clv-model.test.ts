/**
 * Customer Value core rules that the CDNOW figures do not reach: the optimizer, the pattern
 * collapse (both sort paths), gradients, tiers and ties, discounting, the spend-model fallbacks,
 * the preparation of orders (refunds, holdout) and of customers.
 */
import { minimize } from '../../nodes/core/clv/optimize';
import { bgnbdLogLikelihood, collapse, expectedPurchases, growth, probabilityAlive, type BgnbdParams } from '../../nodes/core/clv/bgnbd';
import { gammaGammaLogLikelihood, spendData } from '../../nodes/core/clv/gammaGamma';
import { modelCustomerValue, MONTH_DAYS, type ClvOptions } from '../../nodes/core/clv/clv';
import { prepareOrders, type ClvData } from '../../nodes/core/clv/prepare';
import { extractOrders } from '../../nodes/core/rfm/rfm';
import { parseFixedModel, segmentName, SEGMENT_NAMES } from '../../nodes/core/clv/output';

const OPTIONS: ClvOptions = { unit: 'days', horizonDays: 365, monthlyDiscountRate: 0.01, minRepeatCustomers: 1, highShare: 0.1, mediumShare: 0.3, riskThreshold: 0.5 };
const MODEL = { unit: 'days' as const, bgnbd: { r: 0.3, alpha: 20, a: 0.8, b: 2.5 }, gammaGamma: { p: 6, q: 4, v: 15 } };

/** A prepared-customer set from plain arrays (what prepareOrders produces). */
function data(x: number[], tx: number[], T: number[], m: number[]): ClvData {
	const n = x.length;
	return {
		kind: 'orders',
		count: n,
		customerIds: x.map((_, i) => `c${i}`),
		latestItemIndex: new Int32Array(n),
		x: Int32Array.from(x),
		txDays: Int32Array.from(tx),
		TDays: Int32Array.from(T),
		averageSpend: Float64Array.from(m),
		firstDay: new Int32Array(n),
		lastDay: new Int32Array(n),
		holdoutPurchases: null,
		calibrationEndDay: 20000,
		holdoutDays: 0,
		skipped: {},
		invalid: [],
		fields: {},
		itemIndexes: (k) => [k],
	};
}

/** Seeded pseudo-random customers (x ≤ 20, t_x ≤ T ≤ maxT days). */
function randomCustomers(n: number, maxT: number, seed = 1) {
	let s = seed;
	const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
	const x: number[] = [];
	const tx: number[] = [];
	const T: number[] = [];
	const m: number[] = [];
	for (let i = 0; i < n; i++) {
		const t = Math.floor(rnd() * maxT);
		const k = rnd() < 0.6 ? 0 : 1 + Math.floor(rnd() * 20);
		x.push(k);
		T.push(t);
		tx.push(k ? Math.floor(rnd() * (t + 1)) : 0);
		m.push(k ? 5 + rnd() * 100 : NaN);
	}
	return { x, tx, T, m };
}

describe('optimizer', () => {
	test('BFGS finds the Rosenbrock minimum (1, 1) from (-1.2, 1), deterministically', () => {
		const f = (t: Float64Array, g: Float64Array) => {
			const [u, v] = t;
			g[0] = -2 * (1 - u) - 400 * u * (v - u * u);
			g[1] = 200 * (v - u * u);
			return (1 - u) ** 2 + 100 * (v - u * u) ** 2;
		};
		const a = minimize(f, [-1.2, 1]);
		expect(a.converged).toBe(true);
		expect(a.theta[0]).toBeCloseTo(1, 8);
		expect(a.theta[1]).toBeCloseTo(1, 8);
		expect(Array.from(minimize(f, [-1.2, 1]).theta)).toEqual(Array.from(a.theta));
	});

	test('a start outside the domain is an error, a region of Infinity is stepped back from', () => {
		expect(() => minimize(() => NaN, [0])).toThrow(/outside the model's domain/);
		const walled = (t: Float64Array, g: Float64Array) => {
			if (t[0] > 2) return Infinity;
			g[0] = 2 * (t[0] - 1.5);
			return (t[0] - 1.5) ** 2;
		};
		expect(minimize(walled, [-10]).theta[0]).toBeCloseTo(1.5, 8);
	});
});

describe('BG/NBD pieces', () => {
	const c = randomCustomers(3000, 400);
	const pat = collapse(c.x, c.tx, c.T);

	test('collapse: patterns sorted by x, T, t_x, counts add up, each customer points at its pattern', () => {
		expect(pat.count.reduce((a, b) => a + b, 0)).toBe(3000);
		// strictly increasing in (x, T, t_x): sorted and distinct
		const key = (i: number) => (pat.x[i] * 1e4 + pat.TDays[i]) * 1e4 + pat.txDays[i];
		for (let i = 1; i < pat.length; i++) expect(key(i)).toBeGreaterThan(key(i - 1));
		for (let k = 0; k < 3000; k++) {
			const p = pat.patternOf[k];
			expect([pat.x[p], pat.txDays[p], pat.TDays[p]]).toEqual([c.x[k], c.tx[k], c.T[k]]);
		}
	});

	test('collapse: ages beyond 2,895 days take the three-pass sort and give the same patterns', () => {
		const long = randomCustomers(3000, 4000, 7);
		const p = collapse(long.x, long.tx, long.T);
		expect(p.maxDays).toBeGreaterThan(2895);
		const keys = new Set(long.x.map((x, k) => `${x}/${long.T[k]}/${long.tx[k]}`));
		expect(p.length).toBe(keys.size);
		for (let k = 0; k < 3000; k += 7) expect([p.x[p.patternOf[k]], p.txDays[p.patternOf[k]], p.TDays[p.patternOf[k]]]).toEqual([long.x[k], long.tx[k], long.T[k]]);
	});

	test('the likelihood of the patterns equals the sum over customers, and its gradient the finite differences', () => {
		const p: BgnbdParams = { r: 0.7, alpha: 35, a: 1.3, b: 0.9 };
		let direct = 0;
		for (let k = 0; k < 3000; k++) direct += bgnbdLogLikelihood(p, collapse([c.x[k]], [c.tx[k]], [c.T[k]]), 1);
		const g = new Float64Array(4);
		const ll = bgnbdLogLikelihood(p, pat, 1, g);
		expect(ll).toBeCloseTo(direct, 6);
		const h = 1e-6;
		(['r', 'alpha', 'a', 'b'] as const).forEach((key, i) => {
			const up = bgnbdLogLikelihood({ ...p, [key]: p[key] * Math.exp(h) }, pat, 1);
			const down = bgnbdLogLikelihood({ ...p, [key]: p[key] * Math.exp(-h) }, pat, 1);
			expect(Math.abs(g[i] - (up - down) / (2 * h))).toBeLessThan(1e-5 * Math.max(1, Math.abs(g[i])));
		});
	});

	test('Gamma-Gamma gradient equals the finite differences', () => {
		const xs: number[] = [];
		const ms: number[] = [];
		c.x.forEach((x, k) => x > 0 && (xs.push(x), ms.push(c.m[k])));
		const d = spendData(xs, ms);
		const p = { p: 3, q: 2.5, v: 40 };
		const g = new Float64Array(3);
		gammaGammaLogLikelihood(p, d, g);
		const h = 1e-6;
		(['p', 'q', 'v'] as const).forEach((key, i) => {
			const up = gammaGammaLogLikelihood({ ...p, [key]: p[key] * Math.exp(h) }, d);
			const down = gammaGammaLogLikelihood({ ...p, [key]: p[key] * Math.exp(-h) }, d);
			expect(Math.abs(g[i] - (up - down) / (2 * h))).toBeLessThan(1e-5 * Math.max(1, Math.abs(g[i])));
		});
	});

	test('P(alive) is 1 without repeat purchases, falls with the time since the last purchase, never NaN', () => {
		const p = MODEL.bgnbd;
		expect(probabilityAlive(p, 0, 0, 300)).toBe(1);
		expect(probabilityAlive(p, 5, 290, 300)).toBeGreaterThan(probabilityAlive(p, 5, 100, 300));
		expect(probabilityAlive(p, 2000, 0, 60000)).toBe(0);
		expect(probabilityAlive(p, 2000, 60000, 60000)).toBeGreaterThan(0.9);
		expect(expectedPurchases(p, 3, 50, 100, 0)).toBe(0);
		expect(growth(p, 3, 100, 365)).toBeGreaterThan(growth(p, 3, 100, 30));
	});
});

describe('model: scoring, tiers, discounting, fallbacks', () => {
	test('without discounting, predicted value = expected orders × expected order value', () => {
		const c = randomCustomers(500, 300, 3);
		const d = data(c.x, c.tx, c.T, c.m);
		const res = modelCustomerValue(d, { ...OPTIONS, monthlyDiscountRate: 0, fixed: MODEL });
		for (let k = 0; k < 500; k++)
			expect(res.columns.predictedValue[k]).toBeCloseTo(res.columns.expectedOrders[k] * res.columns.expectedOrderValue[k], 10);
	});

	test('discounting: monthly steps of 365.25 / 12 days, each discounted from the end of its month', () => {
		const d = data([3], [200], [300], [40]);
		const o = { ...OPTIONS, horizonDays: 100, monthlyDiscountRate: 0.02, fixed: MODEL };
		const res = modelCustomerValue(d, o);
		const e = (t: number) => expectedPurchases(MODEL.bgnbd, 3, 200, 300, t);
		// 100 days = 3 full months + 8.6875 days
		const steps = [MONTH_DAYS, 2 * MONTH_DAYS, 3 * MONTH_DAYS, 100];
		let want = 0;
		let prev = 0;
		for (const t of steps) {
			want += (e(t) - prev) / Math.pow(1.02, t / MONTH_DAYS);
			prev = e(t);
		}
		expect(res.columns.predictedValue[0] / res.columns.expectedOrderValue[0]).toBeCloseTo(want, 12);
		expect(res.columns.expectedOrders[0]).toBeCloseTo(e(100), 12);
	});

	test('tiers: top 10 % High, next 30 % Medium; equal values share a tier', () => {
		// 20 customers: values fall with the index except four equal ones at the High/Medium cut
		const x = Array.from({ length: 20 }, (_, i) => 20 - i);
		x[1] = x[2] = x[3] = x[4] = 17;
		const d = data(x, x.map(() => 300), x.map(() => 300), x.map(() => 50));
		const res = modelCustomerValue(d, { ...OPTIONS, fixed: MODEL });
		const tiers = Array.from(res.columns.tier);
		// the 2nd largest value (ceil(20 × 0.1) = 2) is shared by customers 1..4: all High
		expect(tiers.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
		// Medium: down to the 8th largest value (ceil(20 × 0.4)), customer 7
		expect(tiers.slice(5, 8)).toEqual([1, 1, 1]);
		expect(tiers.slice(8)).toEqual(new Array(12).fill(2));
		expect(res.tierThresholds.high).toBe(res.columns.predictedValue[1]);
	});

	test('segment names: the tier, plus " At Risk" at or above the churn-risk threshold', () => {
		expect(segmentName(0, 0.5, 0.5)).toBe('High Value At Risk');
		expect(segmentName(1, 0.49, 0.5)).toBe('Medium Value');
		expect(SEGMENT_NAMES).toEqual(['High Value', 'High Value At Risk', 'Medium Value', 'Medium Value At Risk', 'Low Value', 'Low Value At Risk']);
	});

	test('a spend model without a finite mean (q ≤ 1): one-time buyers get the mean repeat spend, with a warning', () => {
		const d = data([0, 2, 4], [0, 100, 200], [300, 300, 300], [NaN, 30, 50]);
		const res = modelCustomerValue(d, { ...OPTIONS, fixed: { ...MODEL, gammaGamma: { p: 6, q: 0.9, v: 15 } } });
		expect(res.columns.expectedOrderValue[0]).toBe(40);
		expect(res.warnings.join(' ')).toMatch(/no finite population mean/);
	});

	test('spend correlated with frequency is flagged; non-positive average spends are left out of the spend fit', () => {
		const n = 400;
		const x = Array.from({ length: n }, (_, i) => 1 + (i % 10));
		const m = x.map((k, i) => (i === 5 ? -3 : 10 * k + (i % 7)));
		const res = modelCustomerValue(data(x, x.map(() => 200), x.map(() => 300), m), { ...OPTIONS, fixed: MODEL });
		expect(res.frequencySpendCorrelation as number).toBeGreaterThan(0.9);
		expect(res.warnings.join(' ')).toMatch(/correlated/);
		expect(res.warnings.join(' ')).toMatch(/1 repeat customer\(s\) with an average spend of zero or less/);
		expect(res.spendCustomers).toBe(n - 1);
		// the customer with a negative average spend counts it as 0: pulled towards the population
		expect(res.columns.expectedOrderValue[5]).toBeCloseTo((6 * 15) / (6 * 6 + 4 - 1), 10);
	});

	test('minimum repeat customers', () => {
		const d = data([0, 0, 1], [0, 0, 5], [10, 20, 30], [NaN, NaN, 10]);
		expect(() => modelCustomerValue(d, { ...OPTIONS, minRepeatCustomers: 2 })).toThrow(/Only 1 of 3 customers bought again/);
	});
});

describe('preparation of orders', () => {
	const day = (iso: string) => Date.parse(iso) / 86400000;

	test('refunds: matched by order id, else the latest purchase day before; before any purchase or after the end: counted', () => {
		const rows = extractOrders(
			[
				{ customer_id: 'a', order_id: '1', date: '2024-01-01', total: 100 },
				{ customer_id: 'a', order_id: '2', date: '2024-02-01', total: 60 },
				{ customer_id: 'a', order_id: '3', date: '2024-03-01', total: 40 },
				{ customer_id: 'a', order_id: '2', date: '2024-03-05', total: -20 }, // order 2: Feb 1
				{ customer_id: 'a', date: '2024-02-10', total: -10 }, // no id: Feb 1 (latest before)
				{ customer_id: 'b', order_id: '9', date: '2023-12-01', total: -5 }, // before b's first purchase
				{ customer_id: 'b', order_id: '4', date: '2024-01-15', total: 25 },
				{ customer_id: 'b', order_id: '4', date: '2024-05-01', total: -25 }, // after the calibration end
				{ customer_id: 'b', order_id: '5', date: '2024-04-20', total: 25 }, // holdout
			],
			{},
			{ skipInvalid: false },
		);
		const d = prepareOrders(rows, { calibrationEnd: { kind: 'fixed', time: Date.parse('2024-03-31') }, skipInvalid: false });
		expect(d.count).toBe(2);
		expect(d.customerIds).toEqual(['a', 'b']);
		expect(Array.from(d.x.subarray(0, 2))).toEqual([2, 0]);
		expect(d.averageSpend[0]).toBe((60 - 20 - 10 + 40) / 2);
		expect(d.skipped).toEqual({ refundBeforeFirstPurchase: 1, refundAfterCalibrationEnd: 1 });
		expect(d.calibrationEndDay).toBe(day('2024-03-31'));
		expect(d.holdoutDays).toBe(day('2024-04-20') - day('2024-03-31'));
		expect(Array.from((d.holdoutPurchases as Int32Array).subarray(0, 2))).toEqual([0, 1]);
		expect(d.TDays[1]).toBe(day('2024-03-31') - day('2024-01-15'));
		expect(d.itemIndexes(1)).toEqual([5, 6, 7, 8]);
	});

	test('default calibration end: the day after the latest order; T counts up to it', () => {
		const rows = extractOrders(
			[
				{ customer_id: 'a', date: '2024-01-01T23:59:00Z', total: 10 },
				{ customer_id: 'a', date: '2024-01-02T00:01:00Z', total: 10 },
			],
			{},
			{ skipInvalid: false },
		);
		const d = prepareOrders(rows, { calibrationEnd: { kind: 'dayAfterLatest' }, skipInvalid: false });
		expect(d.calibrationEndDay).toBe(day('2024-01-03'));
		expect([d.x[0], d.txDays[0], d.TDays[0]]).toEqual([1, 1, 2]);
		expect(d.holdoutPurchases).toBeNull();
	});
});

describe('fixed parameters', () => {
	test('accepts the summary item or its model, as text or object; converts units', () => {
		const model = { unit: 'weeks', bgnbd: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, gammaGamma: { p: 6.25, q: 3.74, v: 15.44 } };
		expect(parseFixedModel(JSON.stringify(model))).toEqual(model);
		expect(parseFixedModel({ customers: 3, model })).toEqual(model);
		expect(parseFixedModel({ ...model, bgnbd: { ...model.bgnbd, r: '0.243' } }).bgnbd.r).toBe(0.243);
		expect(() => parseFixedModel('[1]')).toThrow(/must be an object/);
		const d = data([2], [213], [272], [22.345]);
		const weeks = modelCustomerValue(d, { ...OPTIONS, fixed: parseFixedModel(model) });
		expect(weeks.model.unit).toBe('days');
		expect(weeks.model.bgnbd.alpha).toBeCloseTo(4.414 * 7, 12);
		expect(weeks.columns.expectedOrders[0]).toBeCloseTo(expectedPurchases(model.bgnbd, 2, 213 / 7, 272 / 7, 365 / 7), 12);
	});
});
