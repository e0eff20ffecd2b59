/**
 * Campaign Send in a real n8n, push + own mail server: test/e2e/workflows/send-push-smtp.json (the
 * playbook orders CSV -> RFM Score -> Segment Router; Champions -> Campaign Send via SMTP, At Risk ->
 * Campaign Send via OneSignal push). The OneSignal mock and a real SMTP server (smtp-server) run in a
 * child process on 127.0.0.1; the credentials are imported with their addresses. The same workflow
 * runs twice in the same user folder: the second run sends nothing and reports already_sent.
 */
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { runWorkflow, createUserFolder, defaultVersion, ROOT } = require('./harness');

const version = defaultVersion();
const WORKFLOW = 'test/e2e/workflows/send-push-smtp.json';
const SMTP_NODE = 'Champions Email (SMTP)';
const PUSH_NODE = 'At Risk Push (OneSignal)';
const APP_ID = '5eb5a37e-b458-11e3-ac11-000c2940e62c';
const API_KEY = 'os_v2_app_e2e_key';

/** Every customer id of the playbook CSV has a subscribed push device in the OneSignal mock. */
const CUSTOMER_IDS = [
	...new Set(
		fs
			.readFileSync(path.join(ROOT, 'examples/data/playbook-orders.csv'), 'utf8')
			.trim()
			.split('\n')
			.slice(1)
			.map((l) => l.split(',')[0]),
	),
];

/** Child process: loads the TypeScript mocks (transpiled on the fly), prints their addresses, serves their counters. */
const RUNNER = `
const fs = require('fs');
const http = require('http');
const ts = require(${JSON.stringify(require.resolve('typescript', { paths: [ROOT] }))});
require.extensions['.ts'] = (m, filename) => {
	const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, esModuleInterop: true } });
	m._compile(out.outputText, filename);
};
const { startOneSignalMock } = require(${JSON.stringify(path.join(ROOT, 'test/mocks/onesignal.ts'))});
const { startSmtpMock } = require(${JSON.stringify(path.join(ROOT, 'test/mocks/smtp.ts'))});
(async () => {
	const os = await startOneSignalMock({ appId: ${JSON.stringify(APP_ID)}, apiKey: ${JSON.stringify(API_KEY)}, subscribed: JSON.parse(process.argv[1]) });
	const smtp = await startSmtpMock({ user: 'mailer', password: 'e2e-smtp-pass', authRequired: true });
	const control = http.createServer((req, res) => {
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({
			onesignal: {
				requests: os.requests.length,
				deliveries: os.deliveries.map((d) => ({ notificationId: d.notificationId, externalId: d.externalId, contents: d.body.contents, headings: d.body.headings, url: d.body.url })),
			},
			smtp: { connections: smtp.connections, mails: smtp.mails.map((m) => ({ from: m.from, to: m.to, subject: m.subject, text: m.text, html: m.html, messageId: m.messageId })) },
		}));
	});
	await new Promise((r) => control.listen(0, '127.0.0.1', r));
	process.stdout.write(JSON.stringify({ onesignal: os.url, smtpHost: smtp.host, smtpPort: smtp.port, control: 'http://127.0.0.1:' + control.address().port }) + '\\n');
	process.on('SIGTERM', () => process.exit(0));
})();
`;

function startMocks() {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['-e', RUNNER, JSON.stringify(CUSTOMER_IDS)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
		let buf = '';
		child.stdout.on('data', (d) => {
			buf += d;
			if (buf.includes('\n')) resolve({ child, urls: JSON.parse(buf.split('\n')[0]) });
		});
		child.once('exit', (code) => reject(new Error(`mock process exited (${code})`)));
	});
}

async function stats(urls) {
	const res = await fetch(urls.control);
	return res.json();
}

