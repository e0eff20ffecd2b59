import { fetchTransport } from '../../nodes/core/net/http';
import { fetchWooCommerce, normalizeWooOrder, wooStatus } from '../../nodes/core/sources/woocommerce';
import type { FetchOptions, NormalizedCustomer, NormalizedOrder } from '../../nodes/core/sources/types';
import { startWooCommerceMock, type WooMock } from '../mocks/woocommerce';

const KEY = 'ck_0123456789abcdef0123456789abcdef01234567';
const SECRET = 'cs_0123456789abcdef0123456789abcdef01234567';
const basic = (k: string, s: string) => ({ Authorization: `Basic ${Buffer.from(`${k}:${s}`).toString('base64')}` });
const fast = { baseDelayMs: 5, maxDelayMs: 20, maxRetries: 4 };

function opts(extra: Partial<FetchOptions> = {}): FetchOptions {
	return { transport: fetchTransport, mode: 'customers', headers: basic(KEY, SECRET), retry: fast, ...extra };
}

/** Independent expectation: customers built from the orders exactly as the API renders them. */
function expectedCustomers(mock: WooMock) {
	const byEmail = new Map<string, string>();
	for (let c = 0; c < mock.data.customerCount; c++) byEmail.set(mock.data.customer(c).email, String(c + 1));
	const out = new Map<string, { count: number; spent: number; last: string | null }>();
	for (let i = 0; i < mock.data.orderCount; i++) {
		const o = mock.renderOrder(i) as { customer_id: number; billing: { email: string }; status: string; total: string; refunds: { total: string }[]; date_created_gmt: string };
		const id = o.customer_id > 0 ? String(o.customer_id) : (byEmail.get(o.billing.email) ?? o.billing.email);
		const e = out.get(id) ?? { count: 0, spent: 0, last: null };
		out.set(id, e);
		if (!['completed', 'processing'].includes(o.status)) continue;
		const net = Number(o.total) + o.refunds.reduce((s, r) => s + Number(r.total), 0);
		if (net <= 0) continue;
		e.count++;
		e.spent += net;
		const t = `${o.date_created_gmt}.000Z`;
		if (!e.last || t > e.last) e.last = t;
	}
	return out;
}

