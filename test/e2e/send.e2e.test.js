/**
 * Campaign Send in a real n8n: examples/campaign-send.json (orders CSV -> RFM Score -> Segment
 * Router -> Campaign Send to SendGrid for three segments, HubSpot list for Hibernating). The
 * SendGrid and HubSpot mocks run as a child process on 127.0.0.1; the credentials are imported
 * with the mocks' base URLs. The same workflow is run twice in the same user folder: the second
 * run sends nothing (the mocks' counters prove it) and reports every recipient as already_sent.
 */
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { runWorkflow, createUserFolder, defaultVersion, ROOT } = require('./harness');

const version = defaultVersion();
const SEND_NODES = ['Champions Email (SendGrid)', 'Loyal Customers Email (SendGrid)', 'At Risk Win-Back (SendGrid)'];
const HUBSPOT_NODE = 'Hibernating to HubSpot List';

/** Child process: loads the TypeScript mocks (transpiled on the fly), prints their URLs, serves their counters. */
const RUNNER = `
const fs = require('fs');
const http = require('http');
const ts = require(${JSON.stringify(require.resolve('typescript', { paths: [ROOT] }))});
require.extensions['.ts'] = (m, filename) => {
	const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, esModuleInterop: true } });
	m._compile(out.outputText, filename);
};
const { SendGridMock } = require(${JSON.stringify(path.join(ROOT, 'test/mocks/sendgrid.ts'))});
const { HubSpotSendMock } = require(${JSON.stringify(path.join(ROOT, 'test/mocks/hubspot-send.ts'))});
(async () => {
	const sg = new SendGridMock('SG.e2e-key');
	const hs = new HubSpotSendMock('pat-e2e', { lists: { '42': 'MANUAL' } });
	await sg.start();
	await hs.start();
	const control = http.createServer((req, res) => {
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({
			sendgrid: { requests: sg.log.length, messages: sg.messages.map((m) => ({ email: m.email, campaign: m.campaign, sendKey: m.sendKey, templateData: m.templateData })), sizes: sg.log.map((l) => l.size) },
			hubspot: { requests: hs.log.length, members: [...hs.lists.get('42').members], contacts: [...hs.contacts].map(([email, c]) => ({ email, properties: c.properties, writes: c.writes })) },
		}));
	});
	await new Promise((r) => control.listen(0, '127.0.0.1', r));
	process.stdout.write(JSON.stringify({ sendgrid: sg.url, hubspot: hs.url, control: 'http://127.0.0.1:' + control.address().port }) + '\\n');
	process.on('SIGTERM', () => process.exit(0));
})();
`;

function startMocks() {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['-e', RUNNER], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
		let buf = '';
		child.stdout.on('data', (d) => {
			buf += d;
			const line = buf.split('\n')[0];
			if (buf.includes('\n')) resolve({ child, urls: JSON.parse(line) });
		});
		child.once('exit', (code) => reject(new Error(`mock process exited (${code})`)));
	});
}

async function stats(urls) {
	const res = await fetch(urls.control);
	return res.json();
}

describe(`examples/campaign-send.json on n8n ${version}`, () => {
	let mocks;
	let userFolder;
	let first;
	let second;
	let afterFirst;
	let afterSecond;

	beforeAll(async () => {
		mocks = await startMocks();
		const credentials = [
			{ id: 'microSendGridDemo', name: 'SendGrid (Your Shop)', type: 'microSendGridApi', data: { apiKey: 'SG.e2e-key', baseUrl: mocks.urls.sendgrid } },
			{ id: 'microHubSpotDemo', name: 'HubSpot (Your Shop)', type: 'microHubSpotApi', data: { accessToken: 'pat-e2e', baseUrl: mocks.urls.hubspot } },
		];
		userFolder = createUserFolder('send');
		first = await runWorkflow({ workflow: 'examples/campaign-send.json', credentials, userFolder });
		first.assertOk();
		afterFirst = await stats(mocks.urls);
		second = await runWorkflow({ workflow: 'examples/campaign-send.json', credentials, userFolder });
		second.assertOk();
		afterSecond = await stats(mocks.urls);
	});

	afterAll(() => {
		if (mocks) mocks.child.kill('SIGTERM');
	});

	test('first run: every routed customer is sent exactly once, with the playbook campaign and template data', () => {
		let sent = 0;
		for (const name of SEND_NODES) {
			const items = first.items(name, 0);
			expect(items.length).toBeGreaterThan(0);
			for (const item of items) {
				expect(item.delivery).toEqual(expect.objectContaining({ status: 'sent', provider: 'sendgrid', attempts: 1, messageId: expect.stringMatching(/^sgmsg/) }));
				expect(item.route.campaignKey).toEqual(expect.any(String));
				expect(item.rfm.segment).toEqual(item.route.segment);
			}
			sent += items.length;
			const summary = first.items(name, 1)[0].summary;
			expect(summary).toEqual(expect.objectContaining({ sent: items.length, failed: 0, provider: 'sendgrid', ledger: 'journal' }));
		}
		const messages = afterFirst.sendgrid.messages;
		expect(messages).toHaveLength(sent);
		expect(new Set(messages.map((m) => m.email)).size).toBe(sent);
		const champion = first.items(SEND_NODES[0], 0)[0];
		const msg = messages.find((m) => m.email === champion.email.toLowerCase());
		expect(msg.campaign).toBe('Champions: Early Access');
		expect(msg.sendKey).toBe(champion.delivery.sendKey);
		expect(msg.templateData).toEqual(expect.objectContaining({ first_name: champion.first_name, rfm: { segment: 'Champions' } }));
	});

	test('first run: Hibernating customers are upserted and added to the HubSpot list by record id', () => {
		const items = first.items(HUBSPOT_NODE, 0);
		expect(items.length).toBeGreaterThan(0);
		expect(items.every((i) => i.delivery.status === 'sent' && /^\d+$/.test(i.delivery.messageId))).toBe(true);
		expect(afterFirst.hubspot.members.sort()).toEqual(items.map((i) => i.delivery.messageId).sort());
		const c = afterFirst.hubspot.contacts.find((x) => x.email === items[0].email.toLowerCase());
		expect(c.properties.rfm_segment).toBe('Hibernating');
	});

	test('second run in the same user folder sends nothing: mock counters unchanged, everyone already_sent', () => {
		expect(afterSecond.sendgrid.requests).toBe(afterFirst.sendgrid.requests);
		expect(afterSecond.sendgrid.messages).toHaveLength(afterFirst.sendgrid.messages.length);
		expect(afterSecond.hubspot.requests).toBe(afterFirst.hubspot.requests);
		for (const name of [...SEND_NODES, HUBSPOT_NODE]) {
			const items = second.items(name, 0);
			expect(items.length).toBe(first.items(name, 0).length);
			for (const item of items) expect(item.delivery).toEqual(expect.objectContaining({ status: 'skipped', reason: 'already_sent' }));
			expect(second.items(name, 1)[0].summary.requests).toBe(0);
		}
	});
});

