/**
 * Stripe client: customers and their charges.
 *
 * - `GET /v1/customers|charges?limit≤100&starting_after=<last id>` → `{object:"list", has_more,
 *   data}` (newest first); `created[gte]` for "changed since" and incremental runs.
 * - Amounts are in the currency's minor unit: divided by 100, by 1000 for three-decimal
 *   currencies (KWD, BHD...), and not at all for zero-decimal ones (JPY, KRW...). Refunds
 *   (`amount_refunded`) are netted.
 * - Status: succeeded → paid (partially_refunded / refunded by amount_refunded; pending while not
 *   captured), pending, failed.
 * - 429 `rate_limit` errors carry no Retry-After: retried with exponential backoff.
 * - Customers mode: Stripe Customer objects with the totals of their charges. Charges without a
 *   customer (guest checkouts) appear in orders mode, keyed by their billing / receipt email.
 * Stripe charges never change their `created` time, so incremental runs see new charges, not
 * refunds made later to old ones (use a full run to pick those up).
 */
import { CustomerAggregator } from './aggregate';
import { SourceError } from './errors';
import { emptyCustomer, fromMinorUnits, normEmail, roundMoney, str, upperOrNull } from './normalize';
import { readPages } from '../net/paging';
import { ReadRun } from './reading';
import { sourceHttp, type SourceHttp } from './request';
import type { FetchOptions, FetchResult, NormalizedCustomer, NormalizedOrder, OrderStatus, SkippedRecord } from './types';

export const STRIPE_MAX_PAGE = 100;

export interface StripeConfig {
	baseUrl: string;
}

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : null);

function epochIso(v: unknown): string | null {
	const n = Number(v);
	return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString() : null;
}

export function stripeChargeStatus(c: Raw): OrderStatus {
	const status = String(c.status ?? '');
	if (status === 'failed') return 'failed';
	if (status === 'pending') return 'pending';
	if (status !== 'succeeded') return 'pending';
	// an authorization that was never captured: released (refunded) = cancelled, else still pending
	if (c.captured === false) return c.refunded === true ? 'cancelled' : 'pending';
	const amount = Number(c.amount);
	const refunded = Number(c.amount_refunded ?? 0);
	if (c.refunded === true || (refunded > 0 && refunded >= amount)) return 'refunded';
	if (refunded > 0) return 'partially_refunded';
	return 'paid';
}

export function normalizeStripeCharge(c: Raw, includeSource: boolean): NormalizedOrder | SkippedRecord {
	const orderId = str(c.id);
	if (!orderId) return { id: '(no id)', reason: 'charge without id' };
	const currency = upperOrNull(c.currency);
	if (!currency) return { id: orderId, reason: 'charge has no currency' };
	const amount = Number(c.amount);
	if (!Number.isFinite(amount) || amount < 0) return { id: orderId, reason: 'amount is not a number' };
	const refunded = Number(c.amount_refunded ?? 0);
	const createdAt = epochIso(c.created);
	if (!createdAt) return { id: orderId, reason: 'created is not a timestamp' };
	const billing = obj(c.billing_details);
	const email = normEmail(billing?.email) ?? normEmail(c.receipt_email);
	const customerId = str(c.customer) ?? str(obj(c.customer)?.id) ?? email;
	if (!customerId) return { id: orderId, reason: 'charge has no customer and no email' };
	const status = stripeChargeStatus(c);
	const net = status === 'refunded' ? 0 : Math.max(0, amount - (Number.isFinite(refunded) ? refunded : 0));
	const o: NormalizedOrder = {
		customerId,
		orderId,
		createdAt,
		total: roundMoney(fromMinorUnits(net, currency), currency),
		currency,
		status,
		updatedAt: createdAt,
	};
	if (email) o.email = email;
	if (includeSource) o.source = c;
	return o;
}

export function normalizeStripeCustomer(c: Raw, includeSource: boolean): NormalizedCustomer | SkippedRecord {
	const id = str(c.id);
	if (!id) return { id: '(no id)', reason: 'customer without id' };
	const out = emptyCustomer(id);
	out.email = normEmail(c.email);
	const name = str(c.name);
	if (name) {
		const k = name.indexOf(' ');
		out.firstName = k > 0 ? name.slice(0, k) : name;
		out.lastName = k > 0 ? name.slice(k + 1).trim() || null : null;
	}
	out.phone = str(c.phone);
	out.country = upperOrNull(obj(c.address)?.country) ?? upperOrNull(obj(obj(c.shipping)?.address)?.country);
	out.createdAt = epochIso(c.created);
	out.currency = upperOrNull(c.currency);
	if (includeSource) out.source = c;
	return out;
}

