/**
 * From validated rows (RFM Score's extractOrders / extractCustomers, so that field mapping,
 * statuses, dates and currencies are read exactly as RFM Score reads them) to the model's inputs
 * per customer. Rules (documented in docs/nodes/CustomerValue.md):
 * - Days are UTC calendar days. The calibration end is a day D: purchases on days ≤ D are the
 *   calibration data, later ones the holdout. Ages are measured up to the start of D.
 * - Orders: all of a customer's orders on one day are one purchase (amounts added up), as in the
 *   model's papers. x = purchase days - 1, t_x = last - first purchase day, T = D - first purchase
 *   day (days; the model divides by 7 in weeks). Average spend = mean of the repeat purchase days'
 *   totals (the first day is left out: it is how the customer was acquired).
 * - A refund line (negative amount) lowers the total of the purchase day of its order (same order
 *   ID); without a matching order, the customer's latest purchase day on or before the refund.
 *   Refunds after D, or before any purchase, are left out and counted.
 * - Customers: x = min(order count - 1, days from first to last order) (several orders on one day
 *   are one purchase: a customer whose first and last orders share a day has x = 0); t_x = last -
 *   first order day; average spend = total spent / order count (the first order cannot be told
 *   apart, so it is included: an approximation).
 */
import { DAY_MS } from '../dates';
import { RfmInputError, type RowSet, type SkipReason } from '../rfm/rfm';

export type ClvSkipReason =
	| SkipReason
	| 'firstOrderAfterCalibrationEnd'
	| 'orderAfterCalibrationEnd'
	| 'inconsistentDates'
	| 'refundAfterCalibrationEnd'
	| 'refundBeforeFirstPurchase';

export interface ClvInvalidRow {
	itemIndex: number;
	field: string;
	reason: ClvSkipReason;
	message: string;
}

export type CalibrationEnd = { kind: 'dayAfterLatest' } | { kind: 'now'; now: number } | { kind: 'fixed'; time: number };

export interface PrepareOptions {
	calibrationEnd: CalibrationEnd;
	/** Keep only this currency when rows are in several. */
	keepCurrency?: string;
	/** Skip and count invalid customers (customers input) instead of reporting them. */
	skipInvalid: boolean;
}

/** The model's inputs, one entry per modelled customer (first purchase on or before D). */
export interface ClvData {
	kind: RowSet['kind'];
	count: number;
	customerIds: string[];
	/** Item whose fields the customer item keeps: latest calibration order, or the customer item. */
	latestItemIndex: Int32Array;
	x: Int32Array;
	txDays: Int32Array;
	TDays: Int32Array;
	/** Average repeat-purchase spend; NaN when x = 0. */
	averageSpend: Float64Array;
	firstDay: Int32Array;
	lastDay: Int32Array;
	/** Purchase days after D per customer (orders input with a holdout), else null. */
	holdoutPurchases: Int32Array | null;
	/** D as days since 1970-01-01. */
	calibrationEndDay: number;
	/** Days from D to the latest order day (0: no holdout). */
	holdoutDays: number;
	currency?: string;
	skipped: Partial<Record<ClvSkipReason, number>>;
	invalid: ClvInvalidRow[];
	fields: Record<string, string | undefined>;
	/** Source items of customer k (its order rows, or the customer item), ascending. */
	itemIndexes: (k: number) => number[];
}

export class ClvInputError extends RfmInputError {
	constructor(message: string, itemIndex?: number, description?: string) {
		super(message, itemIndex, description);
		this.name = 'ClvInputError';
	}
}

function bump(skipped: ClvData['skipped'], reason: ClvSkipReason, by = 1) {
	skipped[reason] = (skipped[reason] ?? 0) + by;
}

/**
 * The same currency rule as RFM Score: several currencies stop the node unless one is kept (rows
 * without a currency are always kept). Returns the kept code (-1 = all) and the currency.
 */
export function currencyChoice(rows: RowSet, keepCurrency: string | undefined): { keepCode: number; currency?: string } {
	const counts = new Float64Array(rows.currencies.length + 1);
	for (let i = 0; i < rows.length; i++) counts[rows.currencyCode[i]]++;
	const present = rows.currencies.map((name, j) => [name, counts[j + 1]] as [string, number]).filter(([, k]) => k > 0);
	const keep = keepCurrency?.trim().toUpperCase() || undefined;
	if (present.length > 1 && !keep) {
		const list = present.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
		throw new ClvInputError(
			`The ${rows.kind} are in ${list.length} currencies: ${list.map(([c, k]) => `${c} (${k})`).join(', ')}`,
			undefined,
			'Amounts in different currencies cannot be added up. Pick the currency to keep under Options > "Currency to Keep" (rows in other currencies are skipped and counted), or convert the amounts before this node.',
		);
	}
	return { keepCode: keep ? rows.currencies.indexOf(keep) + 1 : -1, currency: keep ?? (present.length === 1 ? present[0][0] : undefined) };
}