describe(`Campaign Send error output on n8n ${version}`, () => {
	let mocks;
	let run;

	beforeAll(async () => {
		mocks = await startMocks();
		const userFolder = createUserFolder('send-errors');
		const csv = path.join(userFolder, 'customers.csv');
		fs.writeFileSync(
			csv,
			['customerId,email,first_name,accepts_marketing', 'a1,ann@example.com,Ann,true', 'a2,not-an-address,Bob,true', 'a3,cy@example.com,Cy,false', 'a4,,Di,true', 'a5,ed@example.com,Ed,true'].join('\n') + '\n',
		);
		const node = (name, type, position, parameters = {}, extra = {}) => ({ id: `e2e-${name}`, name, type, typeVersion: 1, position, parameters, ...extra });
		const workflow = {
			id: 'msSendErrorOut01',
			name: 'Campaign Send error output (e2e)',
			nodes: [
				node('Start', 'n8n-nodes-base.manualTrigger', [0, 0]),
				node('Read CSV', 'n8n-nodes-base.readWriteFile', [200, 0], { fileSelector: csv, options: {} }),
				node('Parse CSV', 'n8n-nodes-base.extractFromFile', [400, 0], { options: { headerRow: true } }),
				node(
					'Campaign Send',
					'n8n-nodes-microsegments.campaignSend',
					[600, 0],
					{ provider: 'sendgrid', sendgridTemplateId: 'd-22222222222222222222222222222222', sendgridFromEmail: 'hello@shop.example', campaignKey: 'errors-e2e' },
					{ onError: 'continueErrorOutput', credentials: { microSendGridApi: { id: 'microSendGridDemo', name: 'SendGrid (test)' } } },
				),
				node('Sent', 'n8n-nodes-base.noOp', [800, -100]),
				node('Summary', 'n8n-nodes-base.noOp', [800, 0]),
				node('Failed', 'n8n-nodes-base.noOp', [800, 100]),
			],
			connections: {
				Start: { main: [[{ node: 'Read CSV', type: 'main', index: 0 }]] },
				'Read CSV': { main: [[{ node: 'Parse CSV', type: 'main', index: 0 }]] },
				'Parse CSV': { main: [[{ node: 'Campaign Send', type: 'main', index: 0 }]] },
				'Campaign Send': {
					main: [[{ node: 'Sent', type: 'main', index: 0 }], [{ node: 'Summary', type: 'main', index: 0 }], [], [{ node: 'Failed', type: 'main', index: 0 }]],
				},
			},
			settings: { executionOrder: 'v1' },
		};
		run = await runWorkflow({
			workflow,
			userFolder,
			credentials: [{ id: 'microSendGridDemo', name: 'SendGrid (test)', type: 'microSendGridApi', data: { apiKey: 'SG.e2e-key', baseUrl: mocks.urls.sendgrid } }],
		});
		run.assertOk();
	});

	afterAll(() => {
		if (mocks) mocks.child.kill('SIGTERM');
	});

	test('failed recipients leave through the error output; sent and skipped stay on Recipients', () => {
		const main = run.items('Campaign Send', 0);
		const failed = run.items('Campaign Send', 3);
		expect(main.map((i) => `${i.customerId}:${i.delivery.status}:${i.delivery.reason || ''}`)).toEqual(['a1:sent:', 'a3:skipped:no_consent', 'a4:skipped:no_address', 'a5:sent:']);
		expect(failed).toHaveLength(1);
		// The customer's fields come back (n8n merges the input item) with the delivery record under `error`.
		expect(failed[0]).toEqual(
			expect.objectContaining({ customerId: 'a2', first_name: 'Bob', error: expect.objectContaining({ message: 'Not sent: invalid_address', status: 'failed', reason: 'invalid_address' }) }),
		);
		expect(run.items('Failed', 0)).toHaveLength(1);
		expect(run.items('Summary', 0)[0].summary).toEqual(expect.objectContaining({ sent: 2, failed: 1, skipped: 2 }));
	});
});
