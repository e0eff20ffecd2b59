/**
 * Sessions on the two engines our node runs SQL on. One session = one connection, so the
 * temporary tables of a run live and die with it.
 * - PostgreSQL through `pg` (a dependency already, for Campaign Send's ledger). The session runs
 *   in UTC; int8 and numeric results are read as numbers.
 * - DuckDB, embedded, through the optional dependency `@duckdb/node-api` (about 70 MB of native
 *   binary; loaded on first use, with a clear error when it is not installed). Each run gets its
 *   own in-memory database that may read only the directories of the given files: allowed
 *   directories are set, then external access is switched off and the configuration locked, so
 *   no SQL can reach other files, extensions or the network.
 */
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- runtime dependency of this package: the PostgreSQL client (already used by the Campaign Send ledger)
import { Client, types as pgTypes, type ClientConfig } from 'pg';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- the embedded engine's spill folder
import { tmpdir } from 'os';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- the embedded engine's spill folder
import { join } from 'path';
import { poolConfig, type PostgresConnection } from '../delivery/ledgerPostgres';
import { POSTGRES, WarehouseSqlError, checkTableName, type DialectName, type SqlValue } from './dialects';
import type { SqlStatement } from './rfmSql';

export type Row = Record<string, unknown>;

/** A source column: numbers, dates / timestamps, or anything else (text...). */
export interface Column {
	name: string;
	kind: 'number' | 'temporal' | 'other';
}

/** PostgreSQL type oids: int2, int4, int8, float4, float8, numeric; date, timestamp, timestamptz. */
const PG_NUMERIC_TYPES = new Set([21, 23, 20, 700, 701, 1700]);
const PG_TEMPORAL_TYPES = new Set([1082, 1114, 1184]);
const DUCKDB_NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;
const DUCKDB_TEMPORAL = /^(DATE|TIMESTAMP)/;

export interface SqlSession {
	readonly dialect: Extract<DialectName, 'postgres' | 'duckdb'>;
	query(stmt: SqlStatement): Promise<Row[]>;
	/** Columns of a query that reads no row: names and kinds. */
	columnsOf(stmt: SqlStatement): Promise<Column[]>;
	/**
	 * Runs one query and yields its rows in pages of `pageSize`, in the query's order, through a
	 * server-side cursor (PostgreSQL) or a streamed result (DuckDB): the query runs and sorts once.
	 */
	stream(stmt: SqlStatement, pageSize: number): AsyncGenerator<Row[]>;
	/** Whether `column` of `table` has a unique index of its own (then each row is its own order). */
	uniqueColumn?(table: string, column: string): Promise<boolean>;
	/** Gathers planner statistics on a table just created (PostgreSQL plans the next steps with them). */
	analyze(table: string): Promise<void>;
	close(): Promise<void>;
}

