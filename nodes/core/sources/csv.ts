/**
 * CSV / spreadsheet export as a source: an orders file (one row per order or per order line) or a
 * customers file (one row per customer with totals), read with the same field guesses and date
 * formats as RFM Score. Read as a stream: chunk by chunk, in memory that grows with the number of
 * orders and customers, not with the size of the file (see csvDecode, csvTokenizer, csvOrders).
 *
 * - Text: UTF-8, UTF-16 LE/BE (with or without a byte order mark), Windows-1252 (see csvDecode.ts);
 *   a file that mixes encodings or is not text is an error.
 * - Delimiter: `,` `;` tab or `|`, detected from the first lines (the one that splits every line
 *   into the same number of fields, outside quotes) unless given.
 * - RFC 4180 quoting: quoted fields may hold delimiters, doubled quotes and line breaks; a quote
 *   that is never closed is an error naming its line (csvTokenizer.ts).
 * - Header row: names are matched case-, space- and underscore-insensitively ("Created at" =
 *   created_at), so Shopify, WooCommerce and spreadsheet exports work without mapping.
 * - Orders: rows sharing an order id are one order (line-item exports): amounts are summed, a row
 *   with an empty amount is a continuation line, negative rows are refunds netted into the order,
 *   a "refunded amount" column is subtracted.
 */
import type { DateFormat } from '../dates';
import { dateProblem, parseDate } from '../dates';
import { amountProblem, idString, parseAmount } from '../fields';
import { CUSTOMER_FIELDS, ORDER_FIELDS } from '../rfm/fieldGuesses';
import { Utf8Normalizer, type CsvEncoding, type DetectedEncoding } from './csvDecode';
import { CsvMarksError, CsvOrderReader, type CustomerColumns, type OrderColumns, type OrderOut } from './csvOrders';
import { CsvTokenizer, fieldText, tokenize, type CsvRow } from './csvTokenizer';
import { SourceError } from './errors';
import { consentFrom, emptyCustomer, isoOrNull, normEmail, roundMoney, splitTags, str, upperOrNull } from './normalize';
import type { FetchStats, NormalizedCustomer, NormalizedOrder, OutputMode, SkippedRecord } from './types';
import { CustomerTable } from '../table/table';

export { statusFromText } from './csvOrders';
export type { CsvEncoding } from './csvDecode';
export type { CustomerColumns } from './csvOrders';

export type CsvDelimiter = ',' | ';' | '\t' | '|';
export const DELIMITERS: CsvDelimiter[] = [',', ';', '\t', '|'];

/** A whole file as text (any supported encoding; the byte order mark dropped). */
export function decodeText(data: Buffer | Uint8Array | string, encoding: CsvEncoding = 'auto'): string {
	if (typeof data === 'string') return data.replace(/^\uFEFF/, '');
	const n = new Utf8Normalizer(encoding);
	return Buffer.concat([n.push(data), n.end()]).toString('utf8');
}

/** Counts of each candidate delimiter per line (outside quotes) over the first lines. */
export function detectDelimiter(text: string, sampleLines = 20): CsvDelimiter {
	const counts: Record<string, number[]> = { ',': [], ';': [], '\t': [], '|': [] };
	let line: Record<string, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
	let inQuotes = false;
	let lines = 0;
	let nonEmpty = false;
	for (let i = 0; i < text.length && lines < sampleLines; i++) {
		const ch = text[i];
		if (ch === '"') inQuotes = !inQuotes;
		else if (!inQuotes && (ch === '\n' || ch === '\r')) {
			if (ch === '\r' && text[i + 1] === '\n') i++;
			if (nonEmpty) {
				for (const d of DELIMITERS) counts[d].push(line[d]);
				lines++;
			}
			line = { ',': 0, ';': 0, '\t': 0, '|': 0 };
			nonEmpty = false;
		} else {
			if (!inQuotes && ch in line) line[ch]++;
			if (!/\s/.test(ch)) nonEmpty = true;
		}
	}
	if (nonEmpty && lines < sampleLines) for (const d of DELIMITERS) counts[d].push(line[d]);
	let best: CsvDelimiter = ',';
	let bestScore = -1;
	for (const d of DELIMITERS) {
		const c = counts[d];
		if (!c.length || c[0] === 0) continue;
		const consistent = c.filter((x) => x === c[0]).length / c.length;
		// consistency first, then how many fields it makes
		const score = consistent * 1000 + Math.min(c[0], 999);
		if (score > bestScore) {
			bestScore = score;
			best = d;
		}
	}
	return best;
}

