/**
 * The SQL text of Warehouse RFM in its four dialects, generated from one definition (rfmSql.ts).
 * BigQuery and Snowflake cannot run here: their text is checked (structure shared with the
 * dialects that run, quoting, literals, no NTILE), and the same one-statement form, with values
 * written as literals as for BigQuery / Snowflake, is run in DuckDB and PostgreSQL against the
 * node's materialized run. The SQL shown in docs/nodes/WarehouseRfm.md is the generated text
 * (UPDATE_DOCS=1 rewrites it).
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_EXCLUDED_STATUSES, DEFAULT_REFUNDED_STATUSES } from '../../nodes/core/rfm/fieldGuesses';
import { RF_MAP } from '../../nodes/core/rfm/segmentMaps';
import { BIGQUERY, DUCKDB, POSTGRES, SNOWFLAKE, WarehouseSqlError, checkIdentifier, inlined, type Dialect } from '../../nodes/core/warehouse/dialects';
import { openDuckDb, openPostgres, type Row, type SqlSession } from '../../nodes/core/warehouse/engines';
import { rfmSql, type WarehouseRfmSpec } from '../../nodes/core/warehouse/rfmSql';
import { runWarehouseRfm, type ScoredCustomer } from '../../nodes/core/warehouse/run';
import { dropPg, loadPg, pgUrl, tableName, tempDir, writeCsv, type OrderRecord } from './warehouse-fixtures';

const DOC = path.resolve(__dirname, '../../docs/nodes/WarehouseRfm.md');

/** The example of the docs: an orders table with the usual columns, defaults, one currency kept. */
export const DOC_SPEC = (table: string): WarehouseRfmSpec => ({
	source: { kind: 'table', table },
	columns: { customerId: 'customer_id', orderId: 'order_id', date: 'created_at', amount: 'total', currency: 'currency', status: 'status' },
	excludedStatuses: DEFAULT_EXCLUDED_STATUSES,
	refundedStatuses: DEFAULT_REFUNDED_STATUSES,
	reference: { kind: 'dayAfterLatest' },
	windowDays: 0,
	bins: 5,
	scoring: 'quantiles',
	nonPositiveMonetary: 'keepAsLowest',
	keepCurrency: 'USD',
	map: RF_MAP,
});

