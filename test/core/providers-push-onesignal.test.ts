import { fetchTransport } from '../../nodes/core/net/http';
import { batchIdempotencyKey } from '../../nodes/core/delivery/keys';
import {
	createOneSignalProvider,
	ONESIGNAL_IDEMPOTENCY_WINDOW_MS,
	ONESIGNAL_LIMITS,
	type OneSignalOptions,
} from '../../nodes/core/delivery/providers/onesignal';
import { HoldRelay } from '../mocks/hold';
import { startOneSignalMock, type OneSignalMock } from '../mocks/onesignal';

/** Timeouts come from the mock (an explicit event), never from a short socket timeout. */
const relay = new HoldRelay();
import { drive, recipients } from './providers-push-driver';

const ext = (i: number) => `ext-${i + 1}`;

describe('OneSignal provider', () => {
	let mock: OneSignalMock;
	const ids = Array.from({ length: 50 }, (_, i) => ext(i));

	beforeEach(async () => {
		mock = await startOneSignalMock({ onHold: relay.hold, subscribed: ids, unsubscribed: ['ext-unsub-1', 'ext-unsub-2'] });
	});
	afterEach(async () => mock.close());

	function provider(extra: Partial<OneSignalOptions> = {}) {
		return createOneSignalProvider({
			baseUrl: mock.url,
			appId: mock.appId,
			apiKey: mock.apiKey,
			headings: { en: 'We miss you', de: 'Wir vermissen dich' },
			contents: { en: 'Come back for 15% off', de: 'Komm zurück: 15% Rabatt' },
			data: { offer: 'WINBACK15' },
			url: 'https://shop.example/winback',
			...extra,
		});
	}

	test('sends one Create Message request with aliases, languages, data and a UUID idempotency key', async () => {
		const list = recipients(3, ext);
		const res = await drive(provider(), list, fetchTransport);
		expect(res.sends).toBe(1);
		expect(mock.bodies).toHaveLength(1);
		const body = mock.bodies[0];
		expect(body).toMatchObject({
			app_id: mock.appId,
			target_channel: 'push',
			include_aliases: { external_id: ['ext-1', 'ext-2', 'ext-3'] },
			headings: { en: 'We miss you', de: 'Wir vermissen dich' },
			contents: { en: 'Come back for 15% off', de: 'Komm zurück: 15% Rabatt' },
			data: { offer: 'WINBACK15' },
			url: 'https://shop.example/winback',
			name: 'winback-2026',
		});
		expect(body.idempotency_key).toBe(batchIdempotencyKey(list.map((r) => r.sendKey)));
		expect(body.idempotency_key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		const notificationId = mock.deliveries[0].notificationId;
		expect(res.outcomes.map((o) => [o.recipient.customerId, o.status, o.messageId])).toEqual([
			['c1', 'sent', notificationId],
			['c2', 'sent', notificationId],
			['c3', 'sent', notificationId],
		]);
		expect(mock.deliveries.map((d) => d.externalId)).toEqual(['ext-1', 'ext-2', 'ext-3']);
	});

	test('limits and provider idempotency window', () => {
		const p = provider();
		expect(p.limits).toEqual(ONESIGNAL_LIMITS);
		expect(p.limits.maxBatchSize).toBe(20000);
		expect(p.idempotencyWindowMs).toBe(ONESIGNAL_IDEMPOTENCY_WINDOW_MS);
		expect(provider({ limits: { maxBatchSize: 50000 } }).limits.maxBatchSize).toBe(20000);
	});

	test('45,000 recipients go out in batches of at most 20,000, each delivered exactly once', async () => {
		const many = Array.from({ length: 45000 }, (_, i) => `bulk-${i}`);
		await mock.close();
		mock = await startOneSignalMock({ onHold: relay.hold, subscribed: many });
		const list = recipients(45000, (i) => many[i]);
		const res = await drive(provider(), list, fetchTransport);
		expect(mock.requests.map((r) => r.aliases)).toEqual([20000, 20000, 5000]);
		expect(res.outcomes.filter((o) => o.status === 'sent')).toHaveLength(45000);
		expect(mock.deliveries).toHaveLength(45000);
		expect(new Set(mock.deliveries.map((d) => d.externalId)).size).toBe(45000);
	});

	test('partial success: invalid aliases fail as invalid_alias, the rest are sent', async () => {
		const list = recipients(4, (i) => ['ext-1', 'nobody-1', 'ext-2', 'nobody-2'][i]);
		const res = await drive(provider(), list, fetchTransport);
		const byCustomer = Object.fromEntries(res.outcomes.map((o) => [o.recipient.customerId, [o.status, o.reason ?? null]]));
		expect(byCustomer).toEqual({
			c1: ['sent', null],
			c2: ['failed', 'invalid_alias'],
			c3: ['sent', null],
			c4: ['failed', 'invalid_alias'],
		});
		expect(mock.deliveries.map((d) => d.externalId).sort()).toEqual(['ext-1', 'ext-2']);
		// No external id in any detail.
		expect(JSON.stringify(res.outcomes.map((o) => o.detail))).not.toMatch(/nobody|ext-/);
	});

	test('nobody subscribed: 200 with an empty id fails everyone with not_subscribed', async () => {
		const list = recipients(2, (i) => `ext-unsub-${i + 1}`);
		const res = await drive(provider(), list, fetchTransport);
		expect(res.outcomes.map((o) => [o.status, o.reason])).toEqual([
			['failed', 'not_subscribed'],
			['failed', 'not_subscribed'],
		]);
		expect(res.outcomes[0].detail).toBe('All included players are not subscribed');
		expect(mock.deliveries).toHaveLength(0);
	});

	test('all aliases invalid: everyone fails with invalid_alias', async () => {
		const res = await drive(provider(), recipients(2, (i) => `ghost-${i}`), fetchTransport);
		expect(res.outcomes.map((o) => o.reason)).toEqual(['invalid_alias', 'invalid_alias']);
	});

	test('429 with Retry-After is retried after the asked delay; without the header the engine decides', async () => {
		mock.failNext({ kind: 'status', status: 429, retryAfter: '3' }, { kind: 'status', status: 429 });
		const res = await drive(provider(), recipients(2, ext), fetchTransport);
		expect(res.retries).toEqual([
			{ reason: 'rate_limited', afterMs: 3000 },
			{ reason: 'rate_limited', afterMs: undefined },
		]);
		expect(res.outcomes.every((o) => o.status === 'sent')).toBe(true);
		expect(mock.deliveries).toHaveLength(2);
	});

	test('500 and 503 are retried with the same idempotency key', async () => {
		mock.failNext({ kind: 'status', status: 500 }, { kind: 'status', status: 503, retryAfter: '1' });
		const res = await drive(provider(), recipients(3, ext), fetchTransport);
		expect(res.retries.map((r) => r.reason)).toEqual(['http_500', 'http_503']);
		expect(new Set(mock.requests.map((r) => r.idempotencyKey)).size).toBe(1);
		expect(mock.deliveries).toHaveLength(3);
	});

	test('response lost after OneSignal accepted: the retry is deduplicated by the idempotency key', async () => {
		mock.failNext({ kind: 'resetAfterProcess' });
		const res = await drive(provider(), recipients(5, ext), fetchTransport);
		expect(res.retries[0].reason).toBe('connection_reset');
		expect(mock.requests.map((r) => r.replayed ?? false)).toEqual([false, true]);
		expect(mock.deliveries).toHaveLength(5);
		for (const id of ids.slice(0, 5)) expect(mock.deliveredCount(id)).toBe(1);
		// The replay returns the first notification id, so every recipient carries it.
		expect(new Set(res.outcomes.map((o) => o.messageId))).toEqual(new Set([mock.deliveries[0].notificationId]));
	});

	test('timeout and connection reset are retried and deliver exactly once', async () => {
		mock.failNext({ kind: 'timeout' }, { kind: 'reset' });
		const res = await drive(provider(), recipients(3, ext), relay.transport());
		expect(res.retries.map((r) => r.reason)).toEqual(['timeout', 'connection_reset']);
		expect(mock.deliveries).toHaveLength(3);
		expect(res.outcomes.every((o) => o.status === 'sent')).toBe(true);
	});

	test('a rerun of the same batch (run killed before the ledger write) sends nothing twice', async () => {
		const list = recipients(10, ext);
		await drive(provider(), list, fetchTransport);
		const again = await drive(provider(), [...list].reverse(), fetchTransport);
		expect(mock.deliveries).toHaveLength(10);
		expect(mock.requests[1].replayed).toBe(true);
		expect(again.outcomes.every((o) => o.status === 'sent')).toBe(true);
	});

	test('the idempotency key ignores recipient order and changes with the send keys', () => {
		const list = recipients(3, ext);
		const p = provider();
		const ctx = { campaignKey: 'winback-2026', runKey: '2026-03-02', now: () => 0 };
		const a = (p.plan(list, ctx) as Array<{ body: { idempotency_key: string } }>)[0].body.idempotency_key;
		const b = (p.plan([...list].reverse(), ctx) as Array<{ body: { idempotency_key: string } }>)[0].body.idempotency_key;
		const c = (p.plan(recipients(3, ext, undefined, 'winback-2026', '2026-03-09'), ctx) as Array<{ body: { idempotency_key: string } }>)[0]
			.body.idempotency_key;
		expect(a).toBe(b);
		expect(c).not.toBe(a);
	});

	test('plan() is the exact request send() makes, without the API key', async () => {
		const list = recipients(2, ext);
		const p = provider();
		const [planned] = await p.plan(list, { campaignKey: 'winback-2026', runKey: '2026-03-02', now: () => 0 });
		expect(planned.method).toBe('POST');
		expect(planned.url).toBe(`${mock.url}/notifications`);
		expect(planned.query).toEqual({ c: 'push' });
		expect(JSON.stringify(planned)).not.toContain(mock.apiKey);
		await drive(p, list, fetchTransport);
		expect(mock.bodies[0]).toEqual(planned.body);
	});

	test('a refused API key stops the run without echoing the key', async () => {
		const p = createOneSignalProvider({ baseUrl: mock.url, appId: mock.appId, apiKey: 'wrong-key-123', contents: { en: 'Hi' } });
		const res = await drive(p, recipients(3, ext), fetchTransport);
		expect(res.fatal).toMatchObject({ kind: 'fatal', reason: 'unauthorized', stopRun: true });
		expect(JSON.stringify(res.fatal)).not.toContain('wrong-key-123');
		expect(mock.deliveries).toHaveLength(0);
	});

	test('a request OneSignal refuses (400) fails the batch with its message', async () => {
		const p = createOneSignalProvider({ baseUrl: mock.url, appId: 'not-the-app', apiKey: mock.apiKey, contents: { en: 'Hi' } });
		const res = await drive(p, recipients(2, ext), fetchTransport);
		expect(res.fatal).toMatchObject({ reason: 'http_400' });
		expect(res.fatal?.detail).toContain('app_id not found');
		expect(res.outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
	});

	test('bad configuration is refused before sending', () => {
		expect(() => createOneSignalProvider({ appId: '', contents: { en: 'x' } })).toThrow('App ID is missing');
		expect(() => createOneSignalProvider({ appId: 'a', contents: { de: 'Hallo' } })).toThrow('English');
		expect(() => createOneSignalProvider({ appId: 'a', contents: { en: '   ' } })).toThrow('English');
		expect(() => createOneSignalProvider({ appId: 'a', contents: { en: 'x' }, headings: { de: 'Titel' } })).toThrow('title in English');
		expect(() => createOneSignalProvider({ appId: 'a', contents: { en: 'x', 'not a lang': 'y' } })).toThrow('not a language code');
	});

	test('validate(): empty, whitespace-only and over-long external ids', () => {
		const p = provider();
		const [r] = recipients(1, ext);
		expect(p.validate?.({ ...r, address: '' })).toBe('missing_address');
		expect(p.validate?.({ ...r, address: '   ' })).toBe('missing_address');
		expect(p.validate?.({ ...r, address: 'x'.repeat(600) })).toBe('invalid_address');
		expect(p.validate?.(r)).toBeUndefined();
		expect(p.addressKey?.(' ext-1 ')).toBe('ext-1');
	});

	test('0 and 1 recipients', async () => {
		const none = await drive(provider(), [], fetchTransport);
		expect(none.sends).toBe(0);
		const one = await drive(provider(), recipients(1, ext), fetchTransport);
		expect(one.outcomes.map((o) => o.status)).toEqual(['sent']);
	});
});
