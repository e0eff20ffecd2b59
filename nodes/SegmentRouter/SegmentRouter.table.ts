/**
 * Segment Router's outputs as customer tables (Items From a Customer Table: One Customer Table per
 * Output; large runs, docs/LARGE_RUNS.md): instead of one n8n item per routed customer, each output
 * that has customers gets one item carrying them as a table (the input table's rows with the
 * `route.*` and `playbook.*` columns an item would have), a summary and a sample. Campaign Send
 * reads such a table like items.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { columnOf, tableFromRecords, type Column, type CustomerTable } from '../core/table/table';
import { tableItem } from '../shared/customerTable';

/** The customers routed to one output: their rows in the input table and their route and playbook. */
export interface OutputRows {
	rows: number[];
	routed: Array<{ route: IDataObject; playbook: IDataObject | null }>;
}

/**
 * The `route.*` columns (one per field of the routes, which are flat) and the `playbook.*` ones: a
 * playbook is one object per segment, so an output whose customers share one has it as constants.
 */
function routeColumns(routed: OutputRows['routed']): Map<string, Column> {
	const columns = new Map<string, Column>();
	const keys = new Set<string>();
	for (const r of routed) for (const k in r.route) keys.add(k);
	for (const k of keys) columns.set(`route.${k}`, columnOf(routed.map((r) => r.route[k])));
	const playbooks = new Set(routed.map((r) => r.playbook));
	const [only] = playbooks;
	if (playbooks.size === 1 && only === null) columns.set('playbook', { kind: 'const', value: null });
	else if (playbooks.size === 1 && only) for (const [k, value] of Object.entries(only)) columns.set(`playbook.${k}`, { kind: 'const', value });
	else for (const [name, column] of tableFromRecords(routed.map((r) => ({ playbook: r.playbook }))).columns) columns.set(name, column);
	return columns;
}

/** The rows of `input` routed to one output, with their `route.*` and `playbook.*` columns. */
export function outputTable(input: CustomerTable, routed: OutputRows): CustomerTable {
	const table = input.select(routed.rows);
	// a table routed before: its old route / playbook columns give way to this routing
	for (const name of table.names) if (/^(route|playbook)(\.|$)/.test(name)) table.columns.delete(name);
	for (const [name, column] of routeColumns(routed.routed)) table.set(name, column);
	return table;
}

/** One item per output that has customers: its table, the output's name and its customer count. */
export async function outputTableItems(ctx: IExecuteFunctions, input: CustomerTable, names: string[], perOutput: OutputRows[]): Promise<INodeExecutionData[][]> {
	const out: INodeExecutionData[][] = names.map(() => []);
	for (let k = 0; k < names.length; k++) {
		const routed = perOutput[k];
		if (routed.rows.length === 0) continue;
		const json: IDataObject = { output: names[k], customers: routed.rows.length };
		out[k].push(await tableItem(ctx, outputTable(input, routed), json, { item: 0 }));
	}
	return out;
}
