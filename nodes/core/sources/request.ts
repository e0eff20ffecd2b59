/**
 * One place for sending a source request with retries: dropped connections, timeouts, 429 and 5xx
 * are retried with exponential backoff (deterministic: no jitter, so runs are reproducible), a
 * Retry-After header is honoured, and each source can add its own rule (Shopify's HTTP-200
 * THROTTLED error, HubSpot's policyName, Stripe's Stripe-Should-Retry). 401/403/404 and other 4xx
 * become a SourceError with a message naming the credential.
 */
import { TransportError, type HttpRequest, type HttpResponse, type HttpTransport } from '../http';
import { redact } from '../net/redact';
import { SourceError } from './errors';
import { DEFAULT_RETRY, realClock, type Clock, type FetchStats, type RetryPolicy } from './types';

export interface ResponseVerdict {
	/** Retry this response (a throttle or a transient failure the status code does not show). */
	retry?: boolean;
	/** Wait this long before the retry (otherwise the backoff delay). */
	waitMs?: number;
	/** Throttle retries do not use up the retry budget (they have their own, larger one). */
	throttle?: boolean;
	/** Fail now with this error. */
	error?: SourceError;
}

export interface SourceHttpOptions {
	transport: HttpTransport;
	/** Service name in messages: 'Shopify', 'WooCommerce'... */
	service: string;
	/** Credential display name in messages. */
	credential: string;
	/** What to check when the credential is rejected. */
	authHint: string;
	/** Message when the base URL answers 404 (shop or site not found). */
	notFoundHint: string;
	headers?: Record<string, string>;
	clock?: Clock;
	retry?: Partial<RetryPolicy>;
	timeoutMs?: number;
	log?: (message: string) => void;
	/** The credential's secret values, removed from every message (net/redact.ts). */
	secrets?: readonly string[];
	/** Extracts the provider's error message from an error body (redacted before use). */
	errorMessage?: (body: unknown) => string | undefined;
}

const MAX_THROTTLE_RETRIES = 60;

