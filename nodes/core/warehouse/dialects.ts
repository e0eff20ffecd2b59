/**
 * SQL dialects of Warehouse RFM. The RFM statement (rfmSql.ts) is written once against this small
 * interface; each dialect supplies identifier quoting, casts, epoch milliseconds and how a value
 * enters the text:
 * - postgres, duckdb: bound parameters ($1, $2...), run by our node (tested on real servers);
 * - bigquery, snowflake: values inlined as escaped literals, so the text can be pasted into n8n's
 *   own Google BigQuery / Snowflake node (generated and text-tested here, not run).
 */

export type DialectName = 'postgres' | 'duckdb' | 'bigquery' | 'snowflake';
export const DIALECTS: readonly DialectName[] = ['postgres', 'duckdb', 'bigquery', 'snowflake'];

export class WarehouseSqlError extends Error {
	constructor(
		message: string,
		public readonly description?: string,
	) {
		super(message);
		this.name = 'WarehouseSqlError';
	}
}

/** A value placed in the statement: bound ($n) or inlined, always with an explicit type. */
export type SqlValue = { kind: 'text'; value: string } | { kind: 'bigint'; value: number } | { kind: 'double'; value: number };

export interface Dialect {
	name: DialectName;
	/** Whether values are bound parameters (else escaped literals in the text). */
	binds: boolean;
	/** One quoted identifier (a column or one part of a table name). */
	ident(name: string): string;
	text(expr: string): string;
	/** Exact money: DECIMAL(18,6) (amounts with more decimals are rounded to 6). */
	decimal(expr: string): string;
	double(expr: string): string;
	bigint(expr: string): string;
	/** Whole milliseconds since 1970-01-01 UTC of a DATE / TIMESTAMP (without zone = UTC) column, or ISO text. */
	epochMs(expr: string): string;
	/** The same for a column known to be DATE / TIMESTAMP / TIMESTAMPTZ: no cast (a time-zone cast costs 60% of DuckDB's scan). */
	epochMsOfTemporal(expr: string): string;
	/** Text comparison in byte order (keyset pagination must not depend on the server's locale). */
	binaryText(expr: string): string;
	/**
	 * `expr` is one of `items` (rendered values). IN by default; DuckDB plans a long IN list as a
	 * hash join (a fifth of the orders scan), `list_contains` is a plain function (NULL stays NULL).
	 */
	inList(expr: string, items: string[]): string;
	/** ROUND of an exact sum (the engine's wide decimal), half away from zero. */
	roundSum(expr: string, digits: number): string;
	/**
	 * Appended to a CTE whose computed columns are used many times: PostgreSQL inlines CTEs and
	 * would compute an expression again at each use; `OFFSET 0` keeps the subquery (computed once
	 * per row, still streamed). Empty for engines that share common subexpressions.
	 */
	fence: string;
	/** A literal of the given value (used when `binds` is false, and for constants we generate). */
	literal(v: SqlValue): string;
	/** Placeholder of the n-th bound value (1-based), typed. */
	placeholder(n: number, v: SqlValue): string;
}

const IDENT_RE = /^[\p{L}_][\p{L}\p{N}_$ -]{0,127}$/u;

/**
 * Checks a column or table-name part taken from a node parameter. Letters (any script), digits,
 * underscore, `$`, space and `-` (BigQuery project ids); no quotes, dots or control characters, so
 * quoting it can never end the identifier early.
 */
export function checkIdentifier(name: string, what: string): string {
	const s = String(name ?? '').trim();
	if (!IDENT_RE.test(s) || s.endsWith(' '))
		throw new WarehouseSqlError(
			`${what} "${String(name ?? '').slice(0, 60)}" is not a valid column or table name`,
			'Use the name as the database shows it: letters, digits, underscores (also $, - and spaces); no quotes or dots. A table may be written schema.table or project.dataset.table.',
		);
	return s;
}

