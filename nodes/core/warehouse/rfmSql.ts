/**
 * RFM as SQL, written once for every dialect (dialects.ts): aggregation per customer, quantile
 * edges, scores and segments run inside the database, with RFM Score's rules (rfm.ts,
 * docs/nodes/RfmScore.md):
 * - statuses: an excluded status drops the row; a fully-refunded status drops a row whose amount
 *   is not negative; a negative amount is a refund line (netted into monetary, not an order, does
 *   not move recency);
 * - frequency = distinct order ids among the customer's non-negative rows (rows without an order
 *   id count one each); recency = whole days from the latest order to the reference date;
 * - reference date: the day after the latest order, now, or a fixed date (later rows are counted
 *   and left out); window: only the last N days before it;
 * - currencies: one currency to keep (others counted and left out), rows without one are kept;
 * - net spend <= 0: kept with M = 1 and left out of the monetary quantiles, or dropped and counted.
 * Quantile edges are computed exactly as stats.ts does, without NTILE (whose split of tied values
 * depends on row order): the order statistics at ranks floor(h) and floor(h)+1, h = (n-1)*i/bins,
 * are read from a running count over the distinct values, interpolated in double precision as
 * a + (h - floor(h)) * (b - a) and rounded to 6 decimals like rfm.ts (half up). A value's score is
 * 1 + the number of edges strictly below it, so tied values always share a score.
 * Money is summed exactly (DECIMAL(18,6)); RFM Score adds doubles in input order, which can differ
 * in the last bits (never a different score on CDNOW: test/core/warehouse-cdnow.test.ts).
 *
 * The statement is a chain of named CTEs. `statement()` renders the CTEs a result needs; a map of
 * materialized names lets the node store steps in temporary tables (the aggregation once, then the
 * summary and every page read the stored customers) while pasted SQL is one WITH statement.
 */
import type { ReferenceDate } from '../rfm/rfm';
import { compileMap, reachableSegments, type SegmentMap } from '../rfm/segmentMaps';
import { Params, WarehouseSqlError, checkIdentifier, checkTableName, dialectOf, type Dialect, type DialectName, type SqlValue } from './dialects';

export const DAY_MS = 86400000;

export interface OrderColumns {
	customerId: string;
	/** Empty: each row is one order. */
	orderId?: string;
	date: string;
	amount: string;
	currency?: string;
	status?: string;
}

export type OrderSource = { kind: 'table'; table: string } | { kind: 'files'; format: 'csv' | 'parquet'; paths: string[] };

export interface WarehouseRfmSpec {
	source: OrderSource;
	columns: OrderColumns;
	excludedStatuses: string[];
	refundedStatuses: string[];
	reference: ReferenceDate;
	/** Only orders of the last N days before the reference date (0 = all). */
	windowDays: number;
	bins: 3 | 4 | 5;
	scoring: 'quantiles' | 'thresholds';
	thresholds?: { recency: number[]; frequency: number[]; monetary: number[] };
	nonPositiveMonetary: 'keepAsLowest' | 'drop';
	keepCurrency?: string;
	map: SegmentMap;
	/** Only customers of these segments are returned (the summary still counts all). */
	onlySegments?: string[];
	/**
	 * Every row has its own order id (a unique column, or the marketer says each row is a whole
	 * order): frequency counts rows instead of distinct order ids, the same number 2-3 times faster.
	 */
	orderIdsUnique?: boolean;
	/**
	 * What the date column holds, when the engine told: numbers (YYYYMMDD or epoch seconds /
	 * milliseconds, embedded engine only), dates / timestamps (read without a cast), other (text:
	 * cast). Unknown (pasted SQL): cast.
	 */
	dateKind?: 'number' | 'temporal' | 'other';
}

/** Row classification codes (column `skip`): 0 = kept. Names as RFM Score's skip reasons. */
export const SKIP_CODES = [
	'excludedStatus',
	'refundedOrder',
	'missingCustomerId',
	'invalidDate',
	'invalidAmount',
	'otherCurrency',
	'afterReferenceDate',
	'outsideWindow',
] as const;
export type RowSkipReason = (typeof SKIP_CODES)[number];
const code = (r: RowSkipReason) => SKIP_CODES.indexOf(r) + 1;