/** Parses CSV text into rows of fields (RFC 4180 quoting, CRLF / LF / CR line ends; blank rows dropped). */
export function parseCsv(text: string, delimiter: CsvDelimiter): string[][] {
	return tokenize(text, delimiter);
}

export interface CsvTable {
	headers: string[];
	rows: Record<string, string>[];
	delimiter: CsvDelimiter;
}

/** Header names made unique ("a", "a_2"), empty ones named column_N. */
function uniqueHeaders(raw: string[]): string[] {
	const headers: string[] = [];
	const used = new Map<string, number>();
	raw.forEach((h, k) => {
		let name = h.trim() || `column_${k + 1}`;
		const seen = used.get(name) ?? 0;
		used.set(name, seen + 1);
		if (seen) name = `${name}_${seen + 1}`;
		headers.push(name);
	});
	return headers;
}

/** A small file as a table of rows (every field trimmed). */
export function readCsv(data: Buffer | Uint8Array | string, delimiter?: CsvDelimiter | 'auto'): CsvTable {
	const text = decodeText(data);
	const d = !delimiter || delimiter === 'auto' ? detectDelimiter(text) : delimiter;
	const all = parseCsv(text, d);
	if (all.length === 0) return { headers: [], rows: [], delimiter: d };
	const headers = uniqueHeaders(all[0]);
	const rows = all.slice(1).map((r) => {
		const o: Record<string, string> = {};
		headers.forEach((h, k) => (o[h] = (r[k] ?? '').trim()));
		return o;
	});
	return { headers, rows, delimiter: d };
}

const squash = (s: string) => s.toLowerCase().replace(/[\s_\-.]+/g, '');

/** Export-specific header names (Shopify / WooCommerce exports) tried after RFM Score's guesses. */
const EXTRA = {
	orderId: ['Order ID', 'Order Number', 'Invoice'],
	date: ['Created at', 'Order Date', 'Paid at', 'Date'],
	amount: ['Total', 'Order Total', 'Order Total Amount', 'Amount'],
	refunded: ['Refunded Amount', 'amount_refunded', 'refunded_amount', 'Order Refund Amount', 'refund'],
	cancelledAt: ['Cancelled at', 'cancelled_at', 'canceled_at'],
	email: ['email', 'Email', 'customer_email', 'Billing Email', 'Billing Email Address'],
	firstName: ['firstName', 'first_name', 'First Name', 'Billing First Name'],
	lastName: ['lastName', 'last_name', 'Last Name', 'Billing Last Name'],
	phone: ['phone', 'Phone', 'Billing Phone', 'Default Address Phone'],
	country: ['country', 'Country', 'Default Address Country Code', 'country_code', 'Billing Country'],
	createdAt: ['createdAt', 'created_at', 'Created at', 'signup_date', 'registered'],
	emailConsent: ['Accepts Email Marketing', 'accepts_marketing', 'acceptsMarketing', 'email_consent', 'email_marketing_consent', 'marketing_consent', 'newsletter'],
	smsConsent: ['Accepts SMS Marketing', 'sms_consent', 'sms_marketing_consent'],
	tags: ['tags', 'Tags'],
	ordersCount: ['Total Orders', 'Orders Count', 'Orders'],
	totalSpent: ['Total Spent', 'Amount Spent', 'Lifetime Value'],
	customerId: ['Customer ID', 'Customer Id', 'Customer'],
};

/** Finds the header for a field: the mapped name (exact or loose), else the first guess present. */
export function pickHeader(headers: string[], mapped: string | undefined, candidates: readonly string[]): string | undefined {
	const loose = new Map<string, string>();
	for (const h of headers) if (!loose.has(squash(h))) loose.set(squash(h), h);
	const m = (mapped ?? '').trim();
	if (m) {
		if (headers.includes(m)) return m;
		const hit = loose.get(squash(m));
		if (hit) return hit;
		throw new SourceError('config', `The file has no column "${m}". Its columns are: ${headers.join(', ')}.`);
	}
	for (const c of candidates) {
		if (c.includes('.')) continue;
		const hit = headers.includes(c) ? c : loose.get(squash(c));
		if (hit) return hit;
	}
	return undefined;
}

