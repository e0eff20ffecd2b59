/**
 * RFM scoring core: no n8n import. Two steps, both usable on their own:
 *   extractOrders / extractCustomers  records -> validated columnar rows + invalid-row reports
 *   scoreRfm                           rows -> per-customer recency/frequency/monetary, scores,
 *                                      segments, bin edges, summary, skip counts
 * Rules (documented in README "RFM Score"):
 * - A row whose status is in `excludedStatuses` (cancelled, voided...) is dropped.
 * - A row with a negative amount is a refund line: netted into the customer's monetary value, not
 *   an order, does not move recency. A positive row whose status is in `refundedStatuses` is an
 *   order refunded in full: dropped (neither frequency nor monetary).
 * - Frequency counts distinct order ids per customer (rows sharing an order id are line items of
 *   one order); without an order id each row is one order. Recency is from the latest order.
 * - Customers whose net monetary is <= 0 are kept with M = 1 (and left out of the monetary
 *   quantiles) or dropped and counted, per `nonPositiveMonetary`.
 */
import { DAY_MS, parseDate } from '../dates';
import { getPath, idString, parseAmount, resolveField, type Json } from '../fields';
import { binOf, quantileEdges } from '../stats';
import { compileMap, reachableSegments, type SegmentMap } from './segmentMaps';
import { CUSTOMER_FIELDS, DEFAULT_EXCLUDED_STATUSES, DEFAULT_REFUNDED_STATUSES, ORDER_FIELDS } from './fieldGuesses';

export type SkipReason =
	| 'missingCustomerId'
	| 'invalidDate'
	| 'invalidAmount'
	| 'invalidOrderCount'
	| 'excludedStatus'
	| 'refundedOrder'
	| 'otherCurrency'
	| 'outsideWindow'
	| 'afterReferenceDate'
	| 'noOrders'
	| 'nonPositiveMonetary';

export interface InvalidRow {
	itemIndex: number;
	field: string;
	reason: SkipReason;
	message: string;
}

export class RfmInputError extends Error {
	constructor(
		message: string,
		public readonly itemIndex?: number,
		public readonly description?: string,
	) {
		super(message);
		this.name = 'RfmInputError';
	}
}

export interface OrderMapping {
	customerId?: string;
	orderId?: string;
	date?: string;
	amount?: string;
	currency?: string;
	status?: string;
}

export interface CustomerMapping {
	customerId?: string;
	lastOrderDate?: string;
	ordersCount?: string;
	totalSpent?: string;
	currency?: string;
	firstOrderDate?: string;
}

/** Validated rows in columns; `customer` indexes `customerIds` (first-seen order). */
export interface RowSet {
	kind: 'orders' | 'customers';
	customerIds: string[];
	/** Source item index of each row. */
	itemIndex: Int32Array;
	customer: Int32Array;
	time: Float64Array;
	amount: Float64Array;
	/** customers mode: order count (orders mode: unused). */
	orderKey: Float64Array;
	/** customers mode: first order time (NaN when unknown). */
	firstTime?: Float64Array;
	currency: (string | undefined)[];
	/** orders mode: order id of each row (undefined: the row is its own order). */
	orderId: (string | undefined)[];
	/** Rows validated so far (arrays may be longer). */
	length: number;
	/** Rows dropped at extraction, by reason (status, invalid values when skipping). */
	skipped: Partial<Record<SkipReason, number>>;
	invalid: InvalidRow[];
	/** The fields actually read (after guessing), for the output's `fields` report. */
	fields: Record<string, string | undefined>;
	/** customers mode: item indexes of customers without orders, kept aside. */
	withoutOrders: number[];
}

export interface ExtractOptions {
	/** Skip (and count) invalid rows instead of reporting them as errors. */
	skipInvalid: boolean;
	excludedStatuses?: string[];
	refundedStatuses?: string[];
}

function bump(skipped: RowSet['skipped'], reason: SkipReason, by = 1) {
	skipped[reason] = (skipped[reason] ?? 0) + by;
}

