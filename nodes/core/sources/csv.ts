/**
 * CSV / spreadsheet export as a source: an orders file (one row per order or per order line) or a
 * customers file (one row per customer with totals), read with the same field guesses and date
 * formats as RFM Score.
 *
 * - Text: UTF-8 (a BOM is dropped) or UTF-16 with a BOM.
 * - Delimiter: `,` `;` tab or `|`, detected from the first lines (the one that splits every line
 *   into the same number of fields, outside quotes) unless given.
 * - RFC 4180 quoting: quoted fields may hold delimiters, doubled quotes and line breaks.
 * - Header row: names are matched case-, space- and underscore-insensitively ("Created at" =
 *   created_at), so Shopify, WooCommerce and spreadsheet exports work without mapping.
 * - Orders: rows sharing an order id are one order (line-item exports): amounts are summed, a row
 *   with an empty amount is a continuation line, negative rows are refunds netted into the order,
 *   a "refunded amount" column is subtracted.
 */
import { parseDate } from '../dates';
import { idString, parseAmount } from '../fields';
import { CUSTOMER_FIELDS, ORDER_FIELDS } from '../rfm/fieldGuesses';
import { CustomerAggregator } from './aggregate';
import { SourceError } from './errors';
import { consentFrom, emptyCustomer, isoOrNull, normEmail, roundMoney, splitTags, str, upperOrNull } from './normalize';
import type { FetchStats, NormalizedCustomer, NormalizedOrder, OrderStatus, OutputMode, SkippedRecord } from './types';

export type CsvDelimiter = ',' | ';' | '\t' | '|';
export const DELIMITERS: CsvDelimiter[] = [',', ';', '\t', '|'];

export function decodeText(data: Buffer | Uint8Array | string): string {
	if (typeof data === 'string') return data.replace(/^\uFEFF/, '');
	const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
	if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3).toString('utf8');
	if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
	if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
		const swapped = Buffer.from(buf.subarray(2));
		swapped.swap16();
		return swapped.toString('utf16le');
	}
	return buf.toString('utf8');
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

/** Parses CSV text into rows of fields (RFC 4180 quoting, CRLF / LF / CR line ends). */
export function parseCsv(text: string, delimiter: CsvDelimiter): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let inQuotes = false;
	let i = 0;
	const n = text.length;
	while (i < n) {
		const ch = text[i];
		if (inQuotes) {
			if (ch === '"') {
				if (text[i + 1] === '"') {
					field += '"';
					i += 2;
					continue;
				}
				inQuotes = false;
				i++;
				continue;
			}
			field += ch;
			i++;
			continue;
		}
		if (ch === '"' && field.trim() === '') {
			field = '';
			inQuotes = true;
			i++;
			continue;
		}
		if (ch === delimiter) {
			row.push(field);
			field = '';
			i++;
			continue;
		}
		if (ch === '\n' || ch === '\r') {
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
			i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
			continue;
		}
		field += ch;
		i++;
	}
	if (field !== '' || row.length) {
		row.push(field);
		rows.push(row);
	}
	return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

export interface CsvTable {
	headers: string[];
	rows: Record<string, string>[];
	delimiter: CsvDelimiter;
}

export function readCsv(data: Buffer | Uint8Array | string, delimiter?: CsvDelimiter | 'auto'): CsvTable {
	const text = decodeText(data);
	const d = !delimiter || delimiter === 'auto' ? detectDelimiter(text) : delimiter;
	const all = parseCsv(text, d);
	if (all.length === 0) return { headers: [], rows: [], delimiter: d };
	const headers: string[] = [];
	const used = new Map<string, number>();
	all[0].forEach((h, k) => {
		let name = h.trim() || `column_${k + 1}`;
		const seen = used.get(name) ?? 0;
		used.set(name, seen + 1);
		if (seen) name = `${name}_${seen + 1}`;
		headers.push(name);
	});
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
	fields?: CsvFieldMap;
	/** Currency when the file has no currency column. */
	defaultCurrency?: string;
	includeSource?: boolean;
	onInvalid?: 'skip' | 'fail';
	maxRecords?: number;
	/** Only orders (or customers with a last order) at or after this instant. */
	since?: string | null;
}

export interface CsvResult {
	mode: OutputMode;
	contains: 'orders' | 'customers';
	delimiter: CsvDelimiter;
	columns: Record<string, string | undefined>;
	records: Array<NormalizedOrder | NormalizedCustomer>;
	skipped: SkippedRecord[];
	stats: FetchStats;
	truncated: boolean;
}

