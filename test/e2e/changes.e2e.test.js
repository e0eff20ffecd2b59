/**
 * Segment Changes in a real n8n, run the way a schedule runs it: `n8n execute` (mode "cli", like
 * an active schedule's "trigger" mode and unlike the editor's manual runs, saves the workflow's
 * static data). Two runs share a user folder, and the data file is swapped between them.
 *
 * 1. Planted segments (examples/data/playbook-segments-week1/2.csv) behind a Schedule Trigger:
 *    the second run reports exactly the planted moves; the stored snapshot holds no email or ID.
 * 2. examples/win-back-on-slip.json on two weeks of orders: the moves equal the difference of the
 *    RFM segments of the two runs, and only the customers who slipped from Champions/Loyal reach
 *    the win-back send. A run that fails before "Confirm Snapshot" leaves the snapshot in place.
 * 3. What n8n itself does: with "When This Node Succeeds", a failed run still saves the snapshot.
 */
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { runWorkflow, createUserFolder, defaultVersion, loadWorkflow, installDir, ROOT } = require('./harness');

const version = defaultVersion();
const RANK = ['Champions', 'Loyal Customers', 'Potential Loyalists', 'New Customers', 'Promising', 'Need Attention', 'About To Sleep', 'At Risk', "Can't Lose Them", 'Hibernating'];
const OUT = { new: 0, up: 1, down: 2, unranked: 3, unchanged: 4, gone: 5 };
const data = (f) => path.join(ROOT, 'examples', 'data', f);

/** Independent snapshot key: HMAC-SHA256(sha256hex("microsegments-snapshot:" + workflowId), id), 12 bytes base64url. */
function snapshotKey(workflowId, id) {
	const salt = crypto.createHash('sha256').update(`microsegments-snapshot:${workflowId}`).digest('hex');
	return crypto.createHmac('sha256', salt).update(id).digest().subarray(0, 12).toString('base64url');
}

/** The workflow's static data as stored in n8n's SQLite database (read with n8n's own sqlite3). */
function storedStaticData(userFolder, workflowId) {
	const sqlite3 = require(path.join(installDir(version), 'node_modules', 'sqlite3'));
	const db = new sqlite3.Database(path.join(userFolder, '.n8n', 'database.sqlite'), sqlite3.OPEN_READONLY);
	return new Promise((resolve, reject) =>
		db.get('SELECT staticData FROM workflow_entity WHERE id = ?', [workflowId], (err, row) => {
			db.close();
			if (err) reject(err);
			else resolve(row && row.staticData ? String(row.staticData) : '');
		}),
	);
}

const ids = (items) => items.map((c) => c.customer_id || c.customerId);

