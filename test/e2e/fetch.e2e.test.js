/**
 * Fetch Customers in a real n8n, against the local Shopify and WooCommerce mocks started as child
 * processes: examples/shopify-rfm.json (customers, read as a Shopify bulk export → RFM Score on
 * customers) and
 * examples/woocommerce-rfm.json (orders → RFM Score on orders), with the credentials imported into
 * n8n pointing at the mocks; then incremental mode: a second run in the same user folder (same
 * static data) returns only the records added to the mock between the runs.
 */
const path = require('path');
const { spawn } = require('child_process');
const { runWorkflow, createUserFolder, defaultVersion } = require('./harness');

const ROOT = path.resolve(__dirname, '..', '..');
const version = defaultVersion();
const SHOPIFY_TOKEN = 'shpat_e2e_token_0123456789abcdef';
const WOO_KEY = 'ck_e2e0123456789abcdef0123456789abcdef0123';
const WOO_SECRET = 'cs_e2e0123456789abcdef0123456789abcdef0123';

/** Starts a mock (test/mocks/<name>.ts) as a child process; resolves with its URL once listening. */
function startMock(name, args) {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['-r', path.join(ROOT, 'bench', 'fetch-ts-register.js'), path.join(ROOT, 'test', 'mocks', `${name}.ts`), ...args], {
			cwd: ROOT,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		let err = '';
		const timer = setTimeout(() => reject(new Error(`${name} mock did not start: ${err}`)), 30000);
		child.stderr.on('data', (d) => (err += d));
		child.stdout.on('data', (d) => {
			out += d;
			const line = out.split('\n')[0];
			if (out.includes('\n')) {
				clearTimeout(timer);
				const info = JSON.parse(line);
				resolve({ ...info, child, stop: () => child.kill('SIGTERM') });
			}
		});
		child.once('exit', (code) => {
			clearTimeout(timer);
			if (!out.includes('\n')) reject(new Error(`${name} mock exited (${code}): ${err}`));
		});
	});
}

