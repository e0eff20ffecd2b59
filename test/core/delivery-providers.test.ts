/**
 * Brevo and HubSpot through the delivery engine against their faithful mocks: batch sizes,
 * idempotency keys (Brevo) and sendIds (HubSpot single-send) making unknown outcomes safe to
 * re-send, partial failures (HubSpot 207) mapped to the exact recipients, HubSpot's rate-limit
 * policies (TEN_SECONDLY_ROLLING waits, DAILY stops), Lists v3 membership.
 */
import { fetchTransport, type HttpTransport } from '../../nodes/core/net/http';
import { runDelivery, type DeliveryInput, type DeliveryOptions } from '../../nodes/core/delivery/engine';
import { StaticDataLedger } from '../../nodes/core/delivery/ledger';
import { maxInAnyWindow } from '../../nodes/core/net/rateLimit';
import { virtualClock } from '../../nodes/core/net/clock';
import { seededRandom } from '../../nodes/core/net/retry';
import { createBrevoProvider, type BrevoOptions } from '../../nodes/core/delivery/providers/brevo';
import { createHubSpotProvider, type HubSpotOptions } from '../../nodes/core/delivery/providers/hubspot';
import { BrevoMock } from '../mocks/brevo';
import { GENEROUS_TIMEOUT_MS, HoldRelay } from '../mocks/hold';
import { HubSpotSendMock, type HubSpotMockOptions } from '../mocks/hubspot-send';
import type { MockOptions } from '../mocks/sendgrid';

function customers(n: number): DeliveryInput[] {
	return Array.from({ length: n }, (_, i) => ({
		itemIndex: i,
		customerId: `c${i}`,
		address: `Customer${i}@Example.com`,
		fields: { customerId: `c${i}`, firstName: `Name${i}`, rfm: { segment: 'Champions', score: 13 }, cluster: { index: i % 3 } },
	}));
}

/** A generous socket timeout: a busy machine never turns a slow local answer into a timeout. */
const normal: HttpTransport = (req) => fetchTransport({ ...req, timeoutMs: GENEROUS_TIMEOUT_MS });

function base(container: Record<string, unknown>, extra: Partial<DeliveryOptions>): DeliveryOptions {
	return {
		provider: extra.provider!,
		transport: normal,
		ledger: new StaticDataLedger(container),
		campaignKey: 'loyalty',
		runKey: '2025-01-06',
		clock: virtualClock(Date.now()),
		rng: seededRandom(7),
		...extra,
	};
}

