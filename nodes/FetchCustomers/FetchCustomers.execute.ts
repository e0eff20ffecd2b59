import {
	NodeApiError,
	NodeOperationError,
	sleep,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';
import { n8nTransport } from '../shared/n8nTransport';
import { credentialSecrets } from '../shared/secrets';
import { redact } from '../core/net/redact';
import { customerTable, fetchCsvStream, type CsvDelimiter, type CsvEncoding, type CsvFieldMap, type CsvProgress, type CsvResult } from '../core/sources/csv';
import { tableFromRecords } from '../core/table/table';
import { tableItem } from '../shared/customerTable';
import type { DateFormat } from '../core/dates';
import { SourceError } from '../core/sources/errors';
import { emptyState, isIncrementalState } from '../core/sources/incremental';
import { CREDENTIAL_TYPES, SERVICE_NAMES, fetchFromSource, type ApiSource, type SourceConfig } from '../core/sources/index';
import { shopifyBaseUrl } from '../core/sources/shopify';
import type { Clock } from '../core/net/clock';
import type { FetchStats, IncrementalState, OutputMode, SkippedRecord } from '../core/sources/types';
import { parseList as list } from '../core/list';

type Source = ApiSource | 'csv';

const STATE_KEY = 'fetchCustomers';

function toError(ctx: IExecuteFunctions, error: unknown, itemIndex: number, secrets: readonly string[] = []): Error {
	const node = ctx.getNode();
	if (error instanceof SourceError) {
		// SourceError messages are built redacted; the credential's own values are removed once more here.
		const message = redact(error.message, secrets, 2000) ?? error.message;
		const http = ['auth', 'forbidden', 'notFound', 'rateLimit', 'server', 'network', 'badRequest', 'badResponse'].includes(error.kind);
		if (http)
			return new NodeApiError(node, { message, kind: error.kind } as JsonObject, {
				message,
				description: error.description,
				httpCode: error.status ? String(error.status) : undefined,
				itemIndex,
			});
		return new NodeOperationError(node, message, { itemIndex, description: error.description });
	}
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
	return new NodeOperationError(node, redact((error as Error).message ?? String(error), secrets, 2000) ?? 'error', { itemIndex });
}

function report(
	ctx: IExecuteFunctions,
	label: string,
	count: number,
	mode: OutputMode,
	stats: FetchStats,
	skipped: SkippedRecord[],
	truncated: boolean,
	skippedCount = skipped.length,
): void {
	ctx.logger.info(
		`Fetch Customers: ${label} gave ${count} ${mode} (${stats.read} records read, ${stats.pages} pages, ${stats.requests} requests, ${stats.retries} retries, ${Math.round(stats.waitedMs)} ms waiting for rate limits)`,
	);
	const hints: string[] = [];
	if (skippedCount) {
		const ids = skipped.slice(0, 10).map((s) => `${s.id} (${s.reason})`);
		ctx.logger.warn(`Fetch Customers: ${skippedCount} invalid ${label} records skipped: ${ids.join('; ')}${skippedCount > 10 ? '; ...' : ''}`);
		hints.push(`${skippedCount} record(s) could not be read and were skipped, e.g. ${ids.slice(0, 3).join('; ')}`);
	}
	if (truncated) hints.push(`Stopped at the limit of ${count} ${mode}: turn on "Return All" for everything`);
	if (hints.length && typeof ctx.addExecutionHints === 'function')
		ctx.addExecutionHints(...hints.map((message) => ({ message, type: 'warning' as const, location: 'outputPane' as const })));
}

async function sourceConfig(ctx: IExecuteFunctions, source: ApiSource, options: IDataObject): Promise<SourceConfig> {
	const creds = await ctx.getCredentials(CREDENTIAL_TYPES[source]);
	const baseUrl = String(creds.baseUrl ?? '').trim();
	switch (source) {
		case 'shopify':
			return {
				source,
				config: {
					baseUrl: shopifyBaseUrl(String(creds.shopDomain ?? ''), baseUrl),
					apiVersion: String(creds.apiVersion ?? '').trim() || undefined,
					includeTestOrders: options.includeTestOrders === true,
					method: (options.shopifyMethod as 'auto' | 'pages' | 'bulk') ?? 'auto',
				},
			};
		case 'wooCommerce':
			if (!baseUrl) throw new SourceError('config', 'The WooCommerce credential has no Site URL.');
			return { source, config: { baseUrl, mergeGuestsByEmail: options.mergeGuests !== false } };
		case 'hubSpot':
			return {
				source,
				config: {
					baseUrl: baseUrl || 'https://api.hubapi.com',
					contactProperties: list(options.contactProperties),
					wonStages: options.wonStages !== undefined ? list(options.wonStages) : undefined,
					lostStages: options.lostStages !== undefined ? list(options.lostStages) : undefined,
					defaultCurrency: (options.defaultCurrency as string) || undefined,
				},
			};
		case 'stripe':
			return { source, config: { baseUrl: baseUrl || 'https://api.stripe.com' } };
	}
}

function sinceParam(ctx: IExecuteFunctions): string | null {
	const raw = ctx.getNodeParameter('changedSince', 0, '') as string;
	if (!raw) return null;
	const t = Date.parse(raw);
	if (Number.isNaN(t))
		throw new NodeOperationError(ctx.getNode(), `Changed Since "${raw}" is not a date`, { description: 'Pick a date, or clear the field to fetch everything' });
	return new Date(t).toISOString();
}

const CHUNK_BYTES = 1 << 20;

/** A buffer handed over in chunks (binary data held in memory by n8n's default binary mode). */
function* chunksOf(data: Buffer): Generator<Buffer> {
	for (let i = 0; i < data.length; i += CHUNK_BYTES) yield data.subarray(i, i + CHUNK_BYTES);
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0)} MB`;

/**
 * Progress of a long read, as log lines (n8n has no progress display for a running node): one
 * every tenth of the file (at least every 16 MB), or every 64 MB when the size is unknown.
 */
function progressLine(label: string, p: CsvProgress): string {
	const rows = p.rows.toLocaleString('en-US');
	if (p.done) return `Fetch Customers: read ${label} to the end: ${mb(p.bytes)}, ${rows} rows`;
	const of = p.totalBytes ? ` of ${mb(p.totalBytes)} (${Math.floor((100 * p.bytes) / p.totalBytes)} %)` : '';
	return `Fetch Customers: reading ${label}: ${mb(p.bytes)}${of}, ${rows} rows so far`;
}

/** The file of item i as a stream of chunks, and its size: streamed from disk in n8n's filesystem binary mode. */
async function fileChunks(ctx: IExecuteFunctions, i: number, property: string): Promise<{ chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>; bytes?: number; name: string }> {
	const binary = ctx.helpers.assertBinaryData(i, property);
	const name = binary.fileName ? `"${binary.fileName}"` : `file ${property} of item ${i}`;
	if (binary.id) {
		const meta = await ctx.helpers.getBinaryMetadata(binary.id);
		return { chunks: await ctx.helpers.getBinaryStream(binary.id, CHUNK_BYTES), bytes: meta.fileSize, name };
	}
	const data = await ctx.helpers.getBinaryDataBuffer(i, property);
	return { chunks: chunksOf(data), bytes: data.length, name };
}

/** The customers of a file as one table item (Options > Output Format: Customer Table). */
async function csvTableItem(ctx: IExecuteFunctions, res: CsvResult, i: number, name: string): Promise<INodeExecutionData> {
	if (res.mode !== 'customers') throw new NodeOperationError(ctx.getNode(), 'A customer table holds customers: set Output to Customers', { itemIndex: i });
	const table = res.customers ? customerTable(res.customers) : tableFromRecords(res.records as unknown as IDataObject[]);
	report(ctx, `file of item ${i}`, table.rows, 'customers', res.stats, res.skipped, res.truncated, res.skippedCount);
	const summary: IDataObject = {
		source: 'csv',
		file: name,
		contains: res.contains,
		rowsRead: res.stats.read,
		skipped: res.skippedCount,
		skippedExamples: res.skipped.slice(0, 10) as unknown as IDataObject[],
		truncated: res.truncated,
		encoding: res.encoding,
		columns: res.columns as IDataObject,
	};
	return tableItem(ctx, table, summary, { item: i });
}

async function fetchCsvItems(ctx: IExecuteFunctions, mode: OutputMode, options: IDataObject, maxRecords: number): Promise<INodeExecutionData[]> {
	const items = ctx.getInputData();
	const out: INodeExecutionData[] = [];
	const since = sinceParam(ctx);
	for (let i = 0; i < items.length; i++) {
		try {
			const property = ctx.getNodeParameter('binaryPropertyName', i) as string;
			const file = await fileChunks(ctx, i, property);
			const res = await fetchCsvStream(file.chunks, {
				mode,
				contains: ctx.getNodeParameter('fileContains', i, 'auto') as 'auto' | 'orders' | 'customers',
				delimiter: (options.delimiter as CsvDelimiter | 'auto') ?? 'auto',
				encoding: (options.encoding as CsvEncoding) ?? 'auto',
				dateFormat: ((options.dateFormat as string) || 'auto') as DateFormat,
				fields: ctx.getNodeParameter('fieldMapping', i, {}) as CsvFieldMap,
				defaultCurrency: (options.defaultCurrency as string) || 'USD',
				includeSource: options.includeSource === true,
				onInvalid: options.invalidRecords === 'fail' ? 'fail' : 'skip',
				maxRecords: maxRecords ? maxRecords - out.length : 0,
				since,
				totalBytes: file.bytes,
				progressEveryBytes: file.bytes ? Math.max(16 * 1048576, Math.ceil(file.bytes / 10)) : 64 * 1048576,
				onProgress: (p) => ctx.logger.info(progressLine(file.name, p)),
			});
			if (options.outputFormat === 'table') {
				out.push(await csvTableItem(ctx, res, i, file.name));
				continue;
			}
			const records = res.records;
			report(ctx, `file ${property} of item ${i}`, records.length, mode, res.stats, res.skipped, res.truncated, res.skippedCount);
			for (const r of records) out.push({ json: r as unknown as IDataObject, pairedItem: { item: i } });
			if (maxRecords && out.length >= maxRecords) break;
		} catch (error) {
			const err = toError(ctx, error, i);
			if (!ctx.continueOnFail()) throw err;
			out.push({ json: { error: err.message }, pairedItem: { item: i } });
		}
	}
	return out;
}

export async function executeFetchCustomers(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	if (items.length === 0) return [[]];
	const source = this.getNodeParameter('source', 0) as Source;
	const mode = this.getNodeParameter('output', 0) as OutputMode;
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const returnAll = this.getNodeParameter('returnAll', 0, true) as boolean;
	const maxRecords = returnAll ? 0 : Math.max(1, Math.floor(Number(this.getNodeParameter('limit', 0, 50))));

	if (source === 'csv') return [await fetchCsvItems(this, mode, options, maxRecords)];

	let secrets: string[] = [];
	try {
		const incremental = this.getNodeParameter('incremental', 0, false) as boolean;
		secrets = credentialSecrets(CREDENTIAL_TYPES[source], (await this.getCredentials(CREDENTIAL_TYPES[source])) as IDataObject);
		const cfg = await sourceConfig(this, source, options);
		const credentialId = this.getNode().credentials?.[CREDENTIAL_TYPES[source]]?.id ?? 'default';
		const stateKey = `${source}:${mode}:${credentialId}`;
		const staticData = this.getWorkflowStaticData('node');
		const states = (staticData[STATE_KEY] as IDataObject | undefined) ?? {};
		let prev: IncrementalState | undefined;
		if (incremental) {
			const stored = states[stateKey];
			prev = options.startOver === true || !isIncrementalState(stored) ? emptyState() : stored;
		}
		const clock: Clock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };
		const pageSize = Number(options.pageSize ?? 0);
		const result = await fetchFromSource(cfg, {
			transport: n8nTransport(this, CREDENTIAL_TYPES[source]),
			// Shopify bulk export files sit behind signed links: fetched without the credential
			downloadTransport: n8nTransport(this),
			mode,
			pageSize: pageSize > 0 ? pageSize : undefined,
			maxRecords,
			since: sinceParam(this),
			incremental: prev,
			includeSource: options.includeSource === true,
			onInvalid: options.invalidRecords === 'fail' ? 'fail' : 'skip',
			clock,
			secrets,
			log: (message) => this.logger.debug(message),
		});
		report(this, SERVICE_NAMES[source], result.records.length, mode, result.stats, result.skipped, result.truncated);
		if (incremental && result.state) {
			// assigned at the top level so n8n notices the change and saves it with the execution
			staticData[STATE_KEY] = { ...states, [stateKey]: result.state as unknown as IDataObject };
			this.logger.info(`Fetch Customers: incremental position for ${SERVICE_NAMES[source]} ${mode} is now ${result.state.since ?? 'the beginning'}`);
		}
		if (options.outputFormat === 'table') {
			if (mode !== 'customers') throw new NodeOperationError(this.getNode(), 'A customer table holds customers: set Output to Customers');
			const summary = { source, read: result.stats.read, skipped: result.skipped.length, truncated: result.truncated };
			return [[await tableItem(this, tableFromRecords(result.records as unknown as IDataObject[]), summary, { item: 0 })]];
		}
		return [result.records.map((r) => ({ json: r as unknown as IDataObject, pairedItem: { item: 0 } }))];
	} catch (error) {
		const err = toError(this, error, 0, secrets);
		if (!this.continueOnFail()) throw err;
		return [[{ json: { error: err.message }, pairedItem: { item: 0 } }]];
	}
}