export interface CsvFieldMap {
	customerId?: string;
	orderId?: string;
	date?: string;
	amount?: string;
	currency?: string;
	status?: string;
	email?: string;
	lastOrderDate?: string;
	ordersCount?: string;
	totalSpent?: string;
}

export interface CsvOptions {
	mode: OutputMode;
	/** What one row is; 'auto' looks at the columns. */
	contains?: 'auto' | 'orders' | 'customers';
	delimiter?: CsvDelimiter | 'auto';
	/** Text encoding; 'auto' detects it (see csvDecode.ts). */
	encoding?: CsvEncoding;
	/** How date columns are read (see nodes/core/dates.ts). */
	dateFormat?: DateFormat;
	fields?: CsvFieldMap;
	/** Currency when the file has no currency column. */
	defaultCurrency?: string;
	includeSource?: boolean;
	onInvalid?: 'skip' | 'fail';
	maxRecords?: number;
	/** Only orders (or customers with a last order) at or after this instant. */
	since?: string | null;
}

export interface CsvProgress {
	/** Bytes of the file read so far. */
	bytes: number;
	totalBytes?: number;
	/** Data rows read so far. */
	rows: number;
	done: boolean;
}

export interface CsvStreamOptions extends CsvOptions {
	/** Size of the file, when known (for progress). */
	totalBytes?: number;
	/** Called each time another `progressEveryBytes` bytes were read, and once at the end. */
	onProgress?: (p: CsvProgress) => void;
	progressEveryBytes?: number;
}

export interface CsvResult {
	mode: OutputMode;
	contains: 'orders' | 'customers';
	delimiter: CsvDelimiter;
	encoding: DetectedEncoding;
	columns: Record<string, string | undefined>;
	/** Orders or customers as objects (built on first access from the columns). */
	readonly records: Array<NormalizedOrder | NormalizedCustomer>;
	/** Customers as columns (orders files in customers mode): what the large-run table is built from. */
	customers?: CustomerColumns;
	/** The first 1,000 records that could not be read, with their reason. */
	skipped: SkippedRecord[];
	/** All records that could not be read. */
	skippedCount: number;
	stats: FetchStats;
	truncated: boolean;
	/** Largest number of bytes of the file held in memory at once. */
	maxBufferedBytes: number;
}

const SKIPPED_KEPT = 1000;
const DETECT_BYTES = 65536;

/** Resolves the columns of a file from its header row and the mapping. */
function resolveColumns(headers: string[], f: CsvFieldMap) {
	const pick = (mapped: string | undefined, ...lists: ReadonlyArray<readonly string[]>) => pickHeader(headers, mapped, lists.flat());
	return {
		customerId: pick(f.customerId, ORDER_FIELDS.customerId, EXTRA.customerId),
		// Shopify's orders export names the order in "Name" (#1001); elsewhere "Name" is a person.
		orderId: pick(f.orderId, ORDER_FIELDS.orderId.filter((c) => c !== 'id'), EXTRA.orderId, pickHeader(headers, undefined, ['Financial Status']) ? ['Name'] : []),
		date: pick(f.date, ORDER_FIELDS.date, EXTRA.date),
		amount: pick(f.amount, ORDER_FIELDS.amount, EXTRA.amount),
		currency: pick(f.currency, ORDER_FIELDS.currency),
		status: pick(f.status, ORDER_FIELDS.status, ['Financial Status']),
		email: pick(f.email, EXTRA.email),
		refunded: pick(undefined, EXTRA.refunded),
		cancelledAt: pick(undefined, EXTRA.cancelledAt),
		lastOrderDate: pick(f.lastOrderDate, CUSTOMER_FIELDS.lastOrderDate),
		ordersCount: pick(f.ordersCount, CUSTOMER_FIELDS.ordersCount, EXTRA.ordersCount),
		totalSpent: pick(f.totalSpent, CUSTOMER_FIELDS.totalSpent, EXTRA.totalSpent),
		firstOrderDate: pick(undefined, CUSTOMER_FIELDS.firstOrderDate),
		firstName: pick(undefined, EXTRA.firstName),
		lastName: pick(undefined, EXTRA.lastName),
		phone: pick(undefined, EXTRA.phone),
		country: pick(undefined, EXTRA.country),
		createdAt: pick(undefined, EXTRA.createdAt),
		emailConsent: pick(undefined, EXTRA.emailConsent),
		smsConsent: pick(undefined, EXTRA.smsConsent),
		tags: pick(undefined, EXTRA.tags),
		customerKey: pick(f.customerId, CUSTOMER_FIELDS.customerId, EXTRA.customerId),
	};
}
type Columns = ReturnType<typeof resolveColumns>;