interface Ctx {
	d: Dialect;
	p: Params;
	spec: WarehouseRfmSpec;
	/** Name to use for a CTE (its own name, or the table it was materialized into). */
	ref: (cte: string) => string;
	/** Only the customers of this pass (see PassOf); the skipped rows go to pass 0. */
	pass?: PassOf;
}

/** One of `of` passes of the per-customer aggregation, customers split by a hash of their id. */
export interface PassOf {
	index: number;
	of: number;
}

/** Whether a row's group `g` (a customer id, NULL for skipped rows) is in this pass. */
function passFilter(c: Ctx): string[] {
	if (!c.pass || c.pass.of <= 1) return [];
	// only the embedded engine runs in passes (its distinct count holds every key in memory at once)
	if (c.d.name !== 'duckdb') throw new WarehouseSqlError(`Passes are only run by the embedded engine, not ${c.d.name}`);
	return [`WHERE (CASE WHEN g IS NULL THEN 0 ELSE hash(g) % ${c.pass.of} END) = ${c.pass.index}`];
}

interface Cte {
	name: string;
	deps: string[];
	body: (c: Ctx) => string;
}

const DIMS = [
	{ key: 'r', value: 'rec', count: 'n', where: '' },
	{ key: 'f', value: 'freq', count: 'n', where: '' },
	{ key: 'm', value: 'mon_d', count: 'np', where: ' WHERE pos = 1' },
] as const;

function lit(c: Ctx, x: number): string {
	return c.d.literal({ kind: 'double', value: x });
}

/**
 * Math.round(x * 10^digits) / 10^digits in double precision, as rfm.ts rounds (halves up, on the
 * double: 17.19125 is 17.191249999... and gives 17.1912 where DECIMAL rounding would give 17.1913).
 */
function roundJs(c: Ctx, x: string, digits: number): string {
	const p = lit(c, 10 ** digits);
	const y = `(${x}) * ${p}`;
	return `(CASE WHEN ${y} - FLOOR(${y}) >= ${lit(c, 0.5)} THEN FLOOR(${y}) + 1 ELSE FLOOR(${y}) END) / ${p}`;
}

/** The files as a DuckDB list of bound paths. */
function fileList(c: Ctx, paths: string[]): string {
	return `[${paths.map((x) => c.p.text(x)).join(', ')}]`;
}

function sourceSql(c: Ctx, probe = false): string {
	const s = c.spec.source;
	if (s.kind === 'table') return checkTableName(s.table).map((x) => c.d.ident(x)).join('.');
	if (c.d.name !== 'duckdb') throw new WarehouseSqlError('Files can only be read by the embedded engine (DuckDB)');
	if (!s.paths.length) throw new WarehouseSqlError('No file to read', 'Give at least one CSV or Parquet file path.');
	const list = fileList(c, s.paths);
	if (s.format === 'parquet') return `read_parquet(${list})`;
	if (probe) return `read_csv(${list}, header = true)`;
	// ids stay text ("00042" is not 42); other columns are detected from the file
	const ids = [c.spec.columns.customerId, c.spec.columns.orderId].filter((x): x is string => !!x);
	const types = ids.map((x) => `${c.d.literal({ kind: 'text', value: x })}: 'VARCHAR'`).join(', ');
	return `read_csv(${list}, header = true, types = {${types}})`;
}

/**
 * Milliseconds of an order date. Numbers (CSV exports) are read as RFM Score reads them: a real
 * calendar date written YYYYMMDD (1900..2199), else epoch milliseconds above 1e11, else epoch
 * seconds; negative = not a date. Only the embedded engine reads numbers; the others need dates.
 */
function dateMs(c: Ctx, x: string): string {
	if (c.spec.dateKind === 'temporal') return c.d.epochMsOfTemporal(x);
	if (c.spec.dateKind !== 'number') return c.d.epochMs(x);
	if (c.d.name !== 'duckdb') throw new WarehouseSqlError('The order date column holds numbers', 'Use a DATE or TIMESTAMP column (convert YYYYMMDD or epoch numbers in a view).');
	const ymd = `try_strptime(CAST(CAST(${x} AS BIGINT) AS VARCHAR), '%Y%m%d')`;
	return [
		`CASE WHEN ${x} IS NULL OR ${x} < 0 THEN NULL`,
		`    WHEN ${x} >= 19000101 AND ${x} <= 21991231 AND ${x} = FLOOR(${x}) AND ${ymd} IS NOT NULL THEN epoch_ms(${ymd})`,
		`    WHEN ${x} > 100000000000 THEN CAST(${x} AS BIGINT)`,
		`    ELSE CAST(${x} * 1000 AS BIGINT) END`,
	].join('\n  ');
}

