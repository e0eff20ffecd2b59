/**
 * Delivery engine against the SendGrid mock with the static-data ledger: batching, skips,
 * idempotent reruns, retries under injected faults, rate limits measured in the mock, partial
 * failures mapped to recipients, stop on bad credentials, dry runs, frequency caps, killed runs.
 */
import { fetchTransport, TransportError, type HttpTransport } from '../../nodes/core/net/http';
import { runDelivery, type DeliveryInput, type DeliveryOptions } from '../../nodes/core/delivery/engine';
import { StaticDataLedger, STATIC_LEDGER_KEY } from '../../nodes/core/delivery/ledger';
import { maxInAnyWindow } from '../../nodes/core/net/rateLimit';
import { virtualClock } from '../../nodes/core/net/clock';
import { seededRandom } from '../../nodes/core/net/retry';
import { createSendGridProvider, type SendGridOptions } from '../../nodes/core/delivery/providers/sendgrid';
import { GENEROUS_TIMEOUT_MS } from '../mocks/hold';
import { SendGridMock, type MockOptions } from '../mocks/sendgrid';

const TEMPLATE = 'd-0123456789abcdef0123456789abcdef';

function customers(n: number, offset = 0): DeliveryInput[] {
	return Array.from({ length: n }, (_, i) => ({
		itemIndex: i,
		customerId: `c${i + offset}`,
		address: `customer${i + offset}@example.com`,
		fields: { customerId: `c${i + offset}`, firstName: `Name${i + offset}`, rfm: { segment: i % 2 ? 'Champions' : 'At Risk' } },
	}));
}

let mock: SendGridMock;

async function startMock(options: MockOptions = {}): Promise<SendGridMock> {
	mock = new SendGridMock('SG.test-key', options);
	await mock.start();
	return mock;
}

afterEach(async () => {
	await mock?.close();
});

function provider(extra: Partial<SendGridOptions> = {}) {
	return createSendGridProvider({ baseUrl: mock.url, apiKey: 'SG.test-key', templateId: TEMPLATE, fromEmail: 'shop@example.com', categories: ['rfm'], ...extra });
}

/** A generous socket timeout: a busy machine never turns a slow local answer into a timeout. */
const normal: HttpTransport = (req) => fetchTransport({ ...req, timeoutMs: GENEROUS_TIMEOUT_MS });

function options(container: Record<string, unknown>, extra: Partial<DeliveryOptions> = {}): DeliveryOptions {
	return {
		provider: provider(),
		transport: normal,
		ledger: new StaticDataLedger(container),
		campaignKey: 'winback',
		runKey: '2025-01-06',
		clock: virtualClock(Date.now()),
		rng: seededRandom(1),
		...extra,
	};
}

function assertExactlyOnce(inputs: DeliveryInput[], m: SendGridMock): void {
	const counts = m.countsByEmail();
	for (const inp of inputs) expect(counts.get(inp.address!.toLowerCase())).toBe(1);
	expect(m.messages.length).toBe(inputs.length);
}

