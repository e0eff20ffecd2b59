/**
 * Klaviyo REST API pieces for the Campaign Send provider (klaviyo.ts): the pinned revision, the
 * JSON:API request shapes, the per-endpoint rate limits, and a pacer that sends every request
 * through the limits of its endpoint. No n8n import.
 *
 * Klaviyo limits each endpoint per account with two fixed windows at once, a burst (per second)
 * and a steady (per minute) one, and answers 429 with `Retry-After` (seconds) when either is
 * spent; every answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
 * (seconds until the window resets). The pacer holds one pair of sliding-window limiters
 * (net/rateLimit.ts) per endpoint: a 429 pauses that endpoint only, for `Retry-After`. Limits from Klaviyo's API reference (revision 2025-01-15).
 */
import { realClock, type Clock } from '../../net/clock';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../net/http';
import { SlidingWindowLimiter, sharedLimiter } from '../../net/rateLimit';
import { backoffDelay, parseRetryAfter, parseSecondsReset } from '../../net/retry';

/** The API revision every request names (`revision` header); the mock and the docs follow it. */
export const KLAVIYO_REVISION = '2025-01-15';
export const KLAVIYO_BASE_URL = 'https://a.klaviyo.com';
/** Profiles per bulk import job, and the largest job payload (Klaviyo: 10,000 profiles, 5 MB). */
export const KLAVIYO_MAX_JOB_PROFILES = 10000;
export const KLAVIYO_MAX_JOB_BYTES = 5 * 1024 * 1024;
/** Profile ids per list add/remove request; emails per profile filter (`any(email, [...])`, one page of 100). */
export const KLAVIYO_MAX_LIST_MEMBERS = 1000;
export const KLAVIYO_MAX_EMAIL_FILTER = 100;

export type KlaviyoEndpoint = 'importCreate' | 'importRead' | 'listRead' | 'listCreate' | 'listMembers' | 'profileRead' | 'eventCreate';

export interface EndpointLimit {
	burst: number;
	steady: number;
}

/** Documented burst (per second) and steady (per minute) limits of each endpoint we call. */
export const KLAVIYO_LIMITS: Record<KlaviyoEndpoint, EndpointLimit> = {
	importCreate: { burst: 10, steady: 150 }, // POST /api/profile-bulk-import-jobs/
	importRead: { burst: 10, steady: 150 }, // GET  /api/profile-bulk-import-jobs/{id}/ and /import-errors/
	listRead: { burst: 75, steady: 700 }, // GET  /api/lists/
	listCreate: { burst: 10, steady: 150 }, // POST /api/lists/
	listMembers: { burst: 10, steady: 150 }, // POST/DELETE /api/lists/{id}/relationships/profiles/
	profileRead: { burst: 75, steady: 700 }, // GET  /api/profiles/
	eventCreate: { burst: 350, steady: 3500 }, // POST /api/events/
};

export interface KlaviyoErrorItem {
	status?: number | string;
	code?: string;
	title?: string;
	detail?: string;
	source?: { pointer?: string };
}

/** The first error of a JSON:API error body, as one line. */
export function klaviyoError(body: unknown): { code?: string; message?: string } {
	const e = ((body ?? {}) as { errors?: KlaviyoErrorItem[] }).errors?.[0];
	if (!e) return {};
	const parts = [e.title, e.detail].filter((x): x is string => typeof x === 'string' && x !== '');
	return { code: e.code, message: parts.join(': ') || e.code };
}

/**
 * One limiter pair per endpoint. Shared (per process) by every run that passes the same scope
 * (the credential) on the real clock, like the engine's own limiter.
 */
export class KlaviyoPacer {
	private readonly limiters = new Map<KlaviyoEndpoint, SlidingWindowLimiter[]>();

	constructor(
		private readonly clock: Clock = realClock,
		private readonly scope?: string,
		private readonly limits: Record<KlaviyoEndpoint, EndpointLimit> = KLAVIYO_LIMITS,
	) {}

