/**
 * RFM scoring core: no n8n import. Two steps, both usable on their own:
 *   extractOrders / extractCustomers  records -> validated columnar rows + invalid-row reports
 *   scoreRfm                           rows -> per-customer recency/frequency/monetary, scores,
 *                                      segments, bin edges, summary, skip counts
 * Rules (documented in docs/nodes/RfmScore.md):
 * - A row whose status is in `excludedStatuses` (cancelled, voided...) is dropped.
 * - A row with a negative amount is a refund line: netted into the customer's monetary value, not
 *   an order, does not move recency. A positive row whose status is in `refundedStatuses` is an
 *   order refunded in full: dropped (neither frequency nor monetary).
 * - Frequency counts distinct order ids per customer (rows sharing an order id are line items of
 *   one order); without an order id each row is one order. Recency is from the latest order.
 * - Customers whose net monetary is <= 0 are kept with M = 1 (and left out of the monetary
 *   quantiles) or dropped and counted, per `nonPositiveMonetary`.
 */
import { DAY_MS, dateProblem, parseDate, type DateFormat } from '../dates';
import { MAX_AMOUNT, amountCurrency, amountProblem, getPath, idString, parseAmount, resolveField, type Json } from '../fields';
import { binOf, quantileEdges } from '../stats';
import { StringKeyTable } from '../stringKeys';
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
	/** Currency of each row as a code: 0 = none, c = currencies[c - 1]. */
	currencyCode: Uint16Array;
	/** Distinct currencies (trimmed, upper case) in first-seen order. */
	currencies: string[];
	/**
	 * orders mode: 31-bit hash of each row's order id (>= 0), -1 for an order row without an id
	 * (its own order), -2 for a refund line. Equal ids have equal hashes; distinct ids are told
	 * apart by comparing `orderIdAt` only when hashes collide.
	 */
	orderHash: Int32Array;
	/** orders mode: order id of a row, read again from its record (only needed on hash collisions). */
	orderIdAt: (row: number) => string | undefined;
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
	/** How date fields are read (default 'auto', see nodes/core/dates.ts). */
	dateFormat?: DateFormat;
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

/** `Item 3: amount field "total" is "abc", not a number` (empty and missing values need no reason). */
function amountMessage(itemIndex: number, label: string, field: string, raw: unknown): string {
	const shown = describe(raw);
	const blank = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
	return `Item ${itemIndex}: ${label} field "${field}" is ${shown}${blank ? '' : `, ${amountProblem(raw)}`}`;
}

function dateMessage(itemIndex: number, label: string, field: string, raw: unknown, format: DateFormat): string {
	return `Item ${itemIndex}: ${label} field "${field}" is ${describe(raw)}, ${dateProblem(raw, format)}`;
}

/** A parsed amount inside ±MAX_AMOUNT (false for NaN and infinities). */
const inRange = (a: number) => a >= -MAX_AMOUNT && a <= MAX_AMOUNT;

function newRowSet(kind: RowSet['kind'], n: number, fields: RowSet['fields']): RowSet {
	return {
		kind,
		customerIds: [],
		itemIndex: new Int32Array(n),
		customer: new Int32Array(n),
		time: new Float64Array(n),
		amount: new Float64Array(n),
		orderKey: new Float64Array(kind === 'customers' ? n : 0),
		currencyCode: new Uint16Array(n),
		currencies: [],
		length: 0,
		orderIdAt: () => undefined,
		orderHash: new Int32Array(kind === 'orders' ? n : 0),
		skipped: {},
		invalid: [],
		fields,
		withoutOrders: [],
	};
}

/** The id at `path` as idString reads it. */
function readId(rec: unknown, path: string): string | undefined {
	const v = getPath(rec, path);
	return typeof v === 'string' && isPlainId(v) ? v : idString(v);
}

/** A non-empty string that idString would keep as it is (printable ASCII at both ends: nothing to trim). */
function isPlainId(s: string): boolean {
	const n = s.length;
	if (n === 0) return false;
	const a = s.charCodeAt(0);
	const b = s.charCodeAt(n - 1);
	return a > 32 && a < 127 && b > 32 && b < 127;
}

/** FNV-1a over UTF-16 code units, as a non-negative 31-bit integer. */
function hashString(s: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
	return h >>> 1;
}

