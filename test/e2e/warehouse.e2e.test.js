/**
 * examples/warehouse-rfm.json in a real n8n, in one run: Warehouse RFM on the embedded engine
 * (DuckDB reading the CDNOW sample CSV, only the three win-back segments) -> Segment Router, plus,
 * fed by the same trigger, Warehouse RFM on PostgreSQL (the same orders in a table, through the
 * Microsegments PostgreSQL Warehouse credential). Both SQL engines must give RFM Score's scores
 * and segments customer by customer: RFM Score's core (the built package) scores the same CSV
 * in this process (kept out of the n8n run: its 6,919 order items would triple the run's output).
 */
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { Client } = require('pg');
const { runWorkflow, loadWorkflow, defaultVersion, ROOT } = require('./harness');

const version = defaultVersion();
const SAMPLE = 'examples/data/cdnow_sample_orders.csv';
const TARGETS = ['At Risk', "Can't Lose Them", 'Hibernating'];
const TABLE = `wrfm_e2e_${process.pid}`;

function pgUrl() {
	if (process.env.MICRO_TEST_PG_URL) return process.env.MICRO_TEST_PG_URL;
	return execFileSync('bash', [path.join(ROOT, '.ci/postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop();
}

async function loadSample(url) {
	const [head, ...lines] = fs.readFileSync(path.join(ROOT, SAMPLE), 'utf8').trim().split(/\r?\n/);
	expect(head).toBe('customer_id,order_id,date,cds,amount');
	const client = new Client({ connectionString: url });
	await client.connect();
	try {
		await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
		await client.query(`CREATE TABLE ${TABLE} (customer_id text, order_id text, order_date date, amount numeric)`);
		for (let i = 0; i < lines.length; i += 1000) {
			const values = [];
			const rows = lines.slice(i, i + 1000).map((l, j) => {
				const [c, o, d, , a] = l.split(',');
				values.push(c, o, `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`, a);
				return `($${4 * j + 1}, $${4 * j + 2}, $${4 * j + 3}, $${4 * j + 4})`;
			});
			await client.query(`INSERT INTO ${TABLE} VALUES ${rows.join(', ')}`, values);
		}
	} finally {
		await client.end();
	}
}

async function dropSample(url) {
	const client = new Client({ connectionString: url });
	await client.connect();
	await client.query(`DROP TABLE IF EXISTS ${TABLE}`).finally(() => client.end());
}

/** The example, plus the PostgreSQL engine and the classic RFM Score chain on the same trigger. */
function workflow() {
	const { wf } = loadWorkflow('examples/warehouse-rfm.json');
	const at = (x, y) => [x, y];
	wf.nodes.push(
		{ id: 'e2e-pg', name: 'Warehouse RFM (PostgreSQL)', type: 'n8n-nodes-microsegments.warehouseRfm', typeVersion: 1, position: at(260, 600), parameters: { engine: 'postgres', table: TABLE, output: 'both', options: {} }, credentials: { microPostgresWarehouse: { id: 'e2eWarehousePg01', name: 'Warehouse (test)' } } },
	);
	const trigger = wf.nodes.find((n) => n.type === 'n8n-nodes-base.scheduleTrigger').name;
	wf.connections[trigger].main[0].push({ node: 'Warehouse RFM (PostgreSQL)', type: 'main', index: 0 });
	return wf;
}

const scores = (c) => [c.customerId, c.rfm.recencyDays, c.rfm.frequency, c.rfm.monetary, c.rfm.r, c.rfm.f, c.rfm.m, c.rfm.segment, c.rfm.referenceDate];

/** RFM Score's core (dist/, the build n8n loads) on the sample CSV, read as Extract From File reads it (text fields). */
function coreResult() {
	const { extractOrders, scoreRfm } = require(path.join(ROOT, 'dist/nodes/core/rfm/rfm.js'));
	const { RF_MAP } = require(path.join(ROOT, 'dist/nodes/core/rfm/segmentMaps.js'));
	const [head, ...lines] = fs.readFileSync(path.join(ROOT, SAMPLE), 'utf8').trim().split(/\r?\n/);
	const cols = head.split(',');
	const records = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
	const result = scoreRfm(extractOrders(records, {}, { skipInvalid: false }), { bins: 5, scoring: 'quantiles', reference: { kind: 'dayAfterLatest' }, nonPositiveMonetary: 'keepAsLowest', map: RF_MAP });
	const referenceDate = new Date(result.referenceTime).toISOString();
	const customers = result.customers.map((c) => ({ customerId: c.customerId, rfm: { ...c, referenceDate } }));
	return { result, customers };
}

describe(`examples/warehouse-rfm.json on n8n ${version}`, () => {
	let run;
	let url;
	let core;
	let reference;
	beforeAll(async () => {
		url = pgUrl();
		await loadSample(url);
		run = await runWorkflow({
			workflow: workflow(),
			credentials: [{ id: 'e2eWarehousePg01', name: 'Warehouse (test)', type: 'microPostgresWarehouse', data: { connectionUrl: url, ssl: 'disable' } }],
		});
		run.assertOk();
		reference = coreResult();
		core = new Map(reference.customers.map((c) => [c.customerId, c]));
	});
	afterAll(() => url && dropSample(url));

	test('RFM Score scored the 2,357 sample customers (the reference of this test)', () => {
		expect(core.size).toBe(2357);
	});

	test('embedded engine: only the targeted segments, each customer scored as RFM Score scores it', () => {
		const customers = run.items('Warehouse RFM', 0);
		const expected = [...core.values()].filter((c) => TARGETS.includes(c.rfm.segment));
		expect(expected.length).toBeGreaterThan(500);
		expect(customers).toHaveLength(expected.length);
		for (const c of customers) expect(scores(c)).toEqual(scores(core.get(c.customerId)));
		const ids = customers.map((c) => c.customerId);
		expect(ids).toEqual([...ids].sort());
	});

	test('embedded engine summary: RFM Score\'s segment counts, edges, the SQL it ran', () => {
		const summary = run.items('Warehouse RFM', 1);
		expect(summary.map(({ details, ...s }) => s)).toEqual(reference.result.segments);
		const d = summary[0].details;
		expect(d.edges).toEqual(reference.result.edges);
		expect(d.distribution).toEqual(reference.result.distribution);
		expect(d).toMatchObject({ engine: 'duckdb', customersScored: 2357, nextCursor: null, customersReturned: run.items('Warehouse RFM', 0).length });
		expect(d.sql.map((s) => s.name)).toEqual(['grp', 'edges', 'final', 'summary', 'customers']);
	});

	test('PostgreSQL engine: every customer scored as RFM Score scores it', () => {
		const customers = run.items('Warehouse RFM (PostgreSQL)', 0);
		expect(customers).toHaveLength(2357);
		for (const c of customers) expect(scores(c)).toEqual(scores(core.get(c.customerId)));
		const d = run.items('Warehouse RFM (PostgreSQL)', 1)[0].details;
		expect(d).toMatchObject({ engine: 'postgres', customersScored: 2357, columns: { customerId: 'customer_id', orderId: 'order_id', date: 'order_date', amount: 'amount' } });
	});

	test('Segment Router gets the warehouse customers: each routed to its segment\'s playbook', () => {
		const routed = run.outputs('Segment Router').flat();
		expect(routed).toHaveLength(run.items('Warehouse RFM', 0).length);
		for (const item of routed) expect(TARGETS).toContain(item.route.segment);
		expect(routed.filter((i) => i.route.segment === i.rfm.segment)).toHaveLength(routed.length);
	});
});
