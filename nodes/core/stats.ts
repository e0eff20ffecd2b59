/**
 * Quantiles and binning. Quantiles use linear interpolation between order statistics
 * (numpy's and pandas' default, "type 7"), so bin edges equal `np.quantile(x, q)`.
 * simple-statistics' quantileSorted uses a different rule, hence this small function.
 */

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

/** The bins-1 inner edges at quantiles 1/bins .. (bins-1)/bins. */
export function quantileEdges(values: ArrayLike<number>, bins: number): number[] {
	const sorted = Float64Array.from(values as ArrayLike<number>).sort();
	const edges: number[] = [];
	for (let i = 1; i < bins; i++) edges.push(quantileSorted(sorted, i / bins));
	return edges;
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
