/**
 * Local Stripe API mock (node:http on 127.0.0.1, random port).
 *
 * - `GET /v1/customers`, `/v1/customers/{id}`, `/v1/charges`: `limit` (1..100), `starting_after`,
 *   `ending_before`, `created[gt|gte|lt|lte]`, `customer`; lists newest first as
 *   `{object:"list", url, has_more, data}`.
 * - Charges in minor units (`amount`, `amount_captured`, `amount_refunded`), lower-case currency
 *   codes, several currencies including zero-decimal JPY; statuses succeeded / pending / failed,
 *   uncaptured authorizations, guest charges with `customer: null` and billing / receipt email.
 * - Auth: `Authorization: Bearer <key>` or Basic with the key as user name; Stripe's 401 bodies.
 *   A restricted key without charge access gets Stripe's 403 permission error.
 * - Rate limit: over `ratePerSecond` requests in a second → 429 `{"error":{"code":"rate_limit",...}}`
 *   without Retry-After, as Stripe sends it. Faults on demand (status or dropped connection).
 * Control endpoints: GET /__mock/stats, POST /__mock/add, POST /__mock/faults.
 * CLI: `node -r ./bench/fetch-ts-register.js test/mocks/stripe.ts --customers 100 --orders 400`.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultPlan, ShopData, STATUS, parseArgs, readBody, type Fault, type ShopDataOptions } from './shop-data';

export interface StripeMockOptions {
	data?: ShopData;
	dataOptions?: ShopDataOptions;
	secretKey?: string;
	/** A restricted key that may read customers but not charges. */
	restrictedKeyWithoutCharges?: string;
	port?: number;
	ratePerSecond?: number;
	faults?: Fault[];
}

export interface StripeMock {
	url: string;
	port: number;
	data: ShopData;
	stats: { requests: number; dataRequests: number; rateLimited: number; byPath: Record<string, number> };
	setFaults(faults: Fault[]): void;
	customerId(c: number): string;
	chargeId(i: number): string;
	renderCharge(i: number): Record<string, unknown>;
	close(): Promise<void>;
}

const pad = (n: number) => n.toString(36).padStart(8, '0');
export const stripeCustomerId = (c: number) => `cus_M${pad(c)}`;
export const stripeChargeId = (i: number) => `ch_3M${pad(i)}`;

