/**
 * HubSpot CRM client: contacts are customers, closed-won deals associated with a contact are
 * their orders.
 *
 * - Full reads: `GET /crm/v3/objects/contacts?limit≤100&after=…&properties=…` and
 *   `GET /crm/v3/objects/deals?…&associations=contacts` (paging by `paging.next.after`).
 * - Changed since / incremental: `POST /crm/v3/objects/{contacts|deals}/search` filtered on
 *   `lastmodifieddate` / `hs_lastmodifieddate` (≥, oldest first, 200 a page; past HubSpot's 10,000
 *   results per search the search restarts from the last date seen), associations through
 *   `POST /crm/v4/associations/{from}/{to}/batch/read`, records through `…/batch/read`.
 * - Deals: amount (a string), closedate (else createdate), deal_currency_code (else the default
 *   currency option); stage in "won stages" (default closedwon) → paid, in "lost stages"
 *   (default closedlost) → cancelled, other stages → pending. A deal is credited to its first
 *   associated contact; a deal without a contact is skipped (counted).
 * - Consent: hs_email_optout = true → email unsubscribed, otherwise unknown.
 * - Rate limits: HubSpot allows a number of requests per rolling 10 seconds per app
 *   (X-HubSpot-RateLimit-Max / -Remaining / -Interval-Milliseconds) and 5 searches a second. The
 *   client keeps its own rolling window sized from those headers, waits when Remaining runs out,
 *   and on a 429 reads `policyName`: TEN_SECONDLY_ROLLING / SECONDLY → wait the interval and retry,
 *   DAILY → stop with a clear message (nothing more can be read today).
 */
import type { HttpResponse } from '../net/http';
import { CustomerAggregator } from './aggregate';
import { SourceError } from './errors';
import { IncrementalTracker } from './incremental';
import { emptyCustomer, isoOrNull, latestIso, money, normEmail, roundMoney, str, upperOrNull } from './normalize';
import { readPages } from '../net/paging';
import { SlidingWindowLimiter } from '../net/rateLimit';
import { sourceHttp, type ResponseVerdict } from './request';
import type { FetchOptions, FetchResult, NormalizedCustomer, NormalizedOrder, OrderStatus, SkippedRecord } from './types';

export const HUBSPOT_MAX_PAGE = 100;
export const HUBSPOT_SEARCH_PAGE = 200;
export const HUBSPOT_SEARCH_CAP = 10000;

export const CONTACT_PROPERTIES = ['email', 'firstname', 'lastname', 'phone', 'country', 'createdate', 'lastmodifieddate', 'hs_email_optout'];
export const DEAL_PROPERTIES = ['amount', 'closedate', 'createdate', 'dealstage', 'pipeline', 'deal_currency_code', 'hs_lastmodifieddate'];

export interface HubSpotConfig {
	baseUrl: string;
	/** Extra contact properties returned under `properties`. */
	contactProperties?: string[];
	/** Deal stage ids counted as paid orders (default closedwon). */
	wonStages?: string[];
	/** Deal stage ids counted as cancelled (default closedlost). */
	lostStages?: string[];
	/** Currency of deals without deal_currency_code (the account's company currency). */
	defaultCurrency?: string;
}

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : null);

export function dealStatus(stage: unknown, won: string[], lost: string[]): OrderStatus {
	const s = String(stage ?? '').trim().toLowerCase();
	if (won.includes(s)) return 'paid';
	if (lost.includes(s)) return 'cancelled';
	return 'pending';
}

export function normalizeDeal(deal: Raw, contactId: string | null, cfg: HubSpotConfig, includeSource: boolean): NormalizedOrder | SkippedRecord {
	const id = str(deal.id);
	if (!id) return { id: '(no id)', reason: 'deal without id' };
	const p = obj(deal.properties) ?? {};
	if (!contactId) return { id, reason: 'deal has no associated contact' };
	const won = (cfg.wonStages ?? ['closedwon']).map((s) => s.toLowerCase());
	const lost = (cfg.lostStages ?? ['closedlost']).map((s) => s.toLowerCase());
	const status = dealStatus(p.dealstage, won, lost);
	const createdAt = isoOrNull(p.closedate) ?? isoOrNull(p.createdate) ?? isoOrNull(deal.createdAt);
	if (!createdAt) return { id, reason: 'closedate and createdate are missing or not dates' };
	let amount = money(p.amount);
	if (Number.isNaN(amount)) {
		if (status === 'paid') return { id, reason: p.amount === null || p.amount === undefined || p.amount === '' ? 'won deal has no amount' : 'amount is not a number' };
		amount = 0;
	}
	const currency = upperOrNull(p.deal_currency_code) ?? upperOrNull(cfg.defaultCurrency) ?? 'USD';
	const o: NormalizedOrder = { customerId: contactId, orderId: id, createdAt, total: roundMoney(Math.max(0, amount), currency), currency, status };
	const updatedAt = isoOrNull(p.hs_lastmodifieddate) ?? isoOrNull(deal.updatedAt);
	if (updatedAt) o.updatedAt = updatedAt;
	if (includeSource) o.source = deal;
	return o;
}

