import { fetchTransport } from '../../nodes/core/net/http';
import { SourceError } from '../../nodes/core/sources/errors';
import { fetchShopify, normalizeShopifyCustomer, normalizeShopifyOrder, shopifyBaseUrl, shopifyHasRfmGroup, shopifyOrderStatus } from '../../nodes/core/sources/shopify';
import type { FetchOptions, NormalizedCustomer, NormalizedOrder } from '../../nodes/core/sources/types';
import { ShopData, STATUS } from '../mocks/shop-data';
import { startShopifyMock, type ShopifyMock } from '../mocks/shopify';

const TOKEN = 'shpat_test_token_0123456789';
const fast = { baseDelayMs: 5, maxDelayMs: 20, maxRetries: 4 };

function opts(mock: ShopifyMock, extra: Partial<FetchOptions> = {}): FetchOptions {
	return { transport: fetchTransport, mode: 'customers', headers: { 'X-Shopify-Access-Token': TOKEN }, retry: fast, ...extra };
}
const cfg = (mock: ShopifyMock) => ({ baseUrl: mock.url, apiVersion: '2026-01', method: 'pages' as const });

describe('Shopify client against the mock', () => {
	let mock: ShopifyMock;
	beforeEach(async () => {
		mock = await startShopifyMock({ dataOptions: { seed: 7, customers: 60, orders: 200 }, restoreRate: 100000, maximumAvailable: 100000 });
	});
	afterEach(() => mock.close());

	test('customers: every customer once, with Shopify aggregates, consent and country', async () => {
		const res = await fetchShopify(cfg(mock), opts(mock, { pageSize: 25 }));
		expect(res.records).toHaveLength(60);
		expect(new Set(res.records.map((r) => r.customerId)).size).toBe(60);
		expect(res.stats.pages).toBe(3);
		expect(res.skipped).toEqual([]);
		const c = res.records.find((r) => r.customerId === String(7000000 + 3)) as NormalizedCustomer;
		const v = mock.data.customer(3);
		expect(c.email).toBe(v.email);
		expect(c.ordersCount).toBe(v.ordersCount);
		expect(c.totalSpent).toBeCloseTo(v.spentCents / 100, 2);
		expect(c.currency).toBe('USD');
		expect(c.country).toBe(v.country);
		expect(c.tags).toEqual(v.tags);
		expect(c.consent.email).toBe(v.emailState.toLowerCase());
		expect(c.acceptsMarketing).toBe(v.emailState === 'SUBSCRIBED');
		if (v.lastOrder >= 0) expect(c.lastOrderDate).toBe(new Date(Math.floor(mock.data.order(v.lastOrder).created / 1000) * 1000).toISOString());
		expect(c.source).toBeUndefined();
	});

	test('orders: every order once, net totals and mapped statuses', async () => {
		const res = await fetchShopify(cfg(mock), opts(mock, { mode: 'orders', pageSize: 50, includeSource: true }));
		expect(res.records).toHaveLength(200);
		const ids = res.records.map((r) => (r as NormalizedOrder).orderId);
		expect(new Set(ids).size).toBe(200);
		const byStatus: Record<string, number> = {};
		for (const r of res.records as NormalizedOrder[]) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
		for (let i = 0; i < 200; i++) {
			const o = mock.data.order(i);
			const r = res.records.find((x) => (x as NormalizedOrder).orderId === String(5000000 + i)) as NormalizedOrder;
			const expected = ['paid', 'pending', 'partially_refunded', 'refunded', 'cancelled', 'failed'][o.status];
			expect(r.status).toBe(expected);
			if (o.status === STATUS.partial) expect(r.total).toBeCloseTo((o.totalCents - o.refundedCents) / 100, 2);
			if (o.status === STATUS.refunded) expect(r.total).toBe(0);
			expect(r.customerId).toBe(String(7000000 + o.customer));
			expect(r.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
		}
		expect((res.records[0] as NormalizedOrder).source).toBeDefined();
	});

	test("customers carry the RFM group Shopify computes (API 2025-04+), and an older version is not asked for it", async () => {
		const res = await fetchShopify(cfg(mock), opts(mock, { pageSize: 25 }));
		const customers = res.records as NormalizedCustomer[];
		const groups = ['CHAMPIONS', 'LOYAL', 'ACTIVE', 'NEEDS_ATTENTION', 'PROMISING', 'NEW', 'AT_RISK', 'PREVIOUSLY_LOYAL', 'ALMOST_LOST', 'DORMANT', 'PROSPECTS'];
		for (const c of customers) {
			expect(groups).toContain(c.shopifyRfmGroup);
			expect(c.shopifyRfmGroup === 'PROSPECTS').toBe(c.ordersCount === 0);
		}
		expect(new Set(customers.map((c) => c.shopifyRfmGroup)).size).toBeGreaterThanOrEqual(6);
		// the same value the shop answers for that customer alone
		const ask = async (version: string, query: string) => {
			const r = await fetch(`${mock.url}/admin/api/${version}/graphql.json`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-access-token': TOKEN }, body: JSON.stringify({ query }) });
			return (await r.json()) as { data?: { customer: { statistics: Record<string, string> } }; errors?: Array<{ message: string; extensions: { code: string } }> };
		};
		const one = await ask('2026-01', '{ customer(id: "gid://shopify/Customer/7000003") { statistics { rfmGroup } } }');
		expect(one.data?.customer.statistics.rfmGroup).toBe(customers.find((c) => c.customerId === '7000003')?.shopifyRfmGroup);
		// 2025-01 has statistics (predictedSpendTier) but no rfmGroup: Shopify's unknown-field error
		const old = await ask('2025-01', '{ customer(id: "gid://shopify/Customer/7000003") { statistics { rfmGroup } } }');
		expect(old.data).toBeUndefined();
		expect(old.errors?.[0].message).toBe("Field 'rfmGroup' doesn't exist on type 'CustomerStatistics'");
		expect(old.errors?.[0].extensions.code).toBe('undefinedField');
		expect((await ask('2025-01', '{ customer(id: "gid://shopify/Customer/7000003") { statistics { predictedSpendTier } } }')).errors).toBeUndefined();
		// the client leaves the field out for that version: same customers, no shopifyRfmGroup
		const older = await fetchShopify({ ...cfg(mock), apiVersion: '2025-01' }, opts(mock, { pageSize: 25 }));
		expect(older.records).toHaveLength(60);
		expect(older.records.some((c) => 'shopifyRfmGroup' in c)).toBe(false);
		expect(older.records).toEqual(customers.map(({ shopifyRfmGroup: _g, ...rest }) => rest));
	});

	test('which API versions have the RFM group', () => {
		expect(['2025-04', '2025-07', '2026-01', 'unstable', undefined].map((v) => shopifyHasRfmGroup(v))).toEqual([true, true, true, true, true]);
		expect(['2025-01', '2024-10', '2022-07', 'latest'].map((v) => shopifyHasRfmGroup(v))).toEqual([false, false, false, false]);
	});

	test('waits for the cost bucket instead of running dry', async () => {
		await mock.close();
		// cost of a 10-customer page: 2 + 10 * 6 = 62; bucket of 100 refilling 400/s
		mock = await startShopifyMock({ dataOptions: { seed: 7, customers: 60, orders: 200 }, maximumAvailable: 100, restoreRate: 400 });
		const res = await fetchShopify(cfg(mock), opts(mock, { pageSize: 10 }));
		expect(res.records).toHaveLength(60);
		expect(mock.stats.throttled).toBe(0);
		expect(res.stats.waitedMs).toBeGreaterThan(0);
		expect(res.stats.requests).toBe(6);
	});

	test('retries the HTTP-200 THROTTLED error after the computed wait', async () => {
		mock.bucket.available = 0;
		mock.bucket.max = 300;
		mock.bucket.restoreRate = 2000;
		mock.bucket.at = Date.now();
		const res = await fetchShopify(cfg(mock), opts(mock, { pageSize: 20 }));
		expect(mock.stats.throttled).toBeGreaterThanOrEqual(1);
		expect(res.records).toHaveLength(60);
		expect(new Set(res.records.map((r) => r.customerId)).size).toBe(60);
		expect(res.stats.retries).toBeGreaterThanOrEqual(1);
	});

	test('halves the page size when the query cost exceeds the single-query limit', async () => {
		mock.bucket.max = 1000;
		mock.bucket.available = 1000;
		const res = await fetchShopify(cfg(mock), opts(mock, { pageSize: 250 }));
		expect(res.records).toHaveLength(60);
	});

	test('a 502 and a dropped connection mid-pagination lose and duplicate nothing', async () => {
		mock.setFaults([
			{ at: 3, kind: 502 },
			{ at: 6, kind: 'drop' },
			{ at: 8, kind: 429 },
		]);
		const res = await fetchShopify(cfg(mock), opts(mock, { mode: 'orders', pageSize: 20 }));
		const ids = (res.records as NormalizedOrder[]).map((r) => Number(r.orderId) - 5000000).sort((a, b) => a - b);
		expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => i));
		expect(res.stats.retries).toBe(3);
		expect(res.stats.pages).toBe(10);
	});

	test('gives up after the retry budget with a clear message', async () => {
		mock.setFaults([{ at: 2, kind: 503, times: 50 }]);
		await expect(fetchShopify(cfg(mock), opts(mock, { pageSize: 20 }))).rejects.toThrow(/Shopify answered 503 5 times in a row/);
	});

	test('401 names the credential and never shows the token', async () => {
		const err = await fetchShopify(cfg(mock), { ...opts(mock), headers: { 'X-Shopify-Access-Token': 'shpat_wrong_0123456789abcdef' } }).catch((e) => e);
		expect(err).toBeInstanceOf(SourceError);
		expect(err.kind).toBe('auth');
		expect(err.message).toContain('Microsegments Shopify API');
		expect(err.message).toContain('access token');
		expect(err.message).not.toContain('shpat_wrong');
	});

	test('404 for an unknown shop says to check the shop domain', async () => {
		await mock.close();
		mock = await startShopifyMock({ shopMissing: true });
		const err = await fetchShopify(cfg(mock), opts(mock)).catch((e) => e);
		expect(err.kind).toBe('notFound');
		expect(err.message).toMatch(/shop domain/);
	});

	test('missing scope: ACCESS_DENIED becomes a clear message', async () => {
		await mock.close();
		mock = await startShopifyMock({ scopes: ['read_customers'] });
		const err = await fetchShopify(cfg(mock), opts(mock, { mode: 'orders' })).catch((e) => e);
		expect(err.kind).toBe('forbidden');
		expect(err.message).toMatch(/read_orders/);
	});

	test('a malformed API version answers 404', async () => {
		const err = await fetchShopify({ baseUrl: mock.url, apiVersion: '2025-02', method: 'pages' }, opts(mock)).catch((e) => e);
		expect(err.kind).toBe('notFound');
	});

	test('malformed records are skipped and counted with their id, or fail on request', async () => {
		await mock.close();
		mock = await startShopifyMock({ dataOptions: { seed: 7, customers: 30, orders: 90 }, malformedCustomers: [4, 9], malformedOrders: [2] });
		const res = await fetchShopify(cfg(mock), opts(mock));
		expect(res.records).toHaveLength(28);
		expect(res.skipped).toEqual([
			{ id: '7000004', reason: 'amountSpent.amount is not a number' },
			{ id: '7000009', reason: 'amountSpent.amount is not a number' },
		]);
		const err = await fetchShopify(cfg(mock), opts(mock, { mode: 'orders', onInvalid: 'fail' })).catch((e) => e);
		expect(err.kind).toBe('invalidRecord');
		expect(err.message).toContain('5000002');
	});

	test('max records stops early', async () => {
		const res = await fetchShopify(cfg(mock), opts(mock, { maxRecords: 7 }));
		expect(res.records).toHaveLength(7);
		expect(res.truncated).toBe(true);
		expect(res.stats.requests).toBe(1);
	});

	test('incremental: second run returns only what changed, third run nothing', async () => {
		const first = await fetchShopify(cfg(mock), opts(mock, { mode: 'orders', incremental: { since: null, seen: {} } }));
		expect(first.records).toHaveLength(200);
		expect(first.state?.since).toBeTruthy();
		const added = mock.data.addOrders(3, { customer: 5 });
		const second = await fetchShopify(cfg(mock), opts(mock, { mode: 'orders', incremental: first.state }));
		expect((second.records as NormalizedOrder[]).map((r) => r.orderId).sort()).toEqual(added.map((i) => String(5000000 + i)).sort());
		const third = await fetchShopify(cfg(mock), opts(mock, { mode: 'orders', incremental: second.state }));
		expect(third.records).toHaveLength(0);
		// customers: the customer who ordered changed
		const c1 = await fetchShopify(cfg(mock), opts(mock, { incremental: { since: null, seen: {} } }));
		mock.data.addOrders(1, { customer: 11 });
		const c2 = await fetchShopify(cfg(mock), opts(mock, { incremental: c1.state }));
		expect(c2.records.map((r) => r.customerId)).toEqual([String(7000011)]);
		expect((c2.records[0] as NormalizedCustomer).ordersCount).toBe(mock.data.customer(11).ordersCount);
	});

	test('since filter only returns records updated at or after it', async () => {
		const since = new Date(mock.data.order(150).updated).toISOString();
		const res = await fetchShopify(cfg(mock), opts(mock, { mode: 'orders', since }));
		const expected = mock.data.ordUpdated.filter((u) => Math.floor(u / 1000) * 1000 >= Date.parse(since)).length;
		expect(res.records).toHaveLength(expected);
	});
});

