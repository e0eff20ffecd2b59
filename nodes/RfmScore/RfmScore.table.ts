/**
 * RFM Score on a customer table (large runs, docs/LARGE_RUNS.md): the customers are read from the
 * table's columns (no item per customer), scored by the same core, and the table goes on with the
 * `rfm.*` columns of the scored customers, in one item with the segment summary and a sample.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { parseDate, toIsoDate, type DateFormat } from '../core/dates';
import { parseAmount } from '../core/fields';
import { CUSTOMER_FIELDS } from '../core/rfm/fieldGuesses';
import { RfmInputError, extractCustomerColumns, scoreRfm, type RfmResult, type ScoreOptions } from '../core/rfm/rfm';
import type { CustomerTable } from '../core/table/table';
import { readTable, tableItem } from '../shared/customerTable';
import { scoreOptions, summaryItems } from './RfmScore.common';
import { agreementOfScored } from '../core/rfm/shopifyAgreement';

const NO_ORDERS = 'No Orders';

interface TableParams {
	options: IDataObject;
	bins: 3 | 4 | 5;
	scoring: ScoreOptions['scoring'];
	reference: ScoreOptions['reference'];
	skipInvalid: boolean;
	dateFormat: DateFormat;
	mapping: IDataObject;
}

/** The column for a field: the mapped name, else the first usual name the table has. */
function column(table: CustomerTable, mapped: unknown, candidates: readonly string[]): string | undefined {
	const m = typeof mapped === 'string' ? mapped.trim() : '';
	if (m) return table.get(m) ? m : undefined;
	return candidates.find((c) => table.get(c));
}

/** A column as numbers: numeric columns as they are, text parsed (dates with the Date Format). */
function numbersOf(table: CustomerTable, name: string, kind: 'date' | 'amount', format: DateFormat): Float64Array {
	const direct = table.numbers(name);
	if (direct) return direct;
	const out = new Float64Array(table.rows);
	for (let k = 0; k < table.rows; k++) {
		const v = table.valueAt(name, k);
		out[k] = v === null || v === undefined ? NaN : kind === 'date' ? (parseDate(v, format) ?? NaN) : parseAmount(v);
	}
	return out;
}

function textsOf(table: CustomerTable, name: string): ArrayLike<string | null> {
	const c = table.get(name);
	if (c && (c.kind === 'text' || c.kind === 'label')) return c.values;
	return Array.from({ length: table.rows }, (_, k) => {
		const v = table.valueAt(name, k);
		return v === null || v === undefined ? null : String(v);
	});
}

/** The scored customers (and kept customers without orders) with their rfm columns. */
function scoredTable(table: CustomerTable, result: RfmResult, withoutOrders: number[]): CustomerTable {
	const K = result.count;
	const W = withoutOrders.length;
	const rows = new Int32Array(K + W);
	rows.set(result.columns.latestItemIndex.subarray(0, K));
	rows.set(withoutOrders, K);
	const out = table.select(rows);
	const col = result.columns;
	const num = (src: ArrayLike<number>, empty = NaN) => {
		const v = new Float64Array(K + W).fill(empty);
		for (let k = 0; k < K; k++) v[k] = src[k];
		return v;
	};
	const text = (src: ArrayLike<string | undefined>, empty: string | null) => {
		const v = new Array<string | null>(K + W).fill(empty);
		for (let k = 0; k < K; k++) v[k] = src[k] ?? null;
		return v;
	};
	const score = new Float64Array(K + W).fill(NaN);
	for (let k = 0; k < K; k++) score[k] = col.r[k] + col.f[k] + col.m[k];
	out.set('rfm.recencyDays', { kind: 'number', values: num(col.recencyDays) });
	out.set('rfm.frequency', { kind: 'number', values: num(col.frequency, 0) });
	out.set('rfm.monetary', { kind: 'number', values: num(col.monetary, 0) });
	out.set('rfm.averageOrderValue', { kind: 'number', values: num(col.averageOrderValue) });
	out.set('rfm.r', { kind: 'number', values: num(col.r) });
	out.set('rfm.f', { kind: 'number', values: num(col.f) });
	out.set('rfm.m', { kind: 'number', values: num(col.m) });
	out.set('rfm.cell', { kind: 'label', values: text(col.cell, null) });
	out.set('rfm.score', { kind: 'number', values: score });
	out.set('rfm.segment', { kind: 'label', values: text(col.segment, NO_ORDERS) });
	out.set('rfm.lastOrderDate', { kind: 'date', values: num(col.lastOrderTime) });
	out.set('rfm.firstOrderDate', { kind: 'date', values: num(col.firstOrderTime) });
	out.set('rfm.currency', { kind: 'label', values: text(col.currency, null) });
	out.set('rfm.referenceDate', { kind: 'const', value: Number.isFinite(result.referenceTime) ? toIsoDate(result.referenceTime) : null });
	return out;
}

