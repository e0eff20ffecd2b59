import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';
import { parseDate, type DateFormat } from '../core/dates';
import { getPath, type Json } from '../core/fields';
import { RfmInputError } from '../core/rfm/rfm';
import { modelCustomerValue, type ClvOptions } from '../core/clv/clv';
import { readInput } from '../core/clv/input';
import { compactSummary, outputFieldsMode, SUMMARY_FIELDS, withGroup, type OutputFields } from '../core/output/flat';
import { clvGroup, noOrdersGroup, parseFixedModel, summaryOf } from '../core/clv/output';
import type { CalibrationEnd, ClvData } from '../core/clv/prepare';
import { parseList as list } from '../core/list';

function pairedItems(indexes: number[]) {
	return indexes.length === 1 ? { item: indexes[0] } : indexes.map((item) => ({ item }));
}

function calibrationEnd(ctx: IExecuteFunctions): CalibrationEnd {
	const kind = ctx.getNodeParameter('calibrationEnd', 0) as string;
	if (kind === 'now') return { kind: 'now', now: Date.now() };
	if (kind !== 'fixed') return { kind: 'dayAfterLatest' };
	const raw = ctx.getNodeParameter('fixedDate', 0) as string;
	const t = parseDate(raw);
	if (t === null)
		throw new NodeOperationError(ctx.getNode(), `Predict From Date "${raw}" is not a date`, {
			description: 'Pick a date, or use an ISO date such as 1997-09-30',
		});
	return { kind: 'fixed', time: t };
}

function share(v: unknown, fallback: number): number {
	const n = Number(v ?? fallback);
	return Math.min(100, Math.max(0, Number.isFinite(n) ? n : fallback)) / 100;
}

function modelOptions(ctx: IExecuteFunctions, options: IDataObject): ClvOptions {
	const fixed = ctx.getNodeParameter('model', 0) === 'fixed' ? parseFixedModel(ctx.getNodeParameter('fixedParameters', 0)) : undefined;
	const risk = Number(options.riskThreshold ?? 0.5);
	return {
		unit: ctx.getNodeParameter('timeUnit', 0) === 'days' ? 'days' : 'weeks',
		horizonDays: Math.max(1, Number(ctx.getNodeParameter('horizonDays', 0, 365))),
		monthlyDiscountRate: Math.max(0, Number(ctx.getNodeParameter('monthlyDiscountRate', 0, 1))) / 100,
		minRepeatCustomers: Math.max(1, Number(ctx.getNodeParameter('minRepeatCustomers', 0, 100))),
		fixed,
		highShare: share(options.highShare, 10),
		mediumShare: share(options.mediumShare, 30),
		riskThreshold: Number.isFinite(risk) ? risk : 0.5,
	};
}

/** Invalid items: an error naming the first (or, with Continue On Fail, one error item each). */
function invalidItems(ctx: IExecuteFunctions, data: ClvData): INodeExecutionData[] {
	if (!data.invalid.length) return [];
	if (!ctx.continueOnFail()) {
		const first = data.invalid[0];
		throw new NodeOperationError(ctx.getNode(), first.message, {
			itemIndex: first.itemIndex,
			description:
				(data.invalid.length > 1 ? `${data.invalid.length} items have problems (first shown). ` : '') +
				'Fix the data or the field mapping, or turn on Options > "Skip Invalid Items" to skip and count them.',
		});
	}
	return data.invalid.map((bad) => ({
		json: { error: bad.message, field: bad.field, reason: bad.reason, itemIndex: bad.itemIndex },
		pairedItem: { item: bad.itemIndex },
	}));
}

/** The customer item: the customer's own item (customers), or its ID and fields of its latest order. */
function customerJson(items: INodeExecutionData[], data: ClvData, k: number, clv: IDataObject, carry: string[], keepAll: boolean, fields: OutputFields): IDataObject {
	const source = items[data.latestItemIndex[k]].json;
	if (data.kind === 'customers') return withGroup(source, 'clv', clv, fields);
	const json: IDataObject = keepAll ? { ...source } : {};
	for (const field of carry) {
		const v = getPath(source, field);
		if (v !== undefined && v !== null && v !== '') json[field] = v as IDataObject[string];
	}
	return withGroup({ customerId: data.customerIds[k], ...json }, 'clv', clv, fields);
}

export async function executeCustomerValue(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	if (items.length === 0) return [[], []];
	const input = this.getNodeParameter('input', 0) as 'orders' | 'customers';
	const mapping = this.getNodeParameter('fieldMapping', 0, {}) as IDataObject;
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const fields = outputFieldsMode(this.getNodeParameter('outputFields', 0, 'nested'));
	const node = this.getNode();
	try {
		const o = modelOptions(this, options);
		const { data, withoutOrders } = readInput(items.map((it) => it.json as Json), mapping as never, {
			input,
			calibrationEnd: calibrationEnd(this),
			keepCurrency: (options.keepCurrency as string) || undefined,
			skipInvalid: options.skipInvalid === true,
			dateFormat: ((options.dateFormat as string) || 'auto') as DateFormat,
			excludedStatuses: options.excludedStatuses !== undefined ? list(options.excludedStatuses) : undefined,
			refundedStatuses: options.refundedStatuses !== undefined ? list(options.refundedStatuses) : undefined,
		});
		const errorItems = invalidItems(this, data);
		if (data.count === 0)
			throw new NodeOperationError(node, `None of the ${items.length} items gives a customer with an order on or before the calibration end`, {
				description: 'Check the field mapping, the statuses left out and the calibration end date.',
			});
		const result = modelCustomerValue(data, o);
		const carry = input === 'orders' ? list(this.getNodeParameter('customerFields', 0, '')) : [];
		const keepAll = options.keepLatestOrderFields === true;
		const customers: INodeExecutionData[] = [];
		for (let k = 0; k < data.count; k++) {
			const clv = clvGroup(data, result, o, k) as IDataObject;
			customers.push({ json: customerJson(items, data, k, clv, carry, keepAll, fields), pairedItem: pairedItems(data.itemIndexes(k)) });
		}
		for (const i of withoutOrders) customers.push({ json: withGroup(items[i].json, 'clv', noOrdersGroup(o, data), fields), pairedItem: { item: i } });
		const fullSummary = summaryOf(data, result, o, input === 'customers' ? { customersWithoutOrders: withoutOrders.length } : {});
		const summary = fields === 'flat' ? compactSummary(fullSummary, SUMMARY_FIELDS.clv) : fullSummary;
		const skipped = Object.entries(data.skipped).filter(([, n]) => (n ?? 0) > 0);
		const hints = result.warnings.map((message) => ({ message, type: 'warning' as const, location: 'outputPane' as const }));
		if (skipped.length) hints.push({ message: `Left out: ${skipped.map(([k, n]) => `${k} ${n}`).join(', ')}`, type: 'warning', location: 'outputPane' });
		if (hints.length && typeof this.addExecutionHints === 'function') this.addExecutionHints(...hints);
		return [[...customers, ...errorItems], [{ json: summary as IDataObject, pairedItem: { item: 0 } }]];
	} catch (error) {
		if (error instanceof RfmInputError)
			throw new NodeOperationError(node, error.message, { itemIndex: error.itemIndex, description: error.description });
		throw error instanceof NodeOperationError ? error : new NodeOperationError(node, error as Error);
	}
}