type List = (path: string, query: Record<string, string | number | undefined>, onPage: (rows: Raw[]) => boolean | void) => Promise<boolean>;

interface StripeRead {
	run: ReadRun;
	http: SourceHttp;
	base: string;
	/** Pages through a Stripe list (`starting_after` = the last id); `onPage` returns true to stop. */
	list: List;
	/** `created[gte]` for "changed since" reads. */
	created: Record<string, number>;
}

function stripeList(http: SourceHttp, base: string, limit: number, run: ReadRun): List {
	return (path, query, onPage) =>
		readPages<string | undefined>({
			first: undefined,
			stats: http.stats,
			repeated: () => new SourceError('badResponse', 'Stripe said there are more records but the page has no last id.'),
			fetch: async (startingAfter) => {
				const res = await http.send(
					{ method: 'GET', url: `${base}/v1/${path}`, query: { limit, starting_after: startingAfter, ...query } },
					(r) => (r.status >= 500 && r.headers['stripe-should-retry'] === 'false' ? { error: new SourceError('server', `Stripe answered ${r.status} and asked not to retry.`, { status: r.status }) } : undefined),
				);
				run.tracker?.noteServerTime(res.headers['date'], http.clock.now());
				const body = obj(res.body);
				const data = body?.data;
				if (!body || body.object !== 'list' || !Array.isArray(data)) throw new SourceError('badResponse', `Stripe answered ${path} without a list.`);
				const rows = data.map((d) => obj(d) ?? {});
				const last = rows.length ? str(rows[rows.length - 1].id) : null;
				if (body.has_more === true && rows.length && !last) throw new SourceError('badResponse', 'Stripe said there are more records but the page has no last id.');
				return { rows, next: body.has_more === true && last ? last : undefined };
			},
			onPage: (rows) => {
				if (onPage(rows) === true) return true;
				http.log(`Stripe: ${path} page ${http.stats.pages}, ${http.stats.read} records read`);
				return false;
			},
		});
}

export async function fetchStripe(config: StripeConfig, opts: FetchOptions): Promise<FetchResult> {
	const base = config.baseUrl.replace(/\/+$/, '');
	const run = new ReadRun(opts, 'Stripe');
	const http = sourceHttp(opts, {
		service: 'Stripe',
		credential: 'Microsegments Stripe API',
		authHint: 'the secret key (sk_live_…) or a restricted key (rk_live_…) with Read access to Customers and Charges, and that it belongs to the right account and mode (live or test)',
		notFoundHint: 'Check the Base URL in the credential "Microsegments Stripe API" (https://api.stripe.com).',
		errorMessage: (b) => str(obj(obj(b)?.error)?.message) ?? undefined,
	});
	const limit = Math.max(1, Math.min(STRIPE_MAX_PAGE, Math.floor(opts.pageSize ?? STRIPE_MAX_PAGE)));
	const sinceEpoch = run.since ? Math.floor(Date.parse(run.since) / 1000) : undefined;
	const read: StripeRead = { run, http, base, list: stripeList(http, base, limit, run), created: sinceEpoch !== undefined ? { 'created[gte]': sinceEpoch } : {} };
	if (opts.mode === 'orders') return readCharges(read);
	if (!run.since && run.maxRecords === Infinity) return readAllCustomers(read);
	return readSomeCustomers(read);
}

/** Orders mode: every charge (changed since), newest first. */
async function readCharges({ run, http, list, created }: StripeRead): Promise<FetchResult> {
	const orders: NormalizedOrder[] = [];
	const seen = new Set<string>();
	const tracker = run.tracker;
	await list('charges', created, (rows) => {
		for (const raw of rows) {
			const o = normalizeStripeCharge(raw, run.includeSource);
			if (!('orderId' in o)) {
				run.invalid('charge', o);
				continue;
			}
			if (seen.has(o.orderId)) continue;
			seen.add(o.orderId);
			if (tracker) {
				if (tracker.alreadyDelivered(o.orderId, o.updatedAt)) continue;
				tracker.note(o.orderId, o.updatedAt);
			}
			orders.push(o);
			if (orders.length >= run.maxRecords) return (run.truncated = true);
		}
		return false;
	});
	// newest first: a run cut short has not seen older new charges, so it keeps the old cursor
	return run.result('orders', orders, http.stats, run.truncated ? run.previousState() : undefined);
}

