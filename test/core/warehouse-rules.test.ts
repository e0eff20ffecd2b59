/**
 * Warehouse RFM follows RFM Score's rules on data as users send it: padded and empty customer
 * ids, line items sharing an order id, rows without order id, refund lines, cancelled / pending /
 * fully refunded statuses in any case, null dates and amounts, several currencies, net spend of
 * zero or less, heavy ties. For each combination of options the SQL (in DuckDB and in PostgreSQL)
 * gives RFM Score's result (nodes/core/rfm/rfm.ts run on the same records) customer by customer,
 * with the same edges, distribution, skip counts, reference date and currency.
 */
import { extractOrders, scoreRfm, RfmInputError, type ScoreOptions } from '../../nodes/core/rfm/rfm';
import { DEFAULT_EXCLUDED_STATUSES, DEFAULT_REFUNDED_STATUSES } from '../../nodes/core/rfm/fieldGuesses';
import { RF_MAP, RFM_PACKAGE_MAP, type SegmentMap } from '../../nodes/core/rfm/segmentMaps';
import { WarehouseSqlError } from '../../nodes/core/warehouse/dialects';
import { openDuckDb, openPostgres, type SqlSession } from '../../nodes/core/warehouse/engines';
import type { OrderColumns, WarehouseRfmSpec } from '../../nodes/core/warehouse/rfmSql';
import { runWarehouseRfm, type PageOptions, type ScoredCustomer } from '../../nodes/core/warehouse/run';
import { dropPg, loadPg, pgUrl, seeded, tableName, tempDir, writeCsv, writeParquet, type OrderRecord } from './warehouse-fixtures';

const DAY = 86400000;
const START = Date.UTC(2024, 0, 1);
const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

/** ~2,400 rows of 300 customers with every kind of row a shop export has. Amounts are multiples of 0.25 (exact in binary). */
function messyOrders(seed: number, customers = 300): OrderRecord[] {
	const rnd = seeded(seed);
	const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)];
	const out: OrderRecord[] = [];
	let order = 0;
	for (let c = 0; c < customers; c++) {
		const n = 1 + Math.floor(Math.pow(rnd(), 2) * 12);
		const id = `C${c}`;
		for (let k = 0; k < n; k++) {
			const t = START + Math.floor(rnd() * 500) * DAY + Math.floor(rnd() * 86400) * 1000;
			const oid = `O${order++}`;
			const lines = rnd() < 0.15 ? 2 + Math.floor(rnd() * 3) : 1;
			const status = pick(['paid', 'paid', 'paid', 'paid', 'Paid', 'completed', 'Cancelled ', 'pending', 'refunded', 'REFUNDED', '', null]);
			const currency = pick(['USD', 'USD', 'USD', 'USD', ' usd', 'EUR', null]);
			for (let l = 0; l < lines; l++)
				out.push({
					customer_id: rnd() < 0.05 ? ` ${id} ` : id,
					order_id: rnd() < 0.08 ? null : oid,
					created_at: rnd() < 0.01 ? null : iso(t + l * 1000),
					total: rnd() < 0.01 ? null : pick([10, 20, 20, 35.5, 40, 50.25, 100, 0]) + Math.floor(rnd() * 4) * 0.25,
					currency,
					status,
				});
			if (rnd() < 0.07) out.push({ customer_id: id, order_id: oid, created_at: iso(t + 7 * DAY), total: -pick([10, 20, 60, 500]), currency, status: 'paid' });
		}
	}
	out.push({ customer_id: '', order_id: 'X1', created_at: iso(START), total: 10, currency: 'USD', status: 'paid' });
	out.push({ customer_id: null, order_id: 'X2', created_at: iso(START), total: 10, currency: 'USD', status: 'paid' });
	out.push({ customer_id: 'ONLYREFUND', order_id: 'X3', created_at: iso(START + DAY), total: -5, currency: 'USD', status: 'paid' });
	out.push({ customer_id: 'ONLYCANCELLED', order_id: 'X4', created_at: iso(START + DAY), total: 5, currency: 'USD', status: 'cancelled' });
	return out;
}