function plain(v: unknown): unknown {
	if (typeof v === 'bigint') return Number(v);
	if (v !== null && typeof v === 'object' && 'toDouble' in v && typeof (v as { toDouble: unknown }).toDouble === 'function')
		return (v as { toDouble: () => number }).toDouble();
	return v;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

export async function openPostgres(connection: PostgresConnection, options: { statementTimeoutMs?: number } = {}): Promise<SqlSession> {
	const base = poolConfig(connection);
	const config: ClientConfig = {
		connectionString: base.connectionString,
		host: base.host,
		port: base.port,
		database: base.database,
		user: base.user,
		password: base.password as string | undefined,
		ssl: base.ssl,
		application_name: 'n8n-microsegments-warehouse',
		connectionTimeoutMillis: base.connectionTimeoutMillis,
		// int8 and numeric as numbers for this client only (the ledger's clients keep pg's defaults)
		types: {
			getTypeParser: ((oid: number, format: 'text') => (oid === PG_INT8 || oid === PG_NUMERIC ? Number : pgTypes.getTypeParser(oid, format))) as never,
		},
	};
	const client = new Client(config);
	await client.connect();
	try {
		await client.query("SET TIME ZONE 'UTC'");
		if (options.statementTimeoutMs) await client.query(`SET statement_timeout = ${Math.max(0, Math.floor(options.statementTimeoutMs))}`);
	} catch (e) {
		await client.end().catch(() => undefined);
		throw e;
	}
	const values = (params: SqlValue[]) => params.map((p) => (p.kind === 'text' ? p.value : String(p.value)));
	return {
		dialect: 'postgres',
		async query(stmt) {
			const res = await client.query({ text: stmt.sql, values: values(stmt.params) });
			return res.rows as Row[];
		},
		async columnsOf(stmt) {
			const res = await client.query({ text: stmt.sql, values: values(stmt.params) });
			return res.fields.map((f) => ({ name: f.name, kind: PG_NUMERIC_TYPES.has(f.dataTypeID) ? 'number' : PG_TEMPORAL_TYPES.has(f.dataTypeID) ? 'temporal' : 'other' }));
		},
		async *stream(stmt, pageSize) {
			await client.query('BEGIN');
			try {
				await client.query({ text: `DECLARE wrfm_pages NO SCROLL CURSOR FOR ${stmt.sql}`, values: values(stmt.params) });
				for (;;) {
					const res = await client.query(`FETCH FORWARD ${Math.max(1, Math.floor(pageSize))} FROM wrfm_pages`);
					if (res.rows.length) yield res.rows as Row[];
					if (res.rows.length < pageSize) break;
				}
				await client.query('CLOSE wrfm_pages');
			} finally {
				await client.query('COMMIT').catch(() => undefined);
			}
		},
		async uniqueColumn(table, column) {
			const name = checkTableName(table)
				.map((x) => POSTGRES.ident(x))
				.join('.');
			const res = await client.query({
				text: `SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL AND a.attname = $2`,
				values: [name, column],
			});
			return res.rows.length > 0;
		},
		async analyze(table) {
			// without statistics a temporary table is estimated at hundreds of millions of rows, which
			// turns on JIT compilation (a second of compiling for a query of milliseconds)
			await client.query(`ANALYZE ${table}`);
		},
		async close() {
			await client.end().catch(() => undefined);
		},
	};
}

// ---------------------------------------------------------------------------------------------
// DuckDB

export const DUCKDB_PACKAGE = '@duckdb/node-api';
export const DUCKDB_VERSION = '1.5.6-r.1';

interface DuckDbModule {
	DuckDBInstance: { create(path?: string, options?: Record<string, string>): Promise<DuckDbInstance> };
}
interface DuckDbInstance {
	connect(): Promise<DuckDbConnection>;
	closeSync(): void;
}
interface DuckDbChunk {
	rowCount: number;
	getColumns(): unknown[][];
}
interface DuckDbConnection {
	run(sql: string, values?: unknown[]): Promise<unknown>;
	stream(sql: string, values?: unknown[]): Promise<{ fetchChunk(): Promise<DuckDbChunk | null>; deduplicatedColumnNames(): string[] }>;
	runAndReadAll(sql: string, values?: unknown[]): Promise<{ getRowObjectsJS(): Row[]; columnNames(): string[]; columnTypes(): { toString(): string }[] }>;
	closeSync(): void;
}

let duckdbModule: DuckDbModule | undefined;

/** Loads the optional dependency once; throws a WarehouseSqlError that says how to install it. */
/**
 * Loads the optional dependency (once; `load` replaces `require` for tests); throws a
 * WarehouseSqlError that says how to install it.
 */
export function loadDuckDb(load?: (name: string) => unknown): DuckDbModule {
	if (duckdbModule && !load) return duckdbModule;
	try {
		const mod = (load ?? require)(DUCKDB_PACKAGE) as DuckDbModule;
		if (!load) duckdbModule = mod;
		return mod;
	} catch (e) {
		throw new WarehouseSqlError(
			`The embedded engine needs the optional package ${DUCKDB_PACKAGE}, which is not installed here (${(e as Error).message.split('\n')[0]})`,
			`It is installed with this package unless optional dependencies were left out (npm --omit=optional) or your platform has no DuckDB build (linux x64/arm64 with glibc or musl, macOS, Windows x64). Install it in the folder that holds this package, e.g. "cd ~/.n8n/nodes && npm install ${DUCKDB_PACKAGE}@${DUCKDB_VERSION}", then restart n8n; or choose PostgreSQL as the engine.`,
		);
	}
}

export interface DuckDbOptions {
	/** The only folders the run may read (files.ts: each file's folder or a pattern's fixed folder). */
	directories: string[];
	/** DuckDB threads (default: DuckDB's own, the number of cores). */
	threads?: number;
	/** e.g. "2GB" (default: DuckDB's own, 80% of the memory). */
	memoryLimit?: string;
	/** Where the engine may spill what does not fit in the memory limit (default: a folder of the system's temp directory). */
	tempDirectory?: string;
}

export async function openDuckDb(options: DuckDbOptions, load?: (name: string) => unknown): Promise<SqlSession> {
	const { DuckDBInstance } = loadDuckDb(load);
	const config: Record<string, string> = {};
	if (options.threads) config.threads = String(options.threads);
	if (options.memoryLimit) config.memory_limit = options.memoryLimit;
	const instance = await DuckDBInstance.create(':memory:', config);
	const spill = options.tempDirectory ?? join(tmpdir(), `n8n-microsegments-duckdb-${process.pid}`);
	const con = await instance.connect();
	const close = async () => {
		try {
			con.closeSync();
		} finally {
			instance.closeSync();
		}
	};
	try {
		const dirs = [...new Set(options.directories.map((d) => d.replace(/\/?$/, '/')))];
		await con.run("SET TimeZone = 'UTC'");
		// every result is ordered explicitly: no need to keep insertion order (less memory)
		await con.run('SET preserve_insertion_order = false');
		await con.run(`SET temp_directory = '${spill.replace(/'/g, "''")}'`);
		await con.run('SET autoinstall_known_extensions = false');
		await con.run(`SET allowed_directories = [${dirs.map((d) => `'${d.replace(/'/g, "''")}'`).join(', ')}]`);
		await con.run('SET enable_external_access = false');
		await con.run('SET lock_configuration = true');
	} catch (e) {
		await close();
		throw e;
	}
	const values = (params: SqlValue[]) => params.map((p) => p.value);
	return {
		dialect: 'duckdb',
		async query(stmt) {
			const reader = await con.runAndReadAll(stmt.sql, values(stmt.params));
			const rows = reader.getRowObjectsJS();
			for (const row of rows) for (const k of Object.keys(row)) row[k] = plain(row[k]);
			return rows;
		},
		async columnsOf(stmt) {
			const reader = await con.runAndReadAll(stmt.sql, values(stmt.params));
			const types = reader.columnTypes();
			return reader.columnNames().map((name, i) => {
				const type = String(types[i]);
				return { name, kind: DUCKDB_NUMERIC.test(type) ? 'number' : DUCKDB_TEMPORAL.test(type) ? 'temporal' : 'other' };
			});
		},
		async *stream(stmt, pageSize) {
			const result = await con.stream(stmt.sql, values(stmt.params));
			const names = result.deduplicatedColumnNames();
			let page: Row[] = [];
			for (;;) {
				const chunk = await result.fetchChunk();
				if (!chunk || chunk.rowCount === 0) break;
				// columns read whole (much cheaper than row objects of DuckDB values), rows built once
				const columns = chunk.getColumns().map((col) => col.map(plain));
				for (let i = 0; i < chunk.rowCount; i++) {
					const row: Row = {};
					for (let k = 0; k < names.length; k++) row[names[k]] = columns[k][i];
					page.push(row);
					if (page.length >= pageSize) {
						yield page;
						page = [];
					}
				}
			}
			if (page.length) yield page;
		},
		async analyze() {
			/* DuckDB keeps statistics as it writes */
		},
		close,
	};
}