export function normalizeContact(contact: Raw, extra: string[], includeSource: boolean): NormalizedCustomer | SkippedRecord {
	const id = str(contact.id);
	if (!id) return { id: '(no id)', reason: 'contact without id' };
	const p = obj(contact.properties) ?? {};
	const c = emptyCustomer(id);
	c.email = normEmail(p.email);
	c.firstName = str(p.firstname);
	c.lastName = str(p.lastname);
	c.phone = str(p.phone);
	const country = str(p.country);
	c.country = country && /^[A-Za-z]{2}$/.test(country) ? country.toUpperCase() : country;
	c.createdAt = isoOrNull(p.createdate) ?? isoOrNull(contact.createdAt);
	c.updatedAt = isoOrNull(p.lastmodifieddate) ?? isoOrNull(contact.updatedAt);
	const optout = String(p.hs_email_optout ?? '').toLowerCase();
	c.consent = { email: optout === 'true' ? 'unsubscribed' : 'unknown', sms: 'unknown' };
	c.acceptsMarketing = false;
	if (extra.length) {
		const props: Record<string, unknown> = {};
		for (const name of extra) props[name] = p[name] ?? null;
		(c as NormalizedCustomer & { properties?: Record<string, unknown> }).properties = props;
	}
	if (includeSource) c.source = contact;
	return c;
}

/**
 * HubSpot announces its rolling limit in every answer (X-HubSpot-RateLimit-Max / -Interval-
 * Milliseconds / -Remaining): the limiter keeps one request in reserve, and waits a whole interval
 * when the account's budget (shared with other apps) is down to the last request.
 */
function observeHubSpotLimits(limiter: SlidingWindowLimiter, headers: Record<string, string>, now: number): void {
	const max = Number(headers['x-hubspot-ratelimit-max']);
	const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']);
	const remaining = Number(headers['x-hubspot-ratelimit-remaining']);
	if (Number.isFinite(max) && max > 0) limiter.setLimit(Math.max(1, max - 1), Number.isFinite(interval) && interval > 0 ? interval : 10000);
	if (headers['x-hubspot-ratelimit-remaining'] !== undefined && Number.isFinite(remaining) && remaining <= 1)
		limiter.pauseUntil(now + (Number.isFinite(interval) && interval > 0 ? interval : 10000));
}