describe('WooCommerce client against the mock', () => {
	let mock: WooMock;
	beforeEach(async () => {
		mock = await startWooCommerceMock({ dataOptions: { seed: 11, customers: 40, orders: 160, guestShare: 0.1 }, drafts: 2 });
	});
	afterEach(() => mock.close());

	test('orders: every order once, GMT dates, net refunds, guests keyed by email and merged by email', async () => {
		const res = await fetchWooCommerce({ baseUrl: mock.url }, opts({ mode: 'orders', pageSize: 30 }));
		const orders = res.records as NormalizedOrder[];
		expect(orders).toHaveLength(160); // the 2 checkout drafts are not orders
		expect(new Set(orders.map((o) => o.orderId)).size).toBe(160);
		expect(res.stats.pages).toBe(Math.ceil(162 / 30));
		for (let i = 0; i < 160; i++) {
			const raw = mock.renderOrder(i) as { id: number; date_created_gmt: string; customer_id: number; billing: { email: string }; status: string; total: string; refunds: { total: string }[] };
			const o = orders.find((x) => x.orderId === String(raw.id))!;
			expect(o.createdAt).toBe(`${raw.date_created_gmt}.000Z`);
			if (raw.customer_id > 0) expect(o.customerId).toBe(String(raw.customer_id));
			if (raw.refunds.length && raw.status === 'completed') {
				expect(o.status).toBe('partially_refunded');
				expect(o.total).toBeCloseTo(Number(raw.total) + Number(raw.refunds[0].total), 2);
			}
			if (raw.status === 'refunded') expect(o.total).toBe(0);
			if (raw.status === 'on-hold') expect(o.status).toBe('pending');
		}
		const guests = orders.filter((o) => o.customerId.includes('@'));
		expect(guests.length).toBeGreaterThan(0);
		expect(guests.every((g) => g.customerId === g.email)).toBe(true);
		// a guest order placed with a registered customer's email is credited to that customer
		const merged = orders.filter((o) => {
			const raw = mock.renderOrder(Number(o.orderId) - 1000) as { customer_id: number };
			return raw.customer_id === 0 && /^\d+$/.test(o.customerId);
		});
		expect(merged.length).toBeGreaterThan(0);
	});

	test('customers: built from orders, matching an independent count', async () => {
		const res = await fetchWooCommerce({ baseUrl: mock.url }, opts({ pageSize: 25 }));
		const exp = expectedCustomers(mock);
		const customers = res.records as NormalizedCustomer[];
		const registered = customers.filter((c) => /^\d+$/.test(c.customerId));
		expect(registered).toHaveLength(40);
		for (const c of customers) {
			const e = exp.get(c.customerId) ?? { count: 0, spent: 0, last: null };
			expect(c.ordersCount).toBe(e.count);
			expect(c.totalSpent).toBeCloseTo(e.spent, 2);
			expect(c.lastOrderDate).toBe(e.last);
			expect(c.consent).toEqual({ email: 'unknown', sms: 'unknown' });
		}
		const c1 = customers.find((c) => c.customerId === '1')!;
		expect(c1.email).toBe(mock.data.customer(0).email);
		expect(c1.firstName).toBe(mock.data.customer(0).firstName);
		expect(c1.country).toBe(mock.data.customer(0).country);
		expect(c1.currency).toBe('USD');
		const guest = customers.find((c) => c.customerId.includes('@'))!;
		expect(guest.email).toBe(guest.customerId);
		expect(guest.firstName).toBe('Guest');
	});

	test('a 502, a dropped connection and a 429 mid-pagination lose and duplicate nothing', async () => {
		mock.setFaults([
			{ at: 2, kind: 502 },
			{ at: 4, kind: 'drop' },
			{ at: 6, kind: 429 },
		]);
		const res = await fetchWooCommerce({ baseUrl: mock.url }, opts({ mode: 'orders', pageSize: 20 }));
		const ids = (res.records as NormalizedOrder[]).map((o) => Number(o.orderId)).sort((a, b) => a - b);
		expect(ids).toEqual(Array.from({ length: 160 }, (_, i) => 1000 + i));
		expect(res.stats.retries).toBe(3);
	});

	test('401: wrong key and missing auth name the credential, never the key', async () => {
		const wrong = await fetchWooCommerce({ baseUrl: mock.url }, opts({ headers: basic('ck_ffffffffffffffffffffffffffffffffffffffff', SECRET) })).catch((e) => e);
		expect(wrong.kind).toBe('auth');
		expect(wrong.message).toContain('Microsegments WooCommerce API');
		expect(wrong.message).toContain('Consumer key is invalid');
		expect(wrong.message).not.toMatch(/ck_f/);
		const none = await fetchWooCommerce({ baseUrl: mock.url }, opts({ headers: {} })).catch((e) => e);
		expect(none.kind).toBe('auth');
		expect(none.message).toContain('woocommerce_rest_cannot_view');
	});

	test('404: no WooCommerce at that URL explains what to check', async () => {
		const err = await fetchWooCommerce({ baseUrl: `${mock.url}/blog` }, opts()).catch((e) => e);
		expect(err.kind).toBe('notFound');
		expect(err.message).toMatch(/permalinks/);
	});

	test('page size is capped at 100 (WooCommerce rejects more)', async () => {
		const res = await fetchWooCommerce({ baseUrl: mock.url }, opts({ mode: 'orders', pageSize: 500 }));
		expect(res.records).toHaveLength(160);
		expect(res.stats.pages).toBe(2);
	});

	test('malformed orders are skipped with their id, or fail', async () => {
		await mock.close();
		mock = await startWooCommerceMock({ dataOptions: { seed: 11, customers: 10, orders: 30 }, malformedOrders: [3] });
		const res = await fetchWooCommerce({ baseUrl: mock.url }, opts({ mode: 'orders' }));
		expect(res.records).toHaveLength(29);
		expect(res.skipped).toEqual([{ id: '1003', reason: 'total is not a number' }]);
		await expect(fetchWooCommerce({ baseUrl: mock.url }, opts({ mode: 'orders', onInvalid: 'fail' }))).rejects.toThrow('WooCommerce order 1003: total is not a number.');
	});

	test('incremental orders: the second run returns exactly the new orders', async () => {
		const first = await fetchWooCommerce({ baseUrl: mock.url }, opts({ mode: 'orders', incremental: { since: null, seen: {} } }));
		expect(first.records).toHaveLength(160);
		const added = [...mock.data.addOrders(2, { customer: 4 }), ...mock.data.addOrders(1, { customer: 'guest' }), ...mock.data.addOrders(1, { customer: 'new' })];
		const second = await fetchWooCommerce({ baseUrl: mock.url }, opts({ mode: 'orders', incremental: first.state }));
		expect((second.records as NormalizedOrder[]).map((o) => Number(o.orderId)).sort()).toEqual(added.map((i) => 1000 + i).sort());
		const third = await fetchWooCommerce({ baseUrl: mock.url }, opts({ mode: 'orders', incremental: second.state }));
		expect(third.records).toEqual([]);
	});

	test('incremental customers: only touched customers, with totals over all their orders', async () => {
		const first = await fetchWooCommerce({ baseUrl: mock.url }, opts({ incremental: { since: null, seen: {} } }));
		const before = (first.records as NormalizedCustomer[]).find((c) => c.customerId === '5')!;
		mock.data.addOrders(1, { customer: 4, totalCents: 1000 });
		const [newCustomer] = mock.data.addCustomers(1);
		const second = await fetchWooCommerce({ baseUrl: mock.url }, opts({ incremental: first.state }));
		const ids = second.records.map((c) => c.customerId).sort();
		expect(ids).toEqual(['5', String(newCustomer + 1)].sort());
		const after = (second.records as NormalizedCustomer[]).find((c) => c.customerId === '5')!;
		expect(after.ordersCount).toBe(before.ordersCount + 1);
		expect(after.totalSpent).toBeCloseTo(before.totalSpent + 10, 2);
		const third = await fetchWooCommerce({ baseUrl: mock.url }, opts({ incremental: second.state }));
		expect(third.records).toEqual([]);
	});

	test('max records in customers mode: the first customers with exact totals', async () => {
		const full = (await fetchWooCommerce({ baseUrl: mock.url }, opts())).records as NormalizedCustomer[];
		const trial = await fetchWooCommerce({ baseUrl: mock.url }, opts({ maxRecords: 5 }));
		expect(trial.records.map((c) => c.customerId)).toEqual(['1', '2', '3', '4', '5']);
		expect(trial.truncated).toBe(true);
		for (const c of trial.records as NormalizedCustomer[]) {
			const f = full.find((x) => x.customerId === c.customerId)!;
			expect(c.ordersCount).toBe(f.ordersCount);
			expect(c.totalSpent).toBeCloseTo(f.totalSpent, 2);
		}
	});
});

