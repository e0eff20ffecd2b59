/**
 * One Warehouse RFM run on a SQL session (engines.ts): resolves the order columns against the
 * source, stores the steps of rfmSql.ts in temporary tables (the orders are read once), checks
 * invalid rows and currencies as RFM Score does, reads the summary, then the scored customers page
 * by page in customer-id order (keyset pagination: `after` = the last id of the previous page).
 */
import { toIsoDate } from '../dates';
import { ORDER_FIELDS } from '../rfm/fieldGuesses';
import { reachableSegments } from '../rfm/segmentMaps';
import { WarehouseSqlError } from './dialects';
import type { Row, SqlSession } from './engines';
import { CUSTOMER_COLUMNS, SKIP_CODES, rfmSql, sourceProbe, type OrderColumns, type SqlStatement, type Step, type WarehouseRfmSpec } from './rfmSql';

export interface ScoredCustomer {
	customerId: string;
	recencyDays: number;
	frequency: number;
	monetary: number;
	averageOrderValue: number;
	r: number;
	f: number;
	m: number;
	cell: string;
	score: number;
	segment: string;
	lastOrderDate: string | null;
	firstOrderDate: string | null;
	currency: string | null;
	referenceDate: string;
}

export interface SegmentCount {
	segment: string;
	customers: number;
	share: number;
	revenue: number;
	revenueShare: number;
	meanRecencyDays: number | null;
	meanFrequency: number | null;
	meanMonetary: number | null;
}

export interface WarehouseSummary {
	referenceDate: string;
	scoring: WarehouseRfmSpec['scoring'];
	bins: number;
	edges: { recency: number[]; frequency: number[]; monetary: number[] };
	distribution: { r: number[]; f: number[]; m: number[] };
	skipped: Record<string, number>;
	currency: string | null;
	customersScored: number;
	segments: SegmentCount[];
	columns: OrderColumns;
	/** Frequency counted rows (unique order ids) rather than distinct order ids. */
	orderIdsUnique: boolean;
}

export interface PageOptions {
	/** Start after this customer id (keyset cursor of an earlier run). */
	after?: string;
	/** Stop after this many customers (0 = all). */
	maxCustomers?: number;
	/** Customers read per query. */
	pageSize?: number;
	/** Skip and count rows without customer id, date or amount instead of stopping. */
	skipInvalid?: boolean;
	/** Embedded engine, distinct order ids: rows aggregated per pass (default ROWS_PER_PASS). */
	rowsPerPass?: number;
}

/**
 * DuckDB's distinct count holds every (customer, order id) of a pass in memory at once: 50M rows in
 * one pass peak at 5.1 GB, in three passes of 17M at 2.0 GB, in the same time (bench/warehouse.js).
 */
export const ROWS_PER_PASS = 17_000_000;
/** CSV rows are estimated from the files' size: a narrow export is ~50 bytes a row, compressed ~6x less. */
const CSV_BYTES_PER_ROW = 48;
const COMPRESSED_RATIO = 6;

export interface WarehouseRun {
	summary: WarehouseSummary;
	/** Customers in id order, page by page. */
	pages(): AsyncGenerator<ScoredCustomer[]>;
	/** Cursor for the next run when maxCustomers stopped the reading (else null); set once pages() ended. */
	nextCursor(): string | null;
	/** The statements run, with their bound values. */
	statements: { name: string; sql: string; params: unknown[] }[];
	close(): Promise<void>;
}

const FIELD_LABEL: Record<keyof OrderColumns, string> = {
	customerId: 'Customer ID',
	orderId: 'Order ID',
	date: 'Order Date',
	amount: 'Amount',
	currency: 'Currency',
	status: 'Status',
};

/** A column name of "-": the source has no such column (nothing is guessed). */
export const NO_COLUMN = '-';

/**
 * Maps each order field to a column of the source: the name given (exact, else the only
 * case-insensitive match), none for "-", or the first of RFM Score's guesses present. Customer ID,
 * date and amount must be found.
 */
