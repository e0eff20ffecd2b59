/**
 * Rate limiting for reading and sending: a sliding-window limiter (at most `limit` requests in any
 * window of `intervalMs`, as the service counts them), shared by every worker of a run and,
 * through `sharedLimiter`, by every run in the same process that uses the same credential. A
 * service's "slow down" (429 with Retry-After, X-RateLimit-Reset, HubSpot's policy interval, its
 * remaining-budget header) pauses the whole limiter, not only the request that got it; a service
 * that announces its limit in headers adjusts it (setLimit). Time comes from an injectable Clock.
 */
import { realClock, type Clock } from './clock';

export interface RateLimiterStats {
	acquired: number;
	/** Total ms spent waiting for a slot or a pause. */
	waitedMs: number;
}

/** Ends a request's hold on its slot (call it when the response or the error arrived). */
export type Release = () => void;

/**
 * At most `limit` requests per `intervalMs`, as the provider counts them. The provider sees a
 * request somewhere between the moment we start it and the moment its answer arrives, so a slot is
 * held from the start until `intervalMs` after the answer: then no window of `intervalMs` at the
 * provider can ever contain more than `limit` arrivals, whatever the network or event-loop delays
 * (a start-time-only window overshoots when an early request is delayed and a later one is not).
 * The cost is one request latency per window (≈ 2–5 % at 1 s windows, less at HubSpot's 10 s).
 */
export class SlidingWindowLimiter {
	/** Completion times of finished requests still inside the window; in-flight requests count separately. */
	private done: number[] = [];
	private inFlight = 0;
	private pausedUntil = 0;
	private chain: Promise<unknown> = Promise.resolve();
	private wake: (() => void) | undefined;
	readonly stats: RateLimiterStats = { acquired: 0, waitedMs: 0 };

	constructor(
		private limit: number,
		private intervalMs: number,
		private readonly clock: Clock = realClock,
		/** Extra spacing for clock granularity (default 5 ms). */
		readonly marginMs = 5,
	) {
		if (!(limit >= 1) || !(intervalMs > 0)) throw new Error('Rate limit must allow at least 1 request per positive interval');
	}

	/** Waits until a request may start; the returned function must be called when it finished. Callers are served in order. */
	acquire(): Promise<Release> {
		const next = this.chain.then(() => this.take());
		this.chain = next.catch(() => undefined);
		return next;
	}

	/** The service announced its limit (rate-limit headers): use it from now on. */
	setLimit(limit: number, intervalMs: number): void {
		if (limit >= 1) this.limit = limit;
		if (intervalMs > 0) this.intervalMs = intervalMs;
	}

	/** Holds every caller until `untilMs` (provider asked to slow down). */
	pauseUntil(untilMs: number): void {
		if (untilMs > this.pausedUntil) this.pausedUntil = untilMs;
	}

	private release(): void {
		this.inFlight--;
		this.done.push(this.clock.now());
		const w = this.wake;
		this.wake = undefined;
		w?.();
	}

	private async take(): Promise<Release> {
		const window = this.intervalMs + this.marginMs;
		for (;;) {
			const now = this.clock.now();
			if (now < this.pausedUntil) {
				const wait = this.pausedUntil - now;
				this.stats.waitedMs += wait;
				await this.clock.sleep(wait);
				continue;
			}
			this.done.sort((a, b) => a - b);
			while (this.done.length > 0 && this.done[0] <= now - window) this.done.shift();
			if (this.inFlight + this.done.length < this.limit) {
				this.inFlight++;
				this.stats.acquired++;
				let released = false;
				return () => {
					if (released) return;
					released = true;
					this.release();
				};
			}
			const started = now;
			if (this.done.length > 0) {
				// The oldest finished request leaves the window first (or an in-flight one finishes).
				const wait = Math.max(1, this.done[0] + window - now);
				await Promise.race([this.clock.sleep(wait), new Promise<void>((resolve) => (this.wake = resolve))]);
			} else {
				// Every slot is held by a request in flight: wait for one to finish.
				await new Promise<void>((resolve) => (this.wake = resolve));
			}
			this.stats.waitedMs += Math.max(0, this.clock.now() - started);
		}
	}
}

const shared = new Map<string, SlidingWindowLimiter>();

/**
 * One limiter per key (provider + credential id) and settings in this process, so two Campaign
 * Send nodes using the same credential share the provider's allowance. Not shared across n8n
 * worker processes: lower the limit when several workers send with one credential.
 */
export function sharedLimiter(key: string, limit: number, intervalMs: number, clock: Clock = realClock): SlidingWindowLimiter {
	const k = `${key}\u0000${limit}\u0000${intervalMs}`;
	let l = shared.get(k);
	if (!l || clock !== realClock) {
		l = new SlidingWindowLimiter(limit, intervalMs, clock);
		if (clock === realClock) shared.set(k, l);
	}
	return l;
}

/** Largest number of request starts seen in any window of `intervalMs` (for tests and benches). */
export function maxInAnyWindow(timestamps: readonly number[], intervalMs: number): number {
	const t = [...timestamps].sort((a, b) => a - b);
	let best = 0;
	let lo = 0;
	for (let hi = 0; hi < t.length; hi++) {
		while (t[hi] - t[lo] >= intervalMs) lo++;
		best = Math.max(best, hi - lo + 1);
	}
	return best;
}
