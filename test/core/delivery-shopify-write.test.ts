/**
 * Shopify write-back through the delivery engine against the Shopify Admin mock: segment tags
 * added and the previous segment's tag removed (Segment Changes), the JSON metafield with the
 * scores, lookups by id and by email, a rerun that writes nothing, cost pacing from
 * throttleStatus (virtual clock shared with the mock's bucket), THROTTLED answers, userErrors per
 * customer, an answer lost after Shopify applied the writes, a dry run, a missing write scope.
 */
import { fetchTransport, type HttpTransport } from '../../nodes/core/net/http';
import { runDelivery, type DeliveryInput, type DeliveryOptions } from '../../nodes/core/delivery/engine';
import { StaticDataLedger } from '../../nodes/core/delivery/ledger';
import { virtualClock } from '../../nodes/core/net/clock';
import { seededRandom } from '../../nodes/core/net/retry';
import { canonicalJson, createShopifyWriteProvider, type ShopifyWriteOptions } from '../../nodes/core/delivery/providers/shopify';
import { shopifyRef } from '../../nodes/core/delivery/providers/shopifyGraphql';
import { GENEROUS_TIMEOUT_MS } from '../mocks/hold';
import { startShopifyMock, type ShopifyMock, type ShopifyMockOptions } from '../mocks/shopify';

const TOKEN = 'shpat_write_test_0123456789';
const SEGMENTS = ['Champions', 'Loyal', 'At Risk'];
const normal: HttpTransport = (req) => fetchTransport({ ...req, timeoutMs: GENEROUS_TIMEOUT_MS });
const gid = (c: number) => `gid://shopify/Customer/${7000000 + c}`;

let mock: ShopifyMock;
let clock: ReturnType<typeof virtualClock>;
afterEach(async () => mock?.close());

async function start(o: ShopifyMockOptions = {}): Promise<void> {
	clock = virtualClock(Date.now());
	mock = await startShopifyMock({ token: TOKEN, dataOptions: { customers: 120, orders: 10, seed: 3 }, now: clock.now, ...o });
}

/** Customers 0..n-1: even ones by Shopify id, odd ones by email (as a CSV playbook would give). */
function inputs(n: number, segmentOf: (c: number) => string = (c) => SEGMENTS[c % 3], extra: (c: number) => Record<string, unknown> = () => ({})): DeliveryInput[] {
	return Array.from({ length: n }, (_, c) => {
		const email = mock.data.customer(c).email;
		const id = String(7000000 + c);
		return {
			itemIndex: c,
			customerId: id,
			address: c % 2 === 0 ? id : email.toUpperCase(),
			fields: { customerId: id, email, rfm: { segment: segmentOf(c), r: 1 + (c % 5), f: 2, m: 3, cell: `${1 + (c % 5)}23`, referenceDate: '2026-01-05' }, ...extra(c) },
		};
	});
}

function provider(o: Partial<ShopifyWriteOptions> = {}) {
	return createShopifyWriteProvider({
		baseUrl: mock.url,
		apiVersion: '2026-01',
		accessToken: TOKEN,
		membership: { segmentField: 'rfm.segment', prefix: 'rfm: ' },
		metafield: { namespace: 'microsegments', key: 'rfm', fields: ['rfm.segment', 'rfm.r', 'rfm.f', 'rfm.m', 'rfm.cell'] },
		clock,
		...o,
	});
}

function options(container: Record<string, unknown>, extra: Partial<DeliveryOptions>): DeliveryOptions {
	return { provider: extra.provider!, transport: normal, ledger: new StaticDataLedger(container), campaignKey: 'shopify-tags', runKey: '2026-01-05', clock, rng: seededRandom(7), ...extra };
}

