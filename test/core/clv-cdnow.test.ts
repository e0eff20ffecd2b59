/**
 * Customer Value on the CDNOW sample (2,357 customers, calibration through 1997-09-30, weeks):
 * the published figures (Fader, Hardie & Lee 2005; the lifetimes docs for Gamma-Gamma) and every
 * customer against an independent scipy computation (test/fixtures/clv/cdnow_clv_reference.py).
 *
 * Tolerances: both sides stop their optimizers at gradients of ~1e-9 per customer; their
 * parameters agree to about 1e-7 relative, and so do the predictions derived from them. Predictions
 * are compared at 2e-6 relative (to max(1, |value|)), parameters at 1e-6 relative.
 */
import * as fs from 'fs';
import * as path from 'path';
import { extractOrders } from '../../nodes/core/rfm/rfm';
import { prepareOrders } from '../../nodes/core/clv/prepare';
import { modelCustomerValue, type ClvOptions } from '../../nodes/core/clv/clv';
import { collapse, expectedPurchases, fitBgnbd, probabilityAlive } from '../../nodes/core/clv/bgnbd';
import { fitGammaGamma, expectedSpend, spendData } from '../../nodes/core/clv/gammaGamma';

const FIX = path.join(__dirname, '../fixtures');
const ref = JSON.parse(fs.readFileSync(path.join(FIX, 'clv/cdnow-reference.json'), 'utf8'));
const paper = ref.paper;

function sampleRecords() {
	return fs
		.readFileSync(path.join(FIX, 'cdnow/CDNOW_sample.txt'), 'utf8')
		.trim()
		.split(/\r?\n/)
		.map((line) => {
			const [customer, sample, date, , dollars] = line.trim().split(/\s+/);
			return { customer_id: customer, sample_id: Number(sample), date: Number(date), amount: Number(dollars) };
		});
}

function summaryFile() {
	const lines = fs.readFileSync(path.join(FIX, 'cdnow/cdnow_customers_summary.csv'), 'utf8').trim().split(/\r?\n/);
	expect(lines.shift()).toBe('ID,frequency,recency,T');
	return lines.map((l) => l.split(',').map(Number));
}

const OPTIONS: ClvOptions = { unit: 'weeks', horizonDays: 365, monthlyDiscountRate: 0.01, minRepeatCustomers: 100, highShare: 0.1, mediumShare: 0.3, riskThreshold: 0.5 };
const near = (got: number, want: number, tol: number) => Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));
const relNear = (got: number, want: number, tol: number) => Math.abs(got - want) <= tol * Math.abs(want);

describe('BG/NBD on the published CDNOW summary', () => {
	// x, t_x, T in weeks with 2 decimals: whole days / 7, so Math.round(weeks * 7) gives the days back
	const rows = summaryFile();
	const pat = collapse(
		rows.map((r) => r[1]),
		rows.map((r) => Math.round(r[2] * 7)),
		rows.map((r) => Math.round(r[3] * 7)),
	);
	const fit = fitBgnbd(pat, 7);

	test('reproduces the paper: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = -9582.4', () => {
		expect(pat.customers).toBe(2357);
		expect(fit.converged).toBe(true);
		expect(fit.params.r).toBeCloseTo(0.243, 3);
		expect(fit.params.alpha).toBeCloseTo(4.414, 3);
		expect(fit.params.a).toBeCloseTo(0.793, 3);
		expect(fit.params.b).toBeCloseTo(2.426, 3);
		expect(fit.logLikelihood).toBeCloseTo(-9582.4, 1);
	});

	test('the paper customer (x = 2, t_x = 30.43, T = 38.86) expects 1.226 purchases in 39 weeks', () => {
		expect(expectedPurchases(fit.params, 2, 30.43, 38.86, 39)).toBeCloseTo(1.226, 3);
		expect(near(expectedPurchases(fit.params, 2, 30.43, 38.86, 39), paper.paperCustomer.expected39Weeks, 2e-6)).toBe(true);
		expect(near(probabilityAlive(fit.params, 2, 30.43, 38.86), paper.paperCustomer.probabilityAlive, 2e-6)).toBe(true);
	});
});

