/**
 * Klaviyo lists for segment membership: a segment's list is found by name (`GET /api/lists/` with
 * `filter=equals(name,"...")`, every page followed through `links.next`) or created
 * (`POST /api/lists/`) once per run: concurrent batches share one lookup per name, so a run never
 * creates a list twice. Removing customers from a list reads their profile ids by email
 * (`GET /api/profiles/?filter=any(email,[...])`, 100 per page) and deletes the relationships
 * (`DELETE /api/lists/{id}/relationships/profiles/`, 1,000 per request): both are idempotent, a
 * customer who is not a member (or not a profile) is simply not removed. No n8n import.
 */
import type { HttpResponse, HttpTransport } from '../../net/http';
import { chunk } from '../run';
import {
	filterString,
	KLAVIYO_MAX_EMAIL_FILTER,
	KLAVIYO_MAX_LIST_MEMBERS,
	klaviyoError,
	klaviyoHeaders,
	nextLink,
	type KlaviyoPacer,
} from './klaviyoApi';

/** A request Klaviyo refused: `status` and its error line (the provider turns it into outcomes). */
export class KlaviyoRequestError extends Error {
	constructor(
		readonly status: number,
		readonly response: HttpResponse,
	) {
		super(`Klaviyo answered ${status}${klaviyoError(response.body).message ? `: ${klaviyoError(response.body).message}` : ''}`);
		this.name = 'KlaviyoRequestError';
	}
}

export interface ListContext {
	base: string;
	apiKey?: string;
	pacer: KlaviyoPacer;
}

type JsonApiItem = { id?: unknown; attributes?: Record<string, unknown> };

/** Name → list id, resolved once per run (the cache lives as long as the provider). */
export class KlaviyoLists {
	private readonly byName = new Map<string, Promise<string | undefined>>();

	constructor(private readonly c: ListContext) {}

	/** The id of the list with this name; created when `create` and missing. */
	resolve(transport: HttpTransport, name: string, create: boolean): Promise<string | undefined> {
		const key = `${create ? 'c' : 'r'}\u0000${name}`;
		const known = this.byName.get(`c\u0000${name}`) ?? this.byName.get(key);
		if (known) return known;
		const p = this.find(transport, name).then(async (id) => (id !== undefined || !create ? id : this.create(transport, name)));
		this.byName.set(key, p);
		p.catch(() => this.byName.delete(key));
		return p;
	}

	private async find(transport: HttpTransport, name: string): Promise<string | undefined> {
		let url: string | undefined = `${this.c.base}/api/lists/?filter=${encodeURIComponent(`equals(name,${filterString(name)})`)}`;
		while (url) {
			const res = await this.c.pacer.call(transport, 'listRead', { method: 'GET', url, headers: klaviyoHeaders(this.c.apiKey, false), timeoutMs: 30000 });
			if (res.status !== 200) throw new KlaviyoRequestError(res.status, res);
			const data = ((res.body ?? {}) as { data?: JsonApiItem[] }).data ?? [];
			const hit = data.find((l) => l.attributes?.name === name && l.id !== undefined);
			if (hit) return String(hit.id);
			url = nextLink(res.body);
		}
		return undefined;
	}

	private async create(transport: HttpTransport, name: string): Promise<string> {
		const res = await this.c.pacer.call(transport, 'listCreate', {
			method: 'POST',
			url: `${this.c.base}/api/lists/`,
			headers: klaviyoHeaders(this.c.apiKey),
			body: { data: { type: 'list', attributes: { name } } },
			timeoutMs: 30000,
		});
		const id = ((res.body ?? {}) as { data?: JsonApiItem }).data?.id;
		if (res.status !== 201 || id === undefined) throw new KlaviyoRequestError(res.status, res);
		return String(id);
	}

	/** Profile ids of these emails (lower-cased); emails without a profile are absent. */
	async profileIds(transport: HttpTransport, emails: string[]): Promise<Map<string, string>> {
		const out = new Map<string, string>();
		for (const part of chunk(emails, KLAVIYO_MAX_EMAIL_FILTER)) {
			const filter = `any(email,[${part.map(filterString).join(',')}])`;
			let url: string | undefined = `${this.c.base}/api/profiles/?filter=${encodeURIComponent(filter)}&page%5Bsize%5D=${KLAVIYO_MAX_EMAIL_FILTER}`;
			while (url) {
				const res = await this.c.pacer.call(transport, 'profileRead', { method: 'GET', url, headers: klaviyoHeaders(this.c.apiKey, false), timeoutMs: 30000 });
				if (res.status !== 200) throw new KlaviyoRequestError(res.status, res);
				for (const p of ((res.body ?? {}) as { data?: JsonApiItem[] }).data ?? []) {
					const email = p.attributes?.email;
					if (typeof email === 'string' && p.id !== undefined) out.set(email.trim().toLowerCase(), String(p.id));
				}
				url = nextLink(res.body);
			}
		}
		return out;
	}

	/** Removes these profiles from the list (1,000 per request). */
	async removeMembers(transport: HttpTransport, listId: string, profileIds: string[]): Promise<void> {
		for (const part of chunk(profileIds, KLAVIYO_MAX_LIST_MEMBERS)) {
			const res = await this.c.pacer.call(transport, 'listMembers', {
				method: 'DELETE',
				url: `${this.c.base}/api/lists/${encodeURIComponent(listId)}/relationships/profiles/`,
				headers: klaviyoHeaders(this.c.apiKey),
				body: { data: part.map((id) => ({ type: 'profile', id })) },
				timeoutMs: 30000,
			});
			if (res.status !== 204 && res.status !== 200) throw new KlaviyoRequestError(res.status, res);
		}
	}
}