	private pair(endpoint: KlaviyoEndpoint): SlidingWindowLimiter[] {
		let p = this.limiters.get(endpoint);
		if (!p) {
			const l = this.limits[endpoint];
			const make = (n: number, ms: number, kind: string) =>
				this.scope && this.clock === realClock ? sharedLimiter(`klaviyo:${this.scope}:${endpoint}:${kind}`, n, ms) : new SlidingWindowLimiter(n, ms, this.clock);
			p = [make(l.steady, 60000, 'steady'), make(l.burst, 1000, 'burst')];
			this.limiters.set(endpoint, p);
		}
		return p;
	}

	/** Sends one request within its endpoint's limits; a 429 or an empty budget pauses the endpoint. */
	async send(transport: HttpTransport, endpoint: KlaviyoEndpoint, request: HttpRequest): Promise<HttpResponse> {
		const limiters = this.pair(endpoint);
		const releases = [];
		for (const l of limiters) releases.push(await l.acquire());
		try {
			const res = await transport(request);
			const now = this.clock.now();
			// The limiters already keep to the documented windows; a 429 (another client of the same key,
			// a lower account limit) pauses the endpoint for Retry-After (else RateLimit-Reset, else 1 s).
			if (res.status === 429) {
				const wait = parseRetryAfter(res.headers['retry-after'], now) ?? parseSecondsReset(res.headers['ratelimit-reset']) ?? 1000;
				for (const l of limiters) l.pauseUntil(now + wait);
			}
			return res;
		} finally {
			for (const r of releases) r();
		}
	}

	/**
	 * For the provider's follow-up requests (job status, lists, profile lookups): a 429 waits its
	 * Retry-After, a 5xx backs off, up to `attempts` tries; the last answer is returned.
	 */
	async call(transport: HttpTransport, endpoint: KlaviyoEndpoint, request: HttpRequest, attempts = 6): Promise<HttpResponse> {
		for (let attempt = 1; ; attempt++) {
			const res = await this.send(transport, endpoint, request);
			const transient = res.status === 429 || res.status >= 500;
			if (!transient || attempt >= attempts) return res;
			const after = res.status === 429 ? parseRetryAfter(res.headers['retry-after'], this.clock.now()) : undefined;
			await this.clock.sleep(after ?? backoffDelay(attempt, { baseDelayMs: 1000, maxDelayMs: 30000 }));
		}
	}
}

/** Request headers: JSON:API, the pinned revision, and the key only when the transport does not authenticate (tests, bench). */
export function klaviyoHeaders(apiKey?: string, withBody = true): Record<string, string> {
	const h: Record<string, string> = { accept: 'application/vnd.api+json', revision: KLAVIYO_REVISION };
	if (withBody) h['content-type'] = 'application/vnd.api+json';
	if (apiKey) h.authorization = `Klaviyo-API-Key ${apiKey}`;
	return h;
}

/** A Klaviyo filter string literal: double quotes, backslash-escaped. */
export function filterString(value: string): string {
	return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface ImportProfile {
	email: string;
	properties: Record<string, unknown>;
}

export function importJobBody(profiles: ImportProfile[], listId: string | undefined): Record<string, unknown> {
	const data: Record<string, unknown> = {
		type: 'profile-bulk-import-job',
		attributes: {
			profiles: {
				data: profiles.map((p) => ({ type: 'profile', attributes: Object.keys(p.properties).length ? { email: p.email, properties: p.properties } : { email: p.email } })),
			},
		},
	};
	if (listId) data.relationships = { lists: { data: [{ type: 'list', id: listId }] } };
	return { data };
}

export interface EventInput {
	metric: string;
	email: string;
	properties: Record<string, unknown>;
	uniqueId: string;
}

export function eventBody(e: EventInput): Record<string, unknown> {
	return {
		data: {
			type: 'event',
			attributes: {
				properties: e.properties,
				metric: { data: { type: 'metric', attributes: { name: e.metric } } },
				profile: { data: { type: 'profile', attributes: { email: e.email } } },
				unique_id: e.uniqueId,
			},
		},
	};
}

/** `links.next` of a JSON:API page, if any. */
export function nextLink(body: unknown): string | undefined {
	const next = ((body ?? {}) as { links?: { next?: unknown } }).links?.next;
	return typeof next === 'string' && next !== '' ? next : undefined;
}
