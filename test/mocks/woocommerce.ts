/**
 * Local WooCommerce REST API v3 mock (node:http on 127.0.0.1, random port).
 *
 * - `GET /wp-json/wc/v3/orders` and `/customers`: `page` / `per_page` (1..100, else 400
 *   rest_invalid_param), `X-WP-Total`, `X-WP-TotalPages` and `Link` headers, `orderby`
 *   (id, date, modified, include / id, registered_date, include), `order`, `status`, `customer`,
 *   `after` / `before` / `modified_after` / `modified_before` with `dates_are_gmt`, `search`,
 *   `include`, `email`, `role`.
 * - Real shapes: totals as strings, `refunds[].total` as negative strings, `date_*` in the site's
 *   time zone (UTC+02:00 here, to catch readers that ignore `_gmt`) and `date_*_gmt` without
 *   offset, guest orders with `customer_id: 0` and the billing email, statuses completed,
 *   processing, on-hold, pending, cancelled, refunded, failed and checkout-draft.
 * - Auth: consumer key/secret as Basic auth (what WooCommerce accepts over HTTPS; the mock accepts
 *   it over plain http on 127.0.0.1 as a site behind a TLS proxy would) or as `consumer_key` /
 *   `consumer_secret` query parameters; errors as WooCommerce sends them
 *   (`woocommerce_rest_authentication_error`, `woocommerce_rest_cannot_view`, `rest_no_route`).
 * - Faults on demand: a status or a dropped connection at the Nth data request.
 * Control endpoints: GET /__mock/stats, POST /__mock/add, POST /__mock/faults.
 * CLI: `node -r ./bench/fetch-ts-register.js test/mocks/woocommerce.ts --customers 100 --orders 400`.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultPlan, ShopData, STATUS, decimalString, parseArgs, readBody, type Fault, type ShopDataOptions } from './shop-data';

export interface WooMockOptions {
	data?: ShopData;
	dataOptions?: ShopDataOptions;
	consumerKey?: string;
	consumerSecret?: string;
	port?: number;
	faults?: Fault[];
	/** Answer rest_no_route for every wc/v3 path (WooCommerce not active). */
	siteMissing?: boolean;
	/** Orders rendered with a broken total ("n/a"). */
	malformedOrders?: number[];
	/** Extra checkout-draft orders (not real orders) appended after the generated ones. */
	drafts?: number;
}

export interface WooMock {
	url: string;
	port: number;
	data: ShopData;
	stats: { requests: number; dataRequests: number; byPath: Record<string, number> };
	setFaults(faults: Fault[]): void;
	/** The order exactly as the API renders it (for tests computing expectations). */
	renderOrder(i: number): Record<string, unknown>;
	close(): Promise<void>;
}

const SITE_OFFSET_MS = 2 * 3600000;
const fmt = (t: number) => new Date(Math.floor(t / 1000) * 1000).toISOString().slice(0, 19);
const local = (t: number) => fmt(t + SITE_OFFSET_MS);

/** Guest orders whose email belongs to a registered customer (tests guest merging). */
export function guestUsesCustomerEmail(data: ShopData, i: number): number {
	const g = data.ordGuest[i];
	if (g < 0 || data.customerCount === 0 || g % 7 !== 3) return -1;
	return (g * 13) % data.customerCount;
}

