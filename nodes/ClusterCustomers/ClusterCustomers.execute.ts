import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';
import {
	ClusterConfigError,
	ClusterInputError,
	clusterRecords,
	type ClusterOptions,
	type ClusterReport,
	type FeatureSpec,
	type FeatureTransform,
} from '../core/kmeans/cluster';
import { compactSummary, outputFieldsMode, SUMMARY_FIELDS, withGroup, type OutputFields } from '../core/output/flat';
import type { Scaling } from '../core/kmeans/scaling';
import { poolInfo } from '../core/kmeans/pool';
import { isTableInput } from '../shared/customerTable';
import { clusterTable } from './ClusterCustomers.table';

type OutputMode = 'customers' | 'summary' | 'both';

function num(value: unknown, fallback: number): number {
	const n = typeof value === 'number' ? value : Number(value);
	return Number.isFinite(n) ? n : fallback;
}

function invalidHint(field: string): string {
	const rfm = field.startsWith('rfm.')
		? 'These are the fields RFM Score adds: put RFM Score before this node, or pick Custom Fields. '
		: '';
	return `${rfm}Every feature must be a number. Fix the data or the feature fields, or turn on Options > "Skip Invalid Items" to pass these customers through without a cluster.`;
}

/** Reads the node parameters into core options. */
export function readOptions(ctx: IExecuteFunctions): { options: ClusterOptions; skipInvalid: boolean } {
	const node = ctx.getNode();
	const features = ctx.getNodeParameter('features', 0) as 'rfm' | 'custom';
	let specs: FeatureSpec[] | undefined;
	if (features === 'custom') {
		const rows = ((ctx.getNodeParameter('customFeatures', 0, {}) as IDataObject).feature ?? []) as IDataObject[];
		specs = rows.map((r, i) => {
			const field = String(r.field ?? '').trim();
			if (!field)
				throw new NodeOperationError(node, `Custom feature ${i + 1} has no field name`, {
					description: 'Type the field to read, e.g. rfm.monetary, or remove the empty feature',
				});
			return { field, transform: (r.transform as FeatureTransform) ?? 'auto' };
		});
		if (specs.length === 0)
			throw new NodeOperationError(node, 'No custom features', {
				description: 'Add at least one numeric field under "Fields to Compare", or compare on recency, frequency and spend',
			});
	}
	const opts = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	const mode = ctx.getNodeParameter('clusterCount', 0) as 'auto' | 'fixed';
	const withinGroups = ctx.getNodeParameter('withinGroups', 0, false) as boolean;
	const options: ClusterOptions = {
		features: specs,
		scaling: ctx.getNodeParameter('scaling', 0) as Scaling,
		mode,
		k: num(ctx.getNodeParameter('numberOfClusters', 0, 4), 4),
		kMin: num(ctx.getNodeParameter('minClusters', 0, 2), 2),
		kMax: num(ctx.getNodeParameter('maxClusters', 0, 8), 8),
		nInit: num(opts.restarts, 0),
		maxIter: num(opts.maxIterations, 300),
		tol: num(opts.tolerance, 1e-4),
		seed: num(opts.seed, 42),
		sampleSize: num(opts.sampleSize, 10000),
		silhouette: opts.silhouette === true,
		onInvalid: 'skip',
	};
	// 0 / unset = automatic; any number gives the same clusters
	const threads = num(opts.threads, 0);
	if (threads >= 1) options.threads = Math.floor(threads);
	if (mode === 'auto' && (options.kMax as number) < (options.kMin as number))
		throw new NodeOperationError(node, `Maximum Clusters (${options.kMax}) is below Minimum Clusters (${options.kMin})`);
	if (withinGroups) {
		const groupField = String(ctx.getNodeParameter('groupField', 0, '') ?? '').trim();
		if (!groupField) throw new NodeOperationError(node, 'Group Field is empty', { description: 'Type the field to group by, e.g. rfm.segment' });
		options.groupField = groupField;
	}
	return { options, skipInvalid: opts.skipInvalid === true };
}

/** One summary item per cluster; run details (k tried, silhouettes, notices) in `details`. */
export function summaryItems(report: ClusterReport, skipped: number, threads = 1, fields: OutputFields = 'nested'): INodeExecutionData[] {
	const runOf = new Map(report.runs.map((r) => [r.group, r]));
	const common = {
		features: report.features,
		scaling: report.scaling,
		mode: report.mode,
		skipped,
		notices: report.notices,
		threads,
	};
	const items: INodeExecutionData[] = report.clusters.map((c) => {
		const run = runOf.get(c.group);
		const details = {
			...common,
			customers: run?.customers ?? 0,
			k: run?.k ?? 0,
			silhouette: run?.silhouette ?? null,
			kTried: run?.kTried ?? [],
			inertia: run?.inertia ?? 0,
			iterations: run?.iterations ?? 0,
			converged: run?.converged ?? true,
			sampleSize: run?.sampleSize ?? 0,
		};
		const json = { ...c, details };
		return { json: (fields === 'flat' ? compactSummary(json, SUMMARY_FIELDS.cluster) : json) as unknown as IDataObject };
	});
	return items;
}