describe(`Segment Changes, planted moves, schedule-triggered workflow on n8n ${version}`, () => {
	const WF_ID = 'msChangesE2E0001';
	let userFolder;
	let dataFile;
	let first;
	let second;
	const workflow = () => ({
		id: WF_ID,
		name: 'E2E: Segment Changes on planted segments',
		settings: { executionOrder: 'v1' },
		nodes: [
			{ id: 'c1', name: 'Every Monday', type: 'n8n-nodes-base.scheduleTrigger', typeVersion: 1.2, position: [0, 0], parameters: { rule: { interval: [{ field: 'weeks', triggerAtDay: [1], triggerAtHour: 8 }] } } },
			{ id: 'c2', name: 'Read Segments', type: 'n8n-nodes-base.readWriteFile', typeVersion: 1, position: [220, 0], parameters: { fileSelector: dataFile, options: {} } },
			{ id: 'c3', name: 'Parse Segments', type: 'n8n-nodes-base.extractFromFile', typeVersion: 1, position: [440, 0], parameters: { options: { headerRow: true } } },
			{ id: 'c4', name: 'Segment Changes', type: 'n8n-nodes-microsegments.segmentChanges', typeVersion: 1, position: [660, 0], parameters: { segmentField: 'segment', customerIdField: 'customer_id' } },
		],
		connections: {
			'Every Monday': { main: [[{ node: 'Read Segments', type: 'main', index: 0 }]] },
			'Read Segments': { main: [[{ node: 'Parse Segments', type: 'main', index: 0 }]] },
			'Parse Segments': { main: [[{ node: 'Segment Changes', type: 'main', index: 0 }]] },
		},
	});

	beforeAll(async () => {
		userFolder = createUserFolder('changes-planted');
		dataFile = path.join(userFolder, 'segments.csv');
		fs.copyFileSync(data('playbook-segments-week1.csv'), dataFile);
		first = await runWorkflow({ workflow: workflow(), userFolder });
		first.assertOk();
		fs.copyFileSync(data('playbook-segments-week2.csv'), dataFile);
		second = await runWorkflow({ workflow: workflow(), userFolder });
		second.assertOk();
	});

	test('the first run reports all 30 customers as new', () => {
		expect(ids(first.items('Segment Changes', OUT.new))).toHaveLength(30);
		expect(first.outputs('Segment Changes').slice(1).flat()).toEqual([]);
	});

	test('the second run reports exactly the planted moves', () => {
		expect(ids(second.items('Segment Changes', OUT.new))).toEqual(['C031', 'C032']);
		expect(ids(second.items('Segment Changes', OUT.up))).toEqual(['C002', 'C007', 'C011']);
		expect(ids(second.items('Segment Changes', OUT.down))).toEqual(['C001', 'C005']);
		expect(ids(second.items('Segment Changes', OUT.unranked))).toEqual(['C013']);
		expect(second.items('Segment Changes', OUT.unchanged)).toHaveLength(22);
		const down = second.items('Segment Changes', OUT.down);
		expect(down.map((c) => [c.change.from, c.change.to, c.change.direction])).toEqual([
			['New Customers', 'At Risk', 'down'],
			['Need Attention', 'Hibernating', 'down'],
		]);
		expect(down[0].email).toBe('c001@example.com');
		expect(Date.parse(down[0].change.comparedWith)).toBeGreaterThan(Date.now() - 3600e3);
		const gone = second.items('Segment Changes', OUT.gone);
		const expectedGone = [['C020', 'Champions'], ['C029', 'At Risk']]
			.map(([id, seg]) => [snapshotKey(WF_ID, id), seg])
			.sort((a, b) => (a[0] < b[0] ? -1 : 1));
		expect(gone.map((g) => [g.customerKey, g.change.from])).toEqual(expectedGone);
	});

	test('the snapshot stored in n8n\'s database holds no email, name or customer ID (17 bytes per customer)', async () => {
		const stored = await storedStaticData(userFolder, WF_ID);
		expect(stored).toContain('segmentSnapshots');
		expect(stored).not.toMatch(/example\.com|C0\d\d|Name0/);
		const state = JSON.parse(stored)['node:Segment Changes'].segmentSnapshots;
		expect(state.current.count).toBe(30);
		expect(state.current.data).toHaveLength(30 * 17);
	});
});

