import { fetchTransport } from '../../nodes/core/net/http';
import { dealStatus, fetchHubSpot, normalizeContact, normalizeDeal } from '../../nodes/core/sources/hubspot';
import type { FetchOptions, NormalizedCustomer, NormalizedOrder } from '../../nodes/core/sources/types';
import { STATUS } from '../mocks/shop-data';
import { startHubSpotMock, type HubSpotMock } from '../mocks/hubspot-crm';

const TOKEN = 'pat-na1-00000000-0000-0000-0000-000000000000';
const fast = { baseDelayMs: 5, maxDelayMs: 40, maxRetries: 5 };
const opts = (extra: Partial<FetchOptions> = {}): FetchOptions => ({ transport: fetchTransport, mode: 'customers', headers: { Authorization: `Bearer ${TOKEN}` }, retry: fast, ...extra });

function expected(mock: HubSpotMock, c: number) {
	let count = 0;
	let spent = 0;
	let last = 0;
	for (const i of mock.data.ordersOf(c)) {
		const o = mock.data.order(i);
		if (o.status !== STATUS.paid && o.status !== STATUS.partial) continue;
		count++;
		spent += (o.totalCents - (o.status === STATUS.partial ? o.refundedCents : 0)) / 100;
		last = Math.max(last, o.created);
	}
	return { count, spent, last: last ? new Date(last).toISOString() : null };
}

describe('HubSpot client against the mock', () => {
	let mock: HubSpotMock;
	beforeEach(async () => {
		mock = await startHubSpotMock({ dataOptions: { seed: 9, customers: 35, orders: 120 } });
	});
	afterEach(() => mock.close());

	test('customers: contacts with the totals of their closed-won deals', async () => {
		const res = await fetchHubSpot({ baseUrl: mock.url, contactProperties: ['lifecyclestage'] }, opts({ pageSize: 20 }));
		const customers = res.records as Array<NormalizedCustomer & { properties?: Record<string, unknown> }>;
		expect(customers).toHaveLength(35);
		for (const c of customers) {
			const idx = Number(c.customerId) - 101;
			const e = expected(mock, idx);
			expect(c.ordersCount).toBe(e.count);
			expect(c.totalSpent).toBeCloseTo(e.spent, 2);
			expect(c.lastOrderDate).toBe(e.last);
			const v = mock.data.customer(idx);
			expect(c.email).toBe(v.email);
			expect(c.consent.email).toBe(v.emailState === 'UNSUBSCRIBED' ? 'unsubscribed' : 'unknown');
			expect(c.properties).toEqual({ lifecyclestage: v.ordersCount > 0 ? 'customer' : 'lead' });
		}
	});

	test('orders: deals with stage mapping, each once', async () => {
		const res = await fetchHubSpot({ baseUrl: mock.url }, opts({ mode: 'orders', pageSize: 50 }));
		const orders = res.records as NormalizedOrder[];
		expect(orders).toHaveLength(120);
		expect(new Set(orders.map((o) => o.orderId)).size).toBe(120);
		for (const o of orders) {
			const s = mock.data.order(Number(o.orderId) - 900001).status;
			expect(o.status).toBe(s === STATUS.paid || s === STATUS.partial ? 'paid' : s === STATUS.pending ? 'pending' : 'cancelled');
			expect(o.customerId).toBe(String(101 + mock.data.ordCustomer[Number(o.orderId) - 900001]));
		}
	});

	test('stays under the rolling limit read from X-HubSpot-RateLimit-* headers (no 429)', async () => {
		await mock.close();
		mock = await startHubSpotMock({ dataOptions: { seed: 9, customers: 35, orders: 120 }, max: 4, intervalMs: 400 });
		const res = await fetchHubSpot({ baseUrl: mock.url }, opts({ pageSize: 10 }));
		expect(res.records).toHaveLength(35);
		expect(mock.stats.rateLimited).toBe(0);
		expect(res.stats.waitedMs).toBeGreaterThan(0);
	});

	test('a 429 TEN_SECONDLY_ROLLING (budget used by another app) waits the interval and retries', async () => {
		await mock.close();
		mock = await startHubSpotMock({ dataOptions: { seed: 9, customers: 35, orders: 120 }, max: 3, intervalMs: 300 });
		for (let k = 0; k < 3; k++) await fetch(`${mock.url}/crm/v3/objects/contacts?limit=1`, { headers: { Authorization: `Bearer ${TOKEN}` } });
		const res = await fetchHubSpot({ baseUrl: mock.url }, opts({ mode: 'orders' }));
		expect(mock.stats.rateLimited).toBeGreaterThanOrEqual(1);
		expect(res.records).toHaveLength(120);
	});

	test('DAILY limit stops with a clear message', async () => {
		await mock.close();
		mock = await startHubSpotMock({ daily: 1 });
		const err = await fetchHubSpot({ baseUrl: mock.url }, opts({ pageSize: 10 })).catch((e) => e);
		expect(err.kind).toBe('rateLimit');
		expect(err.message).toMatch(/daily API limit/);
	});

	test('401 and missing scopes name the credential and the scope', async () => {
		const bad = await fetchHubSpot({ baseUrl: mock.url }, opts({ headers: { Authorization: 'Bearer pat-na1-11111111-2222-3333-4444-555555555555' } })).catch((e) => e);
		expect(bad.kind).toBe('auth');
		expect(bad.message).toContain('Microsegments HubSpot API');
		expect(bad.message).not.toContain('pat-na1-1111');
		await mock.close();
		mock = await startHubSpotMock({ scopes: ['crm.objects.contacts.read'] });
		const scope = await fetchHubSpot({ baseUrl: mock.url }, opts()).catch((e) => e);
		expect(scope.kind).toBe('forbidden');
		expect(scope.message).toContain('crm.objects.deals.read');
	});

	test('a 502 and a dropped connection mid-pagination', async () => {
		mock.setFaults([
			{ at: 2, kind: 502 },
			{ at: 5, kind: 'drop' },
		]);
		const res = await fetchHubSpot({ baseUrl: mock.url }, opts({ mode: 'orders', pageSize: 15 }));
		expect((res.records as NormalizedOrder[]).map((o) => Number(o.orderId)).sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => 900001 + i));
		expect(res.stats.retries).toBe(2);
	});

	test('max records: the first contacts with all their deals (association paging)', async () => {
		const full = (await fetchHubSpot({ baseUrl: mock.url }, opts())).records as NormalizedCustomer[];
		const trial = await fetchHubSpot({ baseUrl: mock.url }, opts({ maxRecords: 4 }));
		expect(trial.records.map((c) => c.customerId)).toEqual(['101', '102', '103', '104']);
		for (const c of trial.records as NormalizedCustomer[]) {
			const f = full.find((x) => x.customerId === c.customerId)!;
			expect(c.ordersCount).toBe(f.ordersCount);
			expect(c.totalSpent).toBeCloseTo(f.totalSpent, 2);
		}
	});

	test('incremental: search by last-modified date, orders and customers', async () => {
		const first = await fetchHubSpot({ baseUrl: mock.url }, opts({ mode: 'orders', incremental: { since: null, seen: {} } }));
		expect(first.records).toHaveLength(120);
		const added = mock.data.addOrders(2, { customer: 6, totalCents: 2500 });
		const second = await fetchHubSpot({ baseUrl: mock.url }, opts({ mode: 'orders', incremental: first.state }));
		expect(second.records.map((o) => (o as NormalizedOrder).orderId).sort()).toEqual(added.map((i) => mock.dealId(i)).sort());
		expect((await fetchHubSpot({ baseUrl: mock.url }, opts({ mode: 'orders', incremental: second.state }))).records).toEqual([]);

		const c1 = await fetchHubSpot({ baseUrl: mock.url }, opts({ incremental: { since: null, seen: {} } }));
		const before = (c1.records as NormalizedCustomer[]).find((c) => c.customerId === mock.contactId(9))!;
		mock.data.addOrders(1, { customer: 9, totalCents: 1000 });
		const c2 = await fetchHubSpot({ baseUrl: mock.url }, opts({ incremental: c1.state }));
		expect(c2.records.map((c) => c.customerId)).toEqual([mock.contactId(9)]);
		expect((c2.records[0] as NormalizedCustomer).ordersCount).toBe(before.ordersCount + 1);
		expect((c2.records[0] as NormalizedCustomer).totalSpent).toBeCloseTo(before.totalSpent + 10, 2);
	});
});

