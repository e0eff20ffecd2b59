import {
	Random,
	mixSeed,
	sampleIndices,
	kmeans,
	kmeansPlusPlus,
	assignNearest,
	meanVariance,
	silhouetteSample,
	fitScaler,
	applyScaler,
	signedLog1p,
	inverseSignedLog1p,
	quantileSorted,
} from '../../nodes/core/kmeans';

/** Adjusted Rand index of two labelings (test helper). */
function ari(a: ArrayLike<number>, b: ArrayLike<number>): number {
	const n = a.length;
	const table = new Map<string, number>();
	const ra = new Map<number, number>();
	const rb = new Map<number, number>();
	for (let i = 0; i < n; i++) {
		const key = `${a[i]},${b[i]}`;
		table.set(key, (table.get(key) ?? 0) + 1);
		ra.set(a[i], (ra.get(a[i]) ?? 0) + 1);
		rb.set(b[i], (rb.get(b[i]) ?? 0) + 1);
	}
	const c2 = (x: number) => (x * (x - 1)) / 2;
	let sumIj = 0;
	for (const v of table.values()) sumIj += c2(v);
	let sumA = 0;
	for (const v of ra.values()) sumA += c2(v);
	let sumB = 0;
	for (const v of rb.values()) sumB += c2(v);
	const expected = (sumA * sumB) / c2(n);
	const max = (sumA + sumB) / 2;
	return max === expected ? 1 : (sumIj - expected) / (max - expected);
}

/** Gaussian blobs around the given centres (seeded Box-Muller). */
function blobs(centres: number[][], perBlob: number, sd: number, seed: number) {
	const rng = new Random(seed);
	const d = centres[0].length;
	const n = centres.length * perBlob;
	const X = new Float64Array(n * d);
	const truth = new Int32Array(n);
	for (let i = 0; i < n; i++) {
		const c = i % centres.length;
		truth[i] = c;
		for (let t = 0; t < d; t++) {
			const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
			X[i * d + t] = centres[c][t] + sd * z;
		}
	}
	return { X, n, d, truth };
}

function uniform(n: number, d: number, seed: number): Float64Array {
	const rng = new Random(seed);
	return Float64Array.from({ length: n * d }, () => rng.next());
}

function hasNaN(a: ArrayLike<number>): boolean {
	for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return true;
	return false;
}

describe('Random (sfc32 seeded by splitmix32)', () => {
	it('gives the same stream for the same seed, on every machine', () => {
		const r = new Random(42);
		// recorded values: a change here changes every clustering produced with a seed
		expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([1028872839, 2516511472, 400437680]);
		const a = new Random(7);
		const b = new Random(7);
		for (let i = 0; i < 1000; i++) expect(a.next()).toBe(b.next());
	});

	it('returns doubles in [0, 1) with a sensible mean', () => {
		const r = new Random(1);
		let s = 0;
		for (let i = 0; i < 20000; i++) {
			const v = r.next();
			expect(v).toBeGreaterThanOrEqual(0);
			expect(v).toBeLessThan(1);
			s += v;
		}
		expect(s / 20000).toBeCloseTo(0.5, 1);
	});

	it('mixSeed separates (seed, k, restart) triples and is stable', () => {
		expect(mixSeed(42, 4, 0)).toBe(mixSeed(42, 4, 0));
		expect(mixSeed(42, 4, 0)).not.toBe(mixSeed(42, 4, 1));
		expect(mixSeed(42, 4, 0)).not.toBe(mixSeed(42, 5, 0));
		expect(mixSeed(42, 4, 0)).not.toBe(mixSeed(43, 4, 0));
	});

	it('samples distinct sorted indices, all of them when the sample is larger', () => {
		const s = sampleIndices(1000, 100, new Random(3));
		expect(s.length).toBe(100);
		expect(new Set(s).size).toBe(100);
		for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThan(s[i - 1]);
		expect(Array.from(sampleIndices(5, 10, new Random(3)))).toEqual([0, 1, 2, 3, 4]);
		expect(Array.from(sampleIndices(1000, 100, new Random(3)))).toEqual(Array.from(s));
	});
});

