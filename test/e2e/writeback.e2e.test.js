/**
 * Write-back in a real n8n: an RFM playbook → Segment Changes → Campaign Send to Shopify (customer
 * tags + scores metafield) and to Mailchimp (merge fields + tags), against their mocks in a child
 * process. Each workflow runs three times in one user folder (`n8n execute`, which saves the
 * workflow's static data like a schedule does):
 * 1. week 1: every customer gets the tag of its segment (and the metafield / merge fields);
 * 2. week 1 again: nothing is written (the mocks' change counters do not move);
 * 3. week 2 (new orders, the same Run Key: a fixed key reused weekly): customers who moved segment
 *    lose the old tag and get the new one; nobody else's tags change; customers whose written
 *    content did not change are skipped (the send key names the content, Provider.contentKey).
 */
const fs = require('fs');
const path = require('path');
const { runWorkflow, createUserFolder, defaultVersion, ROOT } = require('./harness');
const { startMocks } = require('./lib/mocks');

const version = defaultVersion();
const SHOPIFY_TOKEN = 'shpat_writeback_e2e_0123456789';
const MAILCHIMP_KEY = '0123456789abcdef0123456789abcdef-us21';
const LIST = 'a1b2c3d4e5';
const SEND = { shopify: 'Tag Customers in Shopify', mailchimp: 'Update Mailchimp Audience' };

const MOCKS = `
	const { startShopifyMock } = mock('shopify');
	const { MailchimpMock } = mock('mailchimp');
	const shopify = await startShopifyMock({ token: ${JSON.stringify(SHOPIFY_TOKEN)}, dataOptions: { seed: 41, customers: 40, orders: 160 } });
	const mailchimp = new MailchimpMock(${JSON.stringify(MAILCHIMP_KEY)});
	await mailchimp.start();
	const state = http.createServer((req, res) => {
		const list = mailchimp.lists.get(${JSON.stringify(LIST)});
		const members = [...list.members.values()].map((m) => ({ email: m.email, status: m.status, mergeFields: m.mergeFields, tags: [...m.tags] }));
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({ members, changes: mailchimp.changes, requests: mailchimp.log.length, maxInFlight: mailchimp.maxInFlight }));
	});
	await new Promise((r) => state.listen(0, '127.0.0.1', r));
	return { shopify, mailchimp, mailchimpState: { url: 'http://127.0.0.1:' + state.address().port } };
`;

const load = (name) => JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'e2e', 'workflows', name), 'utf8'));
function withRunKey(wf, node, runKey, patch = () => {}) {
	const copy = JSON.parse(JSON.stringify(wf));
	copy.nodes.find((n) => n.name === node).parameters.runKey = runKey;
	patch(copy);
	return copy;
}
const json = async (url, init) => (await fetch(url, init)).json();
const tagsByCustomer = (stats) => stats.tagged;