/** Interns currency strings (raw value -> code), remembering the last raw value for speed. */
class CurrencyCodes {
	private readonly byRaw = new Map<string, number>();
	private readonly byNorm = new Map<string, number>();
	private lastRaw: string | undefined;
	private lastCode = 0;
	constructor(private readonly list: string[]) {}
	/** 0 when the value is not a non-blank string. */
	code(raw: unknown): number {
		if (typeof raw !== 'string') return 0;
		if (raw === this.lastRaw) return this.lastCode;
		let code = this.byRaw.get(raw);
		if (code === undefined) {
			const norm = raw.trim().toUpperCase();
			if (norm === '') code = 0;
			else {
				code = this.byNorm.get(norm);
				if (code === undefined) {
					this.list.push(norm);
					code = this.list.length;
					if (code > 0xffff) throw new RfmInputError('More than 65,535 different currency values in the input');
					this.byNorm.set(norm, code);
				}
			}
			this.byRaw.set(raw, code);
		}
		this.lastRaw = raw;
		this.lastCode = code;
		return code;
	}
}

/** What readOrderRows needs besides the records and the row set. */
interface OrderReadContext {
	cf: string;
	df: string;
	af: string;
	sf: string | undefined;
	of: string | undefined;
	yf: string | undefined;
	excluded: Set<string>;
	refunded: Set<string>;
	customerIndex: StringKeyTable;
	statusClass: Map<string, number>;
	currencies: CurrencyCodes;
	dateFormat: DateFormat;
	bad: (itemIndex: number, field: string, reason: SkipReason, message: string) => void;
}

