/**
 * Lost answers. Mocks that accept (record) a message and then time out or drop the connection
 * prove the engine's rules for an unknown outcome:
 * - a provider without a dedupe key (SendGrid, SMTP, FCM, Web Push) is never sent the same
 *   request again in the run: those recipients are reported `unconfirmed` (their own status, on
 *   the node's Unconfirmed output) and kept unconfirmed in the ledger;
 * - once any attempt's outcome was unknown, a later definite refusal (503 to the last attempt, a 429
 *   asking to wait too long, a 400) does not release them: a rerun does not send them by default;
 * - a person decides on a later run: Unconfirmed Sends = resend (at least once) or mark as sent.
 * Timeouts come from the mock through HoldRelay (an explicit event), not from a clock.
 */
import * as webpush from 'web-push';
import { fetchTransport, type HttpTransport } from '../../nodes/core/net/http';
import { runDelivery, type DeliveryInput, type DeliveryOptions } from '../../nodes/core/delivery/engine';
import { StaticDataLedger } from '../../nodes/core/delivery/ledger';
import { virtualClock } from '../../nodes/core/net/clock';
import { seededRandom } from '../../nodes/core/net/retry';
import type { Provider } from '../../nodes/core/delivery/types';
import { createSendGridProvider } from '../../nodes/core/delivery/providers/sendgrid';
import { createBrevoProvider } from '../../nodes/core/delivery/providers/brevo';
import { createFcmProvider } from '../../nodes/core/delivery/providers/fcm';
import { createWebPushProvider } from '../../nodes/core/delivery/providers/webpush';
import { createSmtpProvider } from '../../nodes/core/delivery/providers/smtp';
import { HoldRelay } from '../mocks/hold';
import { SendGridMock, type Fault } from '../mocks/sendgrid';
import { BrevoMock } from '../mocks/brevo';
import { startFcmMock } from '../mocks/fcm';
import { binaryFetchTransport, startWebPushMock } from '../mocks/webpush';
import { startSmtpMock } from '../mocks/smtp';

const TEMPLATE = 'd-0123456789abcdef0123456789abcdef';

function people(n: number, address: (i: number) => string = (i) => `p${i}@example.com`): DeliveryInput[] {
	return Array.from({ length: n }, (_, i) => ({ itemIndex: i, customerId: `c${i}`, address: address(i), fields: { customerId: `c${i}`, firstName: `N${i}` } }));
}

function options(provider: Provider, transport: HttpTransport, container: Record<string, unknown>, extra: Partial<DeliveryOptions> = {}): DeliveryOptions {
	return {
		provider,
		transport,
		ledger: new StaticDataLedger(container),
		campaignKey: 'winback',
		runKey: '2026-03-02',
		clock: virtualClock(Date.now()),
		rng: seededRandom(5),
		...extra,
	};
}

const statuses = (records: { status: string; reason: string | null }[]) => records.map((r) => `${r.status}:${r.reason ?? ''}`);

