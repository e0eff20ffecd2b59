/**
 * The Klaviyo provider through the real engine against the local Klaviyo mock (test/mocks/klaviyo.ts),
 * on a virtual clock: bulk import jobs with segment lists, list removal for customers who moved,
 * reruns that change nothing, 429 with Retry-After, async jobs polled to the end, per-profile
 * import errors (paged), lost answers (a job re-sent safely, an event never tracked twice).
 */
import { fetchTransport, type HttpTransport } from '../../nodes/core/net/http';
import { runDelivery, type DeliveryInput, type DeliveryOptions } from '../../nodes/core/delivery/engine';
import { StaticDataLedger } from '../../nodes/core/delivery/ledger';
import { virtualClock } from '../../nodes/core/net/clock';
import { seededRandom } from '../../nodes/core/net/retry';
import { createKlaviyoProvider, klaviyoValue, mapKlaviyoProperties, type KlaviyoOptions } from '../../nodes/core/delivery/providers/klaviyo';
import { KLAVIYO_REVISION, KlaviyoPacer, filterString } from '../../nodes/core/delivery/providers/klaviyoApi';
import { FIRST_POLL_MS, runImportJob } from '../../nodes/core/delivery/providers/klaviyoJobs';
import { HoldRelay } from '../mocks/hold';
import { KlaviyoMock } from '../mocks/klaviyo';

const KEY = 'pk_test_0123456789abcdef';
const SEGMENTS = ['Champions', 'At Risk', 'Hibernating'];

function customers(n: number, extra: (i: number) => Record<string, unknown> = () => ({})): DeliveryInput[] {
	return Array.from({ length: n }, (_, i) => {
		const fields = { customerId: `c${i}`, email: `P${i}@Example.com`, rfm: { segment: SEGMENTS[i % 3], score: 5 - (i % 3), cell: `${5 - (i % 3)}45` }, ...extra(i) };
		return { itemIndex: i, customerId: `c${i}`, address: fields.email, fields };
	});
}

const PROPS = [
	{ property: 'rfm_segment', field: 'rfm.segment' },
	{ property: 'rfm_score', field: 'rfm.score' },
];

function run(mock: KlaviyoMock, inputs: DeliveryInput[], container: Record<string, unknown>, o: Partial<KlaviyoOptions> = {}, extra: Partial<DeliveryOptions> = {}) {
	const clock = virtualClock(Date.now());
	const provider = createKlaviyoProvider({ action: 'profiles', baseUrl: mock.url, apiKey: KEY, properties: PROPS, segmentLists: true, clock, ...o });
	return runDelivery(inputs, {
		provider,
		transport: fetchTransport,
		ledger: new StaticDataLedger(container),
		campaignKey: 'klaviyo-sync',
		runKey: '2026-03-02',
		clock,
		rng: seededRandom(7),
		...extra,
	});
}

