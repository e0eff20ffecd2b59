/**
 * The weekly playbook in a real n8n queue-mode setup (test/e2e/queue.js): Redis, PostgreSQL as
 * n8n's database, one main and two `n8n worker` processes. Workflow: Schedule Trigger (Monday
 * 8:00) and a production Webhook (how the test starts runs: the main enqueues them, workers run
 * them) -> Warehouse RFM (PostgreSQL) -> Segment Changes (snapshot in workflow static data) ->
 * Campaign Send (OneSignal, shared PostgreSQL ledger). The OneSignal mock sits behind a slow
 * loopback proxy (each request waits before it is forwarded) so sends take a while. One setup,
 * three scenarios:
 *   1. two overlapping executions of the same weekly run: every customer gets exactly one push;
 *   2. a worker killed (SIGKILL) mid-send: the job is taken over (stalled-job retry) or rerun,
 *      and still every customer gets exactly one push (0 duplicated, 0 lost);
 *   3. a last run: everyone already sent, and Segment Changes reports everyone unchanged (its
 *      snapshot, written by workers into n8n's database, is right after overlaps and the kill).
 */
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { defaultVersion, ROOT } = require('./harness');
const { startQueue, pgQuery, pgUrl } = require('./queue');

const version = defaultVersion();
const CUSTOMERS = 120;
const TAG = `${process.pid}`;
const ORDERS = `wrfm_queue_orders_${TAG}`;
const LEDGER = `micro_queue_ledger_${TAG}`;
const HOOK = `micro-queue-playbook-${TAG}`;

/** Child process: the OneSignal mock (TypeScript, transpiled on the fly) behind a proxy that delays every request. */
const RUNNER = `
const fs = require('fs');
const http = require('http');
const ts = require(${JSON.stringify(require.resolve('typescript', { paths: [ROOT] }))});
require.extensions['.ts'] = (m, filename) => {
	const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, esModuleInterop: true } });
	m._compile(out.outputText, filename);
};
const { startOneSignalMock } = require(${JSON.stringify(path.join(ROOT, 'test/mocks/onesignal.ts'))});
const ids = JSON.parse(process.argv[1]);
const DELAY = Number(process.argv[2]);
(async () => {
	let mock = await startOneSignalMock({ subscribed: ids });
	const proxy = http.createServer(async (req, res) => {
		const chunks = [];
		for await (const c of req) chunks.push(c);
		await new Promise((r) => setTimeout(r, DELAY));
		const up = await fetch(mock.url + req.url, { method: req.method, headers: { 'content-type': req.headers['content-type'] || 'application/json', authorization: req.headers.authorization || '' }, body: req.method === 'GET' ? undefined : Buffer.concat(chunks) });
		const headers = {};
		up.headers.forEach((v, k) => { if (k !== 'content-length' && k !== 'transfer-encoding') headers[k] = v; });
		res.writeHead(up.status, headers);
		res.end(Buffer.from(await up.arrayBuffer()));
	});
	const control = http.createServer(async (req, res) => {
		if (req.method === 'POST') { await mock.close(); mock = await startOneSignalMock({ subscribed: ids }); }
		const per = {};
		for (const d of mock.deliveries) per[d.externalId] = (per[d.externalId] || 0) + 1;
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({ requests: mock.requests.length, replayed: mock.requests.filter((r) => r.replayed).length, deliveries: mock.deliveries.length, per }));
	});
	await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
	await new Promise((r) => control.listen(0, '127.0.0.1', r));
	process.stdout.write(JSON.stringify({ url: 'http://127.0.0.1:' + proxy.address().port, control: 'http://127.0.0.1:' + control.address().port, appId: mock.appId, apiKey: mock.apiKey }) + '\\n');
	process.on('SIGTERM', () => process.exit(0));
})();
`;

function startMock(ids, delayMs) {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['-e', RUNNER, JSON.stringify(ids), String(delayMs)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
		let buf = '';
		child.stdout.on('data', (d) => {
			buf += d;
			if (buf.includes('\n')) resolve({ child, ...JSON.parse(buf.split('\n')[0]) });
		});
		child.once('exit', (code) => reject(new Error(`mock process exited (${code})`)));
	});
}

const stats = async (mock, reset = false) => (await fetch(mock.control, { method: reset ? 'POST' : 'GET' })).json();

async function until(what, check, timeoutMs = 300000) {
	const started = Date.now();
	for (;;) {
		const v = await check();
		if (v) return v;
		if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 200));
	}
}

