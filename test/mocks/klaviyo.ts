/**
 * Faithful local mock of the Klaviyo REST API endpoints Campaign Send uses, on 127.0.0.1
 * (revision 2025-01-15, JSON:API bodies):
 * - `POST /api/profile-bulk-import-jobs/`: ≤ 10,000 profiles and ≤ 5 MB (413 above), each with an
 *   email; optional `relationships.lists` with one list. 202 with the job (`status: queued`). The
 *   profiles are written (upsert: custom properties merged) and added to the list when the job is
 *   accepted; `GET /api/profile-bulk-import-jobs/{id}/` reports `queued` / `processing` for the
 *   first `jobPolls - 1` reads, then `complete` with total/completed/failed counts. A profile with
 *   an invalid email fails alone: `GET .../import-errors/` lists it with
 *   `source.pointer = /data/attributes/profiles/data/<i>` (10 per page, `links.next`).
 * - `GET /api/lists/?filter=equals(name,"...")` (10 per page, cursor in `links.next`),
 *   `POST /api/lists/` (201; Klaviyo allows two lists with one name: so does the mock),
 *   `DELETE /api/lists/{id}/relationships/profiles/` (≤ 1,000, 204, 404 for an unknown list),
 *   `GET /api/profiles/?filter=any(email,[...])` (≤ 100 per page).
 * - `POST /api/events/`: 202 with no body; a repeat of (profile, metric, unique_id) is dropped.
 * - `Authorization: Klaviyo-API-Key <key>` (401 `not_authenticated`), `revision` header required
 *   (400); errors as `{"errors":[{id,status,code,title,detail,source}]}`.
 * - Rate limits per endpoint, burst per second and steady per minute (option `limits`):
 *   `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` on every answer; above them 429
 *   `throttled` with `Retry-After` (whole seconds).
 * - Lost answers: the JsonMock faults (`timeout-after-accept`, `reset-after-accept`) on the job and
 *   event endpoints: the job or event is recorded, the answer never arrives.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { JsonMock, type MockOptions, type MockReply } from './sendgrid';

export interface BucketLimit {
	burst: number;
	steady: number;
}

/** The documented limits of the endpoints the mock serves (Klaviyo API reference). */
export const DOCUMENTED_LIMITS: Record<string, BucketLimit> = {
	importCreate: { burst: 10, steady: 150 },
	importRead: { burst: 10, steady: 150 },
	listRead: { burst: 75, steady: 700 },
	listCreate: { burst: 10, steady: 150 },
	listMembers: { burst: 10, steady: 150 },
	profileRead: { burst: 75, steady: 700 },
	eventCreate: { burst: 350, steady: 3500 },
};

export interface KlaviyoMockOptions extends MockOptions {
	/** Rate limits per endpoint ('documented' = Klaviyo's); none by default. */
	limits?: 'documented' | Record<string, BucketLimit>;
	/** Reads of a job before it reports `complete` (default 1: the first read). */
	jobPolls?: number;
	/** Addresses Klaviyo's own validation refuses (besides malformed ones): they fail in the job's import errors. */
	rejectEmail?: (email: string) => boolean;
}

export interface MockProfile {
	id: string;
	email: string;
	properties: Record<string, unknown>;
	/** Bulk import jobs that wrote this profile. */
	writes: number;
}

export interface MockJob {
	id: string;
	total: number;
	failed: { index: number; email: unknown; detail: string }[];
	reads: number;
	listId?: string;
}

export interface MockEvent {
	metric: string;
	email: string;
	uniqueId?: string;
	properties: Record<string, unknown>;
}