function inList(c: Ctx, expr: string, values: string[]): string {
	return c.d.inList(expr, values.map((v) => c.p.text(v)));
}

function normalizedStatuses(list: string[]): string[] {
	return [...new Set(list.map((s) => s.trim().toLowerCase()).filter(Boolean))];
}

const CTES: Cte[] = [
	{
		name: 'src',
		deps: [],
		body: (c) => {
			const { d } = c;
			const col = c.spec.columns;
			const q = (name: string, what: string) => d.text(d.ident(checkIdentifier(name, what)));
			const nullText = `CAST(NULL AS ${d.name === 'bigquery' ? 'STRING' : 'VARCHAR'})`;
			// ids as RFM Score reads them: surrounding spaces trimmed, empty = missing (TRIM only
			// where needed: most ids have no space, and TRIM on every row costs a fifth of the scan)
			const padded = (x: string) => `CASE WHEN ${x} LIKE ' %' OR ${x} LIKE '% ' THEN TRIM(${x}) ELSE ${x} END`;
			const id = (name: string | undefined, what: string) => (name ? `NULLIF(${padded(q(name, what))}, '')` : nullText);
			return [
				'SELECT',
				`  ${id(col.customerId, 'Customer ID column')} AS cid,`,
				`  ${id(col.orderId, 'Order ID column')} AS oid,`,
				`  ${dateMs(c, d.ident(checkIdentifier(col.date, 'Order date column')))} AS t,`,
				`  ${d.decimal(d.ident(checkIdentifier(col.amount, 'Amount column')))} AS a,`,
				// the currency as written: normalized (trimmed, upper case) only where it is compared
				`  ${col.currency ? q(col.currency, 'Currency column') : nullText} AS cur,`,
				`  ${col.status ? `LOWER(${padded(q(col.status, 'Status column'))})` : nullText} AS st`,
				`FROM ${sourceSql(c)}${d.fence}`,
			].join('\n');
		},
	},
	{
		name: 'classified',
		deps: ['src'],
		body: (c) => {
			const { spec, p } = c;
			const excluded = spec.columns.status ? normalizedStatuses(spec.excludedStatuses) : [];
			const refunded = spec.columns.status ? normalizedStatuses(spec.refundedStatuses) : [];
			const when: string[] = [];
			if (excluded.length) when.push(`WHEN ${inList(c, 'st', excluded)} THEN ${code('excludedStatus')}`);
			if (refunded.length) when.push(`WHEN ${inList(c, 'st', refunded)} AND (a IS NULL OR a >= 0) THEN ${code('refundedOrder')}`);
			when.push(`WHEN cid IS NULL THEN ${code('missingCustomerId')}`);
			when.push(`WHEN t IS NULL THEN ${code('invalidDate')}`);
			when.push(`WHEN a IS NULL THEN ${code('invalidAmount')}`);
			const keep = keptCurrency(spec);
			if (keep) when.push(`WHEN NULLIF(UPPER(TRIM(cur)), '') <> ${p.text(keep)} THEN ${code('otherCurrency')}`);
			const fixed = fixedReference(spec);
			if (fixed !== undefined) {
				when.push(`WHEN t > ${p.bigint(fixed)} THEN ${code('afterReferenceDate')}`);
				if (spec.windowDays > 0) when.push(`WHEN t < ${p.bigint(fixed - spec.windowDays * DAY_MS)} THEN ${code('outsideWindow')}`);
			}
			return `SELECT cid, oid, t, a, cur,\n  CASE ${when.join('\n    ')}\n    ELSE 0 END AS skip\nFROM ${c.ref('src')}${c.d.fence}`;
		},
	},
	{
		// day after the latest order, before the window is applied (only with a window)
		name: 'ref0',
		deps: ['classified'],
		body: (c) => `SELECT COALESCE(MAX(t) + ${DAY_MS}, 0) AS ref FROM ${c.ref('classified')} WHERE skip = 0 AND a >= 0`,
	},
	{
		name: 'windowed',
		deps: ['classified', 'ref0'],
		body: (c) =>
			`SELECT cid, oid, t, a, cur,\n  CASE WHEN skip = 0 AND t < r.ref - ${c.p.bigint(c.spec.windowDays * DAY_MS)} THEN ${code('outsideWindow')} ELSE skip END AS skip\nFROM ${c.ref('classified')} CROSS JOIN ${c.ref('ref0')} r`,
	},
	{
		// one group per customer of the kept rows, and one per skip reason for the others (a per-row
		// counter per reason inside every customer's group costs a sixth of the aggregation's time)
		name: 'grp',
		deps: ['classified', 'windowed'],
		body: (c) => {
			// with unique order ids (or no order id column) every order row is one order; refund
			// lines (a < 0) are netted into the spend but are not orders; rows without an order id
			// count one each. (Tried: grouping by customer and order first, then by customer: no
			// faster at 50M rows in DuckDB, and out of memory under a 1.5 GB limit where this spills.)
			const freq =
				c.spec.columns.orderId && !c.spec.orderIdsUnique
					? 'COUNT(CASE WHEN a >= 0 AND oid IS NULL THEN 1 END) + COUNT(DISTINCT CASE WHEN skip = 0 AND a >= 0 THEN oid END)'
					: 'COUNT(CASE WHEN a >= 0 THEN 1 END)';
			return [
				'SELECT g AS cid, skip,',
				'  COUNT(*) AS n,',
				'  SUM(a) AS mon,',
				`  ${freq} AS freq,`,
				'  MAX(CASE WHEN a >= 0 THEN t END) AS last_t,',
				'  MIN(CASE WHEN a >= 0 THEN t END) AS first_t',
				`FROM (SELECT CASE WHEN skip = 0 THEN cid END AS g, skip, oid, t, a FROM ${c.ref(usesWindowRef(c.spec) ? 'windowed' : 'classified')}) x`,
				...passFilter(c),
				'GROUP BY g, skip',
			].join('\n');
		},
	},
	{
		name: 'cust',
		deps: ['grp'],
		// a kept row has a customer id, a date and an amount
		body: (c) => `SELECT cid, mon, freq, last_t, first_t FROM ${c.ref('grp')} WHERE skip = 0`,
	},
	{
		name: 'ref',
		deps: ['cust', 'ref0'],
		body: (c) => {
			const fixed = fixedReference(c.spec);
			if (fixed !== undefined) return `SELECT ${c.p.bigint(fixed)} AS ref`;
			if (usesWindowRef(c.spec)) return `SELECT ref FROM ${c.ref('ref0')}`;
			return `SELECT COALESCE(MAX(last_t) + ${DAY_MS}, 0) AS ref FROM ${c.ref('cust')}`;
		},
	},
	{
		name: 'base',
		deps: ['cust', 'ref'],
		body: (c) =>
			[
				'SELECT c.cid, c.mon, c.freq, c.last_t, c.first_t,',
				`  FLOOR(${c.d.double('r.ref - c.last_t')} / ${lit(c, DAY_MS)}) AS rec,`,
				`  ${c.d.double('c.mon')} AS mon_d,`,
				'  CASE WHEN c.mon > 0 THEN 1 ELSE 0 END AS pos',
				`FROM ${c.ref('cust')} c CROSS JOIN ${c.ref('ref')} r`,
				`WHERE c.freq > 0${c.spec.nonPositiveMonetary === 'drop' ? ' AND c.mon > 0' : ''}${c.d.fence}`,
			].join('\n'),
	},
	{
		name: 'sizes',
		deps: ['base'],
		body: (c) => `SELECT COUNT(*) AS n, COUNT(CASE WHEN pos = 1 THEN 1 END) AS np FROM ${c.ref('base')}`,
	},
	...DIMS.flatMap((dim): Cte[] => [
		{
			name: `v_${dim.key}`,
			deps: ['base'],
			body: (c) => `SELECT ${dim.value} AS v, COUNT(*) AS c FROM ${c.ref('base')}${dim.where} GROUP BY ${dim.value}`,
		},
		{
			// values <= v: the order statistic at 0-based rank j is the smallest v with cum > j
			name: `c_${dim.key}`,
			deps: [`v_${dim.key}`],
			body: (c) => `SELECT v, SUM(c) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum FROM ${c.ref(`v_${dim.key}`)}`,
		},
	]),
	{
		// h = (n - 1) * i / bins as stats.ts computes it; lo = floor(h), hi = min(lo + 1, n - 1)
		name: 'k',
		deps: ['sizes'],
		body: (c) => {
			const cols: string[] = [];
			for (const dim of DIMS)
				for (let i = 1; i < c.spec.bins; i++) {
					const h = `(${dim.count} - 1) * (${lit(c, i)} / ${lit(c, c.spec.bins)})`;
					cols.push(`${h} AS ${dim.key}_h${i}`, `FLOOR(${h}) AS ${dim.key}_lo${i}`, `LEAST(FLOOR(${h}) + 1, ${dim.count} - 1) AS ${dim.key}_hi${i}`);
				}
			return `SELECT\n  ${cols.join(',\n  ')}\nFROM ${c.ref('sizes')}`;
		},
	},
	...DIMS.map(
		(dim): Cte => ({
			name: `o_${dim.key}`,
			deps: [`c_${dim.key}`, 'k'],
			body: (c) => {
				const cols: string[] = [];
				for (let i = 1; i < c.spec.bins; i++)
					cols.push(`MIN(CASE WHEN x.cum > k.${dim.key}_lo${i} THEN x.v END) AS a${i}`, `MIN(CASE WHEN x.cum > k.${dim.key}_hi${i} THEN x.v END) AS b${i}`);
				return `SELECT\n  ${cols.join(',\n  ')}\nFROM ${c.ref(`c_${dim.key}`)} x CROSS JOIN ${c.ref('k')} k`;
			},
		}),
	),
	{
		name: 'edges',
		deps: ['ref', 'sizes', 'k', 'o_r', 'o_f', 'o_m'],
		body: (c) => {
			const cols: string[] = ['ref.ref AS ref', 'n.n AS n', 'n.np AS np'];
			const quantiles = c.spec.scoring === 'quantiles';
			const t = quantiles ? undefined : checkedThresholds(c.spec);
			for (const dim of DIMS)
				for (let i = 1; i < c.spec.bins; i++) {
					const name = `e_${dim.key}${i}`;
					if (t) cols.push(`${c.p.double(t[dim.key][i - 1])} AS ${name}`);
					else
						cols.push(
							`${roundJs(c, `o_${dim.key}.a${i} + (k.${dim.key}_h${i} - k.${dim.key}_lo${i}) * (o_${dim.key}.b${i} - o_${dim.key}.a${i})`, 6)} AS ${name}`,
						);
				}
			const from = quantiles
				? `${c.ref('ref')} ref CROSS JOIN ${c.ref('sizes')} n CROSS JOIN ${c.ref('k')} k CROSS JOIN ${c.ref('o_r')} o_r CROSS JOIN ${c.ref('o_f')} o_f CROSS JOIN ${c.ref('o_m')} o_m`
				: `${c.ref('ref')} ref CROSS JOIN ${c.ref('sizes')} n`;
			return `SELECT\n  ${cols.join(',\n  ')}\nFROM ${from}`;
		},
	},
	{
		name: 'scored',
		deps: ['base', 'edges'],
		body: (c) => {
			const above = (dim: string, value: string) =>
				Array.from({ length: c.spec.bins - 1 }, (_, i) => `CASE WHEN b.${value} > e.e_${dim}${i + 1} THEN 1 ELSE 0 END`).join(' + ');
			return [
				'SELECT b.cid, b.rec, b.freq, b.mon, b.last_t, b.first_t,',
				`  ${c.spec.bins} - (${above('r', 'rec')}) AS r,`,
				`  1 + ${above('f', 'freq')} AS f,`,
				`  CASE WHEN b.pos = 1 THEN 1 + ${above('m', 'mon_d')} ELSE 1 END AS m`,
				`FROM ${c.ref('base')} b CROSS JOIN ${c.ref('edges')} e${c.d.fence}`,
			].join('\n');
		},
	},
	{
		name: 'final',
		deps: ['scored'],
		body: (c) => `SELECT s.*, ${segmentCase(c, 's.r * 100 + s.f * 10 + s.m')} AS segment FROM ${c.ref('scored')} s`,
	},
	{
		// row counts per skip reason, customers left out, currencies seen
		name: 'counts',
		deps: ['grp'],
		body: (c) => {
			const sums = possibleSkips(c.spec).map((i) => `COALESCE(SUM(CASE WHEN skip = ${i} THEN n END), 0) AS skip_${i}`);
			const drop = c.spec.nonPositiveMonetary === 'drop';
			return [
				'SELECT',
				`  ${sums.join(',\n  ')},`,
				'  COUNT(CASE WHEN skip = 0 AND freq = 0 THEN 1 END) AS no_orders,',
				`  COUNT(CASE WHEN skip = 0 AND freq > 0 AND ${drop ? 'mon <= 0' : '1 = 0'} THEN 1 END) AS non_positive`,
				`FROM ${c.ref('grp')}`,
			].join('\n');
		},
	},
	{
		// customers, revenue and sums per cell: the distribution and the segment summary add these up
		name: 'cells',
		deps: ['final'],
		body: (c) =>
			`SELECT r, f, m, segment, COUNT(*) AS customers, ${c.d.double(`SUM(${c.d.roundSum('mon', 4)})`)} AS revenue, SUM(rec) AS sum_recency, SUM(freq) AS sum_frequency FROM ${c.ref('final')} GROUP BY r, f, m, segment`,
	},
];

