/**
 * Local HubSpot CRM mock for Fetch Customers' reads (node:http on 127.0.0.1, random port).
 * Contacts are the seeded customers, deals the seeded orders (closedwon when paid, closedlost when
 * cancelled / failed / refunded, an open stage when pending).
 *
 * - `GET /crm/v3/objects/{contacts|deals}`: `limit` (≤100), `after`, `properties`, `associations`,
 *   `archived`; `{results, paging:{next:{after, link}}}`; properties as strings, dates as ISO with ms.
 * - `POST /crm/v3/objects/{contacts|deals}/search`: filterGroups (EQ, GT, GTE, LT, LTE), sorts,
 *   properties, limit (≤200), after; `total`; 400 past 10,000 results.
 * - `POST /crm/v3/objects/{contacts|deals}/batch/read` and
 *   `POST /crm/v4/associations/{from}/{to}/batch/read` (`{status:"COMPLETE", results:[{from, to}]}`).
 * - Auth: `Authorization: Bearer <token>`; 401 INVALID_AUTHENTICATION, 403 MISSING_SCOPES as HubSpot
 *   sends them. Rate limits: every non-search reply carries X-HubSpot-RateLimit-Max / -Remaining /
 *   -Interval-Milliseconds (and the daily / secondly ones); past `max` requests in the rolling
 *   interval → 429 `{"status":"error","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING",…}`
 *   with no Retry-After; searches past 5 a second → 429 with policyName SECONDLY; a daily budget
 *   can be set to get policyName DAILY.
 * Control endpoints: GET /__mock/stats, POST /__mock/add, POST /__mock/faults.
 * CLI: `node -r ./bench/fetch-ts-register.js test/mocks/hubspot-crm.ts --customers 100 --orders 400`.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultPlan, ShopData, STATUS, decimalString, parseArgs, readBody, type Fault, type ShopDataOptions } from './shop-data';

export interface HubSpotMockOptions {
	data?: ShopData;
	dataOptions?: ShopDataOptions;
	token?: string;
	port?: number;
	/** Requests per rolling interval (HubSpot private apps: 100 or 190 per 10 s). */
	max?: number;
	intervalMs?: number;
	searchPerSecond?: number;
	/** Daily budget; when used up every call gets a 429 with policyName DAILY. */
	daily?: number;
	/** Granted scopes (default contacts and deals read). */
	scopes?: string[];
	faults?: Fault[];
}

export interface HubSpotMock {
	url: string;
	port: number;
	data: ShopData;
	stats: { requests: number; dataRequests: number; rateLimited: number; byPath: Record<string, number> };
	contactId(c: number): string;
	dealId(i: number): string;
	setFaults(faults: Fault[]): void;
	close(): Promise<void>;
}

export const hsContactId = (c: number) => String(101 + c);
export const hsDealId = (i: number) => String(900001 + i);
const contactIndex = (id: string) => Number(id) - 101;
const dealIndex = (id: string) => Number(id) - 900001;