/** Customers built from their profiles and the totals of their charges. */
class StripeCustomers {
	private readonly agg = new CustomerAggregator();
	readonly ids: string[] = [];

	constructor(private readonly run: ReadRun) {}

	/** Adds charges of registered customers (guest charges have no Stripe customer). */
	addCharges(rows: Raw[]): void {
		for (const raw of rows) {
			const o = normalizeStripeCharge(raw, this.run.includeSource);
			if (!('orderId' in o)) {
				this.run.invalid('charge', o);
				continue;
			}
			if (!o.customerId.startsWith('cus_') && !str(raw.customer)) continue; // guest charge
			this.agg.addOrder(o);
		}
	}

	/** Adds profiles; true when the limit is reached. */
	addCustomers(rows: Raw[]): boolean {
		for (const raw of rows) {
			const c = normalizeStripeCustomer(raw, this.run.includeSource);
			if (!('customerId' in c)) {
				this.run.invalid('customer', c);
				continue;
			}
			if (this.agg.hasProfile(c.customerId)) continue;
			this.agg.addProfile(c);
			this.ids.push(c.customerId);
			if (this.ids.length >= this.run.maxRecords) return (this.run.truncated = true);
		}
		return false;
	}

	build(): NormalizedCustomer[] {
		return this.ids.map((id) => this.agg.build(id)).filter((c): c is NormalizedCustomer => !!c);
	}
}

/** A full read: every customer, then every charge (two list walks). */
async function readAllCustomers({ run, http, list }: StripeRead): Promise<FetchResult> {
	const customers = new StripeCustomers(run);
	const tracker = run.tracker;
	await list('customers', {}, (rows) => {
		customers.addCustomers(rows);
		if (tracker) for (const r of rows) tracker.note(`customer:${str(r.id)}`, epochIso(r.created));
	});
	await list('charges', {}, (rows) => {
		customers.addCharges(rows);
		if (tracker) for (const r of rows) tracker.note(`charge:${str(r.id)}`, epochIso(r.created));
	});
	return run.result('customers', customers.build(), http.stats);
}

/** The ids of customers with a charge or a profile changed since, new to this run. */
async function changedCustomerIds({ run, list, created }: StripeRead): Promise<string[]> {
	const affected = new Set<string>();
	const tracker = run.tracker;
	const fresh = (key: string, created: unknown) => {
		if (!tracker) return true;
		if (tracker.alreadyDelivered(key, epochIso(created))) return false;
		tracker.note(key, epochIso(created));
		return true;
	};
	await list('charges', created, (rows) => {
		for (const raw of rows) {
			const id = str(raw.id);
			const cus = str(raw.customer);
			if (id && cus && fresh(`charge:${id}`, raw.created)) affected.add(cus);
		}
	});
	await list('customers', created, (rows) => {
		for (const raw of rows) {
			const id = str(raw.id);
			if (id && fresh(`customer:${id}`, raw.created)) affected.add(id);
		}
	});
	return [...affected];
}

/** A trial run (a limit) or changed since: pick the customers, then read each one's charges. */
async function readSomeCustomers(read: StripeRead): Promise<FetchResult> {
	const { run, http, base, list } = read;
	const customers = new StripeCustomers(run);
	if (run.since) {
		const wanted = await changedCustomerIds(read);
		if (wanted.length > run.maxRecords) run.truncated = true;
		for (const id of wanted.slice(0, run.maxRecords === Infinity ? wanted.length : run.maxRecords)) {
			const res = await http.send({ method: 'GET', url: `${base}/v1/customers/${encodeURIComponent(id)}` });
			const raw = obj(res.body);
			if (raw && raw.deleted !== true) customers.addCustomers([raw]);
		}
	} else {
		await list('customers', {}, (rows) => customers.addCustomers(rows));
	}
	for (const id of customers.ids) await list('charges', { customer: id }, (rows) => customers.addCharges(rows));
	return run.result('customers', customers.build(), http.stats, run.truncated ? run.previousState() : undefined);
}