const BY_NAME = new Map(CTES.map((x) => [x.name, x]));

/** Segment of a cell code (r*100 + f*10 + m) from the map, as compileMap assigns it. */
function segmentCase(c: Ctx, cellCode: string): string {
	const { bins, map } = c.spec;
	const segmentOf = compileMap(map, bins);
	const cells = new Map<string, number[]>();
	for (let r = 1; r <= bins; r++)
		for (let f = 1; f <= bins; f++)
			for (let m = 1; m <= bins; m++) {
				const name = segmentOf(r, f, m);
				if (!cells.has(name)) cells.set(name, []);
				(cells.get(name) as number[]).push(r * 100 + f * 10 + m);
			}
	const whens = [...cells].map(([name, codes]) => `WHEN ${c.d.inList(cellCode, codes.map(String))} THEN ${c.p.text(name)}`);
	return `CASE ${whens.join('\n    ')} END`;
}

function fixedReference(spec: WarehouseRfmSpec): number | undefined {
	if (spec.reference.kind === 'fixed') return spec.reference.time;
	if (spec.reference.kind === 'now') return spec.reference.now;
	return undefined;
}

function usesWindowRef(spec: WarehouseRfmSpec): boolean {
	return spec.reference.kind === 'dayAfterLatest' && spec.windowDays > 0;
}

