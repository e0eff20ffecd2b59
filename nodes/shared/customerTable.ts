/**
 * The customer table of large runs in n8n: read from, and written to, an item's binary field
 * `customers` (nodes/core/table/table.ts has the format; docs/LARGE_RUNS.md the why). The item
 * that carries it holds a summary and a sample of the customers for the editor.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { CustomerTable, TABLE_EXTENSION, TABLE_MIME } from '../core/table/table';

export const TABLE_PROPERTY = 'customers';
/** Customers shown in the item that carries a table. */
export const SAMPLE_ROWS = 20;

/** The table an input holds: exactly one item whose `customers` binary is a customer table. */
export function isTableInput(items: INodeExecutionData[]): boolean {
	return items.length === 1 && items[0].binary?.[TABLE_PROPERTY]?.mimeType === TABLE_MIME;
}

export async function readTable(ctx: IExecuteFunctions): Promise<CustomerTable> {
	const data = await ctx.helpers.getBinaryDataBuffer(0, TABLE_PROPERTY);
	return CustomerTable.decode(data);
}

/**
 * The item carrying `table`: `json` plus `table` (rows, columns, where it is kept) and `sample`
 * (the first customers as items would show them, or the rows `sampleRows`). Warns when n8n keeps binary data in memory
 * (then the table travels inside the run data: set N8N_DEFAULT_BINARY_DATA_MODE=filesystem).
 */
export async function tableItem(
	ctx: IExecuteFunctions,
	table: CustomerTable,
	json: IDataObject,
	pairedItem: { item: number },
	sampleRows?: number[],
): Promise<INodeExecutionData> {
	const buffer = table.encode();
	const binary = await ctx.helpers.prepareBinaryData(buffer, `customers.${TABLE_EXTENSION}`, TABLE_MIME);
	const onDisk = typeof binary.id === 'string' && binary.id !== '';
	const sample: IDataObject[] = [];
	const rows = sampleRows ?? Array.from({ length: Math.min(SAMPLE_ROWS, table.rows) }, (_, k) => k);
	for (const k of rows) sample.push(table.peekRow(k) as IDataObject);
	if (!onDisk && typeof ctx.addExecutionHints === 'function')
		ctx.addExecutionHints({
			message: `The customer table (${(buffer.length / 1048576).toFixed(1)} MB) is kept in the run data because n8n keeps binary data in memory: set N8N_DEFAULT_BINARY_DATA_MODE=filesystem for large runs`,
			type: 'warning',
			location: 'outputPane',
		});
	return {
		json: { ...json, table: { customers: table.rows, columns: table.names, bytes: buffer.length, storedOnDisk: onDisk }, sample },
		binary: { [TABLE_PROPERTY]: binary },
		pairedItem,
	};
}
