import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';
import { getPath, type Json } from '../core/fields';
import type { DateFormat } from '../core/dates';
import {
	RfmInputError,
	extractCustomers,
	extractOrders,
	scoreRfm,
	type ScoreOptions,
} from '../core/rfm/rfm';
import { outputFieldsMode, withGroup } from '../core/output/flat';
import { parseList as list } from '../core/list';
import { iso, pairedItems, readReference, scoreOptions, summaryItems } from './RfmScore.common';
import { isTableInput } from '../shared/customerTable';
import { agreementOfScored, hasShopifyRfmGroup } from '../core/rfm/shopifyAgreement';
import { scoreTable } from './RfmScore.table';

const NO_ORDERS = 'No Orders';

export async function executeRfmScore(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const mode = this.getNodeParameter('output', 0) as 'customers' | 'summary' | 'both';
	const fields = outputFieldsMode(this.getNodeParameter('outputFields', 0, 'nested'));
	const outputs = mode === 'both' ? 2 : 1;
	if (items.length === 0) return Array.from({ length: outputs }, () => []);

	const input = this.getNodeParameter('input', 0) as 'orders' | 'customers';
	const mapping = this.getNodeParameter('fieldMapping', 0, {}) as IDataObject;
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const bins = Number(this.getNodeParameter('bins', 0, 5)) as 3 | 4 | 5;
	const scoring = this.getNodeParameter('scoring', 0) as ScoreOptions['scoring'];
	const referenceKind = this.getNodeParameter('referenceDate', 0) as string;
	const skipInvalid = options.skipInvalid === true;
	const dateFormat = ((options.dateFormat as string) || 'auto') as DateFormat;

	const reference = readReference(this, referenceKind);
	if (isTableInput(items)) return scoreTable(this, mode, { options, bins, scoring, reference, skipInvalid, dateFormat, mapping });

	const records = items.map((it) => it.json as Json);
	const node = this.getNode();
	try {
		const rows =
			input === 'orders'
				? extractOrders(records, mapping as never, {
						skipInvalid,
						excludedStatuses: options.excludedStatuses !== undefined ? list(options.excludedStatuses) : undefined,
						refundedStatuses: options.refundedStatuses !== undefined ? list(options.refundedStatuses) : undefined,
						dateFormat,
					})
				: extractCustomers(records, mapping as never, { skipInvalid, dateFormat });

		const errorItems: INodeExecutionData[] = [];
		if (rows.invalid.length) {
			if (!this.continueOnFail()) {
				const first = rows.invalid[0];
				throw new NodeOperationError(node, first.message, {
					itemIndex: first.itemIndex,
					description:
						(rows.invalid.length > 1 ? `${rows.invalid.length} items have problems (first shown). ` : '') +
						'Fix the data or the field mapping, or turn on Options > "Skip Invalid Items" to skip and count them.',
				});
			}
			for (const bad of rows.invalid)
				errorItems.push({
					json: { error: bad.message, field: bad.field, reason: bad.reason, itemIndex: bad.itemIndex },
					pairedItem: { item: bad.itemIndex },
				});
		}

		const scoreOpts = scoreOptions(this, input, options, bins, scoring, reference);
		const result = scoreRfm(rows, scoreOpts);

		const withoutOrders = rows.withoutOrders;
		const keepWithoutOrders = input === 'customers' && options.withoutOrders === 'keep';
		if (withoutOrders.length && !keepWithoutOrders)
			result.skipped.noOrders = (result.skipped.noOrders ?? 0) + withoutOrders.length;

		const referenceDate = iso(result.referenceTime);
		const customerItems: INodeExecutionData[] = [];
		if (mode !== 'summary') {
			const carry = input === 'orders' ? list(this.getNodeParameter('customerFields', 0, '')) : [];
			const keepAll = options.keepLatestOrderFields === true;
			const linkAll = input === 'orders' && options.pairing === 'all';
			const col = result.columns;
			for (let k = 0; k < result.count; k++) {
				const r = col.r[k];
				const f = col.f[k];
				const m = col.m[k];
				const rfm = {
					recencyDays: col.recencyDays[k],
					frequency: col.frequency[k],
					monetary: col.monetary[k],
					averageOrderValue: col.averageOrderValue[k],
					r,
					f,
					m,
					cell: col.cell[k],
					score: r + f + m,
					segment: col.segment[k],
					lastOrderDate: iso(col.lastOrderTime[k]),
					firstOrderDate: iso(col.firstOrderTime[k]),
					currency: col.currency[k] ?? null,
					referenceDate,
				};
				const latestItemIndex = col.latestItemIndex[k];
				let json: IDataObject;
				if (input === 'customers') json = withGroup(items[latestItemIndex].json, 'rfm', rfm, fields);
				else {
					const latest = items[latestItemIndex].json;
					json = keepAll ? { ...latest } : {};
					for (const field of carry) {
						const v = getPath(latest, field);
						if (v !== undefined && v !== null && v !== '') json[field] = v as IDataObject[string];
					}
					json = withGroup({ customerId: col.customerId[k], ...json }, 'rfm', rfm, fields);
				}
				customerItems.push({
					json,
					pairedItem: linkAll ? pairedItems(result.itemIndexes(k)) : { item: latestItemIndex },
				});
			}
			if (keepWithoutOrders)
				for (const i of withoutOrders)
					customerItems.push({
						json: withGroup(items[i].json, 'rfm', {
							recencyDays: null, frequency: 0, monetary: 0, averageOrderValue: null, r: null, f: null, m: null,
							cell: null, score: null, segment: NO_ORDERS, lastOrderDate: null, firstOrderDate: null,
							currency: null, referenceDate,
						}, fields) as IDataObject,
						pairedItem: { item: i },
					});
		}
		const extra: IDataObject = {
			customersScored: result.count,
			fields: rows.fields as IDataObject,
		};
		if (keepWithoutOrders) extra.customersWithoutOrders = withoutOrders.length;
		// customers read from Shopify carry the group Shopify computes: how ours agrees with it
		if (input === 'customers' && mode !== 'customers' && hasShopifyRfmGroup(records))
			extra.shopifyRfmAgreement = agreementOfScored(
				{ count: result.count, segment: result.columns.segment, latestItemIndex: result.columns.latestItemIndex },
				keepWithoutOrders ? withoutOrders : [],
				(i) => records[i]?.shopifyRfmGroup,
				scoreOpts.map.id,
			) as unknown as IDataObject;
		const summary = mode === 'customers' ? [] : summaryItems(result, extra, fields);

		const skippedTotal = Object.values(result.skipped).reduce((a, b) => a + (b ?? 0), 0);
		const addHints = (this as unknown as { addExecutionHints?: (...h: { message: string; location?: string }[]) => void })
			.addExecutionHints;
		if (skippedTotal > 0 && typeof addHints === 'function')
			addHints.call(this, {
				message: `${skippedTotal} item(s) left out: ${Object.entries(result.skipped)
					.map(([k, v]) => `${k} ${v}`)
					.join(', ')}`,
				location: 'outputPane',
			});

		if (mode === 'both') return [[...customerItems, ...errorItems], summary];
		if (mode === 'summary') return [[...summary, ...errorItems]];
		return [[...customerItems, ...errorItems]];
	} catch (error) {
		if (error instanceof RfmInputError)
			throw new NodeOperationError(node, error.message, {
				itemIndex: error.itemIndex,
				description: error.description,
			});
		throw error instanceof NodeOperationError ? error : new NodeOperationError(node, error as Error);
	}
}
