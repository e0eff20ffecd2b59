/**
 * Parallel k-means is deterministic: the same input and seed give bit-identical labels, centres,
 * distances and inertia on 1, 2 or 3 threads (points are cut into fixed chunks whose partial sums
 * are added in chunk order, whoever computed them).
 */
import { CHUNK, Random, clusterMatrix, kmeans, kmeansPlusPlus, poolInfo, shutdownPool, type KMeansOptions } from '../../nodes/core/kmeans';

function uniform(n: number, d: number, seed: number): Float64Array {
	const rng = new Random(seed);
	return Float64Array.from({ length: n * d }, () => rng.next());
}

/** Overlapping Gaussian blobs (seeded Box-Muller), in shuffled-looking order. */
function blobs(n: number, d: number, centres: number, sd: number, seed: number): Float64Array {
	const rng = new Random(seed);
	const C = Float64Array.from({ length: centres * d }, () => 6 * rng.next());
	const X = new Float64Array(n * d);
	for (let i = 0; i < n; i++) {
		const c = rng.int(centres);
		for (let t = 0; t < d; t++) {
			const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
			X[i * d + t] = C[c * d + t] + sd * z;
		}
	}
	return X;
}

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
	return true;
}

/** Runs with 1, 2 and 3 threads (pool forced on for any size) and checks bitwise equality. */
function expectIdentical(X: Float64Array, n: number, d: number, options: KMeansOptions) {
	const runs = [1, 2, 3].map((threads) => kmeans(X, n, d, { ...options, threads, parallelMinWork: 0 }));
	const [a, ...rest] = runs;
	for (const b of rest) {
		expect(b.k).toBe(a.k);
		expect(same(b.labels, a.labels)).toBe(true);
		expect(same(b.centers, a.centers)).toBe(true);
		expect(same(b.distances, a.distances)).toBe(true);
		expect(Object.is(b.inertia, a.inertia)).toBe(true);
		expect(b.runs).toEqual(a.runs);
		expect(b.bestRun).toBe(a.bestRun);
		expect(Array.from(b.sizes)).toEqual(Array.from(a.sizes));
	}
	return a;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('parallel k-means (worker threads) is deterministic', () => {
	beforeAll(async () => {
		// start the pool and let the workers come up, so they really take chunks below
		kmeans(uniform(3 * CHUNK, 3, 1), 3 * CHUNK, 3, { k: 3, threads: 3, parallelMinWork: 0 });
		for (let i = 0; i < 50 && poolInfo().workers < 2; i++) await sleep(20);
		await sleep(200);
	});
	afterAll(() => shutdownPool());

	it('d = 3, n not a multiple of the chunk size, k = 5 and 8, restarts', () => {
		const n = 5 * CHUNK + 1234;
		const X = blobs(n, 3, 6, 0.9, 7);
		const before = poolInfo().workerChunks;
		for (const k of [5, 8]) {
			const r = expectIdentical(X, n, 3, { k, seed: 11, nInit: 2 });
			expect(r.k).toBe(k);
		}
		expect(poolInfo().workers).toBeGreaterThanOrEqual(2);
		expect(poolInfo().workerChunks).toBeGreaterThan(before); // the workers did part of the work
		expect(poolInfo().disabled).toBe(false);
	});

	it('general d (2 and 5), Hamerly and Lloyd', () => {
		for (const d of [2, 5]) {
			const n = 3 * CHUNK + 77;
			const X = uniform(n, d, 40 + d);
			expectIdentical(X, n, d, { k: 6, seed: 2 });
			expectIdentical(X, n, d, { k: 4, seed: 3, algorithm: 'lloyd' });
		}
	});

	it('empty-cluster repair gives the same result on every thread count', () => {
		// two far apart groups of points and a third start centre far from all of them: the third
		// cluster is empty after the first assignment and must be repaired
		const n = 4 * CHUNK + 501;
		const rng = new Random(5);
		const X = new Float64Array(n * 2);
		for (let i = 0; i < n; i++) {
			const g = i % 2 === 0 ? 0 : 5;
			X[i * 2] = g + rng.next();
			X[i * 2 + 1] = g + rng.next();
		}
		const init = Float64Array.from([0.5, 0.5, 5.5, 5.5, 1000, 1000]);
		const r = expectIdentical(X, n, 2, { k: 3, initialCenters: init });
		expect(Math.min(...r.sizes)).toBeGreaterThan(0);
		for (let c = 0; c < 3; c++) expect(Math.abs(r.centers[c * 2])).toBeLessThan(20);
	});

	it('fewer distinct points than k on several chunks', () => {
		const n = 2 * CHUNK + 3;
		const X = new Float64Array(n * 3);
		for (let i = 0; i < n; i++) X[i * 3] = i % 3; // 3 distinct points
		const r = expectIdentical(X, n, 3, { k: 5, seed: 1, nInit: 2 });
		expect(r.k).toBe(3);
		expect(r.inertia).toBe(0);
	});

	it('k-means++ alone gives the seeding kmeans() uses', () => {
		const n = 2 * CHUNK + 10;
		const X = blobs(n, 3, 4, 1, 3);
		const init = new Float64Array(4 * 3);
		kmeansPlusPlus(X, n, 3, 4, new Random(9), init);
		const a = kmeans(X, n, 3, { k: 4, initialCenters: init.slice(), threads: 2, parallelMinWork: 0 });
		const b = kmeans(X, n, 3, { k: 4, initialCenters: init.slice(), threads: 1 });
		expect(same(a.labels, b.labels)).toBe(true);
		expect(Object.is(a.inertia, b.inertia)).toBe(true);
	});

	it('auto-k on 1 and 2 threads: identical scores and choice', () => {
		const n = 100003; // n·k above the default parallel threshold for every k tried
		const X = blobs(n, 3, 4, 0.7, 21);
		const before = poolInfo().workerChunks;
		const o = { mode: 'auto' as const, k: 4, kMin: 2, kMax: 6, nInit: 1, maxIter: 300, tol: 1e-4, seed: 42, sampleSize: 2000, strictK: false };
		const one = clusterMatrix(X, n, 3, { ...o, threads: 1 });
		const two = clusterMatrix(X, n, 3, { ...o, threads: 2 });
		expect(two.kTried).toEqual(one.kTried);
		expect(two.result.k).toBe(one.result.k);
		expect(same(two.result.labels, one.result.labels)).toBe(true);
		expect(same(two.sampleValues, one.sampleValues)).toBe(true);
		expect(poolInfo().workerChunks).toBeGreaterThan(before);
	});
});
