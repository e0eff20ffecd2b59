import { fetchTransport } from '../../nodes/core/net/http';
import { fromMinorUnits } from '../../nodes/core/sources/normalize';
import { fetchStripe, normalizeStripeCharge, stripeChargeStatus } from '../../nodes/core/sources/stripe';
import type { FetchOptions, NormalizedCustomer, NormalizedOrder } from '../../nodes/core/sources/types';
import { startStripeMock, type StripeMock } from '../mocks/stripe';

const KEY = 'sk_test_51MockKey0123456789abcdefghij';
const fast = { baseDelayMs: 5, maxDelayMs: 40, maxRetries: 6 };
const opts = (extra: Partial<FetchOptions> = {}): FetchOptions => ({ transport: fetchTransport, mode: 'orders', headers: { Authorization: `Bearer ${KEY}` }, retry: fast, ...extra });

describe('Stripe client against the mock', () => {
	let mock: StripeMock;
	beforeEach(async () => {
		mock = await startStripeMock({ dataOptions: { seed: 5, customers: 30, orders: 150, guestShare: 0.1, currencies: ['USD', 'EUR', 'JPY'] } });
	});
	afterEach(() => mock.close());

	test('orders: minor units by currency (JPY not divided), refunds netted, guests by email', async () => {
		const res = await fetchStripe({ baseUrl: mock.url }, opts({ pageSize: 40 }));
		const orders = res.records as NormalizedOrder[];
		expect(orders).toHaveLength(150);
		expect(new Set(orders.map((o) => o.orderId)).size).toBe(150);
		expect(res.stats.pages).toBe(4);
		let yen = 0;
		for (let i = 0; i < 150; i++) {
			const raw = mock.renderCharge(i) as { id: string; amount: number; amount_refunded: number; currency: string; customer: string | null; receipt_email: string; status: string; captured: boolean; refunded: boolean };
			const o = orders.find((x) => x.orderId === raw.id)!;
			expect(o.currency).toBe(raw.currency.toUpperCase());
			if (o.status === 'paid' || o.status === 'partially_refunded') {
				const net = raw.amount - raw.amount_refunded;
				expect(o.total).toBe(raw.currency === 'jpy' ? net : net / 100);
			}
			if (raw.currency === 'jpy') yen++;
			expect(o.customerId).toBe(raw.customer ?? raw.receipt_email);
		}
		expect(yen).toBeGreaterThan(0);
		expect(orders.some((o) => o.customerId.includes('@'))).toBe(true);
		expect(orders.some((o) => o.status === 'cancelled')).toBe(true);
	});

	test('customers: Stripe customers with the totals of their charges, several currencies kept apart', async () => {
		const res = await fetchStripe({ baseUrl: mock.url }, opts({ mode: 'customers' }));
		const customers = res.records as NormalizedCustomer[];
		expect(customers).toHaveLength(30);
		for (const c of customers) {
			const idx = Number.parseInt(c.customerId.slice(5), 36);
			const perCur: Record<string, { n: number; amt: number }> = {};
			let last = 0;
			for (let i = 0; i < mock.data.orderCount; i++) {
				if (mock.data.ordCustomer[i] !== idx) continue;
				const ch = mock.renderCharge(i) as { amount: number; amount_refunded: number; currency: string; created: number };
				const n = normalizeStripeCharge(ch, false) as NormalizedOrder;
				if (n.status !== 'paid' && n.status !== 'partially_refunded') continue;
				const cur = ch.currency.toUpperCase();
				perCur[cur] = perCur[cur] ?? { n: 0, amt: 0 };
				perCur[cur].n++;
				perCur[cur].amt += fromMinorUnits(ch.amount - ch.amount_refunded, cur);
				last = Math.max(last, ch.created);
			}
			const curs = Object.keys(perCur);
			expect(c.ordersCount).toBe(curs.reduce((s, k) => s + perCur[k].n, 0));
			if (curs.length) {
				expect(c.totalSpent).toBeCloseTo(perCur[c.currency!].amt, 2);
				expect(c.lastOrderDate).toBe(new Date(last * 1000).toISOString());
			}
			if (curs.length > 1) expect(Object.keys(c.spentByCurrency!).sort()).toEqual(curs.sort());
			expect(c.email).toBe(mock.data.customer(idx).email);
			expect(c.firstName).toBe(mock.data.customer(idx).firstName);
		}
	});

	test('429 rate_limit without Retry-After is retried with backoff; nothing lost or doubled', async () => {
		await mock.close();
		mock = await startStripeMock({ dataOptions: { seed: 5, customers: 30, orders: 150 }, ratePerSecond: 2 });
		const res = await fetchStripe({ baseUrl: mock.url }, opts({ pageSize: 25, retry: { baseDelayMs: 100, maxDelayMs: 1000, maxRetries: 8 } }));
		expect(mock.stats.rateLimited).toBeGreaterThan(0);
		expect(res.records).toHaveLength(150);
		expect(new Set(res.records.map((o) => (o as NormalizedOrder).orderId)).size).toBe(150);
	});

	test('a 500 and a dropped connection mid-pagination', async () => {
		mock.setFaults([
			{ at: 2, kind: 500 },
			{ at: 4, kind: 'drop' },
		]);
		const res = await fetchStripe({ baseUrl: mock.url }, opts({ pageSize: 20 }));
		expect(res.records.map((o) => (o as NormalizedOrder).orderId).sort()).toEqual(Array.from({ length: 150 }, (_, i) => mock.chargeId(i)).sort());
		expect(res.stats.retries).toBe(2);
	});

	test('401 and 403 name the credential and never echo the key', async () => {
		const bad = await fetchStripe({ baseUrl: mock.url }, opts({ headers: { Authorization: 'Bearer sk_test_51WrongKeyabcdefghijklmnop' } })).catch((e) => e);
		expect(bad.kind).toBe('auth');
		expect(bad.message).toContain('Microsegments Stripe API');
		expect(bad.message).not.toMatch(/sk_test_5|mnop/);
		await mock.close();
		mock = await startStripeMock({ restrictedKeyWithoutCharges: 'rk_test_51Restricted0123456789' });
		const forbidden = await fetchStripe({ baseUrl: mock.url }, opts({ headers: { Authorization: 'Bearer rk_test_51Restricted0123456789' } })).catch((e) => e);
		expect(forbidden.kind).toBe('forbidden');
		expect(forbidden.message).toContain('rak_charge_read');
		expect(forbidden.message).not.toContain('rk_test_51R');
	});

	test('incremental: new charges only; customers mode returns the customers who paid', async () => {
		const first = await fetchStripe({ baseUrl: mock.url }, opts({ incremental: { since: null, seen: {} } }));
		expect(first.records).toHaveLength(150);
		const added = mock.data.addOrders(2, { customer: 3, totalCents: 5000 });
		const second = await fetchStripe({ baseUrl: mock.url }, opts({ incremental: first.state }));
		expect(second.records.map((o) => (o as NormalizedOrder).orderId).sort()).toEqual(added.map((i) => mock.chargeId(i)).sort());
		expect((await fetchStripe({ baseUrl: mock.url }, opts({ incremental: second.state }))).records).toEqual([]);

		const c1 = await fetchStripe({ baseUrl: mock.url }, opts({ mode: 'customers', incremental: { since: null, seen: {} } }));
		const before = (c1.records as NormalizedCustomer[]).find((c) => c.customerId === mock.customerId(7))!;
		mock.data.addOrders(1, { customer: 7, totalCents: 1234 });
		const c2 = await fetchStripe({ baseUrl: mock.url }, opts({ mode: 'customers', incremental: c1.state }));
		expect(c2.records.map((c) => c.customerId)).toEqual([mock.customerId(7)]);
		const after = c2.records[0] as NormalizedCustomer;
		expect(after.ordersCount).toBe(before.ordersCount + 1);
	});

	test('max records in customers mode reads only those customers\' charges', async () => {
		const res = await fetchStripe({ baseUrl: mock.url }, opts({ mode: 'customers', maxRecords: 3 }));
		expect(res.records).toHaveLength(3);
		expect(res.truncated).toBe(true);
		expect(mock.stats.byPath['/v1/charges']).toBe(3);
	});
});

