/**
 * The CSV path and large runs in a real n8n (binary data in filesystem mode, as a big run needs):
 * one orders file read by Fetch Customers twice — as customer items, and as one customer table —
 * through RFM Score, Cluster Customers and Segment Router: the table branch must give exactly the
 * items of the playbook segments that the items branch gives, with n8n holding one item per node,
 * then Campaign Send (Local Outbox) sends them. A third branch passes the playbook segments on as
 * tables (Segment Router › One Customer Table per Output) to a Campaign Send that answers with one
 * table of outcomes: the same customers, the same outbox lines, one item per output and run. In the same run, files that used to be misread:
 * UTF-16 without a byte order mark holding an accounting negative, an impossible date and an
 * epoch "0"; and a file with an unterminated quote (an error naming its line, not a silently
 * shortened file). Small data: one n8n run.
 */
const fs = require('fs');
const path = require('path');
const { runWorkflow, defaultVersion, WORK_DIR } = require('./harness');

const version = defaultVersion();
const SEGMENTS = ['Champions', 'Loyal Customers', 'Potential Loyalists', 'New Customers', 'Promising', 'Need Attention', 'About To Sleep', 'At Risk', "Can't Lose Them", 'Hibernating'];
const PLAYBOOK = [
	{ segment: 'Champions', campaign: 'VIP Early Access', useDefaultHoldout: true },
	{ segment: 'At Risk', campaign: 'Win-Back 15%', useDefaultHoldout: true },
	{ segment: 'Hibernating', campaign: 'Last Chance', useDefaultHoldout: true },
];

/** 2,400 orders of 500 customers, skewed like a shop (most buy once), a few refunds and cancellations. */
function ordersCsv() {
	const lines = ['customer_id,order_id,created_at,total,currency,status,email'];
	let seed = 11;
	const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
	for (let i = 0; i < 2400; i++) {
		const c = i < 500 ? i : Math.floor(500 * Math.pow(rnd(), 3));
		const day = new Date(Date.UTC(2024, 0, 1) + Math.floor(rnd() * 700) * 86400000).toISOString().slice(0, 10);
		const status = rnd() < 0.03 ? 'cancelled' : 'paid';
		lines.push(`C${c},O${i},${day}T10:00:00Z,${(5 + rnd() * 200).toFixed(2)},USD,${status},c${c}@shop.test`);
		if (rnd() < 0.02) lines.push(`C${c},O${i},${day}T10:00:00Z,(3.50),USD,paid,c${c}@shop.test`);
	}
	return lines.join('\n') + '\n';
}

function node(name, type, x, y, parameters, extra = {}) {
	return { id: name.replace(/\W+/g, '-').toLowerCase(), name, type, typeVersion: 1, position: [x * 220, y * 200], parameters, ...extra };
}
const link = (to) => ({ main: [[{ node: to, type: 'main', index: 0 }]] });