export function fetchCsv(data: Buffer | Uint8Array | string, opts: CsvOptions): CsvResult {
	const table = readCsv(data, opts.delimiter);
	const { headers, rows } = table;
	const f = opts.fields ?? {};
	const pick = (mapped: string | undefined, ...lists: ReadonlyArray<readonly string[]>) => pickHeader(headers, mapped, lists.flat());
	const stats: FetchStats = { requests: 0, pages: 1, retries: 0, waitedMs: 0, read: rows.length };
	const skipped: SkippedRecord[] = [];
	const maxRecords = opts.maxRecords && opts.maxRecords > 0 ? opts.maxRecords : Infinity;
	const sinceMs = opts.since ? Date.parse(opts.since) : null;
	const invalid = (s: SkippedRecord) => {
		if (opts.onInvalid === 'fail') throw new SourceError('invalidRecord', `CSV ${s.id}: ${s.reason}.`, { recordId: s.id });
		skipped.push(s);
	};
	if (headers.length === 0) throw new SourceError('config', 'The file is empty: a header row and at least one data row are needed.');

	const col = {
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
	};
	let contains = opts.contains ?? 'auto';
	if (contains === 'auto') {
		const customerFile = (col.ordersCount || col.totalSpent || col.lastOrderDate) && !(col.orderId && col.date && col.amount);
		contains = customerFile ? 'customers' : 'orders';
	}
	const defaultCurrency = upperOrNull(opts.defaultCurrency) ?? 'USD';
	const result = (records: CsvResult['records'], truncated: boolean): CsvResult => ({
		mode: opts.mode,
		contains: contains as 'orders' | 'customers',
		delimiter: table.delimiter,
		columns: col,
		records,
		skipped,
		stats,
		truncated,
	});

	if (contains === 'customers') {
		if (opts.mode === 'orders')
			throw new SourceError('config', 'The file holds one row per customer (totals, no orders): choose the "Customers" output, or upload an orders export.');
		const idCol = pick(f.customerId, CUSTOMER_FIELDS.customerId, EXTRA.customerId) ?? col.email;
		if (!idCol) throw new SourceError('config', `No customer id column found. Map one in "Field Names". Columns: ${headers.join(', ')}.`);
		const out: NormalizedCustomer[] = [];
		const seen = new Set<string>();
		for (let r = 0; r < rows.length; r++) {
			const row = rows[r];
			const rowId = `row ${r + 2}`;
			const id = idString(row[idCol]);
			if (!id) {
				invalid({ id: rowId, reason: `empty ${idCol}` });
				continue;
			}
			if (seen.has(id)) {
				invalid({ id: rowId, reason: `duplicate customer id ${id}` });
				continue;
			}
			const c = emptyCustomer(id);
			const count = col.ordersCount ? parseAmount(row[col.ordersCount] || '0') : 0;
			if (Number.isNaN(count) || count < 0) {
				invalid({ id: rowId, reason: `${col.ordersCount} is not a number` });
				continue;
			}
			const spent = col.totalSpent ? parseAmount(row[col.totalSpent] || '0') : 0;
			if (Number.isNaN(spent)) {
				invalid({ id: rowId, reason: `${col.totalSpent} is not a number` });
				continue;
			}
			const lastRaw = col.lastOrderDate ? row[col.lastOrderDate] : '';
			const last = lastRaw ? parseDate(lastRaw) : null;
			if (lastRaw && last === null) {
				invalid({ id: rowId, reason: `${col.lastOrderDate} "${lastRaw.slice(0, 30)}" is not a date` });
				continue;
			}
			if (sinceMs !== null && (last === null || last < sinceMs)) continue;
			seen.add(id);
			c.ordersCount = Math.round(count);
			c.currency = upperOrNull(col.currency ? row[col.currency] : '') ?? defaultCurrency;
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
			if (opts.includeSource) c.source = row;
			out.push(c);
			if (out.length >= maxRecords) return result(out, r < rows.length - 1);
		}
		return result(out, false);
	}

	// ---- orders file ----
	if (!col.customerId) throw new SourceError('config', `No customer id column found (tried customerId, customer_id, email...). Map one in "Field Names". Columns: ${headers.join(', ')}.`);
	if (!col.date) throw new SourceError('config', `No order date column found (tried createdAt, created_at, date...). Map one in "Field Names". Columns: ${headers.join(', ')}.`);
	if (!col.amount) throw new SourceError('config', `No amount column found (tried total, amount, revenue...). Map one in "Field Names". Columns: ${headers.join(', ')}.`);
	interface Group {
		rowId: string;
		customerId: string;
		orderId: string;
		t: number;
		gross: number;
		refunds: number;
		amounts: number;
		currency: string;
		status: OrderStatus;
		email: string | null;
		bad: string | null;
		rows: Record<string, string>[];
	}
	const groups = new Map<string, Group>();
	for (let r = 0; r < rows.length; r++) {
		const row = rows[r];
		const rowId = `row ${r + 2}`;
		const orderId = col.orderId ? idString(row[col.orderId]) : undefined;
		const key = orderId ?? `row-${r + 2}`;
		let g = groups.get(key);
		const customerId = idString(row[col.customerId]);
		const amountRaw = row[col.amount] ?? '';
		const amount = amountRaw === '' ? NaN : parseAmount(amountRaw);
		const t = parseDate(row[col.date]);
		if (!g) {
			g = {
				rowId,
				customerId: customerId ? (customerId.includes('@') ? customerId.toLowerCase() : customerId) : '',
				orderId: key,
				t: t ?? NaN,
				gross: 0,
				refunds: 0,
				amounts: 0,
				currency: upperOrNull(col.currency ? row[col.currency] : '') ?? defaultCurrency,
				status: statusFromText(col.status ? row[col.status] : ''),
				email: col.email ? normEmail(row[col.email]) : null,
				bad: null,
				rows: [],
			};
			groups.set(key, g);
			if (!customerId) g.bad = `empty ${col.customerId}`;
			else if (t === null) g.bad = `${col.date} "${(row[col.date] ?? '').slice(0, 30)}" is not a date`;
			else if (amountRaw !== '' && Number.isNaN(amount)) g.bad = `${col.amount} "${amountRaw.slice(0, 30)}" is not a number`;
			if (col.cancelledAt && row[col.cancelledAt]) g.status = 'cancelled';
			if (col.refunded) {
				const ref = parseAmount(row[col.refunded] || '0');
				if (!Number.isNaN(ref)) g.refunds += Math.abs(ref);
			}
		} else {
			if (t !== null && (Number.isNaN(g.t) || t < g.t) && !g.bad) g.t = t;
			if (amountRaw !== '' && Number.isNaN(amount) && !g.bad) g.bad = `${col.amount} "${amountRaw.slice(0, 30)}" is not a number`;
		}
		if (opts.includeSource) g.rows.push(row);
		if (!Number.isNaN(amount)) {
			g.amounts++;
			if (amount < 0) g.refunds += -amount;
			else g.gross += amount;
		}
	}
	const orders: NormalizedOrder[] = [];
	for (const g of groups.values()) {
		if (!g.bad && g.amounts === 0) g.bad = `empty ${col.amount}`;
		if (g.bad) {
			invalid({ id: col.orderId && !g.orderId.startsWith('row-') ? `order ${g.orderId} (${g.rowId})` : g.rowId, reason: g.bad });
			continue;
		}
		if (sinceMs !== null && g.t < sinceMs) continue;
		const net = Math.max(0, g.gross - g.refunds);
		let status = g.status;
		if (g.refunds > 0 && status === 'paid') status = net <= 0 ? 'refunded' : 'partially_refunded';
		const o: NormalizedOrder = {
			customerId: g.customerId,
			orderId: g.orderId,
			createdAt: new Date(g.t).toISOString(),
			total: roundMoney(status === 'refunded' ? 0 : net, g.currency),
			currency: g.currency,
			status,
		};
		if (g.email) o.email = g.email;
		else if (g.customerId.includes('@')) o.email = g.customerId;
		if (opts.includeSource) o.source = g.rows.length === 1 ? g.rows[0] : g.rows;
		orders.push(o);
	}
	if (opts.mode === 'orders') {
		if (orders.length > maxRecords) return result(orders.slice(0, maxRecords), true);
		return result(orders, false);
	}
	const agg = new CustomerAggregator();
	for (const o of orders) agg.addOrder(o);
	let customers = agg.all();
	const truncated = customers.length > maxRecords;
	if (truncated) customers = customers.slice(0, maxRecords);
	return result(customers, truncated);
}