describe('Shopify bulk export', () => {
	let mock: ShopifyMock;
	beforeEach(async () => {
		mock = await startShopifyMock({ dataOptions: { seed: 7, customers: 600, orders: 1500 }, bulkDelayMs: 60, maximumAvailable: 100000, restoreRate: 100000 });
	});
	afterEach(() => mock.close());
	const bulkCfg = (m: ShopifyMock, method: 'bulk' | 'auto' = 'bulk') => ({ baseUrl: m.url, apiVersion: '2026-01', method, bulkPollMs: 20 });

	test('bulk gives exactly what paging gives, without sending the token to the file link', async () => {
		const paged = await fetchShopify(cfg(mock), opts(mock, { mode: 'orders' }));
		const bulk = await fetchShopify(bulkCfg(mock), opts(mock, { mode: 'orders' }));
		expect(bulk.records).toHaveLength(1500);
		expect(bulk.records).toEqual(paged.records);
		expect(mock.stats.bulkDownloads).toBe(1);
		expect(mock.stats.leakedTokenDownloads).toBe(0);
		const customers = await fetchShopify(bulkCfg(mock), opts(mock));
		const pagedCustomers = await fetchShopify(cfg(mock), opts(mock));
		expect(customers.records).toEqual(pagedCustomers.records);
		expect((customers.records as NormalizedCustomer[]).filter((c) => typeof c.shopifyRfmGroup === 'string')).toHaveLength(600);
		// an API version before 2025-04: the export document leaves the field out (the mock would refuse it)
		const older = await fetchShopify({ ...bulkCfg(mock), apiVersion: '2025-01' }, opts(mock));
		expect(older.records).toHaveLength(600);
		expect(older.records.some((c) => 'shopifyRfmGroup' in c)).toBe(false);
	});

	test('auto: one page for a small result, a bulk export when there is more than a page', async () => {
		const small = await fetchShopify(bulkCfg(mock, 'auto'), opts(mock, { mode: 'orders', since: new Date(mock.data.order(1400).updated).toISOString() }));
		expect(mock.stats.bulkDownloads).toBe(0);
		expect(small.records.length).toBeGreaterThan(0);
		expect(small.records.length).toBeLessThan(250);
		const big = await fetchShopify(bulkCfg(mock, 'auto'), opts(mock, { mode: 'orders' }));
		expect(big.records).toHaveLength(1500);
		expect(mock.stats.bulkDownloads).toBe(1);
		// a limit always pages
		const limited = await fetchShopify(bulkCfg(mock, 'auto'), opts(mock, { mode: 'orders', maxRecords: 300 }));
		expect(limited.records).toHaveLength(300);
		expect(mock.stats.bulkDownloads).toBe(1);
	});

	test('incremental through bulk exports', async () => {
		const first = await fetchShopify(bulkCfg(mock), opts(mock, { mode: 'orders', incremental: { since: null, seen: {} } }));
		expect(first.records).toHaveLength(1500);
		const added = mock.data.addOrders(4, { customer: 2 });
		const second = await fetchShopify(bulkCfg(mock), opts(mock, { mode: 'orders', incremental: first.state }));
		expect(second.records.map((o) => (o as NormalizedOrder).orderId).sort()).toEqual(added.map((i) => String(5000000 + i)).sort());
		const third = await fetchShopify(bulkCfg(mock), opts(mock, { mode: 'orders', incremental: second.state }));
		expect(third.records).toEqual([]);
	});

	test('a failed export and a missing scope are reported', async () => {
		await mock.close();
		mock = await startShopifyMock({ dataOptions: { seed: 7, customers: 20, orders: 40 }, bulkFailure: 'INTERNAL_SERVER_ERROR', bulkDelayMs: 20 });
		await expect(fetchShopify(bulkCfg(mock), opts(mock))).rejects.toThrow(/bulk export failed \(INTERNAL_SERVER_ERROR\)/);
		await mock.close();
		mock = await startShopifyMock({ dataOptions: { seed: 7, customers: 20, orders: 40 }, bulkFailure: 'ACCESS_DENIED', bulkDelayMs: 20 });
		await expect(fetchShopify(bulkCfg(mock), opts(mock))).rejects.toThrow(/read_customers/);
	});

	test('before 2026-01 a second export waits for the running one', async () => {
		const a = fetchShopify({ ...bulkCfg(mock), apiVersion: '2025-10' }, opts(mock, { mode: 'orders' }));
		const b = fetchShopify({ ...bulkCfg(mock), apiVersion: '2025-10' }, opts(mock, { retry: { baseDelayMs: 5, maxDelayMs: 10, maxRetries: 2 }, clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))) } }));
		const [ra, rb] = await Promise.all([a, b]);
		expect(ra.records).toHaveLength(1500);
		expect(rb.records).toHaveLength(600);
	});
});