export async function fetchHubSpot(config: HubSpotConfig, opts: FetchOptions): Promise<FetchResult> {
	const base = config.baseUrl.replace(/\/+$/, '');
	const http = sourceHttp(opts, {
		service: 'HubSpot',
		credential: 'Microsegments HubSpot API',
		authHint: 'the private app access token, and that the app has the crm.objects.contacts.read and crm.objects.deals.read scopes',
		notFoundHint: 'Check the Base URL in the credential "Microsegments HubSpot API" (https://api.hubapi.com).',
		errorMessage: (b) => {
			const o = obj(b);
			if (!o) return undefined;
			const scopes = obj(obj(Array.isArray(o.errors) ? o.errors[0] : null)?.context)?.requiredGranularScopes;
			const msg = str(o.message);
			return msg ? msg + (Array.isArray(scopes) ? ` Required scopes: ${scopes.join(', ')}.` : '') : undefined;
		},
	});
	const clock = http.clock;
	// Until the first answer says otherwise: unlimited, 10 s window; searches: 5 a second (one in reserve).
	const limiter = new SlidingWindowLimiter(Infinity, 10000, clock);
	const searchLimiter = new SlidingWindowLimiter(4, 1000, clock);
	const pageSize = Math.max(1, Math.min(HUBSPOT_MAX_PAGE, Math.floor(opts.pageSize ?? HUBSPOT_MAX_PAGE)));
	const maxRecords = opts.maxRecords && opts.maxRecords > 0 ? opts.maxRecords : Infinity;
	const tracker = opts.incremental ? new IncrementalTracker(opts.incremental) : null;
	const since = latestIso(opts.since ?? null, tracker?.since ?? null);
	const extra = (config.contactProperties ?? []).map((p) => p.trim()).filter(Boolean);
	const contactProps = [...new Set([...CONTACT_PROPERTIES, ...extra])];
	const includeSource = !!opts.includeSource;
	const skipped: SkippedRecord[] = [];
	let truncated = false;

	const invalid = (kind: string, s: SkippedRecord) => {
		if (opts.onInvalid === 'fail') throw new SourceError('invalidRecord', `HubSpot ${kind} ${s.id}: ${s.reason}.`, { recordId: s.id });
		skipped.push(s);
	};

	const verdict = (res: HttpResponse): ResponseVerdict | undefined => {
		if (res.status !== 429) return undefined;
		const body = obj(res.body);
		const policy = String(body?.policyName ?? '').toUpperCase();
		if (policy === 'DAILY')
			return {
				error: new SourceError('rateLimit', 'HubSpot\'s daily API limit for this app is used up. Try again tomorrow, or lower how often this workflow runs.', { status: 429 }),
			};
		const interval = Number(res.headers['x-hubspot-ratelimit-interval-milliseconds']);
		const waitMs = policy === 'SECONDLY' ? 1000 : Number.isFinite(interval) && interval > 0 ? interval : 10000;
		return { retry: true, throttle: true, waitMs };
	};

	const call = async (method: 'GET' | 'POST', path: string, query?: Record<string, string | number | undefined>, body?: unknown, search = false) => {
		const res = await http.send(
			{ method, url: `${base}${path}`, query, body },
			(r) => {
				if (!search) observeHubSpotLimits(limiter, r.headers, clock.now());
				return verdict(r);
			},
			search ? searchLimiter : limiter,
		);
		tracker?.noteServerTime(res.headers['date'], clock.now());
		return obj(res.body) ?? {};
	};

	/** GET list paging (`after` cursors); returns when onPage says stop or there is no next page. */
	const list = (object: 'contacts' | 'deals', properties: string[], associations: string | undefined, onPage: (rows: Raw[]) => boolean) =>
		readPages<string | undefined>({
			first: undefined,
			stats: http.stats,
			repeated: () => new SourceError('badResponse', 'HubSpot sent the same page cursor twice.'),
			fetch: async (after) => {
				const body = await call('GET', `/crm/v3/objects/${object}`, { limit: pageSize, after, properties: properties.join(','), associations, archived: 'false' });
				const rows = Array.isArray(body.results) ? body.results.map((r) => obj(r) ?? {}) : null;
				if (!rows) throw new SourceError('badResponse', `HubSpot answered ${object} without results.`);
				return { rows, next: str(obj(obj(body.paging)?.next)?.after) ?? undefined };
			},
			onPage: (rows) => {
				if (onPage(rows)) return true;
				http.log(`HubSpot: ${object} page ${http.stats.pages}, ${http.stats.read} records read`);
				return false;
			},
		});

	/**
	 * Search by last-modified date, oldest first. HubSpot's search stops at 10,000 results: past it
	 * the search restarts from the latest change time seen (rows seen twice are dropped).
	 */
	const searchChanged = (object: 'contacts' | 'deals', property: string, properties: string[], from: string, onRow: (row: Raw) => void) => {
		const seen = new Set<string>();
		const tooMany = () => new SourceError('badResponse', `More than ${HUBSPOT_SEARCH_CAP} HubSpot ${object} changed at the same instant; run without incremental mode.`);
		return readPages<{ gte: number; after?: string }>({
			first: { gte: Date.parse(from) },
			stats: http.stats,
			same: (a, b) => a.gte === b.gte && a.after === b.after,
			repeated: () => new SourceError('badResponse', 'HubSpot sent the same search cursor twice.'),
			fetch: async ({ gte, after }) => {
				const body = await call(
					'POST',
					`/crm/v3/objects/${object}/search`,
					undefined,
					{
						filterGroups: [{ filters: [{ propertyName: property, operator: 'GTE', value: String(gte) }] }],
						sorts: [{ propertyName: property, direction: 'ASCENDING' }],
						properties,
						limit: HUBSPOT_SEARCH_PAGE,
						after,
					},
					true,
				);
				const rows = Array.isArray(body.results) ? body.results.map((r) => obj(r) ?? {}) : [];
				const next = str(obj(obj(body.paging)?.next)?.after);
				if (!next) return { rows };
				if (Number(next) + HUBSPOT_SEARCH_PAGE <= HUBSPOT_SEARCH_CAP) return { rows, next: { gte, after: next } };
				let lastT = gte;
				for (const r of rows) {
					const t = Date.parse(String(obj(r.properties)?.[property] ?? ''));
					if (!Number.isNaN(t)) lastT = Math.max(lastT, t);
				}
				if (lastT === gte) throw tooMany();
				return { rows, next: { gte: lastT } };
			},
			onPage: (rows) => {
				for (const r of rows) {
					const id = str(r.id);
					if (!id || seen.has(id)) continue;
					seen.add(id);
					onRow(r);
				}
			},
		});
	};

	/** v4 batch association read: from ids → associated ids (first page of each). */
	const associations = async (from: 'contacts' | 'deals', to: 'contacts' | 'deals', ids: string[]): Promise<Map<string, string[]>> => {
		const out = new Map<string, string[]>();
		for (let k = 0; k < ids.length; k += 100) {
			let inputs = ids.slice(k, k + 100).map((id) => ({ id }) as { id: string; after?: string });
			while (inputs.length) {
				const body = await call('POST', `/crm/v4/associations/${from}/${to}/batch/read`, undefined, { inputs });
				const more: typeof inputs = [];
				for (const r of Array.isArray(body.results) ? body.results : []) {
					const row = obj(r) ?? {};
					const fromId = str(obj(row.from)?.id);
					if (!fromId) continue;
					const list = out.get(fromId) ?? [];
					for (const t of Array.isArray(row.to) ? row.to : []) {
						const toId = str(obj(t)?.toObjectId);
						if (toId && !list.includes(toId)) list.push(toId);
					}
					out.set(fromId, list);
					const nextAfter = str(obj(obj(row.paging)?.next)?.after);
					if (nextAfter) more.push({ id: fromId, after: nextAfter });
				}
				inputs = more;
			}
		}
		return out;
	};

	const batchRead = async (object: 'contacts' | 'deals', ids: string[], properties: string[]): Promise<Raw[]> => {
		const out: Raw[] = [];
		for (let k = 0; k < ids.length; k += 100) {
			const body = await call('POST', `/crm/v3/objects/${object}/batch/read`, { archived: 'false' }, { properties, inputs: ids.slice(k, k + 100).map((id) => ({ id })) });
			for (const r of Array.isArray(body.results) ? body.results : []) out.push(obj(r) ?? {});
			http.stats.read += Array.isArray(body.results) ? body.results.length : 0;
		}
		return out;
	};

	const firstContactOf = (deal: Raw): string | null => {
		const results = obj(obj(deal.associations)?.contacts)?.results;
		if (!Array.isArray(results) || !results.length) return null;
		return str(obj(results[0])?.id);
	};

	// ---------------- orders ----------------
	if (opts.mode === 'orders') {
		const orders: NormalizedOrder[] = [];
		const seen = new Set<string>();
		const take = (deal: Raw, contactId: string | null): boolean => {
			const o = normalizeDeal(deal, contactId, config, includeSource);
			if (!('orderId' in o)) {
				invalid('deal', o);
				return false;
			}
			if (seen.has(o.orderId)) return false;
			seen.add(o.orderId);
			if (tracker) {
				if (tracker.alreadyDelivered(o.orderId, o.updatedAt)) return false;
				tracker.note(o.orderId, o.updatedAt);
			}
			orders.push(o);
			if (orders.length >= maxRecords) {
				truncated = true;
				return true;
			}
			return false;
		};
		if (!since) {
			await list('deals', DEAL_PROPERTIES, 'contacts', (rows) => {
				for (const d of rows) if (take(d, firstContactOf(d))) return true;
				return false;
			});
		} else {
			const deals: Raw[] = [];
			await searchChanged('deals', 'hs_lastmodifieddate', DEAL_PROPERTIES, since, (d) => deals.push(d));
			const assoc = await associations('deals', 'contacts', deals.map((d) => String(d.id)));
			for (const d of deals) if (take(d, assoc.get(String(d.id))?.[0] ?? null)) break;
		}
		const result: FetchResult = { mode: 'orders', records: orders, skipped, stats: http.stats, truncated };
		if (tracker) result.state = truncated && !since ? { since: null, seen: {} } : tracker.next();
		return result;
	}

	// ---------------- customers ----------------
	const agg = new CustomerAggregator();
	const ids: string[] = [];
	const addContacts = (rows: Raw[]): boolean => {
		for (const r of rows) {
			const c = normalizeContact(r, extra, includeSource);
			if (!('customerId' in c)) {
				invalid('contact', c);
				continue;
			}
			if (agg.hasProfile(c.customerId)) continue;
			agg.addProfile(c);
			ids.push(c.customerId);
			if (ids.length >= maxRecords) {
				truncated = true;
				return true;
			}
		}
		return false;
	};
	const addDeals = (deals: Raw[], contactOf: (d: Raw) => string | null, only?: Set<string>) => {
		for (const d of deals) {
			const contact = contactOf(d);
			if (only && (!contact || !only.has(contact))) continue;
			const o = normalizeDeal(d, contact, config, includeSource);
			if (!('orderId' in o)) {
				if (o.reason !== 'deal has no associated contact') invalid('deal', o);
				continue;
			}
			agg.addOrder(o);
		}
	};
	/** Every deal of these contacts (associations, then the deals themselves). */
	const dealsOfContacts = async (contactIds: string[]) => {
		const assoc = await associations('contacts', 'deals', contactIds);
		const dealToContact = new Map<string, string>();
		for (const [contact, deals] of assoc) for (const d of deals) if (!dealToContact.has(d)) dealToContact.set(d, contact);
		const deals = await batchRead('deals', [...dealToContact.keys()], DEAL_PROPERTIES);
		// a deal shared by several contacts is credited to its first contact (as in full reads)
		const firstContact = await associations('deals', 'contacts', [...dealToContact.keys()]);
		addDeals(deals, (d) => firstContact.get(String(d.id))?.[0] ?? dealToContact.get(String(d.id)) ?? null, new Set(contactIds));
	};

	if (!since && maxRecords === Infinity) {
		await list('contacts', contactProps, undefined, (rows) => {
			addContacts(rows);
			if (tracker) for (const r of rows) tracker.note(`contact:${str(r.id)}`, isoOrNull(obj(r.properties)?.lastmodifieddate));
			return false;
		});
		await list('deals', DEAL_PROPERTIES, 'contacts', (rows) => {
			addDeals(rows, firstContactOf);
			if (tracker) for (const r of rows) tracker.note(`deal:${str(r.id)}`, isoOrNull(obj(r.properties)?.hs_lastmodifieddate));
			return false;
		});
	} else if (!since) {
		await list('contacts', contactProps, undefined, (rows) => addContacts(rows));
		await dealsOfContacts(ids);
	} else {
		const affected = new Set<string>();
		await searchChanged('contacts', 'lastmodifieddate', ['lastmodifieddate'], since, (r) => {
			const id = str(r.id);
			const at = isoOrNull(obj(r.properties)?.lastmodifieddate);
			if (!id) return;
			if (tracker) {
				if (tracker.alreadyDelivered(`contact:${id}`, at)) return;
				tracker.note(`contact:${id}`, at);
			}
			affected.add(id);
		});
		const changedDeals: string[] = [];
		await searchChanged('deals', 'hs_lastmodifieddate', ['hs_lastmodifieddate'], since, (r) => {
			const id = str(r.id);
			const at = isoOrNull(obj(r.properties)?.hs_lastmodifieddate);
			if (!id) return;
			if (tracker) {
				if (tracker.alreadyDelivered(`deal:${id}`, at)) return;
				tracker.note(`deal:${id}`, at);
			}
			changedDeals.push(id);
		});
		const dealContacts = await associations('deals', 'contacts', changedDeals);
		for (const list of dealContacts.values()) if (list[0]) affected.add(list[0]);
		let wanted = [...affected];
		if (wanted.length > maxRecords) {
			truncated = true;
			wanted = wanted.slice(0, maxRecords);
		}
		addContacts(await batchRead('contacts', wanted, contactProps));
		await dealsOfContacts(ids);
	}
	const records = ids.map((id) => agg.build(id)).filter((c): c is NormalizedCustomer => !!c);
	const result: FetchResult = { mode: 'customers', records, skipped, stats: http.stats, truncated };
	if (tracker) result.state = truncated ? { since: opts.incremental!.since, seen: { ...opts.incremental!.seen } } : tracker.next();
	return result;
}