describe('kmeans', () => {
	it('recovers well separated blobs exactly (adjusted Rand index 1)', () => {
		const { X, n, d, truth } = blobs(
			[
				[0, 0, 0],
				[10, 0, 0],
				[0, 10, 0],
				[0, 0, 10],
				[10, 10, 10],
			],
			200,
			0.8,
			11,
		);
		for (const seed of [0, 1, 2]) {
			const res = kmeans(X, n, d, { k: 5, nInit: 3, seed });
			expect(ari(res.labels, truth)).toBe(1);
			expect(Array.from(res.sizes).sort()).toEqual([200, 200, 200, 200, 200]);
			expect(res.converged).toBe(true);
		}
	});

	it('is deterministic under a seed: identical labels, centres and inertia', () => {
		const X = uniform(3000, 3, 5);
		const a = kmeans(X, 3000, 3, { k: 6, nInit: 3, seed: 99 });
		const b = kmeans(X, 3000, 3, { k: 6, nInit: 3, seed: 99 });
		expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
		expect(Array.from(a.centers)).toEqual(Array.from(b.centers));
		expect(a.inertia).toBe(b.inertia);
		expect(a.runs).toEqual(b.runs);
	});

	it('Hamerly gives the same labels as Lloyd from the same start (d = 2, 3, 5)', () => {
		for (const d of [2, 3, 5]) {
			const n = 2500;
			const X = uniform(n, d, 20 + d);
			for (const k of [2, 5, 9]) {
				const init = new Float64Array(k * d);
				kmeansPlusPlus(X, n, d, k, new Random(k), init);
				const h = kmeans(X, n, d, { k, initialCenters: init.slice(), algorithm: 'hamerly' });
				const l = kmeans(X, n, d, { k, initialCenters: init.slice(), algorithm: 'lloyd' });
				expect(Array.from(h.labels)).toEqual(Array.from(l.labels));
				expect(h.iterations).toBe(l.iterations);
				expect(h.inertia).toBeCloseTo(l.inertia, 8);
			}
		}
	});

	it('returns labels that are the nearest final centre and the matching inertia', () => {
		const X = uniform(2000, 3, 8);
		const res = kmeans(X, 2000, 3, { k: 7, seed: 3 });
		const near = assignNearest(X, 2000, 3, res.centers, res.k);
		expect(Array.from(res.labels)).toEqual(Array.from(near.labels));
		const inertia = near.sqDistances.reduce((s, v) => s + v, 0);
		expect(res.inertia).toBeCloseTo(inertia, 8);
		res.distances.forEach((v, i) => expect(v).toBeCloseTo(Math.sqrt(near.sqDistances[i]), 10));
	});

	it('keeps the best of n_init restarts and reports every restart', () => {
		const X = uniform(1500, 2, 4);
		const res = kmeans(X, 1500, 2, { k: 8, nInit: 5, seed: 1 });
		expect(res.runs).toHaveLength(5);
		expect(res.inertia).toBe(Math.min(...res.runs.map((r) => r.inertia)));
		expect(res.runs[res.bestRun].inertia).toBe(res.inertia);
		const single = kmeans(X, 1500, 2, { k: 8, nInit: 1, seed: 1 });
		expect(single.inertia).toBe(res.runs[0].inertia); // restart 0 is the same run
	});

	it('repairs an empty cluster instead of failing', () => {
		const { X, n, d } = blobs(
			[
				[0, 0],
				[5, 5],
			],
			50,
			0.5,
			2,
		);
		// third centre far away from every point: empty after the first assignment
		const init = Float64Array.from([0, 0, 5, 5, 1000, 1000]);
		const res = kmeans(X, n, d, { k: 3, initialCenters: init });
		expect(res.k).toBe(3);
		expect(Math.min(...res.sizes)).toBeGreaterThan(0);
		expect(hasNaN(res.centers)).toBe(false);
		expect(hasNaN(res.distances)).toBe(false);
		// the repaired centre sits among the points, not at (1000, 1000)
		for (let c = 0; c < 3; c++) expect(Math.abs(res.centers[c * 2])).toBeLessThan(20);
	});

	it('k = 1: the centre is the mean and inertia the total sum of squares', () => {
		const X = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
		const res = kmeans(X, 4, 2, { k: 1 });
		expect(Array.from(res.centers)).toEqual([4, 5]);
		expect(res.inertia).toBeCloseTo(40, 12);
		expect(Array.from(res.labels)).toEqual([0, 0, 0, 0]);
	});

	it('k = n: every point is its own cluster, inertia 0', () => {
		const X = uniform(12, 3, 9);
		const res = kmeans(X, 12, 3, { k: 12, seed: 5 });
		expect(res.k).toBe(12);
		expect(new Set(res.labels).size).toBe(12);
		expect(res.inertia).toBe(0);
		expect(Array.from(res.sizes)).toEqual(new Array(12).fill(1));
	});

	it('fewer distinct points than k: fewer clusters, no NaN', () => {
		const X = Float64Array.from([1, 1, 1, 1, 2, 2, 2, 2, 1, 1]); // 5 points, 2 distinct (d = 2)
		const res = kmeans(X, 5, 2, { k: 4, nInit: 3, seed: 1 });
		expect(res.k).toBe(2);
		expect(res.inertia).toBe(0);
		expect(hasNaN(res.centers)).toBe(false);
		const same = kmeans(new Float64Array(30).fill(3), 10, 3, { k: 3 });
		expect(same.k).toBe(1);
		expect(Array.from(same.centers)).toEqual([3, 3, 3]);
		expect(same.inertia).toBe(0);
	});

	it('a constant feature does not disturb the clustering', () => {
		const { X, n, truth } = blobs(
			[
				[0, 0],
				[8, 8],
				[0, 8],
			],
			100,
			0.5,
			6,
		);
		const X3 = new Float64Array(n * 3);
		for (let i = 0; i < n; i++) {
			X3[i * 3] = X[i * 2];
			X3[i * 3 + 1] = 7; // constant
			X3[i * 3 + 2] = X[i * 2 + 1];
		}
		const res = kmeans(X3, n, 3, { k: 3, seed: 2 });
		expect(ari(res.labels, truth)).toBe(1);
		for (let c = 0; c < 3; c++) expect(res.centers[c * 3 + 1]).toBe(7);
	});

	it('rejects impossible settings clearly', () => {
		const X = uniform(3, 2, 1);
		expect(() => kmeans(X, 3, 2, { k: 4 })).toThrow('k = 4 needs at least 4 points (got 3)');
		expect(() => kmeans(X, 3, 2, { k: 0 })).toThrow('k must be at least 1');
		expect(() => kmeans(X, 3, 2, { k: 2, initialCenters: new Float64Array(3) })).toThrow('k × d');
	});

	it('stops at max_iter and still returns consistent labels', () => {
		const X = uniform(3000, 2, 12);
		const res = kmeans(X, 3000, 2, { k: 8, maxIter: 2, seed: 4 });
		expect(res.iterations).toBe(2);
		expect(res.converged).toBe(false);
		const near = assignNearest(X, 3000, 2, res.centers, res.k);
		expect(Array.from(res.labels)).toEqual(Array.from(near.labels));
	});

	it('meanVariance is the mean of population variances', () => {
		expect(meanVariance(Float64Array.from([0, 0, 2, 4]), 2, 2)).toBeCloseTo((1 + 4) / 2, 12);
	});
});