describe('Klaviyo profiles: bulk import jobs and segment lists', () => {
	let mock: KlaviyoMock;
	afterEach(async () => mock?.close());

	test('one job per segment list, lists created once, custom properties written; a rerun sends nothing', async () => {
		mock = new KlaviyoMock(KEY);
		await mock.start();
		mock.addList('Newsletter');
		const container = {};
		const first = await run(mock, customers(30), container);
		expect(first.summary).toMatchObject({ sent: 30, failed: 0, unconfirmed: 0, batches: 1 });
		expect(mock.count('POST', '/api/profile-bulk-import-jobs/')).toBe(3);
		expect(mock.count('POST', '/api/lists/')).toBe(3);
		expect([...mock.lists.values()].map((l) => l.name).sort()).toEqual(['Newsletter', 'rfm: At Risk', 'rfm: Champions', 'rfm: Hibernating']);
		expect(mock.members('rfm: Champions')).toEqual(Array.from({ length: 10 }, (_, k) => `p${k * 3}@example.com`).sort());
		expect(mock.profiles.get('p1@example.com')!.properties).toEqual({ rfm_segment: 'At Risk', rfm_score: 4 });
		expect(first.records[0].messageId).toMatch(/^job_/);
		const requests = mock.log.length;
		const second = await run(mock, customers(30), container);
		expect(second.summary).toMatchObject({ sent: 0, skipped: 30, requests: 0 });
		expect(second.summary.skippedByReason).toEqual({ already_sent: 30 });
		expect(mock.log.length).toBe(requests);
		expect(mock.jobs.size).toBe(3);
	});

	test('same run key: only the customer who moved is written (old list left, new list joined), nothing else touched', async () => {
		mock = new KlaviyoMock(KEY);
		await mock.start();
		const container = {};
		await run(mock, customers(6), container);
		const jobs = mock.jobs.size;
		const writes = [...mock.profiles.values()].map((p) => [p.email, p.writes]);
		const moved = customers(6, (i) => (i === 0 ? { rfm: { segment: 'At Risk', score: 4, cell: '445' }, change: { type: 'moved', from: 'Champions', to: 'At Risk' } } : {}));
		const res = await run(mock, moved, container);
		expect(res.summary).toMatchObject({ sent: 1, skipped: 5, failed: 0 });
		expect(res.summary.skippedByReason).toEqual({ already_sent: 5 });
		expect(mock.jobs.size).toBe(jobs + 1);
		expect(mock.members('rfm: Champions')).toEqual(['p3@example.com']);
		expect(mock.members('rfm: At Risk')).toEqual(['p0@example.com', 'p1@example.com', 'p4@example.com']);
		expect(mock.profiles.get('p0@example.com')!.properties).toEqual({ rfm_segment: 'At Risk', rfm_score: 4 });
		expect([...mock.profiles.values()].map((p) => [p.email, p.writes])).toEqual(writes.map(([e, w]) => [e, e === 'p0@example.com' ? (w as number) + 1 : w]));
		// The same input again: nothing.
		const requests = mock.log.length;
		expect((await run(mock, moved, container)).summary).toMatchObject({ sent: 0, requests: 0 });
		expect(mock.log.length).toBe(requests);
	});

	test('a customer who moved leaves the old list and joins the new one; a gone customer only leaves', async () => {
		mock = new KlaviyoMock(KEY);
		await mock.start();
		await run(mock, customers(6), {});
		expect(mock.members('rfm: Champions')).toEqual(['p0@example.com', 'p3@example.com']);
		const changed = customers(6, (i) =>
			i === 0 ? { rfm: { segment: 'At Risk' }, change: { type: 'moved', from: 'Champions', to: 'At Risk' } } : i === 3 ? { rfm: {}, change: { type: 'gone', from: 'Champions' } } : {},
		).filter((c) => c.itemIndex === 0 || c.itemIndex === 3);
		const res = await run(mock, changed, {}, {}, { runKey: '2026-03-09' });
		expect(res.summary).toMatchObject({ sent: 2, failed: 0 });
		expect(mock.members('rfm: Champions')).toEqual([]);
		expect(mock.members('rfm: At Risk')).toEqual(['p0@example.com', 'p1@example.com', 'p4@example.com']);
		expect(mock.count('DELETE', '/api/lists/')).toBe(1);
		expect(mock.count('GET', '/api/profiles/')).toBe(1);
		// Lists are found by name, never created twice across runs.
		expect([...mock.lists.values()].filter((l) => l.name === 'rfm: At Risk')).toHaveLength(1);
	});

	test('429 with Retry-After: the job waits and is sent once; the job is polled until complete', async () => {
		mock = new KlaviyoMock(KEY, { faults: ['429'], jobPolls: 3 });
		await mock.start();
		const clock = virtualClock(Date.now());
		const before = clock.now();
		const res = await run(mock, customers(5), {}, { segmentLists: false, clock }, { clock });
		expect(res.summary).toMatchObject({ sent: 5, retries: 1 });
		expect(mock.jobs.size).toBe(1);
		expect(mock.count('GET', '/api/profile-bulk-import-jobs/')).toBe(3);
		// Retry-After 1 s, then polls after 0.5 s, 1 s and 2 s.
		expect(clock.now() - before).toBeGreaterThanOrEqual(1000 + 500 + 1000 + 2000);
	});

	test('a job is first read half a second after it was accepted, then after 1 s, 2 s, 4 s', async () => {
		const clock = virtualClock(0);
		const reads: number[] = [];
		const transport: HttpTransport = async () => {
			reads.push(clock.now());
			const status = reads.length < 4 ? 'processing' : 'complete';
			return { status: 200, headers: {}, body: { data: { attributes: { status, failed_count: 0 } } } };
		};
		const job = await runImportJob({ base: 'http://x', pacer: new KlaviyoPacer(clock), clock, transport, timeoutMs: 60000 }, 'job1', 3);
		expect(FIRST_POLL_MS).toBe(500);
		expect(reads).toEqual([500, 1500, 3500, 7500]);
		expect(job).toMatchObject({ state: 'done', status: 'complete', polls: 4 });
	});

	test('profiles Klaviyo refuses fail alone, read from the paged import errors', async () => {
		// Klaviyo's own address check is stricter than ours (e.g. it refuses some domains).
		mock = new KlaviyoMock(KEY, { rejectEmail: (e) => /^p\d*[02468]@/.test(e) });
		await mock.start();
		const res = await run(mock, customers(25), {}, { segmentLists: false });
		expect(res.summary).toMatchObject({ sent: 12, failed: 13 });
		expect(res.summary.failedByReason).toEqual({ invalid: 13 });
		expect(res.records[0]).toMatchObject({ status: 'failed', reason: 'invalid' });
		expect(res.records[0].detail).toContain('Invalid email address');
		expect(res.records[1]).toMatchObject({ status: 'sent' });
		expect(mock.count('GET', '/api/profile-bulk-import-jobs/job_1/import-errors/')).toBe(2); // 13 errors, 10 per page
	});

	test('an answer lost after Klaviyo took the job: the same job is sent again (upserts are idempotent), nobody is unconfirmed', async () => {
		const relay = new HoldRelay();
		mock = new KlaviyoMock(KEY, { faults: ['timeout-after-accept'], onHold: relay.hold });
		await mock.start();
		const res = await run(mock, customers(9), {}, { segmentLists: false }, { transport: relay.transport() });
		expect(res.summary).toMatchObject({ sent: 9, unconfirmed: 0, failed: 0 });
		expect(relay.held).toHaveLength(1);
		expect(mock.jobs.size).toBe(2);
		expect(mock.profiles.size).toBe(9);
		expect(mock.profiles.get('p0@example.com')!.writes).toBe(2);
	});

	test('a job Klaviyo took whose status cannot be read: its customers are unconfirmed, not failed and not sent', async () => {
		mock = new KlaviyoMock(KEY);
		await mock.start();
		const noStatus: HttpTransport = async (req) => (req.method === 'GET' ? { status: 404, headers: {}, body: { errors: [{ status: 404, code: 'not_found', title: 'Not found.' }] } } : fetchTransport(req));
		const res = await run(mock, customers(4), {}, { segmentLists: false }, { transport: noStatus });
		expect(res.summary).toMatchObject({ sent: 0, failed: 0, unconfirmed: 4 });
		expect(res.summary.unconfirmedByReason).toEqual({ job_status_unavailable: 4 });
		expect(mock.jobs.size).toBe(1);
	});

	test('a bad key stops the run; the key never appears in a detail', async () => {
		mock = new KlaviyoMock('pk_other');
		await mock.start();
		const res = await run(mock, customers(4), {}, { segmentLists: false }, { secrets: [KEY] });
		expect(res.summary.stopped?.reason).toBe('unauthorized');
		expect(res.summary.failed).toBe(4);
		expect(JSON.stringify(res)).not.toContain(KEY);
	});

	test('batch size: 10,000 profiles a job at most, a dry run plans the jobs without sending', async () => {
		mock = new KlaviyoMock(KEY);
		await mock.start();
		const p = createKlaviyoProvider({ action: 'profiles', baseUrl: mock.url, limits: { maxBatchSize: 50000 } });
		expect(p.limits.maxBatchSize).toBe(10000);
		expect(p.idempotencyWindowMs).toBe(Infinity);
		const res = await run(mock, customers(7), {}, {}, { dryRun: true });
		expect(res.plannedRequests).toHaveLength(3);
		expect(res.plannedRequests![0].headers).toMatchObject({ revision: KLAVIYO_REVISION, authorization: '[redacted]' });
		expect(JSON.stringify(res.plannedRequests![0].body)).toContain('<id of list \\"rfm: Champions\\">');
		expect(mock.log).toHaveLength(0);
	});
});

