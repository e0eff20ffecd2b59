/**
 * Static-data ledger: compact storage without personal data, retention pruning, a bound that refuses loudly,
 * calendar-day frequency-cap windows, reservation / take-over semantics, keys.
 */
import { LedgerFullError, StaticDataLedger, STATIC_LEDGER_KEY, capWindowStart } from '../../nodes/core/delivery/ledger';
import { runDelivery } from '../../nodes/core/delivery/engine';
import { virtualClock } from '../../nodes/core/net/clock';
import { createSendGridProvider } from '../../nodes/core/delivery/providers/sendgrid';
import { fetchTransport } from '../../nodes/core/net/http';
import { SendGridMock } from '../mocks/sendgrid';
import { batchIdempotencyKey, batchKeyOf, customerKeyOf, defaultRunKey, sendKeyOf } from '../../nodes/core/delivery/keys';

const DAY = 86400000;
const T0 = Date.UTC(2025, 0, 6, 8, 0, 0); // a Monday, 08:00 UTC

function reserveAll(l: StaticDataLedger, n: number, now: number, opts: { prefix?: string; counts?: boolean; cap?: { max: number; since: number } } = {}) {
	const cands = Array.from({ length: n }, (_, i) => ({ sendKey: sendKeyOf('camp', `${opts.prefix ?? 'c'}${i}`, 'run'), customerKey: customerKeyOf(`${opts.prefix ?? 'c'}${i}`) }));
	return l.reserve(cands, { runId: 'r1', campaignKey: 'camp', provider: 'sendgrid', now, counts: opts.counts ?? true, leaseMs: 0, cap: opts.cap }).then((m) => ({ m, cands }));
}

describe('keys', () => {
	test('send keys are deterministic, 32 hex, and change with campaign, customer or run key', () => {
		const k = sendKeyOf('winback', 'c1', '2025-01-06');
		expect(k).toMatch(/^[0-9a-f]{32}$/);
		expect(sendKeyOf('winback', 'c1', '2025-01-06')).toBe(k);
		expect(new Set([k, sendKeyOf('winback2', 'c1', '2025-01-06'), sendKeyOf('winback', 'c2', '2025-01-06'), sendKeyOf('winback', 'c1', '2025-01-13')]).size).toBe(4);
		// No ambiguity from concatenation.
		expect(sendKeyOf('a', 'bc', 'd')).not.toBe(sendKeyOf('ab', 'c', 'd'));
	});

	test('batch keys ignore order; idempotency keys are RFC 4122 UUIDs', () => {
		expect(batchKeyOf(['b', 'a'])).toBe(batchKeyOf(['a', 'b']));
		expect(batchKeyOf(['a'])).not.toBe(batchKeyOf(['a', 'b']));
		const u = batchIdempotencyKey(['x', 'y']);
		expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		expect(batchIdempotencyKey(['y', 'x'])).toBe(u);
	});

	test('default run key is the UTC date', () => {
		expect(defaultRunKey(T0)).toBe('2025-01-06');
		expect(defaultRunKey(Date.UTC(2025, 0, 6, 23, 59, 59))).toBe('2025-01-06');
	});
});