const COLUMNS: OrderColumns = { customerId: 'customer_id', orderId: 'order_id', date: 'created_at', amount: 'total', currency: 'currency', status: 'status' };

interface Case {
	name: string;
	bins: 3 | 4 | 5;
	reference: ScoreOptions['reference'];
	windowDays?: number;
	scoring?: 'quantiles' | 'thresholds';
	thresholds?: ScoreOptions['thresholds'];
	nonPositiveMonetary?: 'keepAsLowest' | 'drop';
	keepCurrency?: string;
	map?: SegmentMap;
	columns?: Partial<OrderColumns>;
	excluded?: string[];
	refunded?: string[];
}

const CUSTOM: SegmentMap = {
	id: 'custom',
	fiveScale: false,
	fallback: 'Everyone Else',
	rules: [
		{ name: "VIP 'Gold'", r: [3, 3], f: [2, 3], m: [3, 3] },
		{ name: 'Slipping', r: [1, 1], f: [1, 3], m: [1, 3] },
	],
};

const CASES: Case[] = [
	{ name: 'defaults, keep USD', bins: 5, reference: { kind: 'dayAfterLatest' }, keepCurrency: 'usd' },
	{
		name: 'fixed date, 200-day window, drop net <= 0, 4 scores, R package map',
		bins: 4,
		reference: { kind: 'fixed', time: START + 300 * DAY },
		windowDays: 200,
		nonPositiveMonetary: 'drop',
		keepCurrency: 'USD',
		map: RFM_PACKAGE_MAP,
	},
	{
		name: 'now, 3 scores, custom map, custom thresholds',
		bins: 3,
		reference: { kind: 'now', now: START + 520 * DAY + 12345 },
		scoring: 'thresholds',
		thresholds: { recency: [30, 120], frequency: [2, 4], monetary: [50, 150.5] },
		keepCurrency: 'EUR',
		map: CUSTOM,
	},
	{ name: 'day after latest with a 90-day window', bins: 5, reference: { kind: 'dayAfterLatest' }, windowDays: 90, keepCurrency: 'USD' },
	{ name: 'no order id column: each row one order; own status lists', bins: 5, reference: { kind: 'dayAfterLatest' }, keepCurrency: 'USD', columns: { orderId: undefined }, excluded: ['Cancelled', "o'brien"], refunded: ['refunded '] },
	{ name: 'no currency and no status column', bins: 4, reference: { kind: 'dayAfterLatest' }, columns: { currency: undefined, status: undefined } },
];

function coreResult(records: OrderRecord[], k: Case) {
	const columns = { ...COLUMNS, ...(k.columns ?? {}) };
	// a column the table does not have: the records do not have the field either (else RFM Score would guess it)
	const absent = (Object.keys(COLUMNS) as (keyof OrderColumns)[]).filter((key) => columns[key] === undefined).map((key) => COLUMNS[key] as string);
	const input = absent.length ? records.map((r) => Object.fromEntries(Object.entries(r).filter(([f]) => !absent.includes(f)))) : records;
	const rows = extractOrders(input as never, columns as never, {
		skipInvalid: true,
		excludedStatuses: k.excluded ?? DEFAULT_EXCLUDED_STATUSES,
		refundedStatuses: k.refunded ?? DEFAULT_REFUNDED_STATUSES,
	});
	return scoreRfm(rows, {
		bins: k.bins,
		scoring: k.scoring ?? 'quantiles',
		thresholds: k.thresholds,
		reference: k.reference,
		windowDays: k.windowDays ?? 0,
		nonPositiveMonetary: k.nonPositiveMonetary ?? 'keepAsLowest',
		keepCurrency: k.keepCurrency,
		map: k.map ?? RF_MAP,
	});
}