export async function startWooCommerceMock(opts: WooMockOptions = {}): Promise<WooMock> {
	const data = opts.data ?? new ShopData({ guestShare: 0.08, ...(opts.dataOptions ?? {}) });
	const key = opts.consumerKey ?? 'ck_0123456789abcdef0123456789abcdef01234567';
	const secret = opts.consumerSecret ?? 'cs_0123456789abcdef0123456789abcdef01234567';
	const faults = new FaultPlan(opts.faults ?? []);
	const malformed = new Set(opts.malformedOrders ?? []);
	const stats = { requests: 0, dataRequests: 0, byPath: {} as Record<string, number> };
	const drafts = opts.drafts ?? 0;

	const customerJson = (c: number) => {
		const v = data.customer(c);
		const address = { first_name: v.firstName, last_name: v.lastName, company: '', address_1: '1 Main St', address_2: '', city: 'Springfield', state: '', postcode: '00000', country: v.country };
		return {
			id: c + 1,
			date_created: local(v.created),
			date_created_gmt: fmt(v.created),
			date_modified: local(v.created),
			date_modified_gmt: fmt(v.created),
			email: v.email,
			first_name: v.firstName,
			last_name: v.lastName,
			role: 'customer',
			username: v.email.split('@')[0],
			billing: { ...address, email: v.email, phone: v.phone ?? '' },
			shipping: { ...address, phone: '' },
			is_paying_customer: v.ordersCount > 0,
			avatar_url: 'https://secure.gravatar.com/avatar/0?s=96&d=mm&r=g',
			meta_data: [],
			_links: { self: [{ href: `/wp-json/wc/v3/customers/${c + 1}` }] },
		};
	};

	const orderStatus = (i: number, s: number): string => {
		switch (s) {
			case STATUS.paid:
				return i % 5 === 0 ? 'processing' : 'completed';
			case STATUS.pending:
				return i % 2 === 0 ? 'pending' : 'on-hold';
			case STATUS.partial:
				return 'completed';
			case STATUS.refunded:
				return 'refunded';
			case STATUS.cancelled:
				return 'cancelled';
			default:
				return 'failed';
		}
	};

	const renderOrder = (i: number): Record<string, unknown> => {
		if (i >= data.orderCount) {
			// checkout drafts: never real orders
			const t = data.ordCreated[data.orderCount - 1] ?? Date.now();
			return { id: 10000000 + i, status: 'checkout-draft', currency: data.currencyList[0], total: '0.00', customer_id: 0, date_created: local(t), date_created_gmt: fmt(t), date_modified: local(t), date_modified_gmt: fmt(t), billing: { email: '' }, refunds: [], line_items: [] };
		}
		const o = data.order(i);
		const ownerOfEmail = guestUsesCustomerEmail(data, i);
		const cust = o.customer >= 0 ? data.customer(o.customer) : ownerOfEmail >= 0 ? data.customer(ownerOfEmail) : null;
		const email = cust ? cust.email : (o.guestEmail as string);
		const billing = {
			first_name: cust ? cust.firstName : 'Guest',
			last_name: cust ? cust.lastName : `G${data.ordGuest[i] + 1}`,
			company: '',
			address_1: '1 Main St',
			address_2: '',
			city: 'Springfield',
			state: '',
			postcode: '00000',
			country: cust ? cust.country : 'US',
			email,
			phone: cust?.phone ?? '',
		};
		const paid = o.status === STATUS.paid || o.status === STATUS.partial || o.status === STATUS.refunded;
		return {
			id: 1000 + i,
			parent_id: 0,
			number: String(1000 + i),
			order_key: `wc_order_${(1000 + i).toString(36)}`,
			created_via: 'checkout',
			version: '9.4.2',
			status: orderStatus(i, o.status),
			currency: o.currency,
			date_created: local(o.created),
			date_created_gmt: fmt(o.created),
			date_modified: local(o.updated),
			date_modified_gmt: fmt(o.updated),
			discount_total: '0.00',
			shipping_total: '0.00',
			total: malformed.has(i) ? 'n/a' : decimalString(o.totalCents, o.currency),
			total_tax: '0.00',
			prices_include_tax: false,
			customer_id: o.customer >= 0 ? o.customer + 1 : 0,
			billing,
			shipping: { ...billing, phone: '' },
			payment_method: 'stripe',
			payment_method_title: 'Credit card',
			transaction_id: '',
			date_paid: paid ? local(o.created) : null,
			date_paid_gmt: paid ? fmt(o.created) : null,
			date_completed: paid ? local(o.created) : null,
			date_completed_gmt: paid ? fmt(o.created) : null,
			line_items: [],
			refunds: o.refundedCents > 0 ? [{ id: 900000 + i, reason: 'Customer request', total: decimalString(-o.refundedCents, o.currency) }] : [],
			meta_data: [],
			_links: { self: [{ href: `/wp-json/wc/v3/orders/${1000 + i}` }] },
		};
	};

	const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
		const text = JSON.stringify(body);
		res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
		res.end(text);
	};
	const invalidParam = (res: http.ServerResponse, name: string, detail: string) =>
		send(res, 400, { code: 'rest_invalid_param', message: `Invalid parameter(s): ${name}`, data: { status: 400, params: { [name]: detail }, details: {} } });

	const parseDateParam = (v: string | null, gmtFlag: boolean): number | null => {
		if (!v) return null;
		const hasOffset = /[zZ]|[+-]\d\d:?\d\d$/.test(v);
		const t = Date.parse(hasOffset ? v : `${v}Z`);
		if (Number.isNaN(t)) return NaN;
		return hasOffset || gmtFlag ? t : t - SITE_OFFSET_MS;
	};

	const page = (res: http.ServerResponse, url: URL, ids: number[], render: (i: number) => unknown) => {
		const perPage = Number(url.searchParams.get('per_page') ?? 10);
		const pageNo = Number(url.searchParams.get('page') ?? 1);
		if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) return invalidParam(res, 'per_page', 'per_page must be between 1 (inclusive) and 100 (inclusive)');
		if (!Number.isInteger(pageNo) || pageNo < 1) return invalidParam(res, 'page', 'page must be greater than or equal to 1');
		const total = ids.length;
		const totalPages = Math.ceil(total / perPage);
		const slice = ids.slice((pageNo - 1) * perPage, pageNo * perPage);
		const links: string[] = [];
		const link = (p: number) => {
			const u = new URL(url.toString());
			u.searchParams.set('page', String(p));
			return `<${u.pathname}${u.search}>`;
		};
		if (pageNo > 1) links.push(`${link(pageNo - 1)}; rel="prev"`);
		if (pageNo < totalPages) links.push(`${link(pageNo + 1)}; rel="next"`);
		return send(res, 200, slice.map(render), { 'x-wp-total': String(total), 'x-wp-totalpages': String(totalPages), ...(links.length ? { link: links.join(', ') } : {}) });
	};

	// Filtered + sorted id lists, cached per query (without page) until the data changes.
	const listCache = new Map<string, { version: number; ids: number[] }>();
	const cached = (url: URL, build: () => number[] | null): number[] | null => {
		const u = new URL(url.toString());
		u.searchParams.delete('page');
		u.searchParams.delete('consumer_key');
		u.searchParams.delete('consumer_secret');
		const k = u.pathname + '?' + u.searchParams.toString();
		const hit = listCache.get(k);
		if (hit && hit.version === data.version) return hit.ids;
		const ids = build();
		if (ids) {
			if (listCache.size > 20) listCache.clear();
			listCache.set(k, { version: data.version, ids });
		}
		return ids;
	};

	const listOrders = (res: http.ServerResponse, url: URL) => {
		let failed = false;
		const ids = cached(url, () => {
			const r = filterOrders(res, url);
			if (!r) failed = true;
			return r;
		});
		if (failed || !ids) return;
		return page(res, url, ids, renderOrder);
	};

	const filterOrders = (res: http.ServerResponse, url: URL): number[] | null => {
		const q = url.searchParams;
		const gmtFlag = q.get('dates_are_gmt') === 'true' || q.get('dates_are_gmt') === '1';
		const bounds: Record<string, number | null> = {};
		for (const name of ['after', 'before', 'modified_after', 'modified_before']) {
			const t = parseDateParam(q.get(name), gmtFlag);
			if (t !== null && Number.isNaN(t)) {
				invalidParam(res, name, `Invalid date.`);
				return null;
			}
			bounds[name] = t;
		}
		const statuses = (q.get('status') ?? 'any').split(',');
		const customer = q.get('customer');
		const search = (q.get('search') ?? '').toLowerCase();
		const include = q.get('include') ? new Set(q.get('include')!.split(',').map(Number)) : null;
		const n = data.orderCount + drafts;
		const ids: number[] = [];
		for (let i = 0; i < n; i++) {
			const isDraft = i >= data.orderCount;
			if (isDraft) {
				if (!statuses.includes('checkout-draft')) continue;
			} else {
				const o = data.order(i);
				const st = orderStatus(i, o.status);
				if (!statuses.includes('any') && !statuses.includes(st)) continue;
				const created = Math.floor(o.created / 1000) * 1000;
				const updated = Math.floor(o.updated / 1000) * 1000;
				if (bounds.after !== null && !(created > bounds.after)) continue;
				if (bounds.before !== null && !(created < bounds.before)) continue;
				if (bounds.modified_after !== null && !(updated > bounds.modified_after)) continue;
				if (bounds.modified_before !== null && !(updated < bounds.modified_before)) continue;
				if (customer !== null && o.customer + 1 !== Number(customer)) continue;
				if (search) {
					const email = (renderOrder(i).billing as { email: string }).email;
					if (!email.includes(search)) continue;
				}
			}
			if (include && !include.has(i >= data.orderCount ? 10000000 + i : 1000 + i)) continue;
			ids.push(i);
		}
		const orderby = q.get('orderby') ?? 'date';
		const desc = (q.get('order') ?? 'desc') === 'desc';
		const keyOf = (i: number) => (i >= data.orderCount ? Infinity : orderby === 'modified' ? data.ordUpdated[i] : orderby === 'date' ? data.ordCreated[i] : i);
		if (!['id', 'date', 'modified', 'include', 'title', 'slug'].includes(orderby)) {
			invalidParam(res, 'orderby', 'orderby is not one of date, id, include, title, slug, modified.');
			return null;
		}
		if (!(orderby === 'id' && !desc)) ids.sort((a, b) => (keyOf(a) - keyOf(b) || a - b) * (desc ? -1 : 1));
		return ids;
	};

	const listCustomers = (res: http.ServerResponse, url: URL) => {
		const q = url.searchParams;
		const role = q.get('role') ?? 'customer';
		if (!['all', 'customer', 'administrator', 'shop_manager', 'subscriber'].includes(role)) return invalidParam(res, 'role', 'role is not one of all, administrator, customer, shop_manager, subscriber.');
		const email = q.get('email')?.toLowerCase();
		const include = q.get('include') ? q.get('include')!.split(',').map(Number) : null;
		const cachedIds = cached(url, () => null);
		if (cachedIds) return page(res, url, cachedIds, customerJson);
		let ids: number[] = [];
		if (role === 'customer' || role === 'all') {
			for (let c = 0; c < data.customerCount; c++) {
				if (email && data.customer(c).email !== email) continue;
				if (include && !include.includes(c + 1)) continue;
				ids.push(c);
			}
		}
		const orderby = q.get('orderby') ?? 'name';
		const desc = (q.get('order') ?? 'asc') === 'desc';
		if (orderby === 'include' && include) ids = include.map((id) => id - 1).filter((c) => ids.includes(c));
		else {
			const keyOf = (c: number) => (orderby === 'registered_date' ? data.custCreated[c] : c);
			ids.sort((a, b) => (keyOf(a) - keyOf(b) || a - b) * (desc ? -1 : 1));
		}
		cached(url, () => ids);
		return page(res, url, ids, customerJson);
	};

	const authorized = (req: http.IncomingMessage, url: URL): 'ok' | 'missing' | 'invalid' => {
		const h = req.headers.authorization;
		let k: string | null = null;
		let s: string | null = null;
		if (h && h.startsWith('Basic ')) {
			const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
			const idx = decoded.indexOf(':');
			k = decoded.slice(0, idx);
			s = decoded.slice(idx + 1);
		} else if (url.searchParams.get('consumer_key')) {
			k = url.searchParams.get('consumer_key');
			s = url.searchParams.get('consumer_secret');
		}
		if (k === null) return 'missing';
		return k === key && s === secret ? 'ok' : 'invalid';
	};

	const server = http.createServer(async (req, res) => {
		stats.requests++;
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		try {
			const bodyText = await readBody(req);
			if (url.pathname.startsWith('/__mock/')) {
				const body = bodyText ? JSON.parse(bodyText) : {};
				if (url.pathname === '/__mock/stats') return send(res, 200, { ...stats, customers: data.customerCount, orders: data.orderCount });
				if (url.pathname === '/__mock/faults') {
					faults.faults = body.faults ?? [];
					faults.requests = 0;
					return send(res, 200, { ok: true });
				}
				if (url.pathname === '/__mock/add') {
					const customers = body.customers ? data.addCustomers(Number(body.customers)) : [];
					const orders = body.orders ? data.addOrders(Number(body.orders), { customer: body.customer, totalCents: body.totalCents, status: body.status }) : [];
					return send(res, 200, { customers: customers.map((c) => c + 1), orders: orders.map((i) => 1000 + i) });
				}
				return send(res, 404, { error: 'unknown control endpoint' });
			}
			const m = /^\/wp-json\/wc\/v3\/(orders|customers)\/?$/.exec(url.pathname);
			if (opts.siteMissing || !m) return send(res, 404, { code: 'rest_no_route', message: 'No route was found matching the URL and request method.', data: { status: 404 } });
			if (req.method !== 'GET') return send(res, 404, { code: 'rest_no_route', message: 'No route was found matching the URL and request method.', data: { status: 404 } });
			const auth = authorized(req, url);
			if (auth === 'invalid') return send(res, 401, { code: 'woocommerce_rest_authentication_error', message: 'Consumer key is invalid.', data: { status: 401 } });
			if (auth === 'missing') return send(res, 401, { code: 'woocommerce_rest_cannot_view', message: 'Sorry, you cannot list resources.', data: { status: 401 } });
			stats.dataRequests++;
			stats.byPath[m[1]] = (stats.byPath[m[1]] ?? 0) + 1;
			const fault = faults.next();
			if (fault) {
				if (fault.kind === 'drop') {
					req.socket.destroy();
					return;
				}
				if (fault.kind === 429) return send(res, 429, { code: 'rest_too_many_requests', message: 'Too many requests.', data: { status: 429 } }, { 'retry-after': '1' });
				res.writeHead(fault.kind, { 'content-type': 'text/html' });
				return res.end(`<html><head><title>${fault.kind}</title></head><body>Upstream error</body></html>`);
			}
			return m[1] === 'orders' ? listOrders(res, url) : listCustomers(res, url);
		} catch (e) {
			return send(res, 500, { code: 'internal_server_error', message: (e as Error).message, data: { status: 500 } });
		}
	});
	await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		data,
		stats,
		renderOrder,
		setFaults(f: Fault[]) {
			faults.faults = f;
			faults.requests = 0;
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections?.();
				server.close(() => resolve());
			}),
	};
}

if (require.main === module) {
	const a = parseArgs(process.argv.slice(2));
	startWooCommerceMock({
		port: a.port ? Number(a.port) : 0,
		consumerKey: a.key,
		consumerSecret: a.secret,
		dataOptions: {
			seed: a.seed ? Number(a.seed) : undefined,
			customers: a.customers ? Number(a.customers) : undefined,
			orders: a.orders ? Number(a.orders) : undefined,
			currency: a.currency,
			guestShare: a['guest-share'] ? Number(a['guest-share']) : undefined,
		},
	}).then((mock) => {
		process.stdout.write(JSON.stringify({ url: mock.url, port: mock.port, customers: mock.data.customerCount, orders: mock.data.orderCount }) + '\n');
	});
}