/** Skip codes a row can get with these options (the summary reports these). */
function possibleSkips(spec: WarehouseRfmSpec): number[] {
	const out: number[] = [];
	if (spec.columns.status && normalizedStatuses(spec.excludedStatuses).length) out.push(code('excludedStatus'));
	if (spec.columns.status && normalizedStatuses(spec.refundedStatuses).length) out.push(code('refundedOrder'));
	out.push(code('missingCustomerId'), code('invalidDate'), code('invalidAmount'));
	if (keptCurrency(spec)) out.push(code('otherCurrency'));
	if (fixedReference(spec) !== undefined) out.push(code('afterReferenceDate'));
	if (spec.windowDays > 0) out.push(code('outsideWindow'));
	return out;
}

function keptCurrency(spec: WarehouseRfmSpec): string | undefined {
	const keep = spec.keepCurrency?.trim().toUpperCase();
	return keep && spec.columns.currency ? keep : undefined;
}

/** Custom thresholds as RFM Score checks them: bins-1 finite, increasing numbers per dimension. */
export function checkedThresholds(spec: WarehouseRfmSpec): { r: number[]; f: number[]; m: number[] } {
	const t = spec.thresholds;
	const one = (name: string, list: number[] | undefined) => {
		if (!list || list.length !== spec.bins - 1 || list.some((x) => !Number.isFinite(x)))
			throw new WarehouseSqlError(`Custom thresholds for ${name} need ${spec.bins - 1} numbers for ${spec.bins} scores (got ${list ? list.length : 0})`);
		for (let i = 1; i < list.length; i++) if (!(list[i] > list[i - 1])) throw new WarehouseSqlError(`Custom thresholds for ${name} must increase: ${list.join(', ')}`);
		return list;
	};
	return { r: one('recency', t?.recency), f: one('frequency', t?.frequency), m: one('monetary', t?.monetary) };
}

