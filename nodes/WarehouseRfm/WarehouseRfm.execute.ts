import {
	NodeOperationError,
	type ICredentialTestFunctions,
	type ICredentialsDecrypted,
	type IDataObject,
	type IExecuteFunctions,
	type INodeCredentialTestResult,
	type INodeExecutionData,
} from 'n8n-workflow';
import { parseDate } from '../core/dates';
import { redact } from '../core/net/redact';
import { DEFAULT_EXCLUDED_STATUSES, DEFAULT_REFUNDED_STATUSES } from '../core/rfm/fieldGuesses';
import type { ReferenceDate } from '../core/rfm/rfm';
import { WarehouseSqlError, type DialectName } from '../core/warehouse/dialects';
import { openDuckDb, openPostgres, type SqlSession } from '../core/warehouse/engines';
import { orderFiles } from '../core/warehouse/files';
import { rfmSql, type OrderColumns, type WarehouseRfmSpec } from '../core/warehouse/rfmSql';
import { runWarehouseRfm, type WarehouseRun } from '../core/warehouse/run';
import { parseList as list } from '../core/list';
import { segmentMap, thresholdsOf } from '../RfmScore/RfmScore.common';
import { postgresConnection } from '../shared/postgresConnection';

type Engine = DialectName;

function reference(ctx: IExecuteFunctions): ReferenceDate {
	const kind = ctx.getNodeParameter('referenceDate', 0) as string;
	if (kind === 'now') return { kind: 'now', now: Date.now() };
	if (kind !== 'fixed') return { kind: 'dayAfterLatest' };
	const raw = ctx.getNodeParameter('fixedDate', 0) as string;
	const t = parseDate(raw);
	if (t === null)
		throw new NodeOperationError(ctx.getNode(), `Fixed Date "${raw}" is not a date`, { description: 'Pick a date, or use an ISO date such as 2025-01-31' });
	return { kind: 'fixed', time: t };
}

/** The run's definition from the node's parameters (columns may stay empty: guessed later). */
function specOf(ctx: IExecuteFunctions, engine: Engine): WarehouseRfmSpec {
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	const bins = Number(ctx.getNodeParameter('bins', 0, 5)) as 3 | 4 | 5;
	const scoring = ctx.getNodeParameter('scoring', 0) as WarehouseRfmSpec['scoring'];
	const c = ctx.getNodeParameter('columns', 0, {}) as IDataObject;
	const columns = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, String(v ?? '').trim()])) as unknown as OrderColumns;
	const statuses = (name: string, fallback: string[]) => (options[name] !== undefined ? list(options[name]) : fallback);
	let source: WarehouseRfmSpec['source'];
	if (engine === 'duckdb') {
		const files = orderFiles(ctx.getNodeParameter('filePaths', 0) as string, ctx.getNodeParameter('fileFormat', 0, 'auto') as 'auto');
		source = { kind: 'files', format: files.format, paths: files.paths };
	} else source = { kind: 'table', table: ctx.getNodeParameter('table', 0) as string };
	return {
		source,
		columns,
		excludedStatuses: statuses('excludedStatuses', DEFAULT_EXCLUDED_STATUSES),
		refundedStatuses: statuses('refundedStatuses', DEFAULT_REFUNDED_STATUSES),
		reference: reference(ctx),
		windowDays: Number(ctx.getNodeParameter('windowDays', 0, 0)),
		bins,
		scoring,
		thresholds: thresholdsOf(ctx, scoring),
		nonPositiveMonetary: (options.nonPositiveMonetary as WarehouseRfmSpec['nonPositiveMonetary']) ?? 'keepAsLowest',
		keepCurrency: (options.keepCurrency as string) || undefined,
		map: segmentMap(ctx, bins),
		onlySegments: list(ctx.getNodeParameter('onlySegments', 0, '')),
	};
}

/** BigQuery / Snowflake: the statements as text, for n8n's own database node. */
function sqlItems(ctx: IExecuteFunctions, engine: Engine, spec: WarehouseRfmSpec): INodeExecutionData[][] {
	const missing = (['customerId', 'date', 'amount'] as const).filter((k) => !spec.columns[k]);
	if (missing.length)
		throw new NodeOperationError(ctx.getNode(), `Name the ${missing.map((k) => ({ customerId: 'Customer ID', date: 'Order Date', amount: 'Amount' })[k]).join(', ')} column under "Columns"`, {
			description: 'Without a connection the node cannot look the columns up in the table.',
		});
	const plan = rfmSql(spec, engine);
	const max = Number(ctx.getNodeParameter('maxCustomers', 0, 0));
	const after = String(ctx.getNodeParameter('startAfter', 0, '') ?? '');
	const customers = plan.customers({ after, limit: max > 0 ? max : undefined });
	const summary = plan.summary();
	return [[{ json: { dialect: engine, customersSql: customers.sql, summarySql: summary.sql, columns: spec.columns as unknown as IDataObject }, pairedItem: { item: 0 } }]];
}

/** Whether n8n allows reading `path` (N8N_RESTRICT_FILE_ACCESS_TO, n8n's own folder): 1.x and 2.x helpers. */
async function blocked(ctx: IExecuteFunctions, path: string): Promise<boolean> {
	const h = ctx.helpers as unknown as { resolvePath?: (p: string) => Promise<string>; isFilePathBlocked?: (p: string) => boolean | Promise<boolean> };
	if (typeof h.isFilePathBlocked !== 'function') throw new NodeOperationError(ctx.getNode(), 'This n8n cannot check which files a node may read');
	const resolved = typeof h.resolvePath === 'function' ? await h.resolvePath(path) : path;
	return await h.isFilePathBlocked(resolved);
}