describe('WooCommerce normalization', () => {
	test('statuses', () => {
		expect(wooStatus('completed', null)).toBe('paid');
		expect(wooStatus('processing', null)).toBe('paid');
		expect(wooStatus('on-hold', null)).toBe('pending');
		expect(wooStatus('trash', null)).toBe('cancelled');
		expect(wooStatus('checkout-draft', null)).toBeNull();
		expect(wooStatus('shipped', '2025-01-01T00:00:00')).toBe('paid');
		expect(wooStatus('awaiting-review', null)).toBe('pending');
	});

	test('guest without email, bad dates, full refund on a completed order', () => {
		const base = { id: 7, status: 'completed', currency: 'eur', total: '20.00', customer_id: 0, date_created_gmt: '2025-02-03T04:05:06', billing: { email: 'X@Y.org' }, refunds: [] };
		expect(normalizeWooOrder(base, false)).toMatchObject({ customerId: 'x@y.org', currency: 'EUR', total: 20, status: 'paid', createdAt: '2025-02-03T04:05:06.000Z' });
		expect(normalizeWooOrder({ ...base, billing: { email: '' } }, false)).toEqual({ id: '7', reason: 'guest order without a billing email' });
		expect(normalizeWooOrder({ ...base, date_created_gmt: 'soon', date_created: null }, false)).toEqual({ id: '7', reason: 'date_created_gmt is missing or not a date' });
		expect(normalizeWooOrder({ ...base, refunds: [{ total: '-20.00' }] }, false)).toMatchObject({ status: 'refunded', total: 0 });
		expect(normalizeWooOrder({ ...base, refunds: [{ total: '-5.50' }] }, false)).toMatchObject({ status: 'partially_refunded', total: 14.5 });
	});
});
