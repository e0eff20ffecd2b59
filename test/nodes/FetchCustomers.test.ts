import type { IDataObject, IHttpRequestOptions, INodeExecutionData } from 'n8n-workflow';
import { FetchCustomers } from '../../nodes/FetchCustomers/FetchCustomers.node';
import { RfmScore } from '../../nodes/RfmScore/RfmScore.node';
import { ClusterCustomers } from '../../nodes/ClusterCustomers/ClusterCustomers.node';
import { SegmentRouter } from '../../nodes/SegmentRouter/SegmentRouter.node';
import { RFM_SEGMENT_NAMES } from '../../nodes/core/playbook/router';
import { SHOPIFY_RFM_GROUP_MAP } from '../../nodes/core/rfm/shopifyAgreement';
import { runNode } from '../helpers/runNode';
import { startShopifyMock, type ShopifyMock } from '../mocks/shopify';
import { startWooCommerceMock, type WooMock } from '../mocks/woocommerce';
import { startStripeMock, type StripeMock } from '../mocks/stripe';
import { startHubSpotMock, type HubSpotMock } from '../mocks/hubspot-crm';

const SHOPIFY_TOKEN = 'shpat_test_token_0123456789';
const WOO = { key: 'ck_0123456789abcdef0123456789abcdef01234567', secret: 'cs_0123456789abcdef0123456789abcdef01234567' };
const STRIPE_KEY = 'sk_test_51MockKey0123456789abcdefghij';
const HS_TOKEN = 'pat-na1-00000000-0000-0000-0000-000000000000';

/**
 * Stands in for n8n's httpRequestWithAuthentication: applies the credential's `authenticate`
 * block the way n8n does (headers / basic auth) and calls the mock over real HTTP.
 */
