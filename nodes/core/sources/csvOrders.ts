/**
 * Orders of a CSV file read straight into columns, row by row as the tokenizer hands them over:
 * no object and (for the usual shapes) no string per row. Ids are interned as bytes (ByteKeyTable),
 * dates and plain amounts are parsed from the bytes, anything else goes through the shared text
 * rules (parseDate, parseAmount). Memory grows with the number of orders and customers, not with
 * the size of the file.
 *
 * Order rules (as before, see docs/nodes/FetchCustomers.md): rows sharing an order id are one
 * order (line items; an empty amount is a continuation line); the first row of an order gives its
 * customer, status, currency and email; the order date is the earliest row date; negative rows and
 * a "refunded amount" column are refunds netted into the order; "cancelled at" cancels it.
 * Customers are then aggregated the way CustomerAggregator (aggregate.ts) does: paid and partially
 * refunded orders count, net totals summed in the currency of most orders.
 */
import { dateProblem, parseDate, parseDateBytes, type DateFormat } from '../dates';
import { MAX_AMOUNT, amountCurrency, amountProblem, parseAmount } from '../fields';
import { ByteKeyTable, ByteList } from './byteKeys';
import { CustomerIdTable, OrderIdTable } from './orderIds';
import { fieldText, type CsvRow } from './csvTokenizer';
import { normEmail, roundMoney, upperOrNull } from './normalize';
import type { OrderStatus, SkippedRecord } from './types';

/** Column index of each field in the file (-1 = absent). */
export interface OrderColumns {
	customerId: number;
	orderId: number;
	date: number;
	amount: number;
	currency: number;
	status: number;
	email: number;
	refunded: number;
	cancelledAt: number;
}

export const STATUSES: OrderStatus[] = ['paid', 'pending', 'partially_refunded', 'refunded', 'cancelled', 'failed'];
const PAID = 0;
const PARTIAL = 2;
const REFUNDED = 3;
const CANCELLED = 4;
/** Numbers per customer while aggregating (see customersOut). */
const AGG = 8;

/** Well-known currency signs that name one currency; others ($, ¥, kr) fall back to the default currency. */
const SIGN_CODES: Record<string, string> = { '€': 'EUR', '£': 'GBP', '₹': 'INR', '₩': 'KRW', '₽': 'RUB', '₺': 'TRY', '₫': 'VND', '₱': 'PHP', 'ZŁ': 'PLN', '₪': 'ILS', '฿': 'THB' };

/** Amount of plain decimal bytes ("-123.45", at most 15 digits), or undefined for any other shape. */
export function plainAmountBytes(b: Uint8Array, s: number, e: number): number | undefined {
	let i = s;
	const neg = b[i] === 45;
	if (neg) i++;
	let v = 0;
	let digits = 0;
	let scale = 1;
	let dot = false;
	for (; i < e; i++) {
		const c = b[i];
		if (c === 46 && !dot) {
			dot = true;
			continue;
		}
		const d = c - 48;
		if (d < 0 || d > 9) return undefined;
		v = v * 10 + d;
		digits++;
		if (dot) scale *= 10;
	}
	if (digits === 0 || digits > 15 || (dot && scale === 1) || b[e - 1] === 46) return undefined;
	// an exact integer divided by an exact power of ten: the correctly rounded value, as Number(text)
	const a = v / scale;
	return neg ? -a : a;
}

/** The last short value seen in a column and its code: exports repeat "paid", "USD" row after row. */
class LastValue {
	private readonly bytes = new Uint8Array(32);
	private len = -1;
	code = 0;

	is(b: Uint8Array, s: number, e: number): boolean {
		const n = e - s;
		if (n !== this.len) return false;
		for (let i = 0; i < n; i++) if (this.bytes[i] !== b[s + i]) return false;
		return true;
	}

	remember(b: Uint8Array, s: number, e: number, code: number): number {
		const n = e - s;
		if (n <= 32) {
			for (let i = 0; i < n; i++) this.bytes[i] = b[s + i];
			this.len = n;
		} else this.len = -1;
		this.code = code;
		return code;
	}
}