/** Splits and checks `schema.table` / `project.dataset.table` (1 to 3 parts). */
export function checkTableName(name: string): string[] {
	const parts = String(name ?? '').trim().split('.');
	if (parts.length > 3 || parts.some((p) => p.trim() === ''))
		throw new WarehouseSqlError(`Table "${String(name ?? '').slice(0, 80)}" is not a table name`, 'Write it as table, schema.table or database.schema.table (project.dataset.table in BigQuery).');
	return parts.map((p) => checkIdentifier(p, 'Table name part'));
}

function checkFinite(v: SqlValue): void {
	if (v.kind !== 'text' && !Number.isFinite(v.value)) throw new WarehouseSqlError(`Not a finite number: ${v.value}`);
	if (v.kind === 'bigint' && !Number.isSafeInteger(v.value)) throw new WarehouseSqlError(`Not a whole number: ${v.value}`);
}

/** Shortest decimal text that reads back as the same double (JavaScript's own). */
function doubleText(x: number): string {
	const s = String(x);
	return /[.eE]/.test(s) ? s : `${s}.0`;
}

const quoteDouble = (name: string) => `"${name.replace(/"/g, '""')}"`;
const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** BigQuery and Snowflake string literals take backslash escapes. */
const backslashString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;

function makeDialect(
	name: DialectName,
	d: Omit<Dialect, 'name' | 'literal' | 'placeholder' | 'binds' | 'epochMsOfTemporal' | 'inList' | 'roundSum'> & {
		types: Record<SqlValue['kind'], string>;
		str: (s: string) => string;
		binds: boolean;
		epochMsOfTemporal?: (expr: string) => string;
		inList?: (expr: string, items: string[]) => string;
		roundSum?: (expr: string, digits: number) => string;
	},
): Dialect {
	const literal = (v: SqlValue) => {
		checkFinite(v);
		if (v.kind === 'text') return d.str(v.value);
		if (v.kind === 'bigint') return String(v.value);
		return `CAST(${d.str(doubleText(v.value))} AS ${d.types.double})`;
	};
	return {
		name,
		binds: d.binds,
		ident: d.ident,
		text: d.text,
		decimal: d.decimal,
		double: d.double,
		bigint: d.bigint,
		epochMs: d.epochMs,
		epochMsOfTemporal: d.epochMsOfTemporal ?? d.epochMs,
		binaryText: d.binaryText,
		inList: d.inList ?? ((e, items) => `${e} IN (${items.join(', ')})`),
		roundSum: d.roundSum ?? ((e, digits) => `ROUND(${e}, ${digits})`),
		fence: d.fence,
		literal,
		placeholder: (n, v) => {
			checkFinite(v);
			return `CAST($${n} AS ${d.types[v.kind]})`;
		},
	};
}

export const POSTGRES: Dialect = makeDialect('postgres', {
	binds: true,
	types: { text: 'TEXT', bigint: 'BIGINT', double: 'DOUBLE PRECISION' },
	str: sqlString,
	ident: quoteDouble,
	text: (e) => `CAST(${e} AS TEXT)`,
	decimal: (e) => `CAST(${e} AS NUMERIC(18,6))`,
	double: (e) => `CAST(${e} AS DOUBLE PRECISION)`,
	bigint: (e) => `CAST(${e} AS BIGINT)`,
	// EXTRACT(EPOCH ...) is exact (numeric) on PostgreSQL 14+; the session runs in UTC, so DATE and
	// TIMESTAMP (and ISO text) are read as UTC
	epochMs: (e) => `CAST(FLOOR(EXTRACT(EPOCH FROM CAST(${e} AS TIMESTAMPTZ)) * 1000) AS BIGINT)`,
	// date and timestamp: the nominal (UTC) epoch; timestamptz: the instant
	epochMsOfTemporal: (e) => `CAST(FLOOR(EXTRACT(EPOCH FROM ${e}) * 1000) AS BIGINT)`,
	binaryText: (e) => `(${e} COLLATE "C")`,
	fence: '\nOFFSET 0',
});