/** The hot loop of extractOrders, in a function of its own so that V8 optimizes it on its own. */
function readOrderRows(records: readonly Json[], rows: RowSet, ctx: OrderReadContext): number {
	const { cf, df, af, sf, of, yf, excluded, refunded, customerIndex, statusClass, currencies, dateFormat, bad } = ctx;
	const { itemIndex, customer, time, amount, currencyCode, orderHash } = rows;
	// The loop below is the hot path (millions of rows): plain fields are read with a property
	// access and plain ids taken as they are, without calls; anything else goes through the
	// general readers. Exports usually repeat the same status (and customer, on consecutive line
	// items): the last one is remembered.
	const plain = (path: string | undefined) => path !== undefined && !path.includes('.');
	const cfPlain = plain(cf);
	const dfPlain = plain(df);
	const afPlain = plain(af);
	const sfPlain = plain(sf);
	const ofPlain = plain(of);
	const yfPlain = plain(yf);
	let lastStatus: string | undefined;
	let lastClass = 0;
	let lastId: string | undefined;
	let lastCustomer = -1;
	let n = 0;
	for (let i = 0; i < records.length; i++) {
		const rec = records[i];
		const isObject = typeof rec === 'object' && rec !== null;
		if (sf) {
			const st = isObject && sfPlain ? rec[sf] : getPath(rec, sf);
			if (typeof st === 'string' && st !== '') {
				let cls: number;
				if (st === lastStatus) cls = lastClass;
				else {
					let known = statusClass.get(st);
					if (known === undefined) {
						const s = st.trim().toLowerCase();
						known = excluded.has(s) ? 1 : refunded.has(s) ? 2 : 0;
						statusClass.set(st, known);
					}
					cls = known;
					lastStatus = st;
					lastClass = known;
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
		const rawId = isObject && cfPlain ? rec[cf] : getPath(rec, cf);
		const id = typeof rawId === 'string' && (rawId === lastId || isPlainId(rawId)) ? rawId : idString(rawId);
		if (id === undefined) {
			bad(i, cf, 'missingCustomerId', `Item ${i}: customer ID field "${cf}" is ${describe(rawId)}`);
			continue;
		}
		const rawDate = isObject && dfPlain ? rec[df] : getPath(rec, df);
		const t = parseDate(rawDate, dateFormat);
		if (t === null) {
			bad(i, df, 'invalidDate', dateMessage(i, 'order date', df, rawDate, dateFormat));
			continue;
		}
		const rawAmount = isObject && afPlain ? rec[af] : getPath(rec, af);
		const a = typeof rawAmount === 'number' ? rawAmount : parseAmount(rawAmount);
		if (!inRange(a)) {
			bad(i, af, 'invalidAmount', amountMessage(i, 'amount', af, rawAmount));
			continue;
		}
		let c: number;
		if (id === lastId) c = lastCustomer;
		else {
			c = customerIndex.intern(id);
			lastId = id;
			lastCustomer = c;
		}
		if (a < 0) orderHash[n] = -2;
		else if (of) {
			const rawOid = isObject && ofPlain ? rec[of] : getPath(rec, of);
			const oid = typeof rawOid === 'string' && isPlainId(rawOid) ? rawOid : idString(rawOid);
			orderHash[n] = oid === undefined ? -1 : hashString(oid);
		} else orderHash[n] = -1;
		itemIndex[n] = i;
		customer[n] = c;
		time[n] = t;
		amount[n] = a;
		if (yf) currencyCode[n] = currencies.code(isObject && yfPlain ? rec[yf] : getPath(rec, yf));
		else if (typeof rawAmount === 'string') currencyCode[n] = currencies.code(amountCurrency(rawAmount));
		n++;
	}
	return n;
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
	// customer id -> index in first-seen order (rows.customerIds); sized for up to one customer
	// every 6 rows (typical shops have 5-10 orders per customer), so that it seldom grows
	const customerIndex = new StringKeyTable(Math.ceil(records.length / 6));
	rows.customerIds = customerIndex.keys;
	const statusClass = new Map<string, number>();
	const currencies = new CurrencyCodes(rows.currencies);
	const cf = f.customerId as string;
	const df = f.date as string;
	const af = f.amount as string;
	const sf = f.status;
	const of = f.orderId;
	const yf = f.currency;
	const { itemIndex } = rows;
	if (of) rows.orderIdAt = (row) => readId(records[itemIndex[row]], of);
	const bad = (itemIndex: number, field: string, reason: SkipReason, message: string) => {
		if (options.skipInvalid) bump(rows.skipped, reason);
		else rows.invalid.push({ itemIndex, field, reason, message });
	};
	const dateFormat = options.dateFormat ?? 'auto';
	rows.length = readOrderRows(records, rows, { cf, df, af, sf, of, yf, excluded, refunded, customerIndex, statusClass, currencies, dateFormat, bad });
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
	const currencies = new CurrencyCodes(rows.currencies);
	const seen = new Map<string, number>();
	const dateFormat = options.dateFormat ?? 'auto';
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
		const t = parseDate(rawDate, dateFormat);
		if (t === null) {
			bad(i, f.lastOrderDate as string, 'invalidDate', dateMessage(i, 'last order date', f.lastOrderDate as string, rawDate, dateFormat));
			continue;
		}
		const rawSpent = getPath(rec, f.totalSpent as string);
		const spent = parseAmount(rawSpent);
		if (!inRange(spent)) {
			bad(i, f.totalSpent as string, 'invalidAmount', amountMessage(i, 'total spent', f.totalSpent as string, rawSpent));
			continue;
		}
		let first = NaN;
		if (f.firstOrderDate) {
			const rawFirst = getPath(rec, f.firstOrderDate);
			const blank = rawFirst === undefined || rawFirst === null || rawFirst === '';
			const ft = blank ? null : parseDate(rawFirst, dateFormat);
			if (!blank && ft === null) {
				bad(i, f.firstOrderDate, 'invalidDate', dateMessage(i, 'first order date', f.firstOrderDate, rawFirst, dateFormat));
				continue;
			}
			first = ft ?? NaN;
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
		rows.firstTime[n] = first;
		if (f.currency) rows.currencyCode[n] = currencies.code(getPath(rec, f.currency));
		else rows.currencyCode[n] = currencies.code(amountCurrency(rawSpent));
	}
	return rows;
}

/** Customers given as columns (a customer table): what extractCustomers reads from items. */
export interface CustomerColumnsInput {
	customerId: ArrayLike<string | null>;
	/** UTC milliseconds, NaN when unknown. */
	lastOrderTime: ArrayLike<number>;
	ordersCount: ArrayLike<number>;
	totalSpent: ArrayLike<number>;
	currency?: ArrayLike<string | null>;
	firstOrderTime?: ArrayLike<number>;
	/** Column names, for messages and the `fields` report. */
	names: { customerId: string; lastOrderDate: string; ordersCount: string; totalSpent: string; currency?: string; firstOrderDate?: string };
	count: number;
	/**
	 * The ids are known to be distinct (customers aggregated from orders, one row per id): the
	 * duplicate check is left out. Any other input is checked: a repeated id is an error.
	 */
	uniqueIds?: boolean;
}

/**
 * extractCustomers for customers held in columns (row k = item k): the same checks and the same
 * RowSet, without an object per customer.
 */
export function extractCustomerColumns(cols: CustomerColumnsInput, options: ExtractOptions): RowSet {
	const { names, count: n } = cols;
	const fields = { customerId: names.customerId, lastOrderDate: names.lastOrderDate, ordersCount: names.ordersCount, totalSpent: names.totalSpent, currency: names.currency, firstOrderDate: names.firstOrderDate };
	const rows = newRowSet('customers', n, fields);
	rows.firstTime = new Float64Array(n);
	const currencies = new CurrencyCodes(rows.currencies);
	const seen = cols.uniqueIds ? undefined : new Map<string, number>();
	const bad = (itemIndex: number, field: string, reason: SkipReason, message: string) => {
		if (options.skipInvalid) bump(rows.skipped, reason);
		else rows.invalid.push({ itemIndex, field, reason, message });
	};
	for (let i = 0; i < n; i++) {
		const raw = cols.customerId[i];
		const id = typeof raw === 'string' && isPlainId(raw) ? raw : idString(raw);
		if (id === undefined) {
			bad(i, names.customerId, 'missingCustomerId', `Item ${i}: customer ID field "${names.customerId}" is ${describe(cols.customerId[i])}`);
			continue;
		}
		const count = cols.ordersCount[i];
		if (!(count >= 0) || !Number.isInteger(count)) {
			bad(i, names.ordersCount, 'invalidOrderCount', `Item ${i}: order count field "${names.ordersCount}" is ${describe(Number.isNaN(count) ? null : count)}, not a whole number ≥ 0`);
			continue;
		}
		if (count === 0) {
			rows.withoutOrders.push(i);
			continue;
		}
		const t = cols.lastOrderTime[i];
		if (!Number.isFinite(t)) {
			bad(i, names.lastOrderDate, 'invalidDate', `Item ${i}: last order date field "${names.lastOrderDate}" is null, not a date`);
			continue;
		}
		const spent = cols.totalSpent[i];
		if (!inRange(spent)) {
			bad(i, names.totalSpent, 'invalidAmount', amountMessage(i, 'total spent', names.totalSpent, Number.isNaN(spent) ? null : spent));
			continue;
		}
		if (seen) {
			const first = seen.get(id);
			if (first !== undefined)
				throw new RfmInputError(
					`Item ${i}: customer ID "${id}" appears twice (also item ${first})`,
					i,
					'In customers mode each item must be one customer. Remove duplicates first, or switch "Input" to Orders if the items are orders.',
				);
			seen.set(id, i);
		}
		const c = rows.customerIds.length;
		rows.customerIds.push(id);
		const k = rows.length++;
		rows.itemIndex[k] = i;
		rows.customer[k] = c;
		rows.time[k] = t;
		rows.amount[k] = spent;
		rows.orderKey[k] = count;
		rows.firstTime[k] = cols.firstOrderTime ? cols.firstOrderTime[i] : NaN;
		if (cols.currency) rows.currencyCode[k] = currencies.code(cols.currency[i]);
	}
	return rows;
}

export type ReferenceDate = { kind: 'dayAfterLatest' } | { kind: 'now'; now: number } | { kind: 'fixed'; time: number };

/** Offsets within one customer's rows are packed under the hash in sort keys: hash * 2^21 + offset. */
const OFFSET_SPAN = 2097152;
/** Scratch for the sort keys, grown as needed (a property, so that growing it does not deoptimize). */
const sortScratch = { keys: new Float64Array(1024) };

/**
 * Distinct orders among one customer's rows perm[from..to), given their order-id hashes (see
 * RowSet.orderHash): rows without an id count one each, refund lines none; ids are compared only
 * when their hashes are equal. Returns -1 for histories of more than 32 rows (see distinctLong).
 */
function distinctOrders(orderIdAt: RowSet['orderIdAt'], perm: Int32Array, hashes: Int32Array, from: number, to: number): number {
	let count = 0;
	const len = to - from;
	if (len <= 32) {
		// short histories (the usual case): compare with the earlier rows
		for (let j = from; j < to; j++) {
			const h = hashes[j];
			if (h === -2) continue;
			if (h === -1) {
				count++;
				continue;
			}
			let dup = false;
			for (let q = from; q < j; q++)
				if (hashes[q] === h && orderIdAt(perm[q]) === orderIdAt(perm[j])) {
					dup = true;
					break;
				}
			if (!dup) count++;
		}
		return count;
	}
	return -1; // long history: counted by distinctLong
}

/** Distinct ids among the rows whose sort keys are keys[a..b) (rows with equal hashes). */
function distinctIdsAt(orderIdAt: RowSet['orderIdAt'], perm: Int32Array, from: number, keys: Float64Array, a: number, b: number): number {
	const ids = new Set<string | undefined>();
	for (let q = a; q < b; q++) ids.add(orderIdAt(perm[from + (keys[q] % OFFSET_SPAN)]));
	return ids.size;
}

/** distinctOrders for histories of more than 32 rows (few customers: kept out of the hot function). */
function distinctLong(orderIdAt: RowSet['orderIdAt'], perm: Int32Array, hashes: Int32Array, from: number, to: number): number {
	const len = to - from;
	if (len >= OFFSET_SPAN) return distinctBySet(orderIdAt, perm, hashes, from, to);
	// long histories: sort by hash; a hash seen once is one order, equal hashes are checked by id
	// (the loops are in functions of their own, see the note above scoreRfm's phases)
	if (sortScratch.keys.length < len) sortScratch.keys = new Float64Array(Math.max(len, 2 * sortScratch.keys.length));
	const m = fillSortKeys(hashes, from, to, sortScratch.keys);
	const keys = sortScratch.keys.subarray(0, m).sort();
	return len - m - countRefundLines(hashes, from, to) + countSortedKeys(orderIdAt, perm, from, keys);
}

/** Distinct orders of a history too long for packed sort keys: a set of the ids. */
function distinctBySet(orderIdAt: RowSet['orderIdAt'], perm: Int32Array, hashes: Int32Array, from: number, to: number): number {
	let count = 0;
	const ids = new Set<string | undefined>();
	for (let j = from; j < to; j++) {
		const h = hashes[j];
		if (h === -1) count++;
		else if (h >= 0) ids.add(orderIdAt(perm[j]));
	}
	return count + ids.size;
}

/** Writes hash * OFFSET_SPAN + offset for the rows with an order id; returns how many. */
function fillSortKeys(hashes: Int32Array, from: number, to: number, keys: Float64Array): number {
	let m = 0;
	for (let j = from; j < to; j++) {
		const h = hashes[j];
		if (h >= 0) keys[m++] = h * OFFSET_SPAN + (j - from);
	}
	return m;
}

function countRefundLines(hashes: Int32Array, from: number, to: number): number {
	let k = 0;
	for (let j = from; j < to; j++) if (hashes[j] === -2) k++;
	return k;
}

/** Distinct ids among sorted keys: a hash seen once is one id, equal hashes are compared by id. */
function countSortedKeys(orderIdAt: RowSet['orderIdAt'], perm: Int32Array, from: number, keys: Float64Array): number {
	let count = 0;
	const m = keys.length;
	for (let a = 0; a < m; ) {
		const h = Math.floor(keys[a] / OFFSET_SPAN);
		let b = a + 1;
		while (b < m && Math.floor(keys[b] / OFFSET_SPAN) === h) b++;
		count += b - a === 1 ? 1 : distinctIdsAt(orderIdAt, perm, from, keys, a, b);
		a = b;
	}
	return count;
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

/**
 * The scored customers as columns (index k = k-th scored customer, in first-seen order); this is
 * what the node reads, without building an object per customer first.
 */
export interface RfmColumns {
	customerId: string[];
	/** Item index of the latest order (orders) or of the customer item. */
	latestItemIndex: Int32Array;
	recencyDays: Float64Array;
	frequency: Float64Array;
	/** Rounded to 4 decimals, as averageOrderValue. */
	monetary: Float64Array;
	averageOrderValue: Float64Array;
	r: Uint8Array;
	f: Uint8Array;
	m: Uint8Array;
	cell: string[];
	segment: string[];
	lastOrderTime: Float64Array;
	/** NaN when unknown (customers mode without a first order date). */
	firstOrderTime: Float64Array;
	/** Per customer when the result has no single currency (else all equal to it or undefined). */
	currency: (string | undefined)[];
}

export interface RfmResult {
	/** Number of scored customers. */
	count: number;
	columns: RfmColumns;
	/** The k-th scored customer as an object. */
	customer: (k: number) => RfmCustomer;
	/** All scored customers as objects (built on first access). */
	readonly customers: RfmCustomer[];
	/** Source item indexes of customer k (all its order rows, or the customer item), ascending. */
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

/*
 * scoreRfm runs in phases, each hot loop in a function of its own: V8 then optimizes every loop
 * on its own (a long function with many loops gets compiled loop by loop and deoptimizes whenever
 * it reaches a loop that has not run yet, which cost a third of the scoring time).
 */

/** Rows per currency code (index 0 = no currency). */
function countCodes(currencyCode: Uint16Array, n: number, codes: number): Float64Array {
	const counts = new Float64Array(codes + 1);
	for (let i = 0; i < n; i++) counts[currencyCode[i]]++;
	return counts;
}

/** Latest order time among the rows of the kept currency (keepCode < 0: all); counts the others. */
function latestTime(rows: RowSet, keepCode: number): { latest: number; otherCurrency: number } {
	const { currencyCode, amount, time } = rows;
	const isCustomers = rows.kind === 'customers';
	let latest = -Infinity;
	let otherCurrency = 0;
	for (let i = 0; i < rows.length; i++) {
		const c = currencyCode[i];
		if (keepCode >= 0 && c !== 0 && c !== keepCode) {
			otherCurrency++;
			continue;
		}
		if ((isCustomers || amount[i] >= 0) && time[i] > latest) latest = time[i];
	}
	return { latest, otherCurrency };
}

/** Which rows count: the kept currency, not after the reference date, inside the window. */
interface RowFilter {
	all: boolean;
	keepCode: number;
	checkAfter: boolean;
	referenceTime: number;
	windowStart: number;
}

/** Stride of the interleaved per-customer accumulators (one cache line per customer). */
const S = 8;
const A_MONETARY = 0;
const A_FREQUENCY = 1;
const A_LAST = 2;
const A_FIRST = 3;
const A_LATEST_ROW = 4;
const A_ROWS = 5;

/** Per-customer sums over the kept rows: [monetary, frequency, last, first, latest row, kept rows]. */
function accumulate(rows: RowSet, C: number, filter: RowFilter): { acc: Float64Array; afterReference: number; outsideWindow: number } {
	const { customer, time, amount, currencyCode } = rows;
	const isCustomers = rows.kind === 'customers';
	const acc = new Float64Array(C * S);
	for (let o = 0; o < C * S; o += S) {
		acc[o + A_LAST] = -Infinity;
		acc[o + A_FIRST] = Infinity;
		acc[o + A_LATEST_ROW] = -1;
	}
	const { all, keepCode, checkAfter, referenceTime, windowStart } = filter;
	let afterReference = 0;
	let outsideWindow = 0;
	for (let i = 0; i < rows.length; i++) {
		const t = time[i];
		if (!all) {
			const code = currencyCode[i];
			if (keepCode >= 0 && code !== 0 && code !== keepCode) continue;
			if (checkAfter && t > referenceTime) {
				afterReference++;
				continue;
			}
			if (t < windowStart) {
				outsideWindow++;
				continue;
			}
		}
		const o = customer[i] * S;
		acc[o + A_ROWS]++;
		const a = amount[i];
		acc[o + A_MONETARY] += a;
		if (isCustomers) {
			acc[o + A_FREQUENCY] = rows.orderKey[i];
			acc[o + A_LAST] = t;
			acc[o + A_LATEST_ROW] = i;
			const ft = rows.firstTime ? rows.firstTime[i] : NaN;
			acc[o + A_FIRST] = Number.isFinite(ft) ? ft : NaN;
			continue;
		}
		if (a < 0) continue; // refund line: netted only
		acc[o + A_FREQUENCY]++;
		// later rows win ties on the date
		if (t >= acc[o + A_LAST]) {
			acc[o + A_LAST] = t;
			acc[o + A_LATEST_ROW] = i;
		}
		if (t < acc[o + A_FIRST]) acc[o + A_FIRST] = t;
	}
	return { acc, afterReference, outsideWindow };
}

/**
 * Groups the kept rows by customer (counting sort): perm[start[c]..start[c+1]) are customer c's
 * rows in ascending order; in orders mode `hashes` holds their order-id hashes in the same order.
 */
function groupRows(rows: RowSet, C: number, acc: Float64Array, filter: RowFilter) {
	const { customer, time, currencyCode } = rows;
	const start = new Int32Array(C + 1);
	for (let c = 0; c < C; c++) start[c + 1] = start[c] + acc[c * S + A_ROWS];
	const perm = new Int32Array(start[C]);
	const hashes = rows.kind === 'customers' ? undefined : new Int32Array(start[C]);
	const fill = start.slice(0, C);
	const orderHash = rows.orderHash;
	const { all, keepCode, checkAfter, referenceTime, windowStart } = filter;
	for (let i = 0; i < rows.length; i++) {
		if (!all) {
			const code = currencyCode[i];
			if (keepCode >= 0 && code !== 0 && code !== keepCode) continue;
			const t = time[i];
			if ((checkAfter && t > referenceTime) || t < windowStart) continue;
		}
		const j = fill[customer[i]]++;
		perm[j] = i;
		if (hashes) hashes[j] = orderHash[i];
	}
	return { start, perm, hashes };
}

/**
 * Frequency = distinct order ids among each customer's order rows (line items count once). Long
 * histories are counted together afterwards, so that their code runs in one call.
 */
function countDistinctOrders(rows: RowSet, C: number, acc: Float64Array, start: Int32Array, perm: Int32Array, hashes: Int32Array): void {
	const long: number[] = [];
	for (let c = 0, o = A_FREQUENCY; c < C; c++, o += S)
		if (acc[o] > 1) {
			const count = distinctOrders(rows.orderIdAt, perm, hashes, start[c], start[c + 1]);
			if (count < 0) long.push(c);
			else acc[o] = count;
		}
	for (const c of long) acc[c * S + A_FREQUENCY] = distinctLong(rows.orderIdAt, perm, hashes, start[c], start[c + 1]);
}

/** The customers that are scored, and their recency / frequency / monetary values. */
function scoredCustomers(C: number, acc: Float64Array, start: Int32Array, referenceTime: number, dropNonPositive: boolean) {
	const keepCustomer = new Int32Array(C);
	const positive = new Uint8Array(C);
	let K = 0;
	let noOrders = 0;
	let nonPositive = 0;
	let P = 0;
	for (let c = 0; c < C; c++) {
		if (start[c + 1] === start[c]) continue; // every row filtered out: counted already
		const o = c * S;
		if (acc[o + A_FREQUENCY] === 0) {
			noOrders++;
			continue;
		}
		if (!(acc[o + A_MONETARY] > 0)) {
			if (dropNonPositive) {
				nonPositive++;
				continue;
			}
		} else {
			positive[K] = 1;
			P++;
		}
		keepCustomer[K++] = c;
	}
	const rec = new Float64Array(K);
	const fr = new Float64Array(K);
	const mon = new Float64Array(K);
	const monPos = new Float64Array(P);
	for (let k = 0, p = 0; k < K; k++) {
		const o = keepCustomer[k] * S;
		rec[k] = Math.floor((referenceTime - acc[o + A_LAST]) / DAY_MS);
		fr[k] = acc[o + A_FREQUENCY];
		mon[k] = acc[o + A_MONETARY];
		if (positive[k]) monPos[p++] = mon[k];
	}
	return { keepCustomer, positive, K, P, rec, fr, mon, monPos, noOrders, nonPositive };
}

/** Scores, cells and segments of the scored customers, as columns. */
function buildColumns(
	rows: RowSet,
	s: ReturnType<typeof scoredCustomers>,
	acc: Float64Array,
	edges: RfmResult['edges'],
	bins: number,
	map: SegmentMap,
	currency: string | undefined,
): { col: RfmColumns; distribution: RfmResult['distribution'] } {
	const { keepCustomer, positive, K, rec, fr, mon } = s;
	const segmentOf = compileMap(map, bins);
	const cells: string[] = [];
	const segments: string[] = [];
	for (let r = 1; r <= bins; r++)
		for (let f = 1; f <= bins; f++)
			for (let m = 1; m <= bins; m++) {
				cells.push(`${r}${f}${m}`);
				segments.push(segmentOf(r, f, m));
			}
	const dr = new Array<number>(bins).fill(0);
	const df = new Array<number>(bins).fill(0);
	const dm = new Array<number>(bins).fill(0);
	const col: RfmColumns = {
		customerId: new Array<string>(K),
		latestItemIndex: new Int32Array(K),
		recencyDays: rec,
		frequency: fr,
		monetary: new Float64Array(K),
		averageOrderValue: new Float64Array(K),
		r: new Uint8Array(K),
		f: new Uint8Array(K),
		m: new Uint8Array(K),
		cell: new Array<string>(K),
		segment: new Array<string>(K),
		lastOrderTime: new Float64Array(K),
		firstOrderTime: new Float64Array(K),
		currency: new Array<string | undefined>(K),
	};
	const { customerIds, itemIndex, currencyCode, currencies } = rows;
	for (let k = 0; k < K; k++) {
		const c = keepCustomer[k];
		const r = bins + 1 - binOf(rec[k], edges.recency);
		const f = binOf(fr[k], edges.frequency);
		const m = positive[k] ? binOf(mon[k], edges.monetary) : 1;
		dr[r - 1]++;
		df[f - 1]++;
		dm[m - 1]++;
		const o = c * S;
		const lr = acc[o + A_LATEST_ROW];
		const code = currencyCode[lr];
		const cellIndex = ((r - 1) * bins + (f - 1)) * bins + (m - 1);
		col.customerId[k] = customerIds[c];
		col.latestItemIndex[k] = itemIndex[lr];
		col.monetary[k] = round(mon[k], 4);
		col.averageOrderValue[k] = round(mon[k] / fr[k], 4);
		col.r[k] = r;
		col.f[k] = f;
		col.m[k] = m;
		col.cell[k] = cells[cellIndex];
		col.segment[k] = segments[cellIndex];
		col.lastOrderTime[k] = acc[o + A_LAST];
		col.firstOrderTime[k] = acc[o + A_FIRST];
		col.currency[k] = currency ?? (code ? currencies[code - 1] : undefined);
	}
	return { col, distribution: { r: dr, f: df, m: dm } };
}

/** Aggregates rows per customer, scores and segments them. Throws RfmInputError on configuration/data problems. */
export function scoreRfm(rows: RowSet, options: ScoreOptions): RfmResult {
	const skipped: RfmResult['skipped'] = { ...rows.skipped };
	const bins = options.bins;
	const { currencies } = rows;

	// Currency check
	const codeCounts = countCodes(rows.currencyCode, rows.length, currencies.length);
	const present = currencies.map((name, j) => [name, codeCounts[j + 1]] as [string, number]).filter(([, k]) => k > 0);
	const keep = options.keepCurrency?.trim().toUpperCase() || undefined;
	if (present.length > 1 && !keep) {
		const list = present.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
		throw new RfmInputError(
			`The ${rows.kind} are in ${list.length} currencies: ${list.map(([c, k]) => `${c} (${k})`).join(', ')}`,
			undefined,
			'Amounts in different currencies cannot be added up. Pick the currency to keep under Options > "Currency to Keep" (rows in other currencies are skipped and counted), or convert the amounts before this node.',
		);
	}
	// code of the kept currency (-1: keep everything); rows without a currency are always kept
	const keepCode = keep ? currencies.indexOf(keep) + 1 : -1;
	const { latest, otherCurrency } = latestTime(rows, keepCode);
	if (otherCurrency) bump(skipped, 'otherCurrency', otherCurrency);
	const currency = keep ?? (present.length === 1 ? present[0][0] : undefined);

	let referenceTime: number;
	if (options.reference.kind === 'fixed') referenceTime = options.reference.time;
	else if (options.reference.kind === 'now') referenceTime = options.reference.now;
	else referenceTime = Number.isFinite(latest) ? latest + DAY_MS : 0;
	const windowStart = options.windowDays && options.windowDays > 0 ? referenceTime - options.windowDays * DAY_MS : -Infinity;
	const checkAfter = options.reference.kind !== 'dayAfterLatest';
	const filter: RowFilter = {
		all: keepCode < 0 && !checkAfter && windowStart === -Infinity,
		keepCode,
		checkAfter,
		referenceTime,
		windowStart,
	};

	const C = rows.customerIds.length;
	const { acc, afterReference, outsideWindow } = accumulate(rows, C, filter);
	if (afterReference) bump(skipped, 'afterReferenceDate', afterReference);
	if (outsideWindow) bump(skipped, 'outsideWindow', outsideWindow);
	const { start, perm, hashes } = groupRows(rows, C, acc, filter);
	if (hashes) countDistinctOrders(rows, C, acc, start, perm, hashes);

	const scored = scoredCustomers(C, acc, start, referenceTime, options.nonPositiveMonetary === 'drop');
	if (scored.noOrders) bump(skipped, 'noOrders', scored.noOrders);
	if (scored.nonPositive) bump(skipped, 'nonPositiveMonetary', scored.nonPositive);
	const { K, P, rec, fr, monPos, keepCustomer } = scored;

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
			monetary: P ? quantileEdges(monPos, bins, true).map((x) => round(x)) : [],
		};
	}
	const { col, distribution } = buildColumns(rows, scored, acc, edges, bins, options.map, currency);

	const customerAt = (k: number): RfmCustomer => ({
		customerId: col.customerId[k],
		latestItemIndex: col.latestItemIndex[k],
		recencyDays: col.recencyDays[k],
		frequency: col.frequency[k],
		monetary: col.monetary[k],
		averageOrderValue: col.averageOrderValue[k],
		r: col.r[k],
		f: col.f[k],
		m: col.m[k],
		cell: col.cell[k],
		score: col.r[k] + col.f[k] + col.m[k],
		segment: col.segment[k],
		lastOrderTime: col.lastOrderTime[k],
		firstOrderTime: col.firstOrderTime[k],
		currency: col.currency[k],
	});
	let objects: RfmCustomer[] | undefined;
	const itemIndexes = (k: number): number[] => {
		const c = keepCustomer[k];
		const out: number[] = new Array(start[c + 1] - start[c]);
		for (let j = start[c]; j < start[c + 1]; j++) out[j - start[c]] = rows.itemIndex[perm[j]];
		return out;
	};
	return {
		count: K,
		columns: col,
		customer: customerAt,
		get customers() {
			if (!objects) {
				objects = new Array<RfmCustomer>(K);
				for (let k = 0; k < K; k++) objects[k] = customerAt(k);
			}
			return objects;
		},
		itemIndexes,
		referenceTime,
		bins,
		scoring: options.scoring,
		edges,
		distribution,
		segments: summarize(col, K, options.map, bins),
		skipped,
		currency,
	};
}

export function summarize(col: Pick<RfmColumns, 'segment' | 'monetary' | 'recencyDays' | 'frequency'>, count: number, map: SegmentMap, bins: number): SegmentSummary[] {
	const names = reachableSegments(map, bins);
	const acc = new Map<string, { n: number; rev: number; r: number; f: number; m: number }>();
	for (const name of names) acc.set(name, { n: 0, rev: 0, r: 0, f: 0, m: 0 });
	let total = 0;
	let revenue = 0;
	for (let k = 0; k < count; k++) {
		const segment = col.segment[k];
		let a = acc.get(segment);
		if (!a) acc.set(segment, (a = { n: 0, rev: 0, r: 0, f: 0, m: 0 }));
		const monetary = col.monetary[k];
		a.n++;
		a.rev += monetary;
		a.r += col.recencyDays[k];
		a.f += col.frequency[k];
		a.m += monetary;
		total++;
		revenue += monetary;
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