/** Bounds of field k without surrounding spaces and tabs: [start, end) in row.buf. */
function trimmed(row: CsvRow, k: number, out: Int32Array): void {
	let s = row.start[k];
	let e = row.end[k];
	const b = row.buf;
	while (s < e && (b[s] === 32 || b[s] === 9)) s++;
	while (e > s && (b[e - 1] === 32 || b[e - 1] === 9)) e--;
	out[0] = s;
	out[1] = e;
}

function growF64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
	const b = new Float64Array(n);
	b.set(a);
	return b;
}
function growI32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
	const b = new Int32Array(n);
	b.set(a);
	return b;
}
function growU16(a: Uint16Array, n: number): Uint16Array<ArrayBuffer> {
	const b = new Uint16Array(n);
	b.set(a);
	return b;
}
function growU8(a: Uint8Array, n: number): Uint8Array<ArrayBuffer> {
	const b = new Uint8Array(n);
	b.set(a);
	return b;
}

/** Customers aggregated from the orders, as columns (index = customer in order of first valid order). */
export interface CustomerColumns {
	count: number;
	customerId: string[];
	email: (string | null)[];
	ordersCount: Int32Array;
	/** In `currency`, rounded to its minor unit. */
	totalSpent: Float64Array;
	currency: (string | null)[];
	/** NaN when the customer has no counted order. */
	lastOrderTime: Float64Array;
	firstOrderTime: Float64Array;
	/** Customers that paid in several currencies: every total. */
	spentByCurrency: Map<number, Record<string, number>>;
}

export interface OrderOut {
	customerId: string;
	orderId: string;
	time: number;
	total: number;
	currency: string;
	status: OrderStatus;
	email: string | null;
	rows?: Record<string, string>[];
}

export class CsvOrderReader {
	rows = 0;
	private readonly customers: CustomerIdTable;
	private readonly orders: OrderIdTable | undefined;
	private readonly statusCodes = new ByteKeyTable(16);
	private statusOf: number[] = [];
	private readonly currencyCodes = new ByteKeyTable(16);
	private currencyOf: (string | null)[] = [];
	/** Currency signs / codes seen in amounts (when the file has no currency column): mark -> rows. */
	readonly marks = new Map<string, number>();
	private cap = 1024;
	private n = 0;
	private oCustomer: Int32Array<ArrayBuffer> = new Int32Array(this.cap);
	private oTime: Float64Array<ArrayBuffer> = new Float64Array(this.cap);
	private oGross: Float64Array<ArrayBuffer> = new Float64Array(this.cap);
	private oRefunds: Float64Array<ArrayBuffer> = new Float64Array(this.cap);
	private oAmounts: Int32Array<ArrayBuffer> = new Int32Array(this.cap);
	private oCurrency: Uint16Array<ArrayBuffer> = new Uint16Array(this.cap);
	private oStatus: Uint8Array<ArrayBuffer> = new Uint8Array(this.cap);
	private oLine: Int32Array<ArrayBuffer> = new Int32Array(this.cap);
	/** Orders output: email of each order (index into `emails`, -1 none), when the file has an email column. */
	private oEmail: Int32Array<ArrayBuffer> | undefined;
	private readonly emails: ByteKeyTable | undefined;
	/** Customers output: the email of each customer's first row that has one (index into `emailList` + 1, 0 none; by customer index). */
	private cEmail: Int32Array<ArrayBuffer> = new Int32Array(4096);
	private readonly emailList: ByteList;
	/** Customers seen without an email so far (while none, a known customer's row need not be looked at). */
	private withoutEmail = 0;
	private oRows: Record<string, string>[][] | undefined;
	/** order index -> why it cannot be read */
	private readonly bad = new Map<number, string>();
	private readonly lastStatus = new LastValue();
	private readonly lastCurrency = new LastValue();
	private readonly span = new Int32Array(2);
	private readonly defaultCode: number;

