/**
 * The push providers through the real delivery engine (runDelivery + static-data ledger + virtual
 * clock): exactly once under faults, reruns send nothing, unknown outcomes resolved by OneSignal's
 * idempotency key, at-most-once for FCM, dead subscriptions reported, dry runs without secrets.
 */
import { fetchTransport, type HttpTransport } from '../../nodes/core/net/http';
import { runDelivery, type DeliveryInput, type DeliveryOptions } from '../../nodes/core/delivery/engine';
import { StaticDataLedger } from '../../nodes/core/delivery/ledger';
import { virtualClock } from '../../nodes/core/net/clock';
import { seededRandom } from '../../nodes/core/net/retry';
import type { Provider } from '../../nodes/core/delivery/types';
import { createFcmProvider } from '../../nodes/core/delivery/providers/fcm';
import { createOneSignalProvider } from '../../nodes/core/delivery/providers/onesignal';
import { createWebPushProvider } from '../../nodes/core/delivery/providers/webpush';
import * as webpush from 'web-push';
import { startFcmMock } from '../mocks/fcm';
import { HoldRelay } from '../mocks/hold';
import { startOneSignalMock } from '../mocks/onesignal';
import { binaryFetchTransport, startWebPushMock } from '../mocks/webpush';

function inputs(n: number, address: (i: number) => string): DeliveryInput[] {
	return Array.from({ length: n }, (_, i) => ({ itemIndex: i, customerId: `c${i}`, address: address(i), fields: { customerId: `c${i}`, firstName: `N${i}` } }));
}

/** Timeouts are the mocks' explicit events (hold.ts), never a short socket timeout. */
const relay = new HoldRelay();

function opts(provider: Provider, transport: HttpTransport, container: Record<string, unknown>, extra: Partial<DeliveryOptions> = {}): DeliveryOptions {
	return {
		provider,
		transport: relay.transport(transport),
		ledger: new StaticDataLedger(container),
		campaignKey: 'winback',
		runKey: '2026-03-02',
		clock: virtualClock(Date.now()),
		rng: seededRandom(7),
		...extra,
	};
}