describe('delivery engine with SendGrid', () => {
	test('2,500 recipients go out in 3 requests of ≤1,000, each exactly once, with message ids', async () => {
		await startMock();
		const inputs = customers(2500);
		const container = {};
		const res = await runDelivery(inputs, options(container));
		expect(res.summary.sent).toBe(2500);
		expect(res.summary.requests).toBe(3);
		expect(mock.log.map((l) => l.size).sort()).toEqual([1000, 1000, 500]);
		assertExactlyOnce(inputs, mock);
		expect(res.records.every((r) => r.status === 'sent' && r.messageId?.startsWith('sgmsg') && r.attempts === 1 && r.provider === 'sendgrid')).toBe(true);
		expect(res.records[0].sendKey).toMatch(/^[0-9a-f]{32}$/);
		// custom_args carry campaign, segment and the send key; template data the item's fields
		const first = mock.messages.find((m) => m.email === 'customer1@example.com')!;
		expect(first.campaign).toBe('winback');
		expect(first.segment).toBe('Champions');
		expect(first.sendKey).toBe(res.records[1].sendKey);
		expect(first.templateData).toEqual({ customerId: 'c1', firstName: 'Name1', rfm: { segment: 'Champions' } });
		expect(res.summary.skipped).toBe(0);
	});

	test('a rerun with the same ledger sends nothing and reports already_sent', async () => {
		await startMock();
		const inputs = customers(1200);
		const container = {};
		await runDelivery(inputs, options(container));
		const before = mock.log.length;
		const again = await runDelivery(inputs, options(container));
		expect(mock.log.length).toBe(before);
		expect(again.summary.sent).toBe(0);
		expect(again.summary.skippedByReason).toEqual({ already_sent: 1200 });
		expect(again.records.every((r) => r.status === 'skipped' && r.reason === 'already_sent')).toBe(true);
		// A new run key (next week) sends again.
		const nextWeek = await runDelivery(inputs, options(container, { runKey: '2025-01-13' }));
		expect(nextWeek.summary.sent).toBe(1200);
		expect(mock.messages.length).toBe(2400);
	});

	test('bad input: suppressed, no consent, missing ids, no address, duplicates, invalid addresses', async () => {
		await startMock();
		const inputs: DeliveryInput[] = [
			{ itemIndex: 0, customerId: 'a', address: 'a@example.com', fields: {} },
			{ itemIndex: 1, customerId: 'b', address: 'b@example.com', fields: {}, skipReason: 'suppressed' },
			{ itemIndex: 2, customerId: 'c', address: 'c@example.com', fields: {}, skipReason: 'no_consent' },
			{ itemIndex: 3, customerId: '', address: 'd@example.com', fields: {} },
			{ itemIndex: 4, customerId: '   ', address: 'e@example.com', fields: {} },
			{ itemIndex: 5, customerId: 'f', address: '', fields: {} },
			{ itemIndex: 6, customerId: 'a', address: 'other@example.com', fields: {} },
			{ itemIndex: 7, customerId: 'g', address: 'A@EXAMPLE.COM ', fields: {} },
			{ itemIndex: 8, customerId: 'h', address: 'not-an-email', fields: {} },
			{ itemIndex: 9, customerId: 'i', address: 'x@y', fields: {} },
			{ itemIndex: 10, customerId: 'j', address: 'j@example.com', fields: {} },
		];
		const res = await runDelivery(inputs, options({}));
		const by = res.records.map((r) => `${r.status}:${r.reason ?? ''}`);
		expect(by).toEqual([
			'sent:',
			'skipped:suppressed',
			'skipped:no_consent',
			'failed:missing_customer_id',
			'failed:missing_customer_id',
			'skipped:no_address',
			'skipped:duplicate',
			'skipped:duplicate_address',
			'failed:invalid_address',
			'failed:invalid_address',
			'sent:',
		]);
		expect(res.summary.skippedByReason).toEqual({ suppressed: 1, no_consent: 1, no_address: 1, duplicate: 1, duplicate_address: 1 });
		expect(res.summary.failedByReason).toEqual({ missing_customer_id: 2, invalid_address: 2 });
		expect(mock.messages.map((m) => m.email).sort()).toEqual(['a@example.com', 'j@example.com']);
		expect(res.records[3].detail).not.toContain('@');
	});

	test('0 and 1 recipients', async () => {
		await startMock();
		const none = await runDelivery([], options({}));
		expect(none.summary).toMatchObject({ total: 0, sent: 0, requests: 0 });
		const one = await runDelivery(customers(1), options({}));
		expect(one.summary).toMatchObject({ total: 1, sent: 1, requests: 1 });
	});

	test('429 (with and without headers), 500, 503 and a refused connection are retried: every recipient exactly once', async () => {
		await startMock({ faults: ['503', '429', '500', '429-noheaders', 'none', '503', '500'] });
		const inputs = customers(3000);
		let refusals = 1;
		const refusing: HttpTransport = (req) => (refusals-- > 0 ? Promise.reject(new TransportError('connect ECONNREFUSED', 'ECONNREFUSED')) : normal(req));
		const res = await runDelivery(inputs, options({}, { limits: { concurrency: 2 }, transport: refusing, retry: { maxAttempts: 8 } }));
		expect(res.summary.failed).toBe(0);
		expect(res.summary.sent).toBe(3000);
		assertExactlyOnce(inputs, mock);
		expect(res.summary.retries).toBe(7);
		expect(res.summary.requests).toBe(10);
		expect(Math.max(...res.records.map((r) => r.attempts))).toBeGreaterThan(1);
	});

	test('honours X-RateLimit-Reset: waits until the reset before retrying', async () => {
		await startMock({ faults: ['429'] });
		const clock = virtualClock(Date.now());
		const res = await runDelivery(customers(10), options({}, { clock }));
		expect(res.summary.sent).toBe(10);
		// The mock's reset is ~1 s ahead (epoch seconds, rounded up): the engine waited at least until then.
		expect(clock.slept).toBeGreaterThanOrEqual(900);
	});

	test('a reset far in the future fails the batch as rate_limited instead of waiting; a rerun sends it', async () => {
		await startMock({ rateLimit: { limit: 0, intervalMs: 3600000 } });
		const container = {};
		const res = await runDelivery(customers(5), options(container, { retry: { maxWaitMs: 60000 } }));
		expect(res.summary.failedByReason).toEqual({ rate_limited: 5 });
		expect(mock.messages.length).toBe(0);
		await mock.close();
		await startMock();
		const rerun = await runDelivery(customers(5), options(container));
		expect(rerun.summary.sent).toBe(5);
	});

	test('retries stop at maxAttempts; the failure is definite so a rerun may send', async () => {
		await startMock({ faults: () => '503' });
		const container = {};
		const res = await runDelivery(customers(20), options(container, { retry: { maxAttempts: 3 } }));
		expect(res.summary.failedByReason).toEqual({ http_503: 20 });
		expect(res.records.every((r) => r.attempts === 3)).toBe(true);
		expect(res.summary.requests).toBe(3);
		await mock.close();
		await startMock();
		const rerun = await runDelivery(customers(20), options(container));
		expect(rerun.summary.sent).toBe(20);
	});

	test('a 400 naming one personalization fails that recipient only; the others are re-sent without it', async () => {
		await startMock();
		const inputs = customers(10);
		inputs[4].address = 'broken-address';
		const p = { ...provider(), validate: undefined };
		const res = await runDelivery(inputs, options({}, { provider: p }));
		expect(res.records[4]).toMatchObject({ status: 'failed', reason: 'invalid_address' });
		expect(res.records[4].detail).not.toContain('broken');
		expect(res.summary.sent).toBe(9);
		expect(mock.messages.length).toBe(9);
		expect(res.summary.requests).toBe(2);
	});

	test('401 stops the run: every recipient failed unauthorized, nothing recorded as sent', async () => {
		await startMock();
		const container = {};
		const p = createSendGridProvider({ baseUrl: mock.url, apiKey: 'wrong', templateId: TEMPLATE, fromEmail: 'shop@example.com' });
		const res = await runDelivery(customers(2500), options(container, { provider: p, limits: { concurrency: 1 } }));
		expect(res.summary.stopped?.reason).toBe('unauthorized');
		expect(res.summary.failedByReason).toEqual({ unauthorized: 2500 });
		expect(res.summary.requests).toBe(1);
		const entries = (container as Record<string, { e: Record<string, unknown> }>)[STATIC_LEDGER_KEY].e;
		expect(Object.keys(entries)).toHaveLength(0);
	});

	test('a bad template id stops the run with invalid_request', async () => {
		await startMock();
		const p = createSendGridProvider({ baseUrl: mock.url, apiKey: 'SG.test-key', templateId: 'welcome', fromEmail: 'shop@example.com' });
		const res = await runDelivery(customers(3), options({}, { provider: p }));
		expect(res.summary.stopped).toEqual({ reason: 'invalid_request', detail: 'template_id: The template_id must be a valid GUID' });
	});

	test('dry run returns exactly the requests, redacts auth, sends and records nothing', async () => {
		await startMock();
		const container = {};
		const res = await runDelivery(customers(1500), options(container, { dryRun: true }));
		expect(mock.log).toHaveLength(0);
		expect(res.plannedRequests).toHaveLength(2);
		const [a, b] = res.plannedRequests!;
		expect(a.method).toBe('POST');
		expect(a.url).toBe(`${mock.url}/v3/mail/send`);
		expect(a.headers!.authorization).toBe('[redacted]');
		expect((a.body as { personalizations: unknown[] }).personalizations).toHaveLength(1000);
		expect((b.body as { personalizations: unknown[] }).personalizations).toHaveLength(500);
		expect(a.itemIndexes).toHaveLength(1000);
		expect(res.summary.skippedByReason).toEqual({ dry_run: 1500 });
		expect((container as Record<string, { e: object }>)[STATIC_LEDGER_KEY].e).toEqual({});
		// The real run afterwards sends exactly what the dry run showed.
		const live = await runDelivery(customers(1500), options(container));
		expect(live.summary.sent).toBe(1500);
		expect(mock.log.map((l) => l.size)).toEqual([1000, 500]);
	});

	test('frequency cap across campaigns: at most N per customer per D calendar days', async () => {
		await startMock();
		const container = {};
		const clock = virtualClock(Date.now());
		const cap = { maxMessages: 1, days: 7 };
		const first = await runDelivery(customers(10), options(container, { clock, campaignKey: 'loyalty', frequencyCap: cap }));
		expect(first.summary.sent).toBe(10);
		const second = await runDelivery(customers(12), options(container, { clock, campaignKey: 'winback', frequencyCap: cap }));
		expect(second.summary.skippedByReason).toEqual({ frequency_cap: 10 });
		expect(second.summary.sent).toBe(2);
		const capTwo = await runDelivery(customers(12), options(container, { clock, campaignKey: 'upsell', frequencyCap: { maxMessages: 2, days: 7 } }));
		expect(capTwo.summary.sent).toBe(12);
		const capTwoAgain = await runDelivery(customers(12), options(container, { clock, campaignKey: 'vip', frequencyCap: { maxMessages: 2, days: 7 } }));
		expect(capTwoAgain.summary.skippedByReason).toEqual({ frequency_cap: 12 });
		// Seven calendar days later the window has moved on.
		clock.advance(7 * 86400000);
		const later = await runDelivery(customers(12), options(container, { clock, campaignKey: 'reactivate', frequencyCap: cap }));
		expect(later.summary.sent).toBe(12);
		// Dry runs apply the cap too, read-only.
		const dry = await runDelivery(customers(12), options(container, { clock, campaignKey: 'another', frequencyCap: cap, dryRun: true }));
		expect(dry.summary.skippedByReason).toEqual({ frequency_cap: 12 });
	});

	test('the rate limit is never exceeded (measured in the mock)', async () => {
		await startMock({ rateLimit: { limit: 4, intervalMs: 400 } });
		const p = provider({ limits: { maxBatchSize: 10, requestsPerInterval: 4, intervalMs: 400, concurrency: 3 } });
		const inputs = customers(200);
		const res = await runDelivery(inputs, options({}, { provider: p, clock: undefined }));
		expect(res.summary.sent).toBe(200);
		expect(mock.rateLimitedCount).toBe(0);
		expect(maxInAnyWindow(mock.arrivals, 400)).toBeLessThanOrEqual(4);
		expect(mock.log.every((l) => (l.size ?? 0) <= 10)).toBe(true);
		assertExactlyOnce(inputs, mock);
	});

	test('a run killed mid-way and rerun: every recipient sent exactly once or failed unconfirmed', async () => {
		await startMock();
		const inputs = customers(5000);
		const container = {};
		const controller = new AbortController();
		let responses = 0;
		// Kill the run right after the 3rd response arrived, before the engine could record it.
		const killing: HttpTransport = async (req) => {
			const res = await normal(req);
			if (++responses === 3) controller.abort();
			return res;
		};
		const p = provider({ limits: { maxBatchSize: 500, concurrency: 2 } });
		await expect(runDelivery(inputs, options(container, { provider: p, transport: killing, signal: controller.signal }))).rejects.toThrow('Delivery aborted');
		const deliveredBefore = mock.messages.length;
		expect(deliveredBefore).toBeGreaterThanOrEqual(1000);
		expect(deliveredBefore).toBeLessThan(5000);
		const rerun = await runDelivery(inputs, options(container, { provider: p }));
		// Nothing was delivered twice, nothing lost without a reason.
		const counts = mock.countsByEmail();
		expect(Math.max(...counts.values())).toBe(1);
		for (const r of rerun.records) {
			const delivered = counts.get(inputs[r.itemIndex].address!) ?? 0;
			if (r.status === 'unconfirmed') expect(r.reason).toBe('unconfirmed');
			else if (r.status === 'skipped') expect(r.reason).toBe('already_sent');
			else expect(delivered).toBe(1);
			expect(delivered + (r.status === 'unconfirmed' ? 1 : 0)).toBeGreaterThanOrEqual(1);
		}
		expect(rerun.summary.unconfirmed).toBeGreaterThan(0);
		expect(rerun.summary.unconfirmed).toBeLessThanOrEqual(1000);
		expect(rerun.summary.sent + (rerun.summary.skippedByReason.already_sent ?? 0) + rerun.summary.unconfirmed).toBe(5000);
		// With "resend" (at least once) the unconfirmed recipients are sent again on a third run.
		const third = await runDelivery(inputs, options(container, { provider: p, unconfirmed: 'resend' }));
		expect(third.summary.sent).toBe(rerun.summary.unconfirmed);
	});
});
