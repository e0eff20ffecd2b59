/**
 * SMTP through the real delivery engine and a real local SMTP server: one mail per recipient,
 * exactly once under temporary failures, permanent rejections reported, reruns send nothing,
 * dry runs render without connecting, consent skips never reach the server.
 */
import { fetchTransport } from '../../nodes/core/net/http';
import { runDelivery, type DeliveryInput } from '../../nodes/core/delivery/engine';
import { StaticDataLedger } from '../../nodes/core/delivery/ledger';
import { virtualClock } from '../../nodes/core/net/clock';
import { seededRandom } from '../../nodes/core/net/retry';
import { createSmtpProvider } from '../../nodes/core/delivery/providers/smtp';
import { startSmtpMock, type SmtpMock } from '../mocks/smtp';

const address = (i: number) => `shopper${i}@example.net`;

function inputs(n: number): DeliveryInput[] {
	return Array.from({ length: n }, (_, i) => ({
		itemIndex: i,
		customerId: `c${i}`,
		address: address(i),
		fields: { customerId: `c${i}`, firstName: `Kim${i}`, rfm: { segment: 'Loyal Customers' } },
		skipReason: i === 5 ? 'suppressed' : undefined,
	}));
}

describe('SMTP through the engine', () => {
	let server: SmtpMock;
	beforeEach(async () => {
		server = await startSmtpMock({ authRequired: true });
	});
	afterEach(async () => server.close());

	function provider() {
		return createSmtpProvider({
			host: server.host,
			port: server.port,
			user: server.user,
			password: server.password,
			from: 'Shop <news@shop.example>',
			subject: '{{firstName}}, thanks for being {{rfm.segment}}',
			text: 'Hi {{firstName}}',
			maxConnections: 3,
		});
	}

	test('40 recipients: 4xx retried, 5xx reported, a dropped connection held unconfirmed (never sent twice); rerun sends nothing', async () => {
		server.rcptReply(address(2), 451, { times: 2 });
		server.rcptReply(address(9), 550, { permanent: true });
		server.failNext({ kind: 'dataReply', code: 421 }, { kind: 'dropBeforeAccept' });
		const container = {};
		const p = provider();
		const run = () =>
			runDelivery(inputs(40), {
				provider: p,
				transport: fetchTransport,
				ledger: new StaticDataLedger(container),
				campaignKey: 'loyalty',
				runKey: '2026-03-02',
				clock: virtualClock(Date.now()),
				rng: seededRandom(3),
			});
		const res = await run();
		expect(res.summary.sent).toBe(37);
		expect(res.summary.failedByReason).toEqual({ rejected: 1 });
		expect(res.summary.skippedByReason).toEqual({ suppressed: 1 });
		// The connection dropped after the whole message was sent: the server may have queued it, so
		// it is not sent again (here it had not: the mock dropped before accepting).
		expect(res.summary.unconfirmedByReason).toEqual({ connection_reset: 1 });
		const held = res.records.findIndex((r) => r.status === 'unconfirmed');
		for (let i = 0; i < 40; i++) expect([i, server.received(address(i)).length]).toEqual([i, i === 5 || i === 9 || i === held ? 0 : 1]);
		expect(server.mails).toHaveLength(37);
		expect(server.received(address(3))[0].subject).toBe('Kim3, thanks for being Loyal Customers');
		expect(res.records[3].messageId).toBe(server.received(address(3))[0].queueId);
		expect(res.records[9].detail).toMatch(/SMTP 550/);
		expect(JSON.stringify(res.records)).not.toContain('@example.net');
		const again = await run();
		expect(again.summary.sent).toBe(0);
		expect(again.summary.skippedByReason.already_sent).toBe(37);
		expect(again.records[held]).toMatchObject({ status: 'unconfirmed', reason: 'unconfirmed' });
		expect(server.mails).toHaveLength(37);
		await p.close();
	});

	test('dry run renders the mails and opens no connection', async () => {
		const p = provider();
		const res = await runDelivery(inputs(3), {
			provider: p,
			transport: fetchTransport,
			ledger: new StaticDataLedger({}),
			campaignKey: 'loyalty',
			runKey: '2026-03-02',
			dryRun: true,
			clock: virtualClock(Date.now()),
		});
		expect(res.plannedRequests).toHaveLength(3);
		expect(res.plannedRequests?.[0].headers).toMatchObject({ To: address(0), Subject: 'Kim0, thanks for being Loyal Customers' });
		expect(JSON.stringify(res.plannedRequests)).not.toContain(server.password);
		expect(server.connections).toBe(0);
		await p.close();
	});
});
