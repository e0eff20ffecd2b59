/**
 * examples/rfm-clusters.json in a real n8n: Manual Trigger -> Read Orders CSV -> Parse Orders ->
 * RFM Score -> Cluster Customers (auto k 3-6, customers + summary); then the same workflow with
 * Cluster Within Groups on (2 clusters inside each RFM segment). The clusters n8n produced must be
 * exactly what the k-means core gives on the same RFM items (same defaults, seed 42), add up to the
 * customers, and carry unique names.
 *
 * (Micro-segments run as a second workflow rather than a second node of the example.)
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runWorkflow, defaultVersion, buildPackage } = require('./harness');

const version = defaultVersion();
const ROOT = path.resolve(__dirname, '..', '..');
const CUSTOMERS = 2357; // CDNOW sample: 2,357 customers (see rfm.e2e.test.js)

describe(`examples/rfm-clusters.json on n8n ${version}`, () => {
	let run;
	let core;
	let rfmItems;
	beforeAll(async () => {
		run = await runWorkflow({ workflow: 'examples/rfm-clusters.json' });
		run.assertOk();
		// the compiled core n8n loaded (dist/ of the installed package), copied out of the install
		// (outside the repository) for jest
		// (the whole core: k-means imports shared helpers such as ../fields)
		const from = path.join(buildPackage({ quiet: true }), 'nodes/core');
		const to = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-e2e-core-'));
		fs.cpSync(from, to, { recursive: true, filter: (src) => fs.statSync(src).isDirectory() || src.endsWith('.js') });
		core = require(path.join(to, 'kmeans', 'index.js'));
		rfmItems = run.items('RFM Score');
	});

	test('runs every node of the example', () => {
		expect(run.nodesRun).toEqual(['Start', 'Read Orders CSV', 'Parse Orders', 'RFM Score', 'Cluster Customers']);
		expect(rfmItems).toHaveLength(CUSTOMERS);
	});

	test('every customer gets a cluster; every field from RFM Score is kept', () => {
		const out = run.items('Cluster Customers', 0);
		expect(out).toHaveLength(CUSTOMERS);
		out.forEach((item, i) => {
			expect(item.customerId).toBe(rfmItems[i].customerId);
			expect(item.rfm).toEqual(rfmItems[i].rfm);
			expect(Number.isInteger(item.cluster.index)).toBe(true);
			expect(typeof item.cluster.label).toBe('string');
			expect(Number.isFinite(item.cluster.distance)).toBe(true);
		});
	});

	test('identical to the core on the same data', () => {
		const report = core.clusterRecords(rfmItems, { mode: 'auto', kMin: 3, kMax: 6, seed: 42 });
		expect(run.items('Cluster Customers', 0).map((c) => c.cluster)).toEqual(report.tags);
		const summary = run.items('Cluster Customers', 1);
		expect(summary.map((s) => ({ index: s.index, label: s.label, size: s.size, mean: s.mean, silhouette: s.silhouette }))).toEqual(
			report.clusters.map((c) => ({ index: c.index, label: c.label, size: c.size, mean: c.mean, silhouette: c.silhouette })),
		);
	});

	test('summary: cluster sizes add up to the customers, names are unique, the k tried are reported', () => {
		const summary = run.items('Cluster Customers', 1);
		const k = summary.length;
		expect(k).toBeGreaterThanOrEqual(3);
		expect(k).toBeLessThanOrEqual(6);
		expect(summary.reduce((a, s) => a + s.size, 0)).toBe(CUSTOMERS);
		expect(summary.reduce((a, s) => a + s.share, 0)).toBeCloseTo(1, 4);
		expect(new Set(summary.map((s) => s.label)).size).toBe(k);
		expect(summary.map((s) => s.index)).toEqual(Array.from({ length: k }, (_, i) => i + 1));
		for (let i = 1; i < k; i++) expect(summary[i].size).toBeLessThanOrEqual(summary[i - 1].size); // numbered by size
		const details = summary[0].details;
		expect(details.kTried.map((t) => t.k)).toEqual([3, 4, 5, 6]);
		const best = Math.max(...details.kTried.map((t) => t.silhouette));
		expect(details.silhouette).toBe(best);
		expect(details.k).toBe(k);
		expect(details.features.map((f) => f.field)).toEqual(['rfm.recencyDays', 'rfm.frequency', 'rfm.monetary', 'rfm.averageOrderValue']);
		// counts per cluster on the customers output match the summary
		const counts = {};
		for (const c of run.items('Cluster Customers', 0)) counts[c.cluster.index] = (counts[c.cluster.index] || 0) + 1;
		for (const s of summary) expect(counts[s.index]).toBe(s.size);
	});

	test('the CDNOW sample gives three clusters (silhouette 0.414 at k = 3)', () => {
		const summary = run.items('Cluster Customers', 1);
		expect(summary.map((s) => [s.size, s.label])).toEqual([
			[940, 'Low spend · Infrequent · Lapsed · Small baskets'],
			[725, 'Mid spend · Infrequent · Lapsed · Big baskets'],
			[692, 'High spend · Frequent · Very recent · Mid baskets'],
		]);
		expect(summary[0].details.kTried.map((t) => [t.k, Math.round(t.silhouette * 1000) / 1000])).toEqual([
			[3, 0.414],
			[4, 0.372],
			[5, 0.393],
			[6, 0.396],
		]);
		expect(summary[2].mean['rfm.frequency']).toBeCloseTo(6.71, 2);
		expect(summary[2].mean['rfm.monetary']).toBeCloseTo(251.45, 2);
		expect(summary[0].mean['rfm.recencyDays']).toBeCloseTo(477.67, 2);
	});

	test('names follow the numbers: the biggest spenders are called so', () => {
		const summary = run.items('Cluster Customers', 1);
		const bySpend = [...summary].sort((a, b) => b.mean['rfm.monetary'] - a.mean['rfm.monetary']);
		expect(bySpend[0].label).toMatch(/^(Top|High) spend/);
		expect(bySpend[bySpend.length - 1].label).toMatch(/^(Very low|Low|Mid) spend/);
		const byRecency = [...summary].sort((a, b) => a.mean['rfm.recencyDays'] - b.mean['rfm.recencyDays']);
		expect(byRecency[0].label).toMatch(/Recent|Very recent/);
	});

	describe('Cluster Within Groups (micro-segments)', () => {
		let micro;
		beforeAll(async () => {
			const wf = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/rfm-clusters.json'), 'utf8'));
			wf.id = 'msRfmClustersGrp';
			const node = wf.nodes.find((n) => n.name === 'Cluster Customers');
			node.parameters = { ...node.parameters, clusterCount: 'fixed', numberOfClusters: 2, withinGroups: true, groupField: 'rfm.segment' };
			micro = await runWorkflow({ workflow: wf });
			micro.assertOk();
		});

		test('identical to the core on the same data', () => {
			const report = core.clusterRecords(micro.items('RFM Score'), { mode: 'fixed', k: 2, groupField: 'rfm.segment', seed: 42 });
			expect(micro.items('Cluster Customers', 0).map((c) => c.cluster)).toEqual(report.tags);
		});

		test('keys like "Champions · 1" inside every RFM segment, unique names, sizes add up', () => {
			const out = micro.items('Cluster Customers', 0);
			expect(out).toHaveLength(CUSTOMERS);
			for (const c of out) {
				expect(c.cluster.group).toBe(c.rfm.segment);
				expect(c.cluster.key).toBe(`${c.rfm.segment} · ${c.cluster.index}`);
				expect(c.cluster.label.startsWith(`${c.rfm.segment} · `)).toBe(true);
			}
			const summary = micro.items('Cluster Customers', 1);
			expect(new Set(summary.map((s) => s.key)).size).toBe(summary.length);
			expect(new Set(summary.map((s) => s.label)).size).toBe(summary.length);
			expect(summary.reduce((a, s) => a + s.size, 0)).toBe(CUSTOMERS);
			const segments = new Set(out.map((c) => c.rfm.segment));
			expect(new Set(summary.map((s) => s.group))).toEqual(segments);
			for (const g of segments) {
				const inGroup = summary.filter((s) => s.group === g);
				expect(inGroup.reduce((a, s) => a + s.shareOfGroup, 0)).toBeCloseTo(1, 4);
			}
		});
	});
});