function describe(value: unknown): string {
	if (value === undefined) return 'missing';
	if (value === null) return 'null';
	if (typeof value === 'string') return value.trim() === '' ? 'empty' : `"${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
	if (typeof value === 'number') return String(value);
	return typeof value;
}

function newRowSet(kind: RowSet['kind'], n: number, fields: RowSet['fields']): RowSet {
	return {
		kind,
		customerIds: [],
		itemIndex: new Int32Array(n),
		customer: new Int32Array(n),
		time: new Float64Array(n),
		amount: new Float64Array(n),
		orderKey: new Float64Array(n),
		currency: [],
		length: 0,
		orderId: [],
		skipped: {},
		invalid: [],
		fields,
		withoutOrders: [],
	};
}

/** Reads order records (one per order or order line). Invalid rows are reported, never thrown. */
export function extractOrders(records: readonly Json[], mapping: OrderMapping, options: ExtractOptions): RowSet {
	const f = {
		customerId: resolveField(records, mapping.customerId, ORDER_FIELDS.customerId),
		orderId: resolveField(records, mapping.orderId, ORDER_FIELDS.orderId),
		date: resolveField(records, mapping.date, ORDER_FIELDS.date),
		amount: resolveField(records, mapping.amount, ORDER_FIELDS.amount),
		currency: resolveField(records, mapping.currency, ORDER_FIELDS.currency),
		status: resolveField(records, mapping.status, ORDER_FIELDS.status),
	};
	if (records.length > 0) {
		const missing = (['customerId', 'date', 'amount'] as const).filter((k) => !f[k]);
		if (missing.length)
			throw new RfmInputError(
				`Could not find the ${missing.map((k) => ({ customerId: 'customer ID', date: 'order date', amount: 'amount' })[k]).join(', ')} field in the input`,
				undefined,
				`Set the field names under "Field Mapping". Fields tried: ${missing.map((k) => ORDER_FIELDS[k].join(', ')).join(' / ')}`,
			);
	}
	const excluded = new Set((options.excludedStatuses ?? DEFAULT_EXCLUDED_STATUSES).map((s) => s.trim().toLowerCase()));
	const refunded = new Set((options.refundedStatuses ?? DEFAULT_REFUNDED_STATUSES).map((s) => s.trim().toLowerCase()));
	const rows = newRowSet('orders', records.length, f);
	const customerIndex = new Map<string, number>();
	// order id -> (customer index, order key); an id reused by another customer gets its own key
	const statusClass = new Map<string, number>();
	const currencyNorm = new Map<string, string | undefined>();
	const cf = f.customerId as string;
	const df = f.date as string;
	const af = f.amount as string;
	const bad = (itemIndex: number, field: string, reason: SkipReason, message: string) => {
		if (options.skipInvalid) bump(rows.skipped, reason);
		else rows.invalid.push({ itemIndex, field, reason, message });
	};
	for (let i = 0; i < records.length; i++) {
		const rec = records[i];
		if (f.status) {
			const st = getPath(rec, f.status);
			if (typeof st === 'string' && st !== '') {
				let cls = statusClass.get(st);
				if (cls === undefined) {
					const s = st.trim().toLowerCase();
					cls = excluded.has(s) ? 1 : refunded.has(s) ? 2 : 0;
					statusClass.set(st, cls);
				}
				if (cls === 1) {
					bump(rows.skipped, 'excludedStatus');
					continue;
				}
				if (cls === 2) {
					const a = parseAmount(getPath(rec, af));
					if (!(a < 0)) {
						bump(rows.skipped, 'refundedOrder');
						continue;
					}
				}
			}
		}
		const rawId = getPath(rec, cf);
		const id = idString(rawId);
		if (id === undefined) {
			bad(i, cf, 'missingCustomerId', `Item ${i}: customer ID field "${cf}" is ${describe(rawId)}`);
			continue;
		}
		const rawDate = getPath(rec, df);
		const t = parseDate(rawDate);
		if (t === null) {
			bad(i, df, 'invalidDate', `Item ${i}: order date field "${df}" is ${describe(rawDate)}, not a date (ISO 8601, YYYYMMDD or epoch)`);
			continue;
		}
		const rawAmount = getPath(rec, af);
		const a = parseAmount(rawAmount);
		if (!Number.isFinite(a)) {
			bad(i, af, 'invalidAmount', `Item ${i}: amount field "${af}" is ${describe(rawAmount)}, not a number`);
			continue;
		}
		let c = customerIndex.get(id);
		if (c === undefined) {
			c = rows.customerIds.length;
			customerIndex.set(id, c);
			rows.customerIds.push(id);
		}
		const n = rows.length++;
		if (f.orderId && a >= 0) rows.orderId[n] = idString(getPath(rec, f.orderId));
		rows.itemIndex[n] = i;
		rows.customer[n] = c;
		rows.time[n] = t;
		rows.amount[n] = a;
		rows.orderKey[n] = -1;
		if (f.currency) {
			const cur = getPath(rec, f.currency);
			if (typeof cur === 'string') {
				let norm = currencyNorm.get(cur);
				if (norm === undefined && !currencyNorm.has(cur)) currencyNorm.set(cur, (norm = cur.trim() ? cur.trim().toUpperCase() : undefined));
				rows.currency[n] = norm;
			}
		}
	}
	return rows;
}

/** Reads customer records that carry their own aggregates (last order date, order count, total spent). */
export function extractCustomers(records: readonly Json[], mapping: CustomerMapping, options: ExtractOptions): RowSet {
	const f = {
		customerId: resolveField(records, mapping.customerId, CUSTOMER_FIELDS.customerId),
		lastOrderDate: resolveField(records, mapping.lastOrderDate, CUSTOMER_FIELDS.lastOrderDate),
		ordersCount: resolveField(records, mapping.ordersCount, CUSTOMER_FIELDS.ordersCount),
		totalSpent: resolveField(records, mapping.totalSpent, CUSTOMER_FIELDS.totalSpent),
		currency: resolveField(records, mapping.currency, CUSTOMER_FIELDS.currency),
		firstOrderDate: resolveField(records, mapping.firstOrderDate, CUSTOMER_FIELDS.firstOrderDate),
	};
	if (records.length > 0) {
		const names = { customerId: 'customer ID', lastOrderDate: 'last order date', ordersCount: 'order count', totalSpent: 'total spent' };
		const missing = (['customerId', 'lastOrderDate', 'ordersCount', 'totalSpent'] as const).filter((k) => !f[k]);
		if (missing.length)
			throw new RfmInputError(
				`Could not find the ${missing.map((k) => names[k]).join(', ')} field in the input`,
				undefined,
				`Set the field names under "Field Mapping". Fields tried: ${missing.map((k) => CUSTOMER_FIELDS[k].join(', ')).join(' / ')}`,
			);
	}
	const rows = newRowSet('customers', records.length, f);
	rows.firstTime = new Float64Array(records.length);
	const seen = new Map<string, number>();
	const bad = (itemIndex: number, field: string, reason: SkipReason, message: string) => {
		if (options.skipInvalid) bump(rows.skipped, reason);
		else rows.invalid.push({ itemIndex, field, reason, message });
	};
	for (let i = 0; i < records.length; i++) {
		const rec = records[i];
		const rawId = getPath(rec, f.customerId as string);
		const id = idString(rawId);
		if (id === undefined) {
			bad(i, f.customerId as string, 'missingCustomerId', `Item ${i}: customer ID field "${f.customerId}" is ${describe(rawId)}`);
			continue;
		}
		const rawCount = getPath(rec, f.ordersCount as string);
		const count = parseAmount(rawCount);
		if (!Number.isFinite(count) || count < 0 || !Number.isInteger(count)) {
			bad(i, f.ordersCount as string, 'invalidOrderCount', `Item ${i}: order count field "${f.ordersCount}" is ${describe(rawCount)}, not a whole number ≥ 0`);
			continue;
		}
		const rawDate = getPath(rec, f.lastOrderDate as string);
		if (count === 0) {
			rows.withoutOrders.push(i);
			continue;
		}
		const t = parseDate(rawDate);
		if (t === null) {
			bad(i, f.lastOrderDate as string, 'invalidDate', `Item ${i}: last order date field "${f.lastOrderDate}" is ${describe(rawDate)}, not a date (ISO 8601, YYYYMMDD or epoch)`);
			continue;
		}
		const rawSpent = getPath(rec, f.totalSpent as string);
		const spent = parseAmount(rawSpent);
		if (!Number.isFinite(spent)) {
			bad(i, f.totalSpent as string, 'invalidAmount', `Item ${i}: total spent field "${f.totalSpent}" is ${describe(rawSpent)}, not a number`);
			continue;
		}
		if (seen.has(id)) {
			const first = seen.get(id) as number;
			throw new RfmInputError(
				`Item ${i}: customer ID "${id}" appears twice (also item ${first})`,
				i,
				'In customers mode each item must be one customer. Remove duplicates first, or switch "Input" to Orders if the items are orders.',
			);
		}
		const c = rows.customerIds.length;
		seen.set(id, i);
		rows.customerIds.push(id);
		const n = rows.length++;
		rows.itemIndex[n] = i;
		rows.customer[n] = c;
		rows.time[n] = t;
		rows.amount[n] = spent;
		rows.orderKey[n] = count;
		rows.firstTime[n] = f.firstOrderDate ? (parseDate(getPath(rec, f.firstOrderDate)) ?? NaN) : NaN;
		if (f.currency) {
			const cur = getPath(rec, f.currency);
			rows.currency[n] = typeof cur === 'string' && cur.trim() ? cur.trim().toUpperCase() : undefined;
		}
	}
	return rows;
}

export type ReferenceDate = { kind: 'dayAfterLatest' } | { kind: 'now'; now: number } | { kind: 'fixed'; time: number };

/** Distinct orders in one customer's row list: rows without an id count one each. */
const scratch: string[] = [];
function distinctOrders(rows: RowSet, head: number, next: Int32Array): number {
	const ids = scratch;
	ids.length = 0;
	let count = 0;
	for (let i = head; i >= 0; i = next[i]) {
		if (rows.amount[i] < 0) continue;
		const id = rows.orderId[i];
		if (id === undefined) count++;
		else ids.push(id);
	}
	if (ids.length <= 24) {
		// small lists (the usual case): quadratic scan beats hashing
		for (let a = 0; a < ids.length; a++) {
			let dup = false;
			for (let b = 0; b < a; b++)
				if (ids[a] === ids[b]) {
					dup = true;
					break;
				}
			if (!dup) count++;
		}
		return count;
	}
	const distinct = new Set(ids).size;
	ids.length = 0;
	return count + distinct;
}

export interface ScoreOptions {
	bins: 3 | 4 | 5;
	scoring: 'quantiles' | 'thresholds';
	/** Ascending inner edges, bins-1 per dimension (recency in days). */
	thresholds?: { recency: number[]; frequency: number[]; monetary: number[] };
	reference: ReferenceDate;
	/** Only orders of the last N days before the reference date (0 = all). */
	windowDays?: number;
	nonPositiveMonetary: 'keepAsLowest' | 'drop';
	/** Keep only this currency when orders are in several (others skipped and counted). */
	keepCurrency?: string;
	map: SegmentMap;
}

export interface RfmCustomer {
	customerId: string;
	/** Item index of the latest order (orders) or of the customer item. */
	latestItemIndex: number;
	recencyDays: number;
	frequency: number;
	monetary: number;
	averageOrderValue: number;
	r: number;
	f: number;
	m: number;
	cell: string;
	score: number;
	segment: string;
	lastOrderTime: number;
	firstOrderTime: number;
	currency?: string;
}

export interface SegmentSummary {
	segment: string;
	customers: number;
	share: number;
	revenue: number;
	revenueShare: number;
	meanRecencyDays: number | null;
	meanFrequency: number | null;
	meanMonetary: number | null;
}

export interface RfmResult {
	customers: RfmCustomer[];
	/** Source item indexes of customers[k] (all its order rows, or the customer item), ascending. */
	itemIndexes: (k: number) => number[];
	referenceTime: number;
	bins: number;
	scoring: ScoreOptions['scoring'];
	/** Inner bin edges used per dimension (recency in days; R is reversed). */
	edges: { recency: number[]; frequency: number[]; monetary: number[] };
	/** Customers per score 1..bins per dimension (index 0 = score 1). */
	distribution: { r: number[]; f: number[]; m: number[] };
	segments: SegmentSummary[];
	skipped: Partial<Record<SkipReason, number>>;
	currency?: string;
}

function round(x: number, digits = 6): number {
	const p = 10 ** digits;
	return Math.round(x * p) / p;
}

function checkThresholds(name: string, t: number[] | undefined, bins: number): number[] {
	if (!t || t.length !== bins - 1 || t.some((x) => !Number.isFinite(x)))
		throw new RfmInputError(
			`Custom thresholds for ${name} need ${bins - 1} numbers for ${bins} scores (got ${t ? t.length : 0})`,
			undefined,
			`Example for ${name}: ${name === 'recency' ? '30, 90, 180, 365 (days)' : name === 'frequency' ? '1, 2, 3, 5 (orders)' : '50, 100, 250, 500 (money)'}`,
		);
	for (let i = 1; i < t.length; i++)
		if (!(t[i] > t[i - 1])) throw new RfmInputError(`Custom thresholds for ${name} must increase: ${t.join(', ')}`);
	return t;
}

/** Aggregates rows per customer, scores and segments them. Throws RfmInputError on configuration/data problems. */
export function scoreRfm(rows: RowSet, options: ScoreOptions): RfmResult {
	const skipped: RfmResult['skipped'] = { ...rows.skipped };
	const n = rows.length;
	const bins = options.bins;

	// Currency check
	const currencyCounts = new Map<string, number>();
	for (let i = 0; i < n; i++) {
		const c = rows.currency[i];
		if (c !== undefined) currencyCounts.set(c, (currencyCounts.get(c) ?? 0) + 1);
	}
	const keep = options.keepCurrency?.trim().toUpperCase() || undefined;
	if (currencyCounts.size > 1 && !keep) {
		const list = [...currencyCounts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
		throw new RfmInputError(
			`The ${rows.kind} are in ${list.length} currencies: ${list.map(([c, k]) => `${c} (${k})`).join(', ')}`,
			undefined,
			'Amounts in different currencies cannot be added up. Pick the currency to keep under Options > "Currency to Keep" (rows in other currencies are skipped and counted), or convert the amounts before this node.',
		);
	}
	const include = new Uint8Array(n);
	let latest = -Infinity;
	for (let i = 0; i < n; i++) {
		const c = rows.currency[i];
		if (keep && c !== undefined && c !== keep) {
			bump(skipped, 'otherCurrency');
			continue;
		}
		include[i] = 1;
		if (rows.kind === 'customers' || rows.amount[i] >= 0) if (rows.time[i] > latest) latest = rows.time[i];
	}
	const currency = keep ?? (currencyCounts.size === 1 ? [...currencyCounts.keys()][0] : undefined);

	let referenceTime: number;
	if (options.reference.kind === 'fixed') referenceTime = options.reference.time;
	else if (options.reference.kind === 'now') referenceTime = options.reference.now;
	else referenceTime = Number.isFinite(latest) ? latest + DAY_MS : 0;
	const windowStart = options.windowDays && options.windowDays > 0 ? referenceTime - options.windowDays * DAY_MS : -Infinity;

	// Aggregate
	const C = rows.customerIds.length;
	const last = new Float64Array(C).fill(-Infinity);
	const first = new Float64Array(C).fill(Infinity);
	const monetary = new Float64Array(C);
	const freq = new Float64Array(C);
	const latestRow = new Int32Array(C).fill(-1);
	const head = new Int32Array(C).fill(-1);
	const next = new Int32Array(n).fill(-1);
	let hasOrderIds = false;
	for (let i = 0; i < n; i++) {
		if (!include[i]) continue;
		const t = rows.time[i];
		if (t > referenceTime && options.reference.kind !== 'dayAfterLatest') {
			bump(skipped, 'afterReferenceDate');
			continue;
		}
		if (t < windowStart) {
			bump(skipped, 'outsideWindow');
			continue;
		}
		const c = rows.customer[i];
		next[i] = head[c];
		head[c] = i;
		const a = rows.amount[i];
		monetary[c] += a;
		if (rows.kind === 'customers') {
			freq[c] = rows.orderKey[i];
			last[c] = t;
			latestRow[c] = i;
			const ft = rows.firstTime ? rows.firstTime[i] : NaN;
			first[c] = Number.isFinite(ft) ? ft : NaN;
			continue;
		}
		if (a < 0) continue; // refund line: netted only
		freq[c]++;
		if (rows.orderId[i] !== undefined) hasOrderIds = true;
		if (t > last[c] || (t === last[c] && latestRow[c] < i)) {
			last[c] = t;
			latestRow[c] = i;
		}
		if (t < first[c]) first[c] = t;
	}

	// Frequency = distinct order ids among the customer's order rows (line items count once).
	if (hasOrderIds) for (let c = 0; c < C; c++) if (freq[c] > 1) freq[c] = distinctOrders(rows, head[c], next);

	// Customers that are scored
	const keepCustomer: number[] = [];
	const positive: boolean[] = [];
	for (let c = 0; c < C; c++) {
		if (head[c] < 0) continue; // every row filtered out: counted above
		if (freq[c] === 0) {
			bump(skipped, 'noOrders');
			continue;
		}
		if (!(monetary[c] > 0)) {
			if (options.nonPositiveMonetary === 'drop') {
				bump(skipped, 'nonPositiveMonetary');
				continue;
			}
			positive[keepCustomer.length] = false;
		} else positive[keepCustomer.length] = true;
		keepCustomer.push(c);
	}
	const K = keepCustomer.length;
	const rec = new Float64Array(K);
	const fr = new Float64Array(K);
	const mon = new Float64Array(K);
	const monPos: number[] = [];
	for (let k = 0; k < K; k++) {
		const c = keepCustomer[k];
		rec[k] = Math.floor((referenceTime - last[c]) / DAY_MS);
		fr[k] = freq[c];
		mon[k] = monetary[c];
		if (positive[k]) monPos.push(monetary[c]);
	}

	let edges: RfmResult['edges'];
	if (options.scoring === 'thresholds') {
		edges = {
			recency: checkThresholds('recency', options.thresholds?.recency, bins),
			frequency: checkThresholds('frequency', options.thresholds?.frequency, bins),
			monetary: checkThresholds('monetary', options.thresholds?.monetary, bins),
		};
	} else {
		edges = {
			recency: K ? quantileEdges(rec, bins).map((x) => round(x)) : [],
			frequency: K ? quantileEdges(fr, bins).map((x) => round(x)) : [],
			monetary: monPos.length ? quantileEdges(monPos, bins).map((x) => round(x)) : [],
		};
	}
	const segmentOf = compileMap(options.map, bins);
	const distribution = { r: new Array(bins).fill(0), f: new Array(bins).fill(0), m: new Array(bins).fill(0) };
	const customers: RfmCustomer[] = new Array(K);
	for (let k = 0; k < K; k++) {
		const c = keepCustomer[k];
		const r = bins + 1 - binOf(rec[k], edges.recency);
		const f = binOf(fr[k], edges.frequency);
		const m = positive[k] ? binOf(mon[k], edges.monetary) : 1;
		distribution.r[r - 1]++;
		distribution.f[f - 1]++;
		distribution.m[m - 1]++;
		const lr = latestRow[c];
		customers[k] = {
			customerId: rows.customerIds[c],
			latestItemIndex: rows.itemIndex[lr],
			recencyDays: rec[k],
			frequency: fr[k],
			monetary: round(mon[k], 4),
			averageOrderValue: round(mon[k] / fr[k], 4),
			r,
			f,
			m,
			cell: `${r}${f}${m}`,
			score: r + f + m,
			segment: segmentOf(r, f, m),
			lastOrderTime: last[c],
			firstOrderTime: first[c],
			currency: currency ?? rows.currency[lr],
		};
	}
	const itemIndexes = (k: number): number[] => {
		const out: number[] = [];
		for (let i = head[keepCustomer[k]]; i >= 0; i = next[i]) out.push(rows.itemIndex[i]);
		return out.reverse();
	};
	return {
		customers,
		itemIndexes,
		referenceTime,
		bins,
		scoring: options.scoring,
		edges,
		distribution,
		segments: summarize(customers, options.map, bins),
		skipped,
		currency,
	};
}

export function summarize(customers: readonly RfmCustomer[], map: SegmentMap, bins: number): SegmentSummary[] {
	const names = reachableSegments(map, bins);
	const acc = new Map<string, { n: number; rev: number; r: number; f: number; m: number }>();
	for (const name of names) acc.set(name, { n: 0, rev: 0, r: 0, f: 0, m: 0 });
	let total = 0;
	let revenue = 0;
	for (const c of customers) {
		let a = acc.get(c.segment);
		if (!a) acc.set(c.segment, (a = { n: 0, rev: 0, r: 0, f: 0, m: 0 }));
		a.n++;
		a.rev += c.monetary;
		a.r += c.recencyDays;
		a.f += c.frequency;
		a.m += c.monetary;
		total++;
		revenue += c.monetary;
	}
	return [...acc.entries()].map(([segment, a]) => ({
		segment,
		customers: a.n,
		share: total ? round(a.n / total, 6) : 0,
		revenue: round(a.rev, 2),
		revenueShare: revenue > 0 ? round(a.rev / revenue, 6) : 0,
		meanRecencyDays: a.n ? round(a.r / a.n, 2) : null,
		meanFrequency: a.n ? round(a.f / a.n, 4) : null,
		meanMonetary: a.n ? round(a.m / a.n, 2) : null,
	}));
}
