/**
 * Cluster Customers on a customer table (large runs, docs/LARGE_RUNS.md): the features are read
 * from the table's columns, clustered by the same core, and the table goes on with the `cluster.*`
 * columns, in one item with the cluster summary and a sample.
 */
import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { clusterRecords, type ClusterOptions, type ClusterReport, type FieldSource } from '../core/kmeans/cluster';
import type { CustomerTable } from '../core/table/table';
import { readTable, tableItem } from '../shared/customerTable';

/** The table's columns as clustering reads them: value(row, field), null for an empty cell. */
function tableSource(table: CustomerTable): FieldSource {
	const numeric: Record<string, Float64Array | undefined> = Object.create(null);
	for (const name of table.names) numeric[name] = table.numbers(name);
	return {
		length: table.rows,
		value: (i, field) => {
			const col = numeric[field];
			if (col === undefined) return table.valueAt(field, i);
			const v = col[i];
			return Number.isNaN(v) ? null : v;
		},
	};
}

/** The cluster of every customer as columns, as items carry it in `cluster`. */
function addClusterColumns(table: CustomerTable, report: ClusterReport): void {
	const n = table.rows;
	const index = new Float64Array(n).fill(NaN);
	const distance = new Float64Array(n).fill(NaN);
	const label = new Array<string | null>(n).fill(null);
	const skipped = new Array<unknown>(n).fill(undefined);
	const grouped = report.tags.some((t) => t && t.group !== undefined);
	const key = grouped ? new Array<string | null>(n).fill(null) : undefined;
	const group = grouped ? new Array<string | null>(n).fill(null) : undefined;
	const reasons = new Map(report.skipped.map((s) => [s.itemIndex, s.reason]));
	for (let k = 0; k < n; k++) {
		const t = report.tags[k];
		if (!t) {
			skipped[k] = reasons.get(k) ?? 'not clustered';
			continue;
		}
		index[k] = t.index;
		label[k] = t.label;
		distance[k] = t.distance;
		if (key && group) {
			key[k] = t.key ?? null;
			group[k] = t.group ?? null;
		}
	}
	table.set('cluster.index', { kind: 'number', values: index });
	table.set('cluster.label', { kind: 'label', values: label });
	table.set('cluster.distance', { kind: 'number', values: distance });
	if (key && group) {
		table.set('cluster.key', { kind: 'label', values: key });
		table.set('cluster.group', { kind: 'label', values: group });
	}
	if (reasons.size || report.tags.some((t) => !t)) table.set('cluster.skipped', { kind: 'json', values: skipped });
}

export async function clusterTable(
	ctx: IExecuteFunctions,
	mode: 'customers' | 'summary' | 'both',
	options: ClusterOptions,
	skipInvalid: boolean,
	summaryOf: (report: ClusterReport) => INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const table = await readTable(ctx);
	const report = clusterRecords(tableSource(table), { ...options, onInvalid: skipInvalid || ctx.continueOnFail() ? 'skip' : 'error' });
	const summary = summaryOf(report);
	if (mode === 'summary') return [summary];
	addClusterColumns(table, report);
	const clusters = summary.map((s) => Object.fromEntries(Object.entries(s.json).filter(([k]) => k !== 'details')));
	const json: IDataObject = { clusters, details: (summary[0]?.json.details as IDataObject) ?? {} };
	if (report.skipped.length && !skipInvalid && typeof ctx.addExecutionHints === 'function')
		ctx.addExecutionHints({ message: `${report.skipped.length} customers could not be clustered (see cluster.skipped)`, type: 'warning', location: 'outputPane' });
	const item = await tableItem(ctx, table, json, { item: 0 });
	return mode === 'both' ? [[item], summary] : [[item]];
}