/** Customers files: one row per customer with its totals (read row by row, ids checked for duplicates). */
class CustomerFileReader {
	rows = 0;
	readonly out: NormalizedCustomer[] = [];
	truncated = false;
	private readonly seen = new Set<string>();
	private readonly idCol: string;

	constructor(
		private readonly headers: string[],
		private readonly col: Columns,
		private readonly opts: CsvOptions,
		private readonly invalid: (s: SkippedRecord) => void,
		private readonly sinceMs: number | null,
	) {
		const idCol = col.customerKey ?? col.email;
		if (!idCol) throw new SourceError('config', `No customer id column found. Map one in "Field Names". Columns: ${headers.join(', ')}.`);
		this.idCol = idCol;
	}

	row(r: CsvRow): void {
		this.rows++;
		if (this.truncated) return;
		const row: Record<string, string> = {};
		this.headers.forEach((h, k) => (row[h] = fieldText(r, k)));
		const c = this.customer(row, `row ${r.line}`);
		if (!c) return;
		if (this.opts.includeSource) c.source = row;
		this.out.push(c);
		const max = this.opts.maxRecords && this.opts.maxRecords > 0 ? this.opts.maxRecords : Infinity;
		if (this.out.length >= max) this.truncated = true;
	}

	private customer(row: Record<string, string>, rowId: string): NormalizedCustomer | undefined {
		const { col, opts } = this;
		const format = opts.dateFormat ?? 'auto';
		const id = idString(row[this.idCol]);
		if (!id) return void this.invalid({ id: rowId, reason: `empty ${this.idCol}` });
		if (this.seen.has(id)) return void this.invalid({ id: rowId, reason: `duplicate customer id ${id}` });
		const countRaw = col.ordersCount ? row[col.ordersCount] || '0' : '0';
		const count = parseAmount(countRaw);
		if (Number.isNaN(count) || count < 0) return void this.invalid({ id: rowId, reason: `${col.ordersCount} "${countRaw.slice(0, 30)}": not a number of orders` });
		const spentRaw = col.totalSpent ? row[col.totalSpent] || '0' : '0';
		const spent = parseAmount(spentRaw);
		if (Number.isNaN(spent)) return void this.invalid({ id: rowId, reason: `${col.totalSpent} "${spentRaw.slice(0, 30)}": ${amountProblem(spentRaw)}` });
		const lastRaw = col.lastOrderDate ? row[col.lastOrderDate] : '';
		const last = lastRaw ? parseDate(lastRaw, format) : null;
		if (lastRaw && last === null) return void this.invalid({ id: rowId, reason: `${col.lastOrderDate} "${lastRaw.slice(0, 30)}": ${dateProblem(lastRaw, format)}` });
		if (this.sinceMs !== null && (last === null || last < this.sinceMs)) return undefined;
		this.seen.add(id);
		const c = emptyCustomer(id);
		c.ordersCount = Math.round(count);
		c.currency = upperOrNull(col.currency ? row[col.currency] : '') ?? upperOrNull(opts.defaultCurrency) ?? 'USD';
		c.totalSpent = roundMoney(spent, c.currency);
		c.lastOrderDate = last === null ? null : new Date(last).toISOString();
		c.firstOrderDate = col.firstOrderDate ? isoOrNull(row[col.firstOrderDate]) : null;
		c.email = col.email ? normEmail(row[col.email]) : null;
		c.firstName = col.firstName ? str(row[col.firstName]) : null;
		c.lastName = col.lastName ? str(row[col.lastName]) : null;
		c.phone = col.phone ? str(row[col.phone]?.replace(/^'/, '')) : null;
		c.country = col.country ? upperOrNull(row[col.country]) : null;
		c.createdAt = col.createdAt ? isoOrNull(row[col.createdAt]) : null;
		c.consent = {
			email: col.emailConsent ? consentFrom(row[col.emailConsent]) : 'unknown',
			sms: col.smsConsent ? consentFrom(row[col.smsConsent]) : 'unknown',
		};
		c.acceptsMarketing = c.consent.email === 'subscribed';
		c.tags = col.tags ? splitTags(row[col.tags]) : [];
		return c;
	}
}

const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : null);

function orderRecord(o: OrderOut): NormalizedOrder {
	const rec: NormalizedOrder = { customerId: o.customerId, orderId: o.orderId, createdAt: new Date(o.time).toISOString(), total: o.total, currency: o.currency, status: o.status };
	if (o.email) rec.email = o.email;
	if (o.rows) rec.source = o.rows.length === 1 ? o.rows[0] : o.rows;
	return rec;
}

/** Customer k of the columns as Fetch Customers' normalized customer. */
export function customerRecord(c: CustomerColumns, k: number): NormalizedCustomer {
	const out = emptyCustomer(c.customerId[k]);
	out.email = c.email[k];
	out.ordersCount = c.ordersCount[k];
	out.lastOrderDate = iso(c.lastOrderTime[k]);
	out.firstOrderDate = iso(c.firstOrderTime[k]);
	out.currency = c.currency[k];
	out.totalSpent = c.totalSpent[k];
	const all = c.spentByCurrency.get(k);
	if (all) out.spentByCurrency = all;
	return out;
}

/**
 * Customers of the columns as a customer table (large runs, see nodes/core/table): the fields of
 * the normalized customer, profile fields a CSV of orders does not have stored once for all rows.
 */
export function customerTable(c: CustomerColumns): CustomerTable {
	const n = c.count;
	const cut = <T>(a: T[]) => (a.length === n ? a : a.slice(0, n));
	const t = new CustomerTable(n);
	t.set('customerId', { kind: 'text', values: cut(c.customerId) });
	t.set('email', { kind: 'text', values: cut(c.email) });
	for (const name of ['firstName', 'lastName', 'phone', 'country', 'createdAt']) t.set(name, { kind: 'const', value: null });
	t.set('ordersCount', { kind: 'number', values: Float64Array.from(c.ordersCount.subarray(0, n)) });
	t.set('totalSpent', { kind: 'number', values: c.totalSpent.slice(0, n) });
	t.set('currency', { kind: 'label', values: cut(c.currency) });
	t.set('lastOrderDate', { kind: 'date', values: c.lastOrderTime.slice(0, n) });
	t.set('firstOrderDate', { kind: 'date', values: c.firstOrderTime.slice(0, n) });
	t.set('consent', { kind: 'const', value: { email: 'unknown', sms: 'unknown' } });
	t.set('acceptsMarketing', { kind: 'const', value: false });
	t.set('tags', { kind: 'const', value: [] });
	if (c.spentByCurrency.size) {
		const all: unknown[] = new Array(n).fill(undefined);
		for (const [k, v] of c.spentByCurrency) if (k < n) all[k] = v;
		t.set('spentByCurrency', { kind: 'json', values: all });
	}
	// one row per customer id, aggregated from the orders: RFM Score need not look for repeats
	t.meta.distinctIds = 'customerId';
	return t;
}

/**
 * The read of one file: bytes -> UTF-8 -> delimiter -> rows -> header -> orders or customers.
 * push() each chunk, then end() for the result.
 */
class CsvRead {
	private readonly normalizer: Utf8Normalizer;
	private head: Buffer[] = [];
	private headBytes = 0;
	private headLines = 0;
	/** Bytes of the first lines counted in headLines (to guess the number of rows from the file size). */
	private headLineBytes = 0;
	private tokenizer: CsvTokenizer | undefined;
	private delimiter: CsvDelimiter = ',';
	private headers: string[] | undefined;
	private col: Columns | undefined;
	private contains: 'orders' | 'customers' = 'orders';
	private orders: CsvOrderReader | undefined;
	private customers: CustomerFileReader | undefined;
	private readonly skipped: SkippedRecord[] = [];
	private skippedCount = 0;
	private readonly sinceMs: number | null;