describe('Customer Value on CDNOW_sample.txt, calibration through 1997-09-30, weeks', () => {
	const records = sampleRecords();
	const rows = extractOrders(records, {}, { skipInvalid: false });
	const data = prepareOrders(rows, { calibrationEnd: { kind: 'fixed', time: Date.UTC(1997, 8, 30) }, skipInvalid: false });
	const res = modelCustomerValue(data, OPTIONS);
	const cols: string[] = paper.columns;
	const want = (id: string) => Object.fromEntries(cols.map((c, i) => [c, paper.customersById[id][i]]));

	test('same-day purchases merged: x, t_x, T equal the published summary file for every customer', () => {
		// the summary's ID is the sample's second column (sample_id)
		const file = new Map(summaryFile().map((r) => [r[0], r]));
		const sampleId = new Map(records.map((r) => [r.customer_id, r.sample_id]));
		expect(data.count).toBe(2357);
		expect(file.size).toBe(2357);
		for (let k = 0; k < data.count; k++) {
			const [, f, r, T] = file.get(sampleId.get(data.customerIds[k]) as number) as number[];
			expect({ k, x: data.x[k], tx: Math.abs(data.txDays[k] / 7 - r) < 0.0051, T: Math.abs(data.TDays[k] / 7 - T) < 0.0051 }).toEqual({ k, x: f, tx: true, T: true });
		}
		expect(data.holdoutDays).toBe(273); // 1997-10-01..1998-06-30 = 39 weeks
	});

	test('fit equals the scipy reference and the paper', () => {
		expect(res.source).toBe('fitted');
		expect(res.fit.converged).toBe(true);
		expect(res.repeatCustomers).toBe(946);
		for (const k of ['r', 'alpha', 'a', 'b'] as const) expect({ k, ok: relNear(res.model.bgnbd[k], paper.bgnbd[k], 1e-6) }).toEqual({ k, ok: true });
		expect(res.fit.logLikelihood).toBeCloseTo(paper.bgnbd.logLikelihood, 5);
		expect(res.fit.logLikelihood).toBeCloseTo(-9582.4, 1);
	});

	test('Gamma-Gamma: the lifetimes docs figures, and the same expected spend as scipy for every customer', () => {
		const g = res.model.gammaGamma;
		// published to 2 decimals; the ridge makes p, q, v loose, so only their published precision is asked
		expect(g.p).toBeCloseTo(6.25, 1);
		expect(g.q).toBeCloseTo(3.74, 1);
		expect(g.v).toBeCloseTo(15.44, 1);
		expect(res.fit.spendLogLikelihood as number).toBeCloseTo(paper.gammaGamma.logLikelihood, 4);
		expect(res.spendCustomers).toBe(946);
		expect(near(res.populationMeanSpend, paper.gammaGamma.populationMeanSpend, 2e-6)).toBe(true);
		for (let k = 0; k < data.count; k++) {
			const w = want(data.customerIds[k]);
			expect({ id: data.customerIds[k], ok: near(res.columns.expectedOrderValue[k], w.expectedSpend, 2e-6) }).toEqual({ id: data.customerIds[k], ok: true });
			expect(res.columns.ownSpend[k]).toBe(w.x > 0 ? 1 : 0);
		}
	});

	test('every customer: P(alive), expected holdout and 365-day purchases, discounted value match scipy', () => {
		const c = res.columns;
		for (let k = 0; k < data.count; k++) {
			const id = data.customerIds[k];
			const w = want(id);
			const got = {
				probabilityAlive: near(c.probabilityAlive[k], w.probabilityAlive, 2e-6),
				expectedHoldout: near((c.expectedHoldout as Float64Array)[k], w.expectedHoldout, 2e-6),
				holdoutPurchases: (data.holdoutPurchases as Int32Array)[k] === w.holdoutPurchases,
				expectedOrders365: near(c.expectedOrders[k], w.expectedOrders365, 2e-6),
				predictedValue365: near(c.predictedValue[k], w.predictedValue365, 2e-6),
				averageSpend: w.averageSpend === null ? Number.isNaN(data.averageSpend[k]) : near(data.averageSpend[k], w.averageSpend, 1e-9),
			};
			expect({ id, ...got }).toEqual({ id, probabilityAlive: true, expectedHoldout: true, holdoutPurchases: true, expectedOrders365: true, predictedValue365: true, averageSpend: true });
		}
		// customer 00004 is the paper's example customer
		expect(c.expectedHoldout?.[data.customerIds.indexOf('00004')]).toBeCloseTo(1.226, 3);
	});

	test('holdout check: 1,882 actual repeat purchases against 1,653.4 expected, by calibration frequency', () => {
		const h = res.holdout;
		expect(h).not.toBeNull();
		if (!h) return;
		expect(h.days).toBe(273);
		expect(h.actualPurchases).toBe(paper.holdout.actual);
		expect(near(h.expectedPurchases, paper.holdout.expected, 2e-6)).toBe(true);
		for (const g of h.byCalibrationFrequency) {
			const w = paper.holdout.byCalibrationFrequency[g.repeatPurchases];
			expect({ g: g.repeatPurchases, customers: g.customers, actual: near(g.actualMean, w.actual, 1e-6), expected: near(g.expectedMean, w.expected, 2e-6) }).toEqual({
				g: g.repeatPurchases,
				customers: w.customers,
				actual: true,
				expected: true,
			});
		}
	});

	test('the time unit only changes α: days give the same r, a, b, α / 7 and the same predictions', () => {
		const days = modelCustomerValue(data, { ...OPTIONS, unit: 'days' });
		expect(relNear(days.model.bgnbd.alpha / 7, res.model.bgnbd.alpha, 1e-6)).toBe(true);
		for (const k of ['r', 'a', 'b'] as const) expect(relNear(days.model.bgnbd[k], res.model.bgnbd[k], 1e-6)).toBe(true);
		for (let k = 0; k < data.count; k++) {
			expect(near(days.columns.probabilityAlive[k], res.columns.probabilityAlive[k], 2e-6)).toBe(true);
			expect(near(days.columns.predictedValue[k], res.columns.predictedValue[k], 2e-6)).toBe(true);
		}
	});

	test('deterministic: a second run gives bit-identical parameters and values', () => {
		const again = modelCustomerValue(data, OPTIONS);
		expect(again.model).toEqual(res.model);
		expect(Array.from(again.columns.predictedValue)).toEqual(Array.from(res.columns.predictedValue));
	});

	test('the spend model alone (fitGammaGamma) on the 946 repeat customers', () => {
		const xs: number[] = [];
		const ms: number[] = [];
		for (let k = 0; k < data.count; k++) if (data.x[k] > 0) (xs.push(data.x[k]), ms.push(data.averageSpend[k]));
		const g = fitGammaGamma(spendData(xs, ms));
		expect(g.converged).toBe(true);
		const id = data.customerIds.indexOf('00004');
		expect(near(expectedSpend(g.params, data.x[id], data.averageSpend[id]), want('00004').expectedSpend, 2e-6)).toBe(true);
	});
});