function playbook(ledgerTable) {
	const node = (name, type, typeVersion, position, parameters, extra = {}) => ({ id: `q-${name.replace(/\W/g, '')}`, name, type, typeVersion, position, parameters, ...extra });
	return {
		name: `Weekly playbook in queue mode ${TAG}`,
		settings: { executionOrder: 'v1' },
		nodes: [
			node('Every Monday 8:00', 'n8n-nodes-base.scheduleTrigger', 1.2, [0, 0], { rule: { interval: [{ field: 'weeks', triggerAtDay: [1], triggerAtHour: 8 }] } }),
			node('Run Now (Webhook)', 'n8n-nodes-base.webhook', 2, [0, 200], { httpMethod: 'POST', path: HOOK, responseMode: 'lastNode', responseData: 'allEntries', options: {} }, { webhookId: `0b6c3f2e-9d41-4c1a-8f00-${TAG.padStart(12, '0').slice(-12)}` }),
			node('Warehouse RFM', 'n8n-nodes-microsegments.warehouseRfm', 1, [250, 100], { engine: 'postgres', table: ORDERS, output: 'customers', options: {} }, { credentials: { microPostgresWarehouse: { id: 'qWarehousePg0001', name: 'Warehouse' } } }),
			node('Segment Changes', 'n8n-nodes-microsegments.segmentChanges', 1, [500, 100], { operation: 'compare', outputMode: 'field', options: {} }),
			node('Campaign Send', 'n8n-nodes-microsegments.campaignSend', 1, [750, 100], {
				provider: 'onesignal',
				ledger: 'postgres',
				campaignKey: 'queue-weekly-push',
				runKey: '2026-W10',
				consent: 'off',
				options: { batchSize: 8, concurrency: 1, ledgerTable, ledgerLeaseMinutes: 0.25, unconfirmedSends: 'resend', maxAttempts: 3 },
				onesignalTitle: 'We miss you',
				onesignalMessage: 'Come back this week for 15% off',
			}, { credentials: { microOneSignalApi: { id: 'qOneSignal000001', name: 'OneSignal' }, microPostgresLedger: { id: 'qLedgerPg0000001', name: 'Ledger' } } }),
		],
		connections: {
			'Every Monday 8:00': { main: [[{ node: 'Warehouse RFM', type: 'main', index: 0 }]] },
			'Run Now (Webhook)': { main: [[{ node: 'Warehouse RFM', type: 'main', index: 0 }]] },
			'Warehouse RFM': { main: [[{ node: 'Segment Changes', type: 'main', index: 0 }]] },
			'Segment Changes': { main: [[{ node: 'Campaign Send', type: 'main', index: 0 }]] },
		},
	};
}

async function loadOrders(url, ids) {
	await pgQuery(url, `DROP TABLE IF EXISTS ${ORDERS}`);
	await pgQuery(url, `CREATE TABLE ${ORDERS} (customer_id text, order_id text PRIMARY KEY, created_at timestamptz, total numeric)`);
	const values = [];
	const rows = [];
	let k = 0;
	ids.forEach((id, i) => {
		for (let j = 0; j <= i % 4; j++) {
			values.push(id, `O${i}-${j}`, new Date(Date.UTC(2026, 0, 1 + ((i * 13 + j * 29) % 60))).toISOString(), 10 + ((i * 7 + j) % 9) * 5);
			rows.push(`($${4 * k + 1}, $${4 * k + 2}, $${4 * k + 3}, $${4 * k + 4})`);
			k++;
		}
	});
	await pgQuery(url, `INSERT INTO ${ORDERS} VALUES ${rows.join(', ')}`, values);
}