	private bytesPerRow = 64;

	constructor(
		private readonly opts: CsvOptions,
		private readonly totalBytes?: number,
	) {
		this.normalizer = new Utf8Normalizer(opts.encoding ?? 'auto');
		this.sinceMs = opts.since ? Date.parse(opts.since) : null;
	}

	get rows(): number {
		return (this.orders?.rows ?? 0) + (this.customers?.rows ?? 0);
	}

	push(chunk: Uint8Array): void {
		this.feed(this.normalizer.push(chunk));
	}

	private feed(u: Buffer): void {
		if (this.tokenizer) return this.tokenizer.push(u);
		if (u.length === 0) return;
		this.head.push(u);
		this.headBytes += u.length;
		for (let i = 0; i < u.length && this.headLines <= 20; i++)
			if (u[i] === 10) {
				this.headLines++;
				this.headLineBytes = this.headBytes - u.length + i + 1;
			}
		if (this.headBytes >= DETECT_BYTES || this.headLines > 20) this.start();
	}

	private start(): void {
		const head = Buffer.concat(this.head);
		this.head = [];
		if (this.headLines > 0) this.bytesPerRow = Math.max(8, this.headLineBytes / this.headLines);
		const d = this.opts.delimiter;
		this.delimiter = !d || d === 'auto' ? detectDelimiter(head.toString('utf8', 0, Math.min(head.length, DETECT_BYTES))) : d;
		this.tokenizer = new CsvTokenizer(this.delimiter.charCodeAt(0), (row) => this.onRow(row));
		this.tokenizer.push(head);
	}