describe('StaticDataLedger', () => {
	test('stores compact rows without customer ids or addresses', async () => {
		const container: Record<string, unknown> = {};
		const l = new StaticDataLedger(container, { now: T0 });
		const { cands } = await reserveAll(l, 1000, T0, { prefix: 'customer-with-a-long-id-' });
		await l.markSent(cands.map((c) => ({ sendKey: c.sendKey, messageId: 'm' })), { runId: 'r1', now: T0 });
		const stats = await l.close();
		expect(stats.entries).toBe(1000);
		const text = JSON.stringify(container[STATIC_LEDGER_KEY]);
		expect(text).not.toContain('customer-with-a-long-id');
		expect(stats.bytes! / 1000).toBeLessThan(70);
	});

	test('rows older than the retention are pruned when the ledger is opened', async () => {
		const container: Record<string, unknown> = {};
		const l = new StaticDataLedger(container, { now: T0 });
		const { cands } = await reserveAll(l, 10, T0);
		await l.markSent(cands.map((c) => ({ sendKey: c.sendKey })), { runId: 'r1', now: T0 });
		await l.close();
		const later = new StaticDataLedger(container, { now: T0 + 31 * DAY, retentionDays: 30 });
		expect((await later.lookup(cands.map((c) => c.sendKey))).size).toBe(0);
		expect((await later.close()).pruned).toBe(10);
		const fresh: Record<string, unknown> = {};
		const l2 = new StaticDataLedger(fresh, { now: T0 });
		await l2.markSent([], { runId: 'r1', now: T0 });
		const r = await reserveAll(l2, 10, T0);
		await l2.markSent(r.cands.map((c) => ({ sendKey: c.sendKey })), { runId: 'r1', now: T0 });
		await l2.close();
		const kept = new StaticDataLedger(fresh, { now: T0 + 29 * DAY, retentionDays: 30 });
		expect((await kept.close()).entries).toBe(10);
	});

	test('a full ledger never forgets a send: it refuses the run loudly, before anything is sent', async () => {
		const container: Record<string, unknown> = {};
		const l = new StaticDataLedger(container, { now: T0, maxEntries: 1000 });
		const old = await reserveAll(l, 900, T0 - DAY, { prefix: 'old' });
		await l.markSent(old.cands.map((c) => ({ sendKey: c.sendKey })), { runId: 'r1', now: T0 - DAY });
		await expect(l.ensureRoom(101)).rejects.toThrow(LedgerFullError);
		await expect(l.ensureRoom(101)).rejects.toThrow('holds 900 sends of the last 90 days and can take at most 1,000: this run would add 101');
		await l.ensureRoom(100);
		// reserve() itself never goes past the bound either.
		await expect(reserveAll(l, 101, T0, { prefix: 'new' })).rejects.toThrow(LedgerFullError);
		const stats = await l.close();
		expect(stats.entries).toBe(900);
		expect((await l.lookup(old.cands.map((c) => c.sendKey))).size).toBe(900);
		// The same through the engine: no request, no row lost.
		const mock = new SendGridMock('SG.k');
		await mock.start();
		try {
			const provider = createSendGridProvider({ baseUrl: mock.url, apiKey: 'SG.k', templateId: 'd-0123456789abcdef0123456789abcdef', fromEmail: 'shop@example.com' });
			const inputs = Array.from({ length: 150 }, (_, i) => ({ itemIndex: i, customerId: `n${i}`, address: `n${i}@example.com`, fields: {} }));
			await expect(
				runDelivery(inputs, { provider, transport: fetchTransport, ledger: new StaticDataLedger(container, { now: T0, maxEntries: 1000 }), campaignKey: 'camp', runKey: 'run', clock: virtualClock(T0) }),
			).rejects.toThrow(LedgerFullError);
			expect(mock.log).toHaveLength(0);
			expect((await new StaticDataLedger(container, { now: T0, maxEntries: 1000 }).close()).entries).toBe(900);
		} finally {
			await mock.close();
		}
	});

	test('reserve: once per send key; frequency cap counts counted rows since the window start', async () => {
		const l = new StaticDataLedger({}, { now: T0 });
		const first = await reserveAll(l, 3, T0);
		expect([...first.m.values()]).toEqual(['reserved', 'reserved', 'reserved']);
		const again = await l.reserve(first.cands, { runId: 'r2', campaignKey: 'camp', provider: 'x', now: T0, counts: true, leaseMs: 60000 });
		expect([...again.values()]).toEqual(['in_progress', 'in_progress', 'in_progress']);
		await l.markSent(first.cands.map((c) => ({ sendKey: c.sendKey })), { runId: 'r1', now: T0 });
		const sent = await l.reserve(first.cands, { runId: 'r2', campaignKey: 'camp', provider: 'x', now: T0, counts: true, leaseMs: 0 });
		expect([...sent.values()]).toEqual(['already_sent', 'already_sent', 'already_sent']);
		// Another campaign for the same customers under a cap of 1 per 7 days.
		const other = [0, 1, 2].map((i) => ({ sendKey: sendKeyOf('other', `c${i}`, 'run'), customerKey: customerKeyOf(`c${i}`) }));
		const capped = await l.reserve(other, { runId: 'r3', campaignKey: 'other', provider: 'x', now: T0 + 6 * DAY, counts: true, leaseMs: 0, cap: { max: 1, since: capWindowStart(T0 + 6 * DAY, 7) } });
		expect([...capped.values()]).toEqual(['frequency_cap', 'frequency_cap', 'frequency_cap']);
		const nextWeek = await l.reserve(other, { runId: 'r3', campaignKey: 'other', provider: 'x', now: T0 + 7 * DAY, counts: true, leaseMs: 0, cap: { max: 1, since: capWindowStart(T0 + 7 * DAY, 7) } });
		expect([...nextWeek.values()]).toEqual(['reserved', 'reserved', 'reserved']);
	});

	test('CRM rows (counts: false) never count toward the cap', async () => {
		const l = new StaticDataLedger({}, { now: T0 });
		await reserveAll(l, 5, T0, { counts: false });
		const counts = await l.countRecent([0, 1, 2, 3, 4].map((i) => customerKeyOf(`c${i}`)), T0 - DAY);
		expect([...counts.values()]).toEqual([0, 0, 0, 0, 0]);
	});

	test('capWindowStart: the last D calendar days in UTC, today included', () => {
		expect(capWindowStart(T0, 7)).toBe(Date.UTC(2024, 11, 31));
		expect(capWindowStart(T0, 1)).toBe(Date.UTC(2025, 0, 6));
		expect(capWindowStart(T0, 0)).toBe(Date.UTC(2025, 0, 6));
	});

	test('take-over: orphaned pending and unconfirmed rows move to the new run; release only deletes own pending rows', async () => {
		const l = new StaticDataLedger({}, { now: T0 });
		const { cands } = await reserveAll(l, 4, T0);
		const keys = cands.map((c) => c.sendKey);
		await l.markUnconfirmed([keys[0]], { runId: 'r1', now: T0 });
		await l.release([keys[1]], { runId: 'someone-else' });
		expect((await l.lookup([keys[1]])).get(keys[1])!.status).toBe('pending');
		const taken = await l.takeOver(keys, { runId: 'r2', now: T0 + 1000, leaseMs: 0 });
		expect(taken.size).toBe(4);
		await l.release([keys[1]], { runId: 'r2' });
		expect((await l.lookup([keys[1]])).size).toBe(0);
		await l.touch([keys[2]], { runId: 'r2', now: T0 + 2000, batchKey: 'bk' });
		expect((await l.lookup([keys[2]])).get(keys[2])).toMatchObject({ status: 'pending', batchKey: 'bk', runId: 'r2' });
	});
});
