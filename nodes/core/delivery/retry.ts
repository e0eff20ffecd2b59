/**
 * Retry policy of the delivery engine: exponential backoff with jitter (injectable RNG), parsing
 * of the providers' "wait" signals, classification of transport failures and of common HTTP
 * statuses into BatchResults. Used by the engine and by provider modules.
 */
import type { HttpResponse } from '../http';
import { redact } from '../net/redact';
import type { BatchResult } from './types';

export interface RetryPolicy {
	/** Attempts per batch including the first (default 5). */
	maxAttempts: number;
	/** First backoff delay (default 1 000 ms), doubled on each attempt. */
	baseDelayMs: number;
	/** Largest backoff delay (default 60 000 ms). */
	maxDelayMs: number;
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
 * Delay before attempt `failedAttempt + 1`: base · 2^(failedAttempt-1), capped, with "equal jitter"
 * (half fixed, half random) so parallel workers do not retry in lockstep.
 */
export function backoffDelay(failedAttempt: number, policy: RetryPolicy, rng: () => number): number {
	const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempt - 1));
	return Math.round(exp / 2 + rng() * (exp / 2));
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

/** First error message in a provider body (SendGrid errors[], Brevo message, HubSpot message...). */
export function bodyMessage(body: unknown): string | undefined {
	if (typeof body === 'string') return body.slice(0, 300) || undefined;
	if (!body || typeof body !== 'object') return undefined;
	const b = body as Record<string, unknown>;
	if (Array.isArray(b.errors) && b.errors.length > 0) {
		const e = b.errors[0] as unknown;
		if (typeof e === 'string') return e;
		if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
	}
	if (typeof b.message === 'string') return b.message;
	if (typeof b.error === 'string') return b.error;
	return undefined;
}

/**
 * Generic mapping of a non-2xx response to a BatchResult: 429 and 5xx (and 408) → retry (with the
 * wait the provider asked for, when `afterMs` is given), 401/403 → fatal and stop the run, other
 * 4xx → fatal for this batch (`http_<status>`).
 */
export function resultForStatus(res: HttpResponse, afterMs?: number): BatchResult {
	const detail = redact(bodyMessage(res.body));
	if (res.status === 429) return { kind: 'retry', reason: 'rate_limited', afterMs };
	if (res.status >= 500 || res.status === 408) return { kind: 'retry', reason: `http_${res.status}`, afterMs };
	if (res.status === 401) return { kind: 'fatal', reason: 'unauthorized', detail: detail ?? 'The provider refused the credential (401)', stopRun: true };
	if (res.status === 403) return { kind: 'fatal', reason: 'forbidden', detail: detail ?? 'The credential lacks a permission (403)', stopRun: true };
	return { kind: 'fatal', reason: `http_${res.status}`, detail };
}
