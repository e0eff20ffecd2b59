/**
 * Shared by the Warehouse RFM tests: CDNOW orders, order sets written as CSV (DuckDB) or loaded into
 * a PostgreSQL table, and the PostgreSQL server (`bash .ci/postgres.sh`, started when
 * MICRO_TEST_PG_URL is not set: these tests never skip).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';

const ROOT = path.resolve(__dirname, '..', '..');

export interface OrderRecord {
	customer_id: string | null;
	order_id?: string | null;
	created_at: string | null;
	total: number | null;
	currency?: string | null;
	status?: string | null;
}

/** CDNOW master (test/fixtures/cdnow): 69,659 orders of 23,570 customers, dates as YYYY-MM-DD. */
export function cdnowOrders(): OrderRecord[] {
	const lines = fs.readFileSync(path.join(ROOT, 'test/fixtures/cdnow/CDNOW_master.txt'), 'utf8').trim().split(/\r?\n/);
	lines.shift();
	return lines.map((l) => {
		const [id, d, , dollars] = l.trim().split(/\s+/);
		return { customer_id: id, created_at: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`, total: Number(dollars) };
	});
}

const made: string[] = [];
process.once('exit', () => {
	for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder, removed when the test process exits. */
export function tempDir(prefix = 'wrfm-'): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	made.push(dir);
	return dir;
}

const csvField = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : `"${String(v).replace(/"/g, '""')}"`);

/** Writes the records as a CSV file with a header (null = empty field); returns its path. */
export function writeCsv(records: OrderRecord[], dir: string, name = 'orders.csv'): string {
	const cols = ['customer_id', 'order_id', 'created_at', 'total', 'currency', 'status'] as const;
	const lines = [cols.join(',')];
	for (const r of records) lines.push(cols.map((c) => csvField(r[c])).join(','));
	const file = path.join(dir, name);
	fs.writeFileSync(file, lines.join('\n') + '\n');
	return file;
}

/**
 * Writes the records as a Parquet file as a warehouse export has it (ids text, created_at a
 * TIMESTAMP WITH TIME ZONE, total a DOUBLE), through a DuckDB of its own; returns its path.
 */
export async function writeParquet(records: OrderRecord[], dir: string, name = 'orders.parquet'): Promise<string> {
	const { DuckDBInstance } = await import('@duckdb/node-api');
	const csv = writeCsv(records, dir, `${name}.csv`);
	const file = path.join(dir, name);
	const db = await DuckDBInstance.create(':memory:');
	const con = await db.connect();
	const types = "{'customer_id': 'VARCHAR', 'order_id': 'VARCHAR', 'created_at': 'TIMESTAMPTZ', 'total': 'DOUBLE', 'currency': 'VARCHAR', 'status': 'VARCHAR'}";
	await con.run(`COPY (SELECT * FROM read_csv('${csv}', header = true, types = ${types})) TO '${file}' (FORMAT parquet)`);
	con.closeSync();
	db.closeSync();
	fs.rmSync(csv);
	return file;
}

let url: string | undefined;
/** URL of the test PostgreSQL server (started by .ci/postgres.sh when the environment names none). */
export function pgUrl(): string {
	if (url) return url;
	url =
		process.env.MICRO_TEST_PG_URL ||
		execFileSync('bash', [path.join(ROOT, '.ci/postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
			.trim()
			.split('\n')
			.pop();
	if (!url) throw new Error('No PostgreSQL server: .ci/postgres.sh printed no URL');
	return url;
}

/** A table name unique to this test process. */
export function tableName(tag: string): string {
	return `wrfm_${tag}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
}

/** Creates `table` (text ids, timestamptz dates, numeric amounts) and inserts the records. */
export async function loadPg(table: string, records: OrderRecord[], options: { uniqueOrderId?: boolean } = {}): Promise<void> {
	const client = new Client({ connectionString: pgUrl() });
	await client.connect();
	try {
		await client.query(`DROP TABLE IF EXISTS ${table}`);
		await client.query(
			`CREATE TABLE ${table} (customer_id text, order_id text${options.uniqueOrderId ? ' UNIQUE' : ''}, created_at timestamptz, total numeric, currency text, status text)`,
		);
		for (let i = 0; i < records.length; i += 2000) {
			const chunk = records.slice(i, i + 2000);
			const values: unknown[] = [];
			const rows = chunk.map((r, j) => {
				values.push(r.customer_id, r.order_id ?? null, r.created_at, r.total, r.currency ?? null, r.status ?? null);
				const b = j * 6;
				return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`;
			});
			await client.query(`INSERT INTO ${table} VALUES ${rows.join(', ')}`, values);
		}
	} finally {
		await client.end();
	}
}

export async function dropPg(tables: string[]): Promise<void> {
	if (!tables.length) return;
	const client = new Client({ connectionString: pgUrl() });
	await client.connect();
	try {
		for (const t of tables) await client.query(`DROP TABLE IF EXISTS ${t}`);
	} finally {
		await client.end();
	}
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function seeded(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