describe('Klaviyo events: "Entered segment …" once per customer', () => {
	let mock: KlaviyoMock;
	afterEach(async () => mock?.close());

	test('one event per customer named after the segment, with unique_id = the send key; a rerun tracks nothing', async () => {
		mock = new KlaviyoMock(KEY);
		await mock.start();
		const container = {};
		const res = await run(mock, customers(6), container, { action: 'event' });
		expect(res.summary).toMatchObject({ sent: 6, requests: 6 });
		expect(mock.events.map((e) => e.metric)).toEqual(['Entered segment Champions', 'Entered segment At Risk', 'Entered segment Hibernating', 'Entered segment Champions', 'Entered segment At Risk', 'Entered segment Hibernating']);
		expect(mock.events[0]).toMatchObject({ email: 'p0@example.com', uniqueId: res.records[0].sendKey, properties: { rfm_segment: 'Champions', rfm_score: 5, segment: 'Champions' } });
		const again = await run(mock, customers(6), container, { action: 'event' });
		expect(again.summary).toMatchObject({ sent: 0, requests: 0 });
		expect(mock.events).toHaveLength(6);
	});

	test('a customer without a segment fails as no_segment, not sent', async () => {
		mock = new KlaviyoMock(KEY);
		await mock.start();
		const res = await run(mock, customers(2, (i) => (i === 1 ? { rfm: {} } : {})), {}, { action: 'event' });
		expect(res.records.map((r) => `${r.status}:${r.reason ?? ''}`)).toEqual(['sent:', 'failed:no_segment']);
	});

	test('an answer lost after the event was tracked: unconfirmed, never re-sent; Resend is deduplicated by unique_id', async () => {
		const relay = new HoldRelay();
		mock = new KlaviyoMock(KEY, { faults: ['none', 'timeout-after-accept'], onHold: relay.hold });
		await mock.start();
		const container = {};
		const res = await run(mock, customers(3), container, { action: 'event' }, { transport: relay.transport(), limits: { concurrency: 1 } });
		expect(res.summary).toMatchObject({ sent: 2, unconfirmed: 1 });
		expect(mock.events).toHaveLength(3);
		const held = await run(mock, customers(3), container, { action: 'event' });
		expect(held.summary).toMatchObject({ sent: 0, requests: 0 });
		const resend = await run(mock, customers(3), container, { action: 'event' }, { unconfirmed: 'resend' });
		expect(resend.summary).toMatchObject({ sent: 1, requests: 1 });
		expect(mock.events).toHaveLength(3);
		expect(mock.duplicateEvents).toBe(1);
	});
});