export async function startStripeMock(opts: StripeMockOptions = {}): Promise<StripeMock> {
	const data = opts.data ?? new ShopData({ guestShare: 0.05, currencies: ['USD', 'EUR', 'JPY'], ...(opts.dataOptions ?? {}) });
	const key = opts.secretKey ?? 'sk_test_51MockKey0123456789abcdefghij';
	const restricted = opts.restrictedKeyWithoutCharges;
	const faults = new FaultPlan(opts.faults ?? []);
	const stats = { requests: 0, dataRequests: 0, rateLimited: 0, byPath: {} as Record<string, number> };
	const window: number[] = [];
	const sec = (t: number) => Math.floor(t / 1000);

	const customerJson = (c: number) => {
		const v = data.customer(c);
		return {
			id: stripeCustomerId(c),
			object: 'customer',
			address: { city: 'Springfield', country: v.country, line1: '1 Main St', line2: null, postal_code: '00000', state: null },
			balance: 0,
			created: sec(v.created),
			currency: data.currencyList[0].toLowerCase(),
			default_source: null,
			delinquent: false,
			description: null,
			email: v.email,
			invoice_prefix: pad(c).toUpperCase().slice(0, 8),
			livemode: false,
			metadata: {},
			name: `${v.firstName} ${v.lastName}`,
			phone: v.phone,
			preferred_locales: [],
			shipping: null,
			tax_exempt: 'none',
		};
	};

	const renderCharge = (i: number) => {
		const o = data.order(i);
		const cust = o.customer >= 0 ? data.customer(o.customer) : null;
		const email = cust ? cust.email : o.guestEmail;
		const succeeded = o.status === STATUS.paid || o.status === STATUS.partial || o.status === STATUS.refunded;
		const uncapturedReleased = o.status === STATUS.cancelled;
		const status = succeeded || uncapturedReleased ? 'succeeded' : o.status === STATUS.pending ? 'pending' : 'failed';
		const refunded = uncapturedReleased ? o.totalCents : o.refundedCents;
		return {
			id: stripeChargeId(i),
			object: 'charge',
			amount: o.totalCents,
			amount_captured: uncapturedReleased || status !== 'succeeded' ? 0 : o.totalCents,
			amount_refunded: refunded,
			balance_transaction: succeeded ? `txn_${pad(i)}` : null,
			billing_details: { address: { country: cust?.country ?? 'US' }, email, name: cust ? `${cust.firstName} ${cust.lastName}` : null, phone: null },
			captured: succeeded,
			created: sec(o.created),
			currency: o.currency.toLowerCase(),
			customer: o.customer >= 0 ? stripeCustomerId(o.customer) : null,
			description: null,
			disputed: false,
			failure_code: status === 'failed' ? 'card_declined' : null,
			failure_message: status === 'failed' ? 'Your card was declined.' : null,
			livemode: false,
			metadata: {},
			paid: status === 'succeeded',
			payment_intent: `pi_3M${pad(i)}`,
			receipt_email: email,
			refunded: refunded > 0 && refunded >= o.totalCents,
			status,
		};
	};

	// newest first (created desc, then index desc); cached until the data changes
	let sortedCharges: { version: number; order: Int32Array } | null = null;
	const chargesOrder = () => {
		if (sortedCharges && sortedCharges.version === data.version) return sortedCharges.order;
		const n = data.orderCount;
		const order = new Int32Array(n);
		for (let k = 0; k < n; k++) order[k] = k;
		order.sort((a, b) => sec(data.ordCreated[b]) - sec(data.ordCreated[a]) || b - a);
		sortedCharges = { version: data.version, order };
		return order;
	};
	const customersOrder = () => {
		const n = data.customerCount;
		const order = Array.from({ length: n }, (_, k) => k);
		order.sort((a, b) => sec(data.custCreated[b]) - sec(data.custCreated[a]) || b - a);
		return order;
	};

	const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
		const text = JSON.stringify(body);
		res.writeHead(status, {
			'content-type': 'application/json',
			'content-length': Buffer.byteLength(text),
			'request-id': `req_${Math.random().toString(36).slice(2, 16)}`,
			'stripe-version': '2025-03-31.basil',
			...headers,
		});
		res.end(text);
	};
	const invalid = (res: http.ServerResponse, param: string, message: string) =>
		send(res, 400, { error: { code: 'parameter_invalid_integer', doc_url: 'https://stripe.com/docs/error-codes/parameter-invalid-integer', message, param, type: 'invalid_request_error' } });

	const listOf = (res: http.ServerResponse, url: URL, path: string, order: ArrayLike<number>, idOf: (k: number) => string, createdOf: (k: number) => number, render: (k: number) => unknown, filter: (k: number) => boolean = () => true) => {
		const q = url.searchParams;
		const limit = Number(q.get('limit') ?? 10);
		if (!Number.isInteger(limit) || limit < 1 || limit > 100) return invalid(res, 'limit', 'This value must be greater than or equal to 1 and less than or equal to 100.');
		const bounds: Array<[string, number]> = [];
		for (const op of ['gt', 'gte', 'lt', 'lte']) {
			const v = q.get(`created[${op}]`);
			if (v !== null) {
				if (!/^\d+$/.test(v)) return invalid(res, `created[${op}]`, `Invalid integer: ${v}`);
				bounds.push([op, Number(v)]);
			}
		}
		const ok = (k: number) => {
			const c = sec(createdOf(k));
			for (const [op, v] of bounds) if ((op === 'gt' && !(c > v)) || (op === 'gte' && !(c >= v)) || (op === 'lt' && !(c < v)) || (op === 'lte' && !(c <= v))) return false;
			return filter(k);
		};
		let start = 0;
		const after = q.get('starting_after');
		if (after) {
			let pos = -1;
			for (let p = 0; p < order.length; p++)
				if (idOf(order[p]) === after) {
					pos = p;
					break;
				}
			if (pos < 0) return send(res, 404, { error: { code: 'resource_missing', doc_url: 'https://stripe.com/docs/error-codes/resource-missing', message: `No such object: '${after}'`, param: 'starting_after', type: 'invalid_request_error' } });
			start = pos + 1;
		}
		const picked: number[] = [];
		let hasMore = false;
		for (let p = start; p < order.length; p++) {
			const k = order[p];
			if (!ok(k)) continue;
			if (picked.length === limit) {
				hasMore = true;
				break;
			}
			picked.push(k);
		}
		return send(res, 200, { object: 'list', data: picked.map(render), has_more: hasMore, url: `/v1/${path}` });
	};

	const server = http.createServer(async (req, res) => {
		stats.requests++;
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		try {
			const bodyText = await readBody(req);
			if (url.pathname.startsWith('/__mock/')) {
				const body = bodyText ? JSON.parse(bodyText) : {};
				if (url.pathname === '/__mock/stats') return send(res, 200, { ...stats, customers: data.customerCount, charges: data.orderCount });
				if (url.pathname === '/__mock/faults') {
					faults.faults = body.faults ?? [];
					faults.requests = 0;
					return send(res, 200, { ok: true });
				}
				if (url.pathname === '/__mock/add') {
					const customers = body.customers ? data.addCustomers(Number(body.customers)) : [];
					const orders = body.orders ? data.addOrders(Number(body.orders), { customer: body.customer, totalCents: body.totalCents, status: body.status }) : [];
					return send(res, 200, { customers: customers.map(stripeCustomerId), charges: orders.map(stripeChargeId) });
				}
				return send(res, 404, { error: 'unknown control endpoint' });
			}
			const auth = req.headers.authorization ?? '';
			let given: string | null = null;
			if (auth.startsWith('Bearer ')) given = auth.slice(7).trim();
			else if (auth.startsWith('Basic ')) given = Buffer.from(auth.slice(6), 'base64').toString('utf8').replace(/:$/, '');
			if (!given)
				return send(res, 401, { error: { message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.", type: 'invalid_request_error' } });
			if (given !== key && given !== restricted)
				return send(res, 401, { error: { message: `Invalid API Key provided: ${given.slice(0, 8)}****${given.slice(-4)}`, type: 'invalid_request_error' } });
			stats.dataRequests++;
			const now = Date.now();
			while (window.length && window[0] <= now - 1000) window.shift();
			if (opts.ratePerSecond && window.length >= opts.ratePerSecond) {
				stats.rateLimited++;
				return send(res, 429, { error: { code: 'rate_limit', doc_url: 'https://stripe.com/docs/error-codes/rate-limit', message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.', type: 'invalid_request_error' } }, { 'stripe-should-retry': 'true' });
			}
			window.push(now);
			const fault = faults.next();
			if (fault) {
				if (fault.kind === 'drop') {
					req.socket.destroy();
					return;
				}
				if (fault.kind === 429) return send(res, 429, { error: { code: 'rate_limit', doc_url: 'https://stripe.com/docs/error-codes/rate-limit', message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.', type: 'invalid_request_error' } });
				return send(res, fault.kind, { error: { message: 'An unknown error occurred', type: 'api_error' } });
			}
			const path = url.pathname;
			stats.byPath[path.replace(/\/cus_\w+$/, '/{id}')] = (stats.byPath[path.replace(/\/cus_\w+$/, '/{id}')] ?? 0) + 1;
			if (req.method !== 'GET') return send(res, 404, { error: { message: `Unrecognized request URL (${req.method}: ${path}).`, type: 'invalid_request_error' } });
			if (path === '/v1/customers') return listOf(res, url, 'customers', customersOrder(), stripeCustomerId, (c) => data.custCreated[c], customerJson);
			const one = /^\/v1\/customers\/(cus_\w+)$/.exec(path);
			if (one) {
				for (let c = 0; c < data.customerCount; c++) if (stripeCustomerId(c) === one[1]) return send(res, 200, customerJson(c));
				return send(res, 404, { error: { code: 'resource_missing', message: `No such customer: '${one[1]}'`, param: 'id', type: 'invalid_request_error' } });
			}
			if (path === '/v1/charges') {
				if (given === restricted)
					return send(res, 403, { error: { message: `The provided key '${given.slice(0, 8)}***${given.slice(-4)}' does not have the required permissions for this endpoint on account 'acct_1Mock'. Having the 'rak_charge_read' permission would allow this request to continue.`, type: 'invalid_request_error' } });
				const customer = url.searchParams.get('customer');
				const filter = customer ? (i: number) => data.ordCustomer[i] >= 0 && stripeCustomerId(data.ordCustomer[i]) === customer : undefined;
				return listOf(res, url, 'charges', chargesOrder(), stripeChargeId, (i) => data.ordCreated[i], renderCharge, filter);
			}
			return send(res, 404, { error: { message: `Unrecognized request URL (GET: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`, type: 'invalid_request_error' } });
		} catch (e) {
			return send(res, 500, { error: { message: (e as Error).message, type: 'api_error' } });
		}
	});
	await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		data,
		stats,
		customerId: stripeCustomerId,
		chargeId: stripeChargeId,
		renderCharge,
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
	startStripeMock({
		port: a.port ? Number(a.port) : 0,
		secretKey: a.key,
		ratePerSecond: a['rate-per-second'] ? Number(a['rate-per-second']) : undefined,
		dataOptions: { seed: a.seed ? Number(a.seed) : undefined, customers: a.customers ? Number(a.customers) : undefined, orders: a.orders ? Number(a.orders) : undefined },
	}).then((mock) => {
		process.stdout.write(JSON.stringify({ url: mock.url, port: mock.port, customers: mock.data.customerCount, orders: mock.data.orderCount }) + '\n');
	});
}
