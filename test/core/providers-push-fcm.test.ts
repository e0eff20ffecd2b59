import { fetchTransport, type HttpTransport } from '../../nodes/core/net/http';
import {
	collapseIdOf,
	createFcmProvider,
	FCM_LIMITS,
	parseServiceAccount,
	signServiceAccountJwt,
	type FcmOptions,
} from '../../nodes/core/delivery/providers/fcm';
import { MicroFcmServiceAccountApi } from '../../credentials/MicroFcmServiceAccountApi.credentials';
import { startFcmMock, type FcmMock } from '../mocks/fcm';
import { HoldRelay } from '../mocks/hold';

/** Timeouts come from the mock (an explicit event), never from a short socket timeout. */
const relay = new HoldRelay();
import { drive, recipients } from './providers-push-driver';

const tok = (i: number) => `dev-token-${i + 1}:APA91b${'x'.repeat(20)}`;

describe('FCM HTTP v1 provider', () => {
	let mock: FcmMock;
	const valid: Record<string, 'valid'> = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [tok(i), 'valid' as const]));

	beforeEach(async () => {
		mock = await startFcmMock({ onHold: relay.hold,
			tokens: { ...valid, 'dead-token': 'unregistered', 'other-project-token': 'mismatch', 'ios-token': 'thirdPartyAuth' },
		});
	});
	afterEach(async () => mock.close());

	function provider(extra: Partial<FcmOptions> = {}) {
		return createFcmProvider({
			serviceAccount: JSON.stringify(mock.serviceAccount),
			baseUrl: mock.url,
			title: 'Hi {{firstName | there}}, we miss you',
			body: 'Your {{rfm.segment}} reward: {{offer.code}}',
			data: { offer: '{{offer.code}}', orders: '{{ordersCount}}', campaign: 'winback' },
			link: 'https://shop.example/c/{{customerId}}',
			androidPriority: 'high',
			ttlSeconds: 86400,
			...extra,
		});
	}
	const fields = (i: number) => ({ firstName: i === 1 ? '' : `Ann${i}`, rfm: { segment: 'At Risk' }, offer: { code: `WB${i}` }, ordersCount: i + 2 });

	test('signs a JWT, gets one access token, and sends one personalised message per token', async () => {
		const list = recipients(3, tok, fields);
		const res = await drive(provider(), list, fetchTransport, { concurrency: 3 });
		expect(mock.tokenRequests).toBe(1);
		expect(res.outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'sent']);
		expect(res.batchSizes).toEqual([1, 1, 1]);
		const byToken = Object.fromEntries(mock.deliveries.map((d) => [d.token, d.message]));
		expect(byToken[tok(0)]).toEqual({
			token: tok(0),
			notification: { title: 'Hi Ann0, we miss you', body: 'Your At Risk reward: WB0' },
			data: { offer: 'WB0', orders: '2', campaign: 'winback', link: 'https://shop.example/c/c1' },
			android: { priority: 'HIGH', ttl: '86400s', notification: { tag: collapseIdOf(list[0].sendKey) } },
			apns: { headers: { 'apns-collapse-id': collapseIdOf(list[0].sendKey), 'apns-expiration': expect.stringMatching(/^\d+$/) } },
			webpush: {
				headers: { Topic: collapseIdOf(list[0].sendKey) },
				notification: { tag: collapseIdOf(list[0].sendKey) },
				fcm_options: { link: 'https://shop.example/c/c1' },
			},
			fcm_options: { analytics_label: 'winback-2026' },
		});
		// Empty first name falls back.
		expect((byToken[tok(1)].notification as { title: string }).title).toBe('Hi there, we miss you');
		const names = res.outcomes.map((o) => o.messageId);
		expect(names.every((n) => /^projects\/shop-push-test\/messages\//.test(n ?? ''))).toBe(true);
	});

	test('the access token is cached across many sends, also when they start concurrently', async () => {
		const res = await drive(provider(), recipients(30, tok), fetchTransport, { concurrency: 10 });
		expect(res.outcomes.filter((o) => o.status === 'sent')).toHaveLength(30);
		expect(mock.tokenRequests).toBe(1);
		expect(mock.deliveries).toHaveLength(30);
	});

	test('an expired token is refreshed (expiry minus margin)', async () => {
		await mock.close();
		mock = await startFcmMock({ onHold: relay.hold, tokens: valid, expiresIn: 1 });
		const p = provider({ tokenMarginMs: 0 });
		const t0 = Date.now();
		await drive(p, recipients(1, tok), fetchTransport, { now: () => t0 });
		await drive(p, recipients(1, tok), fetchTransport, { now: () => t0 + 999 });
		expect(mock.tokenRequests).toBe(1);
		// One second later (a virtual clock) the token has expired: a new one is fetched.
		await drive(p, recipients(1, tok), fetchTransport, { now: () => t0 + 1000 });
		expect(mock.tokenRequests).toBe(2);
		expect(mock.deliveries).toHaveLength(3);
	});

	test('UNREGISTERED and malformed tokens fail as unregistered_token; mismatch and APNs auth errors per recipient', async () => {
		const addresses = ['dead-token', 'bad:bad-token', 'other-project-token', 'ios-token', tok(0)];
		const res = await drive(provider(), recipients(5, (i) => addresses[i]), fetchTransport, { concurrency: 1 });
		expect(res.outcomes.map((o) => [o.recipient.address === addresses[o.recipient.itemIndex], o.status, o.reason ?? null])).toEqual([
			[true, 'failed', 'unregistered_token'],
			[true, 'failed', 'unregistered_token'],
			[true, 'failed', 'sender_id_mismatch'],
			[true, 'failed', 'third_party_auth_error'],
			[true, 'sent', null],
		]);
		// THIRD_PARTY_AUTH_ERROR is a 401 but not ours: no token refresh.
		expect(mock.tokenRequests).toBe(1);
		expect(JSON.stringify(res.outcomes.map((o) => [o.reason, o.detail]))).not.toMatch(/dead-token|bad-token|ios-token|APA91b/);
	});

	test('QUOTA_EXCEEDED (with and without Retry-After), UNAVAILABLE and INTERNAL are retried; delivered once', async () => {
		mock.failNext(
			{ kind: 'status', status: 429, retryAfter: '7' },
			{ kind: 'status', status: 429 },
			{ kind: 'status', status: 503, retryAfter: '2' },
			{ kind: 'status', status: 500 },
		);
		const res = await drive(provider(), recipients(2, tok), fetchTransport, { concurrency: 1, maxAttempts: 6 });
		expect(res.retries).toEqual([
			{ reason: 'quota_exceeded', afterMs: 7000 },
			{ reason: 'quota_exceeded', afterMs: undefined },
			{ reason: 'unavailable', afterMs: 2000 },
			{ reason: 'internal', afterMs: undefined },
		]);
		expect(res.outcomes.map((o) => o.status)).toEqual(['sent', 'sent']);
		expect(mock.deliveredCount(tok(0))).toBe(1);
		expect(mock.deliveredCount(tok(1))).toBe(1);
	});

	test('a 401 refreshes the access token once and resends', async () => {
		mock.failNext({ kind: 'unauthenticated' });
		const res = await drive(provider(), recipients(1, tok), fetchTransport);
		expect(res.outcomes.map((o) => o.status)).toEqual(['sent']);
		expect(mock.tokenRequests).toBe(2);
		expect(mock.sendRequests.map((r) => r.status)).toEqual([401, 200]);
	});

	test('a second 401 stops the run', async () => {
		mock.failNext({ kind: 'unauthenticated' }, { kind: 'unauthenticated' });
		const res = await drive(provider(), recipients(3, tok), fetchTransport, { concurrency: 1 });
		expect(res.fatal).toMatchObject({ reason: 'unauthorized', stopRun: true });
		expect(mock.deliveries).toHaveLength(0);
		expect(res.sends).toBe(1);
	});

	test('a key the token endpoint refuses stops the run; no key material in the detail', async () => {
		const p = createFcmProvider({ serviceAccount: mock.foreignServiceAccount, baseUrl: mock.url, title: 'T', body: 'B' });
		const res = await drive(p, recipients(2, tok), fetchTransport, { concurrency: 1 });
		expect(res.fatal).toMatchObject({ reason: 'auth_failed', stopRun: true });
		expect(res.fatal?.detail).toContain('invalid_grant');
		expect(res.fatal?.detail).not.toContain('PRIVATE KEY');
		expect(res.fatal?.detail).not.toContain(mock.foreignServiceAccount.client_email);
	});

	test('token endpoint 503 and network faults are retried', async () => {
		mock.failToken({ status: 503, retryAfter: '1' });
		mock.failNext({ kind: 'timeout' }, { kind: 'reset' });
		const res = await drive(provider(), recipients(1, tok), relay.transport(), { maxAttempts: 6 });
		expect(res.retries.map((r) => r.reason)).toEqual(['token_unavailable', 'timeout', 'connection_reset']);
		expect(res.retries[0].afterMs).toBe(1000);
		expect(res.outcomes.map((o) => o.status)).toEqual(['sent']);
		expect(mock.deliveries).toHaveLength(1);
	});

	test('a resend after a lost response carries the same notification tag (the device shows one)', async () => {
		mock.failNext({ kind: 'resetAfterProcess' });
		const list = recipients(1, tok);
		await drive(provider(), list, fetchTransport);
		// FCM has no idempotency key: the message reaches FCM twice...
		expect(mock.deliveries).toHaveLength(2);
		// ...with one collapse id, so Android/iOS/web replace the first notification.
		const tags = mock.deliveries.map((d) => (d.message.android as { notification: { tag: string } }).notification.tag);
		expect(new Set(tags)).toEqual(new Set([collapseIdOf(list[0].sendKey)]));
	});

	test('plan() gives one request per token, without an Authorization header', async () => {
		const p = provider();
		const planned = await p.plan(recipients(2, tok, fields), { campaignKey: 'winback-2026', runKey: '2026-03-02', now: () => Date.UTC(2026, 2, 2) });
		expect(planned).toHaveLength(2);
		expect(planned[0].url).toBe(`${mock.url}/v1/projects/shop-push-test/messages:send`);
		expect(planned[0].headers?.authorization).toBeUndefined();
		expect((planned[1].body as { message: { notification: unknown } }).message.notification).toEqual({
			title: 'Hi there, we miss you',
			body: 'Your At Risk reward: WB1',
		});
		expect(mock.tokenRequests).toBe(0);
	});

	test('the JWT carries the documented claims', () => {
		const key = parseServiceAccount(mock.serviceAccount);
		const jwt = signServiceAccountJwt(key, Date.UTC(2026, 0, 1));
		const [h, c] = jwt
			.split('.')
			.slice(0, 2)
			.map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
		expect(h).toEqual({ alg: 'RS256', typ: 'JWT', kid: mock.serviceAccount.private_key_id });
		expect(c).toEqual({
			iss: mock.serviceAccount.client_email,
			scope: 'https://www.googleapis.com/auth/firebase.messaging',
			aud: mock.tokenUri,
			iat: Date.UTC(2026, 0, 1) / 1000,
			exp: Date.UTC(2026, 0, 1) / 1000 + 3600,
		});
	});

	test('service account JSON problems are explained without echoing values', () => {
		expect(() => parseServiceAccount('')).toThrow('empty');
		expect(() => parseServiceAccount('{not json')).toThrow('not valid JSON');
		expect(() => parseServiceAccount('[]')).toThrow('JSON object');
		expect(() => parseServiceAccount({ ...mock.serviceAccount, type: 'authorized_user' })).toThrow('not a service account');
		expect(() => parseServiceAccount({ ...mock.serviceAccount, project_id: '' })).toThrow('"project_id"');
		expect(() => parseServiceAccount({ ...mock.serviceAccount, private_key: 'abc' })).toThrow('not a PEM private key');
		// Keys pasted with literal \n sequences still work; no token_uri defaults to Google's.
		const escaped = { ...mock.serviceAccount, private_key: mock.serviceAccount.private_key.replace(/\n/g, '\\n') };
		delete (escaped as Record<string, unknown>).token_uri;
		const key = parseServiceAccount(JSON.stringify(escaped));
		expect(key.private_key).toBe(mock.serviceAccount.private_key);
		expect(key.token_uri).toBe('https://oauth2.googleapis.com/token');
	});

	test('configuration checks: reserved data keys, TTL range, empty notification', () => {
		const sa = mock.serviceAccount;
		expect(() => createFcmProvider({ serviceAccount: sa, title: 'T', body: 'B', data: { from: 'x' } })).toThrow('reserved');
		expect(() => createFcmProvider({ serviceAccount: sa, title: 'T', body: 'B', data: { 'google.c': 'x' } })).toThrow('reserved');
		expect(() => createFcmProvider({ serviceAccount: sa, title: 'T', body: 'B', ttlSeconds: -1 })).toThrow('time to live');
		expect(() => createFcmProvider({ serviceAccount: sa, title: 'T', body: 'B', ttlSeconds: NaN })).toThrow('time to live');
		expect(() => createFcmProvider({ serviceAccount: sa, title: ' ', body: '' })).toThrow('title or body');
		expect(createFcmProvider({ serviceAccount: sa, title: 'T', body: '' }).limits).toEqual(FCM_LIMITS);
	});

	test('validate(): missing and malformed tokens', () => {
		const p = provider();
		const [r] = recipients(1, tok);
		expect(p.validate?.({ ...r, address: '' })).toBe('missing_address');
		expect(p.validate?.({ ...r, address: 'two words' })).toBe('invalid_token');
		expect(p.validate?.(r)).toBeUndefined();
	});

	test('no token, access token or key in anything the provider returns', async () => {
		let accessToken = '';
		const spy: HttpTransport = async (req) => {
			const res = await fetchTransport(req);
			const t = (res.body as { access_token?: string })?.access_token;
			if (t) accessToken = t;
			return res;
		};
		mock.failNext({ kind: 'status', status: 400, errorCode: 'INVALID_ARGUMENT' });
		const res = await drive(provider(), recipients(3, (i) => [tok(1), 'dead-token', tok(2)][i]), spy, { concurrency: 1 });
		const text = JSON.stringify(res.outcomes.map((o) => ({ ...o, recipient: undefined })));
		expect(accessToken).not.toBe('');
		for (const secret of [accessToken, 'dead-token', tok(1), 'PRIVATE KEY']) expect(text).not.toContain(secret);
		expect(res.outcomes.map((o) => o.reason ?? 'sent')).toEqual(['invalid_argument', 'unregistered_token', 'sent']);
	});

	test('the credential\'s preAuthentication gets an access token that the credential test request can use', async () => {
		const cred = new MicroFcmServiceAccountApi();
		const helpers = {
			httpRequest: async (o: { method: string; url: string; headers?: Record<string, string>; body?: unknown }) => {
				const res = await fetchTransport({ method: o.method as 'POST', url: o.url, headers: o.headers, body: o.body });
				return typeof res.body === 'string' ? res.body : res.body;
			},
		};
		const out = await cred.preAuthentication!.call({ helpers } as never, { serviceAccountJson: JSON.stringify(mock.serviceAccount) });
		expect(out.accessToken).toMatch(/^ya29\.mock-/);
		expect(mock.tokenRequests).toBe(1);
		// The test request: validate_only on messages:send with the token → 200, nothing delivered.
		const body = cred.test.request.body as Record<string, unknown>;
		const res = await fetchTransport({
			method: 'POST',
			url: `${mock.url}/v1/projects/${mock.projectId}/messages:send`,
			headers: { authorization: `Bearer ${out.accessToken}` },
			body,
		});
		expect(res.status).toBe(200);
		expect(mock.deliveries).toHaveLength(0);
		expect(cred.test.request.url).toContain('JSON.parse($credentials.serviceAccountJson).project_id');
		await expect(cred.preAuthentication!.call({ helpers } as never, { serviceAccountJson: '{"project_id":"x"}' })).rejects.toThrow('"client_email"');
	});
});