function workflow(dir) {
	const routerParams = { segmentsFrom: 'rfm', holdoutPercent: 10, playbooks: { playbook: PLAYBOOK }, options: {} };
	const cluster = { features: 'rfm', scaling: 'zscore', clusterCount: 'fixed', numberOfClusters: 3, output: 'customers', options: {} };
	const nodes = [
		node('Start', 'n8n-nodes-base.manualTrigger', 0, 0, {}),
		node('Read Orders', 'n8n-nodes-base.readWriteFile', 1, 0, { fileSelector: path.join(dir, 'orders.csv'), options: {} }),
		node('Customers (Items)', 'n8n-nodes-microsegments.fetchCustomers', 2, 0, { source: 'csv', output: 'customers', options: {} }),
		node('RFM (Items)', 'n8n-nodes-microsegments.rfmScore', 3, 0, { input: 'customers', options: {} }),
		node('Cluster (Items)', 'n8n-nodes-microsegments.clusterCustomers', 4, 0, cluster),
		node('Router (Items)', 'n8n-nodes-microsegments.segmentRouter', 5, 0, routerParams),
		node('Customers (Table)', 'n8n-nodes-microsegments.fetchCustomers', 2, 1, { source: 'csv', output: 'customers', options: { outputFormat: 'table' } }),
		node('RFM (Table)', 'n8n-nodes-microsegments.rfmScore', 3, 1, { input: 'customers', options: {} }),
		node('Cluster (Table)', 'n8n-nodes-microsegments.clusterCustomers', 4, 1, cluster),
		node('Router (Table)', 'n8n-nodes-microsegments.segmentRouter', 5, 1, routerParams),
		node('Send', 'n8n-nodes-microsegments.campaignSend', 6, 1, { provider: 'outbox', outboxDirectory: path.join(dir, 'outbox'), campaignKey: '', runKey: 'e2e', options: {} }),
		node('Router (Tables)', 'n8n-nodes-microsegments.segmentRouter', 5, 4, { ...routerParams, options: { tableItems: 'tables' } }),
		node('Send (Tables)', 'n8n-nodes-microsegments.campaignSend', 6, 4, { provider: 'outbox', outboxDirectory: path.join(dir, 'outbox-tables'), campaignKey: '', runKey: 'e2e-tables', options: {} }),
		node('Read UTF-16', 'n8n-nodes-base.readWriteFile', 1, 2, { fileSelector: path.join(dir, 'utf16.csv'), options: {} }),
		node('UTF-16 Orders', 'n8n-nodes-microsegments.fetchCustomers', 2, 2, { source: 'csv', output: 'orders', options: {} }),
		node('Read Unterminated', 'n8n-nodes-base.readWriteFile', 1, 3, { fileSelector: path.join(dir, 'unterminated.csv'), options: {} }),
		node('Unterminated', 'n8n-nodes-microsegments.fetchCustomers', 2, 3, { source: 'csv', output: 'customers', options: {} }, { onError: 'continueRegularOutput' }),
	];
	const toSend = (name) => ({ main: SEGMENTS.map((s) => (PLAYBOOK.some((p) => p.segment === s) ? [{ node: name, type: 'main', index: 0 }] : [])) });
	return {
		name: 'E2E: CSV path and large runs',
		nodes,
		connections: {
			Start: { main: [[{ node: 'Read Orders', type: 'main', index: 0 }, { node: 'Read UTF-16', type: 'main', index: 0 }, { node: 'Read Unterminated', type: 'main', index: 0 }]] },
			'Read Orders': { main: [[{ node: 'Customers (Items)', type: 'main', index: 0 }, { node: 'Customers (Table)', type: 'main', index: 0 }]] },
			'Customers (Items)': link('RFM (Items)'),
			'RFM (Items)': link('Cluster (Items)'),
			'Cluster (Items)': link('Router (Items)'),
			'Customers (Table)': link('RFM (Table)'),
			'RFM (Table)': link('Cluster (Table)'),
			'Cluster (Table)': { main: [[{ node: 'Router (Table)', type: 'main', index: 0 }, { node: 'Router (Tables)', type: 'main', index: 0 }]] },
			'Router (Table)': toSend('Send'),
			'Router (Tables)': toSend('Send (Tables)'),
			'Read UTF-16': link('UTF-16 Orders'),
			'Read Unterminated': link('Unterminated'),
		},
		settings: { executionOrder: 'v1' },
	};
}