describe('OneSignal through the engine', () => {
	test('45,000 recipients in 3 requests under 429/503/lost responses/timeouts: each delivered once; a rerun sends nothing', async () => {
		const ids = Array.from({ length: 45000 }, (_, i) => `u${i}`);
		const mock = await startOneSignalMock({ subscribed: ids, onHold: relay.hold });
		try {
			mock.failNext(
				{ kind: 'status', status: 429, retryAfter: '2' },
				{ kind: 'resetAfterProcess' },
				{ kind: 'status', status: 503 },
				{ kind: 'timeout' },
			);
			const provider = createOneSignalProvider({ baseUrl: mock.url, appId: mock.appId, apiKey: mock.apiKey, contents: { en: 'Back soon?' } });
			const container = {};
			const res = await runDelivery(inputs(45000, (i) => ids[i]), opts(provider, fetchTransport, container, { limits: { concurrency: 1 } }));
			expect(res.summary.sent).toBe(45000);
			expect(res.summary.failed).toBe(0);
			expect(res.summary.retries).toBe(4);
			expect(mock.deliveries).toHaveLength(45000);
			expect(new Set(mock.deliveries.map((d) => d.externalId)).size).toBe(45000);
			expect(Math.max(...mock.requests.map((r) => r.aliases))).toBeLessThanOrEqual(20000);
			const again = await runDelivery(inputs(45000, (i) => ids[i]), opts(provider, fetchTransport, container));
			expect(again.summary.sent).toBe(0);
			expect(again.summary.skippedByReason).toEqual({ already_sent: 45000 });
			expect(mock.deliveries).toHaveLength(45000);
		} finally {
			await mock.close();
		}
	});

	test('an unknown outcome (response lost on the last attempt) is resolved by the next run without a duplicate', async () => {
		const mock = await startOneSignalMock({ subscribed: ['a', 'b', 'c'] });
		try {
			const provider = createOneSignalProvider({ baseUrl: mock.url, appId: mock.appId, apiKey: mock.apiKey, contents: { en: 'Hi' } });
			const container = {};
			mock.failNext({ kind: 'resetAfterProcess' });
			const first = await runDelivery(inputs(3, (i) => 'abc'[i]), opts(provider, fetchTransport, container, { retry: { maxAttempts: 1 } }));
			expect(first.summary.sent).toBe(0);
			expect(mock.deliveries).toHaveLength(3);
			const second = await runDelivery(inputs(3, (i) => 'abc'[i]), opts(provider, fetchTransport, container));
			expect(second.records.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
			expect(mock.requests.at(-1)?.replayed).toBe(true);
			expect(mock.deliveries).toHaveLength(3);
		} finally {
			await mock.close();
		}
	});

	test('invalid aliases are mapped back to their recipients; dry run shows the request without the key', async () => {
		const mock = await startOneSignalMock({ subscribed: ['a', 'c'] });
		try {
			const provider = createOneSignalProvider({ baseUrl: mock.url, appId: mock.appId, apiKey: mock.apiKey, contents: { en: 'Hi' } });
			const dry = await runDelivery(inputs(3, (i) => 'abc'[i]), opts(provider, fetchTransport, {}, { dryRun: true }));
			expect(dry.plannedRequests).toHaveLength(1);
			expect(JSON.stringify(dry.plannedRequests)).not.toContain(mock.apiKey);
			expect(mock.requests).toHaveLength(0);
			const res = await runDelivery(inputs(3, (i) => 'abc'[i]), opts(provider, fetchTransport, {}));
			expect(res.records.map((r) => [r.status, r.reason])).toEqual([
				['sent', null],
				['failed', 'invalid_alias'],
				['sent', null],
			]);
		} finally {
			await mock.close();
		}
	});
});

describe('FCM through the engine', () => {
	test('200 tokens with bounded concurrency: one token exchange, UNREGISTERED reported, each delivered once, rerun sends nothing', async () => {
		const tokens: Record<string, 'valid' | 'unregistered'> = {};
		for (let i = 0; i < 200; i++) tokens[`tok${i}`] = i % 50 === 7 ? 'unregistered' : 'valid';
		const mock = await startFcmMock({ tokens });
		try {
			mock.failNext({ kind: 'status', status: 429, retryAfter: '3' }, { kind: 'status', status: 503 }, { kind: 'status', status: 500 });
			const provider = createFcmProvider({ serviceAccount: mock.serviceAccount, baseUrl: mock.url, title: 'Hi {{firstName}}', body: 'News' });
			const container = {};
			const res = await runDelivery(inputs(200, (i) => `tok${i}`), opts(provider, fetchTransport, container));
			expect(res.summary.sent).toBe(196);
			expect(res.summary.failedByReason).toEqual({ unregistered_token: 4 });
			expect(mock.tokenRequests).toBe(1);
			expect(mock.deliveries).toHaveLength(196);
			expect(new Set(mock.deliveries.map((d) => d.token)).size).toBe(196);
			expect(mock.deliveries.find((d) => d.token === 'tok3')?.message.notification).toEqual({ title: 'Hi N3', body: 'News' });
			const again = await runDelivery(inputs(200, (i) => `tok${i}`), opts(provider, fetchTransport, container));
			expect(again.summary.skippedByReason.already_sent).toBe(196);
			expect(mock.deliveries).toHaveLength(196);
		} finally {
			await mock.close();
		}
	});

	test('no idempotency at FCM: an unknown outcome is not re-sent by the next run (at most once by default)', async () => {
		const mock = await startFcmMock({ tokens: { t0: 'valid' } });
		try {
			const provider = createFcmProvider({ serviceAccount: mock.serviceAccount, baseUrl: mock.url, title: 'T', body: 'B' });
			const container = {};
			mock.failNext({ kind: 'resetAfterProcess' });
			await runDelivery(inputs(1, () => 't0'), opts(provider, fetchTransport, container, { retry: { maxAttempts: 1 } }));
			const second = await runDelivery(inputs(1, () => 't0'), opts(provider, fetchTransport, container));
			expect(second.records[0]).toMatchObject({ status: 'unconfirmed', reason: 'unconfirmed' });
			expect(mock.deliveries).toHaveLength(1);
		} finally {
			await mock.close();
		}
	});
});

describe('Web Push through the engine', () => {
	test('dead subscriptions are reported, the rest delivered once; a rerun sends nothing new', async () => {
		const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:push@shop.example' };
		const mock = await startWebPushMock({ expectedVapidPublicKey: vapid.publicKey });
		try {
			const subs = Array.from({ length: 20 }, (_, i) => mock.createSubscription({ state: i % 7 === 3 ? 'gone' : 'active' }));
			mock.failNext({ kind: 'status', status: 429, retryAfter: '1' }, { kind: 'status', status: 503 });
			const provider = createWebPushProvider({ vapid, title: 'Hi {{firstName}}', body: 'Cart', allowedHosts: ['127.0.0.1'], allowPrivateNetworks: true });
			const container = {};
			const res = await runDelivery(inputs(20, (i) => JSON.stringify(subs[i].json)), opts(provider, binaryFetchTransport, container));
			expect(res.summary.sent).toBe(17);
			expect(res.summary.failedByReason).toEqual({ dead_subscription: 3 });
			for (const [i, s] of subs.entries()) expect(mock.deliveredCount(s.id)).toBe(i % 7 === 3 ? 0 : 1);
			const again = await runDelivery(inputs(20, (i) => JSON.stringify(subs[i].json)), opts(provider, binaryFetchTransport, container));
			expect(again.summary.skippedByReason.already_sent).toBe(17);
			expect(mock.deliveries).toHaveLength(17);
			// Nothing identifying a subscription in the records.
			expect(JSON.stringify(res.records)).not.toContain(subs[3].id);
		} finally {
			await mock.close();
		}
	});
});