	constructor(
		private readonly col: OrderColumns,
		private readonly names: Record<keyof OrderColumns, string>,
		private readonly opts: { defaultCurrency: string; dateFormat: DateFormat; headers?: string[]; mode: 'orders' | 'customers'; expectedRows?: number },
	) {
		// tables sized for the file when its size is known (growing a hash table means re-inserting everything)
		const expected = Math.min(opts.expectedRows ?? 0, 1 << 25);
		if (col.orderId >= 0) this.orders = new OrderIdTable(Math.max(65536, expected));
		if (expected > this.cap) this.cap = expected; // the estimate itself: columns of a power of two above it would be up to twice as large
		// exports hold a few orders per customer: a quarter of the rows keeps the usual shop from growing the tables
		this.customers = new CustomerIdTable(Math.max(4096, expected >> 2));
		// orders output: one email per order, the same ones again and again (interned); customers: one per customer
		this.emails = col.email >= 0 && opts.mode === 'orders' ? new ByteKeyTable(Math.max(4096, expected >> 2)) : undefined;
		this.emailList = new ByteList(col.email >= 0 && opts.mode !== 'orders' ? Math.max(4096, expected * 4) : 16);
		if (col.email >= 0 && opts.mode === 'orders') this.oEmail = new Int32Array(this.cap);
		this.oCustomer = new Int32Array(this.cap);
		this.oTime = new Float64Array(this.cap);
		this.oGross = new Float64Array(this.cap);
		this.oRefunds = new Float64Array(this.cap);
		this.oAmounts = new Int32Array(this.cap);
		this.oCurrency = new Uint16Array(this.cap);
		this.oStatus = new Uint8Array(this.cap);
		this.oLine = new Int32Array(this.cap);
		if (opts.headers) this.oRows = [];
		this.defaultCode = this.currencyCode(opts.defaultCurrency);
	}

	private currencyCode(text: string | null): number {
		const i = this.currencyCodes.internString(text ?? '');
		if (this.currencyCodes.added) this.currencyOf.push(text);
		return i;
	}

	private grow(): void {
		const n = this.cap * 2;
		this.cap = n;
		this.oCustomer = growI32(this.oCustomer, n);
		this.oTime = growF64(this.oTime, n);
		this.oGross = growF64(this.oGross, n);
		this.oRefunds = growF64(this.oRefunds, n);
		this.oAmounts = growI32(this.oAmounts, n);
		this.oCurrency = growU16(this.oCurrency, n);
		this.oStatus = growU8(this.oStatus, n);
		this.oLine = growI32(this.oLine, n);
		if (this.oEmail) this.oEmail = growI32(this.oEmail, n);
	}

	/** Reads one data row. */
	row(row: CsvRow): void {
		this.rows++;
		const col = this.col;
		const b = row.buf;
		const span = this.span;
		let o: number;
		let isNew = true;
		if (this.orders && col.orderId < row.count) {
			trimmed(row, col.orderId, span);
			if (span[1] > span[0]) {
				o = row.flags[col.orderId] === 1 ? this.orders.internString(fieldText(row, col.orderId)) : this.orders.intern(b, span[0], span[1]);
				isNew = this.orders.added;
			} else o = this.newAnonymous(row.line);
		} else o = this.newAnonymous(row.line);
		if (isNew) this.firstRow(o, row);
		else this.nextRow(o, row);
		if (this.oRows && this.opts.headers) {
			const rec: Record<string, string> = {};
			this.opts.headers.forEach((h, k) => (rec[h] = fieldText(row, k)));
			(this.oRows[o] ??= []).push(rec);
		}
	}

	/** An order of its own (no order id): numbered after the id table so indexes never clash. */
	private newAnonymous(line: number): number {
		const key = `row-${line}`;
		return this.orders ? this.orders.internString(`\u0000${key}`) : this.n;
	}

	/** The amount of field k; NaN when absent, empty or invalid. */
	private amountOf(row: CsvRow, k: number): number {
		if (k < 0 || k >= row.count) return NaN;
		const span = this.span;
		trimmed(row, k, span);
		if (span[1] === span[0]) return NaN;
		const fast = plainAmountBytes(row.buf, span[0], span[1]);
		if (fast !== undefined) return fast <= MAX_AMOUNT && fast >= -MAX_AMOUNT ? fast : NaN;
		const text = fieldText(row, k);
		const a = parseAmount(text);
		if (!Number.isNaN(a) && this.col.currency < 0) {
			const mark = amountCurrency(text);
			if (mark) this.marks.set(mark, (this.marks.get(mark) ?? 0) + 1);
		}
		return a;
	}

