/**
 * Reading the node's input: orders through RFM Score's extractOrders (same mapping, statuses, dates,
 * currencies), or customers through extractCustomers with the first order date required and RFM
 * Score's own output fields (rfm.firstOrderDate, rfm.lastOrderDate, rfm.frequency, rfm.monetary,
 * rfm.currency) among the guesses, so that Customer Value can follow RFM Score directly.
 */
import type { DateFormat } from '../dates';
import { resolveField, type Json } from '../fields';
import { extractCustomers, extractOrders, type CustomerMapping, type OrderMapping } from '../rfm/rfm';
import { CUSTOMER_FIELDS } from '../rfm/fieldGuesses';
import { prepareCustomers, prepareOrders, type ClvData, type PrepareOptions } from './prepare';

export const RFM_OUTPUT_FIELDS = {
	lastOrderDate: 'rfm.lastOrderDate',
	ordersCount: 'rfm.frequency',
	totalSpent: 'rfm.monetary',
	currency: 'rfm.currency',
	firstOrderDate: 'rfm.firstOrderDate',
} as const;

/** Customer fields to read: the mapped ones, else the usual guesses, else RFM Score's output. */
export function customerMapping(records: readonly Json[], mapping: CustomerMapping): CustomerMapping {
	const pick = (key: keyof typeof RFM_OUTPUT_FIELDS) => resolveField(records, mapping[key], [...CUSTOMER_FIELDS[key], RFM_OUTPUT_FIELDS[key]]);
	return {
		customerId: mapping.customerId,
		lastOrderDate: pick('lastOrderDate'),
		ordersCount: pick('ordersCount'),
		totalSpent: pick('totalSpent'),
		currency: pick('currency'),
		firstOrderDate: pick('firstOrderDate'),
	};
}

export interface InputOptions extends PrepareOptions {
	input: 'orders' | 'customers';
	excludedStatuses?: string[];
	refundedStatuses?: string[];
	/** How date values are read (nodes/core/dates.ts); default automatic. */
	dateFormat?: DateFormat;
}

/** Records -> the model's per-customer inputs; customers without orders (customers input) listed apart. */
export function readInput(records: readonly Json[], mapping: OrderMapping & CustomerMapping, o: InputOptions): { data: ClvData; withoutOrders: number[] } {
	if (o.input === 'orders') {
		const rows = extractOrders(records, mapping, { skipInvalid: o.skipInvalid, excludedStatuses: o.excludedStatuses, refundedStatuses: o.refundedStatuses, dateFormat: o.dateFormat });
		return { data: prepareOrders(rows, o), withoutOrders: [] };
	}
	const rows = extractCustomers(records, customerMapping(records, mapping), { skipInvalid: o.skipInvalid, dateFormat: o.dateFormat });
	return { data: prepareCustomers(rows, o), withoutOrders: rows.withoutOrders };
}
