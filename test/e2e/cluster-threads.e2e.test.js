/**
 * Cluster Customers on worker threads inside a real n8n: 30,000 generated customers (a Code node)
 * clustered with k = 9 (n·k ≥ 200,000, so the k-means worker pool starts in the n8n process), once
 * with the default (automatic) threads and once with Threads = 1. Both summaries must be identical
 * (apart from `details.threads`), say how many threads did the work, and equal what the k-means
 * core computes on one thread from the same customers.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runWorkflow, defaultVersion, buildPackage } = require('./harness');

const version = defaultVersion();
const N = 30000;
const K = 9;

// Deterministic customers, generated the same way in the Code node and in this test.
const GENERATE = `
let s = 12345;
const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
const out = [];
for (let i = 0; i < ${N}; i++) {
  const frequency = 1 + Math.floor(Math.pow(rnd(), 3) * 20);
  const monetary = Math.round(frequency * (20 + rnd() * 80) * 100) / 100;
  out.push({ json: { customerId: 'C' + i, rfm: { recencyDays: Math.floor(rnd() * 700), frequency, monetary, averageOrderValue: Math.round((monetary / frequency) * 100) / 100 } } });
}
return out;`;

const cluster = (id, name, x, threads) => ({
	id,
	name,
	type: 'n8n-nodes-microsegments.clusterCustomers',
	typeVersion: 1,
	position: [x, 0],
	parameters: { features: 'rfm', scaling: 'zscore', clusterCount: 'fixed', numberOfClusters: K, output: 'summary', options: threads ? { threads } : {} },
});

const workflow = {
	id: 'e2eClusterThr01',
	versionId: '5e2d1c3b-0000-4000-8000-00000000c001',
	name: 'E2E: Cluster Customers on worker threads',
	settings: { executionOrder: 'v1' },
	nodes: [
		{ id: 't1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{ id: 't2', name: 'Customers', type: 'n8n-nodes-base.code', typeVersion: 2, position: [220, 0], parameters: { jsCode: GENERATE } },
		cluster('t3', 'Cluster Auto Threads', 440),
		cluster('t4', 'Cluster One Thread', 660, 1),
	],
	connections: {
		Start: { main: [[{ node: 'Customers', type: 'main', index: 0 }]] },
		Customers: {
			main: [
				[
					{ node: 'Cluster Auto Threads', type: 'main', index: 0 },
					{ node: 'Cluster One Thread', type: 'main', index: 0 },
				],
			],
		},
	},
};

describe(`Cluster Customers on worker threads in n8n ${version}`, () => {
	let run;
	let core;
	beforeAll(async () => {
		run = await runWorkflow({ workflow });
		run.assertOk();
		const from = path.join(buildPackage({ quiet: true }), 'nodes/core');
		const to = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-threads-e2e-core-'));
		fs.cpSync(from, to, { recursive: true, filter: (src) => fs.statSync(src).isDirectory() || src.endsWith('.js') });
		core = require(path.join(to, 'kmeans', 'index.js'));
	});

	afterAll(() => core?.shutdownPool());

	const strip = (items) => items.map(({ details, ...rest }) => ({ ...rest, details: { ...details, threads: undefined } }));

	test('the default uses the worker threads of the machine, Threads = 1 only the main thread', () => {
		const auto = run.items('Cluster Auto Threads');
		const one = run.items('Cluster One Thread');
		expect(auto).toHaveLength(K);
		expect(one).toHaveLength(K);
		expect(auto[0].details.threads).toBe(Math.min(2, os.availableParallelism ? os.availableParallelism() : os.cpus().length));
		expect(one[0].details.threads).toBe(1);
		expect(auto.reduce((a, c) => a + c.size, 0)).toBe(N);
	});

	test('identical clusters whatever the threads, and identical to the core on one thread', () => {
		const auto = run.items('Cluster Auto Threads');
		const one = run.items('Cluster One Thread');
		expect(strip(auto)).toEqual(strip(one));
		const customers = new Function(GENERATE)().map((it) => it.json);
		const report = core.clusterRecords(customers, { mode: 'fixed', k: K, seed: 42, threads: 1 });
		expect(auto.map((c) => ({ index: c.index, label: c.label, size: c.size, mean: c.mean, centroid: c.centroid }))).toEqual(
			report.clusters.map((c) => ({ index: c.index, label: c.label, size: c.size, mean: c.mean, centroid: c.centroid })),
		);
		expect(auto[0].details.inertia).toBe(report.runs[0].inertia);
	});
});