function httpVia(credentials: Record<string, IDataObject>) {
	const calls: string[] = [];
	const fn = async (o: IHttpRequestOptions, credentialType?: string) => {
		const headers: Record<string, string> = { ...((o.headers as Record<string, string>) ?? {}) };
		const c = credentialType ? credentials[credentialType] : undefined;
		if (credentialType === 'microShopifyApi') headers['X-Shopify-Access-Token'] = String(c!.accessToken);
		if (credentialType === 'microWooCommerceApi') headers.Authorization = `Basic ${Buffer.from(`${c!.consumerKey}:${c!.consumerSecret}`).toString('base64')}`;
		if (credentialType === 'microStripeApi') headers.Authorization = `Bearer ${c!.secretKey}`;
		if (credentialType === 'microHubSpotApi') headers.Authorization = `Bearer ${c!.accessToken}`;
		const url = new URL(o.url);
		for (const [k, v] of Object.entries((o.qs as Record<string, unknown>) ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
		let body: string | undefined;
		if (o.body !== undefined) {
			body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
			headers['content-type'] = 'application/json';
		}
		calls.push(`${o.method} ${url.pathname}`);
		const res = await fetch(url, { method: o.method, headers, body });
		const text = await res.text();
		const h: Record<string, string> = {};
		res.headers.forEach((v, k) => (h[k] = v));
		let parsed: unknown = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			/* text */
		}
		return { statusCode: res.status, headers: h, body: parsed };
	};
	return { fn, calls };
}

const trigger: INodeExecutionData[] = [{ json: {} }];
const node = new FetchCustomers();

describe('Fetch Customers node: Shopify', () => {
	let mock: ShopifyMock;
	let creds: Record<string, IDataObject>;
	beforeAll(async () => {
		mock = await startShopifyMock({ dataOptions: { seed: 3, customers: 40, orders: 120 }, maximumAvailable: 100000, restoreRate: 100000 });
		creds = { microShopifyApi: { shopDomain: 'mock-shop', accessToken: SHOPIFY_TOKEN, apiVersion: '2026-01', baseUrl: mock.url } };
	});
	afterAll(() => mock.close());

	test('customers in the normalized shape, paired with the trigger item', async () => {
		const http = httpVia(creds);
		const logs: string[] = [];
		const [out] = await runNode(node, trigger, { parameters: { source: 'shopify', output: 'customers' }, credentials: creds, httpRequest: http.fn, logs });
		expect(out).toHaveLength(40);
		expect(out[0].pairedItem).toEqual({ item: 0 });
		const c = out[0].json;
		expect(Object.keys(c).sort()).toEqual(
			['acceptsMarketing', 'consent', 'country', 'createdAt', 'currency', 'customerId', 'email', 'firstName', 'firstOrderDate', 'lastName', 'lastOrderDate', 'ordersCount', 'phone', 'shopifyRfmGroup', 'tags', 'totalSpent', 'updatedAt'].sort(),
		);
		expect(typeof c.ordersCount).toBe('number');
		expect(typeof c.totalSpent).toBe('number');
		expect(logs.some((l) => /gave 40 customers/.test(l))).toBe(true);
		// progress logs carry counts, never an email address or the token
		expect(logs.join('\n')).not.toMatch(/@|shpat_/);
	});

	test("Shopify's RFM group on each customer: RFM Score reports how its segments agree, from items and from a table, and leaves the customers unchanged", async () => {
		const rfm = new RfmScore();
		const http = httpVia(creds);
		const [customers] = await runNode(node, trigger, { parameters: { source: 'shopify', output: 'customers' }, credentials: creds, httpRequest: http.fn });
		const rfmParams = { input: 'customers', output: 'both', options: { withoutOrders: 'keep' } };
		const [scored, summary] = await runNode(rfm, customers, { parameters: rfmParams });
		const details = summary[0].json.details as IDataObject;
		const agreement = details.shopifyRfmAgreement as { compared: number; agreeing: number; agreement: number; withoutShopifyGroup: number; unknownGroups: string[]; pairs: IDataObject[] };
		// every summary item carries the same details; expectation from the scored items themselves
		for (const s of summary) expect((s.json.details as IDataObject).shopifyRfmAgreement).toEqual(agreement);
		expect(agreement.compared).toBe(40);
		expect(agreement.withoutShopifyGroup).toBe(0);
		expect(agreement.unknownGroups).toEqual([]);
		const seen = new Map<string, number>();
		let agreeing = 0;
		for (const c of scored) {
			const pair = `${(c.json.rfm as IDataObject).segment} / ${c.json.shopifyRfmGroup}`;
			seen.set(pair, (seen.get(pair) ?? 0) + 1);
			if (SHOPIFY_RFM_GROUP_MAP[String(c.json.shopifyRfmGroup)] === (c.json.rfm as IDataObject).segment) agreeing++;
		}
		expect(new Map(agreement.pairs.map((p) => [`${p.segment} / ${p.shopifyRfmGroup}`, p.customers]))).toEqual(seen);
		expect(agreement.agreeing).toBe(agreeing);
		expect(agreement.agreement).toBe(Math.round((agreeing / 40) * 10000) / 10000);
		expect(agreeing).toBeGreaterThan(0);
		expect(agreeing).toBeLessThan(40);
		// without the field: the same customers and segments, no agreement in the summary
		const plain = customers.map((c) => ({ ...c, json: Object.fromEntries(Object.entries(c.json).filter(([k]) => k !== 'shopifyRfmGroup')) }));
		const [scoredPlain, summaryPlain] = await runNode(rfm, plain as INodeExecutionData[], { parameters: rfmParams });
		expect(scoredPlain.map((c) => c.json)).toEqual(scored.map((c) => Object.fromEntries(Object.entries(c.json).filter(([k]) => k !== 'shopifyRfmGroup'))));
		expect((summaryPlain[0].json.details as IDataObject).shopifyRfmAgreement).toBeUndefined();
		expect(summaryPlain.map((s) => s.json.segment)).toEqual(summary.map((s) => s.json.segment));
		// a customer table from Fetch Customers gives the same agreement
		const files: Record<string, Buffer> = {};
		const [table] = await runNode(node, trigger, { parameters: { source: 'shopify', output: 'customers', options: { outputFormat: 'table' } }, credentials: creds, httpRequest: httpVia(creds).fn, binaryFiles: files });
		const [tableSummary] = await runNode(rfm, table, { parameters: { ...rfmParams, output: 'summary' }, binaryFiles: files });
		expect((tableSummary[0].json.details as IDataObject).shopifyRfmAgreement).toEqual(agreement);
	});

	test('orders mode with a limit', async () => {
		const http = httpVia(creds);
		const [out] = await runNode(node, trigger, { parameters: { source: 'shopify', output: 'orders', returnAll: false, limit: 7 }, credentials: creds, httpRequest: http.fn });
		expect(out).toHaveLength(7);
		expect(out[0].json).toMatchObject({ customerId: expect.any(String), orderId: expect.any(String), createdAt: expect.stringMatching(/Z$/), total: expect.any(Number), currency: 'USD' });
	});

	test('incremental: static data remembers the position; Start Over forgets it', async () => {
		const staticData: IDataObject = {};
		const http = httpVia(creds);
		const params = { source: 'shopify', output: 'orders', incremental: true };
		const [first] = await runNode(node, trigger, { parameters: params, credentials: creds, httpRequest: http.fn, staticData });
		expect(first).toHaveLength(120);
		const state = (staticData.fetchCustomers as IDataObject)['shopify:orders:default'] as IDataObject;
		expect(state.since).toMatch(/Z$/);
		mock.data.addOrders(2, { customer: 1 });
		const [second] = await runNode(node, trigger, { parameters: params, credentials: creds, httpRequest: http.fn, staticData });
		expect(second).toHaveLength(2);
		const [third] = await runNode(node, trigger, { parameters: params, credentials: creds, httpRequest: http.fn, staticData });
		expect(third).toHaveLength(0);
		const [again] = await runNode(node, trigger, { parameters: { ...params, options: { startOver: true } }, credentials: creds, httpRequest: http.fn, staticData });
		expect(again).toHaveLength(122);
	});

	test('a wrong token fails with a message naming the credential, or becomes an error item', async () => {
		const bad = { microShopifyApi: { ...creds.microShopifyApi, accessToken: 'shpat_wrong_abcdef0123456789' } };
		const http = httpVia(bad);
		await expect(runNode(node, trigger, { parameters: { source: 'shopify' }, credentials: bad, httpRequest: http.fn })).rejects.toThrow(/Microsegments Shopify API/);
		const [out] = await runNode(node, trigger, { parameters: { source: 'shopify' }, credentials: bad, httpRequest: http.fn, continueOnFail: true });
		expect(out).toEqual([{ json: { error: expect.stringContaining('rejected the credential') }, pairedItem: { item: 0 } }]);
		expect(JSON.stringify(out)).not.toContain('shpat_wrong');
	});

	test('bulk export: the file link is fetched without the credential', async () => {
		const http = httpVia(creds);
		const [out] = await runNode(node, trigger, { parameters: { source: 'shopify', output: 'orders', options: { shopifyMethod: 'bulk' } }, credentials: creds, httpRequest: http.fn });
		expect(out).toHaveLength(mock.data.orderCount);
		expect(http.calls.some((c) => c.startsWith('GET /__bulk/'))).toBe(true);
		expect(mock.stats.leakedTokenDownloads).toBe(0);
	});

	test('no input items: no request, no output', async () => {
		const http = httpVia(creds);
		const out = await runNode(node, [], { parameters: { source: 'shopify' }, credentials: creds, httpRequest: http.fn });
		expect(out).toEqual([[]]);
		expect(http.calls).toEqual([]);
	});

	test('an unparseable Changed Since is refused', async () => {
		const http = httpVia(creds);
		await expect(runNode(node, trigger, { parameters: { source: 'shopify', changedSince: 'last tuesday' }, credentials: creds, httpRequest: http.fn })).rejects.toThrow('Changed Since "last tuesday" is not a date');
	});
});

describe('Fetch Customers node: WooCommerce, Stripe, HubSpot', () => {
	let woo: WooMock;
	let stripe: StripeMock;
	let hub: HubSpotMock;
	beforeAll(async () => {
		woo = await startWooCommerceMock({ dataOptions: { seed: 4, customers: 20, orders: 70, guestShare: 0.1 } });
		stripe = await startStripeMock({ dataOptions: { seed: 4, customers: 15, orders: 50 } });
		hub = await startHubSpotMock({ dataOptions: { seed: 4, customers: 15, orders: 50 } });
	});
	afterAll(async () => {
		await woo.close();
		await stripe.close();
		await hub.close();
	});

	test('WooCommerce customers include guests keyed by email; merge option respected', async () => {
		const creds = { microWooCommerceApi: { baseUrl: woo.url, consumerKey: WOO.key, consumerSecret: WOO.secret } };
		const http = httpVia(creds);
		const [out] = await runNode(node, trigger, { parameters: { source: 'wooCommerce', output: 'customers' }, credentials: creds, httpRequest: http.fn });
		const ids = out.map((i) => i.json.customerId as string);
		expect(ids.filter((id) => /^\d+$/.test(id))).toHaveLength(20);
		expect(ids.some((id) => id.includes('@'))).toBe(true);
		const [unmerged] = await runNode(node, trigger, { parameters: { source: 'wooCommerce', output: 'customers', options: { mergeGuests: false } }, credentials: creds, httpRequest: http.fn });
		expect(unmerged.length).toBeGreaterThanOrEqual(out.length);
		expect(http.calls.every((c) => c.startsWith('GET /wp-json/wc/v3/'))).toBe(true);
	});

	test('Stripe orders', async () => {
		const creds = { microStripeApi: { secretKey: STRIPE_KEY, baseUrl: stripe.url } };
		const http = httpVia(creds);
		const [out] = await runNode(node, trigger, { parameters: { source: 'stripe', output: 'orders' }, credentials: creds, httpRequest: http.fn });
		expect(out).toHaveLength(50);
		expect(new Set(out.map((o) => o.json.orderId)).size).toBe(50);
	});

	test('HubSpot customers with extra contact properties', async () => {
		const creds = { microHubSpotApi: { accessToken: HS_TOKEN, baseUrl: hub.url } };
		const http = httpVia(creds);
		const [out] = await runNode(node, trigger, { parameters: { source: 'hubSpot', output: 'customers', options: { contactProperties: 'lifecyclestage' } }, credentials: creds, httpRequest: http.fn });
		expect(out).toHaveLength(15);
		expect(out[0].json.properties).toEqual({ lifecyclestage: expect.any(String) });
	});

	test('include source record option', async () => {
		const creds = { microStripeApi: { secretKey: STRIPE_KEY, baseUrl: stripe.url } };
		const http = httpVia(creds);
		const [out] = await runNode(node, trigger, { parameters: { source: 'stripe', output: 'orders', returnAll: false, limit: 2, options: { includeSource: true } }, credentials: creds, httpRequest: http.fn });
		expect((out[0].json.source as IDataObject).object).toBe('charge');
	});
});

describe('Fetch Customers node: CSV', () => {
	const file = (text: string): INodeExecutionData => ({ json: { fileName: 'orders.csv' }, binary: { data: { data: Buffer.from(text).toString('base64'), mimeType: 'text/csv', fileName: 'orders.csv' } } });
	const csv = 'customer_id;order_id;created_at;total;currency\nA;1;2025-01-01;10,5;EUR\nB;2;2025-02-01;20;EUR\nA;3;2025-03-01;5;EUR\n;4;2025-03-02;1;EUR\n';

	test('orders from a binary file, each paired with its input item', async () => {
		const logs: string[] = [];
		const [out] = await runNode(node, [file(csv), file(csv.replace('A;1', 'C;1'))], { parameters: { source: 'csv', output: 'orders' }, logs });
		expect(out).toHaveLength(6);
		expect(out[0]).toEqual({ json: { customerId: 'A', orderId: '1', createdAt: '2025-01-01T00:00:00.000Z', total: 10.5, currency: 'EUR', status: 'paid' }, pairedItem: { item: 0 } });
		expect(out[3].pairedItem).toEqual({ item: 1 });
		expect(logs.some((l) => /1 invalid .* skipped: order 4 \(row 5\) \(empty customer_id\)/.test(l))).toBe(true);
	});

	test('customers from an orders file', async () => {
		const [out] = await runNode(node, [file(csv)], { parameters: { source: 'csv', output: 'customers' } });
		expect(out.map((o) => [o.json.customerId, o.json.ordersCount, o.json.totalSpent])).toEqual([
			['A', 2, 15.5],
			['B', 1, 20],
		]);
	});

	test('invalid rows fail when asked; a missing binary field fails per item or becomes an error item', async () => {
		await expect(runNode(node, [file(csv)], { parameters: { source: 'csv', output: 'orders', options: { invalidRecords: 'fail' } } })).rejects.toThrow('CSV order 4 (row 5): empty customer_id.');
		const noFile: INodeExecutionData = { json: { a: 1 } };
		await expect(runNode(node, [noFile], { parameters: { source: 'csv' } })).rejects.toThrow(/No binary data property "data"/);
		const [out] = await runNode(node, [noFile, file(csv)], { parameters: { source: 'csv', output: 'orders' }, continueOnFail: true });
		expect(out[0]).toEqual({ json: { error: expect.stringContaining('binary') }, pairedItem: { item: 0 } });
		expect(out).toHaveLength(4);
	});

	test('a file kept on disk by n8n (filesystem binary mode) is streamed, with progress log lines and the options', async () => {
		const rows = Array.from({ length: 20000 }, (_, i) => `C${i % 500};${i};${String(1 + (i % 28)).padStart(2, '0')}/01/2025;${(i % 90) + 1},50;EUR`);
		const big = Buffer.from('customer_id;order_id;created_at;total;currency\n' + rows.join('\n') + '\n', 'utf16le');
		const onDisk: INodeExecutionData = { json: {}, binary: { data: { id: 'filesystem-v2:abc', data: 'filesystem-v2', mimeType: 'text/csv', fileName: 'orders.csv' } } };
		const logs: string[] = [];
		const [out] = await runNode(node, [onDisk], {
			parameters: { source: 'csv', output: 'customers', options: { dateFormat: 'dmy', encoding: 'utf16le' } },
			binaryFiles: { 'filesystem-v2:abc': big },
			logs,
		});
		expect(out).toHaveLength(500);
		expect(out[0].json).toMatchObject({ customerId: 'C0', ordersCount: 40, currency: 'EUR', lastOrderDate: '2025-01-25T00:00:00.000Z', firstOrderDate: '2025-01-01T00:00:00.000Z' });
		const progress = logs.filter((l) => l.includes('"orders.csv"'));
		expect(progress[progress.length - 1]).toBe(`info: Fetch Customers: read "orders.csv" to the end: ${(big.length / 1048576).toFixed(1)} MB, 20,000 rows`);
		// without the Date Format option day-month-year dates are not guessed: every order is skipped and counted
		const warnings: string[] = [];
		const [none] = await runNode(node, [onDisk], { parameters: { source: 'csv', output: 'customers' }, binaryFiles: { 'filesystem-v2:abc': big }, logs: warnings });
		expect(none).toEqual([]);
		expect(warnings.find((l) => l.startsWith('warn:'))).toMatch(/^warn: Fetch Customers: 20000 invalid file data of item 0 records skipped: order 0 \(row 2\) \(created_at "01\/01\/2025": not a date/);
	});

	test('limit across files', async () => {
		const [out] = await runNode(node, [file(csv), file(csv)], { parameters: { source: 'csv', output: 'orders', returnAll: false, limit: 4 } });
		expect(out).toHaveLength(4);
		expect(out[3].pairedItem).toEqual({ item: 1 });
	});
});

describe('Large runs: the customers as one table from Fetch Customers to Segment Router', () => {
	const lines = ['customer_id,order_id,created_at,total,currency,status,email'];
	for (let i = 0; i < 3000; i++) {
		const c = i < 600 ? i : Math.floor(600 * Math.pow(((i * 7919) % 3000) / 3000, 3));
		const status = i % 37 === 0 ? 'cancelled' : 'paid';
		lines.push(`C${c},O${i},2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + ((i * 13) % 28)).padStart(2, '0')}T08:00:00Z,${((i * 7) % 190) + 10}.5,USD,${status},c${c}@shop.test`);
	}
	const csv = lines.join('\n') + '\n';
	const file = (): INodeExecutionData => ({ json: {}, binary: { data: { data: Buffer.from(csv).toString('base64'), mimeType: 'text/csv', fileName: 'orders.csv' } } });
	const rfm = new RfmScore();
	const cluster = new ClusterCustomers();
	const router = new SegmentRouter();
	const routerParams = { holdoutPercent: 10, playbooks: { playbook: [{ segment: 'Champions', campaign: 'VIP' }, { segment: 'At Risk', campaign: 'Win back' }] } };
	const clusterParams = { clusterCount: 'fixed', numberOfClusters: 3 };

	test('gives the same scores, clusters and routes as items, with n8n holding one item per node', async () => {
		// items all along
		const [customers] = await runNode(node, [file()], { parameters: { source: 'csv', output: 'customers' } });
		const [scored] = await runNode(rfm, customers, { parameters: { input: 'customers' } });
		const [clustered] = await runNode(cluster, scored, { parameters: clusterParams });
		const routed = await runNode(router, clustered, { parameters: routerParams });
		// one table item from node to node, kept "on disk"
		const files: Record<string, Buffer> = {};
		const [t1] = await runNode(node, [file()], { parameters: { source: 'csv', output: 'customers', options: { outputFormat: 'table' } }, binaryFiles: files });
		const [t2] = await runNode(rfm, t1, { parameters: { input: 'customers' }, binaryFiles: files });
		const [t3] = await runNode(cluster, t2, { parameters: clusterParams, binaryFiles: files });
		const logs: string[] = [];
		const tableRouted = await runNode(router, t3, { parameters: routerParams, binaryFiles: files, logs });
		for (const out of [t1, t2, t3]) {
			expect(out).toHaveLength(1);
			expect(out[0].binary?.customers).toMatchObject({ mimeType: 'application/vnd.microsegments.customers+table', fileName: 'customers.mstable' });
			expect(out[0].binary?.customers.id).toMatch(/^filesystem-v2:/);
		}
		expect(t1[0].json).toMatchObject({ table: { customers: customers.length, storedOnDisk: true }, rowsRead: 3000, skipped: 0 });
		expect(t1[0].json.sample).toEqual(customers.slice(0, 20).map((c) => c.json));
		expect(t2[0].json.sample).toEqual(scored.slice(0, 20).map((c) => c.json));
		expect(t3[0].json.sample).toEqual(clustered.slice(0, 20).map((c) => c.json));
		// the segment summary of the table run is the items run's summary
		const [summary] = await runNode(rfm, customers, { parameters: { input: 'customers', output: 'summary' } });
		expect(t2[0].json.segments).toEqual(summary.map((s) => Object.fromEntries(Object.entries(s.json).filter(([k]) => k !== 'details'))));
		expect((t3[0].json.clusters as IDataObject[]).map((c) => c.size)).toHaveLength(3);
		// items only for the playbook segments (Champions, At Risk); the same items as the items run
		const sent = [RFM_SEGMENT_NAMES.indexOf('Champions'), RFM_SEGMENT_NAMES.indexOf('At Risk')];
		tableRouted.forEach((out, k) => {
			const expected = sent.includes(k) ? routed[k].map((i) => i.json) : [];
			expect(out.map((i) => i.json)).toEqual(expected);
		});
		expect(routed[sent[0]].length).toBeGreaterThan(10);
		expect(routed[sent[1]].length).toBeGreaterThan(10);
		expect(tableRouted.flat().every((i) => JSON.stringify(i.pairedItem) === JSON.stringify({ item: 0 }))).toBe(true);
		expect(logs.find((l) => l.includes('Segment Router: Routed'))).toMatch(/^info: Segment Router: Routed \d+ customers of the table: .*; \d+ of them to outputs without a playbook, counted only \(no items\)$/);
	});
});
