/**
 * Quantiles and binning. Quantiles use linear interpolation between order statistics
 * (numpy's and pandas' default, "type 7"), so bin edges equal `np.quantile(x, q)`.
 * simple-statistics' quantileSorted uses a different rule, hence this small function.
 */
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- runtime dependency of this package: Floyd-Rivest selection for the quantile edges
import { quickselect } from 'simple-statistics';

/** Linear-interpolation quantile of ascending-sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
	const n = sorted.length;
	if (n === 0) return NaN;
	if (n === 1) return sorted[0];
	const h = (n - 1) * p;
	const lo = Math.floor(h);
	const hi = Math.min(n - 1, lo + 1);
	return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * The bins-1 inner edges at quantiles 1/bins .. (bins-1)/bins, equal to quantileSorted over the
 * sorted values. Only the order statistics the edges need are computed: by counting when the
 * values are small non-negative integers (days, order counts), else by selection (Floyd-Rivest,
 * from simple-statistics) on a copy, or on `values` itself when `inPlace` (its order is lost).
 */
export function quantileEdges(values: ArrayLike<number>, bins: number, inPlace = false): number[] {
	const n = values.length;
	if (n === 0) return new Array<number>(Math.max(0, bins - 1)).fill(NaN);
	const needed = new Set<number>();
	for (let i = 1; i < bins; i++) {
		const lo = Math.floor((n - 1) * (i / bins));
		needed.add(lo).add(Math.min(n - 1, lo + 1));
	}
	const ranks = [...needed].sort((x, y) => x - y);
	const at = countedRanks(values, ranks) ?? selectedRanks(values, ranks, inPlace);
	const edges: number[] = [];
	for (let i = 1; i < bins; i++) {
		const h = (n - 1) * (i / bins);
		const lo = Math.floor(h);
		const a = at.get(lo) as number;
		const b = at.get(Math.min(n - 1, lo + 1)) as number;
		edges.push(a + (h - lo) * (b - a));
	}
	return edges;
}

/** Order statistics at `ranks` (ascending) by a histogram, when all values are integers in 0..2^20. */
function countedRanks(values: ArrayLike<number>, ranks: number[]): Map<number, number> | undefined {
	const n = values.length;
	let max = 0;
	for (let i = 0; i < n; i++) {
		const v = values[i];
		if (!(v >= 0 && v <= 1048576 && Math.floor(v) === v)) return undefined;
		if (v > max) max = v;
	}
	if (max > 4 * n + 1024) return undefined;
	const counts = new Int32Array(max + 1);
	for (let i = 0; i < n; i++) counts[values[i]]++;
	const out = new Map<number, number>();
	let below = 0; // values smaller than v
	let v = 0;
	for (const r of ranks) {
		while (below + counts[v] <= r) below += counts[v++];
		out.set(r, v);
	}
	return out;
}

/** Order statistics at `ranks` (ascending) by selecting each in the part right of the previous one. */
function selectedRanks(values: ArrayLike<number>, ranks: number[], inPlace: boolean): Map<number, number> {
	const a = (inPlace && values instanceof Float64Array ? values : Float64Array.from(values)) as unknown as number[];
	const n = a.length;
	const out = new Map<number, number>();
	let left = 0;
	for (const r of ranks) {
		quickselect(a, r, left, n - 1);
		out.set(r, a[r]);
		left = r + 1;
	}
	return out;
}

/**
 * Bin of a value given ascending inner edges: 1 + the number of edges strictly below the value
 * (right-closed bins (e[i-1], e[i]], as pd.qcut / pd.cut(right=True)). Equal values always get
 * the same bin; when several edges coincide (heavy ties) the tied value takes the lowest of the
 * bins those edges bound, and the bins in between stay empty.
 */
export function binOf(value: number, edges: readonly number[]): number {
	// edges are few (<= 9): a linear scan beats binary search here
	let b = 1;
	for (let i = 0; i < edges.length; i++) if (value > edges[i]) b++;
	return b;
}