describe(`CSV path and large runs on n8n ${version}`, () => {
	let run;
	let dir;
	beforeAll(async () => {
		fs.mkdirSync(WORK_DIR, { recursive: true });
		dir = fs.mkdtempSync(path.join(WORK_DIR, 'large-run-'));
		fs.writeFileSync(path.join(dir, 'orders.csv'), ordersCsv());
		// UTF-16 LE without a byte order mark (as some exports write it), semicolons, decimal commas
		const utf16 = ['customer_id;order_id;date;total', 'Zoë;A1;2024-03-01;12,50', 'Zoë;A1;2024-03-01;(2,50)', 'Müller;A2;20240230;9', 'Björn;A3;0;9', 'Björn;A4;2024-03-02;7'];
		fs.writeFileSync(path.join(dir, 'utf16.csv'), Buffer.from(utf16.join('\r\n') + '\r\n', 'utf16le'));
		fs.writeFileSync(path.join(dir, 'unterminated.csv'), 'customer_id,date,total\nA,2024-01-01,10\nB,2024-01-02,"5\nC,2024-01-03,7\nD,2024-01-04,8\n');
		run = await runWorkflow({ workflow: workflow(dir), allowedPaths: [dir], env: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' } });
		run.assertOk();
	});
	afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

	test('the table branch holds one item per node, kept on disk, with a sample of the customers', () => {
		const customers = run.items('Customers (Items)');
		expect(customers.length).toBeGreaterThan(400);
		for (const name of ['Customers (Table)', 'RFM (Table)', 'Cluster (Table)']) {
			const items = run.rawItems(name);
			expect(items).toHaveLength(1);
			expect(items[0].binary.customers).toMatchObject({ mimeType: 'application/vnd.microsegments.customers+table', fileName: 'customers.mstable' });
			expect(items[0].json.table.storedOnDisk).toBe(true);
		}
		const [table] = run.items('Customers (Table)');
		expect(table).toMatchObject({ rowsRead: expect.any(Number), skipped: 0, table: { customers: customers.length } });
		expect(table.sample).toEqual(customers.slice(0, 20));
		expect(run.items('RFM (Table)')[0].sample).toEqual(run.items('RFM (Items)').slice(0, 20));
		expect(run.items('Cluster (Table)')[0].sample).toEqual(run.items('Cluster (Items)').slice(0, 20));
	});

	test('the same segments and the same routed customers as the items branch', () => {
		const counts = {};
		for (const c of run.items('RFM (Items)')) counts[c.rfm.segment] = (counts[c.rfm.segment] || 0) + 1;
		const fromTable = Object.fromEntries(run.items('RFM (Table)')[0].segments.filter((s) => s.customers).map((s) => [s.segment, s.customers]));
		expect(fromTable).toEqual(counts);
		let routed = 0;
		SEGMENTS.forEach((segment, k) => {
			const items = run.items('Router (Items)', k);
			const table = run.items('Router (Table)', k);
			const sent = PLAYBOOK.some((p) => p.segment === segment);
			expect(table).toEqual(sent ? items : []);
			if (sent) routed += items.length;
		});
		expect(routed).toBeGreaterThan(50);
		// holdout and the other outputs are counted, not items
		expect(run.items('Router (Table)', 10)).toEqual([]);
	});

	test('Campaign Send writes one outbox line per routed customer', () => {
		const files = fs.readdirSync(path.join(dir, 'outbox')).filter((f) => f.endsWith('.jsonl'));
		const lines = files.flatMap((f) => fs.readFileSync(path.join(dir, 'outbox', f), 'utf8').trim().split('\n'));
		let routed = 0;
		SEGMENTS.forEach((s, k) => PLAYBOOK.some((p) => p.segment === s) && (routed += run.items('Router (Table)', k).length));
		expect(lines).toHaveLength(routed);
		expect(new Set(lines.map((l) => JSON.parse(l).customerId)).size).toBe(routed);
	});

	test('One Customer Table per Output: a table per playbook segment, and Campaign Send answers with one table of outcomes', () => {
		const outbox = (sub) =>
			fs
				.readdirSync(path.join(dir, sub))
				.filter((f) => f.endsWith('.jsonl'))
				.flatMap((f) => fs.readFileSync(path.join(dir, sub, f), 'utf8').trim().split('\n'))
				.map((l) => JSON.parse(l))
				.map((m) => `${m.campaignKey} ${m.customerId} ${m.to}`)
				.sort();
		let routed = 0;
		SEGMENTS.forEach((segment, k) => {
			const items = run.items('Router (Table)', k);
			const tables = run.rawItems('Router (Tables)', k);
			if (!PLAYBOOK.some((p) => p.segment === segment)) return expect(tables).toEqual([]);
			expect(tables).toHaveLength(1);
			expect(tables[0].binary.customers).toMatchObject({ mimeType: 'application/vnd.microsegments.customers+table' });
			// the customers the items branch routes there, route and playbook included
			expect(tables[0].json).toMatchObject({ output: segment, customers: items.length, table: { customers: items.length, storedOnDisk: true } });
			expect(tables[0].json.sample).toEqual(items.slice(0, 20));
			routed += items.length;
		});
		// the same messages as the items branch
		expect(outbox('outbox-tables')).toEqual(outbox('outbox'));
		// per run (one per playbook output): one Recipients item with every outcome in its table
		const runs = run.runData['Send (Tables)'];
		expect(runs).toHaveLength(PLAYBOOK.length);
		let sent = 0;
		runs.forEach((_, r) => {
			const [recipients, ...more] = run.rawItems('Send (Tables)', 0, r);
			expect(more).toEqual([]);
			expect(recipients.pairedItem).toEqual({ item: 0 });
			expect(recipients.binary.customers.mimeType).toBe('application/vnd.microsegments.customers+table');
			const { byStatus, customers, sample, table } = recipients.json;
			expect(table.columns).toEqual(expect.arrayContaining(['route.campaignKey', 'delivery.status', 'delivery.sendKey']));
			expect(customers).toBe(table.customers);
			expect(byStatus.sent).toBe(customers);
			expect(sample.length).toBe(Math.min(20, customers));
			for (const c of sample) expect(c.delivery).toMatchObject({ status: 'sent', provider: 'outbox', attempts: 1 });
			const [summary] = run.items('Send (Tables)', 1, r);
			expect(summary.summary).toMatchObject({ total: customers, sent: customers });
			expect(run.rawItems('Send (Tables)', 1, r)[0].pairedItem).toEqual({ item: 0 });
			sent += customers;
		});
		expect(sent).toBe(routed);
	});

	test('UTF-16 without a byte order mark, an accounting negative, an impossible date and epoch 0 are read right', () => {
		expect(run.items('UTF-16 Orders')).toEqual([
			{ customerId: 'Zoë', orderId: 'A1', createdAt: '2024-03-01T00:00:00.000Z', total: 10, currency: 'USD', status: 'partially_refunded' },
			{ customerId: 'Björn', orderId: 'A4', createdAt: '2024-03-02T00:00:00.000Z', total: 7, currency: 'USD', status: 'paid' },
		]);
	});

	test('an unterminated quote is an error naming its line, not a silently shortened file', () => {
		const [item] = run.items('Unterminated');
		expect(item.error).toBe(
			'Line 3: the quote that opens field 3 is never closed, so the 3 lines from there to the end of the file would be read as one field. Close the quote (a quote inside a field is written twice: "") or remove it.',
		);
	});
});
