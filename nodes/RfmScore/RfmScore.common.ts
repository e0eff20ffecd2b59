/**
 * What RFM Score's item path (RfmScore.execute.ts) and table path (RfmScore.table.ts) share, and
 * Warehouse RFM reuses: the scoring parameters read from the node, and the summary items.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { parseDate, toIsoDate } from '../core/dates';
import { parseList } from '../core/list';
import { compactSummary, SUMMARY_FIELDS, type OutputFields } from '../core/output/flat';
import type { RfmResult, ScoreOptions } from '../core/rfm/rfm';
import { RF_MAP, RFM_PACKAGE_MAP, type SegmentMap } from '../core/rfm/segmentMaps';

export function numbers(ctx: IExecuteFunctions, name: string, label: string): number[] {
	const raw = parseList(ctx.getNodeParameter(name, 0, ''));
	const out = raw.map(Number);
	const badIndex = out.findIndex((x) => !Number.isFinite(x));
	if (badIndex >= 0)
		throw new NodeOperationError(ctx.getNode(), `${label}: "${raw[badIndex]}" is not a number`, {
			description: 'Type numbers separated by commas, e.g. 30, 90, 180, 365',
		});
	return out;
}

export function segmentMap(ctx: IExecuteFunctions, bins: number): SegmentMap {
	const choice = ctx.getNodeParameter('segmentMap', 0) as string;
	if (choice === 'rf') return RF_MAP;
	if (choice === 'rfmPackage') return RFM_PACKAGE_MAP;
	const rules = ((ctx.getNodeParameter('customSegments', 0, {}) as IDataObject).segment ?? []) as IDataObject[];
	if (!rules.length)
		throw new NodeOperationError(ctx.getNode(), 'Custom segment map has no segments', {
			description: 'Add at least one segment under "Custom Segments", or pick a standard map',
		});
	return {
		id: 'custom',
		fiveScale: false,
		fallback: (ctx.getNodeParameter('fallbackSegment', 0, 'Other') as string) || 'Other',
		rules: rules.map((r, i) => {
			const name = String(r.name ?? '').trim();
			if (!name) throw new NodeOperationError(ctx.getNode(), `Custom segment ${i + 1} has no name`);
			const range = (lo: unknown, hi: unknown, dim: string): [number, number] => {
				const a = Number(lo ?? 1);
				const b = Number(hi ?? bins);
				if (!(a >= 1 && b <= bins && a <= b))
					throw new NodeOperationError(
						ctx.getNode(),
						`Custom segment "${name}": ${dim} range ${a}–${b} does not fit scores 1–${bins}`,
					);
				return [a, b];
			};
			return { name, r: range(r.rMin, r.rMax, 'R'), f: range(r.fMin, r.fMax, 'F'), m: range(r.mMin, r.mMax, 'M') };
		}),
	};
}

export function iso(ms: number): string | null {
	return Number.isFinite(ms) ? toIsoDate(ms) : null;
}

export function pairedItems(indexes: number[]) {
	return indexes.length === 1 ? { item: indexes[0] } : indexes.map((item) => ({ item }));
}

export function summaryItems(result: RfmResult, extra: IDataObject, fields: OutputFields = 'nested'): INodeExecutionData[] {
	const details = {
		referenceDate: iso(result.referenceTime),
		scoring: result.scoring,
		bins: result.bins,
		edges: result.edges,
		distribution: result.distribution,
		skipped: result.skipped,
		currency: result.currency ?? null,
		...extra,
	};
	return result.segments.map((s) => {
		const json = { ...s, details };
		return { json: (fields === 'flat' ? compactSummary(json, SUMMARY_FIELDS.rfm) : json) as unknown as IDataObject };
	});
}

export function readReference(ctx: IExecuteFunctions, kind: string): ScoreOptions['reference'] {
	if (kind === 'now') return { kind: 'now', now: Date.now() };
	if (kind !== 'fixed') return { kind: 'dayAfterLatest' };
	const raw = ctx.getNodeParameter('fixedDate', 0) as string;
	const t = parseDate(raw);
	if (t === null)
		throw new NodeOperationError(ctx.getNode(), `Fixed Date "${raw}" is not a date`, {
			description: 'Pick a date, or use an ISO date such as 2025-01-31',
		});
	return { kind: 'fixed', time: t };
}

/** Custom Thresholds' limits when the scoring asks for them (RFM Score and Warehouse RFM). */
export function thresholdsOf(ctx: IExecuteFunctions, scoring: ScoreOptions['scoring']): ScoreOptions['thresholds'] {
	if (scoring !== 'thresholds') return undefined;
	return {
		recency: numbers(ctx, 'recencyThresholds', 'Recency Thresholds'),
		frequency: numbers(ctx, 'frequencyThresholds', 'Frequency Thresholds'),
		monetary: numbers(ctx, 'monetaryThresholds', 'Spend Thresholds'),
	};
}

/** The scoring parameters of the node. */
export function scoreOptions(
	ctx: IExecuteFunctions,
	input: 'orders' | 'customers',
	options: IDataObject,
	bins: 3 | 4 | 5,
	scoring: ScoreOptions['scoring'],
	reference: ScoreOptions['reference'],
): ScoreOptions {
	return {
		bins,
		scoring,
		thresholds: thresholdsOf(ctx, scoring),
		reference,
		windowDays: input === 'orders' ? Number(ctx.getNodeParameter('windowDays', 0, 0)) : 0,
		nonPositiveMonetary: (options.nonPositiveMonetary as 'keepAsLowest' | 'drop') ?? 'keepAsLowest',
		keepCurrency: (options.keepCurrency as string) || undefined,
		map: segmentMap(ctx, bins),
	};
}