describe('Stripe normalization', () => {
	const base = { id: 'ch_1', amount: 1999, amount_refunded: 0, currency: 'usd', created: 1735689600, status: 'succeeded', captured: true, refunded: false, customer: 'cus_1' };
	test('currencies and minor units', () => {
		expect((normalizeStripeCharge(base, false) as NormalizedOrder).total).toBe(19.99);
		expect((normalizeStripeCharge({ ...base, currency: 'jpy' }, false) as NormalizedOrder).total).toBe(1999);
		expect((normalizeStripeCharge({ ...base, currency: 'kwd' }, false) as NormalizedOrder).total).toBe(1.999);
		expect((normalizeStripeCharge(base, false) as NormalizedOrder).createdAt).toBe('2025-01-01T00:00:00.000Z');
	});
	test('statuses', () => {
		expect(stripeChargeStatus(base)).toBe('paid');
		expect(stripeChargeStatus({ ...base, amount_refunded: 500 })).toBe('partially_refunded');
		expect(stripeChargeStatus({ ...base, amount_refunded: 1999, refunded: true })).toBe('refunded');
		expect(stripeChargeStatus({ ...base, captured: false })).toBe('pending');
		expect(stripeChargeStatus({ ...base, captured: false, refunded: true })).toBe('cancelled');
		expect(stripeChargeStatus({ ...base, status: 'failed' })).toBe('failed');
	});
	test('bad charges', () => {
		expect(normalizeStripeCharge({ ...base, customer: null }, false)).toEqual({ id: 'ch_1', reason: 'charge has no customer and no email' });
		expect(normalizeStripeCharge({ ...base, amount: 'x' }, false)).toEqual({ id: 'ch_1', reason: 'amount is not a number' });
		expect(normalizeStripeCharge({ ...base, currency: '' }, false)).toEqual({ id: 'ch_1', reason: 'charge has no currency' });
	});
});