/** Checks what the SQL cannot: bins, window, thresholds, segment names. Throws WarehouseSqlError. */
export function checkSpec(spec: WarehouseRfmSpec): void {
	if (![3, 4, 5].includes(spec.bins)) throw new WarehouseSqlError(`Number of scores must be 3, 4 or 5 (got ${spec.bins})`);
	if (!(Number.isInteger(spec.windowDays) && spec.windowDays >= 0))
		throw new WarehouseSqlError(`Only Orders of the Last N Days must be a whole number ≥ 0 (got ${spec.windowDays})`);
	if (spec.scoring === 'thresholds') checkedThresholds(spec);
	const reachable = reachableSegments(spec.map, spec.bins);
	const unknown = (spec.onlySegments ?? []).filter((s) => !reachable.includes(s));
	if (unknown.length)
		throw new WarehouseSqlError(
			`Unknown segment${unknown.length > 1 ? 's' : ''}: ${unknown.map((s) => `"${s}"`).join(', ')}`,
			`With this segment map and ${spec.bins} scores the segments are: ${reachable.join(', ')}`,
		);
}

/** The CTEs a statement needs (dependencies first), leaving out materialized ones. */
function needed(targets: string[], materialized: Record<string, string>, spec: WarehouseRfmSpec): Cte[] {
	const out: Cte[] = [];
	const seen = new Set<string>();
	const skipDep = (name: string) =>
		(name === 'windowed' && !usesWindowRef(spec)) ||
		(name === 'ref0' && !usesWindowRef(spec)) ||
		(spec.scoring === 'thresholds' && /^(k|[vco]_[rfm])$/.test(name));
	const visit = (name: string) => {
		if (seen.has(name) || materialized[name] || skipDep(name)) return;
		seen.add(name);
		const cte = BY_NAME.get(name) as Cte;
		for (const dep of cte.deps) visit(dep);
		out.push(cte);
	};
	for (const t of targets) visit(t);
	return out;
}

