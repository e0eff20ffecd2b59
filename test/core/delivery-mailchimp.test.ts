/**
 * Mailchimp through the delivery engine against its mock: batch upserts of ≤ 500 members with
 * merge fields and the segment tag, the old tag removed for movers only, statuses of existing
 * members untouched, per-member errors, a rerun that changes nothing, the 10-connection limit and
 * its 429, an answer lost after Mailchimp applied the batch, a missing list, a dry run.
 */
import { fetchTransport, type HttpTransport } from '../../nodes/core/net/http';
import { runDelivery, type DeliveryInput, type DeliveryOptions } from '../../nodes/core/delivery/engine';
import { StaticDataLedger } from '../../nodes/core/delivery/ledger';
import { virtualClock } from '../../nodes/core/net/clock';
import { seededRandom } from '../../nodes/core/net/retry';
import { connectionGate, createMailchimpProvider, subscriberHash, type MailchimpOptions } from '../../nodes/core/delivery/providers/mailchimp';
import { GENEROUS_TIMEOUT_MS } from '../mocks/hold';
import { MailchimpMock, md5 } from '../mocks/mailchimp';
import type { MockOptions } from '../mocks/sendgrid';

const KEY = '0123456789abcdef0123456789abcdef-us21';
const LIST = 'a1b2c3d4e5';
const SEGMENTS = ['Champions', 'Loyal', 'At Risk'];
const normal: HttpTransport = (req) => fetchTransport({ ...req, timeoutMs: GENEROUS_TIMEOUT_MS });

let mock: MailchimpMock;
afterEach(async () => mock?.close());
async function start(o: MockOptions = {}): Promise<void> {
	mock = new MailchimpMock(KEY, undefined, o);
	await mock.start();
}

function inputs(n: number, segmentOf: (i: number) => string = (i) => SEGMENTS[i % 3], extra: (i: number) => Record<string, unknown> = () => ({})): DeliveryInput[] {
	return Array.from({ length: n }, (_, i) => ({
		itemIndex: i,
		customerId: `c${i}`,
		address: `Customer${i}@Example.com`,
		fields: { customerId: `c${i}`, firstName: `Name${i}`, rfm: { segment: segmentOf(i), cell: `${1 + (i % 5)}45`, score: 9 + (i % 5) }, ...extra(i) },
	}));
}

function provider(o: Partial<MailchimpOptions> = {}) {
	return createMailchimpProvider({
		baseUrl: `${mock.url}/3.0`,
		listId: LIST,
		apiKey: KEY,
		membership: { segmentField: 'rfm.segment', prefix: 'rfm: ' },
		mergeFields: [
			{ tag: 'FNAME', field: 'firstName' },
			{ tag: 'RFM_SEG', field: 'rfm.segment' },
			{ tag: 'RFM_SCORE', field: 'rfm.score' },
		],
		statusIfNew: 'transactional',
		...o,
	});
}

const options = (container: Record<string, unknown>, extra: Partial<DeliveryOptions>): DeliveryOptions => ({
	provider: extra.provider!,
	transport: normal,
	ledger: new StaticDataLedger(container),
	campaignKey: 'mailchimp-tags',
	runKey: '2026-01-05',
	clock: virtualClock(Date.now()),
	rng: seededRandom(3),
	...extra,
});