describe('SendGrid (no dedupe key): a lost answer is never re-sent', () => {
	let mock: SendGridMock;
	let relay: HoldRelay;
	const start = async (faults: Fault[]) => {
		relay = new HoldRelay();
		mock = new SendGridMock('SG.k', { faults, onHold: relay.hold });
		await mock.start();
	};
	afterEach(async () => mock?.close());
	const provider = () => createSendGridProvider({ baseUrl: mock.url, apiKey: 'SG.k', templateId: TEMPLATE, fromEmail: 'shop@example.com', limits: { maxBatchSize: 2, concurrency: 1 } });

	test('timeout and reset after the mock accepted: no second request in the run, their own status, each received once', async () => {
		await start(['timeout-after-accept', 'none', 'reset-after-accept', 'none']);
		const container = {};
		const res = await runDelivery(people(8), options(provider(), relay.transport(), container));
		expect(statuses(res.records)).toEqual([
			'unconfirmed:timeout',
			'unconfirmed:timeout',
			'sent:',
			'sent:',
			'unconfirmed:connection_reset',
			'unconfirmed:connection_reset',
			'sent:',
			'sent:',
		]);
		expect(res.summary).toMatchObject({ sent: 4, unconfirmed: 4, failed: 0, requests: 4, retries: 0 });
		expect(res.summary.unconfirmedByReason).toEqual({ timeout: 2, connection_reset: 2 });
		expect([...mock.countsByEmail().values()]).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
		// A rerun holds them (at most once) until a person decides.
		const again = await runDelivery(people(8), options(provider(), relay.transport(), container));
		expect(statuses(again.records).filter((s) => s.startsWith('unconfirmed'))).toEqual(Array(4).fill('unconfirmed:unconfirmed'));
		expect(again.summary.skippedByReason).toEqual({ already_sent: 4 });
		expect(mock.messages).toHaveLength(8);
	});

	test.each<[string, Fault[], Partial<DeliveryOptions>]>([
		['503 to the last attempt', ['reset-after-accept', '503', '503'], { retry: { maxAttempts: 3 } }],
		['a 429 asking to wait too long', ['timeout-after-accept', { status: 429, headers: { 'retry-after': '3600' } }], {}],
		['a 400', ['reset-after-accept', { status: 400, body: { errors: [{ field: 'template_id', message: 'The template_id must be a valid GUID' }] } }], {}],
	])('an unknown outcome followed by %s stays unconfirmed: the next run does not send it', async (_label, faults, extra) => {
		await start(faults);
		const container = {};
		const first = await runDelivery(people(2), options(provider(), relay.transport(), container, extra));
		expect(first.records.map((r) => r.status)).toEqual(['unconfirmed', 'unconfirmed']);
		expect(mock.messages).toHaveLength(2);
		const rerun = await runDelivery(people(2), options(provider(), relay.transport(), container));
		expect(statuses(rerun.records)).toEqual(['unconfirmed:unconfirmed', 'unconfirmed:unconfirmed']);
		expect(mock.messages).toHaveLength(2);
	});

	test('a person decides: Unconfirmed Sends = mark as sent records them without sending; resend sends them (at least once)', async () => {
		await start(['timeout-after-accept', 'timeout-after-accept']);
		const container = {};
		const first = await runDelivery(people(4), options(provider(), relay.transport(), container));
		expect(first.summary.unconfirmed).toBe(4);
		expect(mock.messages).toHaveLength(4);
		const marked = await runDelivery(people(2), options(provider(), relay.transport(), container, { unconfirmed: 'markSent' }));
		expect(statuses(marked.records)).toEqual(['skipped:marked_sent', 'skipped:marked_sent']);
		expect(marked.summary.requests).toBe(0);
		const resent = await runDelivery(people(4), options(provider(), relay.transport(), container, { unconfirmed: 'resend' }));
		expect(statuses(resent.records)).toEqual(['skipped:already_sent', 'skipped:already_sent', 'sent:', 'sent:']);
		expect(mock.messages.map((m) => m.email)).toEqual(['p0@example.com', 'p1@example.com', 'p2@example.com', 'p3@example.com', 'p2@example.com', 'p3@example.com']);
		const after = await runDelivery(people(4), options(provider(), relay.transport(), container));
		expect(after.summary.skippedByReason).toEqual({ already_sent: 4 });
	});

	test('Retry-After is honoured on 429 and 503 (X-RateLimit-Reset when there is no Retry-After)', async () => {
		await start([{ status: 429, headers: { 'retry-after': '7' } }, { status: 503, headers: { 'retry-after': '11' } }]);
		const clock = virtualClock(Date.now());
		const res = await runDelivery(people(2), options(provider(), relay.transport(), {}, { clock, rng: () => 0 }));
		expect(res.summary.sent).toBe(2);
		expect(res.summary.retries).toBe(2);
		expect(clock.slept).toBe(18000);
	});
});

describe('an idempotent provider (Brevo) keeps an unknown batch unconfirmed when the retries end in a refusal', () => {
	test('timeout after accept, then 503 to the last attempt: the rows stay unconfirmed, never released', async () => {
		const relay = new HoldRelay();
		const mock = new BrevoMock('xkeysib-k', { faults: ['timeout-after-accept', '503', '503'], onHold: relay.hold });
		await mock.start();
		try {
			const provider = createBrevoProvider({ baseUrl: mock.url, apiKey: 'xkeysib-k', templateId: 3 });
			const container = {};
			const ledger = new StaticDataLedger(container);
			const res = await runDelivery(people(3), options(provider, relay.transport(), container, { ledger, retry: { maxAttempts: 3 } }));
			expect(res.records.map((r) => r.status)).toEqual(['unconfirmed', 'unconfirmed', 'unconfirmed']);
			const rows = await ledger.lookup(res.records.map((r) => r.sendKey!));
			expect([...rows.values()].map((e) => e.status)).toEqual(['unconfirmed', 'unconfirmed', 'unconfirmed']);
		} finally {
			await mock.close();
		}
	});
});

