/**
 * Shapes shared by the source clients (Shopify, WooCommerce, HubSpot, Stripe, CSV) and the
 * Fetch Customers node. The normalized order and customer are the ones RFM Score reads by default
 * (see docs/nodes/FetchCustomers.md, "Output"); field names here are a public contract.
 */
import type { Clock } from '../net/clock';
import type { HttpTransport } from '../net/http';
import type { ReadRetryPolicy } from '../net/retry';

export type OrderStatus = 'paid' | 'pending' | 'partially_refunded' | 'refunded' | 'cancelled' | 'failed';
export type ConsentState = 'subscribed' | 'unsubscribed' | 'not_subscribed' | 'pending' | 'unknown';

export interface NormalizedOrder {
	customerId: string;
	orderId: string;
	/** ISO 8601 UTC. */
	createdAt: string;
	/** Net of refunds (a partially refunded order counts what the customer kept paying). */
	total: number;
	/** ISO 4217, upper case. */
	currency: string;
	status: OrderStatus;
	email?: string;
	/** Last change at the source (ISO 8601 UTC), used by incremental runs. */
	updatedAt?: string;
	/** The raw source record, only with the "Include Source Record" option. */
	source?: unknown;
}

export interface NormalizedCustomer {
	customerId: string;
	email: string | null;
	firstName: string | null;
	lastName: string | null;
	phone: string | null;
	/** ISO 3166-1 alpha-2 when the source has one. */
	country: string | null;
	createdAt: string | null;
	updatedAt?: string | null;
	ordersCount: number;
	totalSpent: number;
	currency: string | null;
	lastOrderDate: string | null;
	firstOrderDate?: string | null;
	consent: { email: ConsentState; sms: ConsentState };
	acceptsMarketing: boolean;
	tags: string[];
	/** Amount per currency when the customer paid in more than one (totalSpent is the main one). */
	spentByCurrency?: Record<string, number>;
	/**
	 * Shopify only (API 2025-04+): the RFM group Shopify computes for the customer
	 * (CustomerStatistics.rfmGroup: CHAMPIONS, LOYAL, ... PROSPECTS), null when Shopify has none.
	 * Absent for other sources and older API versions. RFM Score compares it with its own segment.
	 */
	shopifyRfmGroup?: string | null;
	source?: unknown;
}

export type OutputMode = 'customers' | 'orders';

export interface SkippedRecord {
	/** The record's id at the source (never an email address). */
	id: string;
	reason: string;
}

export interface FetchStats {
	requests: number;
	pages: number;
	retries: number;
	/** Time spent waiting for rate limits / throttling / backoff, in ms. */
	waitedMs: number;
	/** Records read from the source (before aggregation). */
	read: number;
}

/** Cursor remembered between incremental runs (kept in the workflow's static data). */
export interface IncrementalState {
	/** ISO timestamp: records changed at or after it are fetched next time. */
	since: string | null;
	/** Records already delivered whose change time is >= since: id -> change time (skipped if unchanged). */
	seen: Record<string, string>;
}

export interface FetchOptions {
	transport: HttpTransport;
	mode: OutputMode;
	/** Records per request (each source caps it at its API maximum). */
	pageSize?: number;
	/** Stop after this many records of the requested kind (0 or undefined = all). */
	maxRecords?: number;
	/** Only records created or updated at or after this instant (ISO). */
	since?: string | null;
	/** Incremental run: the previous state ({since:null, seen:{}} on the first run); undefined = full run. */
	incremental?: IncrementalState;
	includeSource?: boolean;
	/** What to do with a record that cannot be normalized. */
	onInvalid?: 'skip' | 'fail';
	/**
	 * Transport for files behind signed links (Shopify bulk exports): must not add the service's
	 * credentials. Defaults to `transport` without `headers`.
	 */
	downloadTransport?: HttpTransport;
	/** Extra headers on every request (auth in tests and benches; n8n adds auth itself). */
	headers?: Record<string, string>;
	log?: (message: string) => void;
	clock?: Clock;
	retry?: Partial<ReadRetryPolicy>;
	/** Request timeout in ms. */
	timeoutMs?: number;
	/** The credential's secret values, removed from every error message. */
	secrets?: readonly string[];
}

export interface FetchResult {
	mode: OutputMode;
	records: Array<NormalizedOrder | NormalizedCustomer>;
	skipped: SkippedRecord[];
	stats: FetchStats;
	/** New incremental state to store after a successful run (only for incremental runs). */
	state?: IncrementalState;
	/** True when maxRecords stopped the read early. */
	truncated: boolean;
}