const EMAIL = /^[^\s@,;<>()[\]"]+@[^\s@,;<>()[\]"]+\.[^\s@,;<>()[\]".]{2,}$/;
const PAGE_LISTS = 10;
const PAGE_ERRORS = 10;

function jsonApiError(status: number, code: string, title: string, detail: string, pointer?: string): MockReply {
	return {
		status,
		headers: { 'content-type': 'application/vnd.api+json' },
		body: { errors: [{ id: randomUUID(), status, code, title, detail, source: pointer ? { pointer } : {}, meta: {} }] },
	};
}

/** Values of a Klaviyo filter such as `equals(name,"a")` or `any(email,["a","b"])`. */
function filterValues(filter: string | null, op: string, field: string): string[] | undefined {
	if (!filter) return undefined;
	const m = new RegExp(`^${op}\\(${field},(.*)\\)$`).exec(filter.trim());
	if (!m) return undefined;
	try {
		const v = JSON.parse(m[1]) as unknown;
		return Array.isArray(v) ? v.map(String) : [String(v)];
	} catch {
		return undefined;
	}
}

export class KlaviyoMock extends JsonMock {
	readonly profiles = new Map<string, MockProfile>();
	readonly lists = new Map<string, { id: string; name: string; members: Set<string> }>();
	readonly jobs = new Map<string, MockJob>();
	readonly events: MockEvent[] = [];
	/** Events dropped as repeats of (profile, metric, unique_id). */
	duplicateEvents = 0;
	/** Per endpoint: arrival times of the requests it served. */
	private readonly bucketArrivals = new Map<string, number[]>();
	private seq = 0;

	constructor(
		readonly apiKey = 'pk_test_key',
		readonly mockOptions: KlaviyoMockOptions = {},
	) {
		super(mockOptions);
	}

	protected isSendEndpoint(method: string, path: string): boolean {
		return method === 'POST' && (path === '/api/profile-bulk-import-jobs/' || path === '/api/events/');
	}

	protected rateLimited(resetAtMs: number): MockReply {
		const r = jsonApiError(429, 'throttled', 'Request was throttled.', 'Request was throttled. Expected available in 1 second.');
		r.headers = { ...r.headers, 'retry-after': String(Math.max(1, Math.ceil((resetAtMs - Date.now()) / 1000))) };
		return r;
	}

	protected sizeOf(path: string, body: unknown): number | undefined {
		if (path === '/api/events/') return 1;
		const n = (body as { data?: { attributes?: { profiles?: { data?: unknown[] } } } })?.data?.attributes?.profiles?.data?.length;
		return typeof n === 'number' ? n : undefined;
	}

	/** Members (emails) of the list with this name. */
	members(name: string): string[] {
		const out: string[] = [];
		for (const l of this.lists.values()) if (l.name === name) for (const id of l.members) out.push(this.profileById(id)?.email ?? id);
		return out.sort();
	}

	/** Requests to an endpoint (method + path prefix) the mock saw. */
	count(method: string, pathPrefix: string): number {
		return this.log.filter((l) => l.method === method && l.path.startsWith(pathPrefix)).length;
	}

	/** Arrival times at one endpoint (bench: achieved rate). */
	arrivalsOf(bucket: string): number[] {
		return this.bucketArrivals.get(bucket) ?? [];
	}

	private profileById(id: string): MockProfile | undefined {
		for (const p of this.profiles.values()) if (p.id === id) return p;
		return undefined;
	}

	private bucketOf(method: string, path: string): string | undefined {
		if (path === '/api/profile-bulk-import-jobs/') return method === 'POST' ? 'importCreate' : 'importRead';
		if (path.startsWith('/api/profile-bulk-import-jobs/')) return 'importRead';
		if (path === '/api/lists/') return method === 'POST' ? 'listCreate' : 'listRead';
		if (/^\/api\/lists\/[^/]+\/relationships\/profiles\/$/.test(path)) return 'listMembers';
		if (path === '/api/profiles/') return 'profileRead';
		if (path === '/api/events/') return 'eventCreate';
		return undefined;
	}

	/** Rate-limit headers for this request, or a 429 when a window is spent. */
	private limit(bucket: string): { headers: Record<string, string>; throttled?: MockReply } {
		const l = this.mockOptions.limits === 'documented' ? DOCUMENTED_LIMITS[bucket] : this.mockOptions.limits?.[bucket];
		if (!l) return { headers: {} };
		const now = Date.now();
		const arrivals = this.bucketArrivals.get(bucket) ?? [];
		this.bucketArrivals.set(bucket, arrivals);
		const inWindow = (ms: number) => arrivals.filter((t) => t > now - ms);
		const burst = inWindow(1000);
		const steady = inWindow(60000);
		const spent = burst.length >= l.burst ? { w: burst, ms: 1000 } : steady.length >= l.steady ? { w: steady, ms: 60000 } : undefined;
		const limitHeader = `${l.burst}, ${l.burst};w=1, ${l.steady};w=60`;
		if (spent) {
			const resetS = Math.max(1, Math.ceil((spent.w[0] + spent.ms - now) / 1000));
			const r = jsonApiError(429, 'throttled', 'Request was throttled.', `Request was throttled. Expected available in ${resetS} second${resetS === 1 ? '' : 's'}.`);
			r.headers = { ...r.headers, 'retry-after': String(resetS), 'ratelimit-limit': limitHeader, 'ratelimit-remaining': '0', 'ratelimit-reset': String(resetS) };
			return { headers: {}, throttled: r };
		}
		arrivals.push(now);
		if (arrivals.length > 4 * l.steady) arrivals.splice(0, arrivals.length - 2 * l.steady);
		const remaining = Math.max(0, l.burst - burst.length - 1);
		return { headers: { 'ratelimit-limit': limitHeader, 'ratelimit-remaining': String(remaining), 'ratelimit-reset': '1' } };
	}

	protected route(method: string, path: string, headers: IncomingMessage['headers'], body: unknown, query: URLSearchParams): MockReply | undefined {
		if (headers.authorization !== `Klaviyo-API-Key ${this.apiKey}`)
			return jsonApiError(401, 'not_authenticated', 'Authentication credentials were not provided.', 'Missing or invalid private key.');
		if (!headers.revision) return jsonApiError(400, 'invalid', 'Invalid input.', 'The revision header is required.');
		const bucket = this.bucketOf(method, path);
		if (!bucket) return jsonApiError(404, 'not_found', 'Not found.', `No endpoint ${method} ${path}`);
		const { headers: rl, throttled } = this.limit(bucket);
		if (throttled) return throttled;
		const reply = this.dispatch(method, path, body, query);
		reply.headers = { 'content-type': 'application/vnd.api+json', ...(reply.headers ?? {}), ...rl };
		return reply;
	}

	private dispatch(method: string, path: string, body: unknown, query: URLSearchParams): MockReply {
		if (method === 'POST' && path === '/api/profile-bulk-import-jobs/') return this.createJob(body);
		const job = /^\/api\/profile-bulk-import-jobs\/([^/]+)\/(import-errors\/)?$/.exec(path);
		if (method === 'GET' && job) return job[2] ? this.jobErrors(job[1], query) : this.readJob(job[1]);
		if (method === 'GET' && path === '/api/lists/') return this.findLists(query);
		if (method === 'POST' && path === '/api/lists/') return this.createList(body);
		const rel = /^\/api\/lists\/([^/]+)\/relationships\/profiles\/$/.exec(path);
		if (rel && (method === 'DELETE' || method === 'POST')) return this.listMembers(rel[1], method, body);
		if (method === 'GET' && path === '/api/profiles/') return this.findProfiles(query);
		if (method === 'POST' && path === '/api/events/') return this.createEvent(body);
		return jsonApiError(405, 'method_not_allowed', 'Method not allowed.', `${method} is not allowed here`);
	}

	private upsert(email: string, properties: Record<string, unknown> | undefined): MockProfile {
		const key = email.trim().toLowerCase();
		let p = this.profiles.get(key);
		if (!p) {
			p = { id: `01P${String(++this.seq).padStart(10, '0')}`, email: key, properties: {}, writes: 0 };
			this.profiles.set(key, p);
		}
		Object.assign(p.properties, properties ?? {});
		return p;
	}

	private createJob(body: unknown): MockReply {
		const b = body as { data?: { type?: string; attributes?: { profiles?: { data?: unknown } }; relationships?: { lists?: { data?: { id?: string }[] } } } };
		if (JSON.stringify(body ?? {}).length > 5 * 1024 * 1024) return jsonApiError(413, 'payload_too_large', 'Payload too large.', 'The payload is larger than 5 MB.');
		if (b?.data?.type !== 'profile-bulk-import-job') return jsonApiError(400, 'invalid', 'Invalid input.', 'type must be profile-bulk-import-job', '/data/type');
		const profiles = b.data.attributes?.profiles?.data;
		if (!Array.isArray(profiles) || profiles.length === 0 || profiles.length > 10000)
			return jsonApiError(400, 'invalid', 'Invalid input.', 'A job holds 1 to 10000 profiles.', '/data/attributes/profiles/data');
		const listRefs = b.data.relationships?.lists?.data ?? [];
		if (listRefs.length > 1) return jsonApiError(400, 'invalid', 'Invalid input.', 'A job adds profiles to at most one list.', '/data/relationships/lists/data');
		const list = listRefs[0] ? this.lists.get(String(listRefs[0].id)) : undefined;
		if (listRefs[0] && !list) return jsonApiError(400, 'invalid', 'Invalid input.', `List ${listRefs[0].id} does not exist.`, '/data/relationships/lists/data/0/id');
		const job: MockJob = { id: `job_${++this.seq}`, total: profiles.length, failed: [], reads: 0, listId: list?.id };
		return {
			status: 202,
			body: this.jobBody(job, 'queued'),
			accept: () => {
				this.jobs.set(job.id, job);
				profiles.forEach((raw, index) => {
					const a = (raw as { type?: string; attributes?: { email?: unknown; properties?: Record<string, unknown> } })?.attributes;
					if (typeof a?.email !== 'string' || !EMAIL.test(a.email.trim()) || this.mockOptions.rejectEmail?.(a.email.trim().toLowerCase())) {
						job.failed.push({ index, email: a?.email, detail: `Invalid email address: ${String(a?.email)}` });
						return;
					}
					const p = this.upsert(a.email, a.properties);
					p.writes++;
					list?.members.add(p.id);
				});
			},
		};
	}

	private jobBody(job: MockJob, status: string): unknown {
		const done = status === 'complete';
		return {
			data: {
				type: 'profile-bulk-import-job',
				id: job.id,
				attributes: {
					status,
					created_at: new Date().toISOString(),
					total_count: job.total,
					completed_count: done ? job.total - job.failed.length : 0,
					failed_count: done ? job.failed.length : 0,
					completed_at: done ? new Date().toISOString() : null,
					expires_at: null,
					started_at: status === 'queued' ? null : new Date().toISOString(),
				},
				relationships: { lists: { data: job.listId ? [{ type: 'list', id: job.listId }] : [] } },
			},
		};
	}

	private readJob(id: string): MockReply {
		const job = this.jobs.get(id);
		if (!job) return jsonApiError(404, 'not_found', 'Not found.', `No job ${id}`);
		job.reads++;
		const status = job.reads >= (this.mockOptions.jobPolls ?? 1) ? 'complete' : job.reads === 1 ? 'queued' : 'processing';
		return { status: 200, body: this.jobBody(job, status) };
	}

	private page<T>(items: T[], size: number, query: URLSearchParams, path: string): { items: T[]; next: string | null } {
		const start = Number(Buffer.from(query.get('page[cursor]') ?? '', 'base64').toString() || '0') || 0;
		const end = start + size;
		let next: string | null = null;
		if (end < items.length) {
			const q = new URLSearchParams(query);
			q.set('page[cursor]', Buffer.from(String(end)).toString('base64'));
			next = `${this.url}${path}?${q.toString()}`;
		}
		return { items: items.slice(start, end), next };
	}

	private jobErrors(id: string, query: URLSearchParams): MockReply {
		const job = this.jobs.get(id);
		if (!job) return jsonApiError(404, 'not_found', 'Not found.', `No job ${id}`);
		const size = Math.min(PAGE_ERRORS, Number(query.get('page[size]') ?? PAGE_ERRORS) || PAGE_ERRORS);
		const { items, next } = this.page(job.failed, size, query, `/api/profile-bulk-import-jobs/${id}/import-errors/`);
		return {
			status: 200,
			body: {
				data: items.map((f) => ({
					type: 'import-error',
					id: `${id}-${f.index}`,
					attributes: { code: 'invalid', title: 'Invalid input.', detail: f.detail, source: { pointer: `/data/attributes/profiles/data/${f.index}` }, original_payload: { email: f.email } },
				})),
				links: { self: `${this.url}/api/profile-bulk-import-jobs/${id}/import-errors/`, next, prev: null },
			},
		};
	}

	private findLists(query: URLSearchParams): MockReply {
		const filter = query.get('filter');
		const names = filter ? filterValues(filter, 'equals', 'name') : undefined;
		if (filter && !names) return jsonApiError(400, 'invalid', 'Invalid input.', `Invalid filter: ${filter}`, undefined);
		const all = [...this.lists.values()].filter((l) => !names || names.includes(l.name));
		const { items, next } = this.page(all, PAGE_LISTS, query, '/api/lists/');
		return {
			status: 200,
			body: { data: items.map((l) => ({ type: 'list', id: l.id, attributes: { name: l.name } })), links: { self: `${this.url}/api/lists/`, next, prev: null } },
		};
	}

	private createList(body: unknown): MockReply {
		const name = (body as { data?: { type?: string; attributes?: { name?: unknown } } })?.data?.attributes?.name;
		if (typeof name !== 'string' || name.trim() === '') return jsonApiError(400, 'invalid', 'Invalid input.', 'A list needs a name.', '/data/attributes/name');
		const id = `L${String(++this.seq).padStart(5, '0')}`;
		this.lists.set(id, { id, name, members: new Set() });
		return { status: 201, body: { data: { type: 'list', id, attributes: { name } } } };
	}

	/** Adds a list directly (tests: a list that already exists, many lists for pagination). */
	addList(name: string): string {
		const id = `L${String(++this.seq).padStart(5, '0')}`;
		this.lists.set(id, { id, name, members: new Set() });
		return id;
	}

	private listMembers(listId: string, method: string, body: unknown): MockReply {
		const list = this.lists.get(listId);
		if (!list) return jsonApiError(404, 'not_found', 'Not found.', `No list ${listId}`);
		const data = (body as { data?: { type?: string; id?: string }[] })?.data;
		if (!Array.isArray(data) || data.length > 1000) return jsonApiError(400, 'invalid', 'Invalid input.', 'Between 1 and 1000 profiles.', '/data');
		for (const ref of data) {
			if (ref.type !== 'profile' || !ref.id) return jsonApiError(400, 'invalid', 'Invalid input.', 'Each item must be a profile with an id.', '/data');
			if (method === 'DELETE') list.members.delete(ref.id);
			else list.members.add(ref.id);
		}
		return { status: 204 };
	}

	private findProfiles(query: URLSearchParams): MockReply {
		const emails = filterValues(query.get('filter'), 'any', 'email') ?? filterValues(query.get('filter'), 'equals', 'email');
		if (!emails) return jsonApiError(400, 'invalid', 'Invalid input.', 'Unsupported filter.', undefined);
		if (emails.length > 100) return jsonApiError(400, 'invalid', 'Invalid input.', 'At most 100 values in any().', undefined);
		const found = emails.map((e) => this.profiles.get(e.trim().toLowerCase())).filter((p): p is MockProfile => p !== undefined);
		const size = Math.min(100, Number(query.get('page[size]') ?? 20) || 20);
		const { items, next } = this.page(found, size, query, '/api/profiles/');
		return {
			status: 200,
			body: { data: items.map((p) => ({ type: 'profile', id: p.id, attributes: { email: p.email, properties: p.properties } })), links: { self: `${this.url}/api/profiles/`, next, prev: null } },
		};
	}

	private createEvent(body: unknown): MockReply {
		const a = (body as { data?: { type?: string; attributes?: Record<string, unknown> } })?.data?.attributes as
			| { metric?: { data?: { attributes?: { name?: unknown } } }; profile?: { data?: { attributes?: { email?: unknown } } }; properties?: Record<string, unknown>; unique_id?: string }
			| undefined;
		const metric = a?.metric?.data?.attributes?.name;
		const email = a?.profile?.data?.attributes?.email;
		if (typeof metric !== 'string' || metric === '') return jsonApiError(400, 'invalid', 'Invalid input.', 'A metric name is required.', '/data/attributes/metric/data/attributes/name');
		if (typeof email !== 'string' || !EMAIL.test(email)) return jsonApiError(400, 'invalid', 'Invalid input.', 'A profile needs a valid email.', '/data/attributes/profile/data/attributes/email');
		return {
			status: 202,
			accept: () => {
				const key = email.toLowerCase();
				if (a?.unique_id && this.events.some((e) => e.email === key && e.metric === metric && e.uniqueId === a.unique_id)) {
					this.duplicateEvents++;
					return;
				}
				this.upsert(key, undefined);
				this.events.push({ metric, email: key, uniqueId: a?.unique_id, properties: a?.properties ?? {} });
			},
		};
	}
}
