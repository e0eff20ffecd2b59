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
import { IncrementalTracker } from './incremental';
import { emptyCustomer, fromMinorUnits, latestIso, normEmail, roundMoney, str, upperOrNull } from './normalize';
import { readPages } from '../net/paging';
import { sourceHttp } from './request';
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

export async function fetchStripe(config: StripeConfig, opts: FetchOptions): Promise<FetchResult> {
	const base = config.baseUrl.replace(/\/+$/, '');
	const http = sourceHttp(opts, {
		service: 'Stripe',
		credential: 'Microsegments Stripe API',
		authHint: 'the secret key (sk_live_…) or a restricted key (rk_live_…) with Read access to Customers and Charges, and that it belongs to the right account and mode (live or test)',
		notFoundHint: 'Check the Base URL in the credential "Microsegments Stripe API" (https://api.stripe.com).',
		errorMessage: (b) => str(obj(obj(b)?.error)?.message) ?? undefined,
	});
	const limit = Math.max(1, Math.min(STRIPE_MAX_PAGE, Math.floor(opts.pageSize ?? STRIPE_MAX_PAGE)));
	const maxRecords = opts.maxRecords && opts.maxRecords > 0 ? opts.maxRecords : Infinity;
	const tracker = opts.incremental ? new IncrementalTracker(opts.incremental) : null;
	const since = latestIso(opts.since ?? null, tracker?.since ?? null);
	const sinceEpoch = since ? Math.floor(Date.parse(since) / 1000) : undefined;
	const skipped: SkippedRecord[] = [];
	const includeSource = !!opts.includeSource;
	let truncated = false;

	const invalid = (kind: string, s: SkippedRecord) => {
		if (opts.onInvalid === 'fail') throw new SourceError('invalidRecord', `Stripe ${kind} ${s.id}: ${s.reason}.`, { recordId: s.id });
		skipped.push(s);
	};

	/** Pages through a Stripe list (`starting_after` = the last id); `onPage` returns true to stop. */
	const list = (path: string, query: Record<string, string | number | undefined>, onPage: (rows: Raw[]) => boolean) =>
		readPages<string | undefined>({
			first: undefined,
			stats: http.stats,
			repeated: () => new SourceError('badResponse', 'Stripe said there are more records but the page has no last id.'),
			fetch: async (startingAfter) => {
				const res = await http.send(
					{ method: 'GET', url: `${base}/v1/${path}`, query: { limit, starting_after: startingAfter, ...query } },
					(r) => (r.status >= 500 && r.headers['stripe-should-retry'] === 'false' ? { error: new SourceError('server', `Stripe answered ${r.status} and asked not to retry.`, { status: r.status }) } : undefined),
				);
				tracker?.noteServerTime(res.headers['date'], http.clock.now());
				const body = obj(res.body);
				const data = body?.data;
				if (!body || body.object !== 'list' || !Array.isArray(data)) throw new SourceError('badResponse', `Stripe answered ${path} without a list.`);
				const rows = data.map((d) => obj(d) ?? {});
				const last = rows.length ? str(rows[rows.length - 1].id) : null;
				if (body.has_more === true && rows.length && !last) throw new SourceError('badResponse', 'Stripe said there are more records but the page has no last id.');
				return { rows, next: body.has_more === true && last ? last : undefined };
			},
			onPage: (rows) => {
				if (onPage(rows)) return true;
				http.log(`Stripe: ${path} page ${http.stats.pages}, ${http.stats.read} records read`);
				return false;
			},
		});
	const created = sinceEpoch !== undefined ? { 'created[gte]': sinceEpoch } : {};

	if (opts.mode === 'orders') {
		const orders: NormalizedOrder[] = [];
		const seen = new Set<string>();
		await list('charges', created, (rows) => {
			for (const raw of rows) {
				const o = normalizeStripeCharge(raw, includeSource);
				if (!('orderId' in o)) {
					invalid('charge', o);
					continue;
				}
				if (seen.has(o.orderId)) continue;
				seen.add(o.orderId);
				if (tracker) {
					if (tracker.alreadyDelivered(o.orderId, o.updatedAt)) continue;
					tracker.note(o.orderId, o.updatedAt);
				}
				orders.push(o);
				if (orders.length >= maxRecords) {
					truncated = true;
					return true;
				}
			}
			return false;
		});
		const result: FetchResult = { mode: 'orders', records: orders, skipped, stats: http.stats, truncated };
		// newest first: a run cut short has not seen older new charges, so it keeps the old cursor
		if (tracker) result.state = truncated ? { since: opts.incremental!.since, seen: { ...opts.incremental!.seen } } : tracker.next();
		return result;
	}

	const agg = new CustomerAggregator();
	const addCharges = (rows: Raw[]) => {
		for (const raw of rows) {
			const o = normalizeStripeCharge(raw, includeSource);
			if (!('orderId' in o)) {
				invalid('charge', o);
				continue;
			}
			if (!o.customerId.startsWith('cus_') && !str(raw.customer)) continue; // guest charge
			agg.addOrder(o);
		}
	};
	const ids: string[] = [];
	const addCustomers = (rows: Raw[]): boolean => {
		for (const raw of rows) {
			const c = normalizeStripeCustomer(raw, includeSource);
			if (!('customerId' in c)) {
				invalid('customer', c);
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

	if (!since && maxRecords === Infinity) {
		await list('customers', {}, (rows) => {
			addCustomers(rows);
			if (tracker) for (const r of rows) tracker.note(`customer:${str(r.id)}`, epochIso(r.created));
			return false;
		});
		await list('charges', {}, (rows) => {
			addCharges(rows);
			if (tracker) for (const r of rows) tracker.note(`charge:${str(r.id)}`, epochIso(r.created));
			return false;
		});
		const records = ids.map((id) => agg.build(id)).filter((c): c is NormalizedCustomer => !!c);
		const result: FetchResult = { mode: 'customers', records, skipped, stats: http.stats, truncated };
		if (tracker) result.state = tracker.next();
		return result;
	}

	// Trial run or changed since: pick the customers, then read each one's charges.
	const affected = new Set<string>();
	if (since) {
		await list('charges', created, (rows) => {
			for (const raw of rows) {
				const id = str(raw.id);
				const cus = str(raw.customer);
				if (!id || !cus) continue;
				if (tracker) {
					if (tracker.alreadyDelivered(`charge:${id}`, epochIso(raw.created))) continue;
					tracker.note(`charge:${id}`, epochIso(raw.created));
				}
				affected.add(cus);
			}
			return false;
		});
		await list('customers', created, (rows) => {
			for (const raw of rows) {
				const id = str(raw.id);
				if (!id) continue;
				if (tracker) {
					if (tracker.alreadyDelivered(`customer:${id}`, epochIso(raw.created))) continue;
					tracker.note(`customer:${id}`, epochIso(raw.created));
				}
				affected.add(id);
			}
			return false;
		});
		const wanted = [...affected];
		if (wanted.length > maxRecords) truncated = true;
		for (const id of wanted.slice(0, maxRecords === Infinity ? wanted.length : maxRecords)) {
			const res = await http.send({ method: 'GET', url: `${base}/v1/customers/${encodeURIComponent(id)}` });
			const raw = obj(res.body);
			if (raw && raw.deleted !== true) addCustomers([raw]);
		}
	} else {
		await list('customers', {}, (rows) => addCustomers(rows));
	}
	for (const id of ids) await list('charges', { customer: id }, (rows) => {
		addCharges(rows);
		return false;
	});
	const records = ids.map((id) => agg.build(id)).filter((c): c is NormalizedCustomer => !!c);
	const result: FetchResult = { mode: 'customers', records, skipped, stats: http.stats, truncated };
	if (tracker) result.state = truncated ? { since: opts.incremental!.since, seen: { ...opts.incremental!.seen } } : tracker.next();
	return result;
}