describe('silhouetteSample', () => {
	it('matches a hand computation (sklearn convention, singleton = 0)', () => {
		// 1-d points 0, 1 | 4 | 10, 11, 13 with labels 0 0 1 2 2 2
		const X = Float64Array.from([0, 1, 4, 10, 11, 13]);
		const labels = Int32Array.from([0, 0, 1, 2, 2, 2]);
		const all = Int32Array.from([0, 1, 2, 3, 4, 5]);
		const [r] = silhouetteSample(X, 1, all, [{ labels, k: 3 }]);
		// point 0: a = 1, b = min(dist to {4} = 4, mean to {10,11,13} = 11.33) = 4
		expect(r.values[0]).toBeCloseTo((4 - 1) / 4, 12);
		// point 1: a = 1, b = min(3, 10) = 3
		expect(r.values[1]).toBeCloseTo((3 - 1) / 3, 12);
		expect(r.values[2]).toBe(0); // alone in its cluster
		// point 3 (10): a = mean(1, 3) = 2, b = min(6, 9.5) = 6
		expect(r.values[3]).toBeCloseTo((6 - 2) / 6, 12);
		expect(r.clustersInSample).toBe(3);
		const mean = Array.from(r.values).reduce((a, b) => a + b, 0) / 6;
		expect(r.mean).toBeCloseTo(mean, 12);
	});

	it('scores several labelings in one pass exactly as one by one', () => {
		const X = uniform(600, 3, 31);
		const labelings = [2, 3, 5, 8].map((k) => {
			const r = kmeans(X, 600, 3, { k, seed: k });
			return { labels: r.labels, k };
		});
		const sample = sampleIndices(600, 250, new Random(1));
		const together = silhouetteSample(X, 3, sample, labelings);
		labelings.forEach((l, i) => {
			const [alone] = silhouetteSample(X, 3, sample, [l]);
			expect(together[i].mean as number).toBeCloseTo(alone.mean as number, 12);
			together[i].values.forEach((v, j) => expect(v).toBeCloseTo(alone.values[j], 12));
		});
	});

	it('is undefined (null) for a single cluster, no NaN', () => {
		const X = uniform(20, 2, 2);
		const [r] = silhouetteSample(X, 2, sampleIndices(20, 20, new Random(1)), [{ labels: new Int32Array(20), k: 1 }]);
		expect(r.mean).toBeNull();
		expect(hasNaN(r.values)).toBe(false);
	});

	it('all points identical within clusters: no NaN (0/0 guarded)', () => {
		const X = Float64Array.from([1, 1, 1, 1]);
		const [r] = silhouetteSample(X, 1, Int32Array.from([0, 1, 2, 3]), [{ labels: Int32Array.from([0, 0, 1, 1]), k: 2 }]);
		expect(hasNaN(r.values)).toBe(false);
		expect(r.mean).toBe(0);
	});
});