	private invalid = (s: SkippedRecord): void => {
		if (this.opts.onInvalid === 'fail') throw new SourceError('invalidRecord', `CSV ${s.id}: ${s.reason}.`, { recordId: s.id });
		this.skippedCount++;
		if (this.skipped.length < SKIPPED_KEPT) this.skipped.push(s);
	};

	private onRow(row: CsvRow): void {
		if (this.orders) return this.orders.row(row);
		if (this.customers) return this.customers.row(row);
		const headers = uniqueHeaders(Array.from({ length: row.count }, (_, k) => fieldText(row, k)));
		this.headers = headers;
		const col = resolveColumns(headers, this.opts.fields ?? {});
		this.col = col;
		let contains = this.opts.contains ?? 'auto';
		if (contains === 'auto') {
			const customerFile = (col.ordersCount || col.totalSpent || col.lastOrderDate) && !(col.orderId && col.date && col.amount);
			contains = customerFile ? 'customers' : 'orders';
		}
		this.contains = contains;
		if (contains === 'customers') {
			if (this.opts.mode === 'orders')
				throw new SourceError('config', 'The file holds one row per customer (totals, no orders): choose the "Customers" output, or upload an orders export.');
			this.customers = new CustomerFileReader(headers, col, this.opts, this.invalid, this.sinceMs);
			return;
		}
		if (!col.customerId) throw new SourceError('config', `No customer id column found (tried customerId, customer_id, email...). Map one in "Field Names". Columns: ${headers.join(', ')}.`);
		if (!col.date) throw new SourceError('config', `No order date column found (tried createdAt, created_at, date...). Map one in "Field Names". Columns: ${headers.join(', ')}.`);
		if (!col.amount) throw new SourceError('config', `No amount column found (tried total, amount, revenue...). Map one in "Field Names". Columns: ${headers.join(', ')}.`);
		const at = (name: string | undefined) => (name === undefined ? -1 : headers.indexOf(name));
		const keys: Array<keyof OrderColumns> = ['customerId', 'orderId', 'date', 'amount', 'currency', 'status', 'email', 'refunded', 'cancelledAt'];
		const idx = Object.fromEntries(keys.map((k) => [k, at(col[k])])) as unknown as OrderColumns;
		const names = Object.fromEntries(keys.map((k) => [k, col[k] ?? k])) as Record<keyof OrderColumns, string>;
		this.orders = new CsvOrderReader(idx, names, {
			defaultCurrency: upperOrNull(this.opts.defaultCurrency) ?? 'USD',
			dateFormat: this.opts.dateFormat ?? 'auto',
			headers: this.opts.includeSource ? headers : undefined,
			mode: this.opts.mode,
			expectedRows: this.totalBytes ? Math.ceil(this.totalBytes / this.bytesPerRow) : undefined,
		});
	}