export async function startHubSpotMock(opts: HubSpotMockOptions = {}): Promise<HubSpotMock> {
	const data = opts.data ?? new ShopData({ guestShare: 0, ...(opts.dataOptions ?? {}) });
	const token = opts.token ?? 'pat-na1-00000000-0000-0000-0000-000000000000';
	const faults = new FaultPlan(opts.faults ?? []);
	const max = opts.max ?? 100;
	const intervalMs = opts.intervalMs ?? 10000;
	const searchPerSecond = opts.searchPerSecond ?? 5;
	const scopes = new Set(opts.scopes ?? ['crm.objects.contacts.read', 'crm.objects.deals.read']);
	const stats = { requests: 0, dataRequests: 0, rateLimited: 0, byPath: {} as Record<string, number> };
	let window: number[] = [];
	let searchWindow: number[] = [];
	let dailyUsed = 0;
	const iso = (t: number) => new Date(Math.floor(t)).toISOString();
	const correlationId = () => `${Math.random().toString(16).slice(2, 10)}-mock`;

	const contactProps = (c: number): Record<string, string | null> => {
		const v = data.customer(c);
		return {
			email: v.email,
			firstname: v.firstName,
			lastname: v.lastName,
			phone: v.phone,
			country: v.country,
			createdate: iso(v.created),
			lastmodifieddate: iso(v.updated),
			hs_object_id: hsContactId(c),
			hs_email_optout: v.emailState === 'UNSUBSCRIBED' ? 'true' : 'false',
			lifecyclestage: v.ordersCount > 0 ? 'customer' : 'lead',
			city: 'Springfield',
		};
	};
	const dealProps = (i: number): Record<string, string | null> => {
		const o = data.order(i);
		const stage =
			o.status === STATUS.paid || o.status === STATUS.partial ? 'closedwon' : o.status === STATUS.pending ? (i % 2 ? 'contractsent' : 'appointmentscheduled') : 'closedlost';
		return {
			amount: decimalString(o.totalCents - (o.status === STATUS.partial ? o.refundedCents : 0), o.currency),
			closedate: stage === 'closedwon' || stage === 'closedlost' ? iso(o.created) : null,
			createdate: iso(o.created - 3 * 86400000),
			dealname: `Order ${1001 + i}`,
			dealstage: stage,
			pipeline: 'default',
			deal_currency_code: o.currency,
			hs_lastmodifieddate: iso(o.updated),
			hs_object_id: hsDealId(i),
		};
	};
	const record = (kind: 'contacts' | 'deals', k: number, props: string[] | null) => {
		const all = kind === 'contacts' ? contactProps(k) : dealProps(k);
		const defaults = kind === 'contacts' ? ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'] : ['amount', 'closedate', 'createdate', 'dealname', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id', 'pipeline'];
		const want = props && props.length ? props : defaults;
		const properties: Record<string, string | null> = {};
		for (const p of want) if (p in all) properties[p] = all[p];
		properties.hs_object_id = all.hs_object_id;
		const created = kind === 'contacts' ? data.custCreated[k] : data.ordCreated[k] - 3 * 86400000;
		const updated = kind === 'contacts' ? data.custUpdated[k] : data.ordUpdated[k];
		return { id: kind === 'contacts' ? hsContactId(k) : hsDealId(k), properties, createdAt: iso(created), updatedAt: iso(updated), archived: false };
	};
	const dealsOfContact = (c: number) => data.ordersOf(c);
	const contactOfDeal = (i: number) => data.ordCustomer[i];

	const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
		const text = JSON.stringify(body);
		res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
		res.end(text);
	};
	const rateHeaders = (): Record<string, string> => ({
		'x-hubspot-ratelimit-daily': String(opts.daily ?? 250000),
		'x-hubspot-ratelimit-daily-remaining': String(Math.max(0, (opts.daily ?? 250000) - dailyUsed)),
		'x-hubspot-ratelimit-interval-milliseconds': String(intervalMs),
		'x-hubspot-ratelimit-max': String(max),
		'x-hubspot-ratelimit-remaining': String(Math.max(0, max - window.length)),
		'x-hubspot-ratelimit-secondly': String(Math.ceil(max / (intervalMs / 1000))),
		'x-hubspot-ratelimit-secondly-remaining': String(Math.max(0, Math.ceil(max / (intervalMs / 1000)) - window.filter((t) => t > Date.now() - 1000).length)),
	});
	const validation = (res: http.ServerResponse, message: string) => send(res, 400, { status: 'error', message, correlationId: correlationId(), category: 'VALIDATION_ERROR' });

	const matchFilter = (value: string | null, op: string, target: string): boolean => {
		if (value === null) return false;
		const a = Date.parse(value);
		const b = /^\d+$/.test(target) ? Number(target) : Date.parse(target);
		const numeric = !Number.isNaN(a) && !Number.isNaN(b);
		const x = numeric ? a : value;
		const y = numeric ? b : target;
		switch (op) {
			case 'EQ':
				return x === y;
			case 'NEQ':
				return x !== y;
			case 'GT':
				return x > y;
			case 'GTE':
				return x >= y;
			case 'LT':
				return x < y;
			case 'LTE':
				return x <= y;
			default:
				return false;
		}
	};

	const server = http.createServer(async (req, res) => {
		stats.requests++;
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		try {
			const bodyText = await readBody(req);
			if (url.pathname.startsWith('/__mock/')) {
				const body = bodyText ? JSON.parse(bodyText) : {};
				if (url.pathname === '/__mock/stats') return send(res, 200, { ...stats, contacts: data.customerCount, deals: data.orderCount });
				if (url.pathname === '/__mock/faults') {
					faults.faults = body.faults ?? [];
					faults.requests = 0;
					return send(res, 200, { ok: true });
				}
				if (url.pathname === '/__mock/add') {
					const customers = body.customers ? data.addCustomers(Number(body.customers)) : [];
					const orders = body.orders ? data.addOrders(Number(body.orders), { customer: body.customer, totalCents: body.totalCents, status: body.status }) : [];
					return send(res, 200, { contacts: customers.map(hsContactId), deals: orders.map(hsDealId) });
				}
				return send(res, 404, { error: 'unknown control endpoint' });
			}
			if ((req.headers.authorization ?? '') !== `Bearer ${token}`)
				return send(res, 401, { status: 'error', message: 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview', correlationId: correlationId(), category: 'INVALID_AUTHENTICATION' });
			stats.dataRequests++;
			const path = url.pathname;
			const isSearch = path.endsWith('/search');
			const now = Date.now();
			if (opts.daily !== undefined && dailyUsed >= opts.daily) {
				stats.rateLimited++;
				return send(res, 429, { status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', correlationId: correlationId(), policyName: 'DAILY', groupName: 'publicapi:private-app:mock' }, rateHeaders());
			}
			if (isSearch) {
				searchWindow = searchWindow.filter((t) => t > now - 1000);
				if (searchWindow.length >= searchPerSecond) {
					stats.rateLimited++;
					return send(res, 429, { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: correlationId(), policyName: 'SECONDLY', groupName: 'publicapi:private-app:search:mock' });
				}
				searchWindow.push(now);
			} else {
				window = window.filter((t) => t > now - intervalMs);
				if (window.length >= max) {
					stats.rateLimited++;
					return send(res, 429, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: correlationId(), policyName: 'TEN_SECONDLY_ROLLING', groupName: 'publicapi:private-app:mock' }, rateHeaders());
				}
				window.push(now);
			}
			dailyUsed++;
			const fault = faults.next();
			if (fault) {
				if (fault.kind === 'drop') {
					req.socket.destroy();
					return;
				}
				return send(res, fault.kind, { status: 'error', message: 'internal error', correlationId: correlationId(), category: 'INTERNAL_ERROR' });
			}
			const headers = isSearch ? {} : rateHeaders();
			const key = path.replace(/\d+/g, ':n');
			stats.byPath[key] = (stats.byPath[key] ?? 0) + 1;
			const objMatch = /^\/crm\/v3\/objects\/(contacts|deals)(\/search|\/batch\/read)?$/.exec(path);
			const assocMatch = /^\/crm\/v4\/associations\/(contacts|deals)\/(contacts|deals)\/batch\/read$/.exec(path);
			const needScope = (kind: string) => `crm.objects.${kind}.read`;
			const kind = (objMatch?.[1] ?? assocMatch?.[1]) as 'contacts' | 'deals' | undefined;
			for (const k of [kind, assocMatch?.[2]])
				if (k && !scopes.has(needScope(k)))
					return send(res, 403, { status: 'error', message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.", correlationId: correlationId(), errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: [needScope(k)] } }], links: { scopes: 'https://developers.hubspot.com/scopes' }, category: 'MISSING_SCOPES' });
			const count = (k: 'contacts' | 'deals') => (k === 'contacts' ? data.customerCount : data.orderCount);

			if (objMatch && !objMatch[2] && req.method === 'GET') {
				const k = objMatch[1] as 'contacts' | 'deals';
				const limit = Number(url.searchParams.get('limit') ?? 10);
				if (!Number.isInteger(limit) || limit < 1 || limit > 100) return validation(res, `limit must be between 1 and 100 (was ${url.searchParams.get('limit')})`);
				const after = Number(url.searchParams.get('after') ?? 0);
				const props = url.searchParams.get('properties')?.split(',').filter(Boolean) ?? null;
				const assoc = url.searchParams.get('associations');
				const n = count(k);
				const results = [];
				for (let i = after; i < Math.min(n, after + limit); i++) {
					const r: Record<string, unknown> = record(k, i, props);
					if (assoc === 'contacts' && k === 'deals') {
						const c = contactOfDeal(i);
						if (c >= 0) r.associations = { contacts: { results: [{ id: hsContactId(c), type: 'deal_to_contact' }] } };
					}
					if (assoc === 'deals' && k === 'contacts') {
						const ds = dealsOfContact(i);
						if (ds.length) r.associations = { deals: { results: ds.map((d) => ({ id: hsDealId(d), type: 'contact_to_deal' })) } };
					}
					results.push(r);
				}
				const body: Record<string, unknown> = { results };
				if (after + limit < n) body.paging = { next: { after: String(after + limit), link: `${url.origin}${path}?after=${after + limit}` } };
				return send(res, 200, body, headers);
			}
			if (objMatch && req.method === 'POST') {
				const k = objMatch[1] as 'contacts' | 'deals';
				let body: Record<string, unknown>;
				try {
					body = JSON.parse(bodyText || '{}');
				} catch {
					return validation(res, 'Invalid input JSON');
				}
				if (objMatch[2] === '/batch/read') {
					const inputs = Array.isArray(body.inputs) ? (body.inputs as { id: string }[]) : [];
					if (inputs.length > 100) return validation(res, 'Batch read is limited to 100 inputs');
					const props = Array.isArray(body.properties) ? (body.properties as string[]) : null;
					const results = [];
					for (const inp of inputs) {
						const idx = k === 'contacts' ? contactIndex(String(inp.id)) : dealIndex(String(inp.id));
						if (idx >= 0 && idx < count(k)) results.push(record(k, idx, props));
					}
					return send(res, 200, { status: 'COMPLETE', results, startedAt: new Date().toISOString(), completedAt: new Date().toISOString() }, headers);
				}
				// search
				const limit = Number(body.limit ?? 10);
				if (!Number.isInteger(limit) || limit < 1 || limit > 200) return validation(res, 'limit must be between 1 and 200');
				const after = Number(body.after ?? 0);
				if (after + limit > 10000) return validation(res, 'There was a problem with the request. The search API returns at most 10,000 results.');
				const groups = Array.isArray(body.filterGroups) ? (body.filterGroups as { filters: { propertyName: string; operator: string; value: string }[] }[]) : [];
				const sorts = Array.isArray(body.sorts) ? (body.sorts as { propertyName: string; direction: string }[]) : [];
				const n = count(k);
				const hits: number[] = [];
				for (let i = 0; i < n; i++) {
					const all = k === 'contacts' ? contactProps(i) : dealProps(i);
					const ok = !groups.length || groups.some((g) => (g.filters ?? []).every((f) => matchFilter(all[f.propertyName] ?? null, f.operator, String(f.value))));
					if (ok) hits.push(i);
				}
				if (sorts[0]) {
					const prop = sorts[0].propertyName;
					const dir = sorts[0].direction === 'DESCENDING' ? -1 : 1;
					const v = (i: number) => Date.parse(String((k === 'contacts' ? contactProps(i) : dealProps(i))[prop] ?? '')) || 0;
					hits.sort((a, b) => (v(a) - v(b)) * dir || a - b);
				}
				const props = Array.isArray(body.properties) ? (body.properties as string[]) : null;
				const results = hits.slice(after, after + limit).map((i) => record(k, i, props));
				const out: Record<string, unknown> = { total: hits.length, results };
				if (after + limit < hits.length) out.paging = { next: { after: String(after + limit), link: null } };
				return send(res, 200, out);
			}
			if (assocMatch && req.method === 'POST') {
				const body = JSON.parse(bodyText || '{}') as { inputs?: { id: string; after?: string }[] };
				const results = [];
				for (const inp of body.inputs ?? []) {
					const from = assocMatch[1];
					const to = assocMatch[2];
					const idx = from === 'contacts' ? contactIndex(String(inp.id)) : dealIndex(String(inp.id));
					let targets: string[] = [];
					if (from === 'contacts' && to === 'deals' && idx >= 0 && idx < data.customerCount) targets = dealsOfContact(idx).map(hsDealId);
					if (from === 'deals' && to === 'contacts' && idx >= 0 && idx < data.orderCount && contactOfDeal(idx) >= 0) targets = [hsContactId(contactOfDeal(idx))];
					// pages of 2 associations, to exercise per-record association paging
					const start = Number(inp.after ?? 0);
					const page = targets.slice(start, start + 2);
					if (!targets.length) continue;
					const r: Record<string, unknown> = {
						from: { id: String(inp.id) },
						to: page.map((t) => ({ toObjectId: Number(t), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: from === 'contacts' ? 4 : 3, label: null }] })),
					};
					if (start + 2 < targets.length) r.paging = { next: { after: String(start + 2), link: null } };
					results.push(r);
				}
				return send(res, 200, { status: 'COMPLETE', results, startedAt: new Date().toISOString(), completedAt: new Date().toISOString() }, headers);
			}
			return send(res, 404, { status: 'error', message: `Unable to infer object type from: ${path}`, correlationId: correlationId(), category: 'OBJECT_NOT_FOUND' });
		} catch (e) {
			return send(res, 500, { status: 'error', message: (e as Error).message, category: 'INTERNAL_ERROR' });
		}
	});
	await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		data,
		stats,
		contactId: hsContactId,
		dealId: hsDealId,
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
	startHubSpotMock({
		port: a.port ? Number(a.port) : 0,
		token: a.token,
		max: a.max ? Number(a.max) : undefined,
		dataOptions: { seed: a.seed ? Number(a.seed) : undefined, customers: a.customers ? Number(a.customers) : undefined, orders: a.orders ? Number(a.orders) : undefined },
	}).then((mock) => {
		process.stdout.write(JSON.stringify({ url: mock.url, port: mock.port, customers: mock.data.customerCount, orders: mock.data.orderCount }) + '\n');
	});
}
