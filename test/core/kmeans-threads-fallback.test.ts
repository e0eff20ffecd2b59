/**
 * Worker threads that fail (here: a worker whose kernels throw, or whose source does not even
 * compile) never change the result: kmeans() redoes the run on the main thread and turns the
 * threads off for the process. (Own test file: the pool is module state.)
 */
import * as kernels from '../../nodes/core/kmeans/kernels';
import { Random, kmeans, poolInfo, shutdownPool } from '../../nodes/core/kmeans';

const realSource = kernels.kernelSource;
const setSource = (f: () => string) => ((kernels as unknown as { kernelSource: () => string }).kernelSource = f);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function data(n: number) {
	const rng = new Random(2);
	return Float64Array.from({ length: n * 3 }, () => rng.next());
}

afterAll(() => {
	setSource(realSource);
	shutdownPool();
});

it('a worker whose kernels throw: same result, threads turned off', async () => {
	const n = 5 * kernels.CHUNK + 17;
	const X = data(n);
	const alone = kmeans(X, n, 3, { k: 5, seed: 4, threads: 1 });
	setSource(() => realSource() + '\nrunChunk = function () { throw new Error("kernel failure"); };');
	// first call starts the worker; give it time to come up so that it takes (and fails) chunks
	kmeans(X, n, 3, { k: 5, seed: 4, threads: 2, parallelMinWork: 0 });
	await sleep(300);
	const withThreads = kmeans(X, n, 3, { k: 5, seed: 4, threads: 2, parallelMinWork: 0 });
	expect(Array.from(withThreads.labels)).toEqual(Array.from(alone.labels));
	expect(Array.from(withThreads.centers)).toEqual(Array.from(alone.centers));
	expect(withThreads.inertia).toBe(alone.inertia);
	expect(poolInfo().disabled).toBe(true);
	// later calls run on the main thread alone
	const later = kmeans(X, n, 3, { k: 5, seed: 4, threads: 2, parallelMinWork: 0 });
	expect(later.inertia).toBe(alone.inertia);
});
