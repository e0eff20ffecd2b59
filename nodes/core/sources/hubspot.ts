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
import { emptyCustomer, isoOrNull, money, normEmail, roundMoney, str, upperOrNull } from './normalize';
import { readPages } from '../net/paging';
import { SlidingWindowLimiter } from '../net/rateLimit';
import { ReadRun } from './reading';
import { sourceHttp, type ResponseVerdict, type SourceHttp } from './request';
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

type Query = Record<string, string | number | undefined>;
type HubSpotObject = 'contacts' | 'deals';

/** HubSpot's 429: DAILY ends the read, the rolling / secondly windows are waited out. */
function hubspotVerdict(res: HttpResponse): ResponseVerdict | undefined {
	if (res.status !== 429) return undefined;
	const body = obj(res.body);
	const policy = String(body?.policyName ?? '').toUpperCase();
	if (policy === 'DAILY')
		return {
			error: new SourceError('rateLimit', "HubSpot's daily API limit for this app is used up. Try again tomorrow, or lower how often this workflow runs.", { status: 429 }),
		};
	const interval = Number(res.headers['x-hubspot-ratelimit-interval-milliseconds']);
	const waitMs = policy === 'SECONDLY' ? 1000 : Number.isFinite(interval) && interval > 0 ? interval : 10000;
	return { retry: true, throttle: true, waitMs };
}

function hubspotErrorMessage(b: unknown): string | undefined {
	const o = obj(b);
	if (!o) return undefined;
	const scopes = obj(obj(Array.isArray(o.errors) ? o.errors[0] : null)?.context)?.requiredGranularScopes;
	const msg = str(o.message);
	return msg ? msg + (Array.isArray(scopes) ? ` Required scopes: ${scopes.join(', ')}.` : '') : undefined;
}

function firstContactOf(deal: Raw): string | null {
	const results = obj(obj(deal.associations)?.contacts)?.results;
	if (!Array.isArray(results) || !results.length) return null;
	return str(obj(results[0])?.id);
}

/** A HubSpot read: the run's state, its client, HubSpot's two rate limits and its endpoints. */
class HubSpotRead {
	readonly http: SourceHttp;
	private readonly base: string;
	// Until the first answer says otherwise: unlimited, 10 s window; searches: 5 a second (one in reserve).
	private readonly limiter: SlidingWindowLimiter;
	private readonly searchLimiter: SlidingWindowLimiter;
	private readonly pageSize: number;
	readonly extra: string[];
	readonly contactProps: string[];

	constructor(
		readonly config: HubSpotConfig,
		readonly run: ReadRun,
	) {
		this.base = config.baseUrl.replace(/\/+$/, '');
		this.http = sourceHttp(run.opts, {
			service: 'HubSpot',
			credential: 'Microsegments HubSpot API',
			authHint: 'the private app access token, and that the app has the crm.objects.contacts.read and crm.objects.deals.read scopes',
			notFoundHint: 'Check the Base URL in the credential "Microsegments HubSpot API" (https://api.hubapi.com).',
			errorMessage: hubspotErrorMessage,
		});
		this.limiter = new SlidingWindowLimiter(Infinity, 10000, this.http.clock);
		this.searchLimiter = new SlidingWindowLimiter(4, 1000, this.http.clock);
		this.pageSize = Math.max(1, Math.min(HUBSPOT_MAX_PAGE, Math.floor(run.opts.pageSize ?? HUBSPOT_MAX_PAGE)));
		this.extra = (config.contactProperties ?? []).map((p) => p.trim()).filter(Boolean);
		this.contactProps = [...new Set([...CONTACT_PROPERTIES, ...this.extra])];
	}

	async call(method: 'GET' | 'POST', path: string, query?: Query, body?: unknown, search = false): Promise<Raw> {
		const { http, limiter } = this;
		const res = await http.send(
			{ method, url: `${this.base}${path}`, query, body },
			(r) => {
				if (!search) observeHubSpotLimits(limiter, r.headers, http.clock.now());
				return hubspotVerdict(r);
			},
			search ? this.searchLimiter : limiter,
		);
		this.run.tracker?.noteServerTime(res.headers['date'], http.clock.now());
		return obj(res.body) ?? {};
	}

	/** GET list paging (`after` cursors); returns when onPage says stop or there is no next page. */
	list(object: HubSpotObject, properties: string[], associations: string | undefined, onPage: (rows: Raw[]) => boolean | void): Promise<boolean> {
		const http = this.http;
		return readPages<string | undefined>({
			first: undefined,
			stats: http.stats,
			repeated: () => new SourceError('badResponse', 'HubSpot sent the same page cursor twice.'),
			fetch: async (after) => {
				const body = await this.call('GET', `/crm/v3/objects/${object}`, { limit: this.pageSize, after, properties: properties.join(','), associations, archived: 'false' });
				const rows = Array.isArray(body.results) ? body.results.map((r) => obj(r) ?? {}) : null;
				if (!rows) throw new SourceError('badResponse', `HubSpot answered ${object} without results.`);
				return { rows, next: str(obj(obj(body.paging)?.next)?.after) ?? undefined };
			},
			onPage: (rows) => {
				if (onPage(rows) === true) return true;
				http.log(`HubSpot: ${object} page ${http.stats.pages}, ${http.stats.read} records read`);
				return false;
			},
		});
	}