export interface SqlStatement {
	sql: string;
	/** Bound values, in placeholder order (empty for dialects that inline values). */
	params: SqlValue[];
}

export interface CustomersQuery {
	/** Keyset: only customers whose id sorts after this one (byte order). */
	after?: string;
	limit?: number;
}

/** Renders `WITH <needed CTEs> <select>`; `select` gets the context to reference CTEs and add values. */
function render(
	spec: WarehouseRfmSpec,
	d: Dialect,
	targets: string[],
	materialized: Record<string, string>,
	select: (c: Ctx) => string,
	pass?: PassOf,
): SqlStatement {
	const p = new Params(d);
	const c: Ctx = { d, p, spec, ref: (name) => materialized[name] ?? name, pass };
	const parts = needed(targets, materialized, spec).map((cte) => `${cte.name} AS (\n${indent(cte.body(c))}\n)`);
	const tail = select(c);
	return { sql: parts.length ? `WITH\n${parts.join(',\n')}\n${tail}` : tail, params: p.values };
}

function indent(s: string): string {
	return s
		.split('\n')
		.map((l) => `  ${l}`)
		.join('\n');
}

/** The output columns of a scored customer. */
export const CUSTOMER_COLUMNS = [
	'customer_id',
	'recency_days',
	'frequency',
	'monetary',
	'average_order_value',
	'r',
	'f',
	'm',
	'cell',
	'score',
	'segment',
	'last_order_ms',
	'first_order_ms',
] as const;

function customersSelect(c: Ctx, page: CustomersQuery): string {
	const { d, p, spec } = c;
	const where: string[] = [];
	if (spec.onlySegments?.length) where.push(inList(c, 'segment', spec.onlySegments));
	if (page.after !== undefined && page.after !== '') where.push(`${d.binaryText('cid')} > ${d.binaryText(p.text(page.after))}`);
	const text = (e: string) => d.text(e);
	return [
		'SELECT',
		'  cid AS customer_id,',
		`  ${d.double('rec')} AS recency_days,`,
		`  ${d.double('freq')} AS frequency,`,
		`  ${roundJs(c, d.double('mon'), 4)} AS monetary,`,
		`  ${roundJs(c, `${d.double('mon')} / freq`, 4)} AS average_order_value,`,
		'  r, f, m,',
		`  CONCAT(${text('r')}, ${text('f')}, ${text('m')}) AS cell,`,
		'  r + f + m AS score,',
		'  segment,',
		`  ${d.double('last_t')} AS last_order_ms,`,
		`  ${d.double('first_t')} AS first_order_ms`,
		`FROM ${c.ref('final')}`,
		...(where.length ? [`WHERE ${where.join(' AND ')}`] : []),
		`ORDER BY ${d.binaryText('cid')}`,
		...(page.limit ? [`LIMIT ${p.bigint(page.limit)}`] : []),
	].join('\n');
}

