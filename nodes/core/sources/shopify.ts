/**
 * Shopify Admin GraphQL client: customers (with Shopify's own lifetime aggregates) or orders.
 *
 * - `POST {base}/admin/api/{version}/graphql.json`, cursor pagination (`first`/`after`, `nodes`,
 *   `pageInfo{hasNextPage endCursor}`), at most 250 records a page.
 * - Cost-based throttling: every reply carries `extensions.cost` (requestedQueryCost and
 *   throttleStatus{maximumAvailable, currentlyAvailable, restoreRate}); before each request the
 *   client waits until the bucket holds the next query's cost ((cost - available) / restoreRate
 *   seconds) instead of running dry. A throttled reply (HTTP 200, errors[].extensions.code
 *   "THROTTLED") is retried after the same computed wait; 429 and 5xx are retried with backoff.
 * - `query:"updated_at:>='…'"` with `sortKey: UPDATED_AT` for "changed since" and incremental runs.
 * Field names follow the 2025-04+ schema (defaultEmailAddress / defaultPhoneNumber).
 * Customers also carry the RFM group Shopify computes (`statistics { rfmGroup }`, added in API
 * 2025-04) as `shopifyRfmGroup`; with an older API version the field is not asked for.
 */
import type { HttpResponse } from '../net/http';
import { SourceError } from './errors';
import { consentFrom, isoOrNull, money, normEmail, roundMoney, str, upperOrNull } from './normalize';
import { readPages, type Page, type Row } from '../net/paging';
import { ReadRun } from './reading';
import { sourceHttp, type ResponseVerdict, type SourceHttp } from './request';
import type { FetchOptions, FetchResult, NormalizedCustomer, NormalizedOrder, OrderStatus, OutputMode, SkippedRecord } from './types';

export const SHOPIFY_DEFAULT_API_VERSION = '2026-01';
export const SHOPIFY_MAX_PAGE = 250;

export interface ShopifyConfig {
	/** https://your-store.myshopify.com (or a test server). */
	baseUrl: string;
	apiVersion?: string;
	/** Include orders flagged as test orders (default false). */
	includeTestOrders?: boolean;
	/**
	 * 'pages': cursor paging (cost-throttled); 'bulk': a bulk export (bulkOperationRunQuery, one
	 * JSONL download, no cost limit); 'auto' (default): pages when everything fits in one page or a
	 * limit is set, else bulk.
	 */
	method?: 'auto' | 'pages' | 'bulk';
	/** Delay between bulk status checks (first one; grows to 15 s). */
	bulkPollMs?: number;
}

/** Fields read per customer (paged queries and bulk exports select the same). */
export const SHOPIFY_CUSTOMER_FIELDS = `id firstName lastName createdAt updatedAt numberOfOrders tags
      amountSpent { amount currencyCode }
      lastOrder { createdAt }
      defaultEmailAddress { emailAddress marketingState }
      defaultPhoneNumber { phoneNumber marketingState }
      defaultAddress { countryCodeV2 }`;

/** The RFM group Shopify computes for each customer (CustomerStatistics.rfmGroup, API 2025-04+). */
export const SHOPIFY_RFM_GROUP_FIELD = 'statistics { rfmGroup }';
export const SHOPIFY_RFM_GROUP_SINCE = '2025-04';

/** Whether the API version has `CustomerStatistics.rfmGroup` ('YYYY-MM' from 2025-04, or 'unstable'). */
export function shopifyHasRfmGroup(apiVersion?: string): boolean {
	const v = (apiVersion || SHOPIFY_DEFAULT_API_VERSION).trim();
	if (v === 'unstable') return true;
	return /^\d{4}-\d{2}$/.test(v) && v >= SHOPIFY_RFM_GROUP_SINCE;
}

/** The customer fields for an API version (the RFM group only where the version has it). */
export function shopifyCustomerFields(apiVersion?: string): string {
	return shopifyHasRfmGroup(apiVersion) ? `${SHOPIFY_CUSTOMER_FIELDS}\n      ${SHOPIFY_RFM_GROUP_FIELD}` : SHOPIFY_CUSTOMER_FIELDS;
}

/** Fields read per order. */
export const SHOPIFY_ORDER_FIELDS = `id name email createdAt updatedAt cancelledAt test displayFinancialStatus
      customer { id }
      currentTotalPriceSet { shopMoney { amount currencyCode } }`;

