import { createECDH } from 'node:crypto';
import * as webpush from 'web-push';
import { collapseIdOf } from '../../nodes/core/delivery/providers/fcm';
import {
	createWebPushProvider,
	parseSubscription,
	validateVapid,
	WEBPUSH_MAX_PAYLOAD_BYTES,
	type WebPushOptions,
} from '../../nodes/core/delivery/providers/webpush';
import { HoldRelay } from '../mocks/hold';
import { binaryFetchTransport, decryptAes128gcm, startWebPushMock, type WebPushMock } from '../mocks/webpush';
import { drive, recipients } from './providers-push-driver';

const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:push@shop.example' };
const otherVapid = webpush.generateVAPIDKeys();

describe('Web Push provider', () => {
	let mock: WebPushMock;
	beforeEach(async () => {
		mock = await startWebPushMock({ expectedVapidPublicKey: vapid.publicKey });
	});
	afterEach(async () => mock.close());

	function provider(extra: Partial<WebPushOptions> = {}) {
		return createWebPushProvider({
			vapid,
			title: '{{firstName | Hello}}, your cart misses you',
			body: 'Use {{offer.code}} before Sunday',
			url: 'https://shop.example/cart?c={{customerId}}',
			icon: 'https://shop.example/icon.png',
			data: { segment: '{{rfm.segment}}' },
			// The mock push service listens on 127.0.0.1 (see the endpoint tests below for the defaults).
			allowedHosts: ['127.0.0.1'],
			allowPrivateNetworks: true,
			...extra,
		});
	}
	const fields = (i: number) => ({ firstName: `Bo${i}`, offer: { code: `CART${i}` }, rfm: { segment: 'Need Attention' } });

	test('encrypts the payload (aes128gcm), signs VAPID, and the push service decrypts what we meant', async () => {
		const subs = [mock.createSubscription(), mock.createSubscription()];
		// The address arrives as JSON text of the subscription (object values are stringified by the node).
		const list = recipients(2, (i) => JSON.stringify(subs[i].json), fields);
		const res = await drive(provider(), list, binaryFetchTransport, { concurrency: 1 });
		expect(res.outcomes.map((o) => o.status)).toEqual(['sent', 'sent']);
		expect(mock.deliveries.map((d) => d.payload)).toEqual([
			{
				title: 'Bo0, your cart misses you',
				body: 'Use CART0 before Sunday',
				url: 'https://shop.example/cart?c=c1',
				icon: 'https://shop.example/icon.png',
				data: { segment: 'Need Attention' },
				tag: collapseIdOf(list[0].sendKey),
			},
			{
				title: 'Bo1, your cart misses you',
				body: 'Use CART1 before Sunday',
				url: 'https://shop.example/cart?c=c2',
				icon: 'https://shop.example/icon.png',
				data: { segment: 'Need Attention' },
				tag: collapseIdOf(list[1].sendKey),
			},
		]);
		expect(mock.requests.map((r) => [r.status, r.ttl, r.urgency, r.topic])).toEqual([
			[201, '172800', 'normal', collapseIdOf(list[0].sendKey)],
			[201, '172800', 'normal', collapseIdOf(list[1].sendKey)],
		]);
		expect(res.outcomes.map((o) => o.messageId)).toEqual(mock.deliveries.map((d) => d.messageId));
	});

	test('one request per subscription; TTL, urgency and topic options', async () => {
		const sub = mock.createSubscription();
		const p = provider({ ttlSeconds: 3600, urgency: 'high', topic: 'spring-sale' });
		expect(p.limits.maxBatchSize).toBe(1);
		await drive(p, recipients(1, () => JSON.stringify(sub.json)), binaryFetchTransport);
		expect(mock.requests[0]).toMatchObject({ ttl: '3600', urgency: 'high', topic: 'spring-sale' });
	});

	test('404 and 410 are dead subscriptions, reported per recipient', async () => {
		const expired = mock.createSubscription({ state: 'expired' });
		const gone = mock.createSubscription({ state: 'gone' });
		const ok = mock.createSubscription();
		const addresses = [expired, gone, ok].map((s) => JSON.stringify(s.json));
		const res = await drive(provider(), recipients(3, (i) => addresses[i]), binaryFetchTransport, { concurrency: 1 });
		expect(res.outcomes.map((o) => [o.status, o.reason ?? null])).toEqual([
			['failed', 'dead_subscription'],
			['failed', 'dead_subscription'],
			['sent', null],
		]);
		expect(mock.requests.map((r) => r.status)).toEqual([404, 410, 201]);
	});

	test('payloads over 4 KB fail as payload_too_large before sending; a 413 from the service too', async () => {
		const sub = mock.createSubscription();
		const big = provider({ body: 'x'.repeat(WEBPUSH_MAX_PAYLOAD_BYTES) });
		const res = await drive(big, recipients(1, () => JSON.stringify(sub.json)), binaryFetchTransport);
		expect(res.outcomes.map((o) => o.reason)).toEqual(['payload_too_large']);
		expect(mock.requests).toHaveLength(0);
		mock.failNext({ kind: 'status', status: 413 });
		const res2 = await drive(provider(), recipients(1, () => JSON.stringify(sub.json)), binaryFetchTransport);
		expect(res2.outcomes.map((o) => o.reason)).toEqual(['payload_too_large']);
		expect(mock.deliveries).toHaveLength(0);
	});

	test('a payload just under the limit fits one 4,096-byte record and is delivered', async () => {
		const sub = mock.createSubscription();
		const [r] = recipients(1, () => JSON.stringify(sub.json));
		const empty = JSON.stringify({ title: 'T', body: '', tag: collapseIdOf(r.sendKey) });
		const p = createWebPushProvider({ vapid, title: 'T', body: 'y'.repeat(WEBPUSH_MAX_PAYLOAD_BYTES - Buffer.byteLength(empty)), allowedHosts: ['127.0.0.1'], allowPrivateNetworks: true });
		const res = await drive(p, [r], binaryFetchTransport);
		expect(res.outcomes.map((o) => o.status)).toEqual(['sent']);
		expect(mock.requests[0].bytes).toBe(4096);
	});

	test('429 (with and without Retry-After), 500 and 503 are retried; delivered exactly once', async () => {
		const sub = mock.createSubscription();
		mock.failNext(
			{ kind: 'status', status: 429, retryAfter: '30' },
			{ kind: 'status', status: 429 },
			{ kind: 'status', status: 500 },
			{ kind: 'status', status: 503, retryAfter: '1' },
		);
		const res = await drive(provider(), recipients(1, () => JSON.stringify(sub.json)), binaryFetchTransport, { maxAttempts: 6 });
		expect(res.retries).toEqual([
			{ reason: 'rate_limited', afterMs: 30000 },
			{ reason: 'rate_limited', afterMs: undefined },
			{ reason: 'http_500', afterMs: undefined },
			{ reason: 'http_503', afterMs: 1000 },
		]);
		expect(res.outcomes.map((o) => o.status)).toEqual(['sent']);
		expect(mock.deliveredCount(sub.id)).toBe(1);
	});

	test('timeouts and connection resets reach the engine as transport errors (the engine decides: outcome unknown)', async () => {
		await mock.close();
		const relay = new HoldRelay();
		mock = await startWebPushMock({ expectedVapidPublicKey: vapid.publicKey, onHold: relay.hold });
		const sub = mock.createSubscription();
		mock.failNext({ kind: 'timeout' }, { kind: 'reset' });
		const res = await drive(provider(), recipients(1, () => JSON.stringify(sub.json)), relay.transport(binaryFetchTransport), { maxAttempts: 3 });
		expect(res.retries.map((r) => r.reason)).toEqual(['timeout', 'connection_reset']);
		expect(relay.held).toHaveLength(1);
		expect(mock.deliveredCount(sub.id)).toBe(1);
	});

	test('a subscription made with other VAPID keys is refused (403) as vapid_rejected', async () => {
		const sub = mock.createSubscription({ applicationServerKey: otherVapid.publicKey });
		const res = await drive(provider(), recipients(1, () => JSON.stringify(sub.json)), binaryFetchTransport);
		expect(res.outcomes.map((o) => o.reason)).toEqual(['vapid_rejected']);
		expect(mock.requests[0].status).toBe(403);
	});

	test('bad subscriptions fail as invalid_subscription or missing_address without a request', async () => {
		const good = mock.createSubscription().json;
		const bad = [
			'',
			'{not json',
			'[object Object]',
			JSON.stringify({ endpoint: 'http://push.example.com/x', keys: good.keys }), // not https, not a known push service
			JSON.stringify({ endpoint: good.endpoint, keys: { p256dh: 'short', auth: good.keys.auth } }),
			JSON.stringify({ endpoint: good.endpoint, keys: { p256dh: good.keys.p256dh } }),
			JSON.stringify({ endpoint: 'not a url', keys: good.keys }),
		];
		const res = await drive(provider(), recipients(bad.length, (i) => bad[i]), binaryFetchTransport);
		expect(res.outcomes.map((o) => o.reason)).toEqual([
			'missing_address',
			'invalid_subscription',
			'invalid_subscription',
			'endpoint_not_allowed',
			'invalid_subscription',
			'invalid_subscription',
			'invalid_subscription',
		]);
		expect(mock.requests).toHaveLength(0);
	});

	test('parseSubscription reads objects and JSON text', () => {
		const sub = mock.createSubscription().json;
		expect(parseSubscription(sub)).toEqual({ endpoint: sub.endpoint, keys: sub.keys });
		expect(parseSubscription(JSON.stringify(sub))).toEqual({ endpoint: sub.endpoint, keys: sub.keys });
		expect(parseSubscription({ ...sub, endpoint: 'https://fcm.googleapis.com/fcm/send/abc' })).toMatchObject({ endpoint: 'https://fcm.googleapis.com/fcm/send/abc' });
		expect(parseSubscription(null)).toEqual({ error: 'missing_address' });
		expect(parseSubscription(42)).toEqual({ error: 'invalid_subscription' });
	});

	test('VAPID key checks', () => {
		expect(validateVapid(vapid)).toEqual(vapid);
		expect(() => validateVapid({ ...vapid, publicKey: 'abc' })).toThrow('public key must be 65 bytes');
		expect(() => validateVapid({ ...vapid, privateKey: 'abc' })).toThrow('private key must be 32 bytes');
		expect(() => validateVapid({ ...vapid, publicKey: otherVapid.publicKey })).toThrow('does not belong');
		expect(() => validateVapid({ ...vapid, subject: 'push@shop.example' })).toThrow('mailto:');
		expect(() => validateVapid({ ...vapid, subject: 'http://shop.example' })).toThrow('mailto:');
		expect(() => createWebPushProvider({ vapid, title: '', body: ' ' })).toThrow('title or body');
		expect(() => createWebPushProvider({ vapid, title: 'T', body: 'B', topic: 'has space' })).toThrow('topic');
		expect(() => createWebPushProvider({ vapid, title: 'T', body: 'B', ttlSeconds: -5 })).toThrow('time to live');
	});

	test('plan() shows the plaintext payload and headers, no VAPID token, sends nothing', async () => {
		const sub = mock.createSubscription();
		const list = recipients(1, () => JSON.stringify(sub.json), fields);
		const [req] = await provider().plan(list, { campaignKey: 'k', runKey: 'r', now: () => 0 });
		expect(req).toMatchObject({
			method: 'POST',
			url: sub.json.endpoint,
			headers: { TTL: '172800', Urgency: 'normal', Topic: collapseIdOf(list[0].sendKey), 'Content-Encoding': 'aes128gcm' },
			body: { encryptedAtSend: 'aes128gcm', payload: { title: 'Bo0, your cart misses you' } },
		});
		expect(JSON.stringify(req)).not.toMatch(/vapid|Authorization/i);
		expect(mock.requests).toHaveLength(0);
	});

	test('no endpoint, key or VAPID secret in what the provider returns', async () => {
		const subs = [mock.createSubscription({ state: 'gone' }), mock.createSubscription({ applicationServerKey: otherVapid.publicKey })];
		const res = await drive(provider(), recipients(2, (i) => JSON.stringify(subs[i].json)), binaryFetchTransport);
		const text = JSON.stringify(res.outcomes.map((o) => ({ ...o, recipient: undefined })));
		for (const s of subs) {
			expect(text).not.toContain(s.id);
			expect(text).not.toContain(s.json.keys.auth);
		}
		expect(text).not.toContain(vapid.privateKey);
	});

	test('the mock decrypts web-push output independently (RFC 8291 check of the mock itself)', () => {
		const { createECDH, randomBytes } = jest.requireActual('node:crypto') as typeof import('node:crypto');
		const ecdh = createECDH('prime256v1');
		const pub = ecdh.generateKeys();
		const auth = randomBytes(16);
		const enc = webpush.encrypt(pub.toString('base64url'), auth.toString('base64url'), 'héllo', 'aes128gcm');
		expect(decryptAes128gcm(enc.cipherText, ecdh.getPrivateKey(), pub, auth).toString('utf8')).toBe('héllo');
	});
});