describe('Shopify write-back', () => {
	test('30 customers (ids and emails): 2 batches of ≤25, one lookup and one mutation each; tags and metafield written', async () => {
		await start();
		const res = await runDelivery(inputs(30), options({}, { provider: provider() }));
		expect(res.summary).toMatchObject({ sent: 30, failed: 0, requests: 4, batches: 2 });
		expect(mock.stats.byRoot).toMatchObject({ customer: 15, customers: 15, tagsAdd: 30, metafieldsSet: 2 });
		expect(mock.write.writes).toMatchObject({ tagsAdded: 30, tagsRemoved: 0, metafieldsChanged: 30 });
		for (let c = 0; c < 30; c++) {
			expect(mock.write.tagsOf(c)).toContain(`rfm: ${SEGMENTS[c % 3]}`);
			expect(JSON.parse(mock.write.metafield(c, 'microsegments', 'rfm')!.value)).toEqual({ rfm: { segment: SEGMENTS[c % 3], r: 1 + (c % 5), f: 2, m: 3, cell: `${1 + (c % 5)}23` } });
		}
		expect(res.records.every((r) => r.status === 'sent' && r.messageId === gid(r.itemIndex))).toBe(true);
		// the customer's own tags are kept
		const own = mock.data.customer(0).tags;
		for (const t of own) expect(mock.write.tagsOf(0)).toContain(t);
	});

	test('a rerun (same day: ledger; next day: lookups only) changes nothing in Shopify', async () => {
		await start();
		const container = {};
		await runDelivery(inputs(30), options(container, { provider: provider() }));
		const after = JSON.stringify(mock.write.writes);
		const sameDay = await runDelivery(inputs(30), options(container, { provider: provider() }));
		expect(sameDay.summary).toMatchObject({ sent: 0, requests: 0 });
		expect(sameDay.summary.skippedByReason).toEqual({ already_sent: 30 });
		const nextDay = await runDelivery(inputs(30), options(container, { provider: provider(), runKey: '2026-01-06' }));
		expect(nextDay.summary).toMatchObject({ sent: 30, requests: 2 });
		expect(mock.write.writes.mutations).toBe(JSON.parse(after).mutations);
		expect(JSON.stringify(mock.write.writes)).toBe(after);
	});

	test('Segment Changes: a moved customer loses the old tag and gets the new one; a gone customer loses it', async () => {
		await start();
		const container = {};
		await runDelivery(inputs(6, () => 'Loyal'), options(container, { provider: provider() }));
		const moved = inputs(6, (c) => (c < 3 ? 'Champions' : 'Loyal'), (c) => (c < 3 ? { change: { type: 'moved', from: 'Loyal', to: 'Champions' } } : c === 5 ? { change: { type: 'gone', from: 'Loyal' } } : {}));
		const res = await runDelivery(moved, options(container, { provider: provider({ metafield: undefined }), runKey: '2026-01-12' }));
		expect(res.summary).toMatchObject({ sent: 6, failed: 0 });
		for (let c = 0; c < 3; c++) {
			expect(mock.write.tagsOf(c)).toContain('rfm: Champions');
			expect(mock.write.tagsOf(c)).not.toContain('rfm: Loyal');
		}
		expect(mock.write.tagsOf(3)).toContain('rfm: Loyal');
		expect(mock.write.tagsOf(4)).toContain('rfm: Loyal');
		expect(mock.write.tagsOf(5).filter((t) => t.startsWith('rfm: '))).toEqual([]);
		expect(mock.write.writes).toMatchObject({ tagsAdded: 6 + 3, tagsRemoved: 4 });
	});

	test('cost pacing: a 1000-point bucket restoring 50/s is never overdrawn (no THROTTLED), the run waits instead', async () => {
		await start({ maximumAvailable: 1000, restoreRate: 50 });
		const res = await runDelivery(inputs(100), options({}, { provider: provider() }));
		expect(res.summary).toMatchObject({ sent: 100, failed: 0, requests: 8 });
		expect(mock.stats.throttled).toBe(0);
		expect(clock.slept).toBeGreaterThan(0);
		expect(mock.write.writes.tagsAdded).toBe(100);
	});

	test('THROTTLED (another app drained the bucket): waits for the missing points, then writes once', async () => {
		await start({ maximumAvailable: 1000, restoreRate: 50 });
		mock.bucket.available = 0;
		const res = await runDelivery(inputs(10), options({}, { provider: provider() }));
		expect(res.summary).toMatchObject({ sent: 10, failed: 0, retries: 1 });
		expect(mock.stats.throttled).toBe(1);
		expect(mock.write.writes).toMatchObject({ tagsAdded: 10, metafieldsChanged: 10 });
	});

	test('userErrors and unknown customers fail per customer; the others are written', async () => {
		await start();
		mock.write.tags.set(2, Array.from({ length: 250 }, (_, k) => `t${k}`));
		const items = inputs(6);
		items[4] = { ...items[4], address: '7999999', customerId: '7999999' };
		items[5] = { ...items[5], address: 'nobody@example.org' };
		const res = await runDelivery(items, options({}, { provider: provider() }));
		expect(res.records.map((r) => [r.status, r.reason])).toEqual([
			['sent', null],
			['sent', null],
			['failed', 'user_error'],
			['sent', null],
			['failed', 'not_found'],
			['failed', 'not_found'],
		]);
		expect(res.records[2].detail).toBe('Tags cannot exceed 250');
	});

	test('bad input: no usable address, a comma in the tag → counted failures before any request', async () => {
		await start();
		const items = inputs(3);
		items[0] = { ...items[0], address: 'not an id' };
		items[1] = { ...items[1], fields: { ...items[1].fields, rfm: { segment: 'A, B' } } };
		const res = await runDelivery(items, options({}, { provider: provider() }));
		expect(res.summary.failedByReason).toEqual({ invalid_address: 1, invalid_tag: 1 });
		expect(res.summary.sent).toBe(1);
	});

	test('answer lost after Shopify applied the writes: looked up again, nothing written twice, nobody unconfirmed', async () => {
		await start({ dropAfter: [2] });
		const res = await runDelivery(inputs(10), options({}, { provider: provider() }));
		expect(res.summary).toMatchObject({ sent: 10, unconfirmed: 0, failed: 0 });
		expect(mock.write.writes).toMatchObject({ tagsAdded: 10, metafieldsChanged: 10, mutations: 11 });
	});

	test('dry run: the lookup and the mutation of each batch, token redacted, nothing sent', async () => {
		await start();
		const res = await runDelivery(inputs(3), options({}, { provider: provider(), dryRun: true }));
		expect(mock.stats.dataRequests).toBe(0);
		expect(res.plannedRequests).toHaveLength(2);
		expect(JSON.stringify(res.plannedRequests)).not.toContain(TOKEN);
		const mutation = res.plannedRequests![1].body as { query: string; variables: Record<string, unknown> };
		expect(mutation.query).toContain('tagsAdd');
		expect(mutation.variables.add0).toEqual(['rfm: Champions']);
	});

	test('a token without write_customers stops the run with the scope named', async () => {
		await start({ scopes: ['read_customers'] });
		const res = await runDelivery(inputs(3), options({}, { provider: provider() }));
		expect(res.summary.stopped?.reason).toBe('access_denied');
		expect(res.summary.stopped?.detail).toContain('write_customers');
		expect(mock.write.writes.tagsAdded).toBe(0);
	});
});

describe('Shopify helpers', () => {
	test('customer references: ids, GIDs, emails; anything else is refused', () => {
		expect(shopifyRef('123')).toEqual({ kind: 'id', gid: 'gid://shopify/Customer/123' });
		expect(shopifyRef(' gid://shopify/Customer/9 ')).toEqual({ kind: 'id', gid: 'gid://shopify/Customer/9' });
		expect(shopifyRef('A@B.co')).toEqual({ kind: 'email', email: 'a@b.co' });
		expect(shopifyRef('x"@b.co')).toBeUndefined();
		expect(shopifyRef('gid://shopify/Order/1')).toBeUndefined();
	});
	test('canonical JSON ignores key order', () => {
		expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
	});
	test('a metafield namespace with a quote is refused at creation', () => {
		expect(() =>
			createShopifyWriteProvider({ baseUrl: 'http://x', apiVersion: '2026-01', membership: { segmentField: 'rfm.segment', prefix: '' }, metafield: { namespace: 'a"b', key: 'rfm', fields: [] } }),
		).toThrow(/namespace/);
	});
});
