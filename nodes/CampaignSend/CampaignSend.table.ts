/**
 * Campaign Send's Recipients output as a customer table (large runs, docs/LARGE_RUNS.md): when the
 * input is a customer table (Segment Router, One Customer Table per Output) or Options › Recipients
 * Output is Customer Table, the outcome of every customer (sent, skipped as holdout / suppressed /
 * no consent / capped, failed, unconfirmed) is written as `delivery.*` columns of one table, carried
 * by ONE item with the counts per status and a sample of each status. n8n then holds and saves one
 * item instead of one per customer.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import type { DeliveryRecord } from '../core/delivery/run';
import { tableFromRecords, type CustomerTable } from '../core/table/table';
import { SAMPLE_ROWS, tableItem } from '../shared/customerTable';

/** The customers as rows of a table: the input table itself, or the items' json made into one. */
export function inputRowsTable(items: INodeExecutionData[], input: CustomerTable | undefined): CustomerTable {
	return input ?? tableFromRecords(items.map((it) => (it.json ?? {}) as Record<string, unknown>));
}

/** The `delivery.*` columns of `table` from the records of the runs (row = record.itemIndex). */
export function addDeliveryColumns(table: CustomerTable, records: DeliveryRecord[]): void {
	const n = table.rows;
	const status = new Array<string | null>(n).fill(null);
	const reason = new Array<string | null>(n).fill(null);
	const detail = new Array<string | null>(n).fill(null);
	const messageId = new Array<string | null>(n).fill(null);
	const provider = new Array<string | null>(n).fill(null);
	const sendKey = new Array<string | null>(n).fill(null);
	const attempts = new Float64Array(n).fill(NaN);
	for (const r of records) {
		const k = r.itemIndex;
		status[k] = r.status;
		reason[k] = r.reason;
		detail[k] = r.detail ?? null;
		messageId[k] = r.messageId;
		provider[k] = r.provider;
		sendKey[k] = r.sendKey;
		attempts[k] = r.attempts;
	}
	for (const name of table.names) if (/^delivery(\.|$)/.test(name)) table.columns.delete(name);
	table.set('delivery.status', { kind: 'label', values: status });
	table.set('delivery.reason', { kind: 'label', values: reason });
	table.set('delivery.messageId', { kind: 'text', values: messageId });
	table.set('delivery.provider', { kind: 'label', values: provider });
	table.set('delivery.sendKey', { kind: 'text', values: sendKey });
	table.set('delivery.attempts', { kind: 'number', values: attempts });
	if (detail.some((d) => d !== null)) table.set('delivery.detail', { kind: 'text', values: detail });
}

/** Customers per status (and per skip / failure reason), in the order first met. */
export function statusCounts(records: DeliveryRecord[]): IDataObject {
	const byStatus: Record<string, number> = {};
	const byReason: Record<string, number> = {};
	for (const r of records) {
		byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
		if (r.reason) byReason[`${r.status}: ${r.reason}`] = (byReason[`${r.status}: ${r.reason}`] ?? 0) + 1;
	}
	return { customers: records.length, byStatus, byReason };
}

/** Up to SAMPLE_ROWS rows, the first ones of every status in turn (so that each status shows). */
export function sampleRows(records: DeliveryRecord[]): number[] {
	const byStatus = new Map<string, number[]>();
	for (const r of [...records].sort((a, b) => a.itemIndex - b.itemIndex)) {
		const list = byStatus.get(r.status) ?? [];
		if (list.length < SAMPLE_ROWS) list.push(r.itemIndex);
		byStatus.set(r.status, list);
	}
	const out: number[] = [];
	for (let round = 0; out.length < SAMPLE_ROWS; round++) {
		let any = false;
		for (const list of byStatus.values())
			if (round < list.length && out.length < SAMPLE_ROWS) {
				out.push(list[round]);
				any = true;
			}
		if (!any) break;
	}
	return out;
}

/** The Recipients output as one item carrying the table with every customer's outcome. */
export async function recipientsTableItem(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	input: CustomerTable | undefined,
	records: DeliveryRecord[],
): Promise<INodeExecutionData> {
	const table = inputRowsTable(items, input);
	addDeliveryColumns(table, records);
	// a table in pairs with its one item; items in pair with all of them
	const paired = input ? { item: 0 } : items.map((_, i) => ({ item: i }));
	const item = await tableItem(ctx, table, statusCounts(records), { item: 0 }, sampleRows(records));
	item.pairedItem = paired;
	return item;
}