describe('Web Push endpoints (no SSRF): known push services only, never a private address', () => {
	const keys = { p256dh: createECDH('prime256v1').generateKeys().toString('base64url'), auth: Buffer.alloc(16, 1).toString('base64url') };
	const sub = (endpoint: string) => JSON.stringify({ endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } });
	const calls: string[] = [];
	const recording: import('../../nodes/core/net/http').HttpTransport = async (req) => {
		calls.push(req.url);
		return { status: 201, headers: {}, body: '' };
	};
	beforeEach(() => (calls.length = 0));
	const base = { vapid, title: 'Hi', body: 'B' };

	test.each([
		['plain http on loopback', 'http://localhost:8080/push/x'],
		['https on loopback', 'https://127.0.0.1:8443/push/x'],
		['IPv6 loopback', 'https://[::1]/push/x'],
		['IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/x'],
		['cloud metadata (link-local)', 'https://169.254.169.254/latest/meta-data'],
		['private network', 'https://10.1.2.3/push'],
		['private network written in hex', 'https://0xa010203/push'],
		['an unknown https host', 'https://evil.example.com/push/x'],
		['a look-alike of a push service', 'https://fcm.googleapis.com.evil.example/push'],
	])('refused before any request: %s', async (_label, endpoint) => {
		const p = createWebPushProvider(base);
		const [r] = recipients(1, () => sub(endpoint));
		expect(p.validate!(r)).toBe('endpoint_not_allowed');
		const res = await p.send([r], { transport: recording, campaignKey: 'k', runKey: 'r', attempt: 1, now: Date.now });
		expect(res).toMatchObject({ kind: 'done', outcomes: [{ status: 'failed', reason: 'endpoint_not_allowed' }] });
		expect(calls).toEqual([]);
	});

	test('the push services of Chrome, Firefox, Safari and Edge are allowed by default (after a public DNS answer)', async () => {
		const resolve = async () => ['142.250.74.10'];
		const p = createWebPushProvider({ ...base, resolve });
		const endpoints = [
			'https://fcm.googleapis.com/fcm/send/abc',
			'https://updates.push.services.mozilla.com/wpush/v2/abc',
			'https://web.push.apple.com/QG1kVtD',
			'https://wns2-par02p.notify.windows.com/w/?token=abc',
		];
		for (const [i, r] of recipients(4, (i) => sub(endpoints[i])).entries()) {
			expect(p.validate!(r)).toBeUndefined();
			expect(await p.send([r], { transport: recording, campaignKey: 'k', runKey: 'r', attempt: 1, now: Date.now })).toMatchObject({ kind: 'done', outcomes: [{ status: 'sent' }] });
			expect(calls[i]).toBe(endpoints[i]);
		}
	});

	test('an allow-listed host is checked after DNS: a name resolving to a private address is refused', async () => {
		const answers: Record<string, string[]> = { 'push.example.com': ['93.184.216.34'], 'rebind.example.com': ['93.184.216.34', '127.0.0.1'], 'meta.example.com': ['fd00::1'] };
		const p = createWebPushProvider({ ...base, allowedHosts: ['push.example.com', '*.example.com'], resolve: async (h) => answers[h] ?? [] });
		const list = recipients(3, (i) => sub(`https://${['push', 'rebind', 'meta'][i]}.example.com/s/1`));
		for (const r of list) expect(p.validate!(r)).toBeUndefined();
		const out = [];
		for (const r of list) out.push(await p.send([r], { transport: recording, campaignKey: 'k', runKey: 'r', attempt: 1, now: Date.now }));
		expect(out.map((o) => (o.kind === 'done' ? `${o.outcomes[0].status}:${o.outcomes[0].reason ?? ''}` : o.kind))).toEqual([
			'sent:',
			'failed:endpoint_not_allowed',
			'failed:endpoint_not_allowed',
		]);
		expect(calls).toEqual(['https://push.example.com/s/1']);
	});
});
