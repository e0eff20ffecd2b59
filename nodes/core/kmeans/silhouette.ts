/**
 * Silhouette scores on a sample, for one or several labelings of the same points at once (auto-k
 * scores every k on the same sample, and each pairwise distance is computed only once).
 *
 * Same definition as scikit-learn's `silhouette_samples` / `silhouette_score(sample_size=…)`:
 * Euclidean distances between the sampled points only; a(i) = mean distance to the other members
 * of its cluster, b(i) = lowest mean distance to another cluster, s(i) = (b − a) / max(a, b), and
 * s(i) = 0 for a point alone in its cluster (within the sample). Undefined (null) for fewer than 2
 * or more than m − 1 clusters in the sample.
 */

export interface SilhouetteResult {
	/** Mean silhouette over the sample, or null when it is undefined. */
	mean: number | null;
	/** s(i) of every sampled point (same order as the sample indices). */
	values: Float64Array;
	/** Number of clusters present in the sample. */
	clustersInSample: number;
}

/** Labelings whose label combinations exceed this many distinct cells are scored one by one. */
const MAX_CELLS = 1024;

/**
 * @param X n × d matrix (row-major)
 * @param sample indices of the sampled rows
 * @param labelings each an Int32Array of n labels in 0..k-1, with its k
 */
export function silhouetteSample(
	X: Float64Array,
	d: number,
	sample: Int32Array,
	labelings: { labels: Int32Array; k: number }[],
): SilhouetteResult[] {
	if (labelings.length === 0) return [];
	const cells = cellsOf(sample, labelings);
	if (cells.count > MAX_CELLS && labelings.length > 1) {
		return labelings.flatMap((l) => silhouetteSample(X, d, sample, [l]));
	}
	const m = sample.length;
	const S = cells.count;
	// points in cell order; T[c * m + p] = sum of distances from sorted point p to the points of cell c
	const P = new Float64Array(m * d);
	for (let p = 0; p < m; p++) {
		const row = sample[cells.order[p]];
		for (let t = 0; t < d; t++) P[p * d + t] = X[row * d + t];
	}
	const T = new Float64Array(S * m);
	const { start } = cells;
	for (let i = 0; i < m; i++) {
		const ci = cells.cellOfSorted[i];
		const rowI = ci * m;
		const po = i * d;
		for (let c = ci; c < S; c++) {
			const j0 = Math.max(i + 1, start[c]);
			const j1 = start[c + 1];
			let acc = 0;
			if (d === 3) {
				const x0 = P[po];
				const x1 = P[po + 1];
				const x2 = P[po + 2];
				for (let j = j0, qo = j0 * 3; j < j1; j++, qo += 3) {
					const v0 = x0 - P[qo];
					const v1 = x1 - P[qo + 1];
					const v2 = x2 - P[qo + 2];
					const dist = Math.sqrt(v0 * v0 + v1 * v1 + v2 * v2);
					acc += dist;
					T[rowI + j] += dist;
				}
			} else {
				for (let j = j0; j < j1; j++) {
					let q = 0;
					const qo = j * d;
					for (let t = 0; t < d; t++) {
						const v = P[po + t] - P[qo + t];
						q += v * v;
					}
					const dist = Math.sqrt(q);
					acc += dist;
					T[rowI + j] += dist;
				}
			}
			T[c * m + i] += acc;
		}
	}
	const out: SilhouetteResult[] = [];
	for (let l = 0; l < labelings.length; l++) {
		const k = labelings[l].k;
		const cellLabel = cells.labels[l];
		const counts = new Float64Array(k);
		for (let c = 0; c < S; c++) counts[cellLabel[c]] += start[c + 1] - start[c];
		let present = 0;
		for (let c = 0; c < k; c++) if (counts[c] > 0) present++;
		const values = new Float64Array(m);
		if (present < 2 || present > m - 1) {
			out.push({ mean: null, values, clustersInSample: present });
			continue;
		}
		const sums = new Float64Array(k);
		let total = 0;
		for (let p = 0; p < m; p++) {
			sums.fill(0);
			for (let c = 0; c < S; c++) sums[cellLabel[c]] += T[c * m + p];
			const own = cellLabel[cells.cellOfSorted[p]];
			const size = counts[own];
			if (size <= 1) continue; // s = 0
			const a = sums[own] / (size - 1);
			let b = Infinity;
			for (let o = 0; o < k; o++) {
				if (o === own || counts[o] === 0) continue;
				const v = sums[o] / counts[o];
				if (v < b) b = v;
			}
			const den = a > b ? a : b;
			const s = den > 0 ? (b - a) / den : 0;
			values[cells.order[p]] = s;
			total += s;
		}
		out.push({ mean: total / m, values, clustersInSample: present });
	}
	return out;
}

interface Cells {
	count: number;
	/** order[p] = position in `sample` of the p-th point in cell order */
	order: Int32Array;
	cellOfSorted: Int32Array;
	/** start[c]..start[c+1] = sorted positions of cell c */
	start: Int32Array;
	/** labels[l][c] = label of cell c in labeling l */
	labels: Int32Array[];
}

/** Groups the sampled points by their combination of labels (a "cell"), in a deterministic order. */
function cellsOf(sample: Int32Array, labelings: { labels: Int32Array; k: number }[]): Cells {
	const m = sample.length;
	const L = labelings.length;
	const keyOf = (s: number) => {
		let key = '';
		for (let l = 0; l < L; l++) key += labelings[l].labels[sample[s]] + ',';
		return key;
	};
	const ids = new Map<string, number>();
	const cellOf = new Int32Array(m);
	for (let s = 0; s < m; s++) {
		const key = keyOf(s);
		let id = ids.get(key);
		if (id === undefined) {
			id = ids.size;
			ids.set(key, id);
		}
		cellOf[s] = id;
	}
	const count = ids.size;
	const start = new Int32Array(count + 1);
	for (let s = 0; s < m; s++) start[cellOf[s] + 1]++;
	for (let c = 0; c < count; c++) start[c + 1] += start[c];
	const fill = start.slice(0, count);
	const order = new Int32Array(m);
	const cellOfSorted = new Int32Array(m);
	for (let s = 0; s < m; s++) {
		const p = fill[cellOf[s]]++;
		order[p] = s;
		cellOfSorted[p] = cellOf[s];
	}
	const labels: Int32Array[] = [];
	for (let l = 0; l < L; l++) {
		const lab = new Int32Array(count);
		for (let c = 0; c < count; c++) lab[c] = labelings[l].labels[sample[order[start[c]]]];
		labels.push(lab);
	}
	return { count, order, cellOfSorted, start, labels };
}