const ctes = (sql: string) => [...sql.matchAll(/^(\w+) AS \($/gm)].map((m) => m[1]);

describe('one definition, four dialects', () => {
	const texts = Object.fromEntries(
		[POSTGRES, DUCKDB, BIGQUERY, SNOWFLAKE].map((d) => [d.name, rfmSql(DOC_SPEC(d.name === 'bigquery' ? 'my-project.shop.orders' : 'shop.orders'), d)]),
	);

	it('the same chain of steps in every dialect, and never NTILE', () => {
		const chain = ctes(texts.postgres.customers().sql);
		expect(chain).toEqual(['src', 'classified', 'grp', 'cust', 'ref', 'base', 'sizes', 'k', 'v_r', 'c_r', 'o_r', 'v_f', 'c_f', 'o_f', 'v_m', 'c_m', 'o_m', 'edges', 'scored', 'final']);
		for (const name of ['duckdb', 'bigquery', 'snowflake']) expect(ctes(texts[name].customers().sql)).toEqual(chain);
		expect(ctes(texts.snowflake.summary().sql)).toEqual(ctes(texts.postgres.summary().sql));
		for (const t of Object.values(texts)) {
			expect(t.customers().sql).not.toMatch(/NTILE|RANK\(|PERCENT/i);
			expect(t.summary().sql).not.toMatch(/NTILE/i);
		}
	});

	it('BigQuery: backquoted names, backslash-escaped literals, FLOAT64 / NUMERIC(18,6) / UNIX_MILLIS', () => {
		const spec = { ...DOC_SPEC('my-project.shop.orders'), excludedStatuses: ["o'brien\\x"], onlySegments: ["Can't Lose Them"] };
		const sql = rfmSql(spec, BIGQUERY).customers({ after: "C'1", limit: 50 }).sql;
		expect(sql).toContain('FROM `my-project`.`shop`.`orders`');
		expect(sql).toContain("st IN ('o\\'brien\\\\x')");
		expect(sql).toContain("segment IN ('Can\\'t Lose Them')");
		expect(sql).toContain("cid > 'C\\'1'");
		expect(sql).toContain('UNIX_MILLIS(CAST(`created_at` AS TIMESTAMP))');
		expect(sql).toContain('CAST(`total` AS NUMERIC(18,6))');
		expect(sql).toContain("CAST('1000000.0' AS FLOAT64)");
		expect(sql).toMatch(/LIMIT 50$/);
		expect(sql).not.toMatch(/\$\d/);
		expect(rfmSql(spec, BIGQUERY).customers().params).toEqual([]);
	});

	it('Snowflake: plain names stay unquoted (case-insensitive), others quoted; NUMBER(18,6); EPOCH_MILLISECOND', () => {
		const spec = { ...DOC_SPEC('SHOP.PUBLIC.ORDERS'), columns: { ...DOC_SPEC('x').columns, date: 'Order Date' } };
		const sql = rfmSql(spec, SNOWFLAKE).customers().sql;
		expect(sql).toContain('FROM SHOP.PUBLIC.ORDERS');
		expect(sql).toContain('DATE_PART(EPOCH_MILLISECOND, "Order Date")');
		expect(sql).toContain('CAST(total AS NUMBER(18,6))');
		expect(sql).toContain("WHEN NULLIF(UPPER(TRIM(cur)), '') <> 'USD'");
	});

	it('PostgreSQL and DuckDB: every value is a bound parameter, never in the text', () => {
		const spec = { ...DOC_SPEC('shop.orders'), excludedStatuses: ["o'brien"], keepCurrency: 'US$', onlySegments: ['Champions'] };
		for (const d of [POSTGRES, DUCKDB]) {
			const stmt = rfmSql(spec, d).customers({ after: 'zz', limit: 3 });
			expect(stmt.sql).not.toContain("o'brien");
			expect(stmt.sql).not.toContain('US$');
			expect(stmt.sql).not.toContain("'zz'");
			expect(stmt.params.map((p) => p.value)).toEqual(expect.arrayContaining(["o'brien", 'US$', 'Champions', 'zz', 3]));
			expect(stmt.sql).toMatch(/\$1\b/);
		}
	});

	it('names that could end a quoted identifier are refused', () => {
		for (const bad of ['a"b', 'a`b', 'a;b', 'a.b', "a'b", '', ' ', 'a\nb', '1abc']) expect(() => checkIdentifier(bad, 'Column')).toThrow(WarehouseSqlError);
		for (const good of ['customer_id', 'Customer ID', 'Bestellnr_ö', 'kundennummer', 'x$1', 'my-project']) expect(checkIdentifier(good, 'Column')).toBe(good);
		expect(() => rfmSql({ ...DOC_SPEC('a.b.c.d') }, POSTGRES).customers()).toThrow(/is not a table name/);
		expect(() => rfmSql({ ...DOC_SPEC('shop.orders'), columns: { ...DOC_SPEC('x').columns, amount: 'total"); DROP TABLE t; --' } }, BIGQUERY).customers()).toThrow(
			/Amount column .* is not a valid column or table name/,
		);
	});

	it('checks what SQL cannot: thresholds, segment names, window', () => {
		const base = DOC_SPEC('t');
		expect(() => rfmSql({ ...base, scoring: 'thresholds', thresholds: { recency: [30, 20, 40, 50], frequency: [1, 2, 3, 4], monetary: [1, 2, 3, 4] } }, POSTGRES)).toThrow(
			'Custom thresholds for recency must increase: 30, 20, 40, 50',
		);
		expect(() => rfmSql({ ...base, onlySegments: ['Champs'] }, POSTGRES)).toThrow('Unknown segment: "Champs"');
		expect(() => rfmSql({ ...base, windowDays: 1.5 }, POSTGRES)).toThrow(/whole number/);
	});

	it('docs/nodes/WarehouseRfm.md shows the generated BigQuery and Snowflake SQL', () => {
		const blocks: [string, string][] = [
			['bigquery', texts.bigquery.customers().sql],
			['snowflake', texts.snowflake.customers().sql],
		];
		let doc = fs.readFileSync(DOC, 'utf8');
		for (const [name, sql] of blocks) {
			const re = new RegExp(`(<!-- generated:${name} -->\\n\`\`\`sql\\n)([\\s\\S]*?)(\\n\`\`\`)`);
			expect(doc).toMatch(re);
			if (process.env.UPDATE_DOCS === '1') doc = doc.replace(re, (_m, a, _b, c) => `${a}${sql}${c}`);
			else expect((re.exec(doc) as RegExpExecArray)[2]).toBe(sql);
		}
		if (process.env.UPDATE_DOCS === '1') fs.writeFileSync(DOC, doc);
	});
});

/** One-statement SQL with literals (as pasted into BigQuery / Snowflake) vs the node's stored steps. */
describe.each(['duckdb', 'postgres'] as const)('the pasted one-statement form runs in %s and gives the node\'s result', (engine) => {
	const records: OrderRecord[] = [];
	for (let i = 0; i < 400; i++)
		records.push({
			customer_id: `K${i % 97}`,
			order_id: `O${Math.floor(i / 2)}`,
			created_at: new Date(Date.UTC(2025, 0, 1) + (i * 7919) % 300 * 86400000).toISOString(),
			total: ((i * 37) % 11) * 5 - (i % 23 === 0 ? 60 : 0),
			currency: i % 13 === 0 ? 'EUR' : 'USD',
			status: ['paid', "o'brien", 'cancelled', 'refunded'][i % 4 === 3 && i % 8 === 7 ? 3 : i % 17 === 0 ? 2 : i % 19 === 0 ? 1 : 0],
		});
	const dir = tempDir();
	const csv = writeCsv(records, dir);
	const table = tableName('pasted');
	let session: SqlSession;
	const d: Dialect = engine === 'duckdb' ? DUCKDB : POSTGRES;
	const spec = (): WarehouseRfmSpec => ({
		...DOC_SPEC(table),
		source: engine === 'duckdb' ? { kind: 'files', format: 'csv', paths: [csv] } : { kind: 'table', table },
		excludedStatuses: ["o'brien", 'cancelled'],
		onlySegments: ['Hibernating', 'At Risk', 'Champions'],
	});
	beforeAll(async () => {
		if (engine === 'postgres') await loadPg(table, records);
		session = engine === 'duckdb' ? await openDuckDb({ directories: [dir] }) : await openPostgres({ connectionUrl: pgUrl() });
	}, 60000);
	afterAll(async () => {
		await session.close();
		if (engine === 'postgres') await dropPg([table]);
	});

	it('customers and summary', async () => {
		const run = await runWarehouseRfm(session, spec(), {});
		const viaNode: ScoredCustomer[] = [];
		for await (const p of run.pages()) viaNode.push(...p);
		await run.close();
		const plan = rfmSql(spec(), inlined(d));
		const customers = plan.customers();
		expect(customers.params).toEqual([]);
		expect(customers.sql).toContain("'o''brien'");
		const pasted = (await session.query(customers)).map((r: Row) => [r.customer_id, Number(r.r), Number(r.f), Number(r.m), r.segment, Number(r.monetary)]);
		expect(pasted).toEqual(viaNode.map((c) => [c.customerId, c.r, c.f, c.m, c.segment, c.monetary]));
		expect(pasted.length).toBeGreaterThan(10);
		const summary = await session.query(plan.summary());
		const bySegment: Record<string, number> = {};
		for (const cell of summary) bySegment[cell.segment as string] = (bySegment[cell.segment as string] ?? 0) + Number(cell.customers);
		expect(bySegment).toEqual(Object.fromEntries(run.summary.segments.filter((s) => s.customers).map((s) => [s.segment, s.customers])));
		expect(Number(summary[0].e_m1)).toBe(run.summary.edges.monetary[0]);
		expect(Number(summary[0].skip_1)).toBe(run.summary.skipped.excludedStatus);
	});
});