describe(`write-back playbooks on n8n ${version}`, () => {
	let mocks;
	beforeAll(async () => {
		mocks = await startMocks(MOCKS);
	});
	afterAll(() => mocks && mocks.stop());

	describe('Shopify: tags and metafield', () => {
		const runs = [];
		const stats = [];
		beforeAll(async () => {
			const userFolder = createUserFolder('writeback-shopify');
			const credentials = [{ id: 'msShopifyCred01', name: 'Shopify Admin API', type: 'microShopifyApi', data: { shopDomain: 'mock-shop.myshopify.com', accessToken: SHOPIFY_TOKEN, apiVersion: '2026-01', baseUrl: mocks.urls.shopify } }];
			const wf = load('writeback-shopify.json');
			for (const step of [1, 2, 3]) {
				if (step === 3) {
					// Week 2: big new orders for the five lowest-scored customers of week 1 (they move up).
					const low = runs[0].items(SEND.shopify).sort((a, b) => a.rfm.score - b.rfm.score || String(a.customerId).localeCompare(String(b.customerId))).slice(0, 5);
					for (const c of low) await json(`${mocks.urls.shopify}/__mock/add`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ orders: 4, customer: Number(c.customerId) - 7000000, totalCents: 150000 }) });
				}
				const run = await runWorkflow({ workflow: withRunKey(wf, SEND.shopify, 'week-1'), credentials, userFolder });
				run.assertOk();
				runs.push(run);
				stats.push(await json(`${mocks.urls.shopify}/__mock/stats`));
			}
		});

		test('week 1: every customer tagged with its segment, scores in microsegments.rfm', () => {
			const items = runs[0].items(SEND.shopify);
			// RFM Score leaves out the customers without orders: every scored customer reaches Shopify.
			const n = runs[0].items('RFM Score').length;
			expect(n).toBeGreaterThan(10);
			expect(items.length).toBe(n);
			expect(items.every((i) => i.delivery.status === 'sent' && i.delivery.messageId === `gid://shopify/Customer/${i.customerId}`)).toBe(true);
			const tagged = tagsByCustomer(stats[0]);
			for (const i of items) {
				const gid = `gid://shopify/Customer/${i.customerId}`;
				expect(tagged[gid]).toContain(`rfm: ${i.rfm.segment}`);
				expect(JSON.parse(stats[0].metafields[gid]['microsegments.rfm'])).toEqual({
					rfm: { segment: i.rfm.segment, r: i.rfm.r, f: i.rfm.f, m: i.rfm.m, cell: i.rfm.cell, score: i.rfm.score, recencyDays: i.rfm.recencyDays, frequency: i.rfm.frequency, monetary: i.rfm.monetary },
				});
			}
			expect(stats[0].writes).toMatchObject({ tagsAdded: n, tagsRemoved: 0, metafieldsChanged: n });
			expect(runs[0].items(SEND.shopify, 1)[0].summary).toMatchObject({ sent: n, failed: 0, requests: 2 * Math.ceil(n / 25) });
		});

		test('week 1 again: no request, no change in Shopify', () => {
			const summary = runs[1].items(SEND.shopify, 1)[0].summary;
			expect(summary).toMatchObject({ sent: 0, requests: 0, skippedByReason: { already_sent: runs[1].items('RFM Score').length } });
			expect(stats[1].writes).toEqual(stats[0].writes);
			expect(stats[1].tagged).toEqual(stats[0].tagged);
		});

		test('week 2: movers lose the old tag and carry the new one; unchanged customers keep theirs', () => {
			const items = runs[2].items(SEND.shopify);
			const moved = items.filter((i) => i.change.type === 'moved');
			expect(moved.length).toBeGreaterThan(0);
			const tagged = tagsByCustomer(stats[2]);
			for (const i of items) {
				const tags = tagged[`gid://shopify/Customer/${i.customerId}`].filter((t) => t.startsWith('rfm: '));
				expect({ id: i.customerId, tags }).toEqual({ id: i.customerId, tags: [`rfm: ${i.rfm.segment}`] });
				expect({ id: i.customerId, status: i.delivery.status }).toEqual({ id: i.customerId, status: i.change.type === 'moved' ? 'sent' : expect.stringMatching(/^(sent|skipped)$/) });
			}
			expect(stats[2].writes.tagsRemoved).toBe(moved.length);
			expect(stats[2].writes.tagsAdded - stats[1].writes.tagsAdded).toBe(moved.length);
			// Same run key as week 1: the movers (new tag) and the rescored (new metafield) are written, nobody else.
			const summary = runs[2].items(SEND.shopify, 1)[0].summary;
			const skipped = items.filter((i) => i.delivery.status === 'skipped');
			expect(skipped.every((i) => i.delivery.reason === 'already_sent' && i.change.type !== 'moved')).toBe(true);
			expect(summary.sent + (summary.skippedByReason.already_sent || 0)).toBe(items.length);
			expect(summary.sent).toBeGreaterThanOrEqual(moved.length);
			for (const i of skipped) {
				const gid = `gid://shopify/Customer/${i.customerId}`;
				expect({ gid, tags: stats[2].tagged[gid], metafield: stats[2].metafields[gid] }).toEqual({ gid, tags: stats[1].tagged[gid], metafield: stats[1].metafields[gid] });
			}
		});
	});

	describe('Mailchimp: merge fields and tags', () => {
		const runs = [];
		const states = [];
		beforeAll(async () => {
			const userFolder = createUserFolder('writeback-mailchimp');
			const ordersFile = path.join(userFolder, 'orders.csv');
			const credentials = [{ id: 'msMailchimpCred01', name: 'Mailchimp API', type: 'microMailchimpApi', data: { apiKey: MAILCHIMP_KEY, baseUrl: `${mocks.urls.mailchimp}/3.0` } }];
			const wf = load('writeback-mailchimp.json');
			for (const step of [1, 2, 3]) {
				fs.copyFileSync(path.join(ROOT, 'examples', 'data', step === 3 ? 'playbook-orders-week2.csv' : 'playbook-orders.csv'), ordersFile);
				const workflow = withRunKey(wf, SEND.mailchimp, 'week-1', (w) => (w.nodes.find((n) => n.name === 'Read Orders CSV').parameters.fileSelector = ordersFile));
				const run = await runWorkflow({ workflow, credentials, userFolder });
				run.assertOk();
				runs.push(run);
				states.push(await json(mocks.urls.mailchimpState));
			}
		});

		const byEmail = (state) => new Map(state.members.map((m) => [m.email, m]));

		test('week 1: one member per customer, merge fields and the segment tag, new contacts transactional', () => {
			const items = runs[0].items(SEND.mailchimp);
			const sent = items.filter((i) => i.delivery.status === 'sent');
			expect(sent.length).toBe(items.length);
			const members = byEmail(states[0]);
			expect(members.size).toBe(items.length);
			for (const i of items) {
				const m = members.get(i.email.toLowerCase());
				expect(m).toEqual({ email: i.email.toLowerCase(), status: 'transactional', mergeFields: { FNAME: i.first_name, RFM_SEG: i.rfm.segment, RFM_CELL: i.rfm.cell, RFM_SCORE: i.rfm.score }, tags: [`rfm: ${i.rfm.segment}`] });
			}
			const summary = runs[0].items(SEND.mailchimp, 1)[0].summary;
			expect(summary.requests).toBe(Math.ceil(items.length / 500));
			expect(states[0].maxInFlight).toBeLessThanOrEqual(10);
		});

		test('week 1 again: no request, no change in Mailchimp', () => {
			expect(runs[1].items(SEND.mailchimp, 1)[0].summary).toMatchObject({ sent: 0, requests: 0 });
			expect(states[1].changes).toEqual(states[0].changes);
			expect(states[1].requests).toBe(states[0].requests);
		});

		test('week 2: movers lose the old tag and carry the new one; one tag call per mover', () => {
			const items = runs[2].items(SEND.mailchimp);
			const moved = items.filter((i) => i.change.type === 'moved');
			expect(moved.length).toBeGreaterThan(0);
			const members = byEmail(states[2]);
			for (const i of items.filter((x) => x.email)) {
				const tags = members.get(i.email.toLowerCase()).tags.filter((t) => t.startsWith('rfm: '));
				expect({ email: i.email, tags }).toEqual({ email: i.email, tags: [`rfm: ${i.rfm.segment}`] });
			}
			expect(states[2].changes.tagsRemoved - states[1].changes.tagsRemoved).toBe(moved.length);
			const summary = runs[2].items(SEND.mailchimp, 1)[0].summary;
			// Same run key as week 1: one upsert of the customers whose merge fields or tag changed, one tag call per mover.
			expect(summary.requests).toBe(Math.ceil(summary.sent / 500) + moved.length);
			const unchanged = items.filter((i) => i.email && i.delivery.status === 'skipped');
			expect(unchanged.every((i) => i.delivery.reason === 'already_sent' && i.change.type !== 'moved')).toBe(true);
			const before = byEmail(states[1]);
			for (const i of unchanged) expect(members.get(i.email.toLowerCase())).toEqual(before.get(i.email.toLowerCase()));
			expect(summary.sent + (summary.skippedByReason.already_sent || 0)).toBe(items.filter((x) => x.email).length);
		});
	});
});
