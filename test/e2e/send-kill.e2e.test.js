/**
 * kill -9 in the middle of a 10,000-recipient send in a real n8n, then a rerun, with the default
 * ledger (the file journal): 0 lost, 0 duplicated, counted in what the SendGrid mock received.
 *
 * The mock (a child process) kills n8n itself at an exact moment: when it has recorded the 50th
 * request (5,000 recipients) and before it answers it (test/e2e/kill.js finds the n8n of this
 * test's user folder). So the 50th batch reached the provider but n8n never heard back: the rerun
 * must not send it again (it comes out on the Unconfirmed output), must skip the 4,900 recorded
 * as sent, and must send the 5,000 never tried.
 *
 * The 10,000-item rerun is checked through the mock's counts and the ledger journal (n8n's printed
 * run of 10,000 items is too large for `n8n execute` to print whole); a third run over 150 of the
 * customers checks the node's outputs (already sent; held on the Unconfirmed output, not re-sent).
 */
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { runWorkflow, createUserFolder, defaultVersion, ROOT } = require('./harness');

const version = defaultVersion();
const RECIPIENTS = 10000;
const BATCH = 100;
const KILL_AT = 50;

const RUNNER = `
const fs = require('fs');
const http = require('http');
const ts = require(${JSON.stringify(require.resolve('typescript', { paths: [ROOT] }))});
require.extensions['.ts'] = (m, filename) => {
	const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, esModuleInterop: true } });
	m._compile(out.outputText, filename);
};
const { SendGridMock } = require(${JSON.stringify(path.join(ROOT, 'test/mocks/sendgrid.ts'))});
const { killN8nOf } = require(${JSON.stringify(path.join(__dirname, 'kill.js'))});
const [userFolder, killAt] = process.argv.slice(1);
let killed = [];
(async () => {
	const sg = new SendGridMock('SG.kill-key', {
		onAccepted: ({ requests }) => {
			if (requests !== Number(killAt) || killed.length) return undefined;
			killed = killN8nOf(userFolder);
			return 'hold';
		},
	});
	await sg.start();
	const control = http.createServer((req, res) => {
		const counts = {};
		for (const m of sg.messages) counts[m.email] = (counts[m.email] || 0) + 1;
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({ requests: sg.log.length, accepted: sg.accepted, messages: sg.messages.length, counts, killed }));
	});
	await new Promise((r) => control.listen(0, '127.0.0.1', r));
	process.stdout.write(JSON.stringify({ sendgrid: sg.url, control: 'http://127.0.0.1:' + control.address().port }) + '\\n');
	process.on('SIGTERM', () => process.exit(0));
})();
`;

function startMock(userFolder) {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['-e', RUNNER, userFolder, String(KILL_AT)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
		let buf = '';
		child.stdout.on('data', (d) => {
			buf += d;
			if (buf.includes('\n')) resolve({ child, urls: JSON.parse(buf.split('\n')[0]) });
		});
		child.once('exit', (code) => reject(new Error(`mock process exited (${code})`)));
	});
}

const stats = async (urls) => (await fetch(urls.control)).json();