export function retryAfterMs(headers: Record<string, string>, now: number): number | undefined {
	const v = headers['retry-after'];
	if (!v) return undefined;
	const s = Number(v);
	if (Number.isFinite(s)) return Math.max(0, s * 1000);
	const t = Date.parse(v);
	return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

function genericMessage(body: unknown): string | undefined {
	if (typeof body === 'string') return body.trim() ? body.trim().slice(0, 300) : undefined;
	if (!body || typeof body !== 'object') return undefined;
	const b = body as Record<string, unknown>;
	const candidates = [b.message, b.error_description, b.errors, b.error];
	for (const c of candidates) {
		if (typeof c === 'string' && c) return c;
		if (c && typeof c === 'object' && typeof (c as { message?: unknown }).message === 'string')
			return (c as { message: string }).message;
		if (Array.isArray(c) && c.length && typeof (c[0] as { message?: unknown })?.message === 'string')
			return (c[0] as { message: string }).message;
	}
	return undefined;
}

export class SourceHttp {
	readonly stats: FetchStats = { requests: 0, pages: 0, retries: 0, waitedMs: 0, read: 0 };
	readonly clock: Clock;
	private readonly policy: RetryPolicy;

	constructor(private readonly opts: SourceHttpOptions) {
		this.clock = opts.clock ?? realClock;
		this.policy = { ...DEFAULT_RETRY, ...(opts.retry ?? {}) };
	}

	log(message: string): void {
		this.opts.log?.(message);
	}

	async wait(ms: number): Promise<void> {
		if (ms <= 0) return;
		this.stats.waitedMs += ms;
		await this.clock.sleep(ms);
	}

	backoff(attempt: number): number {
		return Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
	}

	/** A provider's text made safe for a message: secrets, tokens and addresses removed. */
	redact(text: string): string {
		return redact(text, this.opts.secrets, 500) ?? '';
	}

	private providerMessage(body: unknown): string {
		const m = (this.opts.errorMessage ?? genericMessage)(body) ?? genericMessage(body);
		return m ? ` ${this.opts.service} said: "${this.redact(m)}"` : '';
	}

	/**
	 * Sends the request, retrying what is transient. `inspect` sees every response first; it may ask
	 * for a retry (a throttle the status does not show) or fail with its own error.
	 */
	async send(request: HttpRequest, inspect?: (res: HttpResponse) => ResponseVerdict | undefined): Promise<HttpResponse> {
		const req: HttpRequest = {
			...request,
			headers: { accept: 'application/json', ...(this.opts.headers ?? {}), ...(request.headers ?? {}) },
			timeoutMs: request.timeoutMs ?? this.opts.timeoutMs ?? 60000,
		};
		let failures = 0;
		let throttles = 0;
		for (;;) {
			this.stats.requests++;
			const outcome = await this.opts.transport(req).then(
				(r): { res: HttpResponse } | { code: string } => ({ res: r }),
				(error): { code: string } => ({
					code: error instanceof TransportError ? error.code : ((error as { code?: string }).code ?? 'ECONNRESET'),
				}),
			);
			if (!('res' in outcome)) {
				failures++;
				if (failures > this.policy.maxRetries)
					throw new SourceError(
						'network',
						`Could not reach ${this.opts.service} (${outcome.code}) after ${failures} attempts. Check the Base URL / shop address in the credential "${this.opts.credential}" and that the service is up.`,
					);
				const delay = this.backoff(failures);
				this.stats.retries++;
				this.log(`${this.opts.service}: connection failed (${outcome.code}), retry ${failures} in ${delay} ms`);
				await this.wait(delay);
				continue;
			}
			const res = outcome.res;
			const verdict = inspect?.(res);
			if (verdict?.error) throw verdict.error;
			if (verdict?.retry || res.status === 429 || res.status >= 500) {
				const isThrottle = verdict?.throttle ?? false;
				if (isThrottle) throttles++;
				else failures++;
				if (throttles > MAX_THROTTLE_RETRIES || failures > this.policy.maxRetries) {
					if (res.status === 429 || isThrottle)
						throw new SourceError(
							'rateLimit',
							`${this.opts.service} kept rate-limiting the requests after ${throttles + failures} retries.${this.providerMessage(res.body)} Try again later or lower the page size.`,
							{ status: res.status },
						);
					throw new SourceError(
						'server',
						`${this.opts.service} answered ${res.status} ${failures} times in a row.${this.providerMessage(res.body)} The service may be down; try again later.`,
						{ status: res.status },
					);
				}
				const delay =
					verdict?.waitMs ??
					retryAfterMs(res.headers, this.clock.now()) ??
					this.backoff(isThrottle ? Math.min(throttles, 6) : failures);
				this.stats.retries++;
				this.log(`${this.opts.service}: ${isThrottle || res.status === 429 ? 'throttled' : `HTTP ${res.status}`}, retry in ${Math.round(delay)} ms`);
				await this.wait(delay);
				continue;
			}
			if (res.status === 401 || res.status === 403) {
				throw new SourceError(
					res.status === 401 ? 'auth' : 'forbidden',
					`${this.opts.service} ${res.status === 401 ? 'rejected the credential' : 'refused access'} (HTTP ${res.status}). Check the credential "${this.opts.credential}": ${this.opts.authHint}.${this.providerMessage(res.body)}`,
					{ status: res.status },
				);
			}
			if (res.status === 404) {
				throw new SourceError('notFound', `${this.opts.service} answered 404 Not Found. ${this.opts.notFoundHint}`, {
					status: 404,
				});
			}
			if (res.status >= 400) {
				throw new SourceError(
					'badRequest',
					`${this.opts.service} refused the request (HTTP ${res.status}).${this.providerMessage(res.body)}`,
					{ status: res.status },
				);
			}
			return res;
		}
	}
}