describe('Shopify normalization', () => {
	test('financial and cancel status mapping', () => {
		expect(shopifyOrderStatus('PAID', null)).toBe('paid');
		expect(shopifyOrderStatus('PAID', '2025-01-01T00:00:00Z')).toBe('cancelled');
		expect(shopifyOrderStatus('PARTIALLY_REFUNDED', null)).toBe('partially_refunded');
		expect(shopifyOrderStatus('REFUNDED', null)).toBe('refunded');
		expect(shopifyOrderStatus('VOIDED', null)).toBe('cancelled');
		expect(shopifyOrderStatus('AUTHORIZED', null)).toBe('pending');
		expect(shopifyOrderStatus('EXPIRED', null)).toBe('failed');
		expect(shopifyOrderStatus(undefined, null)).toBe('pending');
	});

	test('guest order keyed by email; no customer and no email is skipped', () => {
		const base = { id: 'gid://shopify/Order/9', createdAt: '2025-03-01T10:00:00Z', displayFinancialStatus: 'PAID', currentTotalPriceSet: { shopMoney: { amount: '10.50', currencyCode: 'EUR' } } };
		const o = normalizeShopifyOrder({ ...base, email: 'A@B.com', customer: null }, false) as NormalizedOrder;
		expect(o.customerId).toBe('a@b.com');
		expect(o.total).toBe(10.5);
		expect(normalizeShopifyOrder({ ...base, customer: null }, false)).toEqual({ id: '9', reason: 'order has no customer and no email' });
		expect(normalizeShopifyOrder({ ...base, customer: { id: 'gid://shopify/Customer/1' }, createdAt: 'yesterday' }, false)).toEqual({ id: '9', reason: 'createdAt is missing or not a date' });
		expect(normalizeShopifyOrder({ ...base, customer: { id: 'gid://shopify/Customer/1' }, currentTotalPriceSet: { shopMoney: { amount: 'NaN', currencyCode: 'EUR' } } }, false)).toMatchObject({ reason: expect.stringContaining('not a number') });
	});

	test('the RFM group: kept as Shopify sends it, null without statistics, absent when not asked for', () => {
		const base = { id: 'gid://shopify/Customer/5', numberOfOrders: '2', amountSpent: { amount: '20.00', currencyCode: 'USD' } };
		const pick = (node: Record<string, unknown>) => normalizeShopifyCustomer(node, false) as NormalizedCustomer;
		expect(pick({ ...base, statistics: { rfmGroup: 'AT_RISK' } }).shopifyRfmGroup).toBe('AT_RISK');
		expect(pick({ ...base, statistics: null }).shopifyRfmGroup).toBeNull();
		expect(pick({ ...base, statistics: { rfmGroup: null } }).shopifyRfmGroup).toBeNull();
		expect('shopifyRfmGroup' in pick(base)).toBe(false);
	});

	test('base URL from the shop domain', () => {
		expect(shopifyBaseUrl('my-shop')).toBe('https://my-shop.myshopify.com');
		expect(shopifyBaseUrl('https://my-shop.myshopify.com/admin')).toBe('https://my-shop.myshopify.com');
		expect(shopifyBaseUrl('x', 'http://127.0.0.1:9/')).toBe('http://127.0.0.1:9');
		expect(() => shopifyBaseUrl(' ')).toThrow(/shop domain/);
	});

	test('the mock data generator is deterministic', () => {
		const a = new ShopData({ seed: 3, customers: 10, orders: 40 });
		const b = new ShopData({ seed: 3, customers: 10, orders: 40 });
		expect(a.ordTotal).toEqual(b.ordTotal);
		expect(a.customerCount).toBe(10);
		expect(a.orderCount).toBe(40);
	});
});