	get maxBuffered(): number {
		return Math.max(this.headBytes, this.tokenizer?.maxBuffered ?? 0);
	}

	end(): CsvResult {
		this.feed(this.normalizer.end());
		if (!this.tokenizer && this.headBytes > 0) this.start();
		this.tokenizer?.end();
		if (!this.headers) throw new SourceError('config', 'The file is empty: a header row and at least one data row are needed.');
		return this.result();
	}

	private result(): CsvResult {
		const { opts } = this;
		const maxRecords = opts.maxRecords && opts.maxRecords > 0 ? opts.maxRecords : Infinity;
		const stats: FetchStats = { requests: 0, pages: 1, retries: 0, waitedMs: 0, read: this.rows };
		const base = {
			mode: opts.mode,
			contains: this.contains,
			delimiter: this.delimiter,
			encoding: this.normalizer.detected ?? 'utf-8',
			columns: Object.fromEntries(Object.entries(this.col ?? {}).filter(([k]) => k !== 'customerKey')) as Record<string, string | undefined>,
			stats,
			maxBufferedBytes: this.maxBuffered,
		};
		const finish = (extra: { records?: () => CsvResult['records']; customers?: CustomerColumns; truncated: boolean }): CsvResult => {
			let cached: CsvResult['records'] | undefined;
			return {
				...base,
				customers: extra.customers,
				skipped: this.skipped,
				skippedCount: this.skippedCount,
				truncated: extra.truncated,
				get records() {
					return (cached ??= extra.records ? extra.records() : []);
				},
			};
		};
		if (this.customers) return finish({ records: () => this.customers!.out, truncated: this.customers.truncated });
		const reader = this.orders as CsvOrderReader;
		try {
			if (opts.mode === 'orders') {
				const list = reader.ordersOut(this.sinceMs, this.invalid);
				const truncated = list.length > maxRecords;
				const kept = truncated ? list.slice(0, maxRecords) : list;
				return finish({ records: () => kept.map(orderRecord), truncated });
			}
			const customers = reader.customersOut(this.sinceMs, this.invalid);
			const truncated = customers.count > maxRecords;
			if (truncated) customers.count = maxRecords;
			return finish({ customers, truncated, records: () => Array.from({ length: customers.count }, (_, k) => customerRecord(customers, k)) });
		} catch (e) {
			if (e instanceof CsvMarksError) throw new SourceError('config', e.message);
			throw e;
		}
	}
}

/** Reads a whole file held in memory (small files, tests). */
export function fetchCsv(data: Buffer | Uint8Array | string, opts: CsvOptions): CsvResult {
	const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
	const read = new CsvRead(opts, bytes.length);
	read.push(bytes);
	return read.end();
}

/**
 * Reads a file chunk by chunk (n8n's binary stream, a file stream): memory stays at one chunk plus
 * one row besides the orders and customers found; the event loop gets a turn after every chunk;
 * `onProgress` hears of every `progressEveryBytes` bytes (default 64 MiB) and of the end.
 */
export async function fetchCsvStream(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: CsvStreamOptions): Promise<CsvResult> {
	const read = new CsvRead(opts, opts.totalBytes);
	const step = opts.progressEveryBytes && opts.progressEveryBytes > 0 ? opts.progressEveryBytes : 64 * 1024 * 1024;
	let bytes = 0;
	let next = step;
	for await (const chunk of chunks) {
		read.push(chunk);
		bytes += chunk.length;
		if (bytes >= next && opts.onProgress) {
			opts.onProgress({ bytes, totalBytes: opts.totalBytes, rows: read.rows, done: false });
			next = (Math.floor(bytes / step) + 1) * step;
		}
		await new Promise((resolve) => setImmediate(resolve));
	}
	const result = read.end();
	opts.onProgress?.({ bytes, totalBytes: opts.totalBytes, rows: result.stats.read, done: true });
	return result;
}
