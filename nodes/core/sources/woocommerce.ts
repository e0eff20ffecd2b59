/**
 * WooCommerce REST API v3 client. WooCommerce customers carry no spend or order count, so
 * customers are built from orders (see aggregate.ts).
 *
 * - `GET {site}/wp-json/wc/v3/orders|customers?per_page≤100&page=N&orderby=id&order=asc`: pages
 *   by number; `X-WP-TotalPages` says how many. Sorting by id keeps pages stable while the shop
 *   takes new orders (they land on the last page).
 * - Totals are strings; refunds (`refunds[].total`, negative strings) are netted; dates are read
 *   from the `_gmt` fields (the others are in the site's time zone).
 * - Statuses: completed/processing → paid (partially_refunded when refunds exist), pending/on-hold
 *   → pending, cancelled/trash → cancelled, refunded, failed; checkout drafts are not orders and
 *   are left out; an unknown (plugin) status counts as paid when the order has a paid date.
 * - Guest orders (customer_id 0) are keyed by the lower-cased billing email; with "merge guests"
 *   a guest order whose email belongs to a registered customer is credited to that customer.
 * - "Changed since" and incremental runs use `modified_after` with `dates_are_gmt=true`.
 * Authentication: consumer key/secret over HTTPS (Basic auth, added by the credential).
 */
import { CustomerAggregator } from './aggregate';
import { SourceError } from './errors';
import { emptyCustomer, isoOrNull, money, normEmail, roundMoney, str, upperOrNull } from './normalize';
import { readPages } from '../net/paging';
import { ReadRun } from './reading';
import { sourceHttp, type SourceHttp } from './request';
import type { FetchOptions, FetchResult, NormalizedCustomer, NormalizedOrder, OrderStatus, SkippedRecord } from './types';

export const WOO_MAX_PAGE = 100;

export interface WooConfig {
	/** Site URL, e.g. https://shop.example.com (WordPress home). */
	baseUrl: string;
	/** Credit guest orders to the registered customer with the same email (default true). */
	mergeGuestsByEmail?: boolean;
}

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : null);