describe(`examples/win-back-on-slip.json over two weeks of orders on n8n ${version}`, () => {
	const WF_ID = 'msWinBackE2E0001';
	let userFolder;
	let ordersFile;
	const runs = [];
	const rank = (s) => RANK.indexOf(s);

	function workflow({ failAfterSend = false } = {}) {
		const { wf } = loadWorkflow('examples/win-back-on-slip.json');
		wf.id = WF_ID;
		wf.nodes.find((n) => n.name === 'Read Orders CSV').parameters.fileSelector = ordersFile;
		if (failAfterSend) {
			// A failing step on the upper branch (think: the provider is down during the send).
			wf.nodes.push({ id: 'f1', name: 'Provider Down', type: 'n8n-nodes-base.stopAndError', typeVersion: 1, position: [1200, 100], parameters: { errorMessage: 'provider unavailable' } });
			wf.connections['Segment Changes'].main[OUT.unchanged] = [{ node: 'Provider Down', type: 'main', index: 0 }];
		}
		return wf;
	}
	const run = async (file, opts) => {
		fs.copyFileSync(data(file), ordersFile);
		const r = await runWorkflow({ workflow: workflow(opts), userFolder });
		runs.push(r);
		return r;
	};
	const segmentsOf = (r) => new Map(r.items('RFM Score', 0).map((c) => [c.customerId, c.rfm.segment]));
	function expectedMoves(before, after) {
		const up = [];
		const down = [];
		for (const [id, seg] of after) {
			const prev = before.get(id);
			if (prev === undefined || prev === seg) continue;
			(rank(seg) < rank(prev) ? up : down).push(id);
		}
		return { up, down };
	}

	beforeAll(async () => {
		userFolder = createUserFolder('changes-winback');
		ordersFile = path.join(userFolder, 'orders.csv');
		(await run('playbook-orders.csv')).assertOk(); // week 1: baseline
		(await run('playbook-orders-week2.csv')).assertOk(); // week 2: slips reported
	});

	test('week 1 records a baseline only; Confirm Snapshot runs last, after the upper branch', () => {
		const [week1] = runs;
		expect(week1.outputs('Segment Changes').flat()).toEqual([]);
		expect(week1.nodesRun[week1.nodesRun.length - 1]).toBe('Confirm Snapshot');
	});

	test('week 2 reports exactly the moves between the two weeks of RFM segments', () => {
		const [week1, week2] = runs;
		const { up, down } = expectedMoves(segmentsOf(week1), segmentsOf(week2));
		expect(down.length).toBeGreaterThan(3);
		expect(ids(week2.items('Segment Changes', OUT.down)).sort()).toEqual(down.sort());
		expect(ids(week2.items('Segment Changes', OUT.up)).sort()).toEqual(up.sort());
		expect(week2.items('Segment Changes', OUT.new)).toEqual([]);
		expect(week2.items('Segment Changes', OUT.gone)).toEqual([]);
		expect(week2.items('Segment Changes', OUT.unchanged)).toHaveLength(120 - up.length - down.length);
	});

	test('only customers who slipped from Champions or Loyal reach the win-back send, minus control group and opt-outs', () => {
		const [week1, week2] = runs;
		const before = segmentsOf(week1);
		const slipped = week2.items('Segment Changes', OUT.down).filter((c) => ['Champions', 'Loyal Customers'].includes(before.get(c.customerId)));
		expect(slipped.length).toBeGreaterThan(0);
		const sent = week2.nodesRun.includes('Send: Win-Back Offer') ? week2.items('Send: Win-Back Offer') : [];
		const control = week2.nodesRun.includes('Control Group (Not Contacted)') ? week2.items('Control Group (Not Contacted)') : [];
		const optedOut = week2.nodesRun.includes('Opted Out (Not Contacted)') ? week2.items('Opted Out (Not Contacted)') : [];
		expect([...sent, ...control, ...optedOut].map((c) => c.customerId).sort()).toEqual(slipped.map((c) => c.customerId).sort());
		for (const c of sent) {
			expect(c.accepts_marketing).toBe('true');
			expect(c.playbook).toMatchObject({ campaign: 'Win-Back on Slip', offerCode: 'WELCOMEBACK20', slippedFrom: before.get(c.customerId), slippedTo: c.rfm.segment, subject: `${c.first_name}, we kept something for you` });
		}
		for (const c of optedOut) expect(c.accepts_marketing).toBe('false');
	});

	test('a run that fails before Confirm Snapshot keeps the previous snapshot', async () => {
		// Week 3 reverts to week-1 orders but the send fails: no confirm.
		const failed = await run('playbook-orders.csv', { failAfterSend: true });
		expect(failed.error && failed.error.message).toBe('provider unavailable');
		expect(failed.nodesRun).not.toContain('Confirm Snapshot');
		// The rerun compares with week 2 again and reports the same moves as the failed run.
		const rerun = await run('playbook-orders.csv');
		rerun.assertOk();
		const { up, down } = expectedMoves(segmentsOf(runs[1]), segmentsOf(rerun));
		expect(ids(failed.items('Segment Changes', OUT.down)).sort()).toEqual(down.sort());
		expect(ids(rerun.items('Segment Changes', OUT.down)).sort()).toEqual(down.sort());
		expect(ids(rerun.items('Segment Changes', OUT.up)).sort()).toEqual(up.sort());
		expect(up.length + down.length).toBeGreaterThan(3);
	});
});