function workflow(csv) {
	const node = (name, type, position, parameters = {}, extra = {}) => ({ id: `kill-${name}`, name, type, typeVersion: 1, position, parameters, ...extra });
	return {
		id: 'msSendKill0001',
		name: 'Campaign Send killed mid-run (e2e)',
		nodes: [
			node('Start', 'n8n-nodes-base.manualTrigger', [0, 0]),
			node('Read CSV', 'n8n-nodes-base.readWriteFile', [200, 0], { fileSelector: csv, options: {} }),
			node('Parse CSV', 'n8n-nodes-base.extractFromFile', [400, 0], { options: { headerRow: true } }),
			node(
				'Campaign Send',
				'n8n-nodes-microsegments.campaignSend',
				[600, 0],
				{
					provider: 'sendgrid',
					sendgridTemplateId: 'd-33333333333333333333333333333333',
					sendgridFromEmail: 'hello@shop.example',
					campaignKey: 'spring-kill-e2e',
					runKey: 'once',
					consent: 'off',
					options: { batchSize: BATCH, concurrency: 1 },
				},
				{ credentials: { microSendGridApi: { id: 'microSendGridKill', name: 'SendGrid (kill test)' } } },
			),
		],
		connections: {
			Start: { main: [[{ node: 'Read CSV', type: 'main', index: 0 }]] },
			'Read CSV': { main: [[{ node: 'Parse CSV', type: 'main', index: 0 }]] },
			'Parse CSV': { main: [[{ node: 'Campaign Send', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

describe(`kill -9 of n8n ${version} in the middle of a ${RECIPIENTS}-recipient send, then a rerun (default ledger)`, () => {
	let mocks;
	let first;
	let second;
	let third;
	let afterKill;
	let afterRerun;
	let afterThird;
	let userFolder;

	beforeAll(async () => {
		userFolder = createUserFolder('send-kill');
		mocks = await startMock(userFolder);
		const csv = path.join(userFolder, 'customers.csv');
		const rows = ['customerId,email,first_name'];
		for (let i = 0; i < RECIPIENTS; i++) rows.push(`k${i},shopper${i}@example.com,Kim${i}`);
		fs.writeFileSync(csv, rows.join('\n') + '\n');
		const credentials = [{ id: 'microSendGridKill', name: 'SendGrid (kill test)', type: 'microSendGridApi', data: { apiKey: 'SG.kill-key', baseUrl: mocks.urls.sendgrid } }];
		first = await runWorkflow({ workflow: workflow(csv), credentials, userFolder });
		afterKill = await stats(mocks.urls);
		second = await runWorkflow({ workflow: workflow(csv), credentials, userFolder });
		afterRerun = await stats(mocks.urls);
		const some = path.join(userFolder, 'some-customers.csv');
		fs.writeFileSync(some, [rows[0], ...rows.slice(1 + 4850, 1 + 5000)].join('\n') + '\n');
		third = await runWorkflow({ workflow: workflow(some), credentials, userFolder });
		third.assertOk();
		afterThird = await stats(mocks.urls);
	});

	afterAll(() => {
		if (mocks) mocks.child.kill('SIGTERM');
	});

	test('the first run was killed by the mock right after it recorded the 50th request', () => {
		expect(afterKill.killed.length).toBeGreaterThan(0);
		// n8n's database keeps the killed run as it was when the process died: started, never
		// finished, no run data (n8n writes that when a run ends).
		expect(first.raw).toMatchObject({ status: 'running', finished: false, stoppedAt: null });
		expect(first.raw.data).toBeUndefined();
		expect(afterKill.accepted).toBe(KILL_AT);
		expect(afterKill.messages).toBe(KILL_AT * BATCH);
	});

	test('the rerun finished: its journal holds 9,900 sends and the 100 of the unanswered request, still unresolved', () => {
		expect(second.exitCode).toBe(0);
		const file = path.join(userFolder, '.n8n', 'storage', 'n8n-nodes-microsegments', 'send-ledger-msSendKill0001.jsonl');
		const rows = new Map();
		for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
			if (!line) continue;
			const v = JSON.parse(line);
			if (v.length === 1) rows.delete(v[0]);
			else rows.set(v[0], v[3]);
		}
		const byStatus = {};
		for (const st of rows.values()) byStatus[st] = (byStatus[st] || 0) + 1;
		// The unanswered batch stays as the killed run left it (pending, its request started): every
		// later run reads that as "may have reached the provider" and holds it.
		expect(byStatus).toEqual({ s: RECIPIENTS - BATCH, p: BATCH });
		expect(afterRerun.requests).toBe(KILL_AT + (RECIPIENTS - KILL_AT * BATCH) / BATCH);
	});

	test("the node's outputs on a later run: recorded sends skipped, the unanswered batch held on the Unconfirmed output", () => {
		const recipients = third.items('Campaign Send', 0);
		const unconfirmed = third.items('Campaign Send', 2);
		expect(recipients.map((i) => i.delivery.reason)).toEqual(Array(50).fill('already_sent'));
		expect(recipients.map((i) => i.customerId)).toEqual(Array.from({ length: 50 }, (_, i) => `k${4850 + i}`));
		expect(unconfirmed.map((i) => i.customerId)).toEqual(Array.from({ length: BATCH }, (_, i) => `k${4900 + i}`));
		expect(unconfirmed.every((i) => i.delivery.status === 'unconfirmed' && i.delivery.reason === 'unconfirmed')).toBe(true);
		expect(third.items('Campaign Send', 1)[0].summary).toEqual(expect.objectContaining({ ledger: 'journal', sent: 0, unconfirmed: BATCH, requests: 0 }));
		expect(afterThird.requests).toBe(afterRerun.requests);
	});

	test('0 lost, 0 duplicated: the mock received every one of the 10,000 exactly once', () => {
		const counts = Object.values(afterRerun.counts);
		expect(counts).toHaveLength(RECIPIENTS);
		expect(counts.every((n) => n === 1)).toBe(true);
		expect(afterRerun.messages).toBe(RECIPIENTS);
		// Every recipient held as unconfirmed is one the provider did receive.
		for (const item of third.items('Campaign Send', 2)) expect(afterRerun.counts[item.email]).toBe(1);
	});
});
