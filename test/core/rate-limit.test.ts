/**
 * The network layer's rate limiter (nodes/core/net/rateLimit.ts) on a discrete-event clock (time
 * moves only from one pending timer to the next; no wall clock): a slot frees one window after its
 * request's answer, so however late a request arrives at the provider, no provider window ever
 * holds more than `limit` arrivals; a provider's pause holds every caller.
 */
import type { Clock } from '../../nodes/core/net/clock';
import { maxInAnyWindow, SlidingWindowLimiter } from '../../nodes/core/net/rateLimit';

function eventClock(start = 0) {
	let t = start;
	let seq = 0;
	const timers: { at: number; seq: number; resolve: () => void }[] = [];
	const clock: Clock = { now: () => t, sleep: (ms) => new Promise<void>((resolve) => timers.push({ at: t + Math.max(0, ms), seq: seq++, resolve })) };
	async function runUntil<T>(work: Promise<T>): Promise<T> {
		let finished = false;
		work.then(
			() => (finished = true),
			() => (finished = true),
		);
		for (;;) {
			await new Promise((r) => setImmediate(r));
			if (finished) return work;
			if (timers.length === 0) throw new Error('nothing left to wait for');
			timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
			const next = timers.shift()!;
			t = Math.max(t, next.at);
			next.resolve();
		}
	}
	return { clock, runUntil };
}

/** Requests through the limiter: each arrives at the provider `delays[i]` ms after it starts and is answered 5 ms later. */
async function simulate(limiter: SlidingWindowLimiter, clock: Clock, delays: number[]) {
	const starts: number[] = [];
	const arrivals: number[] = [];
	await Promise.all(
		delays.map(async (delay) => {
			const release = await limiter.acquire();
			starts.push(clock.now());
			await clock.sleep(delay);
			arrivals.push(clock.now());
			await clock.sleep(5);
			release();
		}),
	);
	return { starts, arrivals };
}

describe('SlidingWindowLimiter', () => {
	test('a slot frees one window (+ 5 ms margin) after its answer: slow first requests never crowd a provider window', async () => {
		const { clock, runUntil } = eventClock();
		const limiter = new SlidingWindowLimiter(3, 1000, clock);
		// New connections: the first three take 300 ms to arrive, the later ones 10 ms.
		const { starts, arrivals } = await runUntil(simulate(limiter, clock, [300, 300, 300, 10, 10, 10, 10]));
		expect(starts).toEqual([0, 0, 0, 1310, 1310, 1310, 2330]);
		expect(arrivals).toEqual([300, 300, 300, 1320, 1320, 1320, 2340]);
		expect(maxInAnyWindow(arrivals, 1000)).toBe(3);
		expect(limiter.stats.acquired).toBe(7);
		// Had the next three started one window after the first starts (1005), they would have
		// arrived at 1015, with the three of 300 still inside that provider window: 6 > 3.
		expect(maxInAnyWindow([300, 300, 300, 1015, 1015, 1015], 1000)).toBe(6);
	});

	test('at the limit, the pace is limit per (window + latency)', async () => {
		const { clock, runUntil } = eventClock();
		const limiter = new SlidingWindowLimiter(10, 1000, clock);
		const { starts, arrivals } = await runUntil(simulate(limiter, clock, Array.from({ length: 40 }, () => 15)));
		expect(starts.filter((s) => s === 0)).toHaveLength(10);
		expect(new Set(starts)).toEqual(new Set([0, 1025, 2050, 3075]));
		expect(maxInAnyWindow(arrivals, 1000)).toBe(10);
	});

	test("a provider's pause holds every caller until it ends", async () => {
		const { clock, runUntil } = eventClock();
		const limiter = new SlidingWindowLimiter(10, 1000, clock);
		limiter.pauseUntil(5000);
		limiter.pauseUntil(2000);
		const { starts } = await runUntil(simulate(limiter, clock, [1, 1]));
		expect(starts).toEqual([5000, 5000]);
		expect(limiter.stats.waitedMs).toBeGreaterThanOrEqual(5000);
	});
});