async function control(mock, pathName, body) {
	const res = await fetch(`${mock.url}${pathName}`, { method: body ? 'POST' : 'GET', headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
	return res.json();
}

const shopifyCred = (url) => ({ id: 'msShopifyCred01', name: 'Shopify Admin API', type: 'microShopifyApi', data: { shopDomain: 'mock-shop.myshopify.com', accessToken: SHOPIFY_TOKEN, apiVersion: '2026-01', baseUrl: url } });
const wooCred = (url) => ({ id: 'msWooCred000001', name: 'WooCommerce REST API', type: 'microWooCommerceApi', data: { baseUrl: url, consumerKey: WOO_KEY, consumerSecret: WOO_SECRET } });

describe(`Fetch Customers on n8n ${version}`, () => {
	let shopify;
	let woo;
	beforeAll(async () => {
		// Plus-sized cost bucket so a 300-customer read is not slowed by the 100 points/s standard plan
		shopify = await startMock('shopify', ['--customers', '300', '--orders', '1200', '--seed', '21', '--token', SHOPIFY_TOKEN, '--max-available', '20000', '--restore-rate', '1000']);
		woo = await startMock('woocommerce', ['--customers', '150', '--orders', '700', '--seed', '22', '--key', WOO_KEY, '--secret', WOO_SECRET, '--guest-share', '0.1']);
	});
	afterAll(() => {
		shopify && shopify.stop();
		woo && woo.stop();
	});

	test('examples/shopify-rfm.json: Shopify customers scored by RFM Score', async () => {
		const run = await runWorkflow({ workflow: 'examples/shopify-rfm.json', credentials: [shopifyCred(shopify.url)] });
		run.assertOk();
		const customers = run.items('Fetch Shopify Customers');
		expect(customers).toHaveLength(300);
		expect(new Set(customers.map((c) => c.customerId)).size).toBe(300);
		for (const c of customers) {
			expect(typeof c.ordersCount).toBe('number');
			expect(typeof c.totalSpent).toBe('number');
			expect(['subscribed', 'unsubscribed', 'not_subscribed', 'pending', 'unknown']).toContain(c.consent.email);
		}
		const withOrders = customers.filter((c) => c.ordersCount > 0 && c.lastOrderDate);
		const scored = run.items('RFM Score', 0);
		expect(scored).toHaveLength(withOrders.length);
		const byId = new Map(customers.map((c) => [c.customerId, c]));
		for (const s of scored) {
			const c = byId.get(s.customerId);
			expect(c).toBeDefined();
			expect(s.rfm.frequency).toBe(c.ordersCount);
			expect(s.rfm.monetary).toBeCloseTo(c.totalSpent, 2);
			expect(s.rfm.lastOrderDate).toBe(c.lastOrderDate);
			expect(s.email).toBe(c.email); // customer fields are kept
		}
		const summary = run.items('RFM Score', 1);
		expect(summary.reduce((n, s) => n + s.customers, 0)).toBe(withOrders.length);
		// Shopify's own RFM group rides along; the summary says how our segments agree with it
		const { SHOPIFY_RFM_GROUP_MAP } = require(path.join(ROOT, 'dist/nodes/core/rfm/shopifyAgreement.js'));
		const agreement = summary[0].details.shopifyRfmAgreement;
		for (const s of summary) expect(s.details.shopifyRfmAgreement).toEqual(agreement);
		const pairs = new Map();
		let agreeing = 0;
		for (const s of scored) {
			expect(s.shopifyRfmGroup).toBe(byId.get(s.customerId).shopifyRfmGroup);
			const key = `${s.rfm.segment} / ${s.shopifyRfmGroup}`;
			pairs.set(key, (pairs.get(key) || 0) + 1);
			if (SHOPIFY_RFM_GROUP_MAP[s.shopifyRfmGroup] === s.rfm.segment) agreeing++;
		}
		expect(customers.filter((c) => c.shopifyRfmGroup === 'PROSPECTS').length).toBe(customers.length - withOrders.length);
		expect(agreement.compared).toBe(withOrders.length);
		expect(agreement.withoutShopifyGroup).toBe(0);
		expect(agreement.agreeing).toBe(agreeing);
		expect(agreement.agreement).toBe(Math.round((agreeing / withOrders.length) * 10000) / 10000);
		expect(new Map(agreement.pairs.map((p) => [`${p.segment} / ${p.shopifyRfmGroup}`, p.customers]))).toEqual(pairs);
		expect(agreement.agreement).toBeGreaterThan(0.3);
		expect(agreement.agreement).toBeLessThan(1);
		// more than one page: read as a bulk export, whose file link got no access token
		const stats = await control(shopify, '/__mock/stats');
		expect(stats.bulkDownloads).toBeGreaterThanOrEqual(1);
		expect(stats.leakedTokenDownloads).toBe(0);
	});

	test('examples/woocommerce-rfm.json: WooCommerce orders (guests included) scored by RFM Score', async () => {
		const stats = await control(woo, '/__mock/stats');
		const run = await runWorkflow({ workflow: 'examples/woocommerce-rfm.json', credentials: [wooCred(woo.url)] });
		run.assertOk();
		const orders = run.items('Fetch WooCommerce Orders');
		expect(orders).toHaveLength(stats.orders);
		expect(new Set(orders.map((o) => o.orderId)).size).toBe(stats.orders);
		expect(orders.some((o) => o.customerId.includes('@'))).toBe(true);
		// independent expectation from the fetched orders: what RFM Score must count per customer
		const expected = new Map();
		for (const o of orders) {
			if (!['paid', 'partially_refunded'].includes(o.status)) continue;
			const e = expected.get(o.customerId) || { n: 0, m: 0 };
			e.n++;
			e.m += o.total;
			expected.set(o.customerId, e);
		}
		const scored = run.items('RFM Score', 0);
		expect(scored).toHaveLength(expected.size);
		for (const s of scored) {
			const e = expected.get(s.customerId);
			expect(s.rfm.frequency).toBe(e.n);
			expect(s.rfm.monetary).toBeCloseTo(e.m, 2);
		}
	});

	test('incremental (Shopify orders): the second run returns only the orders added in between', async () => {
		const workflow = require(path.join(ROOT, 'examples', 'shopify-rfm.json'));
		const wf = JSON.parse(JSON.stringify(workflow));
		wf.id = 'msE2eShopIncr01';
		wf.name = 'E2E: Shopify incremental orders';
		const fetchNode = wf.nodes.find((n) => n.type === 'n8n-nodes-microsegments.fetchCustomers');
		fetchNode.parameters = { source: 'shopify', output: 'orders', incremental: true, options: {} };
		wf.nodes.find((n) => n.type === 'n8n-nodes-microsegments.rfmScore').parameters = { input: 'orders', output: 'customers', options: {} };
		const userFolder = createUserFolder('fetch-incremental');
		const first = await runWorkflow({ workflow: wf, credentials: [shopifyCred(shopify.url)], userFolder });
		first.assertOk();
		const before = await control(shopify, '/__mock/stats');
		expect(first.items('Fetch Shopify Customers')).toHaveLength(before.orders);
		const added = await control(shopify, '/__mock/add', { orders: 3, customer: 'new' });
		const second = await runWorkflow({ workflow: wf, credentials: [shopifyCred(shopify.url)], userFolder });
		second.assertOk();
		const fetched = second.items('Fetch Shopify Customers');
		expect(fetched.map((o) => `gid://shopify/Order/${o.orderId}`).sort()).toEqual(added.orders.sort());
		expect(second.items('RFM Score').length).toBe(new Set(fetched.map((o) => o.customerId)).size);
		const third = await runWorkflow({ workflow: wf, credentials: [shopifyCred(shopify.url)], userFolder });
		third.assertOk();
		expect(third.items('Fetch Shopify Customers')).toHaveLength(0);
	});

	test('incremental (WooCommerce customers): only customers touched since the last run, with full totals', async () => {
		const workflow = require(path.join(ROOT, 'examples', 'woocommerce-rfm.json'));
		const wf = JSON.parse(JSON.stringify(workflow));
		wf.id = 'msE2eWooIncr001';
		wf.name = 'E2E: WooCommerce incremental customers';
		wf.nodes.find((n) => n.type === 'n8n-nodes-microsegments.fetchCustomers').parameters = { source: 'wooCommerce', output: 'customers', incremental: true, options: {} };
		wf.nodes.find((n) => n.type === 'n8n-nodes-microsegments.rfmScore').parameters = { input: 'customers', output: 'customers', options: {} };
		const userFolder = createUserFolder('fetch-incremental-woo');
		const first = await runWorkflow({ workflow: wf, credentials: [wooCred(woo.url)], userFolder });
		first.assertOk();
		const all = first.items('Fetch WooCommerce Orders');
		const before = all.find((c) => c.customerId === '3');
		await control(woo, '/__mock/add', { orders: 1, customer: 2, totalCents: 4200 });
		const second = await runWorkflow({ workflow: wf, credentials: [wooCred(woo.url)], userFolder });
		second.assertOk();
		const changed = second.items('Fetch WooCommerce Orders');
		expect(changed.map((c) => c.customerId)).toEqual(['3']);
		expect(changed[0].ordersCount).toBe(before.ordersCount + 1);
		expect(changed[0].totalSpent).toBeCloseTo(before.totalSpent + 42, 2);
	});
});