describe(`${WORKFLOW} (OneSignal + SMTP) on n8n ${version}`, () => {
	let mocks;
	let first;
	let second;
	let afterFirst;
	let afterSecond;

	beforeAll(async () => {
		mocks = await startMocks();
		const credentials = [
			{ id: 'microOneSignalE2e', name: 'OneSignal (Local)', type: 'microOneSignalApi', data: { appId: APP_ID, apiKey: API_KEY, baseUrl: mocks.urls.onesignal } },
			{
				id: 'microSmtpE2e',
				name: 'SMTP (Local)',
				type: 'microSmtp',
				data: { host: mocks.urls.smtpHost, port: mocks.urls.smtpPort, secure: false, requireTls: false, user: 'mailer', password: 'e2e-smtp-pass', from: 'Your Shop <news@yourshop.example>', allowSelfSigned: false },
			},
		];
		const userFolder = createUserFolder('send-push-smtp');
		first = await runWorkflow({ workflow: WORKFLOW, credentials, userFolder });
		first.assertOk();
		afterFirst = await stats(mocks.urls);
		second = await runWorkflow({ workflow: WORKFLOW, credentials, userFolder });
		second.assertOk();
		afterSecond = await stats(mocks.urls);
	});

	afterAll(() => {
		if (mocks) mocks.child.kill('SIGTERM');
	});

	test('first run: every At Risk customer gets exactly one push, by external id', () => {
		const items = first.items(PUSH_NODE, 0);
		expect(items.length).toBeGreaterThan(0);
		for (const item of items) {
			expect(item.rfm.segment).toBe('At Risk');
			expect(item.delivery).toEqual(expect.objectContaining({ status: 'sent', provider: 'onesignal' }));
		}
		const ids = items.map((i) => String(i.customerId)).sort();
		const delivered = afterFirst.onesignal.deliveries.map((d) => d.externalId).sort();
		expect(delivered).toEqual(ids);
		expect(new Set(delivered).size).toBe(delivered.length);
		const d = afterFirst.onesignal.deliveries[0];
		expect(d.contents).toEqual({ en: 'Come back this week for 15% off' });
		expect(d.headings).toEqual({ en: 'We miss you' });
		expect(first.items(PUSH_NODE, 1)[0].summary).toEqual(expect.objectContaining({ sent: items.length, failed: 0, provider: 'onesignal' }));
	});

	test('first run: every Champion gets exactly one email on the SMTP server, subject rendered', () => {
		const items = first.items(SMTP_NODE, 0);
		expect(items.length).toBeGreaterThan(0);
		for (const item of items) {
			expect(item.rfm.segment).toBe('Champions');
			expect(item.delivery).toEqual(expect.objectContaining({ status: 'sent', provider: 'smtp' }));
		}
		const mails = afterFirst.smtp.mails;
		expect(mails).toHaveLength(items.length);
		for (const mail of mails) expect(mail.to).toHaveLength(1);
		expect(mails.map((m) => m.to[0].toLowerCase()).sort()).toEqual(items.map((i) => i.email.toLowerCase()).sort());
		for (const item of items) {
			const mail = mails.find((m) => m.to[0].toLowerCase() === item.email.toLowerCase());
			expect(mail.subject).toBe(`${item.first_name || 'there'}, you get first access (Champions)`);
			expect(mail.from).toBe('news@yourshop.example');
			expect(mail.text).toContain('thanks for being one of our Champions');
			expect(mail.subject).not.toContain('{{');
		}
		expect(first.items(SMTP_NODE, 1)[0].summary).toEqual(expect.objectContaining({ sent: items.length, failed: 0, provider: 'smtp' }));
	});

	test('second run in the same user folder sends nothing: counters unchanged, everyone already_sent', () => {
		expect(afterSecond.onesignal.requests).toBe(afterFirst.onesignal.requests);
		expect(afterSecond.onesignal.deliveries).toHaveLength(afterFirst.onesignal.deliveries.length);
		expect(afterSecond.smtp.mails).toHaveLength(afterFirst.smtp.mails.length);
		for (const name of [PUSH_NODE, SMTP_NODE]) {
			const items = second.items(name, 0);
			expect(items.length).toBe(first.items(name, 0).length);
			for (const item of items) expect(item.delivery).toEqual(expect.objectContaining({ status: 'skipped', reason: 'already_sent' }));
			expect(second.items(name, 1)[0].summary.requests).toBe(0);
		}
	});
});