export async function scoreTable(ctx: IExecuteFunctions, mode: 'customers' | 'summary' | 'both', p: TableParams): Promise<INodeExecutionData[][]> {
	const node = ctx.getNode();
	const input = ctx.getNodeParameter('input', 0) as string;
	if (input !== 'customers')
		throw new NodeOperationError(node, 'The input is a customer table (customers with their order totals): set Input to Customers');
	const table = await readTable(ctx);
	const m = p.mapping;
	const names = {
		customerId: column(table, m.customerId, CUSTOMER_FIELDS.customerId),
		lastOrderDate: column(table, m.lastOrderDate, CUSTOMER_FIELDS.lastOrderDate),
		ordersCount: column(table, m.ordersCount, CUSTOMER_FIELDS.ordersCount),
		totalSpent: column(table, m.totalSpent, CUSTOMER_FIELDS.totalSpent),
		currency: column(table, m.currency, CUSTOMER_FIELDS.currency),
		firstOrderDate: column(table, m.firstOrderDate, CUSTOMER_FIELDS.firstOrderDate),
	};
	const missing = (['customerId', 'lastOrderDate', 'ordersCount', 'totalSpent'] as const).filter((k) => !names[k]);
	if (missing.length)
		throw new NodeOperationError(node, `The customer table has no ${missing.join(', ')} column`, { description: `Its columns: ${table.names.join(', ')}. Set them under "Field Mapping".` });
	try {
		const rows = extractCustomerColumns(
			{
				count: table.rows,
				customerId: textsOf(table, names.customerId as string),
				lastOrderTime: numbersOf(table, names.lastOrderDate as string, 'date', p.dateFormat),
				ordersCount: numbersOf(table, names.ordersCount as string, 'amount', p.dateFormat),
				totalSpent: numbersOf(table, names.totalSpent as string, 'amount', p.dateFormat),
				currency: names.currency ? textsOf(table, names.currency) : undefined,
				firstOrderTime: names.firstOrderDate ? numbersOf(table, names.firstOrderDate, 'date', p.dateFormat) : undefined,
				names: names as never,
				uniqueIds: table.distinct(names.customerId as string),
			},
			{ skipInvalid: p.skipInvalid || ctx.continueOnFail() },
		);
		if (rows.invalid.length) {
			const first = rows.invalid[0];
			throw new NodeOperationError(node, first.message.replace(/^Item /, 'Customer '), {
				description: `${rows.invalid.length} customers of the table have problems (first shown). Turn on Options > "Skip Invalid Items" to skip and count them.`,
			});
		}
		const scoreOpts = scoreOptions(ctx, 'customers', p.options, p.bins, p.scoring, p.reference);
		const result = scoreRfm(rows, scoreOpts);
		const keep = p.options.withoutOrders === 'keep';
		if (rows.withoutOrders.length && !keep) result.skipped.noOrders = (result.skipped.noOrders ?? 0) + rows.withoutOrders.length;
		const extra: IDataObject = { customersScored: result.count, fields: rows.fields as IDataObject };
		if (keep) extra.customersWithoutOrders = rows.withoutOrders.length;
		if (table.get('shopifyRfmGroup')) {
			// customers read from Shopify carry the group Shopify computes: how ours agrees with it
			const groups = textsOf(table, 'shopifyRfmGroup');
			const scored = { count: result.count, segment: result.columns.segment, latestItemIndex: result.columns.latestItemIndex };
			extra.shopifyRfmAgreement = agreementOfScored(scored, keep ? rows.withoutOrders : [], (i) => groups[i], scoreOpts.map.id) as unknown as IDataObject;
		}
		const summary = summaryItems(result, extra);
		if (mode === 'summary') return [summary];
		const out = scoredTable(table, result, keep ? rows.withoutOrders : []);
		const segments = summary.map((s) => Object.fromEntries(Object.entries(s.json).filter(([k]) => k !== 'details')));
		const json: IDataObject = { segments, details: summary[0]?.json.details ?? extra };
		const item = await tableItem(ctx, out, json, { item: 0 });
		return mode === 'both' ? [[item], summary] : [[item]];
	} catch (error) {
		if (error instanceof RfmInputError) throw new NodeOperationError(node, error.message, { description: error.description });
		throw error instanceof NodeOperationError ? error : new NodeOperationError(node, error as Error);
	}
}