export const DUCKDB: Dialect = makeDialect('duckdb', {
	binds: true,
	types: { text: 'VARCHAR', bigint: 'BIGINT', double: 'DOUBLE' },
	str: sqlString,
	ident: quoteDouble,
	text: (e) => `CAST(${e} AS VARCHAR)`,
	decimal: (e) => `CAST(${e} AS DECIMAL(18,6))`,
	double: (e) => `CAST(${e} AS DOUBLE)`,
	bigint: (e) => `CAST(${e} AS BIGINT)`,
	epochMs: (e) => `epoch_ms(CAST(${e} AS TIMESTAMPTZ))`,
	// DATE and TIMESTAMP are read as UTC, TIMESTAMPTZ as its instant (no time-zone cast)
	epochMsOfTemporal: (e) => `epoch_ms(${e})`,
	binaryText: (e) => e,
	inList: (e, items) => `list_contains([${items.join(', ')}], ${e})`,
	// a sum of DECIMAL(18,6) is a 128-bit DECIMAL(38,6), whose ROUND is a 128-bit division (3 s
	// over 5M customers); the same value rounded as DECIMAL(18,6) when it fits (all but sums
	// beyond 10^12) costs a tenth
	roundSum: (e, digits) => `COALESCE(ROUND(TRY_CAST(${e} AS DECIMAL(18,6)), ${digits}), ROUND(${e}, ${digits}))`,
	fence: '',
});

export const BIGQUERY: Dialect = makeDialect('bigquery', {
	binds: false,
	types: { text: 'STRING', bigint: 'INT64', double: 'FLOAT64' },
	str: backslashString,
	ident: (n) => `\`${n}\``,
	text: (e) => `CAST(${e} AS STRING)`,
	decimal: (e) => `CAST(${e} AS NUMERIC(18,6))`,
	double: (e) => `CAST(${e} AS FLOAT64)`,
	bigint: (e) => `CAST(${e} AS INT64)`,
	epochMs: (e) => `UNIX_MILLIS(CAST(${e} AS TIMESTAMP))`,
	binaryText: (e) => e,
	fence: '',
});

export const SNOWFLAKE: Dialect = makeDialect('snowflake', {
	binds: false,
	types: { text: 'VARCHAR', bigint: 'BIGINT', double: 'DOUBLE' },
	str: backslashString,
	// Unquoted names resolve case-insensitively (CUSTOMER_ID = customer_id); others are quoted.
	ident: (n) => (/^[A-Za-z_][A-Za-z0-9_$]*$/.test(n) ? n : quoteDouble(n)),
	text: (e) => `CAST(${e} AS VARCHAR)`,
	decimal: (e) => `CAST(${e} AS NUMBER(18,6))`,
	double: (e) => `CAST(${e} AS DOUBLE)`,
	bigint: (e) => `CAST(${e} AS BIGINT)`,
	epochMs: (e) => `DATE_PART(EPOCH_MILLISECOND, ${e})`,
	binaryText: (e) => `COLLATE(${e}, 'utf8')`,
	fence: '',
});

/** The same dialect with values written into the text as literals (SQL to read or paste). */
export function inlined(d: Dialect): Dialect {
	return { ...d, binds: false };
}

export function dialectOf(name: DialectName): Dialect {
	const d = { postgres: POSTGRES, duckdb: DUCKDB, bigquery: BIGQUERY, snowflake: SNOWFLAKE }[name];
	if (!d) throw new WarehouseSqlError(`Unknown SQL dialect "${name}"`);
	return d;
}

/** Collects the values of one statement: placeholders in order, or literals. */
export class Params {
	readonly values: SqlValue[] = [];
	constructor(private readonly dialect: Dialect) {}
	add(v: SqlValue): string {
		if (!this.dialect.binds) return this.dialect.literal(v);
		this.values.push(v);
		return this.dialect.placeholder(this.values.length, v);
	}
	text(value: string): string {
		return this.add({ kind: 'text', value });
	}
	bigint(value: number): string {
		return this.add({ kind: 'bigint', value });
	}
	double(value: number): string {
		return this.add({ kind: 'double', value });
	}
}
