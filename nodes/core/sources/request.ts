/**
 * One place for sending a source request with retries: dropped connections, timeouts, 429 and 5xx
 * are retried with exponential backoff (deterministic: no jitter, so runs are reproducible), a
 * Retry-After header is honoured, and each source can add its own rule (Shopify's HTTP-200
 * THROTTLED error, HubSpot's policyName, Stripe's Stripe-Should-Retry). 401/403/404 and other 4xx
 * become a SourceError with a message naming the credential.
 */
import { TransportError, type HttpRequest, type HttpResponse, type HttpTransport } from '../net/http';
import { redact } from '../net/redact';
import { SourceError } from './errors';
import { realClock, type Clock } from '../net/clock';
import type { SlidingWindowLimiter } from '../net/rateLimit';
import { errorMessage } from '../net/body';
import { backoffDelay, DEFAULT_READ_RETRY, parseRetryAfter, type ReadRetryPolicy } from '../net/retry';
import type { FetchOptions, FetchStats } from './types';

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
	retry?: Partial<ReadRetryPolicy>;
	timeoutMs?: number;
	log?: (message: string) => void;
	/** The credential's secret values, removed from every message (net/redact.ts). */
	secrets?: readonly string[];
	/** Extracts the provider's error message from an error body (redacted before use). */
	errorMessage?: (body: unknown) => string | undefined;
}

const MAX_THROTTLE_RETRIES = 60;

export class SourceHttp {
	readonly stats: FetchStats = { requests: 0, pages: 0, retries: 0, waitedMs: 0, read: 0 };
	readonly clock: Clock;
	private readonly policy: ReadRetryPolicy;

	constructor(private readonly opts: SourceHttpOptions) {
		this.clock = opts.clock ?? realClock;
		this.policy = { ...DEFAULT_READ_RETRY, ...(opts.retry ?? {}) };
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
		return backoffDelay(attempt, this.policy);
	}

	/** A provider's text made safe for a message: secrets, tokens and addresses removed. */
	redact(text: string): string {
		return redact(text, this.opts.secrets, 500) ?? '';
	}

	private providerMessage(body: unknown): string {
		const m = this.opts.errorMessage?.(body) ?? errorMessage(body);
		return m ? ` ${this.opts.service} said: "${this.redact(m)}"` : '';
	}

	/**
	 * Sends the request, retrying what is transient. `inspect` sees every response first; it may ask
	 * for a retry (a throttle the status does not show) or fail with its own error.
	 */
	/** One attempt, through the service's rate limiter when there is one (its waits count as waiting). */
	private async attempt(req: HttpRequest, limiter?: SlidingWindowLimiter): Promise<{ res: HttpResponse } | { code: string }> {
		const before = limiter?.stats.waitedMs ?? 0;
		const release = await limiter?.acquire();
		if (limiter) this.stats.waitedMs += limiter.stats.waitedMs - before;
		this.stats.requests++;
		try {
			return await this.opts.transport(req).then(
				(r): { res: HttpResponse } => ({ res: r }),
				(error): { code: string } => ({ code: error instanceof TransportError ? error.code : ((error as { code?: string }).code ?? 'ECONNRESET') }),
			);
		} finally {
			release?.();
		}
	}

	async send(request: HttpRequest, inspect?: (res: HttpResponse) => ResponseVerdict | undefined, limiter?: SlidingWindowLimiter): Promise<HttpResponse> {
		const req: HttpRequest = {
			...request,
			headers: { accept: 'application/json', ...(this.opts.headers ?? {}), ...(request.headers ?? {}) },
			timeoutMs: request.timeoutMs ?? this.opts.timeoutMs ?? 60000,
		};
		let failures = 0;
		let throttles = 0;
		for (;;) {
			const outcome = await this.attempt(req, limiter);
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
					parseRetryAfter(res.headers['retry-after'], this.clock.now()) ??
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

/** What a reader says about its service in messages. */
export type ServiceText = Pick<SourceHttpOptions, 'service' | 'credential' | 'authHint' | 'notFoundHint' | 'errorMessage'>;

/** The HTTP client of a reader: the run's transport, clock, retry policy, timeout, log and secrets. */
export function sourceHttp(opts: FetchOptions, service: ServiceText): SourceHttp {
	const { transport, headers, clock, retry, timeoutMs, log, secrets } = opts;
	return new SourceHttp({ transport, headers, clock, retry, timeoutMs, log, secrets, ...service });
}