const post = (q, timeoutMs = 600000) =>
	fetch(`${q.url}/webhook/${HOOK}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(timeoutMs) }).then(async (r) => ({ status: r.status, items: await r.json() }));

const allStarted = (q) => q.workers.flatMap((w) => w.started());

describe(`the weekly playbook in n8n ${version} queue mode (1 main, 2 workers, Redis, PostgreSQL)`, () => {
	const ids = Array.from({ length: CUSTOMERS }, (_, i) => `cust-${String(i).padStart(4, '0')}`);
	let q;
	let mock;
	let url;
	const results = {};

	beforeAll(async () => {
		url = pgUrl();
		await loadOrders(url, ids);
		mock = await startMock(ids, 150);
		const credentials = [
			{ id: 'qWarehousePg0001', name: 'Warehouse', type: 'microPostgresWarehouse', data: { connectionUrl: url, ssl: 'disable' } },
			{ id: 'qLedgerPg0000001', name: 'Ledger', type: 'microPostgresLedger', data: { connectionUrl: url, ssl: 'disable' } },
			{ id: 'qOneSignal000001', name: 'OneSignal', type: 'microOneSignalApi', data: { appId: mock.appId, apiKey: mock.apiKey, baseUrl: mock.url } },
		];
		const wf = playbook(LEDGER);
		q = await startQueue({
			version,
			workers: 2,
			workflows: [wf],
			credentials,
			activate: [wf.name],
			// a killed worker's job is seen as stalled within seconds (defaults: 60 s lock, 30 s check)
			env: { QUEUE_WORKER_LOCK_DURATION: '5000', QUEUE_WORKER_LOCK_RENEW_TIME: '2500', QUEUE_WORKER_STALLED_INTERVAL: '5000' },
		});

		// 1. two overlapping executions of the same weekly run
		const [a, b] = await Promise.all([post(q), post(q)]);
		results.overlap = { a, b, mock: await stats(mock), started: allStarted(q) };

		// 2. a fresh send (ledger emptied, new mock), a worker killed mid-send
		await pgQuery(url, `DELETE FROM ${LEDGER}`);
		await stats(mock, true);
		const before = new Set(allStarted(q));
		const killedRun = post(q).catch((e) => ({ error: e.message }));
		const executionId = await until('the execution to start on a worker', () => allStarted(q).find((id) => !before.has(id)));
		await until('a few batches to reach the provider', async () => (await stats(mock)).requests >= 3);
		const victim = q.workers.find((w) => w.started().includes(executionId));
		const survivor = q.workers.find((w) => w !== victim);
		victim.kill('SIGKILL');
		await victim.stopped();
		const atKill = await stats(mock);
		await q.addWorker();
		// the job is taken over by another worker when Bull sees it stalled; its response (or error) comes back
		const killed = await killedRun;
		// a rerun of the same weekly run (what the growth engineer does after an incident) once the dead run's lease is over
		await new Promise((r) => setTimeout(r, 16000));
		const rerun = await post(q);
		results.kill = { executionId, victim: victim.name, survivor: survivor.name, atKill, killed, rerun, mock: await stats(mock), tookOver: q.workers.filter((w) => w !== victim).some((w) => w.started().includes(executionId)) };

		// 3. a last run of the same week: nothing to send, Segment Changes sees no change
		results.last = { run: await post(q), mock: await stats(mock) };
		results.ledger = (await pgQuery(url, `SELECT status, count(*)::int AS n FROM ${LEDGER} GROUP BY status ORDER BY status`)).rows;
	}, 30 * 60 * 1000);

	afterAll(async () => {
		if (q) await q.stop();
		if (mock) mock.child.kill('SIGTERM');
		if (url) {
			await pgQuery(url, `DROP TABLE IF EXISTS ${ORDERS}`).catch(() => undefined);
			await pgQuery(url, `DROP TABLE IF EXISTS ${LEDGER}`).catch(() => undefined);
			await pgQuery(url, `DROP TABLE IF EXISTS ${LEDGER}_customers`).catch(() => undefined);
		}
	});

	test('executions run on the workers, not on the main', () => {
		const started = allStarted(q);
		expect(started.length).toBeGreaterThanOrEqual(5);
		expect(q.main.logs()).toMatch(/Enqueued execution \d+/);
		expect(q.main.logs()).not.toMatch(/Worker started execution/);
	});

	test('two overlapping executions: every customer gets exactly one push', () => {
		const { a, b, mock: m } = results.overlap;
		expect([a.status, b.status]).toEqual([200, 200]);
		expect(Object.keys(m.per).sort()).toEqual(ids);
		expect(Object.values(m.per).every((n) => n === 1)).toBe(true);
		expect(m.deliveries).toBe(CUSTOMERS);
		const statuses = [...a.items, ...b.items].map((i) => i.delivery && (i.delivery.reason || i.delivery.status));
		expect(statuses.filter((s) => s === 'sent')).toHaveLength(CUSTOMERS);
		expect(statuses.filter((s) => s !== 'sent').every((s) => s === 'in_progress' || s === 'already_sent')).toBe(true);
		// both runs compared with an empty snapshot: everyone new
		expect([...a.items, ...b.items].every((i) => i.change.type === 'new')).toBe(true);
	});

	test('a worker killed mid-send: 0 duplicated, 0 lost', () => {
		const { atKill, mock: m, rerun } = results.kill;
		expect(atKill.requests).toBeGreaterThanOrEqual(3);
		expect(atKill.deliveries).toBeLessThan(CUSTOMERS);
		expect(Object.keys(m.per).sort()).toEqual(ids);
		expect(Object.values(m.per).every((n) => n === 1)).toBe(true);
		expect(m.deliveries).toBe(CUSTOMERS);
		expect(rerun.status).toBe(200);
		const rerunStatuses = rerun.items.map((i) => i.delivery.reason || i.delivery.status);
		expect(rerunStatuses.every((s) => s === 'already_sent' || s === 'sent')).toBe(true);
	});

	test('the last run sends nothing and Segment Changes sees everyone unchanged', () => {
		const { run, mock: m } = results.last;
		expect(run.status).toBe(200);
		expect(run.items).toHaveLength(CUSTOMERS);
		expect(run.items.every((i) => i.delivery.reason === 'already_sent')).toBe(true);
		expect(run.items.every((i) => i.change.type === 'unchanged' && i.change.from === i.rfm.segment)).toBe(true);
		expect(m.deliveries).toBe(CUSTOMERS);
		expect(results.ledger).toEqual([{ status: 'sent', n: CUSTOMERS }]);
	});

	test('report', () => {
		const { kill } = results;
		// eslint-disable-next-line no-console
		console.log(JSON.stringify({ version, killed: kill.executionId, victim: kill.victim, tookOver: kill.tookOver, deliveriesAtKill: kill.atKill.deliveries, killedResponse: kill.killed.status || kill.killed.error, rerunSent: kill.rerun.items.filter((i) => i.delivery.status === 'sent').length }));
		expect(kill.victim).toMatch(/^worker\d$/);
	});
});
