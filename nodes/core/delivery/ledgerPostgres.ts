/**
 * PostgreSQL idempotency ledger, shared by every workflow and n8n worker that points at the same
 * table. Reservations are atomic:
 * - without a frequency cap, `INSERT ... ON CONFLICT (send_key) DO NOTHING RETURNING` reserves a
 *   'pending' row; two runs racing for one send key get exactly one reservation;
 * - with a cap, the reservation runs in a transaction that first locks one row per customer in a
 *   companion table (`<table>_customers`, `SELECT ... FOR UPDATE` in sorted order, so concurrent
 *   runs never deadlock), counts the customer's recent counted rows, then inserts: two runs of
 *   different campaigns never both pass the cap for one customer.
 * Rows hold hashed customer ids only (keys.ts), the campaign key, provider, status, times, the
 * run holding a pending row and the batch it was sent in, and the provider's message id.
 */
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- runtime dependency of this package: the PostgreSQL client for the shared ledger (self-hosted n8n)
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import type { Ledger, LedgerEntry, LedgerStats, ReserveCandidate, ReserveOptions, ReserveOutcome } from './ledger';

export interface PostgresLedgerOptions {
	/** Table name (letters, digits, underscores; default micro_send_ledger). */
	table?: string;
	/** How long a pending row of another run counts as in progress (default 15 minutes). */
	leaseMs?: number;
}

const DEFAULT_TABLE = 'micro_send_ledger';

export function validTableName(name: string): boolean {
	return /^[a-z_][a-z0-9_]{0,40}$/.test(name);
}

function toEntry(row: Record<string, unknown>): LedgerEntry {
	return {
		sendKey: String(row.send_key),
		customerKey: String(row.customer_key),
		status: row.status as LedgerEntry['status'],
		at: Number(row.at_ms),
		runId: row.run_id === null ? undefined : String(row.run_id),
		batchKey: row.batch_key === null ? undefined : String(row.batch_key),
		messageId: row.message_id === null ? undefined : String(row.message_id),
		counts: row.counts === true,
	};
}

/** Connection settings from the node's credential: a URL, or host/port/database/user/password/ssl. */
export interface PostgresConnection {
	connectionUrl?: string;
	host?: string;
	port?: number;
	database?: string;
	user?: string;
	password?: string;
	/** 'disable' (default), 'require' (TLS, certificate not verified), 'verify' (TLS, verified). */
	ssl?: 'disable' | 'require' | 'verify';
}

export function poolConfig(c: PostgresConnection): PoolConfig {
	const ssl = c.ssl === 'require' ? { rejectUnauthorized: false } : c.ssl === 'verify' ? { rejectUnauthorized: true } : undefined;
	const base: PoolConfig = { max: 4, idleTimeoutMillis: 5000, connectionTimeoutMillis: 15000, application_name: 'n8n-microsegments' };
	if (c.connectionUrl && c.connectionUrl.trim() !== '') return { ...base, connectionString: c.connectionUrl.trim(), ...(ssl ? { ssl } : {}) };
	return { ...base, host: c.host, port: c.port, database: c.database, user: c.user, password: c.password, ...(ssl ? { ssl } : {}) };
}

export class PostgresLedger implements Ledger {
	readonly kind = 'postgres' as const;
	readonly defaultLeaseMs: number;
	private readonly t: string;
	private readonly tc: string;
	private ready: Promise<void> | undefined;

	constructor(
		private readonly pool: Pool,
		opts: PostgresLedgerOptions = {},
		private readonly ownsPool = false,
	) {
		const table = opts.table ?? DEFAULT_TABLE;
		if (!validTableName(table)) throw new Error('The ledger table name may only contain lower-case letters, digits and underscores');
		this.t = table;
		this.tc = `${table}_customers`;
		this.defaultLeaseMs = opts.leaseMs ?? 15 * 60000;
	}

