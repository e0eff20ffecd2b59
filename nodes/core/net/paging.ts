/**
 * The paging engine of the API readers (Shopify, WooCommerce, HubSpot, Stripe): a reader says how
 * to fetch one page from a cursor and what the next cursor is; the engine walks the pages, counts
 * them, hands each page's rows over, stops when the reader has enough, and refuses a service that
 * answers the same cursor again (an endless loop otherwise). Requests, retries, rate limits and
 * error messages are the reader's HTTP client's (sources/request.ts).
 */

export type Row = Record<string, unknown>;

export interface Page<C> {
	rows: Row[];
	/** Cursor of the next page; undefined when this page is the last. */
	next?: C;
}

export interface PagingOptions<C> {
	/** Cursor of the first page (page 1, no `after`, no `starting_after`...). */
	first: C;
	/** Reads one page. null: stop before this page (e.g. the reader switches to a bulk export). */
	fetch(cursor: C): Promise<Page<C> | null>;
	/** Uses a page's rows; true when the reader has enough (a limit was reached). */
	onPage(rows: Row[], cursor: C): boolean | void;
	/** Counters updated per page (FetchStats). */
	stats?: { pages: number; read: number };
	/** Cursor equality, to catch a service repeating a page (default ===). */
	same?: (a: C, b: C) => boolean;
	/** The error for a repeated cursor (the reader names its service). */
	repeated: () => Error;
}

/** Walks the pages. Resolves true when onPage stopped the reading, false at the last page. */
export async function readPages<C>(o: PagingOptions<C>): Promise<boolean> {
	const same = o.same ?? ((a: C, b: C) => a === b);
	let cursor = o.first;
	for (;;) {
		const page = await o.fetch(cursor);
		if (!page) return false;
		if (o.stats) {
			o.stats.pages++;
			o.stats.read += page.rows.length;
		}
		if (o.onPage(page.rows, cursor) === true) return true;
		if (page.next === undefined || page.rows.length === 0) return false;
		if (same(page.next, cursor)) throw o.repeated();
		cursor = page.next;
	}
}
