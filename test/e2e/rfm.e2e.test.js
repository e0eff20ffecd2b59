/**
 * examples/rfm-basic.json in a real n8n: Manual Trigger -> Read Orders CSV -> Parse Orders ->
 * RFM Score (output "both") on the bundled CDNOW sample. Every figure is checked against
 * fixtures/rfm-cdnow-expected.json, computed independently with pandas/numpy
 * (fixtures/rfm_cdnow_reference.py).
 */
const { runWorkflow, defaultVersion } = require('./harness');
const expected = require('./fixtures/rfm-cdnow-expected.json');

const version = defaultVersion();
const SEGMENTS = ['Champions', 'Loyal Customers', 'Potential Loyalists', 'New Customers', 'Promising', 'Need Attention', 'About To Sleep', 'At Risk', "Can't Lose Them", 'Hibernating'];

describe(`examples/rfm-basic.json on n8n ${version}`, () => {
	let run;
	beforeAll(async () => {
		run = await runWorkflow({ workflow: 'examples/rfm-basic.json' });
		run.assertOk();
	});

	test('runs every node of the example', () => {
		expect(run.nodesRun).toEqual(['Start', 'Read Orders CSV', 'Parse Orders', 'RFM Score']);
		expect(run.items('Parse Orders')).toHaveLength(expected.orders);
	});

	test('one scored item per customer, no rows skipped', () => {
		const customers = run.items('RFM Score', 0);
		expect(customers).toHaveLength(expected.customers); // 2,357
		expect(new Set(customers.map((c) => c.customerId)).size).toBe(expected.customers);
		for (const c of customers) {
			expect(typeof c.customerId).toBe('string');
			expect(SEGMENTS).toContain(c.rfm.segment);
			expect(c.rfm.cell).toBe(`${c.rfm.r}${c.rfm.f}${c.rfm.m}`);
			expect(c.rfm.score).toBe(c.rfm.r + c.rfm.f + c.rfm.m);
			expect(c.rfm.frequency).toBeGreaterThanOrEqual(1);
			expect(Number.isFinite(c.rfm.monetary)).toBe(true);
		}
	});

	test('per-customer values match the independent pandas computation', () => {
		const byId = new Map(run.items('RFM Score', 0).map((c) => [c.customerId, c]));
		for (const [id, want] of Object.entries(expected.sampleCustomers)) {
			const got = byId.get(id);
			expect(got).toBeDefined();
			expect({
				recencyDays: got.rfm.recencyDays,
				frequency: got.rfm.frequency,
				monetary: got.rfm.monetary,
				r: got.rfm.r,
				f: got.rfm.f,
				m: got.rfm.m,
				cell: got.rfm.cell,
				segment: got.rfm.segment,
			}).toEqual({ ...want, monetary: expect.closeTo(want.monetary, 4) });
		}
		// Customer 00004: 4 orders 1997-01-01..1997-12-12, $100.50 -> 201 days before 1998-07-01.
		expect(byId.get('00004').rfm).toMatchObject({ recencyDays: 201, frequency: 4, monetary: 100.5, averageOrderValue: 25.125, lastOrderDate: '1997-12-12T00:00:00.000Z', firstOrderDate: '1997-01-01T00:00:00.000Z' });
	});

	test('cell counts match', () => {
		const cells = {};
		for (const c of run.items('RFM Score', 0)) cells[c.rfm.cell] = (cells[c.rfm.cell] || 0) + 1;
		expect(cells).toEqual(expected.cellCounts);
	});

	test('segment summary (second output) matches and adds up', () => {
		const summary = run.items('RFM Score', 1);
		const got = Object.fromEntries(summary.filter((s) => s.customers > 0).map((s) => [s.segment, { customers: s.customers, share: s.share, revenue: s.revenue, revenueShare: s.revenueShare }]));
		expect(Object.keys(got).sort()).toEqual(Object.keys(expected.segments).sort());
		for (const [name, want] of Object.entries(expected.segments)) {
			expect(got[name].customers).toBe(want.customers);
			expect(got[name].share).toBeCloseTo(want.share, 5);
			expect(got[name].revenue).toBeCloseTo(want.revenue, 2);
			expect(got[name].revenueShare).toBeCloseTo(want.revenueShare, 5);
		}
		expect(summary.reduce((a, s) => a + s.customers, 0)).toBe(expected.customers);
		expect(summary.reduce((a, s) => a + s.share, 0)).toBeCloseTo(1, 4);
		expect(summary.reduce((a, s) => a + s.revenue, 0)).toBeCloseTo(expected.totalRevenue, 1);
		// Segments the map can produce but nobody is in are listed with 0 customers.
		for (const s of summary) expect(SEGMENTS).toContain(s.segment);
	});

	test('summary details: reference date, quintile edges and score distribution', () => {
		const { details } = run.items('RFM Score', 1)[0];
		expect(details.referenceDate).toBe(`${expected.referenceDate}T00:00:00.000Z`);
		expect(details.bins).toBe(5);
		expect(details.edges.recency).toEqual(expected.edges.recency);
		expect(details.edges.frequency).toEqual(expected.edges.frequency);
		details.edges.monetary.forEach((x, i) => expect(x).toBeCloseTo(expected.edges.monetary[i], 6));
		expect(details.distribution).toEqual(expected.distribution);
		expect(details.fields).toMatchObject({ customerId: 'customer_id', orderId: 'order_id', date: 'date', amount: 'amount' });
	});
});
