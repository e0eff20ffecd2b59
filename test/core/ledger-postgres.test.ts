/**
 * PostgreSQL ledger against a real server: jest's globalSetup (test/setup/) starts a throwaway
 * PostgreSQL and exports MICRO_TEST_PG_URL (or uses the one you set). Never skipped: without a
 * URL the suite fails.
 */
import { Pool } from 'pg';
import { fetchTransport, type HttpTransport } from '../../nodes/core/net/http';
import { runDelivery, type DeliveryInput, type DeliveryOptions } from '../../nodes/core/delivery/engine';
import { PostgresLedger } from '../../nodes/core/delivery/ledgerPostgres';
import { virtualClock } from '../../nodes/core/net/clock';
import { seededRandom } from '../../nodes/core/net/retry';
import { createSendGridProvider } from '../../nodes/core/delivery/providers/sendgrid';
import { createBrevoProvider } from '../../nodes/core/delivery/providers/brevo';
import { customerKeyOf } from '../../nodes/core/delivery/keys';
import { GENEROUS_TIMEOUT_MS } from '../mocks/hold';
import { SendGridMock } from '../mocks/sendgrid';
import { BrevoMock } from '../mocks/brevo';

const URL = process.env.MICRO_TEST_PG_URL;

if (!URL) {
	test('PostgreSQL ledger needs MICRO_TEST_PG_URL', () => {
		throw new Error('MICRO_TEST_PG_URL is not set: run the tests through jest (its globalSetup starts PostgreSQL) or export the URL of your own server');
	});
} else {
	const TEMPLATE = 'd-0123456789abcdef0123456789abcdef';
	const pools: Pool[] = [];
	const tables: string[] = [];
	const newPool = () => {
		const p = new Pool({ connectionString: URL, max: 4 });
		pools.push(p);
		return p;
	};
	const newTable = () => {
		const t = `ledger_test_${process.pid}_${tables.length}_${Math.floor(Math.random() * 1e6)}`;
		tables.push(t);
		return t;
	};
	let admin: Pool;
	beforeAll(() => {
		admin = newPool();
	});
	afterAll(async () => {
		for (const t of tables) {
			await admin.query(`DROP TABLE IF EXISTS ${t}`);
			await admin.query(`DROP TABLE IF EXISTS ${t}_customers`);
		}
		for (const p of pools) await p.end();
	});

	const customers = (n: number, prefix = 'c'): DeliveryInput[] =>
		Array.from({ length: n }, (_, i) => ({ itemIndex: i, customerId: `${prefix}${i}`, address: `${prefix}${i}@example.com`, fields: { firstName: `N${i}` } }));
	const shortTimeout: HttpTransport = (req) => fetchTransport({ ...req, timeoutMs: GENEROUS_TIMEOUT_MS });

	describe('PostgresLedger', () => {
		let sg: SendGridMock;
		beforeEach(async () => {
			sg = new SendGridMock();
			await sg.start();
		});
		afterEach(async () => sg.close());
		const sendgrid = (batch = 1000, concurrency = 4) =>
			createSendGridProvider({ baseUrl: sg.url, apiKey: 'SG.test-key', templateId: TEMPLATE, fromEmail: 'shop@example.com', limits: { maxBatchSize: batch, concurrency } });
		const opts = (ledger: PostgresLedger, extra: Partial<DeliveryOptions> = {}): DeliveryOptions => ({
			provider: sendgrid(),
			transport: shortTimeout,
			ledger,
			campaignKey: 'winback',
			runKey: '2025-01-06',
			clock: virtualClock(Date.now()),
			rng: seededRandom(3),
			...extra,
		});

		test('creates its tables, records sends, and a rerun (another pool, as another worker) skips them', async () => {
			const table = newTable();
			const a = new PostgresLedger(newPool(), { table });
			const first = await runDelivery(customers(1500), opts(a));
			expect(first.summary.sent).toBe(1500);
			const rows = await admin.query(`SELECT status, count(*)::int AS n FROM ${table} GROUP BY status`);
			expect(rows.rows).toEqual([{ status: 'sent', n: 1500 }]);
			const stored = await admin.query(`SELECT * FROM ${table} LIMIT 1`);
			expect(JSON.stringify(stored.rows)).not.toMatch(/@example\.com|"c\d+"/);
			expect(stored.rows[0].message_id).toMatch(/^sgmsg/);
			const b = new PostgresLedger(newPool(), { table });
			const again = await runDelivery(customers(1500), opts(b));
			expect(again.summary.skippedByReason).toEqual({ already_sent: 1500 });
			expect(sg.messages).toHaveLength(1500);
		});

		test('two runs reserving the same send keys at once: each key reserved by exactly one', async () => {
			const table = newTable();
			const l1 = new PostgresLedger(newPool(), { table });
			const l2 = new PostgresLedger(newPool(), { table });
			const cands = Array.from({ length: 400 }, (_, i) => ({ sendKey: `k${i}`, customerKey: customerKeyOf(`c${i}`) }));
			const now = Date.now();
			const common = { campaignKey: 'x', provider: 'sendgrid', now, counts: true, leaseMs: 60000 };
			const [r1, r2] = await Promise.all([
				l1.reserve(cands, { ...common, runId: 'run-1' }),
				l2.reserve([...cands].reverse(), { ...common, runId: 'run-2' }),
			]);
			for (const c of cands) {
				const outcomes = [r1.get(c.sendKey), r2.get(c.sendKey)].sort();
				expect(outcomes).toEqual(['in_progress', 'reserved']);
			}
		});

		test('two concurrent runs of different campaigns respect one frequency cap', async () => {
			const table = newTable();
			const cap = { maxMessages: 1, days: 7 };
			const inputs = customers(600);
			const run = (campaignKey: string) =>
				runDelivery(inputs, opts(new PostgresLedger(newPool(), { table }), { campaignKey, frequencyCap: cap, provider: sendgrid(50, 3) }));
			const [a, b] = await Promise.all([run('loyalty'), run('winback')]);
			expect(a.summary.sent + b.summary.sent).toBe(600);
			expect((a.summary.skippedByReason.frequency_cap ?? 0) + (b.summary.skippedByReason.frequency_cap ?? 0)).toBe(600);
			expect(sg.messages).toHaveLength(600);
			expect(Math.max(...sg.countsByEmail().values())).toBe(1);
			// A cap of 2 lets each customer get one more.
			const third = await runDelivery(inputs, opts(new PostgresLedger(newPool(), { table }), { campaignKey: 'upsell', frequencyCap: { maxMessages: 2, days: 7 } }));
			expect(third.summary.sent).toBe(600);
		});

		test('killed run: its pending rows are in progress during the lease, then resolved at most once', async () => {
			const table = newTable();
			const inputs = customers(3000);
			const controller = new AbortController();
			let n = 0;
			const killing: HttpTransport = async (req) => {
				const res = await shortTimeout(req);
				if (++n === 2) controller.abort();
				return res;
			};
			const clock = virtualClock(Date.now());
			const provider = sendgrid(500, 2);
			await expect(
				runDelivery(inputs, opts(new PostgresLedger(newPool(), { table, leaseMs: 600000 }), { provider, transport: killing, signal: controller.signal, clock })),
			).rejects.toThrow('aborted');
			const pending = await admin.query(`SELECT count(*)::int AS n FROM ${table} WHERE status = 'pending'`);
			expect(pending.rows[0].n).toBeGreaterThan(0);
			// Right away another worker sees the orphaned rows as in progress and does not touch them.
			const soon = await runDelivery(inputs, opts(new PostgresLedger(newPool(), { table, leaseMs: 600000 }), { provider, clock }));
			expect(soon.summary.skippedByReason.in_progress).toBe(pending.rows[0].n);
			// After the lease they are resolved: SendGrid has no idempotency key → failed unconfirmed (at most once).
			clock.advance(700000);
			const later = await runDelivery(inputs, opts(new PostgresLedger(newPool(), { table, leaseMs: 600000 }), { provider, clock }));
			// Rows whose request had started (batch key written) are unknown → failed unconfirmed; rows
			// reserved but never sent (no batch key) are sent now.
			const started = await admin.query(`SELECT count(*)::int AS n FROM ${table} WHERE status = 'pending' AND batch_key IS NOT NULL`);
			expect(started.rows[0].n).toBeGreaterThan(0);
			expect(later.summary.unconfirmedByReason).toEqual({ unconfirmed: started.rows[0].n });
			expect(later.summary.sent).toBe(pending.rows[0].n - started.rows[0].n);
			expect(later.summary.sent + later.summary.unconfirmed + (later.summary.skippedByReason.already_sent ?? 0)).toBe(3000);
			expect(Math.max(...sg.countsByEmail().values())).toBe(1);
			expect(sg.messages.length + 0).toBeLessThanOrEqual(3000);
		});

		test('Brevo: a killed run is recovered through the same idempotency key, every recipient exactly once', async () => {
			const table = newTable();
			const brevo = new BrevoMock();
			await brevo.start();
			try {
				const provider = createBrevoProvider({ baseUrl: brevo.url, apiKey: 'xkeysib-test', templateId: 3, limits: { maxBatchSize: 200, concurrency: 2 } });
				const inputs = customers(1000);
				const controller = new AbortController();
				let n = 0;
				const killing: HttpTransport = async (req) => {
					const res = await shortTimeout(req);
					if (++n === 3) controller.abort();
					return res;
				};
				const clock = virtualClock(Date.now());
				await expect(
					runDelivery(inputs, opts(new PostgresLedger(newPool(), { table, leaseMs: 60000 }), { provider, transport: killing, signal: controller.signal, clock })),
				).rejects.toThrow('aborted');
				clock.advance(120000);
				const rerun = await runDelivery(inputs, opts(new PostgresLedger(newPool(), { table, leaseMs: 60000 }), { provider, clock }));
				expect(rerun.summary.failedByReason).toEqual({});
				expect(brevo.messages).toHaveLength(1000);
				expect(Math.max(...brevo.countsByEmail().values())).toBe(1);
				const rows = await admin.query(`SELECT status, count(*)::int AS n FROM ${table} GROUP BY status`);
				expect(rows.rows).toEqual([{ status: 'sent', n: 1000 }]);
			} finally {
				await brevo.close();
			}
		});

		test('takeOver of orphaned rows by two workers at once: disjoint', async () => {
			const table = newTable();
			const l = new PostgresLedger(newPool(), { table });
			const keys = Array.from({ length: 100 }, (_, i) => `o${i}`);
			const t0 = Date.now() - 3600000;
			await l.reserve(
				keys.map((k) => ({ sendKey: k, customerKey: customerKeyOf(k) })),
				{ runId: 'dead', campaignKey: 'x', provider: 'brevo', now: t0, counts: true, leaseMs: 1000 },
			);
			const l1 = new PostgresLedger(newPool(), { table });
			const l2 = new PostgresLedger(newPool(), { table });
			const [a, b] = await Promise.all([
				l1.takeOver(keys, { runId: 'w1', now: Date.now(), leaseMs: 1000 }),
				l2.takeOver(keys, { runId: 'w2', now: Date.now(), leaseMs: 1000 }),
			]);
			expect(a.size + b.size).toBe(100);
			for (const k of a) expect(b.has(k)).toBe(false);
		});

		test('rejects unsafe table names', () => {
			expect(() => new PostgresLedger(admin, { table: 'x; DROP TABLE y' })).toThrow('table name');
		});
	});
}
