/**
 * Retry primitives shared by reading (sources) and sending (delivery): the policies, exponential
 * backoff (with "equal jitter" from an injectable RNG when several workers retry), the services'
 * wait signals (Retry-After, epoch and seconds resets) and the classification of transport
 * failures: which ones mean "nothing reached the service" and which leave the outcome unknown.
 */

/** Exponential backoff: base · 2^(attempt-1), capped. */
export interface Backoff {
	/** First backoff delay, doubled on each attempt. */
	baseDelayMs: number;
	/** Largest backoff delay. */
	maxDelayMs: number;
}

/** Reading (sources): how often a failed request is tried again. */
export interface ReadRetryPolicy extends Backoff {
	/** Attempts after the first one for 429 / 5xx / dropped connections. */
	maxRetries: number;
}

export const DEFAULT_READ_RETRY: ReadRetryPolicy = { maxRetries: 6, baseDelayMs: 1000, maxDelayMs: 60000 };

/** Sending (delivery): attempts per batch and the longest wait a service may ask for. */
export interface RetryPolicy extends Backoff {
	/** Attempts per batch including the first (default 5). */
	maxAttempts: number;
	/** Longest wait the engine accepts when a provider asks to wait (Retry-After...); longer → the batch fails as rate_limited (default 300 000 ms). */
	maxWaitMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
	maxAttempts: 5,
	baseDelayMs: 1000,
	maxDelayMs: 60000,
	maxWaitMs: 300000,
};

/** Deterministic PRNG (mulberry32) for jitter. */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/**
 * Delay before attempt `failedAttempt + 1`: base · 2^(failedAttempt-1), capped. With an RNG, "equal
 * jitter" (half fixed, half random) so parallel workers do not retry in lockstep; without, exact
 * (reads are sequential and reproducible).
 */
export function backoffDelay(failedAttempt: number, policy: Backoff, rng?: () => number): number {
	const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempt - 1));
	return rng ? Math.round(exp / 2 + rng() * (exp / 2)) : exp;
}

/** Retry-After: delta seconds or an HTTP date. Returns ms to wait, or undefined. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
	if (value === undefined || value.trim() === '') return undefined;
	const v = value.trim();
	if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
	const t = Date.parse(v);
	if (Number.isNaN(t)) return undefined;
	return Math.max(0, t - now);
}

/** Epoch-seconds reset header (SendGrid X-RateLimit-Reset). Returns ms to wait, or undefined. */
export function parseEpochReset(value: string | undefined, now: number): number | undefined {
	if (value === undefined || !/^\d+(\.\d+)?$/.test(value.trim())) return undefined;
	const n = Number(value.trim());
	const ms = n > 1e11 ? n : n * 1000;
	const wait = ms - now;
	return wait > 0 ? Math.ceil(wait) : 0;
}

/** Seconds-until-reset header (Brevo x-sib-ratelimit-reset). */
export function parseSecondsReset(value: string | undefined): number | undefined {
	if (value === undefined || !/^\d+(\.\d+)?$/.test(value.trim())) return undefined;
	return Math.round(Number(value.trim()) * 1000);
}

/** Machine reason for a transport failure (no response). */
export function transportReason(error: unknown): string {
	const code = String((error as { code?: string })?.code ?? '');
	if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
	if (code === 'ECONNREFUSED') return 'connection_refused';
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns_error';
	if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'ECONNABORTED') return 'connection_reset';
	return 'network_error';
}

/** Transport failures where the provider may have accepted the request before the connection broke. */
export function isAmbiguousTransportReason(reason: string): boolean {
	return reason === 'timeout' || reason === 'connection_reset' || reason === 'network_error';
}