export function resolveColumns(available: string[], given: Partial<OrderColumns>): OrderColumns {
	const find = (name: string) => available.find((c) => c === name) ?? single(available.filter((c) => c.toLowerCase() === name.toLowerCase()));
	const out: Partial<OrderColumns> = {};
	for (const key of Object.keys(FIELD_LABEL) as (keyof OrderColumns)[]) {
		const want = (given[key] ?? '').trim();
		if (want === NO_COLUMN) continue;
		if (want) {
			const hit = find(want);
			if (!hit)
				throw new WarehouseSqlError(
					`${FIELD_LABEL[key]} column "${want}" is not in the orders source`,
					`Columns found: ${available.slice(0, 60).join(', ')}${available.length > 60 ? ', …' : ''}`,
				);
			out[key] = hit;
		} else {
			for (const candidate of ORDER_FIELDS[key]) {
				const hit = find(candidate);
				if (hit) {
					out[key] = hit;
					break;
				}
			}
		}
	}
	const missing = (['customerId', 'date', 'amount'] as const).filter((k) => !out[k]);
	if (missing.length)
		throw new WarehouseSqlError(
			`Could not find the ${missing.map((k) => FIELD_LABEL[k].toLowerCase()).join(', ')} column in the orders source`,
			`Name the columns under "Columns". Columns found: ${available.slice(0, 60).join(', ')}. Names tried: ${missing.map((k) => ORDER_FIELDS[k].join(', ')).join(' / ')}`,
		);
	return out as OrderColumns;
}