/** The paged customers query; `fields` defaults to the fields of the default API version. */
export function shopifyCustomersQuery(fields: string = shopifyCustomerFields()): string {
	return `query FetchCustomers($first: Int!, $after: String, $query: String, $sortKey: CustomerSortKeys) {
  customers(first: $first, after: $after, query: $query, sortKey: $sortKey) {
    pageInfo { hasNextPage endCursor }
    nodes {
      ${fields}
    }
  }
}`;
}

export const SHOPIFY_CUSTOMERS_QUERY = shopifyCustomersQuery();

export const SHOPIFY_ORDERS_QUERY = `query FetchOrders($first: Int!, $after: String, $query: String, $sortKey: OrderSortKeys) {
  orders(first: $first, after: $after, query: $query, sortKey: $sortKey) {
    pageInfo { hasNextPage endCursor }
    nodes {
      ${SHOPIFY_ORDER_FIELDS}
    }
  }
}`;

export const SHOPIFY_BULK_RUN = `mutation RunBulkExport($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}`;

export const SHOPIFY_BULK_STATUS = `query BulkExportStatus($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount url partialDataUrl }
  }
}`;

/** The bulk export document: the same fields, every record, no paging. */
export function shopifyBulkQuery(kind: 'customers' | 'orders', search: string | null, byUpdate: boolean, apiVersion?: string): string {
	const args: string[] = [];
	if (search) args.push(`query: ${JSON.stringify(search)}`);
	if (byUpdate) args.push('sortKey: UPDATED_AT');
	const fields = kind === 'customers' ? shopifyCustomerFields(apiVersion) : SHOPIFY_ORDER_FIELDS;
	return `{ ${kind}${args.length ? `(${args.join(', ')})` : ''} { edges { node { ${fields.replace(/\s+/g, ' ')} } } } }`;
}

/** Objects inside each node of the queries above (Shopify charges 1 per object, 2 per connection); `statistics` adds 1. */
const NODE_COST = { customers: 5, orders: 3 };