describe('scaling', () => {
	const X = Float64Array.from([1, 10, 2, 10, 3, 10, 10, 10]); // 4 × 2, second column constant
	it('z-score uses the population standard deviation; a constant column gets scale 1', () => {
		const s = fitScaler(X, 4, 2, 'zscore');
		expect(s.center[0]).toBe(4);
		expect(s.scale[0]).toBeCloseTo(Math.sqrt((9 + 4 + 1 + 36) / 4), 12);
		expect(s.center[1]).toBe(10);
		expect(s.scale[1]).toBe(1);
		const Y = X.slice();
		applyScaler(Y, 4, 2, s);
		expect(Y[1]).toBe(0);
		expect(hasNaN(Y)).toBe(false);
	});
	it('min-max maps to [0, 1]', () => {
		const s = fitScaler(X, 4, 2, 'minmax');
		const Y = X.slice();
		applyScaler(Y, 4, 2, s);
		expect([Y[0], Y[2], Y[4], Y[6]]).toEqual([0, 1 / 9, 2 / 9, 1]);
	});
	it('robust uses the median and the interquartile range (numpy quantiles)', () => {
		const s = fitScaler(X, 4, 2, 'robust');
		expect(s.center[0]).toBe(2.5);
		expect(s.scale[0]).toBeCloseTo(quantileSorted([1, 2, 3, 10], 0.75) - quantileSorted([1, 2, 3, 10], 0.25), 12);
		expect(quantileSorted([1, 2, 3, 10], 0.75)).toBe(4.75);
	});
	it('none leaves values alone', () => {
		const s = fitScaler(X, 4, 2, 'none');
		expect(Array.from(s.center)).toEqual([0, 0]);
		expect(Array.from(s.scale)).toEqual([1, 1]);
	});
	it('signed log1p is defined for negatives and inverts exactly enough', () => {
		expect(signedLog1p(0)).toBe(0);
		expect(signedLog1p(Math.E - 1)).toBeCloseTo(1, 14);
		expect(signedLog1p(-(Math.E - 1))).toBeCloseTo(-1, 14);
		for (const v of [-250.5, -1, 0, 0.5, 3, 1234.56]) expect(inverseSignedLog1p(signedLog1p(v))).toBeCloseTo(v, 9);
	});
});