	private firstRow(o: number, row: CsvRow): void {
		if (o >= this.cap) this.grow();
		if (o >= this.n) this.n = o + 1;
		const col = this.col;
		const b = row.buf;
		const span = this.span;
		this.oLine[o] = row.line;
		this.oGross[o] = 0;
		this.oRefunds[o] = 0;
		this.oAmounts[o] = 0;
		// customer: an email address is lower-cased
		let customer = -1;
		const known = this.customers.size;
		if (col.customerId < row.count) {
			trimmed(row, col.customerId, span);
			if (row.flags[col.customerId] === 1) {
				// doubled quotes inside: the id is the text with them undone
				const text = Buffer.from(fieldText(row, col.customerId), 'utf8');
				customer = this.internCustomer(text, 0, text.length);
			} else if (span[1] > span[0]) customer = this.internCustomer(b, span[0], span[1]);
		}
		this.oCustomer[o] = customer;
		this.oStatus[o] = this.statusAt(row);
		if (col.cancelledAt >= 0 && col.cancelledAt < row.count) {
			trimmed(row, col.cancelledAt, span);
			if (span[1] > span[0]) this.oStatus[o] = CANCELLED;
		}
		this.oCurrency[o] = this.currencyAt(row);
		if (this.oEmail) this.oEmail[o] = this.emailAt(row);
		else if (this.col.email >= 0 && customer >= 0) this.customerEmail(customer, customer >= known, row);
		const t = this.dateAt(row);
		this.oTime[o] = t ?? NaN;
		const amount = this.amountOf(row, col.amount);
		if (customer < 0) this.bad.set(o, `empty ${this.names.customerId}`);
		else if (t === null) {
			const text = col.date < row.count ? fieldText(row, col.date) : '';
			this.bad.set(o, text === '' ? `empty ${this.names.date}` : `${this.names.date} "${clip(text)}": ${dateProblem(text, this.opts.dateFormat)}`);
		} else if (Number.isNaN(amount)) this.amountBad(o, row);
		if (col.refunded >= 0) {
			const ref = this.amountOf(row, col.refunded);
			if (!Number.isNaN(ref)) this.oRefunds[o] += Math.abs(ref);
		}
		this.addAmount(o, amount);
	}

	private nextRow(o: number, row: CsvRow): void {
		const col = this.col;
		const t = this.dateAt(row);
		const ok = this.bad.size === 0 || !this.bad.has(o);
		if (t !== null && (Number.isNaN(this.oTime[o]) || t < this.oTime[o]) && ok) this.oTime[o] = t;
		const amount = this.amountOf(row, col.amount);
		if (Number.isNaN(amount) && ok) this.amountBad(o, row);
		this.addAmount(o, amount);
	}

	/** Marks order o invalid when its amount field holds something that is not an amount (empty is a continuation line). */
	private amountBad(o: number, row: CsvRow): void {
		const k = this.col.amount;
		const text = k < row.count ? fieldText(row, k) : '';
		if (text !== '') this.bad.set(o, `${this.names.amount} "${clip(text)}": ${amountProblem(text)}`);
	}

	private addAmount(o: number, amount: number): void {
		if (Number.isNaN(amount)) return;
		this.oAmounts[o]++;
		if (amount < 0) this.oRefunds[o] -= amount;
		else this.oGross[o] += amount;
	}