export function normalizeShopDomain(value: string): string {
	const s = value.trim().replace(/^https?:\/\//i, '').replace(/\/.*$/, '');
	if (!s) return s;
	return s.includes('.') ? s : `${s}.myshopify.com`;
}

/** Base URL from the credential: the explicit Base URL, else https://{shop}.myshopify.com. */
export function shopifyBaseUrl(shopDomain: string, baseUrl?: string): string {
	const b = (baseUrl ?? '').trim();
	if (b) return b.replace(/\/+$/, '');
	const d = normalizeShopDomain(shopDomain);
	if (!d) throw new SourceError('config', 'The Shopify credential has no shop domain (your-store.myshopify.com).');
	return `https://${d}`;
}

/** `gid://shopify/Customer/123` -> `123`. */
export function shopifyNumericId(gid: unknown): string | null {
	const s = str(gid);
	if (!s) return null;
	const m = /\/(\d+)(\?.*)?$/.exec(s);
	return m ? m[1] : s;
}

export function shopifyOrderStatus(financial: unknown, cancelledAt: unknown): OrderStatus {
	if (cancelledAt) return 'cancelled';
	switch (String(financial ?? '').toUpperCase()) {
		case 'PAID':
			return 'paid';
		case 'PARTIALLY_REFUNDED':
			return 'partially_refunded';
		case 'REFUNDED':
			return 'refunded';
		case 'VOIDED':
			return 'cancelled';
		case 'EXPIRED':
			return 'failed';
		default:
			// PENDING, AUTHORIZED, PARTIALLY_PAID, or none yet
			return 'pending';
	}
}

type Raw = Record<string, unknown>;

function obj(v: unknown): Raw | null {
	return v && typeof v === 'object' ? (v as Raw) : null;
}

export function normalizeShopifyCustomer(node: Raw, includeSource: boolean): NormalizedCustomer | SkippedRecord {
	const id = shopifyNumericId(node.id);
	if (!id) return { id: '(no id)', reason: 'customer without id' };
	const spent = obj(node.amountSpent);
	const totalSpent = spent ? money(spent.amount) : 0;
	if (Number.isNaN(totalSpent)) return { id, reason: 'amountSpent.amount is not a number' };
	const count = node.numberOfOrders === undefined || node.numberOfOrders === null ? 0 : Number(node.numberOfOrders);
	if (!Number.isFinite(count) || count < 0) return { id, reason: 'numberOfOrders is not a number' };
	const createdAt = isoOrNull(node.createdAt);
	if (node.createdAt && !createdAt) return { id, reason: 'createdAt is not a date' };
	const last = obj(node.lastOrder);
	const lastOrderDate = last ? isoOrNull(last.createdAt) : null;
	const emailObj = obj(node.defaultEmailAddress);
	const phoneObj = obj(node.defaultPhoneNumber);
	const address = obj(node.defaultAddress);
	const currency = upperOrNull(spent?.currencyCode);
	const emailConsent = emailObj ? consentFrom(emailObj.marketingState) : 'unknown';
	const c: NormalizedCustomer = {
		customerId: id,
		email: normEmail(emailObj?.emailAddress ?? node.email),
		firstName: str(node.firstName),
		lastName: str(node.lastName),
		phone: str(phoneObj?.phoneNumber ?? node.phone),
		country: upperOrNull(address?.countryCodeV2),
		createdAt,
		updatedAt: isoOrNull(node.updatedAt),
		ordersCount: count,
		totalSpent: roundMoney(totalSpent, currency),
		currency,
		lastOrderDate,
		firstOrderDate: null,
		consent: { email: emailConsent, sms: phoneObj ? consentFrom(phoneObj.marketingState) : 'unknown' },
		acceptsMarketing: emailConsent === 'subscribed',
		tags: Array.isArray(node.tags) ? node.tags.map(String) : [],
	};
	// only when asked for (API 2025-04+): null when Shopify has no group for the customer
	if ('statistics' in node) c.shopifyRfmGroup = str(obj(node.statistics)?.rfmGroup);
	if (includeSource) c.source = node;
	return c;
}

export function normalizeShopifyOrder(node: Raw, includeSource: boolean): NormalizedOrder | SkippedRecord {
	const orderId = shopifyNumericId(node.id);
	if (!orderId) return { id: '(no id)', reason: 'order without id' };
	const customer = obj(node.customer);
	const email = normEmail(node.email);
	const customerId = shopifyNumericId(customer?.id) ?? email;
	if (!customerId) return { id: orderId, reason: 'order has no customer and no email' };
	const createdAt = isoOrNull(node.createdAt);
	if (!createdAt) return { id: orderId, reason: 'createdAt is missing or not a date' };
	const current = obj(obj(node.currentTotalPriceSet)?.shopMoney) ?? obj(obj(node.totalPriceSet)?.shopMoney);
	const amount = money(current?.amount);
	if (Number.isNaN(amount)) return { id: orderId, reason: 'currentTotalPriceSet amount is missing or not a number' };
	const currency = upperOrNull(current?.currencyCode);
	if (!currency) return { id: orderId, reason: 'order has no currency' };
	const o: NormalizedOrder = {
		customerId,
		orderId,
		createdAt,
		total: roundMoney(Math.max(0, amount), currency),
		currency,
		status: shopifyOrderStatus(node.displayFinancialStatus, node.cancelledAt),
	};
	if (email) o.email = email;
	const updatedAt = isoOrNull(node.updatedAt);
	if (updatedAt) o.updatedAt = updatedAt;
	if (includeSource) o.source = node;
	return o;
}

interface Bucket {
	currentlyAvailable: number;
	maximumAvailable: number;
	restoreRate: number;
	at: number;
}

function readCost(body: unknown): { requested?: number; bucket?: Omit<Bucket, 'at'> } {
	const cost = obj(obj(obj(body)?.extensions)?.cost);
	if (!cost) return {};
	const ts = obj(cost.throttleStatus);
	const requested = Number(cost.requestedQueryCost);
	const bucket =
		ts && Number.isFinite(Number(ts.currentlyAvailable)) && Number(ts.restoreRate) > 0
			? {
					currentlyAvailable: Number(ts.currentlyAvailable),
					maximumAvailable: Number(ts.maximumAvailable),
					restoreRate: Number(ts.restoreRate),
				}
			: undefined;
	return { requested: Number.isFinite(requested) ? requested : undefined, bucket };
}

function graphqlErrors(body: unknown): Array<{ message: string; code?: string }> {
	const errors = obj(body)?.errors;
	if (typeof errors === 'string') return [{ message: errors }];
	if (!Array.isArray(errors)) return [];
	return errors.map((e) => {
		const o = obj(e) ?? {};
		return { message: String(o.message ?? 'error'), code: str(obj(o.extensions)?.code) ?? undefined };
	});
}

/** Builds the Shopify search query (`updated_at:>='…' test:false`). */
export function shopifySearchQuery(kind: 'customers' | 'orders', since: string | null, includeTest: boolean): string | null {
	const parts: string[] = [];
	if (since) parts.push(`updated_at:>='${since}'`);
	if (kind === 'orders' && !includeTest) parts.push('test:false');
	return parts.length ? parts.join(' AND ') : null;
}

type GqlError = { message: string; code?: string };

/** A Shopify read: the run's state, its client, the query cost budget and the records kept. */
class ShopifyRead {
	readonly http: SourceHttp;
	private readonly url: string;
	readonly kind: OutputMode;
	private readonly searchQuery: string | null;
	/** Oldest change first: an incremental run cut short by a limit resumes where it stopped. */
	private readonly byUpdate: boolean;
	/** Page size (lowered when Shopify finds the query too expensive). */
	private first: number;
	private bucket: Bucket | null = null;
	readonly records: Array<NormalizedCustomer | NormalizedOrder> = [];
	private readonly seenIds = new Set<string>();
	/** Set when the paged read finds more than a page in 'auto' mode. */
	useBulk: boolean;
	/** The paged query for the credential's API version, and the objects each node costs. */
	private readonly pageQuery: string;
	private readonly nodeCost: number;

	constructor(
		private readonly config: ShopifyConfig,
		readonly run: ReadRun,
	) {
		const opts = run.opts;
		this.kind = opts.mode;
		this.http = sourceHttp(opts, {
			service: 'Shopify',
			credential: 'Microsegments Shopify API',
			authHint:
				'the Admin API access token (from your custom app, it starts with shpat_) and the shop domain; the app needs the read_customers and read_orders scopes (read_all_orders for orders older than 60 days)',
			notFoundHint:
				'Check the shop domain in the credential "Microsegments Shopify API" (your-store.myshopify.com, not your custom domain) and the API version.',
		});
		this.url = `${config.baseUrl.replace(/\/+$/, '')}/admin/api/${config.apiVersion || SHOPIFY_DEFAULT_API_VERSION}/graphql.json`;
		this.searchQuery = shopifySearchQuery(this.kind, run.since, config.includeTestOrders ?? false);
		this.byUpdate = !!(run.since || run.tracker);
		this.first = Math.min(run.maxRecords, Math.max(1, Math.min(SHOPIFY_MAX_PAGE, Math.floor(opts.pageSize ?? SHOPIFY_MAX_PAGE))));
		this.useBulk = (config.method ?? 'auto') === 'bulk' && run.maxRecords === Infinity;
		const rfmGroup = this.kind === 'customers' && shopifyHasRfmGroup(config.apiVersion);
		this.pageQuery = this.kind === 'customers' ? shopifyCustomersQuery(shopifyCustomerFields(config.apiVersion)) : SHOPIFY_ORDERS_QUERY;
		this.nodeCost = NODE_COST[this.kind] + (rfmGroup ? 1 : 0);
	}

	/** Waits until the cost bucket holds the next query's cost (estimated from the last answer). */
	private async waitForBudget(cost: number): Promise<void> {
		const b = this.bucket;
		if (!b) return;
		const available = Math.min(b.maximumAvailable, b.currentlyAvailable + (b.restoreRate * (this.http.clock.now() - b.at)) / 1000);
		const need = Math.min(cost, b.maximumAvailable);
		if (available >= need) return;
		const waitMs = Math.ceil(((need - available) / b.restoreRate) * 1000);
		this.http.log(`Shopify: waiting ${waitMs} ms for the query cost budget to refill`);
		await this.http.wait(waitMs);
	}

	/** One GraphQL call: waits for the cost budget first, retries THROTTLED, returns data + errors. */
	async gql(body: { query: string; variables: Record<string, unknown> }, cost: number): Promise<{ data: Record<string, unknown> | null; errs: GqlError[] }> {
		const http = this.http;
		await this.waitForBudget(cost);
		const res: HttpResponse = await http.send({ method: 'POST', url: this.url, body }, (r): ResponseVerdict | undefined => {
			const errs = graphqlErrors(r.body);
			const { requested, bucket: b } = readCost(r.body);
			if (b) this.bucket = { ...b, at: http.clock.now() };
			if (!errs.some((e) => e.code === 'THROTTLED' || /^throttled$/i.test(e.message))) return undefined;
			const need = requested ?? cost;
			const waitMs = b ? Math.max(250, Math.ceil(((need - b.currentlyAvailable) / b.restoreRate) * 1000)) : undefined;
			return { retry: true, throttle: true, waitMs };
		});
		this.run.tracker?.noteServerTime(res.headers['date'], http.clock.now());
		return { data: obj(obj(res.body)?.data), errs: graphqlErrors(res.body) };
	}

	refused(errs: GqlError[]): SourceError {
		if (errs.some((e) => e.code === 'ACCESS_DENIED'))
			return new SourceError(
				'forbidden',
				`Shopify denied access to ${this.kind}. The custom app behind the credential "Microsegments Shopify API" needs the read_customers and read_orders scopes (read_all_orders for orders older than 60 days). Shopify said: "${this.http.redact(errs[0].message)}"`,
			);
		return new SourceError('badRequest', `Shopify rejected the query: "${this.http.redact(errs.map((e) => e.message).join('; '))}". Check the API version in the credential (2025-04 or later).`);
	}

	/** Normalizes one node and keeps it; true when the limit is reached. */
	take(n: unknown): boolean {
		const { run, kind } = this;
		const node = obj(n);
		if (!node) return false;
		const norm = kind === 'customers' ? normalizeShopifyCustomer(node, run.includeSource) : normalizeShopifyOrder(node, run.includeSource);
		if (!('customerId' in norm)) {
			run.invalid(kind === 'customers' ? 'customer' : 'order', norm);
			return false;
		}
		const id = kind === 'customers' ? norm.customerId : (norm as NormalizedOrder).orderId;
		if (this.seenIds.has(id)) return false;
		this.seenIds.add(id);
		const changedAt = norm.updatedAt ?? null;
		if (run.tracker) {
			if (run.tracker.alreadyDelivered(id, changedAt)) return false;
			run.tracker.note(id, changedAt);
		}
		this.records.push(norm);
		return this.records.length >= run.maxRecords;
	}

	/** One page of the paged query (a query too expensive is asked again with smaller pages). */
	async fetchPage(after: string | null): Promise<Page<string | null> | null> {
		const { kind, http } = this;
		for (;;) {
			const variables: Record<string, unknown> = { first: this.first, after, query: this.searchQuery };
			if (this.byUpdate) variables.sortKey = 'UPDATED_AT';
			const { data, errs } = await this.gql({ query: this.pageQuery, variables }, 2 + this.first * (1 + this.nodeCost));
			if (errs.length && !data?.[kind]) {
				if (errs.some((e) => e.code === 'MAX_COST_EXCEEDED') && this.first > 10) {
					this.first = Math.max(10, Math.floor(this.first / 2));
					http.log(`Shopify: query too expensive, lowering the page size to ${this.first}`);
					continue;
				}
				throw this.refused(errs);
			}
			const conn = obj(data?.[kind]);
			const nodes = conn?.nodes;
			if (!conn || !Array.isArray(nodes)) throw new SourceError('badResponse', `Shopify answered without a ${kind} list.`);
			const pageInfo = obj(conn.pageInfo);
			const more = pageInfo?.hasNextPage === true;
			if ((this.config.method ?? 'auto') === 'auto' && after === null && this.run.maxRecords === Infinity && more) {
				// more than one page: a bulk export reads everything without the cost limit
				http.log(`Shopify: more than ${nodes.length} ${kind}, switching to a bulk export`);
				this.useBulk = true;
				return null;
			}
			const cursor = str(pageInfo?.endCursor);
			if (more && !cursor) throw noNewCursor();
			return { rows: nodes as Row[], next: more ? (cursor as string) : undefined };
		}
	}

	/** Cursor paging, cost-throttled; true when the limit stopped it. */
	readPaged(): Promise<boolean> {
		return readPages<string | null>({
			first: null,
			stats: this.http.stats,
			repeated: noNewCursor,
			fetch: (after) => this.fetchPage(after),
			onPage: (nodes) => {
				let full = false;
				for (const n of nodes) if ((full = this.take(n))) break;
				this.http.log(`Shopify: page ${this.http.stats.pages}, ${this.records.length} ${this.kind} so far`);
				return full;
			},
		});
	}

	/** Starts a bulk export of the same query (waiting while another export of the app runs). */
	async startBulk(): Promise<string> {
		const document = shopifyBulkQuery(this.kind, this.searchQuery, this.byUpdate, this.config.apiVersion);
		for (let attempt = 0; ; attempt++) {
			const { data, errs } = await this.gql({ query: SHOPIFY_BULK_RUN, variables: { query: document } }, 10);
			const payload = obj(data?.bulkOperationRunQuery);
			if (!payload) throw this.refused(errs.length ? errs : [{ message: 'no bulkOperationRunQuery result' }]);
			const userErrors = Array.isArray(payload.userErrors) ? payload.userErrors.map((e) => String(obj(e)?.message ?? '')) : [];
			if (userErrors.length) {
				// another export of this app still runs on the shop (one at a time before 2026-01)
				if (userErrors.some((m) => /in progress/i.test(m)) && attempt < 30) {
					this.http.log('Shopify: another bulk export is running, waiting 10 s');
					await this.http.wait(10000);
					continue;
				}
				throw new SourceError('badRequest', `Shopify refused the bulk export: "${this.http.redact(userErrors.join('; '))}".`);
			}
			const op = str(obj(payload.bulkOperation)?.id);
			if (!op) throw new SourceError('badResponse', 'Shopify started a bulk export without an id.');
			return op;
		}
	}

	/** Polls the export until it is done; the file's URL, or null when nothing matched. */
	async waitForBulk(op: string): Promise<string | null> {
		let pollMs = this.config.bulkPollMs ?? 1000;
		for (;;) {
			await this.http.wait(pollMs);
			pollMs = Math.min(15000, Math.round(pollMs * 1.5));
			const { data, errs } = await this.gql({ query: SHOPIFY_BULK_STATUS, variables: { id: op } }, 1);
			const bulk = obj(data?.node);
			if (!bulk) throw this.refused(errs.length ? errs : [{ message: 'bulk export not found' }]);
			const status = String(bulk.status ?? '');
			this.http.log(`Shopify: bulk export ${status.toLowerCase()}, ${String(bulk.objectCount ?? 0)} records so far`);
			if (status === 'COMPLETED') return str(bulk.url);
			if (status === 'FAILED') {
				const code = String(bulk.errorCode ?? 'unknown');
				if (code === 'ACCESS_DENIED') throw this.refused([{ message: 'bulk export: access denied', code: 'ACCESS_DENIED' }]);
				throw new SourceError('server', `Shopify's bulk export failed (${code}). Try again later, or set Options > Shopify Read Method to "Pages".`);
			}
			if (status === 'CANCELED' || status === 'CANCELING' || status === 'EXPIRED')
				throw new SourceError('server', `Shopify's bulk export was ${status.toLowerCase()} (by another app or an admin). Run the workflow again.`);
		}
	}

	/** Downloads the export's JSONL file (a signed link: without the shop's token); true when the limit stopped it. */
	async readBulkFile(fileUrl: string): Promise<boolean> {
		const { http, run } = this;
		const opts = run.opts;
		const download = sourceHttp(
			// without the credential's headers, with a long timeout for a large file
			{ ...opts, transport: opts.downloadTransport ?? opts.transport, headers: undefined, timeoutMs: Math.max(opts.timeoutMs ?? 0, 600000) },
			{
				service: 'Shopify (bulk export file)',
				credential: 'Microsegments Shopify API',
				authHint: 'the export link may have expired; run the workflow again',
				notFoundHint: 'The bulk export file is gone (links expire after 7 days); run the workflow again.',
			},
		);
		const res = await download.send({ method: 'GET', url: fileUrl, headers: { accept: 'application/jsonl, application/json, text/plain' } });
		http.stats.requests += download.stats.requests;
		http.stats.retries += download.stats.retries;
		http.stats.pages++;
		const body = res.body;
		if (body && typeof body === 'object') {
			http.stats.read++;
			this.take(body);
			return false;
		}
		if (typeof body !== 'string') return false;
		for (let start = 0; start < body.length; ) {
			let end = body.indexOf('\n', start);
			if (end < 0) end = body.length;
			const line = body.slice(start, end).trim();
			start = end + 1;
			if (!line) continue;
			let node: unknown;
			try {
				node = JSON.parse(line);
			} catch {
				throw new SourceError('badResponse', "Shopify's bulk export file has a line that is not JSON.");
			}
			http.stats.read++;
			if (this.take(node)) return true;
		}
		return false;
	}
}

const noNewCursor = () => new SourceError('badResponse', 'Shopify said there are more pages but sent no new cursor.');

export async function fetchShopify(config: ShopifyConfig, opts: FetchOptions): Promise<FetchResult> {
	const read = new ShopifyRead(config, new ReadRun(opts, 'Shopify'));
	const run = read.run;
	if (!read.useBulk) run.truncated = await read.readPaged();
	if (read.useBulk) {
		const fileUrl = await read.waitForBulk(await read.startBulk());
		if (fileUrl) run.truncated = await read.readBulkFile(fileUrl);
	}
	// Paged records come oldest change first, so a run stopped by a limit can save its cursor too.
	return run.result(read.kind, read.records, read.http.stats);
}