/** WooCommerce `_gmt` dates have no offset: they are UTC. */
function gmt(value: unknown): string | null {
	const s = str(value);
	if (!s) return null;
	return isoOrNull(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
}

export function wooStatus(status: unknown, datePaid: unknown): OrderStatus | null {
	switch (String(status ?? '').toLowerCase()) {
		case 'completed':
		case 'processing':
			return 'paid';
		case 'pending':
		case 'on-hold':
			return 'pending';
		case 'cancelled':
		case 'trash':
			return 'cancelled';
		case 'refunded':
			return 'refunded';
		case 'failed':
			return 'failed';
		case 'checkout-draft':
		case 'draft':
		case 'auto-draft':
			return null;
		default:
			return datePaid ? 'paid' : 'pending';
	}
}

export function normalizeWooOrder(o: Raw, includeSource: boolean): NormalizedOrder | SkippedRecord | null {
	const orderId = str(o.id);
	if (!orderId) return { id: '(no id)', reason: 'order without id' };
	let status = wooStatus(o.status, o.date_paid_gmt ?? o.date_paid);
	if (status === null) return null;
	const createdAt = gmt(o.date_created_gmt) ?? isoOrNull(o.date_created);
	if (!createdAt) return { id: orderId, reason: 'date_created_gmt is missing or not a date' };
	const gross = money(o.total);
	if (Number.isNaN(gross)) return { id: orderId, reason: 'total is not a number' };
	let refunded = 0;
	if (Array.isArray(o.refunds))
		for (const r of o.refunds) {
			const v = money(obj(r)?.total);
			if (!Number.isNaN(v)) refunded += Math.abs(v);
		}
	const currency = upperOrNull(o.currency);
	if (!currency) return { id: orderId, reason: 'order has no currency' };
	const net = Math.max(0, gross - refunded);
	if (status === 'paid' && refunded > 0) status = net <= 0 ? 'refunded' : 'partially_refunded';
	const billing = obj(o.billing);
	const email = normEmail(billing?.email);
	const cid = Number(o.customer_id);
	const customerId = Number.isFinite(cid) && cid > 0 ? String(cid) : email;
	if (!customerId) return { id: orderId, reason: 'guest order without a billing email' };
	const out: NormalizedOrder = {
		customerId,
		orderId,
		createdAt,
		total: roundMoney(status === 'refunded' ? 0 : net, currency),
		currency,
		status,
	};
	if (email) out.email = email;
	const updatedAt = gmt(o.date_modified_gmt);
	if (updatedAt) out.updatedAt = updatedAt;
	if (includeSource) out.source = o;
	return out;
}

export function normalizeWooCustomer(c: Raw, includeSource: boolean): NormalizedCustomer | SkippedRecord {
	const id = str(c.id);
	if (!id) return { id: '(no id)', reason: 'customer without id' };
	const billing = obj(c.billing);
	const out = emptyCustomer(id);
	out.email = normEmail(c.email) ?? normEmail(billing?.email);
	out.firstName = str(c.first_name) ?? str(billing?.first_name);
	out.lastName = str(c.last_name) ?? str(billing?.last_name);
	out.phone = str(billing?.phone);
	out.country = upperOrNull(billing?.country) ?? upperOrNull(obj(c.shipping)?.country);
	out.createdAt = gmt(c.date_created_gmt) ?? isoOrNull(c.date_created);
	out.updatedAt = gmt(c.date_modified_gmt);
	if (includeSource) out.source = c;
	return out;
}

/** A guest "customer" from the billing block of their latest order. */
function guestProfile(order: Raw, customerId: string): NormalizedCustomer {
	const billing = obj(order.billing);
	const out = emptyCustomer(customerId);
	out.email = normEmail(billing?.email);
	out.firstName = str(billing?.first_name);
	out.lastName = str(billing?.last_name);
	out.phone = str(billing?.phone);
	out.country = upperOrNull(billing?.country);
	return out;
}

function wooErrorMessage(body: unknown): string | undefined {
	const b = obj(body);
	if (!b) return typeof body === 'string' && body.trim() && !body.trim().startsWith('<') ? body.slice(0, 200) : undefined;
	const code = str(b.code);
	const message = str(b.message);
	return message ? (code ? `${message} (${code})` : message) : undefined;
}

type Query = Record<string, string | number | undefined>;

/** A WooCommerce read: the run's state, its client and the site's list endpoints. */
class WooRead {
	readonly http: SourceHttp;
	private readonly base: string;
	private readonly perPage: number;
	readonly merge: boolean;

	constructor(
		config: WooConfig,
		readonly run: ReadRun,
	) {
		this.base = config.baseUrl.replace(/\/+$/, '');
		this.merge = config.mergeGuestsByEmail !== false;
		this.perPage = Math.max(1, Math.min(WOO_MAX_PAGE, Math.floor(run.opts.pageSize ?? WOO_MAX_PAGE)));
		this.http = sourceHttp(run.opts, {
			service: 'WooCommerce',
			credential: 'Microsegments WooCommerce API',
			authHint:
				'the consumer key (ck_…) and consumer secret (cs_…) from WooCommerce > Settings > Advanced > REST API, with Read permission, and that the site URL uses https',
			notFoundHint: `No WooCommerce REST API at ${this.base}/wp-json/wc/v3. Check the site URL in the credential "Microsegments WooCommerce API", that WooCommerce is active, and that WordPress permalinks are not set to "Plain".`,
			errorMessage: wooErrorMessage,
		});
	}

	get(path: string, query: Query) {
		return this.http.send({ method: 'GET', url: `${this.base}/wp-json/wc/v3/${path}`, query });
	}

	/** Pages by number until X-WP-TotalPages (or a short page); `onPage` returns true to stop. */
	loop(path: string, query: Query, onPage: (rows: Raw[]) => boolean | void): Promise<boolean> {
		const { http, run, perPage } = this;
		return readPages<number>({
			first: 1,
			stats: http.stats,
			repeated: () => new SourceError('badResponse', `WooCommerce repeated page numbers of ${path}.`),
			fetch: async (page) => {
				const res = await this.get(path, { ...query, per_page: perPage, page });
				run.tracker?.noteServerTime(res.headers['date'], http.clock.now());
				if (!Array.isArray(res.body))
					throw new SourceError('badResponse', `WooCommerce answered ${path} without a list (is the site URL the WordPress home?).`);
				const totalPages = Number(res.headers['x-wp-totalpages']);
				const last = Number.isFinite(totalPages) ? page >= totalPages : res.body.length < perPage;
				return { rows: res.body.map((r) => obj(r) ?? {}), next: last ? undefined : page + 1 };
			},
			onPage: (rows) => onPage(rows) === true,
		});
	}

	/**
	 * Orders by id, changed since the run's date: WooCommerce's modified_after is strictly after,
	 * so the window is widened by a second (the incremental tracker drops what the previous run
	 * already delivered).
	 */
	orderQuery(extra: Query = {}): Query {
		const since = this.run.since;
		const modifiedAfter = since ? new Date(Date.parse(since) - 1000).toISOString().replace(/\.\d{3}Z$/, '') : undefined;
		return { orderby: 'id', order: 'asc', ...(modifiedAfter ? { modified_after: modifiedAfter, dates_are_gmt: 'true' } : {}), ...extra };
	}

	/** Reads orders (deduplicated by id) and hands each normalized one with its raw record to `use`. */
	async readOrders(query: Query, use: (o: NormalizedOrder, raw: Raw) => boolean | void, seen = new Set<string>()): Promise<void> {
		await this.loop('orders', query, (rows) => {
			for (const raw of rows) {
				const n = normalizeWooOrder(raw, this.run.includeSource);
				if (n === null) continue;
				if (!('orderId' in n)) {
					this.run.invalid('order', n);
					continue;
				}
				if (seen.has(n.orderId)) continue;
				seen.add(n.orderId);
				if (use(n, raw) === true) return true;
			}
			this.http.log(`WooCommerce: orders page ${this.http.stats.pages}, ${seen.size} orders read`);
			return false;
		});
	}

	async customerIdByEmail(email: string): Promise<string | null> {
		const res = await this.get('customers', { email, role: 'all', per_page: 1 });
		const first = Array.isArray(res.body) ? obj(res.body[0]) : null;
		return first ? str(first.id) : null;
	}
}

export async function fetchWooCommerce(config: WooConfig, opts: FetchOptions): Promise<FetchResult> {
	const read = new WooRead(config, new ReadRun(opts, 'WooCommerce'));
	if (opts.mode === 'orders') return readWooOrders(read);
	if (read.run.since) return readChangedCustomers(read);
	if (read.run.maxRecords !== Infinity) return readTrialCustomers(read);
	return readAllCustomers(read);
}

/** Orders mode; guest orders are credited to the registered customer with the same email. */
async function readWooOrders(read: WooRead): Promise<FetchResult> {
	const { run, http } = read;
	const tracker = run.tracker;
	const orders: NormalizedOrder[] = [];
	const emailToCustomer = new Map<string, string>();
	await read.readOrders(read.orderQuery(), (o) => {
		if (tracker) {
			if (tracker.alreadyDelivered(o.orderId, o.updatedAt)) return false;
			tracker.note(o.orderId, o.updatedAt);
		}
		if (o.email && /^\d+$/.test(o.customerId) && !emailToCustomer.has(o.email)) emailToCustomer.set(o.email, o.customerId);
		orders.push(o);
		if (orders.length < run.maxRecords) return false;
		return (run.truncated = true);
	});
	if (read.merge) {
		const lookups = new Map<string, string | null>();
		for (const o of orders) {
			if (/^\d+$/.test(o.customerId) || !o.email) continue;
			let target = emailToCustomer.get(o.email) ?? null;
			if (!target && tracker) {
				// incremental runs see few orders: ask WooCommerce who owns the email
				if (!lookups.has(o.email)) lookups.set(o.email, await read.customerIdByEmail(o.email));
				target = lookups.get(o.email) ?? null;
			}
			if (target) o.customerId = target;
		}
	}
	return run.result('orders', orders, http.stats, run.truncated ? run.previousState() : undefined);
}

/** Customers built from profiles and orders (WooCommerce customers carry no totals). */
class WooCustomers {
	readonly agg = new CustomerAggregator();
	readonly emailToCustomer = new Map<string, string>();
	private readonly guestOrders: Array<{ o: NormalizedOrder; raw: Raw }> = [];

	constructor(private readonly read: WooRead) {}

	addOrder(o: NormalizedOrder, raw: Raw): void {
		if (/^\d+$/.test(o.customerId)) {
			if (o.email && !this.emailToCustomer.has(o.email)) this.emailToCustomer.set(o.email, o.customerId);
			this.agg.addOrder(o);
		} else this.guestOrders.push({ o, raw });
	}

	/** Guest orders: credited to the registered customer with their email, else a guest customer. */
	settleGuests(): void {
		const latestRaw = new Map<string, { t: number; raw: Raw }>();
		for (const { o, raw } of this.guestOrders) {
			const target = this.read.merge ? this.emailToCustomer.get(o.customerId) : undefined;
			if (target) {
				this.agg.addOrder({ ...o, customerId: target });
				continue;
			}
			this.agg.addOrder(o);
			const t = Date.parse(o.createdAt);
			const prev = latestRaw.get(o.customerId);
			if (!prev || t > prev.t) latestRaw.set(o.customerId, { t, raw });
		}
		for (const [id, { raw }] of latestRaw) if (!this.agg.hasProfile(id)) this.agg.addProfile(guestProfile(raw, id));
	}

	addProfiles(rows: Raw[]): void {
		for (const raw of rows) {
			const c = normalizeWooCustomer(raw, this.read.run.includeSource);
			if (!('customerId' in c)) {
				this.read.run.invalid('customer', c);
				continue;
			}
			this.agg.addProfile(c);
			if (c.email && !this.emailToCustomer.has(c.email)) this.emailToCustomer.set(c.email, c.customerId);
		}
	}

	/** The orders of one guest email (search), credited as a guest's. */
	private async readGuest(email: string): Promise<void> {
		await this.read.readOrders({ orderby: 'id', order: 'asc', search: email }, (o, raw) => {
			if (o.customerId === email) this.addOrder(o, raw);
		}, new Set());
	}

	/** Rebuilds registered customers (by id) and guests (by email) from all of their orders. */
	async rebuild(ids: string[], guests: Iterable<string>): Promise<NormalizedCustomer[]> {
		for (let k = 0; k < ids.length; k += 100) {
			const res = await this.read.get('customers', { include: ids.slice(k, k + 100).join(','), role: 'all', per_page: 100, orderby: 'include' });
			if (Array.isArray(res.body)) this.addProfiles(res.body.map((r) => obj(r) ?? {}));
		}
		const done = new Set<string>();
		for (const id of ids) {
			await this.read.readOrders({ orderby: 'id', order: 'asc', customer: id }, (o, raw) => this.addOrder(o, raw), new Set());
			const email = this.agg.build(id)?.email;
			if (this.read.merge && email && !done.has(email)) {
				done.add(email);
				await this.readGuest(email);
			}
		}
		const guestIds: string[] = [];
		for (const email of guests) {
			if (done.has(email)) continue;
			done.add(email);
			guestIds.push(email);
			await this.readGuest(email);
		}
		this.settleGuests();
		const out: NormalizedCustomer[] = [];
		for (const id of [...ids, ...guestIds]) {
			if (this.read.merge && this.emailToCustomer.has(id)) continue;
			const c = this.agg.build(id);
			if (c) out.push(c);
		}
		return out;
	}
}

/** Trial run: the first registered customers, each with the totals of all their orders. */
async function readTrialCustomers(read: WooRead): Promise<FetchResult> {
	const { run } = read;
	const ids: string[] = [];
	await read.loop('customers', { orderby: 'id', order: 'asc', role: 'all' }, (rows) => {
		for (const raw of rows) {
			const id = str(raw.id);
			if (id && ids.length < run.maxRecords) ids.push(id);
		}
		if (ids.length < run.maxRecords) return false;
		return (run.truncated = true);
	});
	const records = await new WooCustomers(read).rebuild(ids, []);
	return run.result('customers', records, read.http.stats, { since: null, seen: {} });
}

/** Full read: every registered customer, then every order. */
async function readAllCustomers(read: WooRead): Promise<FetchResult> {
	const { run, http } = read;
	const customers = new WooCustomers(read);
	let profiles = 0;
	await read.loop('customers', { orderby: 'id', order: 'asc', role: 'all' }, (rows) => {
		customers.addProfiles(rows);
		for (const raw of rows) {
			const id = str(raw.id);
			if (id) run.tracker?.note(`customer:${id}`, gmt(raw.date_created_gmt));
		}
		profiles += rows.length;
		http.log(`WooCommerce: customers page ${http.stats.pages}, ${profiles} customers read`);
	});
	await read.readOrders(read.orderQuery(), (o, raw) => {
		run.tracker?.note(`order:${o.orderId}`, o.updatedAt);
		customers.addOrder(o, raw);
	});
	customers.settleGuests();
	return run.result('customers', customers.agg.all(), http.stats);
}

/** The registered customers and guest emails touched by changed orders or newly registered. */
async function changedCustomers(read: WooRead): Promise<{ ids: Set<string>; guests: Set<string> }> {
	const { run } = read;
	const tracker = run.tracker;
	const ids = new Set<string>();
	const guests = new Set<string>();
	await read.readOrders(read.orderQuery(), (o) => {
		if (tracker) {
			if (tracker.alreadyDelivered(`order:${o.orderId}`, o.updatedAt)) return;
			tracker.note(`order:${o.orderId}`, o.updatedAt);
		}
		if (/^\d+$/.test(o.customerId)) ids.add(o.customerId);
		else guests.add(o.customerId);
	});
	await read.loop('customers', { orderby: 'registered_date', order: 'desc', role: 'all' }, (rows) => {
		for (const raw of rows) {
			const created = gmt(raw.date_created_gmt);
			const id = str(raw.id);
			if (!id || !created) continue;
			if (run.since && Date.parse(created) < Date.parse(run.since)) return true;
			if (tracker) {
				if (tracker.alreadyDelivered(`customer:${id}`, created)) continue;
				tracker.note(`customer:${id}`, created);
			}
			ids.add(id);
		}
		return false;
	});
	return { ids, guests };
}

/** Changed since a date / incremental: the touched customers, rebuilt from all of their orders. */
async function readChangedCustomers(read: WooRead): Promise<FetchResult> {
	const { run } = read;
	const { ids: affected, guests: affectedGuests } = await changedCustomers(read);
	const guests: string[] = [];
	for (const email of affectedGuests) {
		const owner = read.merge ? await read.customerIdByEmail(email) : null;
		if (owner) affected.add(owner);
		else guests.push(email);
	}
	const all = [...affected, ...guests];
	if (all.length > run.maxRecords) run.truncated = true;
	const kept = new Set(all.slice(0, run.maxRecords === Infinity ? all.length : run.maxRecords));
	const records = await new WooCustomers(read).rebuild(
		[...affected].filter((id) => kept.has(id)),
		guests.filter((g) => kept.has(g)),
	);
	return run.result('customers', records, read.http.stats, run.truncated ? run.previousState() : undefined);
}