function calibrationDay(end: CalibrationEnd, latestDay: number): number {
	if (end.kind === 'fixed') return Math.floor(end.time / DAY_MS);
	if (end.kind === 'now') return Math.floor(end.now / DAY_MS);
	return latestDay + 1;
}

/** Stable counting sort of row indexes by key[i] - min. */
function sortBy(order: Int32Array, key: Int32Array, min: number, range: number): Int32Array {
	const counts = new Int32Array(range + 1);
	for (let j = 0; j < order.length; j++) counts[key[order[j]] - min + 1]++;
	for (let v = 0; v < range; v++) counts[v + 1] += counts[v];
	const out = new Int32Array(order.length);
	for (let j = 0; j < order.length; j++) out[counts[key[order[j]] - min]++] = order[j];
	return out;
}

function emptyData(rows: RowSet, n: number): ClvData {
	return {
		kind: rows.kind,
		count: 0,
		customerIds: [],
		latestItemIndex: new Int32Array(n),
		x: new Int32Array(n),
		txDays: new Int32Array(n),
		TDays: new Int32Array(n),
		averageSpend: new Float64Array(n),
		firstDay: new Int32Array(n),
		lastDay: new Int32Array(n),
		holdoutPurchases: null,
		calibrationEndDay: 0,
		holdoutDays: 0,
		skipped: { ...rows.skipped },
		invalid: [...rows.invalid],
		fields: rows.fields,
		itemIndexes: () => [],
	};
}

/** Rows of the kept currency with their day, grouped by customer in day order. */
function groupOrderRows(rows: RowSet, keepCode: number, skipped: ClvData['skipped']) {
	const n = rows.length;
	const day = new Int32Array(n);
	const keptRows: number[] = [];
	let minDay = Infinity;
	let maxDay = -Infinity;
	let latestOrderDay = -Infinity;
	let otherCurrency = 0;
	for (let i = 0; i < n; i++) {
		const code = rows.currencyCode[i];
		if (keepCode >= 0 && code !== 0 && code !== keepCode) {
			otherCurrency++;
			continue;
		}
		const d = Math.floor(rows.time[i] / DAY_MS);
		day[i] = d;
		keptRows.push(i);
		if (d < minDay) minDay = d;
		if (d > maxDay) maxDay = d;
		if (rows.orderHash[i] !== -2 && d > latestOrderDay) latestOrderDay = d;
	}
	if (otherCurrency) bump(skipped, 'otherCurrency', otherCurrency);
	const C = rows.customerIds.length;
	let perm: Int32Array = Int32Array.from(keptRows);
	if (perm.length) perm = sortBy(perm, day, minDay, maxDay - minDay + 1);
	perm = sortBy(perm, rows.customer, 0, C);
	const start = new Int32Array(C + 1);
	for (let j = 0; j < perm.length; j++) start[rows.customer[perm[j]] + 1]++;
	for (let c = 0; c < C; c++) start[c + 1] += start[c];
	return { day, perm, start, latestOrderDay };
}

/** Scratch of one customer's purchase days (reused from customer to customer). */
interface Scratch {
	days: Int32Array;
	totals: Float64Array;
	refunds: number[];
	nDays: number;
	holdDays: number;
	latestRow: number;
}

/** The customer's rows grouped by customer and day: perm[from..to), days of the rows, D. */
interface CustomerRows {
	rows: RowSet;
	perm: Int32Array;
	day: Int32Array;
	from: number;
	to: number;
	D: number;
}

/** Index in s.days of the purchase day a refund row lowers, or -1. */
function refundTarget(c: CustomerRows, s: Scratch, refundRow: number): number {
	const { rows, perm, day } = c;
	if (rows.fields.orderId) {
		const id = rows.orderIdAt(refundRow);
		if (id !== undefined)
			for (let j = c.from; j < c.to; j++) {
				const i = perm[j];
				if (rows.orderHash[i] === -2 || day[i] > c.D || rows.orderIdAt(i) !== id) continue;
				for (let k = 0; k < s.nDays; k++) if (s.days[k] === day[i]) return k;
			}
	}
	for (let k = s.nDays - 1; k >= 0; k--) if (s.days[k] <= day[refundRow]) return k;
	return -1;
}