	/**
	 * Search by last-modified date, oldest first. HubSpot's search stops at 10,000 results: past it
	 * the search restarts from the latest change time seen (rows seen twice are dropped).
	 */
	searchChanged(object: HubSpotObject, property: string, properties: string[], from: string, onRow: (row: Raw) => void): Promise<boolean> {
		const seen = new Set<string>();
		const tooMany = () => new SourceError('badResponse', `More than ${HUBSPOT_SEARCH_CAP} HubSpot ${object} changed at the same instant; run without incremental mode.`);
		return readPages<{ gte: number; after?: string }>({
			first: { gte: Date.parse(from) },
			stats: this.http.stats,
			same: (a, b) => a.gte === b.gte && a.after === b.after,
			repeated: () => new SourceError('badResponse', 'HubSpot sent the same search cursor twice.'),
			fetch: async ({ gte, after }) => {
				const filterGroups = [{ filters: [{ propertyName: property, operator: 'GTE', value: String(gte) }] }];
				const sorts = [{ propertyName: property, direction: 'ASCENDING' }];
				const body = await this.call('POST', `/crm/v3/objects/${object}/search`, undefined, { filterGroups, sorts, properties, limit: HUBSPOT_SEARCH_PAGE, after }, true);
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
	}

	/** v4 batch association read: from ids → associated ids (every page of each). */
	async associations(from: HubSpotObject, to: HubSpotObject, ids: string[]): Promise<Map<string, string[]>> {
		const out = new Map<string, string[]>();
		for (let k = 0; k < ids.length; k += 100) {
			let inputs = ids.slice(k, k + 100).map((id) => ({ id }) as { id: string; after?: string });
			while (inputs.length) {
				const body = await this.call('POST', `/crm/v4/associations/${from}/${to}/batch/read`, undefined, { inputs });
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
	}

	async batchRead(object: HubSpotObject, ids: string[], properties: string[]): Promise<Raw[]> {
		const out: Raw[] = [];
		for (let k = 0; k < ids.length; k += 100) {
			const body = await this.call('POST', `/crm/v3/objects/${object}/batch/read`, { archived: 'false' }, { properties, inputs: ids.slice(k, k + 100).map((id) => ({ id })) });
			for (const r of Array.isArray(body.results) ? body.results : []) out.push(obj(r) ?? {});
			this.http.stats.read += Array.isArray(body.results) ? body.results.length : 0;
		}
		return out;
	}
}

export async function fetchHubSpot(config: HubSpotConfig, opts: FetchOptions): Promise<FetchResult> {
	const read = new HubSpotRead(config, new ReadRun(opts, 'HubSpot'));
	if (opts.mode === 'orders') return readDeals(read);
	const customers = new HubSpotCustomers(read);
	const run = read.run;
	if (run.since) await readChangedContacts(read, customers, run.since);
	else if (run.maxRecords === Infinity) await readAllContacts(read, customers);
	else {
		await read.list('contacts', read.contactProps, undefined, (rows) => customers.addContacts(rows));
		await customers.addDealsOf(customers.ids);
	}
	return run.result('customers', customers.build(), read.http.stats, run.truncated ? run.previousState() : undefined);
}

/** Orders mode: closed deals with their first contact (changed since: searched, then associated). */
async function readDeals(read: HubSpotRead): Promise<FetchResult> {
	const { run, config } = read;
	const tracker = run.tracker;
	const orders: NormalizedOrder[] = [];
	const seen = new Set<string>();
	const take = (deal: Raw, contactId: string | null): boolean => {
		const o = normalizeDeal(deal, contactId, config, run.includeSource);
		if (!('orderId' in o)) {
			run.invalid('deal', o);
			return false;
		}
		if (seen.has(o.orderId)) return false;
		seen.add(o.orderId);
		if (tracker) {
			if (tracker.alreadyDelivered(o.orderId, o.updatedAt)) return false;
			tracker.note(o.orderId, o.updatedAt);
		}
		orders.push(o);
		return orders.length >= run.maxRecords && (run.truncated = true);
	};
	if (!run.since) {
		await read.list('deals', DEAL_PROPERTIES, 'contacts', (rows) => rows.some((d) => take(d, firstContactOf(d))));
	} else {
		const deals: Raw[] = [];
		await read.searchChanged('deals', 'hs_lastmodifieddate', DEAL_PROPERTIES, run.since, (d) => deals.push(d));
		const assoc = await read.associations('deals', 'contacts', deals.map((d) => String(d.id)));
		for (const d of deals) if (take(d, assoc.get(String(d.id))?.[0] ?? null)) break;
	}
	return run.result('orders', orders, read.http.stats, run.truncated && !run.since ? { since: null, seen: {} } : undefined);
}

/** Customers: contacts with the totals of their deals. */
class HubSpotCustomers {
	private readonly agg = new CustomerAggregator();
	readonly ids: string[] = [];

	constructor(private readonly read: HubSpotRead) {}

	/** Adds contact profiles; true when the limit is reached. */
	addContacts(rows: Raw[]): boolean {
		const run = this.read.run;
		for (const r of rows) {
			const c = normalizeContact(r, this.read.extra, run.includeSource);
			if (!('customerId' in c)) {
				run.invalid('contact', c);
				continue;
			}
			if (this.agg.hasProfile(c.customerId)) continue;
			this.agg.addProfile(c);
			this.ids.push(c.customerId);
			if (this.ids.length >= run.maxRecords) return (run.truncated = true);
		}
		return false;
	}

	addDeals(deals: Raw[], contactOf: (d: Raw) => string | null, only?: Set<string>): void {
		for (const d of deals) {
			const contact = contactOf(d);
			if (only && (!contact || !only.has(contact))) continue;
			const o = normalizeDeal(d, contact, this.read.config, this.read.run.includeSource);
			if (!('orderId' in o)) {
				if (o.reason !== 'deal has no associated contact') this.read.run.invalid('deal', o);
				continue;
			}
			this.agg.addOrder(o);
		}
	}

	/** Every deal of these contacts (associations, then the deals themselves). */
	async addDealsOf(contactIds: string[]): Promise<void> {
		const read = this.read;
		const assoc = await read.associations('contacts', 'deals', contactIds);
		const dealToContact = new Map<string, string>();
		for (const [contact, deals] of assoc) for (const d of deals) if (!dealToContact.has(d)) dealToContact.set(d, contact);
		const deals = await read.batchRead('deals', [...dealToContact.keys()], DEAL_PROPERTIES);
		// a deal shared by several contacts is credited to its first contact (as in full reads)
		const firstContact = await read.associations('deals', 'contacts', [...dealToContact.keys()]);
		this.addDeals(deals, (d) => firstContact.get(String(d.id))?.[0] ?? dealToContact.get(String(d.id)) ?? null, new Set(contactIds));
	}

	build(): NormalizedCustomer[] {
		return this.ids.map((id) => this.agg.build(id)).filter((c): c is NormalizedCustomer => !!c);
	}
}

/** A full read: every contact, then every deal with its first contact. */
async function readAllContacts(read: HubSpotRead, customers: HubSpotCustomers): Promise<void> {
	const tracker = read.run.tracker;
	await read.list('contacts', read.contactProps, undefined, (rows) => {
		customers.addContacts(rows);
		if (tracker) for (const r of rows) tracker.note(`contact:${str(r.id)}`, isoOrNull(obj(r.properties)?.lastmodifieddate));
	});
	await read.list('deals', DEAL_PROPERTIES, 'contacts', (rows) => {
		customers.addDeals(rows, firstContactOf);
		if (tracker) for (const r of rows) tracker.note(`deal:${str(r.id)}`, isoOrNull(obj(r.properties)?.hs_lastmodifieddate));
	});
}

/** Changed since: contacts changed, and the first contacts of deals changed; then all their deals. */
async function readChangedContacts(read: HubSpotRead, customers: HubSpotCustomers, since: string): Promise<void> {
	const { run } = read;
	const fresh = (key: string, at: string | null) => {
		if (!run.tracker) return true;
		if (run.tracker.alreadyDelivered(key, at)) return false;
		run.tracker.note(key, at);
		return true;
	};
	const affected = new Set<string>();
	await read.searchChanged('contacts', 'lastmodifieddate', ['lastmodifieddate'], since, (r) => {
		const id = str(r.id);
		if (id && fresh(`contact:${id}`, isoOrNull(obj(r.properties)?.lastmodifieddate))) affected.add(id);
	});
	const changedDeals: string[] = [];
	await read.searchChanged('deals', 'hs_lastmodifieddate', ['hs_lastmodifieddate'], since, (r) => {
		const id = str(r.id);
		if (id && fresh(`deal:${id}`, isoOrNull(obj(r.properties)?.hs_lastmodifieddate))) changedDeals.push(id);
	});
	for (const list of (await read.associations('deals', 'contacts', changedDeals)).values()) if (list[0]) affected.add(list[0]);
	let wanted = [...affected];
	if (wanted.length > run.maxRecords) {
		run.truncated = true;
		wanted = wanted.slice(0, run.maxRecords);
	}
	customers.addContacts(await read.batchRead('contacts', wanted, read.contactProps));
	await customers.addDealsOf(customers.ids);
}