function single<T>(list: T[]): T | undefined {
	return list.length === 1 ? list[0] : undefined;
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
function round(x: number, digits: number): number {
	const p = 10 ** digits;
	return Math.round(x * p) / p;
}
const iso = (ms: unknown) => (ms === null || ms === undefined ? null : toIsoDate(Number(ms)));

/** Column names as the engine spelled them (Snowflake-style upper case included), lower-cased. */
function lower(row: Row): Row {
	const out: Row = {};
	for (const k of Object.keys(row)) out[k.toLowerCase()] = row[k];
	return out;
}

/** A customer row of the page statement (numbers arrive as numbers from both engines). */
function customerOf(row: Row, currency: string | null, referenceDate: string): ScoredCustomer {
	return {
		customerId: row.customer_id as string,
		recencyDays: row.recency_days as number,
		frequency: row.frequency as number,
		monetary: row.monetary as number,
		averageOrderValue: row.average_order_value as number,
		r: row.r as number,
		f: row.f as number,
		m: row.m as number,
		cell: row.cell as string,
		score: row.score as number,
		segment: row.segment as string,
		lastOrderDate: iso(row.last_order_ms),
		firstOrderDate: iso(row.first_order_ms),
		currency,
		referenceDate,
	};
}

/** The summary as RFM Score reports it, from the summary statement's rows (one per segment). */
function summaryOf(spec: WarehouseRfmSpec, rows: Row[], currency: string | null): WarehouseSummary {
	const first = rows[0] ?? {};
	const bins = spec.bins;
	const edgeList = (dim: string, count: number) =>
		count > 0 || spec.scoring === 'thresholds' ? Array.from({ length: bins - 1 }, (_, i) => num(first[`e_${dim}${i + 1}`])) : [];
	const n = num(first.n);
	const np = num(first.np);
	const cells = rows.filter((r) => r.segment !== null && r.segment !== undefined);
	const dist = (dim: string) => {
		const out = new Array<number>(bins).fill(0);
		for (const cell of cells) out[num(cell[dim]) - 1] += num(cell.customers);
		return out;
	};
	const skipped: Record<string, number> = {};
	SKIP_CODES.forEach((reason, i) => {
		const v = num(first[`skip_${i + 1}`]);
		if (v) skipped[reason] = v;
	});
	if (num(first.no_orders)) skipped.noOrders = num(first.no_orders);
	if (num(first.non_positive)) skipped.nonPositiveMonetary = num(first.non_positive);
	const bySegment = new Map<string, { customers: number; revenue: number; sum_recency: number; sum_frequency: number }>();
	for (const cell of cells) {
		const name = String(cell.segment);
		const acc = bySegment.get(name) ?? { customers: 0, revenue: 0, sum_recency: 0, sum_frequency: 0 };
		acc.customers += num(cell.customers);
		acc.revenue += num(cell.revenue);
		acc.sum_recency += num(cell.sum_recency);
		acc.sum_frequency += num(cell.sum_frequency);
		bySegment.set(name, acc);
	}
	const total = n;
	const revenue = [...bySegment.values()].reduce((a, r) => a + r.revenue, 0);
	const names = reachableSegments(spec.map, bins);
	for (const name of bySegment.keys()) if (!names.includes(name)) names.push(name);
	const segments = names.map((segment): SegmentCount => {
		const r = bySegment.get(segment);
		const k = r ? r.customers : 0;
		const rev = r ? r.revenue : 0;
		return {
			segment,
			customers: k,
			share: total ? round(k / total, 6) : 0,
			revenue: round(rev, 2),
			revenueShare: revenue > 0 ? round(rev / revenue, 6) : 0,
			meanRecencyDays: k && r ? round(r.sum_recency / k, 2) : null,
			meanFrequency: k && r ? round(r.sum_frequency / k, 4) : null,
			meanMonetary: k ? round(rev / k, 2) : null,
		};
	});
	return {
		referenceDate: toIsoDate(num(first.ref)),
		scoring: spec.scoring,
		bins,
		edges: { recency: edgeList('r', n), frequency: edgeList('f', n), monetary: edgeList('m', np) },
		distribution: { r: dist('r'), f: dist('f'), m: dist('m') },
		skipped,
		currency,
		customersScored: n,
		segments,
		columns: spec.columns,
		orderIdsUnique: spec.orderIdsUnique === true,
	};
}

/** Rows per currency (trimmed, upper case) among the rows RFM Score would have extracted. */
async function currencyCounts(spec: WarehouseRfmSpec, session: SqlSession): Promise<[string, number][]> {
	const stmt = rfmSql(spec, session.dialect).raw(
		['classified'],
		(c) =>
			`SELECT x.cur, COUNT(*) AS rows_count FROM (SELECT NULLIF(UPPER(TRIM(cur)), '') AS cur FROM ${c.ref('classified')} WHERE skip = 0 OR skip > 5) x WHERE x.cur IS NOT NULL GROUP BY x.cur`,
	);
	const list = (await session.query(stmt)).map(lower).map((r) => [String(r.cur), num(r.rows_count)] as [string, number]);
	return list.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/**
 * The one currency of the kept rows (RFM Score's `currency`), or null; stops on several. First the
 * currencies as written over the whole source (one column): equal means one at most; otherwise the
 * rows RFM Score would read are counted per currency, trimmed and in upper case.
 */
async function currencyOf(spec: WarehouseRfmSpec, session: SqlSession): Promise<string | null> {
	const keep = spec.keepCurrency?.trim().toUpperCase();
	if (keep) return keep;
	if (!spec.columns.currency) return null;
	const range = (await session.query(rfmSql(spec, session.dialect).currencyRange()))[0] ?? {};
	if (range.currency_min === null || range.currency_min === undefined) return null;
	if (range.currency_min === range.currency_max) return String(range.currency_min).trim().toUpperCase() || null;
	const list = await currencyCounts(spec, session);
	if (list.length > 1)
		throw new WarehouseSqlError(
			`The orders are in ${list.length} currencies: ${list.map(([k, v]) => `${k} (${v})`).join(', ')}`,
			'Amounts in different currencies cannot be added up. Pick the currency to keep under Options > "Currency to Keep" (rows in other currencies are skipped and counted), or convert the amounts first.',
		);
	return list.length ? list[0][0] : null;
}

function checkRows(spec: WarehouseRfmSpec, counts: Row, skipInvalid: boolean): void {
	const c = spec.columns;
	const invalid: [number, string, string][] = [
		[num(counts.skip_3), c.customerId, 'is empty'],
		[num(counts.skip_4), c.date, 'is empty or not a date'],
		[num(counts.skip_5), c.amount, 'is empty'],
	];
	const bad = invalid.filter(([k]) => k > 0);
	if (bad.length && !skipInvalid)
		throw new WarehouseSqlError(
			bad.map(([k, col, what]) => `${k} row${k > 1 ? 's' : ''}: column "${col}" ${what}`).join('; '),
			'Fix the data or the column mapping, or turn on Options > "Skip Invalid Rows" to skip and count them.',
		);
}

/**
 * How many passes the per-customer aggregation takes: one, except for files read by the embedded
 * engine with a distinct count of order ids, where each pass takes ~rowsPerPass rows' customers.
 */
async function passesOf(spec: WarehouseRfmSpec, session: SqlSession, plan: ReturnType<typeof rfmSql>, options: PageOptions): Promise<number> {
	if (session.dialect !== 'duckdb' || spec.source.kind !== 'files' || !spec.columns.orderId || spec.orderIdsUnique) return 1;
	const size = lower((await session.query(plan.sourceSize()))[0] ?? {});
	const compressed = spec.source.paths.some((p) => /\.(gz|zst)$/i.test(p));
	const rows = size.rows !== null && size.rows !== undefined ? num(size.rows) : (num(size.bytes) / CSV_BYTES_PER_ROW) * (compressed ? COMPRESSED_RATIO : 1);
	return Math.max(1, Math.ceil(rows / (options.rowsPerPass ?? ROWS_PER_PASS)));
}

/**
 * Runs the aggregation and scoring on `session` and returns the summary and a page reader.
 * `spec.columns` may leave fields empty: they are guessed from the source's columns.
 */
export async function runWarehouseRfm(session: SqlSession, specIn: WarehouseRfmSpec, options: PageOptions = {}): Promise<WarehouseRun> {
	const statements: WarehouseRun['statements'] = [];
	const log = (name: string, s: SqlStatement) => statements.push({ name, sql: s.sql, params: s.params.map((p) => p.value) });
	const described = await session.columnsOf(sourceProbe(specIn.source, session.dialect));
	const available = described.map((c) => c.name);
	const columns = resolveColumns(available, specIn.columns);
	const dateKind = described.find((c) => c.name === columns.date)?.kind;
	let orderIdsUnique = specIn.orderIdsUnique === true;
	if (!orderIdsUnique && columns.orderId && specIn.source.kind === 'table' && session.uniqueColumn)
		orderIdsUnique = await session.uniqueColumn(specIn.source.table, columns.orderId);
	const spec: WarehouseRfmSpec = { ...specIn, columns, orderIdsUnique, dateKind };
	const plan = rfmSql(spec, session.dialect);
	const materialized: Record<string, string> = {};
	const tables: string[] = [];
	let currency: string | null = null;
	const drop = async () => {
		for (const t of tables.reverse()) await session.query({ sql: `DROP TABLE IF EXISTS ${t}`, params: [] }).catch(() => undefined);
	};
	try {
		for (const step of plan.steps()) {
			const name = `wrfm_${step}`;
			const passes = step === 'grp' ? await passesOf(spec, session, plan, options) : 1;
			await session.query({ sql: `DROP TABLE IF EXISTS ${name}`, params: [] });
			for (let index = 0; index < passes; index++) {
				const stmt = plan.step(step as Step, materialized, { index, of: passes });
				const write = { sql: `${index === 0 ? `CREATE TEMPORARY TABLE ${name} AS` : `INSERT INTO ${name}`}\n${stmt.sql}`, params: stmt.params };
				log(passes > 1 ? `${step} ${index + 1}/${passes}` : step, write);
				await session.query(write);
				if (index === 0) tables.push(name);
			}
			await session.analyze(name);
			materialized[step] = name;
			if (step === 'edges') materialized.ref = name;
			if (step === 'grp') {
				const counts = lower((await session.query(plan.raw(['counts'], (c) => `SELECT * FROM ${c.ref('counts')}`, materialized)))[0] ?? {});
				// as RFM Score: invalid rows first, then several currencies
				checkRows(spec, counts, options.skipInvalid === true);
				currency = await currencyOf(spec, session);
			}
		}
		const summaryStmt = plan.summary(materialized);
		log('summary', summaryStmt);
		const summary = summaryOf(spec, (await session.query(summaryStmt)).map(lower), currency);
		return reader(spec, session, plan, materialized, summary, options, statements, drop);
	} catch (e) {
		await drop();
		throw e;
	}
}

function reader(
	spec: WarehouseRfmSpec,
	session: SqlSession,
	plan: ReturnType<typeof rfmSql>,
	materialized: Record<string, string>,
	summary: WarehouseSummary,
	options: PageOptions,
	statements: WarehouseRun['statements'],
	drop: () => Promise<void>,
): WarehouseRun {
	const pageSize = Math.max(1, Math.floor(options.pageSize ?? 10000));
	const max = Math.max(0, Math.floor(options.maxCustomers ?? 0));
	let cursor: string | null = null;
	return {
		summary,
		statements,
		nextCursor: () => cursor,
		async *pages() {
			// one ordered query read through a cursor; with a maximum, one row more tells whether a
			// next run (starting after the last id) has anything left to read
			const stmt = plan.customers({ after: options.after ?? '', limit: max ? max + 1 : undefined }, materialized);
			statements.push({ name: 'customers', sql: stmt.sql, params: stmt.params.map((p) => p.value) });
			let read = 0;
			for await (const rows of session.stream(stmt, pageSize)) {
				if (max && read + rows.length > max) {
					rows.length = max - read;
					cursor = rows.length ? String(rows[rows.length - 1].customer_id) : (options.after ?? null);
				}
				read += rows.length;
				if (rows.length) yield rows.map((r) => customerOf(r, summary.currency, summary.referenceDate));
				if (cursor !== null) break;
			}
		},
		close: drop,
	};
}

export { CUSTOMER_COLUMNS };