export async function executeClusterCustomers(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const mode = this.getNodeParameter('output', 0) as OutputMode;
	const fields = outputFieldsMode(this.getNodeParameter('outputFields', 0, 'nested'));
	const outputs = mode === 'both' ? 2 : 1;
	if (items.length === 0) return Array.from({ length: outputs }, () => []);
	const node = this.getNode();
	const { options, skipInvalid } = readOptions(this);
	// stop at the first bad item unless it is skipped or reported as an error item
	options.onInvalid = skipInvalid || this.continueOnFail() ? 'skip' : 'error';

	let report: ClusterReport;
	const chunksBefore = poolInfo().workerChunks;
	const threadsUsed = () => {
		// threads that did part of the work (worker threads only start for large inputs)
		const pool = poolInfo();
		return pool.workerChunks > chunksBefore ? 1 + pool.workers : 1;
	};
	try {
		if (isTableInput(items))
			return await clusterTable(this, mode, options, skipInvalid, (r) =>
				summaryItems(r, r.skipped.length, threadsUsed()).map((s) => ({ ...s, pairedItem: { item: 0 } })),
			);
		report = clusterRecords(
			items.map((it) => it.json),
			options,
		);
	} catch (error) {
		if (error instanceof ClusterConfigError)
			throw new NodeOperationError(node, error.message, {
				description: 'Change the number of groups, or switch Number of Groups to Automatic (Best Fit)',
			});
		if (error instanceof ClusterInputError) {
			const table = isTableInput(items);
			throw new NodeOperationError(node, table ? error.message.replace(/^Item /, 'Customer ') : error.message, {
				itemIndex: table ? undefined : error.itemIndex,
				description: invalidHint(error.field),
			});
		}
		throw error instanceof NodeOperationError ? error : new NodeOperationError(node, error as Error);
	}

	const errorItems: INodeExecutionData[] = [];
	const invalid = new Map(report.skipped.map((s) => [s.itemIndex, s]));
	if (invalid.size > 0 && !skipInvalid) {
		if (!this.continueOnFail()) {
			const first = report.skipped[0];
			throw new NodeOperationError(node, first.message, {
				itemIndex: first.itemIndex,
				description:
					(report.skipped.length > 1 ? `${report.skipped.length} items have problems (first shown). ` : '') +
					invalidHint(first.field),
			});
		}
		for (const s of report.skipped)
			errorItems.push({
				json: { error: s.message, field: s.field, reason: s.reason, itemIndex: s.itemIndex },
				pairedItem: { item: s.itemIndex },
			});
	}

	const customers: INodeExecutionData[] = [];
	if (mode !== 'summary') {
		for (let i = 0; i < items.length; i++) {
			const tag = report.tags[i];
			const skip = invalid.get(i);
			if (skip && !skipInvalid) continue; // emitted as an error item
			const cluster: IDataObject = tag
				? { ...tag }
				: { index: null, label: null, distance: null, skipped: skip ? skip.reason : 'not clustered' };
			customers.push({ json: withGroup(items[i].json, 'cluster', cluster, fields), pairedItem: { item: i } });
		}
	}

	let summary: INodeExecutionData[] = [];
	if (mode !== 'customers') {
		summary = summaryItems(report, report.skipped.length, threadsUsed(), fields);
		// each summary item is paired with the first customer of its cluster: one link per cluster
		// (a link per member would make n8n hold one object per customer for a few summary items)
		const firstMember = new Map<string, number>();
		report.tags.forEach((t, i) => {
			if (!t) return;
			const key = `${t.group ?? ''}\u0000${t.index}`;
			if (!firstMember.has(key)) firstMember.set(key, i);
		});
		summary.forEach((s, j) => {
			const c = report.clusters[j];
			const first = firstMember.get(`${c.group ?? ''}\u0000${c.index}`);
			if (first !== undefined) s.pairedItem = { item: first };
		});
		if (summary.length === 0)
			summary.push({
				json: { size: 0, details: { skipped: report.skipped.length, notices: report.notices, features: report.features } },
				pairedItem: items.map((_, item) => ({ item })),
			});
	}

	const addHints = (this as unknown as { addExecutionHints?: (...h: { message: string; location?: string }[]) => void })
		.addExecutionHints;
	if (report.notices.length > 0 && typeof addHints === 'function')
		addHints.call(this, ...report.notices.map((message) => ({ message, location: 'outputPane' })));

	if (mode === 'both') return [[...customers, ...errorItems], summary];
	if (mode === 'summary') return [[...summary, ...errorItems]];
	return [[...customers, ...errorItems]];
}
