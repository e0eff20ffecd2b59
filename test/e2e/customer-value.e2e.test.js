/**
 * examples/customer-value.json in a real n8n: orders CSV -> RFM Score -> Customer Value -> Segment
 * Router ("High Value At Risk" to a win-back, "High Value" to early access), and beside it
 * Customer Value on the orders with a calibration end of 1997-09-30 (the paper's backtest).
 * Values are checked against the independent scipy computation in
 * test/fixtures/clv/cdnow-reference.json (cdnow_clv_reference.py): the node rounds probabilities
 * and expected orders to 6 decimals and money to 4; the two optimizers agree to 2e-6 relative.
 */
const ref = require('../fixtures/clv/cdnow-reference.json');
const { runWorkflow, defaultVersion } = require('./harness');

const version = defaultVersion();
const close = (got, want, half) => typeof got === 'number' && Math.abs(got - want) <= half + 2e-6 * Math.max(1, Math.abs(want));
const relClose = (got, want) => Math.abs(got - want) <= 1e-6 * Math.abs(want);
const row = (scenario, id) => Object.fromEntries(scenario.columns.map((c, i) => [c, scenario.customersById[id][i]]));

describe(`examples/customer-value.json on n8n ${version}`, () => {
	let run;
	let customers;
	beforeAll(async () => {
		run = await runWorkflow({ workflow: 'examples/customer-value.json' });
		run.assertOk();
		customers = run.items('Customer Value', 0);
	});

	test('runs every node of the example', () => {
		for (const name of ['Parse Orders', 'RFM Score', 'Customer Value', 'Segment Router', 'Send: Win-Back Offer', 'Send: VIP Early Access', 'Model Summary', 'Customer Value (Backtest)', 'Backtest Summary'])
			expect(run.nodesRun).toContain(name);
		expect(run.items('Parse Orders')).toHaveLength(6919);
	});

	test('after RFM Score: one item per customer, rfm kept, clv values equal the scipy reference', () => {
		expect(customers).toHaveLength(2357);
		const s = ref.example;
		for (const c of customers) {
			const w = row(s, c.customerId);
			const g = c.clv;
			expect({ id: c.customerId, rfm: typeof c.rfm.segment, x: g.repeatPurchases, tx: g.daysFirstToLast, T: g.ageDays }).toEqual({ id: c.customerId, rfm: 'string', x: w.x, tx: w.tx, T: w.T });
			expect({
				id: c.customerId,
				alive: close(g.probabilityAlive, w.probabilityAlive, 5e-7),
				risk: Math.abs(g.churnRisk + g.probabilityAlive - 1) < 1e-9,
				orders: close(g.expectedOrders, w.expectedOrders, 5e-7),
				spend: close(g.expectedOrderValue, w.expectedSpend, 5e-5),
				value: close(g.predictedValue, w.predictedValue, 5e-5),
				horizon: g.horizonDays,
			}).toEqual({ id: c.customerId, alive: true, risk: true, orders: true, spend: true, value: true, horizon: 365 });
		}
		// customer 00004: orders on 1997-01-01, -01-18, -08-02, -12-12
		expect(customers.find((c) => c.customerId === '00004').clv).toMatchObject({ repeatPurchases: 3, daysFirstToLast: 345, ageDays: 546, averageSpend: 25.125, calibrationEnd: '1998-07-01T00:00:00.000Z' });
	});

	test('summary: the fitted model equals the reference; tiers of 10 / 30 / 60 %', () => {
		const [summary] = run.items('Model Summary');
		expect(summary).toMatchObject({ customers: 2357, repeatCustomers: ref.example.repeatCustomers, source: 'fitted', unit: 'days', horizonDays: 365, holdout: null, warnings: [] });
		for (const k of ['r', 'alpha', 'a', 'b']) expect({ k, ok: relClose(summary.model.bgnbd[k], ref.example.bgnbd[k]) }).toEqual({ k, ok: true });
		expect(summary.fit.logLikelihood).toBeCloseTo(ref.example.bgnbd.logLikelihood, 3);
		expect(summary.tiers.map((t) => [t.tier, t.customers])).toEqual([
			['High', customers.filter((c) => c.clv.tier === 'High').length],
			['Medium', customers.filter((c) => c.clv.tier === 'Medium').length],
			['Low', customers.filter((c) => c.clv.tier === 'Low').length],
		]);
		expect(summary.tiers[0].customers).toBe(236); // ceil(10 % of 2,357), no ties at the cut
	});

	test('Segment Router: every "High Value At Risk" customer goes to the win-back or its control group, and no one else; the rest is dropped', () => {
		const atRisk = customers.filter((c) => c.clv.segment === 'High Value At Risk').map((c) => c.customerId).sort();
		const highValue = customers.filter((c) => c.clv.segment === 'High Value').map((c) => c.customerId).sort();
		expect(atRisk.length).toBeGreaterThan(0);
		const outs = run.outputs('Segment Router');
		expect(outs).toHaveLength(4); // the two segments, Holdout, Suppressed (Fallback: dropped)
		const [winBack, vip, holdout, suppressed] = outs;
		expect(suppressed).toHaveLength(0);
		const held = (segment) => holdout.filter((c) => c.route.segment === segment).map((c) => c.customerId);
		expect([...winBack.map((c) => c.customerId), ...held('High Value At Risk')].sort()).toEqual(atRisk);
		expect([...vip.map((c) => c.customerId), ...held('High Value')].sort()).toEqual(highValue);
		expect(holdout.length).toBeGreaterThan(0); // 10 % control groups
		expect(outs.flat()).toHaveLength(atRisk.length + highValue.length);
		for (const c of winBack) {
			expect(c.clv).toMatchObject({ tier: 'High', atRisk: true });
			expect(c.clv.churnRisk).toBeGreaterThanOrEqual(0.5);
			expect(c.playbook).toMatchObject({ campaign: 'Win-Back: High Value At Risk', offerCode: 'COMEBACK20', channel: 'email' });
		}
		expect(run.items('Send: Win-Back Offer')).toHaveLength(winBack.length);
	});

	test('backtest on the orders (calibration through 1997-09-30, weeks): the paper and the holdout check', () => {
		const [summary] = run.items('Backtest Summary');
		const m = summary.model.bgnbd;
		expect([m.r, m.alpha, m.a, m.b].map((v) => Math.round(v * 1000) / 1000)).toEqual([0.243, 4.414, 0.793, 2.426]);
		expect(summary.fit.logLikelihood).toBeCloseTo(-9582.43, 2);
		expect(summary.model.gammaGamma.p).toBeCloseTo(6.25, 1);
		expect(summary.holdout).toMatchObject({ days: 273, customers: 2357, actualPurchases: 1882 });
		expect(summary.holdout.expectedPurchases).toBeCloseTo(ref.paper.holdout.expected, 2);
		const backtest = run.items('Customer Value (Backtest)', 0);
		expect(backtest).toHaveLength(2357);
		const c4 = backtest.find((c) => c.customerId === '00004').clv;
		// horizon 273 days = the 39 holdout weeks: the paper's 1.226 expected purchases
		expect(c4.expectedOrders).toBeCloseTo(1.226, 3);
		expect(c4).toMatchObject({ repeatPurchases: 2, daysFirstToLast: 213, ageDays: 272, holdoutPurchases: 1 });
		for (const c of backtest) {
			const w = row(ref.paper, c.customerId);
			expect({ id: c.customerId, ok: close(c.clv.expectedHoldoutPurchases, w.expectedHoldout, 5e-7) && c.clv.holdoutPurchases === w.holdoutPurchases }).toEqual({ id: c.customerId, ok: true });
		}
	});
});
