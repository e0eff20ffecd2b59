/**
 * Cluster Customers on a customer table (large runs, docs/LARGE_RUNS.md): the features are read
 * from the table's columns, clustered by the same core, and the table goes on with the `cluster.*`
 * columns, in one item with the cluster summary and a sample.
 */
import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { clusterRecords, type ClusterOptions, type ClusterReport } from '../core/kmeans/cluster';
import type { CustomerTable } from '../core/table/table';
import { readTable, tableItem } from '../shared/customerTable';

const DEFAULT_FEATURES = ['rfm.recencyDays', 'rfm.frequency', 'rfm.monetary', 'rfm.averageOrderValue'];

/** One small object per customer with only the fields clustering reads (dotted names as keys). */
function featureRecords(table: CustomerTable, fields: string[]): Record<string, unknown>[] {
	const present = fields.filter((f) => table.get(f));
	const out = new Array<Record<string, unknown>>(table.rows);
	for (let k = 0; k < table.rows; k++) {
		const r: Record<string, unknown> = {};
		for (const f of present) r[f] = table.valueAt(f, k);
		out[k] = r;
	}
	return out;
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
	const fields = options.features ? options.features.map((f) => f.field.trim()) : DEFAULT_FEATURES;
	const records = featureRecords(table, options.groupField ? [...fields, options.groupField] : fields);
	const report = clusterRecords(records, { ...options, onInvalid: skipInvalid || ctx.continueOnFail() ? 'skip' : 'error' });
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
