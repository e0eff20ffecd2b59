/**
 * The harness itself, with n8n's built-in nodes only: reading the bundled CSV, static data kept
 * between two runs that share a user folder, errors surfacing as run.error, a workflow whose only
 * trigger is a Schedule Trigger (the harness adds a Manual Trigger so `n8n execute` can start), and
 * a run far larger than what `n8n execute` gets through stdout (read back from n8n's database).
 */
const path = require('path');
const { runWorkflow, createUserFolder, defaultVersion, MANUAL_START_NAME } = require('./harness');

const version = defaultVersion();
const wf = (name) => path.join(__dirname, 'workflows', name);

describe(`harness on n8n ${version}`, () => {
	test('reads the bundled orders CSV (schedule-trigger workflow, started by the added manual trigger)', async () => {
		const run = await runWorkflow({ workflow: wf('read-orders-csv.json') });
		run.assertOk();
		// n8n starts the run at one of the two triggers (1.x: the schedule trigger, in manual mode).
		expect([MANUAL_START_NAME, 'Every Monday']).toContain(run.nodesRun[0]);
		expect(run.nodesRun.slice(1)).toEqual(['Read Orders CSV', 'Parse Orders']);
		const rows = run.items('Parse Orders');
		expect(rows).toHaveLength(6919);
		// Extract From File keeps every CSV value a string: ids keep their leading zeros.
		expect(rows[0]).toEqual({ customer_id: '00004', order_id: '00004-1', date: '19970101', cds: '2', amount: '29.33' });
		expect(rows[6918]).toEqual({ customer_id: '23569', order_id: '23569-1', date: '19970325', cds: '2', amount: '25.74' });
		expect(new Set(rows.map((r) => r.customer_id)).size).toBe(2357);
	});

	test('without the added manual trigger, n8n execute refuses a schedule-only workflow', async () => {
		const run = await runWorkflow({ workflow: wf('read-orders-csv.json'), manualStart: false });
		expect(run.error).toBeTruthy();
		expect(run.error.message).toMatch(/Missing node to start execution/);
		expect(run.nodesRun).toEqual([]);
	});

	test('workflow static data persists between two runs sharing a user folder', async () => {
		const userFolder = createUserFolder('static');
		const first = await runWorkflow({ workflow: wf('static-data-counter.json'), userFolder });
		first.assertOk();
		expect(first.items('Count Runs')).toEqual([{ runs: 1 }]);
		const second = await runWorkflow({ workflow: wf('static-data-counter.json'), userFolder });
		second.assertOk();
		expect(second.items('Count Runs')).toEqual([{ runs: 2 }]);
		// A fresh user folder starts from empty static data.
		const fresh = await runWorkflow({ workflow: wf('static-data-counter.json') });
		expect(fresh.items('Count Runs')).toEqual([{ runs: 1 }]);
	});

	test('a failing node surfaces as run.error with the node name', async () => {
		const failing = require(wf('static-data-counter.json'));
		const workflow = JSON.parse(JSON.stringify(failing));
		workflow.id = 'e2eFailingNode01';
		workflow.name = 'E2E: Failing Node';
		workflow.nodes[1].name = 'Throw';
		workflow.nodes[1].parameters.jsCode = "throw new Error('boom from the e2e test');";
		workflow.connections = { Start: { main: [[{ node: 'Throw', type: 'main', index: 0 }]] } };
		const run = await runWorkflow({ workflow });
		expect(run.error).toBeTruthy();
		expect(run.error.message).toMatch(/boom from the e2e test/);
		expect(run.failedNode).toBe('Throw');
		expect(() => run.assertOk()).toThrow(/failed on n8n .* in node "Throw": boom from the e2e test/);
	});

	test('a run larger than n8n execute can print (stdout is cut near 9 MB) is read back whole from the database', async () => {
		// Few items with long text: the size n8n would print, without the cost of many items.
		const N = 6000;
		const workflow = {
			id: 'e2eLargeRun00001',
			name: 'E2E: Large Run',
			settings: { executionOrder: 'v1' },
			nodes: [
				{ id: 'l1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: 'l2',
					name: 'Make Items',
					type: 'n8n-nodes-base.code',
					typeVersion: 2,
					position: [220, 0],
					parameters: { jsCode: `const out = [];\nfor (let i = 0; i < ${N}; i++) out.push({ json: { i, id: 'C' + String(i).padStart(8, '0'), note: String(i % 10).repeat(2000) } });\nreturn out;` },
				},
			],
			connections: { Start: { main: [[{ node: 'Make Items', type: 'main', index: 0 }]] } },
		};
		const run = await runWorkflow({ workflow });
		run.assertOk();
		const items = run.items('Make Items');
		expect(items).toHaveLength(N);
		expect(items.every((it, i) => it.i === i && it.id === `C${String(i).padStart(8, '0')}` && it.note === String(i % 10).repeat(2000))).toBe(true);
		expect(run.execution).toEqual(expect.objectContaining({ status: 'success', finished: true, mode: 'cli' }));
		// What n8n execute prints (the run, pretty-printed) is well above the ~9 MB that reach a pipe
		// before n8n exits.
		expect(JSON.stringify(run.raw, null, 2).length).toBeGreaterThan(12e6);
	});
});