describe('Brevo', () => {
	let mock: BrevoMock;
	const start = async (o: MockOptions = {}) => {
		mock = new BrevoMock('xkeysib-test', o);
		await mock.start();
	};
	afterEach(async () => mock?.close());
	const provider = (o: Partial<BrevoOptions> = {}) =>
		createBrevoProvider({ baseUrl: mock.url, apiKey: 'xkeysib-test', templateId: 12, senderEmail: 'shop@example.com', paramFields: ['firstName', 'rfm.segment'], ...o });

	test('2,500 recipients → 3 requests of ≤1,000 versions, params per recipient, one message id each', async () => {
		await start();
		const res = await runDelivery(customers(2500), base({}, { provider: provider() }));
		expect(res.summary.sent).toBe(2500);
		expect(mock.log.map((l) => l.size).sort()).toEqual([1000, 1000, 500]);
		expect(new Set(mock.messages.map((m) => m.email)).size).toBe(2500);
		expect(mock.messages[0].params).toEqual({ firstName: expect.stringMatching(/^Name/), rfm: { segment: 'Champions' } });
		expect(new Set(res.records.map((r) => r.messageId)).size).toBe(2500);
		expect(mock.messages[0].idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
	});

	test('accepted-then-timed-out request is retried with the same idempotency key: delivered once', async () => {
		const relay = new HoldRelay();
		await start({ faults: ['timeout-after-accept', 'reset-after-accept'], onHold: relay.hold });
		const inputs = customers(300);
		const res = await runDelivery(inputs, base({}, { provider: provider({ limits: { maxBatchSize: 100, concurrency: 1 } }), transport: relay.transport() }));
		expect(res.summary.sent).toBe(300);
		expect(mock.duplicatesIgnored).toBe(2);
		expect(mock.messages).toHaveLength(300);
		expect(Math.max(...mock.countsByEmail().values())).toBe(1);
	});

	test('killed mid-request and rerun: the orphaned batch is re-sent unchanged and deduplicated, nothing unconfirmed', async () => {
		await start();
		const inputs = customers(2000);
		const container = {};
		const controller = new AbortController();
		let n = 0;
		const killing: HttpTransport = async (req) => {
			const res = await normal(req);
			if (++n === 2) controller.abort();
			return res;
		};
		const p = provider({ limits: { maxBatchSize: 250, concurrency: 2 } });
		await expect(runDelivery(inputs, base(container, { provider: p, transport: killing, signal: controller.signal }))).rejects.toThrow('aborted');
		const rerun = await runDelivery(inputs, base(container, { provider: p }));
		expect(rerun.summary.failed).toBe(0);
		expect(rerun.summary.sent + (rerun.summary.skippedByReason.already_sent ?? 0)).toBe(2000);
		expect(mock.duplicatesIgnored).toBeGreaterThanOrEqual(1);
		expect(mock.messages).toHaveLength(2000);
		expect(Math.max(...mock.countsByEmail().values())).toBe(1);
	});

	test('429 with x-sib-ratelimit-reset is honoured', async () => {
		await start({ faults: ['429'] });
		const clock = virtualClock(Date.now());
		const res = await runDelivery(customers(5), base({}, { provider: provider(), clock }));
		expect(res.summary.sent).toBe(5);
		expect(res.summary.retries).toBe(1);
		expect(clock.slept).toBeGreaterThanOrEqual(1000);
	});

	test('one invalid recipient in a batch: the engine splits the request to isolate it', async () => {
		await start();
		const inputs = customers(16);
		inputs[9].address = 'nope@invalid';
		const p = { ...provider(), validate: undefined };
		const res = await runDelivery(inputs, base({}, { provider: p }));
		expect(res.records[9]).toMatchObject({ status: 'failed', reason: 'invalid_address' });
		expect(res.summary.sent).toBe(15);
		expect(mock.messages).toHaveLength(15);
	});

	test('a wrong API key stops the run (unauthorized)', async () => {
		await start();
		const p = createBrevoProvider({ baseUrl: mock.url, apiKey: 'bad', templateId: 12 });
		const res = await runDelivery(customers(3), base({}, { provider: p }));
		expect(res.summary.stopped?.reason).toBe('unauthorized');
		expect(res.summary.failedByReason).toEqual({ unauthorized: 3 });
	});
});

describe('HubSpot', () => {
	let mock: HubSpotSendMock;
	const start = async (o: HubSpotMockOptions = {}) => {
		mock = new HubSpotSendMock('pat-test', o);
		await mock.start();
	};
	afterEach(async () => mock?.close());
	const provider = (o: Partial<HubSpotOptions> = {}) =>
		createHubSpotProvider({
			action: 'upsert',
			baseUrl: mock.url,
			accessToken: 'pat-test',
			properties: [
				{ property: 'rfm_segment', field: 'rfm.segment' },
				{ property: 'rfm_score', field: 'rfm.score' },
				{ property: 'cluster', field: 'cluster.index' },
			],
			...o,
		});

	test('batch upsert: ≤100 inputs per request, properties written as strings, record id as message id', async () => {
		await start();
		const res = await runDelivery(customers(250), base({}, { provider: provider() }));
		expect(res.summary.sent).toBe(250);
		expect(mock.batchSizes.sort()).toEqual([100, 100, 50]);
		const c = mock.contacts.get('customer7@example.com')!;
		expect(c.properties).toMatchObject({ rfm_segment: 'Champions', rfm_score: '13', cluster: '1' });
		expect(res.records[7].messageId).toBe(c.id);
		expect(Math.max(...mock.writesByEmail().values())).toBe(1);
	});

	test('207 partial failure maps the refused emails back to their recipients; the rest is sent', async () => {
		await start({ rejectEmails: ['customer3@example.com', 'customer150@example.com'] });
		const res = await runDelivery(customers(200), base({}, { provider: provider() }));
		expect(res.records[3]).toMatchObject({ status: 'failed', reason: 'validation_error' });
		expect(res.records[150]).toMatchObject({ status: 'failed', reason: 'validation_error' });
		expect(res.records[3].detail).not.toMatch(/customer3@/);
		expect(res.summary.sent).toBe(198);
		expect(res.summary.requests).toBe(2);
	});

	test('a property missing in the portal stops the run', async () => {
		await start({ properties: ['rfm_segment'] });
		const res = await runDelivery(customers(150), base({}, { provider: provider() }));
		expect(res.summary.stopped?.reason).toBe('property_missing');
		expect(res.summary.failedByReason).toEqual({ property_missing: 150 });
	});

	test('TEN_SECONDLY_ROLLING 429 waits the interval from X-HubSpot-RateLimit-Interval-Milliseconds', async () => {
		await start({ faults: ['429'], rateLimit: { limit: 100, intervalMs: 10000 } });
		const clock = virtualClock(Date.now());
		const res = await runDelivery(customers(30), base({}, { provider: provider(), clock }));
		expect(res.summary.sent).toBe(30);
		expect(clock.slept).toBeGreaterThanOrEqual(10000);
	});

	test('DAILY 429 stops the run and fails the remaining recipients with daily_limit', async () => {
		await start({ dailyLimit: 2 });
		const res = await runDelivery(customers(500), base({}, { provider: provider({ limits: { concurrency: 1 } }) }));
		expect(res.summary.sent).toBe(200);
		expect(res.summary.failedByReason).toEqual({ daily_limit: 300 });
		expect(res.summary.stopped?.reason).toBe('daily_limit');
		expect(res.summary.requests).toBe(3);
	});

	test('Lists v3: add upserts then adds record ids; remove never creates contacts', async () => {
		await start({ lists: { '42': 'MANUAL' } });
		const add = await runDelivery(customers(120), base({}, { provider: provider({ action: 'listAdd', listId: '42' }) }));
		expect(add.summary.sent).toBe(120);
		expect(mock.lists.get('42')!.members.size).toBe(120);
		expect(mock.log.map((l) => `${l.method} ${l.path}`).filter((p) => p.includes('memberships'))).toHaveLength(2);
		const inputs = customers(130).slice(100);
		inputs.forEach((x, i) => (x.itemIndex = i));
		const remove = await runDelivery(inputs, base({}, { provider: provider({ action: 'listRemove', listId: '42' }), campaignKey: 'remove' }));
		expect(remove.summary.sent).toBe(30);
		expect(mock.lists.get('42')!.members.size).toBe(100);
		expect(mock.contacts.has('customer125@example.com')).toBe(false);
	});

	test('an unknown list stops the run with list_not_found', async () => {
		await start();
		const res = await runDelivery(customers(3), base({}, { provider: provider({ action: 'listAdd', listId: '999' }) }));
		expect(res.summary.stopped?.reason).toBe('list_not_found');
	});

	test('single-send: one request per recipient, sendId = send key; a lost ledger still cannot double-send', async () => {
		await start({ emailIds: [777] });
		const p = provider({ action: 'singleSend', emailId: 777, customPropertyFields: ['firstName'] });
		expect(p.id).toBe('hubspotEmail');
		const inputs = customers(6);
		const res = await runDelivery(inputs, base({}, { provider: p }));
		expect(res.summary.sent).toBe(6);
		expect(res.summary.requests).toBe(6);
		expect(mock.singleSends.get(res.records[2].sendKey!)).toMatchObject({ email: 'customer2@example.com', customProperties: { firstName: 'Name2' } });
		// The ledger is lost (new static data): HubSpot ignores the repeated sendIds.
		const again = await runDelivery(inputs, base({}, { provider: p }));
		expect(again.summary.sent).toBe(6);
		expect(mock.duplicateSendIds).toBe(6);
		expect(mock.singleSends.size).toBe(6);
	});

	test('rate limit measured in the mock is never exceeded', async () => {
		await start({ rateLimit: { limit: 5, intervalMs: 500 } });
		const p = provider({ limits: { maxBatchSize: 10, requestsPerInterval: 5, intervalMs: 500, concurrency: 4 } });
		const res = await runDelivery(customers(150), base({}, { provider: p, clock: undefined }));
		expect(res.summary.sent).toBe(150);
		expect(mock.rateLimitedCount).toBe(0);
		expect(maxInAnyWindow(mock.arrivals, 500)).toBeLessThanOrEqual(5);
	});
});
