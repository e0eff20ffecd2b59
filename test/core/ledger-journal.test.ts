/**
 * The default ledger: a journal file, crash-safe without setup. A real kill -9 of a sending
 * process (the SendGrid mock kills it while holding an answer, an explicit event), then a rerun
 * from the journal: every recipient received exactly once, nothing lost, nothing duplicated.
 * Also: the journal is on disk before each request, survives a torn last line, prunes and
 * compacts, shares rows between runs of one process, and takes over a workflow's static data.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runDelivery, type DeliveryInput } from '../../nodes/core/delivery/engine';
import { JournalCorruptError, JournalLedger } from '../../nodes/core/delivery/ledgerJournal';
import { StaticDataLedger, STATIC_LEDGER_KEY, type StoredLedger } from '../../nodes/core/delivery/ledger';
import { batchKeyOf, customerKeyOf, sendKeyOf } from '../../nodes/core/delivery/keys';
import { createSendGridProvider } from '../../nodes/core/delivery/providers/sendgrid';
import { fetchTransport, type HttpTransport } from '../../nodes/core/net/http';
import { SendGridMock } from '../mocks/sendgrid';

const DAY = 86400000;
let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const people = (n: number): DeliveryInput[] => Array.from({ length: n }, (_, i) => ({ itemIndex: i, customerId: `c${i}`, address: `p${i}@example.com`, fields: {} }));
const sendgrid = (url: string, batch = 100) =>
	createSendGridProvider({ baseUrl: url, apiKey: 'SG.k', templateId: 'd-0123456789abcdef0123456789abcdef', fromEmail: 'shop@example.com', limits: { maxBatchSize: batch, concurrency: 1 } });

describe('JournalLedger', () => {
	test('kill -9 in the middle of a 2,000-recipient send, then a rerun: 0 lost, 0 duplicated', async () => {
		const journal = path.join(dir, 'ledger.jsonl');
		let child: ReturnType<typeof spawn> | undefined;
		const mock = new SendGridMock('SG.k', {
			// The 8th request is recorded, then the sender dies before it hears the answer.
			onAccepted: ({ requests }) => {
				if (requests !== 8) return undefined;
				child!.kill('SIGKILL');
				return 'hold';
			},
		});
		await mock.start();
		try {
			child = spawn(process.execPath, [path.join(__dirname, '../mocks/ts-child.js'), path.join(__dirname, '../mocks/journal-send-child.ts'), journal, mock.url, '2000'], {
				stdio: ['ignore', 'pipe', 'inherit'],
			});
			const exit = await new Promise<string | null>((resolve) => child!.once('exit', (_code, signal) => resolve(signal)));
			expect(exit).toBe('SIGKILL');
			expect(mock.messages).toHaveLength(800);
			const rerun = await runDelivery(people(2000), { provider: sendgrid(mock.url), transport: fetchTransport, ledger: new JournalLedger({ path: journal }), campaignKey: 'spring', runKey: 'once' });
			// Batches 1-7 were recorded as sent; the 8th reached the provider but its answer was lost: held, not re-sent.
			expect(rerun.summary.skippedByReason).toEqual({ already_sent: 700 });
			expect(rerun.summary.unconfirmedByReason).toEqual({ unconfirmed: 100 });
			expect(rerun.summary.sent).toBe(1200);
			const counts = mock.countsByEmail();
			expect(counts.size).toBe(2000);
			expect(Math.max(...counts.values())).toBe(1);
		} finally {
			child?.kill('SIGKILL');
			await mock.close();
		}
	});

	test('before each request the batch is on disk (a pending row with its batch key)', async () => {
		const journal = path.join(dir, 'ledger.jsonl');
		const mock = new SendGridMock('SG.k');
		await mock.start();
		const seen: boolean[] = [];
		const checking: HttpTransport = async (req) => {
			const emails = (req.body as { personalizations: { to: { email: string }[] }[] }).personalizations.map((p) => p.to[0].email);
			const keys = emails.map((e) => sendKeyOf('k', `c${e.slice(1, e.indexOf('@'))}`, 'r'));
			const bk = batchKeyOf(keys);
			const onDisk = fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean).slice(1).map((l) => JSON.parse(l));
			const last = new Map(onDisk.map((row) => [row[0], row]));
			seen.push(keys.every((k) => last.get(k.slice(0, 20))?.[3] === 'p' && last.get(k.slice(0, 20))?.[6] === bk));
			return fetchTransport(req);
		};
		try {
			const ledger = new JournalLedger({ path: journal });
			await runDelivery(people(250), { provider: sendgrid(mock.url), transport: checking, ledger, campaignKey: 'k', runKey: 'r' });
			await ledger.close();
			expect(seen).toEqual([true, true, true]);
			const reopened = new JournalLedger({ path: journal });
			const rows = await reopened.lookup(people(250).map((p) => sendKeyOf('k', p.customerId!, 'r')));
			expect([...rows.values()].every((e) => e.status === 'sent')).toBe(true);
			expect(rows.size).toBe(250);
			await reopened.close();
		} finally {
			await mock.close();
		}
	});

	test('a last line cut short by a crash is dropped; damage elsewhere is a loud error', async () => {
		const journal = path.join(dir, 'ledger.jsonl');
		const l = new JournalLedger({ path: journal });
		const cands = [0, 1].map((i) => ({ sendKey: sendKeyOf('k', `c${i}`, 'r'), customerKey: customerKeyOf(`c${i}`) }));
		await l.reserve(cands, { runId: 'r1', campaignKey: 'k', provider: 'x', now: Date.now(), counts: true, leaseMs: 0 });
		await l.markSent(cands.map((c) => ({ sendKey: c.sendKey })), { runId: 'r1', now: Date.now() });
		await l.close();
		fs.appendFileSync(journal, '["abc",17');
		const again = new JournalLedger({ path: journal });
		expect((await again.lookup(cands.map((c) => c.sendKey))).size).toBe(2);
		await again.markUnconfirmed([], { runId: 'x', now: Date.now() });
		await again.close();
		expect(fs.readFileSync(journal, 'utf8').endsWith('\n')).toBe(true);
		const lines = fs.readFileSync(journal, 'utf8').split('\n');
		lines.splice(2, 0, '{broken');
		fs.writeFileSync(journal, lines.join('\n'));
		expect(() => new JournalLedger({ path: journal })).toThrow(JournalCorruptError);
	});

	test('rows past the retention are pruned and the journal compacted when it is opened', async () => {
		const journal = path.join(dir, 'ledger.jsonl');
		const t0 = Date.UTC(2026, 0, 5);
		const l = new JournalLedger({ path: journal, now: t0 });
		const cands = Array.from({ length: 50 }, (_, i) => ({ sendKey: sendKeyOf('k', `c${i}`, 'r'), customerKey: customerKeyOf(`c${i}`) }));
		await l.reserve(cands, { runId: 'r1', campaignKey: 'k', provider: 'x', now: t0, counts: true, leaseMs: 0 });
		await l.markSent(cands.slice(0, 30).map((c) => ({ sendKey: c.sendKey })), { runId: 'r1', now: t0 });
		await l.release(cands.slice(30).map((c) => c.sendKey), { runId: 'r1' });
		await l.close();
		expect(fs.readFileSync(journal, 'utf8').trim().split('\n')).toHaveLength(1 + 50 + 30 + 20);
		const later = new JournalLedger({ path: journal, now: t0 + 31 * DAY, retentionDays: 30 });
		expect((await later.lookup(cands.map((c) => c.sendKey))).size).toBe(0);
		await later.close();
		expect(fs.readFileSync(journal, 'utf8').trim().split('\n')).toEqual(['{"microsegmentsSendLedger":1}']);
	});

	test('two runs of one process share the rows: a send reserved by a live run is in progress for the other', async () => {
		const journal = path.join(dir, 'ledger.jsonl');
		const a = new JournalLedger({ path: journal });
		const b = new JournalLedger({ path: journal });
		const cand = [{ sendKey: sendKeyOf('k', 'c1', 'r'), customerKey: customerKeyOf('c1') }];
		const base = { campaignKey: 'k', provider: 'x', now: Date.now(), counts: true, leaseMs: 0 };
		expect([...(await a.reserve(cand, { ...base, runId: 'run-a' })).values()]).toEqual(['reserved']);
		expect([...(await b.reserve(cand, { ...base, runId: 'run-b' })).values()]).toEqual(['in_progress']);
		expect(b.isLive('run-a')).toBe(true);
		await a.close();
		// run-a ended without recording a send: its pending row is orphaned now.
		expect(b.isLive('run-a')).toBe(false);
		expect([...(await b.reserve(cand, { ...base, runId: 'run-b' })).values()]).toEqual(['unconfirmed']);
		await b.close();
	});

	test("a workflow's static-data history moves into the journal once, and the static data is emptied", async () => {
		const container: Record<string, unknown> = {};
		const stat = new StaticDataLedger(container);
		const cands = [0, 1, 2].map((i) => ({ sendKey: sendKeyOf('k', `c${i}`, 'r'), customerKey: customerKeyOf(`c${i}`) }));
		await stat.reserve(cands, { runId: 'r1', campaignKey: 'k', provider: 'x', now: Date.now(), counts: true, leaseMs: 0 });
		await stat.markSent(cands.map((c) => ({ sendKey: c.sendKey })), { runId: 'r1', now: Date.now() });
		await stat.close();
		const journal = path.join(dir, 'ledger.jsonl');
		const l = new JournalLedger({ path: journal });
		expect(await l.importStatic(container[STATIC_LEDGER_KEY] as StoredLedger)).toBe(3);
		expect(container[STATIC_LEDGER_KEY]).toEqual({ v: 1, e: {}, movedTo: 'journal' });
		expect(await l.importStatic(container[STATIC_LEDGER_KEY] as StoredLedger)).toBe(0);
		await l.close();
		const reopened = new JournalLedger({ path: journal });
		expect([...(await reopened.lookup(cands.map((c) => c.sendKey))).values()].map((e) => e.status)).toEqual(['sent', 'sent', 'sent']);
		const counts = await reopened.countRecent([customerKeyOf('c0')], Date.now() - DAY);
		expect(counts.get(customerKeyOf('c0'))).toBe(1);
		await reopened.close();
	});
});
