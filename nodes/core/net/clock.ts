/**
 * Time for the network layer (retries, rate limits, Retry-After): an injectable clock, so that
 * tests run on a virtual clock (no waiting, no wall-clock margins) and the nodes on n8n's.
 */

export interface Clock {
	now(): number;
	sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
	now: () => Date.now(),
	sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * Virtual clock for tests: sleeping advances virtual time instead of waiting (it still yields to
 * the event loop so other work interleaves). Time never goes backwards.
 */
export function virtualClock(start = Date.UTC(2025, 0, 6, 8, 0, 0)): Clock & { advance(ms: number): void; slept: number } {
	let t = start;
	const clock = {
		slept: 0,
		now: () => t,
		advance(ms: number) {
			t += Math.max(0, ms);
		},
		async sleep(ms: number) {
			const target = t + Math.max(0, ms);
			clock.slept += Math.max(0, ms);
			await new Promise<void>((resolve) => setImmediate(resolve));
			if (target > t) t = target;
		},
	};
	return clock;
}