describe('Klaviyo pieces', () => {
	test('property values: numbers and text as is, NaN and Infinity left out, nested paths read', () => {
		expect(klaviyoValue(Number.NaN)).toBeUndefined();
		expect(klaviyoValue(Infinity)).toBeUndefined();
		expect(mapKlaviyoProperties({ rfm: { segment: 'Champions', score: 4.5 }, clv: Number.NaN }, [...PROPS, { property: 'clv', field: 'clv' }])).toEqual({ rfm_segment: 'Champions', rfm_score: 4.5 });
		expect(mapKlaviyoProperties({ rfm: { score: 0 } }, PROPS)).toEqual({ rfm_score: 0 });
	});

	test('filter strings escape quotes and backslashes', () => {
		expect(filterString('rfm: "VIP" \\ A')).toBe('"rfm: \\"VIP\\" \\\\ A"');
	});

	test('a __proto__ field is refused', () => {
		expect(() => createKlaviyoProvider({ action: 'profiles', properties: [{ property: 'x', field: '__proto__.polluted' }] })).toThrow(/__proto__/);
	});

	test('the pacer keeps each endpoint within its burst: 25 job requests take 3 virtual seconds', async () => {
		const clock = virtualClock(0);
		const pacer = new KlaviyoPacer(clock);
		const starts: number[] = [];
		const transport: HttpTransport = async () => {
			starts.push(clock.now());
			return { status: 202, headers: {}, body: '' };
		};
		await Promise.all(Array.from({ length: 25 }, () => pacer.send(transport, 'importCreate', { method: 'POST', url: 'http://x/' })));
		expect(starts.filter((t) => t < 1000)).toHaveLength(10);
		expect(starts.filter((t) => t >= 1000 && t < 2010)).toHaveLength(10);
		expect(Math.max(...starts)).toBeGreaterThanOrEqual(2000);
	});

	test('a 429 pauses only its endpoint for Retry-After', async () => {
		const clock = virtualClock(0);
		const pacer = new KlaviyoPacer(clock);
		const t429: HttpTransport = async () => ({ status: 429, headers: { 'retry-after': '7' }, body: '' });
		await pacer.send(t429, 'importCreate', { method: 'POST', url: 'http://x/' });
		const at: Record<string, number> = {};
		const ok = (name: string): HttpTransport => async () => {
			at[name] = clock.now();
			return { status: 202, headers: {}, body: '' };
		};
		await pacer.send(ok('event'), 'eventCreate', { method: 'POST', url: 'http://x/' });
		await pacer.send(ok('job'), 'importCreate', { method: 'POST', url: 'http://x/' });
		expect(at.event).toBe(0);
		expect(at.job).toBeGreaterThanOrEqual(7000);
	});
});