function specOf(k: Case, source: WarehouseRfmSpec['source'], extra: Partial<WarehouseRfmSpec> = {}): WarehouseRfmSpec {
	const columns = { ...COLUMNS, ...(k.columns ?? {}) };
	// "-": the node's way to say the source has no such column (else it would guess it)
	for (const key of Object.keys(columns) as (keyof OrderColumns)[]) if (columns[key] === undefined) columns[key] = '-';
	return {
		source,
		columns,
		excludedStatuses: k.excluded ?? DEFAULT_EXCLUDED_STATUSES,
		refundedStatuses: k.refunded ?? DEFAULT_REFUNDED_STATUSES,
		reference: k.reference,
		windowDays: k.windowDays ?? 0,
		bins: k.bins,
		scoring: k.scoring ?? 'quantiles',
		thresholds: k.thresholds,
		nonPositiveMonetary: k.nonPositiveMonetary ?? 'keepAsLowest',
		keepCurrency: k.keepCurrency,
		map: k.map ?? RF_MAP,
		...extra,
	};
}

async function scored(session: SqlSession, spec: WarehouseRfmSpec, page: PageOptions = { skipInvalid: true }) {
	const run = await runWarehouseRfm(session, spec, page);
	const customers: ScoredCustomer[] = [];
	for await (const p of run.pages()) customers.push(...p);
	await run.close();
	return { customers, summary: run.summary, cursor: run.nextCursor() };
}

const records = messyOrders(7);
const dir = tempDir();
const csv = writeCsv(records, dir);
let parquet = '';
const table = tableName('rules');
const uniqueTable = tableName('unique');
const emptyTable = tableName('empty');
const oneCurrency = records.filter((r) => r.currency === 'USD' && r.order_id !== null);
const dedupe = new Set<string>();
const uniqueRows = oneCurrency.filter((r) => !dedupe.has(r.order_id as string) && dedupe.add(r.order_id as string));

beforeAll(async () => {
	parquet = await writeParquet(records, dir);
	await loadPg(table, records);
	await loadPg(uniqueTable, uniqueRows, { uniqueOrderId: true });
	await loadPg(emptyTable, []);
}, 120000);
afterAll(() => dropPg([table, uniqueTable, emptyTable]));

const ENGINES = {
	duckdb: { open: () => openDuckDb({ directories: [dir] }), source: (file = csv): WarehouseRfmSpec['source'] => ({ kind: 'files', format: 'csv', paths: [file] }) },
	'duckdb parquet': {
		open: () => openDuckDb({ directories: [dir] }),
		source: (file = parquet): WarehouseRfmSpec['source'] => ({ kind: 'files', format: 'parquet', paths: [file] }),
	},
	postgres: { open: () => openPostgres({ connectionUrl: pgUrl() }), source: (t = table): WarehouseRfmSpec['source'] => ({ kind: 'table', table: t }) },
} as const;