function summarySelect(c: Ctx): string {
	return `SELECT s.*, e.*, x.*\nFROM ${c.ref('edges')} e CROSS JOIN ${c.ref('counts')} x LEFT JOIN ${c.ref('cells')} s ON 1 = 1`;
}

export type Step = 'ref0' | 'grp' | 'edges' | 'final';

/**
 * Smallest and largest currency as written, over all rows: equal (or none) means the kept rows
 * have one currency at most. Reads the currency column alone (cheap on columnar engines).
 */
function currencyRangeSelect(c: Ctx): string {
	const col = c.spec.columns.currency as string;
	const x = c.d.text(c.d.ident(checkIdentifier(col, 'Currency column')));
	// the distinct values first: a few per file, and engines read a low-cardinality column's
	// distinct values far faster than they compare every row's text (50M rows: 0.1 s vs 0.6 s)
	return `SELECT MIN(d.x) AS currency_min, MAX(d.x) AS currency_max FROM (SELECT DISTINCT ${x} AS x FROM ${sourceSql(c)}) d`;
}

function sourceSizeSelect(c: Ctx): string {
	const s = c.spec.source;
	if (s.kind !== 'files') throw new WarehouseSqlError('Only files have a size to read');
	const list = fileList(c, s.paths);
	if (s.format === 'parquet') return `SELECT COUNT(*) AS rows, CAST(NULL AS BIGINT) AS bytes FROM read_parquet(${list})`;
	return `SELECT CAST(NULL AS BIGINT) AS rows, SUM(size) AS bytes FROM read_blob(${list})`;
}

/** `SELECT * FROM <source> LIMIT 0`: the source's column names, before the columns are mapped. */
export function sourceProbe(source: OrderSource, dialect: DialectName | Dialect): SqlStatement {
	const d = typeof dialect === 'string' ? dialectOf(dialect) : dialect;
	const spec = { source, columns: { customerId: 'x', date: 'x', amount: 'x' } } as WarehouseRfmSpec;
	return render(spec, d, [], {}, (c) => `SELECT * FROM ${sourceSql(c, true)} LIMIT 0`);
}

/** Builds the statements of one RFM run in one dialect. */
export function rfmSql(spec: WarehouseRfmSpec, dialect: DialectName | Dialect) {
	const d = typeof dialect === 'string' ? dialectOf(dialect) : dialect;
	checkSpec(spec);
	return {
		dialect: d.name,
		/** One statement: the scored customers (what BigQuery / Snowflake users paste). */
		customers: (page: CustomersQuery = {}, materialized: Record<string, string> = {}) =>
			render(spec, d, ['final'], materialized, (c) => customersSelect(c, page)),
		/** One statement: one row per (r, f, m) cell with its segment, customers, revenue and sums, plus the edges and skip counts. */
		summary: (materialized: Record<string, string> = {}) =>
			render(spec, d, ['edges', 'counts', 'cells'], materialized, summarySelect),
		/**
		 * The steps the node stores in temporary tables, in order; each reads the ones before it.
		 * `edges` also serves as `ref` (it carries the reference time).
		 */
		steps: (): Step[] => (usesWindowRef(spec) ? ['ref0', 'grp', 'edges', 'final'] : ['grp', 'edges', 'final']),
		/**
		 * `SELECT *` of one step, reading the steps materialized before it; `grp` can run in passes
		 * (the embedded engine), each giving its own customers (and pass 0 the skipped rows).
		 */
		step: (name: Step, materialized: Record<string, string>, pass?: PassOf) =>
			render(spec, d, [name], materialized, (c) => `SELECT * FROM ${c.ref(name)}`, pass),
		/** Files only: Parquet rows (from the files' metadata) or CSV bytes (no row is read). */
		sourceSize: () => render(spec, d, [], {}, sourceSizeSelect),
		/** Currencies as written (min and max) over the whole source; only with a currency column. */
		currencyRange: () => render(spec, d, [], {}, currencyRangeSelect),
		/** Any select over the named CTEs. */
		raw: (targets: string[], select: (c: Ctx) => string, materialized: Record<string, string> = {}) => render(spec, d, targets, materialized, select),
	};
}