describe(`n8n ${version} saves static data even when a later node fails`, () => {
	test('with "When This Node Succeeds" the failed run\'s snapshot is kept (hence Confirm Snapshot or a Rerun Key)', async () => {
		const userFolder = createUserFolder('changes-immediate');
		const dataFile = path.join(userFolder, 'segments.csv');
		const wf = (fail) => ({
			id: 'msChangesE2E0002',
			name: 'E2E: snapshot saved immediately',
			settings: { executionOrder: 'v1' },
			nodes: [
				{ id: 'd1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{ id: 'd2', name: 'Read Segments', type: 'n8n-nodes-base.readWriteFile', typeVersion: 1, position: [220, 0], parameters: { fileSelector: dataFile, options: {} } },
				{ id: 'd3', name: 'Parse Segments', type: 'n8n-nodes-base.extractFromFile', typeVersion: 1, position: [440, 0], parameters: { options: { headerRow: true } } },
				{ id: 'd4', name: 'Segment Changes', type: 'n8n-nodes-microsegments.segmentChanges', typeVersion: 1, position: [660, 0], parameters: { segmentField: 'segment', customerIdField: 'customer_id' } },
				{ id: 'd5', name: 'Fail', type: 'n8n-nodes-base.stopAndError', typeVersion: 1, position: [880, 0], parameters: { errorMessage: 'boom' } },
			],
			connections: {
				Start: { main: [[{ node: 'Read Segments', type: 'main', index: 0 }]] },
				'Read Segments': { main: [[{ node: 'Parse Segments', type: 'main', index: 0 }]] },
				'Parse Segments': { main: [[{ node: 'Segment Changes', type: 'main', index: 0 }]] },
				...(fail ? { 'Segment Changes': { main: [[], [], [], [], [{ node: 'Fail', type: 'main', index: 0 }]] } } : {}),
			},
		});
		fs.copyFileSync(data('playbook-segments-week1.csv'), dataFile);
		(await runWorkflow({ workflow: wf(false), userFolder })).assertOk();
		fs.copyFileSync(data('playbook-segments-week2.csv'), dataFile);
		const failed = await runWorkflow({ workflow: wf(true), userFolder });
		expect(failed.error && failed.error.message).toBe('boom');
		const next = await runWorkflow({ workflow: wf(false), userFolder });
		next.assertOk();
		// Compared with the failed run's snapshot: nothing moved.
		expect(next.items('Segment Changes', OUT.unchanged)).toHaveLength(30);
		expect(next.items('Segment Changes', OUT.down)).toEqual([]);
	});
});

describe(`Segment Changes with the previous snapshot from a second input on n8n ${version}`, () => {
	test('two inputs (this week, last week\'s table) give the planted moves and the rows to store', async () => {
		const read = (id, name, file, y) => [
			{ id: `${id}r`, name: `Read ${name}`, type: 'n8n-nodes-base.readWriteFile', typeVersion: 1, position: [220, y], parameters: { fileSelector: data(file), options: {} } },
			{ id: `${id}p`, name: `Parse ${name}`, type: 'n8n-nodes-base.extractFromFile', typeVersion: 1, position: [440, y], parameters: { options: { headerRow: true } } },
		];
		const wf = {
			id: 'msChangesE2E0003',
			name: 'E2E: previous snapshot from an input',
			settings: { executionOrder: 'v1' },
			nodes: [
				{ id: 'e1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 100], parameters: {} },
				...read('a', 'This Week', 'playbook-segments-week2.csv', 0),
				...read('b', 'Stored Snapshot', 'playbook-segments-week1.csv', 200),
				{
					id: 'e4',
					name: 'Segment Changes',
					type: 'n8n-nodes-microsegments.segmentChanges',
					typeVersion: 1,
					position: [700, 100],
					parameters: { segmentField: 'segment', customerIdField: 'customer_id', snapshotSource: 'input', options: { keyMode: 'plain', previousKeyField: 'customer_id', previousSegmentField: 'segment' } },
				},
			],
			connections: {
				Start: { main: [[{ node: 'Read This Week', type: 'main', index: 0 }, { node: 'Read Stored Snapshot', type: 'main', index: 0 }]] },
				'Read This Week': { main: [[{ node: 'Parse This Week', type: 'main', index: 0 }]] },
				'Read Stored Snapshot': { main: [[{ node: 'Parse Stored Snapshot', type: 'main', index: 0 }]] },
				'Parse This Week': { main: [[{ node: 'Segment Changes', type: 'main', index: 0 }]] },
				'Parse Stored Snapshot': { main: [[{ node: 'Segment Changes', type: 'main', index: 1 }]] },
			},
		};
		const run = await runWorkflow({ workflow: wf });
		run.assertOk();
		expect(run.outputs('Segment Changes')).toHaveLength(7);
		expect(ids(run.items('Segment Changes', OUT.new))).toEqual(['C031', 'C032']);
		expect(ids(run.items('Segment Changes', OUT.up))).toEqual(['C002', 'C007', 'C011']);
		expect(ids(run.items('Segment Changes', OUT.down))).toEqual(['C001', 'C005']);
		expect(ids(run.items('Segment Changes', OUT.unranked))).toEqual(['C013']);
		expect(run.items('Segment Changes', OUT.gone).map((g) => [g.customerId, g.change.from])).toEqual([
			['C020', 'Champions'],
			['C029', 'At Risk'],
		]);
		const rows = run.items('Segment Changes', 6);
		expect(rows).toHaveLength(32);
		expect(rows.find((r) => r.key === 'C001')).toMatchObject({ segment: 'At Risk' });
		expect(rows.find((r) => r.key === 'C020')).toMatchObject({ segment: null });
	});
});
