/**
 * Which ledger a Campaign Send run records its sends in (parameter "Ledger"):
 * - 'journal' (default): a crash-safe journal file in n8n's storage folder for nodes, one per
 *   workflow (nodes/core/delivery/ledgerJournal.ts). A workflow that used the static-data ledger
 *   (the default before) keeps its history: the rows move into the journal on its first run.
 * - 'postgres': a table shared by workflows and n8n workers.
 * - 'staticData': the workflow's static data, an explicit choice (limits in the editor notice).
 */
import {
	NodeOperationError,
	type ICredentialTestFunctions,
	type ICredentialsDecrypted,
	type IDataObject,
	type IExecuteFunctions,
	type INodeCredentialTestResult,
} from 'n8n-workflow';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- runtime dependency of this package: the PostgreSQL client (credential test)
import { Pool } from 'pg';
import { readStaticRows, StaticDataLedger, type Ledger } from '../core/delivery/ledger';
import { journalPath, journalRefusal, JournalLedger } from '../core/delivery/ledgerJournal';
import { createPostgresLedger, poolConfig, PostgresLedger, validTableName } from '../core/delivery/ledgerPostgres';
import { redact } from '../core/net/redact';
import { credentialSecrets } from '../shared/secrets';
import { postgresConnection } from '../shared/postgresConnection';

export type LedgerKind = 'journal' | 'staticData' | 'postgres';

/** n8n's storage folder for nodes (`<n8n folder>/storage`), as n8n 1.x and 2.x tell a node. */
function storageFolder(ctx: IExecuteFunctions): string | undefined {
	const helpers = ctx.helpers as { getStoragePath?: () => string };
	return typeof helpers.getStoragePath === 'function' ? helpers.getStoragePath() : undefined;
}

async function openJournal(ctx: IExecuteFunctions, retentionDays: number, now: number): Promise<Ledger> {
	const node = ctx.getNode();
	const refusal = journalRefusal();
	if (refusal) throw new NodeOperationError(node, refusal);
	const storage = storageFolder(ctx);
	if (!storage) throw new NodeOperationError(node, 'This n8n does not give nodes a storage folder: choose the PostgreSQL or Workflow Static Data ledger.');
	const ledger = new JournalLedger({ path: journalPath(storage, String(ctx.getWorkflow().id ?? '')), retentionDays, now });
	const moved = await ledger.importStatic(readStaticRows(ctx.getWorkflowStaticData('global') as Record<string, unknown>));
	if (moved > 0) ctx.logger.info(`Campaign Send: ${moved} sends moved from the workflow's static data into the file journal ledger`, { node: node.name });
	return ledger;
}

/** Opens the run's ledger; PostgreSQL credential values are added to `secrets` (for the redactor). */
export async function openLedger(ctx: IExecuteFunctions, kind: LedgerKind, options: IDataObject, now: number, secrets: string[]): Promise<Ledger> {
	const retentionDays = Number(options.ledgerRetentionDays) > 0 ? Number(options.ledgerRetentionDays) : 90;
	if (kind === 'staticData') return new StaticDataLedger(ctx.getWorkflowStaticData('global') as Record<string, unknown>, { retentionDays, now });
	if (kind !== 'postgres') return openJournal(ctx, retentionDays, now);
	const table = String(options.ledgerTable ?? 'micro_send_ledger').trim() || 'micro_send_ledger';
	if (!validTableName(table)) throw new NodeOperationError(ctx.getNode(), 'Ledger Table may only contain lower-case letters, digits and underscores');
	const c = (await ctx.getCredentials('microPostgresLedger', 0)) as IDataObject;
	secrets.push(...credentialSecrets('microPostgresLedger', c));
	const leaseMinutes = Number(options.ledgerLeaseMinutes) > 0 ? Number(options.ledgerLeaseMinutes) : 15;
	return createPostgresLedger(postgresConnection(c), { table, leaseMs: leaseMinutes * 60000 });
}

/** Housekeeping when the run ends (PostgreSQL: old sent rows are deleted), then close. */
export async function closeLedger(ledger: Ledger, options: IDataObject, now: number, dryRun: boolean): Promise<void> {
	const retentionDays = Number(options.ledgerRetentionDays) > 0 ? Number(options.ledgerRetentionDays) : 90;
	if (ledger instanceof PostgresLedger && !dryRun) await ledger.prune(now - retentionDays * 86400000).catch(() => 0);
	await ledger.close().catch(() => ({}));
}

/** Credential test for the PostgreSQL ledger: connects and runs SELECT 1. */
export async function testPostgresLedger(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const c = (credential.data ?? {}) as IDataObject;
	const pool = new Pool({ ...poolConfig(postgresConnection(c)), max: 1 });
	try {
		await pool.query('SELECT 1');
		return { status: 'OK', message: 'Connected' };
	} catch (error) {
		return { status: 'Error', message: redact((error as Error).message, credentialSecrets('microPostgresLedger', c)) ?? 'Could not connect' };
	} finally {
		await pool.end().catch(() => undefined);
	}
}
