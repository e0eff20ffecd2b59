/**
 * Campaign Send to Klaviyo in a real n8n: test/e2e/workflows/klaviyo-playbook.json (orders CSV ->
 * RFM Score -> Segment Changes -> Campaign Send Klaviyo: profiles with custom properties and
 * segment lists; Confirm Snapshot on a second branch) against the Klaviyo mock (test/mocks/klaviyo.ts)
 * in a child process. Three runs in one user folder:
 * 1. week 1 orders: every customer's profile is written once with its properties and joins the
 *    list of its segment (lists created by name);
 * 2. the same orders and run key again: no request reaches Klaviyo, every customer already_sent;
 * 3. week 2 (the week-1 orders plus four big orders of the lowest-scored customer) under the same
 *    run key (a fixed key reused weekly): customers Segment Changes
 *    reports as moved leave the previous segment's list and join the new one; nobody is in two
 *    segment lists; customers whose written properties and list did not change are skipped
 *    (already_sent) and their profiles are not written again (the send key names the content).
 * The workflow is examples/klaviyo-sync.json with the orders file and the run key left to the test
 * (a check below keeps the two the same; the installed-package test runs the example itself).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runWorkflow, createUserFolder, defaultVersion, loadWorkflow, ROOT } = require('./harness');
const { startMocks } = require('./lib/mocks');

const version = defaultVersion();
const NODE = 'Klaviyo: Profiles and Segment Lists';
const KEY = 'pk_e2e_klaviyo_0123456789';

const SETUP = `
	const http = require('http');
	const { KlaviyoMock } = mock('klaviyo');
	const klaviyo = new KlaviyoMock(${JSON.stringify(KEY)}, { limits: 'documented', jobPolls: 2 });
	await klaviyo.start();
	const state = http.createServer((req, res) => {
		const lists = {};
		for (const l of klaviyo.lists.values()) lists[l.name] = klaviyo.members(l.name);
		const profiles = {};
		for (const [email, p] of klaviyo.profiles) profiles[email] = { properties: p.properties, writes: p.writes };
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({ requests: klaviyo.log.map((l) => l.method + ' ' + l.path.replace(/job_\\d+/, '{id}').replace(/L\\d+/, '{list}') + ' ' + l.status), lists, listCount: klaviyo.lists.size, profiles, jobs: klaviyo.jobs.size }));
	});
	await new Promise((r) => state.listen(0, '127.0.0.1', r));
	return { klaviyo, state: { url: 'http://127.0.0.1:' + state.address().port, log: [] } };
`;

describe(`Campaign Send to Klaviyo (RFM playbook, Segment Changes) on n8n ${version}`, () => {
	let mocks;
	let userFolder;
	let ordersFile;
	const runs = [];
	const states = [];
	const state = async () => (await fetch(mocks.urls.state)).json();

	async function run(file, runKey, extraRows = []) {
		fs.copyFileSync(path.join(ROOT, 'examples', 'data', file), ordersFile);
		if (extraRows.length) fs.appendFileSync(ordersFile, extraRows.map((r) => `${r}\r\n`).join('')); // the file ends its lines with CRLF
		const { wf } = loadWorkflow('test/e2e/workflows/klaviyo-playbook.json');
		wf.nodes.find((n) => n.name === 'Read Orders CSV').parameters.fileSelector = ordersFile;
		wf.nodes.find((n) => n.name === NODE).parameters.runKey = runKey;
		const credentials = [{ id: 'microKlaviyoDemo', name: 'Klaviyo (Your Shop)', type: 'microKlaviyoApi', data: { apiKey: KEY, baseUrl: mocks.urls.klaviyo } }];
		const r = await runWorkflow({ workflow: wf, credentials, userFolder, allowedPaths: [path.dirname(ordersFile)] });
		r.assertOk();
		runs.push(r);
		states.push(await state());
	}

	beforeAll(async () => {
		mocks = await startMocks(SETUP);
		userFolder = createUserFolder('klaviyo');
		ordersFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'klaviyo-e2e-')), 'orders.csv');
		await run('playbook-orders.csv', 'week-1');
		await run('playbook-orders.csv', 'week-1');
		// Week 2: the week-1 orders plus four big orders, on the last order day, of the lowest-scored customer (it moves up).
		const low = runs[0].items(NODE, 0).filter((i) => i.email).sort((a, b) => a.rfm.score - b.rfm.score || String(a.customerId).localeCompare(String(b.customerId)))[0];
		const extra = [1, 2, 3, 4].map((k) => `${low.customerId},${low.customerId}-w2-${k},2024-06-29,950.00,${low.email},${low.first_name},${low.accepts_marketing}`);
		await run('playbook-orders.csv', 'week-1', extra);
	});

	afterAll(() => {
		if (mocks) mocks.stop();
		if (ordersFile) fs.rmSync(path.dirname(ordersFile), { recursive: true, force: true });
	});

	test('the workflow under test is examples/klaviyo-sync.json, orders file and run key aside', () => {
		const strip = (wf) => ({
			nodes: wf.nodes
				.filter((n) => n.type !== 'n8n-nodes-base.stickyNote')
				.map((n) => {
					const parameters = { ...n.parameters };
					if (n.name === 'Read Orders CSV') delete parameters.fileSelector;
					if (n.name === NODE) delete parameters.runKey;
					return { name: n.name, type: n.type, parameters, credentials: n.credentials };
				}),
			connections: wf.connections,
		});
		expect(strip(loadWorkflow('test/e2e/workflows/klaviyo-playbook.json').wf)).toEqual(strip(loadWorkflow('examples/klaviyo-sync.json').wf));
	});

	test('run 1: every customer with an email is written once, with properties, into the list of their segment', () => {
		const items = runs[0].items(NODE, 0);
		const summary = runs[0].items(NODE, 1)[0].summary;
		const withEmail = items.filter((i) => i.email);
		expect(withEmail.length).toBeGreaterThan(20);
		expect(summary).toEqual(expect.objectContaining({ provider: 'klaviyo', sent: withEmail.length, failed: 0, unconfirmed: 0 }));
		const s = states[0];
		expect(Object.keys(s.profiles)).toHaveLength(withEmail.length);
		const segments = new Set(withEmail.map((i) => i.rfm.segment));
		expect(s.listCount).toBe(segments.size);
		for (const i of withEmail) {
			const email = i.email.toLowerCase();
			expect(i.delivery).toEqual(expect.objectContaining({ status: 'sent', provider: 'klaviyo', messageId: expect.stringMatching(/^job_/) }));
			expect(s.profiles[email]).toEqual({ writes: 1, properties: expect.objectContaining({ rfm_segment: i.rfm.segment, rfm_score: i.rfm.score, rfm_cell: i.rfm.cell }) });
			expect(s.lists[`rfm: ${i.rfm.segment}`]).toContain(email);
		}
		// One job per segment list (all customers fit one batch); each job polled until complete.
		expect(s.jobs).toBe(segments.size);
		expect(s.requests.filter((r) => r === 'POST /api/profile-bulk-import-jobs/ 202')).toHaveLength(segments.size);
		expect(s.requests.filter((r) => r.startsWith('POST /api/lists/ 201'))).toHaveLength(segments.size);
	});

	test('run 2 (same orders, same run key): nothing reaches Klaviyo, every customer already_sent', () => {
		const summary = runs[1].items(NODE, 1)[0].summary;
		expect(summary).toEqual(expect.objectContaining({ sent: 0, requests: 0, failed: 0 }));
		expect(summary.skippedByReason.already_sent).toBe(runs[0].items(NODE, 1)[0].summary.sent);
		expect(states[1].requests).toEqual(states[0].requests);
		expect(states[1].lists).toEqual(states[0].lists);
	});

	test('run 3 (week 2, same run key): only customers whose properties or list changed are written; the others are not touched', () => {
		const props = (i) => ({ rfm_segment: i.rfm.segment, rfm_score: i.rfm.score, rfm_cell: i.rfm.cell, rfm_monetary: i.rfm.monetary });
		const week1 = new Map(runs[0].items(NODE, 0).filter((i) => i.email).map((i) => [i.email.toLowerCase(), props(i)]));
		const items = runs[2].items(NODE, 0).filter((i) => i.email && i.change.type !== 'gone');
		const unchanged = items.filter((i) => i.change.type !== 'moved' && JSON.stringify(week1.get(i.email.toLowerCase())) === JSON.stringify(props(i)));
		const changed = items.filter((i) => !unchanged.includes(i));
		expect(unchanged.length).toBeGreaterThan(0);
		expect(changed.length).toBeGreaterThan(0);
		const [before, after] = [states[1], states[2]];
		for (const i of unchanged) {
			const email = i.email.toLowerCase();
			expect({ email, delivery: i.delivery }).toEqual({ email, delivery: expect.objectContaining({ status: 'skipped', reason: 'already_sent' }) });
			expect({ email, writes: after.profiles[email].writes }).toEqual({ email, writes: before.profiles[email].writes });
		}
		for (const i of changed) {
			const email = i.email.toLowerCase();
			expect({ email, status: i.delivery.status }).toEqual({ email, status: 'sent' });
			expect({ email, writes: after.profiles[email].writes }).toEqual({ email, writes: (before.profiles[email] ? before.profiles[email].writes : 0) + 1 });
			expect(after.profiles[email].properties).toEqual(expect.objectContaining(props(i)));
		}
		expect(runs[2].items(NODE, 1)[0].summary).toEqual(expect.objectContaining({ sent: changed.length, skippedByReason: expect.objectContaining({ already_sent: unchanged.length }) }));
	});

	test('run 3 (week 2): customers who moved leave the old list and join the new one; nobody is in two segment lists', () => {
		const items = runs[2].items(NODE, 0);
		const moved = items.filter((i) => i.change && i.change.type === 'moved' && i.email);
		expect(moved.length).toBeGreaterThan(0);
		const s = states[2];
		for (const i of moved) {
			const email = i.email.toLowerCase();
			expect(i.delivery.status).toBe('sent');
			expect({ email, in: s.lists[`rfm: ${i.change.to}`] || [] }).toEqual({ email, in: expect.arrayContaining([email]) });
			expect({ email, old: (s.lists[`rfm: ${i.change.from}`] || []).includes(email) }).toEqual({ email, old: false });
			expect(s.profiles[email].properties.rfm_segment).toBe(i.change.to);
		}
		const memberships = new Map();
		for (const [name, members] of Object.entries(s.lists)) for (const e of members) memberships.set(e, [...(memberships.get(e) || []), name]);
		for (const [email, names] of memberships) expect({ email, names: names.length }).toEqual({ email, names: 1 });
		expect(s.requests.some((r) => r.startsWith('DELETE /api/lists/{list}/relationships/profiles/ 204'))).toBe(true);
		expect(runs[2].items(NODE, 1)[0].summary).toEqual(expect.objectContaining({ failed: 0, unconfirmed: 0 }));
	});
});
