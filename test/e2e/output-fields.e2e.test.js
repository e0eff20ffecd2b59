/**
 * "Output Fields: Flat Columns" in a real n8n, one run: the orders of examples/rfm-basic.json go to
 * RFM Score (flat), to RFM Score (nested) -> Cluster Customers (flat), and to Customer Value
 * (flat). Each writes prefixed columns (rfm_*, cluster_*, clv_*) instead of its nested group and a
 * compact summary item; the nested RFM Score beside it is the reference for the values.
 */
const fs = require('fs');
const path = require('path');
const { runWorkflow, defaultVersion, ROOT } = require('./harness');

const version = defaultVersion();
const T = 'n8n-nodes-microsegments.';

function workflow() {
	const wf = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/rfm-basic.json'), 'utf8'));
	wf.id = 'msOutFields00001';
	wf.name = 'Output Fields: Flat Columns';
	wf.nodes = wf.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote');
	const rfm = wf.nodes.find((n) => n.name === 'RFM Score');
	rfm.name = 'RFM Flat';
	rfm.parameters = { input: 'orders', output: 'both', outputFields: 'flat', options: {} };
	const node = (name, type, parameters, x, y) => ({ id: name.replace(/\W/g, '').toLowerCase(), name, type: T + type, typeVersion: 1, position: [x, y], parameters });
	wf.nodes.push(
		node('RFM Nested', 'rfmScore', { input: 'orders', output: 'customers', options: {} }, 900, 300),
		node('Cluster Flat', 'clusterCustomers', { clusterCount: 'fixed', numberOfClusters: 3, output: 'both', outputFields: 'flat', options: {} }, 1150, 300),
		node('Value Flat', 'customerValue', { input: 'orders', outputFields: 'flat', options: {} }, 900, 500),
	);
	wf.connections = {
		...wf.connections,
		'Parse Orders': { main: [[{ node: 'RFM Flat', type: 'main', index: 0 }, { node: 'RFM Nested', type: 'main', index: 0 }, { node: 'Value Flat', type: 'main', index: 0 }]] },
		'RFM Nested': { main: [[{ node: 'Cluster Flat', type: 'main', index: 0 }]] },
	};
	delete wf.connections['RFM Score'];
	return wf;
}

describe(`Output Fields: Flat Columns on n8n ${version}`, () => {
	let run;
	beforeAll(async () => {
		run = await runWorkflow({ workflow: workflow() });
		run.assertOk();
	});

	test('RFM Score: rfm_* columns with the nested values, no rfm group; a compact summary', () => {
		const flat = run.items('RFM Flat', 0);
		const nested = new Map(run.items('RFM Nested', 0).map((c) => [c.customerId, c.rfm]));
		expect(flat).toHaveLength(nested.size);
		for (const c of flat) {
			const want = nested.get(c.customerId);
			expect(c.rfm).toBeUndefined();
			expect([c.rfm_segment, c.rfm_r, c.rfm_f, c.rfm_m, c.rfm_score, c.rfm_recency_days, c.rfm_monetary]).toEqual([want.segment, want.r, want.f, want.m, want.score, want.recencyDays, want.monetary]);
		}
		const summary = run.items('RFM Flat', 1);
		expect(summary.length).toBeGreaterThan(0);
		for (const s of summary) expect(Object.keys(s)).toEqual(['segment', 'customers', 'share', 'revenue', 'revenueShare', 'details']);
		expect(summary.reduce((a, s) => a + s.customers, 0)).toBe(flat.length);
	});

	test('Cluster Customers: cluster_* columns beside the rfm group it read; a compact summary', () => {
		const customers = run.items('Cluster Flat', 0);
		expect(customers).toHaveLength(run.items('RFM Nested', 0).length);
		for (const c of customers) {
			expect(c.cluster).toBeUndefined();
			expect(typeof c.cluster_label).toBe('string');
			expect([1, 2, 3]).toContain(c.cluster_index);
			expect(typeof c.rfm.segment).toBe('string');
		}
		const summary = run.items('Cluster Flat', 1);
		expect(summary).toHaveLength(3);
		for (const s of summary) expect(Object.keys(s)).toEqual(['label', 'group', 'size', 'share', 'silhouette', 'details']);
		expect(summary.reduce((a, s) => a + s.size, 0)).toBe(customers.length);
		expect(new Set(customers.map((c) => c.cluster_label))).toEqual(new Set(summary.map((s) => s.label)));
	});

	test('Customer Value: clv_* columns, a summary of a few fields with the model under details', () => {
		const customers = run.items('Value Flat', 0);
		expect(customers.length).toBe(run.items('RFM Nested', 0).length);
		for (const c of customers.slice(0, 50)) {
			expect(c.clv).toBeUndefined();
			expect(c.clv_churn_risk).toBeCloseTo(1 - c.clv_probability_alive, 6);
			expect(c.clv_predicted_value).toBeGreaterThanOrEqual(0);
		}
		const [summary] = run.items('Value Flat', 1);
		expect(Object.keys(summary)).toEqual(['customers', 'repeatCustomers', 'expectedOrders', 'predictedValue', 'currency', 'horizonDays', 'details']);
		expect(summary.customers).toBe(customers.length);
		expect(Object.keys(summary.details.model.bgnbd).sort()).toEqual(['a', 'alpha', 'b', 'r']);
	});
});