describe('HubSpot normalization', () => {
	test('deal stages and amounts', () => {
		expect(dealStatus('closedwon', ['closedwon'], ['closedlost'])).toBe('paid');
		expect(dealStatus('ClosedLost', ['closedwon'], ['closedlost'])).toBe('cancelled');
		expect(dealStatus('contractsent', ['closedwon'], ['closedlost'])).toBe('pending');
		const deal = { id: '5', properties: { amount: '1200.5', closedate: '2025-03-01T12:00:00.000Z', dealstage: 'won_custom', deal_currency_code: 'eur' } };
		expect(normalizeDeal(deal, '7', { baseUrl: '', wonStages: ['won_custom'] }, false)).toMatchObject({ customerId: '7', total: 1200.5, currency: 'EUR', status: 'paid' });
		expect(normalizeDeal({ ...deal, properties: { ...deal.properties, dealstage: 'closedwon', amount: '' } }, '7', { baseUrl: '' }, false)).toEqual({ id: '5', reason: 'won deal has no amount' });
		expect(normalizeDeal(deal, null, { baseUrl: '' }, false)).toEqual({ id: '5', reason: 'deal has no associated contact' });
		expect(normalizeDeal({ id: '6', properties: { amount: '10', dealstage: 'closedwon' } }, '7', { baseUrl: '', defaultCurrency: 'gbp' }, false)).toEqual({ id: '6', reason: 'closedate and createdate are missing or not dates' });
	});

	test('contacts: country codes, free-text countries, opt-out', () => {
		const c = normalizeContact({ id: '1', properties: { email: 'A@B.co', country: 'de', hs_email_optout: 'true' } }, [], false) as NormalizedCustomer;
		expect(c).toMatchObject({ email: 'a@b.co', country: 'DE', consent: { email: 'unsubscribed', sms: 'unknown' } });
		expect((normalizeContact({ id: '2', properties: { country: 'United Kingdom' } }, [], false) as NormalizedCustomer).country).toBe('United Kingdom');
	});
});