	/** Creates the tables once (idempotent, safe when several runs start together). */
	init(): Promise<void> {
		if (!this.ready) {
			this.ready = this.tx(async (c) => {
				await c.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`micro-ledger-ddl:${this.t}`]);
				await c.query(`CREATE TABLE IF NOT EXISTS ${this.t} (
					send_key text PRIMARY KEY,
					customer_key text NOT NULL,
					campaign_key text NOT NULL,
					provider text NOT NULL,
					status text NOT NULL CHECK (status IN ('pending','sent','unconfirmed')),
					counts boolean NOT NULL DEFAULT true,
					run_id text,
					batch_key text,
					message_id text,
					at_ms bigint NOT NULL,
					created_ms bigint NOT NULL
				)`);
				await c.query(`CREATE INDEX IF NOT EXISTS ${this.t}_customer_at ON ${this.t} (customer_key, at_ms)`);
				await c.query(`CREATE TABLE IF NOT EXISTS ${this.tc} (customer_key text PRIMARY KEY)`);
			});
			this.ready.catch(() => (this.ready = undefined));
		}
		return this.ready;
	}

	private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
		for (let attempt = 1; ; attempt++) {
			const client = await this.pool.connect();
			try {
				await client.query('BEGIN');
				const out = await fn(client);
				await client.query('COMMIT');
				return out;
			} catch (error) {
				await client.query('ROLLBACK').catch(() => undefined);
				const code = (error as { code?: string }).code;
				// Deadlock / serialization failure / unique race on first DDL: retry a few times.
				if ((code === '40P01' || code === '40001' || code === '23505') && attempt < 5) continue;
				throw error;
			} finally {
				client.release();
			}
		}
	}

	async lookup(sendKeys: readonly string[]): Promise<Map<string, LedgerEntry>> {
		await this.init();
		const out = new Map<string, LedgerEntry>();
		if (sendKeys.length === 0) return out;
		const r = await this.pool.query(`SELECT * FROM ${this.t} WHERE send_key = ANY($1::text[])`, [sendKeys]);
		for (const row of r.rows) out.set(String(row.send_key), toEntry(row));
		return out;
	}

	async countRecent(customerKeys: readonly string[], since: number): Promise<Map<string, number>> {
		await this.init();
		const out = new Map<string, number>();
		for (const c of customerKeys) out.set(c, 0);
		if (customerKeys.length === 0) return out;
		const r = await this.pool.query(
			`SELECT customer_key, count(*)::int AS n FROM ${this.t} WHERE customer_key = ANY($1::text[]) AND counts AND at_ms >= $2 GROUP BY customer_key`,
			[customerKeys, since],
		);
		for (const row of r.rows) out.set(String(row.customer_key), Number(row.n));
		return out;
	}

	async reserve(candidates: readonly ReserveCandidate[], opts: ReserveOptions): Promise<Map<string, ReserveOutcome>> {
		await this.init();
		const out = new Map<string, ReserveOutcome>();
		if (candidates.length === 0) return out;
		return this.tx(async (c) => {
			let allowed = [...candidates];
			if (opts.cap) {
				const customers = [...new Set(candidates.map((x) => x.customerKey))].sort();
				await c.query(`INSERT INTO ${this.tc} (customer_key) SELECT unnest($1::text[]) ORDER BY 1 ON CONFLICT DO NOTHING`, [customers]);
				await c.query(`SELECT customer_key FROM ${this.tc} WHERE customer_key = ANY($1::text[]) ORDER BY customer_key FOR UPDATE`, [customers]);
				const existing = await c.query(`SELECT send_key FROM ${this.t} WHERE send_key = ANY($1::text[])`, [candidates.map((x) => x.sendKey)]);
				const exists = new Set(existing.rows.map((row) => String(row.send_key)));
				const counted = await c.query(
					`SELECT customer_key, count(*)::int AS n FROM ${this.t} WHERE customer_key = ANY($1::text[]) AND counts AND at_ms >= $2 GROUP BY customer_key`,
					[customers, opts.cap.since],
				);
				const n = new Map<string, number>(counted.rows.map((row) => [String(row.customer_key), Number(row.n)]));
				allowed = [];
				for (const cand of candidates) {
					if (exists.has(cand.sendKey)) {
						allowed.push(cand); // resolved below from the existing row
						continue;
					}
					const have = n.get(cand.customerKey) ?? 0;
					if (have >= opts.cap.max) {
						out.set(cand.sendKey, 'frequency_cap');
						continue;
					}
					n.set(cand.customerKey, have + 1);
					allowed.push(cand);
				}
			}
			if (allowed.length > 0) {
				const ins = await c.query(
					`INSERT INTO ${this.t} (send_key, customer_key, campaign_key, provider, status, counts, run_id, at_ms, created_ms)
					 SELECT k, ck, $3, $4, 'pending', $5, $6, $7, $7 FROM unnest($1::text[], $2::text[]) AS u(k, ck)
					 ON CONFLICT (send_key) DO NOTHING RETURNING send_key`,
					[allowed.map((x) => x.sendKey), allowed.map((x) => x.customerKey), opts.campaignKey, opts.provider, opts.counts, opts.runId, opts.now],
				);
				for (const row of ins.rows) out.set(String(row.send_key), 'reserved');
				const rest = allowed.filter((x) => !out.has(x.sendKey)).map((x) => x.sendKey);
				if (rest.length > 0) {
					const r = await c.query(`SELECT * FROM ${this.t} WHERE send_key = ANY($1::text[])`, [rest]);
					for (const row of r.rows) {
						const e = toEntry(row);
						if (e.status === 'sent') out.set(e.sendKey, 'already_sent');
						else if (e.status === 'pending' && e.runId === opts.runId) out.set(e.sendKey, 'reserved');
						else if (e.status === 'pending' && e.at > opts.now - opts.leaseMs) out.set(e.sendKey, 'in_progress');
						else out.set(e.sendKey, 'unconfirmed');
					}
				}
			}
			return out;
		});
	}

	async takeOver(sendKeys: readonly string[], opts: { runId: string; now: number; leaseMs: number }): Promise<Set<string>> {
		await this.init();
		if (sendKeys.length === 0) return new Set();
		const r = await this.pool.query(
			`UPDATE ${this.t} SET status = 'pending', run_id = $2, at_ms = $3
			 WHERE send_key = ANY($1::text[])
			   AND (status = 'unconfirmed' OR (status = 'pending' AND (run_id = $2 OR at_ms <= $3::bigint - $4::bigint)))
			 RETURNING send_key`,
			[sendKeys, opts.runId, opts.now, opts.leaseMs],
		);
		return new Set(r.rows.map((row) => String(row.send_key)));
	}

	async touch(sendKeys: readonly string[], opts: { runId: string; now: number; batchKey?: string }): Promise<void> {
		await this.init();
		if (sendKeys.length === 0) return;
		await this.pool.query(
			`UPDATE ${this.t} SET at_ms = $3, batch_key = COALESCE($4, batch_key) WHERE send_key = ANY($1::text[]) AND status = 'pending' AND run_id = $2`,
			[sendKeys, opts.runId, opts.now, opts.batchKey ?? null],
		);
	}

	async markSent(items: readonly { sendKey: string; messageId?: string }[], opts: { runId: string; now: number }): Promise<void> {
		await this.init();
		if (items.length === 0) return;
		await this.pool.query(
			`UPDATE ${this.t} AS l SET status = 'sent', message_id = u.m, at_ms = $3, run_id = NULL, batch_key = NULL
			 FROM unnest($1::text[], $2::text[]) AS u(k, m) WHERE l.send_key = u.k`,
			[items.map((i) => i.sendKey), items.map((i) => i.messageId ?? null), opts.now],
		);
	}

	async release(sendKeys: readonly string[], opts: { runId: string }): Promise<void> {
		await this.init();
		if (sendKeys.length === 0) return;
		await this.pool.query(`DELETE FROM ${this.t} WHERE send_key = ANY($1::text[]) AND status = 'pending' AND run_id = $2`, [sendKeys, opts.runId]);
	}

	async markUnconfirmed(sendKeys: readonly string[], opts: { runId: string; now: number }): Promise<void> {
		await this.init();
		if (sendKeys.length === 0) return;
		await this.pool.query(
			`UPDATE ${this.t} SET status = 'unconfirmed', at_ms = $3 WHERE send_key = ANY($1::text[]) AND status = 'pending' AND run_id = $2`,
			[sendKeys, opts.runId, opts.now],
		);
	}

	/** Deletes rows older than the retention (housekeeping; the node calls it with its retention). */
	async prune(olderThan: number): Promise<number> {
		await this.init();
		const r = await this.pool.query(`DELETE FROM ${this.t} WHERE at_ms < $1 AND status = 'sent'`, [olderThan]);
		return r.rowCount ?? 0;
	}

	async close(): Promise<LedgerStats> {
		if (this.ownsPool) await this.pool.end();
		return {};
	}
}

/** Opens a pool for the connection and returns a ledger that closes it in close(). */
export function createPostgresLedger(connection: PostgresConnection, opts: PostgresLedgerOptions = {}): PostgresLedger {
	return new PostgresLedger(new Pool(poolConfig(connection)), opts, true);
}