async function openSession(ctx: IExecuteFunctions, engine: Engine, options: IDataObject): Promise<SqlSession> {
	if (engine === 'postgres') {
		const c = (await ctx.getCredentials('microPostgresWarehouse', 0)) as IDataObject;
		return openPostgres(postgresConnection(c), { statementTimeoutMs: Number(options.queryTimeout ?? 0) * 1000 });
	}
	const files = orderFiles(ctx.getNodeParameter('filePaths', 0) as string, ctx.getNodeParameter('fileFormat', 0, 'auto') as 'auto');
	for (const dir of files.directories) {
		let no: boolean;
		try {
			no = await blocked(ctx, dir);
		} catch (e) {
			throw new NodeOperationError(ctx.getNode(), `The folder "${dir}" could not be accessed`, { description: (e as Error).message });
		}
		if (no)
			throw new NodeOperationError(ctx.getNode(), `n8n may not read files in "${dir}"`, {
				description: 'Put the files in a folder listed in N8N_RESTRICT_FILE_ACCESS_TO (n8n\'s own folder is never readable).',
			});
	}
	return openDuckDb({ directories: files.directories, memoryLimit: (options.memoryLimit as string) || undefined });
}

function summaryItems(run: WarehouseRun, engine: Engine, returned: number): INodeExecutionData[] {
	const { segments, ...rest } = run.summary;
	const details = { engine, ...rest, customersReturned: returned, nextCursor: run.nextCursor(), sql: run.statements } as unknown as IDataObject;
	return segments.map((s) => ({ json: { ...s, details } as unknown as IDataObject, pairedItem: { item: 0 } }));
}

function hint(ctx: IExecuteFunctions, skipped: Record<string, number>) {
	const total = Object.values(skipped).reduce((a, b) => a + b, 0);
	const addHints = (ctx as unknown as { addExecutionHints?: (...h: { message: string; location?: string }[]) => void }).addExecutionHints;
	if (total > 0 && typeof addHints === 'function')
		addHints.call(ctx, {
			message: `${total} row(s) or customer(s) left out: ${Object.entries(skipped)
				.map(([k, v]) => `${k} ${v}`)
				.join(', ')}`,
			location: 'outputPane',
		});
}

async function scoreInDatabase(ctx: IExecuteFunctions, engine: Engine, spec: WarehouseRfmSpec): Promise<INodeExecutionData[][]> {
	const mode = ctx.getNodeParameter('output', 0, 'customers') as 'customers' | 'summary' | 'both';
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	const session = await openSession(ctx, engine, options);
	try {
		const run = await runWarehouseRfm(session, spec, {
			after: String(ctx.getNodeParameter('startAfter', 0, '') ?? ''),
			maxCustomers: Number(ctx.getNodeParameter('maxCustomers', 0, 0)),
			pageSize: Number(ctx.getNodeParameter('pageSize', 0, 10000)),
			skipInvalid: options.skipInvalid === true,
		});
		const customers: INodeExecutionData[] = [];
		if (mode !== 'summary')
			for await (const page of run.pages())
				for (const { customerId, ...rfm } of page) customers.push({ json: { customerId, rfm } as unknown as IDataObject, pairedItem: { item: 0 } });
		const summary = mode === 'customers' ? [] : summaryItems(run, engine, customers.length);
		await run.close();
		hint(ctx, run.summary.skipped);
		if (mode === 'both') return [customers, summary];
		return [mode === 'summary' ? summary : customers];
	} finally {
		await session.close();
	}
}

export async function executeWarehouseRfm(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const engine = this.getNodeParameter('engine', 0) as Engine;
	const node = this.getNode();
	try {
		const spec = specOf(this, engine);
		if (engine === 'bigquery' || engine === 'snowflake') return sqlItems(this, engine, spec);
		return await scoreInDatabase(this, engine, spec);
	} catch (error) {
		throw error instanceof NodeOperationError ? error : nodeError(node, engine, error as Error);
	}
}

/** Our checks keep their message and hint; engine errors are named and redacted (no addresses or tokens). */
function nodeError(node: ReturnType<IExecuteFunctions['getNode']>, engine: Engine, error: Error & { code?: string }): NodeOperationError {
	if (error instanceof WarehouseSqlError) return new NodeOperationError(node, error.message, { description: (error as WarehouseSqlError).description });
	const where = engine === 'postgres' ? 'PostgreSQL' : 'The embedded engine';
	return new NodeOperationError(node, `${where}: ${redact(error.message, [], 500) ?? 'failed'}`, {
		description: error.code ? `Error code ${error.code}` : undefined,
	});
}

/** Credential test: connects and runs SELECT 1. */
export async function testPostgresWarehouse(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	let session: SqlSession | undefined;
	try {
		session = await openPostgres(postgresConnection((credential.data ?? {}) as IDataObject));
		await session.query({ sql: 'SELECT 1', params: [] });
		return { status: 'OK', message: 'Connected' };
	} catch (error) {
		return { status: 'Error', message: redact((error as Error).message) ?? 'Could not connect' };
	} finally {
		await session?.close();
	}
}