	private internCustomer(b: Uint8Array, s: number, e: number): number {
		const numbered = this.customers.numbered(b, s, e);
		if (numbered >= 0) return numbered;
		let email = false;
		let ascii = true;
		for (let i = s; i < e; i++) {
			const c = b[i];
			if (c === 64) email = true;
			else if (c >= 128) ascii = false;
		}
		if (email && !ascii) {
			const lower = Buffer.from(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', s, e).toLowerCase(), 'utf8');
			return this.customers.intern(lower, 0, lower.length, false);
		}
		return this.customers.intern(b, s, e, email);
	}

	/** The email of a row (lower case, must hold an @) as an index into `emails`, -1 when none. */
	private emailAt(row: CsvRow): number {
		const k = this.col.email;
		if (k >= row.count) return -1;
		const span = this.span;
		trimmed(row, k, span);
		const b = row.buf;
		let at = false;
		// the text path trims every kind of blank (trim()): bytes only when the ends are printable
		let ascii = row.flags[k] !== 1 && (span[1] === span[0] || (b[span[0]] > 32 && b[span[1] - 1] > 32));
		for (let i = span[0]; i < span[1]; i++) {
			if (b[i] === 64) at = true;
			else if (b[i] >= 128) ascii = false;
		}
		if (!at) return -1;
		const emails = this.emails;
		if (ascii) return emails ? emails.intern(b, span[0], span[1], true) : this.emailList.push(b, span[0], span[1], true);
		const text = normEmail(fieldText(row, k));
		return text === null ? -1 : emails ? emails.internString(text) : this.emailList.pushString(text);
	}

	/** Remembers the email of the row for its customer unless one is known already (bytes, no string). */
	private customerEmail(customer: number, isNew: boolean, row: CsvRow): void {
		if (!isNew && this.withoutEmail === 0) return;
		if (customer >= this.cEmail.length) this.cEmail = growI32(this.cEmail, Math.max(customer + 1, this.cEmail.length * 2));
		if (this.cEmail[customer] !== 0) return;
		const e = this.emailAt(row) + 1;
		this.cEmail[customer] = e;
		if (isNew && e === 0) this.withoutEmail++;
		else if (!isNew && e !== 0) this.withoutEmail--;
	}

	private email(o: number): string | null {
		const e = this.oEmail ? this.oEmail[o] : -1;
		return e >= 0 && this.emails ? this.emails.key(e) : null;
	}

	private dateAt(row: CsvRow): number | null {
		const k = this.col.date;
		if (k >= row.count) return null;
		if (this.opts.dateFormat === 'auto') {
			const span = this.span;
			trimmed(row, k, span);
			const fast = parseDateBytes(row.buf, span[0], span[1]);
			if (fast !== undefined) return fast;
		}
		return parseDate(fieldText(row, k), this.opts.dateFormat);
	}

	private statusAt(row: CsvRow): number {
		const k = this.col.status;
		if (k < 0 || k >= row.count) return PAID;
		const span = this.span;
		trimmed(row, k, span);
		const quoted = row.flags[k] === 1;
		if (!quoted && this.lastStatus.is(row.buf, span[0], span[1])) return this.lastStatus.code;
		const i = quoted ? this.statusCodes.internString(fieldText(row, k)) : this.statusCodes.intern(row.buf, span[0], span[1], false);
		if (this.statusCodes.added) this.statusOf.push(STATUSES.indexOf(statusFromText(fieldText(row, k))));
		return quoted ? this.statusOf[i] : this.lastStatus.remember(row.buf, span[0], span[1], this.statusOf[i]);
	}

	private currencyAt(row: CsvRow): number {
		const k = this.col.currency;
		if (k < 0 || k >= row.count) return this.defaultCode;
		const span = this.span;
		trimmed(row, k, span);
		if (span[1] === span[0]) return this.defaultCode;
		const quoted = row.flags[k] === 1;
		if (!quoted && this.lastCurrency.is(row.buf, span[0], span[1])) return this.lastCurrency.code;
		const before = this.currencyCodes.size;
		const i = quoted ? this.currencyCodes.internString(fieldText(row, k)) : this.currencyCodes.intern(row.buf, span[0], span[1], false);
		if (this.currencyCodes.size > before) this.currencyOf.push(upperOrNull(fieldText(row, k)) ?? this.opts.defaultCurrency);
		return quoted ? i : this.lastCurrency.remember(row.buf, span[0], span[1], i);
	}

	/** Throws when amounts carry several currency signs and there is no currency column; else the currency they name. */
	private currencyFromMarks(): string | undefined {
		if (this.marks.size === 0) return undefined;
		const list = [...this.marks.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
		if (list.length > 1)
			throw new CsvMarksError(
				`The amounts carry ${list.length} different currency signs: ${list.map(([m, k]) => `${m} (${k} ${k === 1 ? 'row' : 'rows'})`).join(', ')}, and the file has no currency column. Add a currency column (or map it under Field Mapping), or split the file by currency.`,
			);
		const mark = list[0][0];
		return /^[A-Z]{3}$/.test(mark) ? mark : SIGN_CODES[mark];
	}

	/**
	 * Walks the orders in file order: invalid ones are reported (`invalid`), the others are handed
	 * over with their net total and status (`each`), unless placed before `sinceMs`.
	 */
	private walk(sinceMs: number | null, invalid: (s: SkippedRecord) => void, each: (o: number, net: number, status: number, currency: string) => void): void {
		const fromMarks = this.currencyFromMarks();
		const hasIds = !!this.orders;
		const anyBad = this.bad.size > 0;
		for (let o = 0; o < this.n; o++) {
			let why = anyBad ? this.bad.get(o) : undefined;
			if (!why && this.oAmounts[o] === 0) why = `empty ${this.names.amount}`;
			if (why) {
				const id = this.orderId(o);
				invalid({ id: hasIds && !id.startsWith('row-') ? `order ${id} (row ${this.oLine[o]})` : `row ${this.oLine[o]}`, reason: why });
				continue;
			}
			if (sinceMs !== null && this.oTime[o] < sinceMs) continue;
			const gross = this.oGross[o];
			const refunds = this.oRefunds[o];
			const net = Math.max(0, gross - refunds);
			let status = this.oStatus[o];
			if (refunds > 0 && status === PAID) status = net <= 0 ? REFUNDED : PARTIAL;
			let currency = this.currencyOf[this.oCurrency[o]] as string;
			if (fromMarks && this.oCurrency[o] === this.defaultCode && this.col.currency < 0) currency = fromMarks;
			each(o, net, status, currency);
		}
	}

	orderId(o: number): string {
		if (!this.orders) return `row-${this.oLine[o]}`;
		const key = this.orders.key(o);
		return key.charCodeAt(0) === 0 ? key.slice(1) : key;
	}

	/** The valid orders, normalized (Fetch Customers' orders output). */
	ordersOut(sinceMs: number | null, invalid: (s: SkippedRecord) => void): OrderOut[] {
		const out: OrderOut[] = [];
		this.walk(sinceMs, invalid, (o, net, status, currency) => {
			const customerId = this.customers.key(this.oCustomer[o]);
			const st = STATUSES[status];
			const email = this.email(o) ?? (customerId.includes('@') ? customerId : null);
			const rec: OrderOut = { customerId, orderId: this.orderId(o), time: this.oTime[o], total: roundMoney(st === 'refunded' ? 0 : net, currency), currency, status: st, email };
			if (this.oRows) rec.rows = this.oRows[o];
			out.push(rec);
		});
		return out;
	}

	/** Customers aggregated from the valid orders. */
	customersOut(sinceMs: number | null, invalid: (s: SkippedRecord) => void): CustomerColumns {
		const C = this.customers.size;
		const order = new Int32Array(C);
		let K = 0;
		// per customer, side by side (an order touches its customer's 64 bytes only): [counted orders,
		// first time, last time, amount in the main currency, currency of the counted orders as index + 1
		// into `names` (0 none yet, -1 several: see \`several\`), seen (1 once the walk met the customer)]
		const agg = new Float64Array(AGG * C);
		for (let c = 0; c < C; c++) {
			agg[AGG * c + 1] = NaN;
			agg[AGG * c + 2] = NaN;
		}
		const names: string[] = [];
		let lastName = '';
		let lastCode = 0;
		const several = new Map<number, Map<string, { amount: number; count: number }>>();
		this.walk(sinceMs, invalid, (o, net, status, currency) => {
			const c = this.oCustomer[o];
			const a = AGG * c;
			if (agg[a + 5] === 0) {
				agg[a + 5] = 1;
				order[K++] = c;
			}
			if (status !== PAID && status !== PARTIAL) return;
			const count = ++agg[a];
			const t = this.oTime[o];
			if (!(t >= agg[a + 1])) agg[a + 1] = t;
			if (!(t <= agg[a + 2])) agg[a + 2] = t;
			if (lastCode === 0 || currency !== lastName) {
				lastCode = names.indexOf(currency) + 1 || names.push(currency);
				lastName = currency;
			}
			const code = agg[a + 4];
			if (code === 0 || code === lastCode) {
				agg[a + 4] = lastCode;
				agg[a + 3] += net;
				return;
			}
			let m = several.get(c);
			if (!m) {
				m = new Map([[names[code - 1], { amount: agg[a + 3], count: count - 1 }]]);
				several.set(c, m);
				agg[a + 4] = -1;
			}
			const e = m.get(currency) ?? { amount: 0, count: 0 };
			e.amount += net;
			e.count++;
			m.set(currency, e);
		});
		return this.customerColumns(order.subarray(0, K), agg, names, several);
	}

	private customerColumns(order: Int32Array, agg: Float64Array, names: string[], several: Map<number, Map<string, { amount: number; count: number }>>): CustomerColumns {
		const K = order.length;
		const out: CustomerColumns = {
			count: K,
			customerId: new Array(K),
			email: new Array(K),
			ordersCount: new Int32Array(K),
			totalSpent: new Float64Array(K),
			currency: new Array(K),
			lastOrderTime: new Float64Array(K),
			firstOrderTime: new Float64Array(K),
			spentByCurrency: new Map(),
		};
		for (let k = 0; k < K; k++) {
			const c = order[k];
			const id = this.customers.key(c);
			out.customerId[k] = id;
			const e = c < this.cEmail.length ? this.cEmail[c] : 0;
			out.email[k] = e > 0 ? this.emailList.key(e - 1) : id.includes('@') ? id : null;
			const a = AGG * c;
			const count = agg[a];
			out.ordersCount[k] = count;
			out.firstOrderTime[k] = agg[a + 1];
			out.lastOrderTime[k] = agg[a + 2];
			const code = agg[a + 4];
			if (code >= 0) {
				const currency = code > 0 ? names[code - 1] : null;
				out.currency[k] = currency;
				out.totalSpent[k] = count ? roundMoney(agg[a + 3], currency) : 0;
				continue;
			}
			const m = several.get(c) as Map<string, { amount: number; count: number }>;
			const list = [...m.entries()].sort((x, y) => y[1].count - x[1].count || y[1].amount - x[1].amount || (x[0] < y[0] ? -1 : 1));
			out.currency[k] = list[0][0];
			out.totalSpent[k] = roundMoney(list[0][1].amount, list[0][0]);
			const all: Record<string, number> = {};
			for (const [name, v] of list) all[name] = roundMoney(v.amount, name);
			out.spentByCurrency.set(k, all);
		}
		return out;
	}
}

export class CsvMarksError extends Error {}

const clip = (s: string) => (s.length > 30 ? s.slice(0, 30) : s);

/** Status text of a file to the shared vocabulary. */
export function statusFromText(value: unknown): OrderStatus {
	const s = String(value ?? '').trim().toLowerCase().replace(/[\s-]+/g, '_');
	if (!s) return 'paid';
	if (/^(partially_refunded|partial_refund|partially_returned)$/.test(s)) return 'partially_refunded';
	if (/^(refunded|fully_refunded|returned|chargeback|charged_back)$/.test(s)) return 'refunded';
	if (/^(cancelled|canceled|voided|void|trash|deleted)$/.test(s)) return 'cancelled';
	if (/^(failed|declined|expired|error|rejected)$/.test(s)) return 'failed';
	if (/^(pending|on_hold|authorized|unpaid|awaiting_payment|partially_paid|open|draft|checkout_draft)$/.test(s)) return 'pending';
	return 'paid';
}