describe('Mailchimp', () => {
	test('1,200 customers → 3 batch upserts (500, 500, 200): merge fields and segment tag on each member', async () => {
		await start();
		const res = await runDelivery(inputs(1200), options({}, { provider: provider() }));
		expect(res.summary).toMatchObject({ sent: 1200, failed: 0, requests: 3 });
		expect(mock.log.map((l) => l.size).sort()).toEqual([200, 500, 500]);
		const m = mock.member(LIST, 'customer7@example.com')!;
		expect(m).toMatchObject({ status: 'transactional', mergeFields: { FNAME: 'Name7', RFM_SEG: 'Loyal', RFM_SCORE: 11 } });
		expect([...m.tags]).toEqual(['rfm: Loyal']);
		expect(res.records[7].messageId).toBe(md5('customer7@example.com'));
		expect(mock.changes).toMatchObject({ created: 1200, tagsAdded: 1200, tagsRemoved: 0 });
	});

	test('subscriber hash = MD5 of the lower-cased email', () => {
		expect(subscriberHash(' Urist.McVankab@FreddiesJokes.com ')).toBe('62eeb292278cc15f5817cb78f7790b08');
	});

	test('existing members keep their status and their own tags; a rerun (same day or next) changes nothing', async () => {
		await start();
		const list = mock.lists.get(LIST)!;
		list.members.set(md5('customer0@example.com'), { email: 'customer0@example.com', status: 'unsubscribed', mergeFields: {}, tags: new Set(['vip']) });
		const container = {};
		await runDelivery(inputs(20), options(container, { provider: provider() }));
		expect(mock.member(LIST, 'customer0@example.com')).toMatchObject({ status: 'unsubscribed' });
		expect([...mock.member(LIST, 'customer0@example.com')!.tags].sort()).toEqual(['rfm: Champions', 'vip']);
		const before = JSON.stringify(mock.changes);
		const sameDay = await runDelivery(inputs(20), options(container, { provider: provider() }));
		expect(sameDay.summary).toMatchObject({ sent: 0, requests: 0 });
		const nextDay = await runDelivery(inputs(20), options(container, { provider: provider(), runKey: '2026-01-06' }));
		expect(nextDay.summary).toMatchObject({ sent: 20, requests: 1 });
		expect(JSON.stringify(mock.changes)).toBe(before);
	});

	test('Segment Changes: movers lose the old tag (one tag call each), gone customers lose it, the others make no tag call', async () => {
		await start();
		const container = {};
		await runDelivery(inputs(6, () => 'Loyal'), options(container, { provider: provider() }));
		const later = inputs(6, (i) => (i < 2 ? 'Champions' : 'Loyal'), (i) => (i < 2 ? { change: { type: 'moved', from: 'Loyal', to: 'Champions' } } : i === 5 ? { change: { type: 'gone', from: 'Loyal' } } : {}));
		const res = await runDelivery(later, options(container, { provider: provider(), runKey: '2026-01-12' }));
		expect(res.summary).toMatchObject({ sent: 6, requests: 1 + 3 });
		expect([...mock.member(LIST, 'customer0@example.com')!.tags]).toEqual(['rfm: Champions']);
		expect([...mock.member(LIST, 'customer1@example.com')!.tags]).toEqual(['rfm: Champions']);
		expect([...mock.member(LIST, 'customer2@example.com')!.tags]).toEqual(['rfm: Loyal']);
		expect([...mock.member(LIST, 'customer5@example.com')!.tags]).toEqual([]);
		expect(mock.log.filter((l) => l.path.endsWith('/tags')).map((l) => l.path)).toEqual([0, 1, 5].map((i) => `/3.0/lists/${LIST}/members/${md5(`customer${i}@example.com`)}/tags`));
	});

	test('per-member errors fail that member only; invalid addresses never leave', async () => {
		await start();
		const items = inputs(4);
		items[1] = { ...items[1], address: 'not-an-email' };
		items[2] = { ...items[2], address: 'ann@example' };
		const res = await runDelivery(items, options({}, { provider: provider() }));
		expect(res.records.map((r) => [r.status, r.reason])).toEqual([
			['sent', null],
			['failed', 'invalid_address'],
			['failed', 'invalid_address'],
			['sent', null],
		]);
		// Mailchimp's own refusal of a well-formed address it judges fake: that member fails, the batch goes on
		mock.fakeLooking.add('customer1@example.com');
		const res2 = await runDelivery(inputs(3), options({}, { provider: provider(), runKey: 'other' }));
		expect(res2.records.map((r) => [r.status, r.reason])).toEqual([
			['sent', null],
			['failed', 'error_generic'],
			['sent', null],
		]);
		expect(res2.records[1].detail).toContain('looks fake or invalid');
	});

	test('never more than 10 connections: concurrency is capped at 10 even when asked for more; a 429 is waited out', async () => {
		await start({ latencyMs: 20, faults: (n) => (n === 1 ? '429' : 'none') });
		// Concurrency 32 asked of the engine (the node's option): the provider still opens at most 10.
		const res = await runDelivery(inputs(6000), options({}, { provider: provider(), limits: { concurrency: 32, maxBatchSize: 100, requestsPerInterval: 1000 } }));
		expect(res.summary).toMatchObject({ sent: 6000, failed: 0 });
		expect(provider({ limits: { concurrency: 32 } }).limits.concurrency).toBe(10);
		expect(mock.maxInFlight).toBeLessThanOrEqual(10);
		expect(mock.rateLimitedCount).toBe(1);
		expect(mock.changes.created).toBe(6000);
	});

	test('the connection gate holds the 11th call until one of the first 10 ends', async () => {
		const gate = connectionGate(10);
		const releases: (() => void)[] = [];
		let started = 0;
		const calls = Array.from({ length: 12 }, () =>
			gate(
				() =>
					new Promise<void>((resolve) => {
						started++;
						releases.push(resolve);
					}),
			),
		);
		await new Promise((r) => setImmediate(r));
		expect(started).toBe(10);
		releases[0]();
		await new Promise((r) => setImmediate(r));
		await new Promise((r) => setImmediate(r));
		expect(started).toBe(11);
		for (let k = 1; k < 12; k++) {
			while (!releases[k]) await new Promise((r) => setImmediate(r));
			releases[k]();
		}
		await Promise.all(calls);
		expect(started).toBe(12);
	});

	test('answer lost after Mailchimp applied the batch: sent again (idempotent), nobody unconfirmed, nothing doubled', async () => {
		await start({ faults: ['reset-after-accept'] });
		const res = await runDelivery(inputs(30), options({}, { provider: provider() }));
		expect(res.summary).toMatchObject({ sent: 30, unconfirmed: 0, requests: 2 });
		expect(mock.changes).toMatchObject({ created: 30, tagsAdded: 30 });
	});

	test('an unknown list stops the run; a wrong key stops it too', async () => {
		await start();
		const res = await runDelivery(inputs(3), options({}, { provider: provider({ listId: 'nope' }) }));
		expect(res.summary.stopped?.reason).toBe('list_not_found');
		const bad = await runDelivery(inputs(3), options({}, { provider: provider({ apiKey: 'wrong-us21' }) }));
		expect(bad.summary.stopped).toBeDefined();
		expect(bad.summary.sent).toBe(0);
	});

	test('dry run: the batch upsert and the tag calls it would make, no key in the headers', async () => {
		await start();
		const items = inputs(3, () => 'Champions', (i) => (i === 0 ? { change: { type: 'moved', from: 'Loyal', to: 'Champions' } } : {}));
		const res = await runDelivery(items, options({}, { provider: provider(), dryRun: true }));
		expect(mock.log).toHaveLength(0);
		expect(res.plannedRequests!.map((r) => r.url.replace(mock.url, ''))).toEqual([`/3.0/lists/${LIST}`, `/3.0/lists/${LIST}/members/${md5('customer0@example.com')}/tags`]);
		expect(JSON.stringify(res.plannedRequests)).not.toContain(Buffer.from(`anystring:${KEY}`).toString('base64'));
		expect((res.plannedRequests![1].body as { tags: unknown }).tags).toEqual([{ name: 'rfm: Loyal', status: 'inactive' }]);
	});
});