describe.each(Object.keys(ENGINES) as (keyof typeof ENGINES)[])('Warehouse RFM rules in %s', (engine) => {
	const E = ENGINES[engine];
	let session: SqlSession;
	beforeAll(async () => {
		session = await E.open();
	});
	afterAll(() => session.close());

	it.each(CASES.map((k) => [k.name, k] as const))('%s: equals RFM Score customer by customer', async (_name, k) => {
		const core = coreResult(records, k);
		const { customers, summary } = await scored(session, specOf(k, E.source()));
		expect(customers.length).toBe(core.count);
		expect(core.count).toBeGreaterThan(50);
		const byId = new Map(customers.map((c) => [c.customerId, c]));
		for (const c of core.customers) {
			const s = byId.get(c.customerId);
			expect({ id: c.customerId, ...s }).toEqual({
				id: c.customerId,
				customerId: c.customerId,
				recencyDays: c.recencyDays,
				frequency: c.frequency,
				monetary: c.monetary,
				averageOrderValue: c.averageOrderValue,
				r: c.r,
				f: c.f,
				m: c.m,
				cell: c.cell,
				score: c.score,
				segment: c.segment,
				lastOrderDate: new Date(c.lastOrderTime).toISOString(),
				firstOrderDate: new Date(c.firstOrderTime).toISOString(),
				currency: c.currency ?? null,
				referenceDate: new Date(core.referenceTime).toISOString(),
			});
		}
		expect(summary.edges).toEqual(core.edges);
		expect(summary.distribution).toEqual(core.distribution);
		expect(summary.skipped).toEqual(core.skipped);
		expect(summary.segments).toEqual(core.segments);
		expect(summary.currency).toBe(core.currency ?? null);
		expect(summary.referenceDate).toBe(new Date(core.referenceTime).toISOString());
	});

	it('the rows of this data set hit every skip reason RFM Score counts', () => {
		const core = coreResult(records, CASES[1]);
		expect(Object.keys(core.skipped).sort()).toEqual(
			['afterReferenceDate', 'excludedStatus', 'invalidAmount', 'invalidDate', 'missingCustomerId', 'nonPositiveMonetary', 'noOrders', 'otherCurrency', 'outsideWindow', 'refundedOrder'].sort(),
		);
	});

	it('several currencies without one to keep: the error lists them as RFM Score does', async () => {
		const k: Case = { name: 'mixed', bins: 5, reference: { kind: 'dayAfterLatest' } };
		let coreMessage = '';
		try {
			coreResult(records, k);
		} catch (e) {
			expect(e).toBeInstanceOf(RfmInputError);
			coreMessage = (e as Error).message;
		}
		expect(coreMessage).toMatch(/^The orders are in 2 currencies: USD \(\d+\), EUR \(\d+\)$/);
		await expect(scored(session, specOf(k, E.source()))).rejects.toThrow(coreMessage);
	});

	it('invalid rows stop the run by default, naming the column and the number of rows', async () => {
		const k: Case = { name: 'strict', bins: 5, reference: { kind: 'dayAfterLatest' }, keepCurrency: 'USD' };
		const nullIds = records.filter((r) => !r.customer_id?.trim() && !/cancel|pending/i.test(r.status ?? '')).length;
		const error = await scored(session, specOf(k, E.source()), {}).then(
			() => null,
			(e: Error) => e,
		);
		expect(error).toBeInstanceOf(WarehouseSqlError);
		expect(error?.message).toContain(`${nullIds} rows: column "customer_id" is empty`);
		expect(error?.message).toMatch(/rows?: column "created_at" is empty or not a date/);
		expect(error?.message).toMatch(/rows?: column "total" is empty/);
	});

	it('only the segments a playbook targets, in pages, continued with the cursor', async () => {
		const k: Case = { name: 'paged', bins: 5, reference: { kind: 'dayAfterLatest' }, keepCurrency: 'USD' };
		const core = coreResult(records, k);
		const targets = ['At Risk', "Can't Lose Them", 'Hibernating'];
		const expected = core.customers
			.filter((c) => targets.includes(c.segment))
			.map((c) => c.customerId)
			.sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1));
		expect(expected.length).toBeGreaterThan(40);
		const spec = specOf(k, E.source(), { onlySegments: targets });
		const seen: string[] = [];
		let after = '';
		let runs = 0;
		for (;;) {
			const { customers, cursor, summary } = await scored(session, spec, { skipInvalid: true, after, maxCustomers: 17, pageSize: 5 });
			runs++;
			expect(summary.customersScored).toBe(core.count);
			expect(customers.every((c) => targets.includes(c.segment))).toBe(true);
			seen.push(...customers.map((c) => c.customerId));
			if (cursor === null) break;
			expect(customers).toHaveLength(17);
			after = cursor;
		}
		expect(seen).toEqual(expected);
		expect(runs).toBe(Math.ceil(expected.length / 17) + (expected.length % 17 === 0 ? 1 : 0));
	});

	it('identifiers are checked before any SQL runs; values are bound', async () => {
		const k: Case = { name: 'inject', bins: 5, reference: { kind: 'dayAfterLatest' }, keepCurrency: 'USD' };
		await expect(scored(session, specOf(k, E.source(), { columns: { ...COLUMNS, status: 'status"; DROP TABLE x; --' } }))).rejects.toThrow(
			/Status column ".*" is not in the orders source/,
		);
		const quoted = await scored(session, specOf({ ...k, excluded: ["'); DROP TABLE x; --", 'cancelled'] }, E.source()));
		expect(quoted.summary.skipped.excludedStatus).toBe(records.filter((r) => r.status?.trim().toLowerCase() === 'cancelled').length);
	});

	if (engine !== 'postgres') {
		it.each([CASES[0], CASES[3]].map((k) => [k.name, k] as const))(
			'%s: big files are aggregated in passes of customers, with the same result as one pass',
			async (_name, k) => {
				const core = coreResult(records, k);
				const run = await runWarehouseRfm(session, specOf(k, E.source()), { skipInvalid: true, rowsPerPass: 400 });
				const customers: ScoredCustomer[] = [];
				for await (const p of run.pages()) customers.push(...p);
				await run.close();
				const passes = run.statements.filter((s) => s.name.startsWith('grp ')).map((s) => s.name);
				// ~2,000 rows (counted in Parquet, estimated from the CSV's bytes) in passes of 400
				expect(passes[0]).toMatch(/^grp 1\/[4-9]$/);
				expect(passes).toHaveLength(Number(passes[0].split('/')[1]));
				expect(run.summary.skipped).toEqual(core.skipped);
				expect(run.summary.edges).toEqual(core.edges);
				expect(customers.map((c) => [c.customerId, c.frequency, c.monetary, c.cell, c.segment])).toEqual(
					core.customers
						.map((c) => [c.customerId, c.frequency, c.monetary, c.cell, c.segment])
						.sort((a, b) => (Buffer.from(a[0] as string) < Buffer.from(b[0] as string) ? -1 : 1)),
				);
				const one = await runWarehouseRfm(session, specOf(k, E.source()), { skipInvalid: true });
				expect(one.statements.filter((s) => s.name.startsWith('grp')).map((s) => s.name)).toEqual(['grp']);
				await one.close();
			},
		);
	}

	if (engine === 'postgres') {
		it('a unique order id column is read as one order per row (same result, no distinct count)', async () => {
			const k: Case = { name: 'unique', bins: 5, reference: { kind: 'dayAfterLatest' }, keepCurrency: 'USD' };
			const core = coreResult(uniqueRows, k);
			const { customers, summary } = await scored(session, specOf(k, E.source(uniqueTable)));
			expect(summary.orderIdsUnique).toBe(true);
			expect(customers.map((c) => [c.customerId, c.frequency, c.r, c.f, c.m, c.segment])).toEqual(
				core.customers
					.map((c) => [c.customerId, c.frequency, c.r, c.f, c.m, c.segment])
					.sort((a, b) => (Buffer.from(a[0] as string) < Buffer.from(b[0] as string) ? -1 : 1)),
			);
			const lines = await scored(session, specOf(k, E.source()));
			expect(lines.summary.orderIdsUnique).toBe(false);
		});
		it('zero rows give zero customers and empty edges, as RFM Score', async () => {
			const { customers, summary } = await scored(session, specOf(CASES[0], E.source(emptyTable)));
			const core = coreResult([], CASES[0]);
			expect(customers).toEqual([]);
			expect(summary.edges).toEqual(core.edges);
			expect(summary.customersScored).toBe(0);
			expect(summary.segments).toEqual(core.segments);
		});
	}
});