/** One customer's purchase days up to D (same-day orders added up), holdout days after D, refunds. */
function walkCustomer(c: CustomerRows, s: Scratch, skipped: ClvData['skipped']): void {
	const { rows, perm, day, D } = c;
	if (s.days.length < c.to - c.from) {
		s.days = new Int32Array(2 * (c.to - c.from));
		s.totals = new Float64Array(2 * (c.to - c.from));
	}
	s.refunds.length = 0;
	s.nDays = 0;
	s.holdDays = 0;
	s.latestRow = -1;
	let lastHold = NaN;
	for (let j = c.from; j < c.to; j++) {
		const i = perm[j];
		const d = day[i];
		if (rows.orderHash[i] === -2) s.refunds.push(i);
		else if (d <= D) {
			if (s.nDays === 0 || s.days[s.nDays - 1] !== d) {
				s.days[s.nDays] = d;
				s.totals[s.nDays++] = 0;
			}
			s.totals[s.nDays - 1] += rows.amount[i];
			if (s.latestRow < 0 || rows.time[i] >= rows.time[s.latestRow]) s.latestRow = i;
		} else if (d !== lastHold) {
			s.holdDays++;
			lastHold = d;
		}
	}
	if (s.nDays === 0) return;
	for (const i of s.refunds) {
		if (day[i] > D) {
			bump(skipped, 'refundAfterCalibrationEnd');
			continue;
		}
		const k = refundTarget(c, s, i);
		if (k < 0) bump(skipped, 'refundBeforeFirstPurchase');
		else s.totals[k] += rows.amount[i];
	}
}

/** Orders input: purchase days per customer, calibration/holdout split, refunds, average spend. */
export function prepareOrders(rows: RowSet, options: PrepareOptions): ClvData {
	const data = emptyData(rows, rows.customerIds.length);
	const { keepCode, currency } = currencyChoice(rows, options.keepCurrency);
	data.currency = currency;
	const { day, perm, start, latestOrderDay } = groupOrderRows(rows, keepCode, data.skipped);
	if (latestOrderDay === -Infinity) return data;
	const D = calibrationDay(options.calibrationEnd, latestOrderDay);
	data.calibrationEndDay = D;
	data.holdoutDays = Math.max(0, latestOrderDay - D);
	const holdout = data.holdoutDays > 0 ? new Int32Array(rows.customerIds.length) : null;
	data.holdoutPurchases = holdout;
	const C = rows.customerIds.length;
	const s: Scratch = { days: new Int32Array(16), totals: new Float64Array(16), refunds: [], nDays: 0, holdDays: 0, latestRow: -1 };
	const owner = new Int32Array(C);
	let K = 0;
	let noOrders = 0;
	let lateCustomers = 0;
	for (let c = 0; c < C; c++) {
		if (start[c + 1] === start[c]) continue; // every row in another currency
		walkCustomer({ rows, perm, day, from: start[c], to: start[c + 1], D }, s, data.skipped);
		const n = s.nDays;
		if (n === 0) {
			if (s.holdDays > 0) lateCustomers++;
			else noOrders++;
			continue;
		}
		let repeat = 0;
		for (let k = 1; k < n; k++) repeat += s.totals[k];
		owner[K] = c;
		data.customerIds.push(rows.customerIds[c]);
		data.latestItemIndex[K] = rows.itemIndex[s.latestRow];
		data.x[K] = n - 1;
		data.firstDay[K] = s.days[0];
		data.lastDay[K] = s.days[n - 1];
		data.txDays[K] = s.days[n - 1] - s.days[0];
		data.TDays[K] = D - s.days[0];
		data.averageSpend[K] = n > 1 ? repeat / (n - 1) : NaN;
		if (holdout) holdout[K] = s.holdDays;
		K++;
	}
	if (noOrders) bump(data.skipped, 'noOrders', noOrders);
	if (lateCustomers) bump(data.skipped, 'firstOrderAfterCalibrationEnd', lateCustomers);
	data.count = K;
	data.itemIndexes = (k: number) => {
		const c = owner[k];
		const out: number[] = [];
		for (let j = start[c]; j < start[c + 1]; j++) out.push(rows.itemIndex[perm[j]]);
		return out.sort((u, w) => u - w);
	};
	return data;
}