describe('FCM, Web Push and SMTP: one message per request, no dedupe key', () => {
	test('FCM: a timeout after processing is not retried; the rerun does not send it', async () => {
		const relay = new HoldRelay();
		const mock = await startFcmMock({ tokens: { t0: 'valid', t1: 'valid' }, onHold: relay.hold });
		try {
			mock.failNext({ kind: 'timeoutAfterProcess' }, { kind: 'status', status: 503 });
			const provider = createFcmProvider({ serviceAccount: mock.serviceAccount, baseUrl: mock.url, title: 'T', body: 'B', limits: { concurrency: 1 } });
			const container = {};
			const res = await runDelivery(people(2, (i) => `t${i}`), options(provider, relay.transport(), container));
			expect(statuses(res.records)).toEqual(['unconfirmed:timeout', 'sent:']);
			expect(mock.deliveries.map((d) => d.token)).toEqual(['t0', 't1']);
			const rerun = await runDelivery(people(2, (i) => `t${i}`), options(provider, relay.transport(), container));
			expect(statuses(rerun.records)).toEqual(['unconfirmed:unconfirmed', 'skipped:already_sent']);
			expect(mock.deliveries).toHaveLength(2);
		} finally {
			await mock.close();
		}
	});

	test('Web Push: a reset after the push service stored the message is not retried', async () => {
		const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:push@shop.example' };
		const relay = new HoldRelay();
		const mock = await startWebPushMock({ expectedVapidPublicKey: vapid.publicKey, onHold: relay.hold });
		try {
			const subs = [mock.createSubscription(), mock.createSubscription(), mock.createSubscription()];
			mock.failNext({ kind: 'resetAfterProcess' }, { kind: 'timeoutAfterProcess' });
			const provider = createWebPushProvider({ vapid, title: 'Hi', body: 'B', limits: { concurrency: 1 }, allowedHosts: ['127.0.0.1'], allowPrivateNetworks: true });
			const container = {};
			const res = await runDelivery(people(3, (i) => JSON.stringify(subs[i].json)), options(provider, relay.transport(binaryFetchTransport), container));
			expect(statuses(res.records)).toEqual(['unconfirmed:connection_reset', 'unconfirmed:timeout', 'sent:']);
			expect(subs.map((s) => mock.deliveredCount(s.id))).toEqual([1, 1, 1]);
			const rerun = await runDelivery(people(3, (i) => JSON.stringify(subs[i].json)), options(provider, relay.transport(binaryFetchTransport), container));
			expect(rerun.summary).toMatchObject({ sent: 0, unconfirmed: 2 });
			expect(mock.deliveries).toHaveLength(3);
		} finally {
			await mock.close();
		}
	});

	test('SMTP: a connection dropped after the server queued the mail is not retried', async () => {
		const server = await startSmtpMock();
		try {
			server.failNext({ kind: 'dropAfterAccept' });
			const provider = createSmtpProvider({ host: server.host, port: server.port, from: 'Shop <news@shop.example>', subject: 'Hi', text: 'x', maxConnections: 1, limits: { concurrency: 1 } });
			const container = {};
			const res = await runDelivery(people(2), options(provider, fetchTransport, container));
			expect(statuses(res.records)).toEqual(['unconfirmed:connection_reset', 'sent:']);
			expect(server.mails).toHaveLength(2);
			const rerun = await runDelivery(people(2), options(provider, fetchTransport, container));
			expect(statuses(rerun.records)).toEqual(['unconfirmed:unconfirmed', 'skipped:already_sent']);
			expect(server.mails).toHaveLength(2);
			await provider.close?.();
		} finally {
			await server.close();
		}
	});
});