const isoDay = (d: number) => new Date(d * DAY_MS).toISOString().slice(0, 10);

type Report = (itemIndex: number, field: string, reason: ClvSkipReason, message: string) => void;

/** Rows of the kept currency whose dates are consistent; the latest last order day among them. */
function consistentCustomers(rows: RowSet, keepCode: number, data: ClvData, bad: Report): { valid: number[]; latest: number } {
	const firstField = rows.fields.firstOrderDate as string;
	const lastField = rows.fields.lastOrderDate as string;
	const countField = rows.fields.ordersCount as string;
	const valid: number[] = [];
	let latest = -Infinity;
	for (let i = 0; i < rows.length; i++) {
		const code = rows.currencyCode[i];
		if (keepCode >= 0 && code !== 0 && code !== keepCode) {
			bump(data.skipped, 'otherCurrency');
			continue;
		}
		const item = rows.itemIndex[i];
		const ft = rows.firstTime ? rows.firstTime[i] : NaN;
		if (!Number.isFinite(ft)) {
			bad(item, firstField, 'invalidDate', `Item ${item}: first order date field "${firstField}" is missing or not a date (ISO 8601, YYYYMMDD or epoch)`);
			continue;
		}
		const F = Math.floor(ft / DAY_MS);
		const L = Math.floor(rows.time[i] / DAY_MS);
		if (L < F) {
			bad(item, lastField, 'inconsistentDates', `Item ${item}: last order date ${isoDay(L)} ("${lastField}") is before the first order date ${isoDay(F)} ("${firstField}")`);
			continue;
		}
		if (rows.orderKey[i] === 1 && L !== F) {
			bad(item, countField, 'inconsistentDates', `Item ${item}: order count is 1 ("${countField}") but the first (${isoDay(F)}) and last (${isoDay(L)}) order dates differ`);
			continue;
		}
		valid.push(i);
		if (L > latest) latest = L;
	}
	return { valid, latest };
}

/** Customers input: x, t_x, T and average spend from each customer's aggregates. */
export function prepareCustomers(rows: RowSet, options: PrepareOptions): ClvData {
	const data = emptyData(rows, rows.length);
	if (rows.length > 0 && !rows.fields.firstOrderDate)
		throw new ClvInputError(
			'Could not find the first order date field in the input',
			undefined,
			'The model needs each customer\'s first order date (its age). Set "First Order Date Field" under "Field Mapping" (after RFM Score: rfm.firstOrderDate).',
		);
	const { keepCode, currency } = currencyChoice(rows, options.keepCurrency);
	data.currency = currency;
	const lastField = rows.fields.lastOrderDate as string;
	const bad: Report = (itemIndex, field, reason, message) => {
		if (options.skipInvalid) bump(data.skipped, reason);
		else data.invalid.push({ itemIndex, field, reason, message });
	};
	const { valid, latest } = consistentCustomers(rows, keepCode, data, bad);
	if (!valid.length) return data;
	const D = calibrationDay(options.calibrationEnd, latest);
	data.calibrationEndDay = D;
	let K = 0;
	const owner: number[] = [];
	for (const i of valid) {
		const item = rows.itemIndex[i];
		const F = Math.floor((rows.firstTime as Float64Array)[i] / DAY_MS);
		const L = Math.floor(rows.time[i] / DAY_MS);
		if (F > D) {
			bump(data.skipped, 'firstOrderAfterCalibrationEnd');
			continue;
		}
		if (L > D) {
			bad(item, lastField, 'orderAfterCalibrationEnd', `Item ${item}: last order date ${isoDay(L)} ("${lastField}") is after the calibration end ${isoDay(D)}; with customers as input the orders after it cannot be left out (use orders as input, or a later calibration end)`);
			continue;
		}
		const orders = rows.orderKey[i];
		const x = Math.min(orders - 1, L - F);
		owner.push(item);
		data.customerIds.push(rows.customerIds[rows.customer[i]]);
		data.latestItemIndex[K] = item;
		data.x[K] = x;
		data.firstDay[K] = F;
		data.lastDay[K] = L;
		data.txDays[K] = L - F;
		data.TDays[K] = D - F;
		data.averageSpend[K] = x > 0 ? rows.amount[i] / orders : NaN;
		K++;
	}
	data.count = K;
	data.itemIndexes = (k: number) => [owner[k]];
	return data;
}
