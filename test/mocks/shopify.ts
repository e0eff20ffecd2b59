/**
 * Local Shopify Admin GraphQL mock (node:http on 127.0.0.1, random port).
 *
 * Speaks the real API as far as Fetch Customers uses it:
 * - `POST /admin/api/{version}/graphql.json`, header `X-Shopify-Access-Token` (401 with Shopify's
 *   "[API] Invalid API key or access token" body otherwise), 404 for an unknown shop or version;
 * - `customers` / `orders` connections with `first` (1..250) / `after` cursors (keyset, opaque
 *   base64 like Shopify's), `nodes` and `edges{cursor node}`, `pageInfo`, `query` filters
 *   (`updated_at:>=`, `created_at:<`, `test:false`, `email:`), `sortKey` ID / UPDATED_AT /
 *   CREATED_AT and `reverse`;
 * - only the fields asked for, unknown fields rejected with Shopify's `undefinedField` error, per
 *   API version for fields added later (`CustomerStatistics.rfmGroup` from 2025-04: an older
 *   version rejects it as unknown; the group itself comes from ./shopify-rfm-groups);
 *   money as decimal strings in MoneyV2 / MoneyBag, numberOfOrders as an UnsignedInt64 string;
 * - calculated query cost (2 per connection + per-node objects) with a leaky bucket
 *   (maximumAvailable 2000, restoreRate 100/s by default), `extensions.cost.throttleStatus` on
 *   every reply, MAX_COST_EXCEEDED and the HTTP-200 THROTTLED error exactly as Shopify sends them;
 * - bulk exports: `bulkOperationRunQuery` (document validated, one export at a time before
 *   2026-01), `node(id:) { ... on BulkOperation }` status polling (CREATED → RUNNING → COMPLETED or
 *   FAILED), the JSONL file served at a signed-style URL that refuses requests carrying the token;
 * - ACCESS_DENIED when a scope is missing; faults on demand: any status or a dropped connection at
 *   the Nth data request.
 * Write-back (Campaign Send's Shopify provider): `customer(id:)`, `Customer.metafield(namespace:,
 * key:)`, and the mutations `tagsAdd` / `tagsRemove` (ID + [String!]!, `node { id }`,
 * `userErrors { field message }`, unknown id → userError "Customer not found"... as Shopify) and
 * `metafieldsSet` (≤ 25 inputs, atomic: one invalid input sets nothing, `userErrors` with
 * `elementIndex` and codes INVALID_TYPE / INVALID_VALUE / LESS_THAN_OR_EQUAL_TO), 10 points per
 * mutation field; the write_customers scope is required. `stats.writes` counts the state changes
 * (a tag already there or a metafield written with the same value changes nothing). Fault
 * `dropAfter` (option, or `/__mock/faults` body) applies the Nth data request, then drops the
 * connection (the answer is lost).
 * Control endpoints (no auth): GET /__mock/stats, POST /__mock/add, POST /__mock/faults,
 * POST /__mock/bucket.
 * CLI: `node -r ./bench/fetch-ts-register.js test/mocks/shopify.ts --customers 100 --orders 400`
 * prints one JSON line `{"url": ...}` once listening.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { argValue, parseOperation, type GqlField } from './graphql-lite';
import { ShopifyWriteState } from './shopify-admin-write';
import { shopifyStatistics } from './shopify-rfm-groups';
import { FaultPlan, ShopData, STATUS, decimalString, parseArgs, readBody, type Fault, type ShopDataOptions } from './shop-data';

export interface ShopifyMockOptions {
	data?: ShopData;
	dataOptions?: ShopDataOptions;
	token?: string;
	port?: number;
	/** Bucket size and restore rate (Shopify standard plan: 2000 / 100 per second). */
	maximumAvailable?: number;
	restoreRate?: number;
	faults?: Fault[];
	/** The bucket's clock (default Date.now): tests pass their virtual clock's `now`. */
	now?: () => number;
	/** Data request numbers (1-based, as `faults`) that are processed, then lose their answer. */
	dropAfter?: number[];
	scopes?: string[];
	/** Answer 404 for every shop request (unknown shop). */
	shopMissing?: boolean;
	/** Customers whose records are malformed (index list): amountSpent.amount becomes "abc". */
	malformedCustomers?: number[];
	/** Orders whose createdAt is missing. */
	malformedOrders?: number[];
	/** Time a bulk export takes before it is COMPLETED (default 150 ms). */
	bulkDelayMs?: number;
	/** Make bulk exports fail with this errorCode (ACCESS_DENIED, INTERNAL_SERVER_ERROR, TIMEOUT). */
	bulkFailure?: string;
}

export interface ShopifyMock {
	url: string;
	port: number;
	data: ShopData;
	stats: { requests: number; dataRequests: number; throttled: number; byRoot: Record<string, number>; bulkDownloads: number; leakedTokenDownloads: number };
	bucket: { available: number; max: number; restoreRate: number; at: number };
	/** Tags and metafields written by the write-back mutations, and the count of real changes. */
	write: ShopifyWriteState;
	setFaults(faults: Fault[]): void;
	close(): Promise<void>;
}

const SCALAR = 's';
type FieldDef = string; // 's' for scalars, else an object type name; 'Conn:X' for connections
const SCHEMA: Record<string, Record<string, FieldDef>> = {
	QueryRoot: { customers: 'Conn:Customer', orders: 'Conn:Order', shop: 'Shop', node: 'Node', customer: 'Customer' },
	Mutation: { bulkOperationRunQuery: 'BulkOperationRunQueryPayload', tagsAdd: 'TagsPayload', tagsRemove: 'TagsPayload', metafieldsSet: 'MetafieldsSetPayload' },
	TagsPayload: { node: 'Node', userErrors: 'UserError' },
	UserError: { field: SCALAR, message: SCALAR },
	MetafieldsSetPayload: { metafields: 'Metafield', userErrors: 'MetafieldsSetUserError' },
	MetafieldsSetUserError: { field: SCALAR, message: SCALAR, code: SCALAR, elementIndex: SCALAR },
	Metafield: { id: SCALAR, namespace: SCALAR, key: SCALAR, value: SCALAR, type: SCALAR, updatedAt: SCALAR },
	Node: { id: SCALAR },
	BulkOperationRunQueryPayload: { bulkOperation: 'BulkOperation', userErrors: 'BulkOperationUserError' },
	BulkOperationUserError: { field: SCALAR, message: SCALAR, code: SCALAR },
	BulkOperation: {
		id: SCALAR, status: SCALAR, errorCode: SCALAR, objectCount: SCALAR, rootObjectCount: SCALAR, url: SCALAR,
		partialDataUrl: SCALAR, createdAt: SCALAR, completedAt: SCALAR, fileSize: SCALAR, query: SCALAR, type: SCALAR,
	},
	Shop: { name: SCALAR, myshopifyDomain: SCALAR, currencyCode: SCALAR, id: SCALAR },
	PageInfo: { hasNextPage: SCALAR, hasPreviousPage: SCALAR, startCursor: SCALAR, endCursor: SCALAR },
	Customer: {
		id: SCALAR, firstName: SCALAR, lastName: SCALAR, displayName: SCALAR, email: SCALAR, phone: SCALAR, note: SCALAR,
		createdAt: SCALAR, updatedAt: SCALAR, numberOfOrders: SCALAR, tags: SCALAR, state: SCALAR, verifiedEmail: SCALAR,
		amountSpent: 'MoneyV2', lastOrder: 'Order', defaultEmailAddress: 'CustomerEmailAddress',
		defaultPhoneNumber: 'CustomerPhoneNumber', defaultAddress: 'MailingAddress', metafield: 'Metafield',
		emailMarketingConsent: 'CustomerEmailMarketingConsentState', smsMarketingConsent: 'CustomerSmsMarketingConsentState',
		statistics: 'CustomerStatistics',
	},
	CustomerStatistics: { predictedSpendTier: SCALAR, rfmGroup: SCALAR },
	MoneyV2: { amount: SCALAR, currencyCode: SCALAR },
	MoneyBag: { shopMoney: 'MoneyV2', presentmentMoney: 'MoneyV2' },
	CustomerEmailAddress: { emailAddress: SCALAR, marketingState: SCALAR, marketingOptInLevel: SCALAR, marketingUpdatedAt: SCALAR },
	CustomerPhoneNumber: { phoneNumber: SCALAR, marketingState: SCALAR },
	CustomerEmailMarketingConsentState: { marketingState: SCALAR, marketingOptInLevel: SCALAR, consentUpdatedAt: SCALAR },
	CustomerSmsMarketingConsentState: { marketingState: SCALAR, marketingOptInLevel: SCALAR, consentUpdatedAt: SCALAR },
	MailingAddress: { countryCodeV2: SCALAR, country: SCALAR, city: SCALAR, zip: SCALAR, province: SCALAR },
	Order: {
		id: SCALAR, name: SCALAR, email: SCALAR, createdAt: SCALAR, updatedAt: SCALAR, processedAt: SCALAR, cancelledAt: SCALAR,
		cancelReason: SCALAR, test: SCALAR, displayFinancialStatus: SCALAR, displayFulfillmentStatus: SCALAR, currencyCode: SCALAR,
		customer: 'Customer', totalPriceSet: 'MoneyBag', currentTotalPriceSet: 'MoneyBag', totalRefundedSet: 'MoneyBag',
		subtotalPriceSet: 'MoneyBag',
	},
};
const CONN_FIELDS: Record<string, FieldDef> = { nodes: 'List', edges: 'Edge', pageInfo: 'PageInfo' };
/** Fields that exist only from an API version on ('unstable' has them all). */
const SINCE: Record<string, string> = { 'Customer.statistics': '2022-07', 'CustomerStatistics.rfmGroup': '2025-04' };
const fieldExists = (typeName: string, field: string, version: string): boolean => {
	if (!SCHEMA[typeName]?.[field]) return false;
	const since = SINCE[`${typeName}.${field}`];
	return !since || version === 'unstable' || version >= since;
};

class GqlError extends Error {
	constructor(
		message: string,
		public readonly extensions: Record<string, unknown>,
		public readonly path?: string[],
	) {
		super(message);
	}
}

/** Validates the selection against the schema and returns its requested cost. */
function validateAndCost(typeName: string, fields: GqlField[], vars: Record<string, unknown>, path: string[], version: string): number {
	let cost = 0;
	for (const f of fields) {
		if (f.name === '__typename') continue;
		if (f.name === '...') {
			const t = f.typeCondition ?? '';
			if (!SCHEMA[t]) throw new GqlError(`No such type ${t}, so it can't be a fragment condition`, { code: 'undefinedType', typeName: t });
			cost += validateAndCost(t, f.selections ?? [], vars, path, version);
			continue;
		}
		const def = fieldExists(typeName, f.name, version) ? SCHEMA[typeName][f.name] : undefined;
		if (!def)
			throw new GqlError(`Field '${f.name}' doesn't exist on type '${typeName}'`, { code: 'undefinedField', typeName, fieldName: f.name }, [...path, f.name]);
		if (def === SCALAR) {
			if (f.selections) throw new GqlError(`Selections can't be made on scalars (field '${f.name}' returns a scalar)`, { code: 'selectionMismatch' });
			continue;
		}
		if (!f.selections) throw new GqlError(`Field must have selections (field '${f.name}' returns ${def.replace('Conn:', '')} but has no selections)`, { code: 'selectionMismatch' });
		if (def.startsWith('Conn:')) {
			const nodeType = def.slice(5);
			const first = Number(argValue(f.args.first, vars) ?? argValue(f.args.last, vars) ?? 0);
			let nodeCost = 0;
			for (const cf of f.selections) {
				const cdef = CONN_FIELDS[cf.name];
				if (!cdef) throw new GqlError(`Field '${cf.name}' doesn't exist on type '${nodeType}Connection'`, { code: 'undefinedField', typeName: `${nodeType}Connection`, fieldName: cf.name });
				if (!cf.selections) throw new GqlError(`Field must have selections (field '${cf.name}')`, { code: 'selectionMismatch' });
				if (cf.name === 'nodes') nodeCost = Math.max(nodeCost, 1 + validateAndCost(nodeType, cf.selections, vars, [...path, f.name, 'nodes'], version));
				else if (cf.name === 'edges') {
					for (const ef of cf.selections) {
						if (ef.name === 'cursor') continue;
						if (ef.name !== 'node' || !ef.selections)
							throw new GqlError(`Field '${ef.name}' doesn't exist on type '${nodeType}Edge'`, { code: 'undefinedField', typeName: `${nodeType}Edge`, fieldName: ef.name });
						nodeCost = Math.max(nodeCost, 1 + validateAndCost(nodeType, ef.selections, vars, [...path, f.name, 'edges', 'node'], version));
					}
				} else validateAndCost('PageInfo', cf.selections, vars, [...path, f.name, 'pageInfo'], version);
			}
			cost += 2 + first * nodeCost;
			continue;
		}
		cost += 1 + validateAndCost(def, f.selections, vars, [...path, f.name], version);
	}
	return cost;
}

type Json = Record<string, unknown>;

/** Projects a full object onto the selection (aliases honoured; lazy values are functions). */
function project(value: unknown, fields: GqlField[] | null, field?: GqlField): unknown {
	if (value === null || value === undefined) return null;
	if (typeof value === 'function') return project((value as (f?: GqlField) => unknown)(field), fields);
	if (!fields) return value;
	if (Array.isArray(value)) return value.map((v) => project(v, fields));
	const src = value as Json;
	const out: Json = {};
	for (const f of fields) {
		if (f.name === '...') {
			if (src.__typename === f.typeCondition) Object.assign(out, project(src, f.selections) as Json);
		} else if (f.name === '__typename') out[f.alias] = src.__typename;
		else out[f.alias] = project(src[f.name], f.selections, f);
	}
	return out;
}

interface Filter {
	field: string;
	op: string;
	value: string;
}

function parseSearch(q: unknown): Filter[] {
	if (typeof q !== 'string' || !q.trim()) return [];
	const out: Filter[] = [];
	const re = /(\w+):(>=|<=|>|<)?('([^']*)'|"([^"]*)"|(\S+))/g;
	let m: RegExpExecArray | null;
	while ((m = re.exec(q))) out.push({ field: m[1], op: m[2] ?? '=', value: m[4] ?? m[5] ?? m[6] });
	return out;
}

function cmp(a: number, op: string, b: number): boolean {
	switch (op) {
		case '>':
			return a > b;
		case '>=':
			return a >= b;
		case '<':
			return a < b;
		case '<=':
			return a <= b;
		default:
			return a === b;
	}
}

const FINANCIAL = ['PAID', 'PENDING', 'PARTIALLY_REFUNDED', 'REFUNDED', 'VOIDED', 'EXPIRED'];

export async function startShopifyMock(opts: ShopifyMockOptions = {}): Promise<ShopifyMock> {
	const data = opts.data ?? new ShopData({ guestShare: 0, ...(opts.dataOptions ?? {}) });
	const token = opts.token ?? 'shpat_test_token_0123456789';
	const faults = new FaultPlan(opts.faults ?? []);
	const scopes = new Set(opts.scopes ?? ['read_customers', 'write_customers', 'read_orders', 'read_all_orders']);
	const write = new ShopifyWriteState(() => data.customerCount, (c) => data.customer(c).tags);
	let vars: Record<string, unknown> = {};
	const dropAfterRequests = new Set(opts.dropAfter ?? []);
	const malformedCustomers = new Set(opts.malformedCustomers ?? []);
	const malformedOrders = new Set(opts.malformedOrders ?? []);
	const bucket = { available: opts.maximumAvailable ?? 2000, max: opts.maximumAvailable ?? 2000, restoreRate: opts.restoreRate ?? 100, at: (opts.now ?? Date.now)() };
	const stats = { requests: 0, dataRequests: 0, throttled: 0, byRoot: {} as Record<string, number>, bulkDownloads: 0, leakedTokenDownloads: 0 };
	interface BulkOp {
		n: number;
		id: string;
		status: string;
		errorCode: string | null;
		picked: number[];
		root: 'customers' | 'orders';
		selections: GqlField[];
		createdAt: string;
		completedAt: string | null;
		query: string;
	}
	const bulkOps: BulkOp[] = [];
	let origin = '';
	const currency = data.currencyList[0];
	const iso = (t: number) => new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
	const statisticsOf = shopifyStatistics();

	const customerObj = (c: number): Json => {
		const v = data.customer(c);
		return {
			__typename: 'Customer',
			id: `gid://shopify/Customer/${7000000 + c}`,
			firstName: v.firstName,
			lastName: v.lastName,
			displayName: `${v.firstName} ${v.lastName}`,
			email: v.email,
			phone: v.phone,
			note: null,
			createdAt: iso(v.created),
			updatedAt: iso(v.updated),
			numberOfOrders: String(v.ordersCount),
			tags: write.tagsOf(c),
			metafield: (f?: GqlField) => write.metafield(c, argValue(f?.args.namespace, vars), argValue(f?.args.key, vars)),
			state: 'ENABLED',
			verifiedEmail: true,
			amountSpent: { amount: malformedCustomers.has(c) ? 'abc' : decimalString(v.spentCents, currency), currencyCode: currency },
			lastOrder: v.lastOrder >= 0 ? () => orderObj(v.lastOrder) : null,
			defaultEmailAddress: { emailAddress: v.email, marketingState: v.emailState, marketingOptInLevel: 'SINGLE_OPT_IN', marketingUpdatedAt: iso(v.created) },
			defaultPhoneNumber: v.phone ? { phoneNumber: v.phone, marketingState: v.smsState } : null,
			defaultAddress: { countryCodeV2: v.country, country: v.country, city: 'Springfield', zip: '00000', province: null },
			emailMarketingConsent: { marketingState: v.emailState, marketingOptInLevel: 'SINGLE_OPT_IN', consentUpdatedAt: iso(v.created) },
			smsMarketingConsent: v.phone ? { marketingState: v.smsState, marketingOptInLevel: 'SINGLE_OPT_IN', consentUpdatedAt: null } : null,
			statistics: () => statisticsOf(data, c),
		};
	};
	const money = (cents: number): Json => {
		const m = { amount: decimalString(cents, currency), currencyCode: currency };
		return { shopMoney: m, presentmentMoney: m };
	};
	const orderObj = (i: number): Json => {
		const o = data.order(i);
		return {
			__typename: 'Order',
			id: `gid://shopify/Order/${5000000 + i}`,
			name: `#${1001 + i}`,
			email: o.customer >= 0 ? data.customer(o.customer).email : o.guestEmail,
			createdAt: malformedOrders.has(i) ? null : iso(o.created),
			processedAt: iso(o.created),
			updatedAt: iso(o.updated),
			cancelledAt: o.status === STATUS.cancelled ? iso(o.created + 86400000) : null,
			cancelReason: o.status === STATUS.cancelled ? 'CUSTOMER' : null,
			test: false,
			displayFinancialStatus: o.status === STATUS.cancelled ? 'VOIDED' : FINANCIAL[o.status],
			displayFulfillmentStatus: 'FULFILLED',
			currencyCode: currency,
			customer: o.customer >= 0 ? () => customerObj(o.customer) : null,
			totalPriceSet: money(o.totalCents),
			currentTotalPriceSet: money(o.status === STATUS.cancelled ? 0 : o.totalCents - o.refundedCents),
			totalRefundedSet: money(o.refundedCents),
			subtotalPriceSet: money(o.totalCents),
		};
	};

	// Sorted views for UPDATED_AT, cached until the data changes.
	const sortCache = new Map<string, { version: number; order: Int32Array }>();
	const sortedBy = (root: string, key: string): Int32Array | null => {
		if (key !== 'UPDATED_AT') return null;
		const cacheKey = `${root}:${key}`;
		const hit = sortCache.get(cacheKey);
		if (hit && hit.version === data.version) return hit.order;
		const n = root === 'customers' ? data.customerCount : data.orderCount;
		const upd = root === 'customers' ? data.custUpdated : data.ordUpdated;
		const order = new Int32Array(n);
		for (let k = 0; k < n; k++) order[k] = k;
		order.sort((a, b) => upd[a] - upd[b] || a - b);
		sortCache.set(cacheKey, { version: data.version, order });
		return order;
	};

	const runConnection = (root: 'customers' | 'orders', f: GqlField, vars: Record<string, unknown>, unbounded = false): { value: Json; returned: number; picked: number[] } => {
		const first = unbounded ? Infinity : Number(argValue(f.args.first, vars));
		if (!unbounded && (!Number.isInteger(first) || first < 0 || first > 250))
			throw new GqlError(`The value of the argument first must be between 0 and 250 (got ${String(argValue(f.args.first, vars))}).`, { code: 'BAD_REQUEST' }, [root]);
		const after = argValue(f.args.after, vars);
		const sortKey = String(argValue(f.args.sortKey, vars) ?? 'ID');
		if (!['ID', 'UPDATED_AT', 'CREATED_AT', 'RELEVANCE'].includes(sortKey))
			throw new GqlError(`Argument 'sortKey' has an invalid value (${sortKey}).`, { code: 'argumentLiteralsIncompatible' });
		const reverse = argValue(f.args.reverse, vars) === true;
		const filters = parseSearch(argValue(f.args.query, vars));
		const n = root === 'customers' ? data.customerCount : data.orderCount;
		const upd = root === 'customers' ? data.custUpdated : data.ordUpdated;
		const created = root === 'customers' ? data.custCreated : data.ordCreated;
		const perm = sortedBy(root, sortKey);
		const at = (p: number) => (perm ? perm[p] : p);
		const keyOf = (idx: number) => (perm ? upd[idx] : idx);
		const matches = (idx: number): boolean => {
			for (const flt of filters) {
				if (flt.field === 'updated_at' || flt.field === 'created_at') {
					const t = Date.parse(flt.value);
					if (Number.isNaN(t)) continue; // Shopify ignores unparseable dates
					const v = Math.floor((flt.field === 'updated_at' ? upd[idx] : created[idx]) / 1000) * 1000;
					if (!cmp(v, flt.op, t)) return false;
				} else if (flt.field === 'test') {
					if (flt.value === 'true') return false; // no test orders in the mock
				} else if (flt.field === 'email' && root === 'customers') {
					if (data.customer(idx).email !== flt.value.toLowerCase()) return false;
				}
			}
			return true;
		};
		// keyset cursor: {k: sort key value, i: index}
		let pos = reverse ? n - 1 : 0;
		if (typeof after === 'string' && after) {
			let cur: { k: number; i: number };
			try {
				cur = JSON.parse(Buffer.from(after, 'base64').toString('utf8'));
				if (typeof cur.k !== 'number' || typeof cur.i !== 'number') throw new Error('bad');
			} catch {
				throw new GqlError('Invalid cursor for current pagination sort.', { code: 'BAD_REQUEST' }, [root]);
			}
			// first position strictly after (k, i) in the order
			let lo = 0;
			let hi = n;
			while (lo < hi) {
				const mid = (lo + hi) >> 1;
				const idx = at(mid);
				const k = keyOf(idx);
				if (k < cur.k || (k === cur.k && idx <= cur.i)) lo = mid + 1;
				else hi = mid;
			}
			pos = reverse ? lo - 2 : lo;
			if (reverse) {
				// reverse: strictly before (k, i)
				let l2 = 0;
				let h2 = n;
				while (l2 < h2) {
					const mid = (l2 + h2) >> 1;
					const idx = at(mid);
					const k = keyOf(idx);
					if (k < cur.k || (k === cur.k && idx < cur.i)) l2 = mid + 1;
					else h2 = mid;
				}
				pos = l2 - 1;
			}
		} else if (perm && !reverse) {
			// jump to the lower bound of an updated_at filter (keeps incremental pages cheap)
			const lower = filters.find((x) => x.field === 'updated_at' && (x.op === '>' || x.op === '>='));
			const t = lower ? Date.parse(lower.value) : NaN;
			if (!Number.isNaN(t)) {
				let lo = 0;
				let hi = n;
				while (lo < hi) {
					const mid = (lo + hi) >> 1;
					if (Math.floor(upd[at(mid)] / 1000) * 1000 < t) lo = mid + 1;
					else hi = mid;
				}
				pos = lo;
			}
		}
		const picked: number[] = [];
		let hasNext = false;
		const step = reverse ? -1 : 1;
		for (let p = pos; p >= 0 && p < n; p += step) {
			const idx = at(p);
			if (!matches(idx)) continue;
			if (picked.length === first) {
				hasNext = true;
				break;
			}
			picked.push(idx);
		}
		if (unbounded) return { value: {}, returned: picked.length, picked };
		const cursorOf = (idx: number) => Buffer.from(JSON.stringify({ k: keyOf(idx), i: idx })).toString('base64');
		const build = root === 'customers' ? customerObj : orderObj;
		const objs = picked.map(build);
		const value: Json = {
			nodes: objs,
			edges: objs.map((o, k) => ({ cursor: cursorOf(picked[k]), node: o })),
			pageInfo: {
				hasNextPage: hasNext,
				hasPreviousPage: typeof after === 'string' && !!after,
				startCursor: picked.length ? cursorOf(picked[0]) : null,
				endCursor: picked.length ? cursorOf(picked[picked.length - 1]) : null,
			},
		};
		return { value, returned: picked.length, picked };
	};

	const bulkObject = (op: BulkOp): Json => ({
		__typename: 'BulkOperation',
		id: op.id,
		status: op.status,
		errorCode: op.errorCode,
		objectCount: String(op.status === 'COMPLETED' ? op.picked.length : 0),
		rootObjectCount: String(op.status === 'COMPLETED' ? op.picked.length : 0),
		url: op.status === 'COMPLETED' && op.picked.length ? `${origin}/__bulk/${op.n}.jsonl` : null,
		partialDataUrl: null,
		createdAt: op.createdAt,
		completedAt: op.completedAt,
		fileSize: null,
		query: op.query,
		type: 'QUERY',
	});

	/** bulkOperationRunQuery: validates the document like Shopify, then "runs" it after a delay. */
	const runBulk = (document: unknown, version: string): Json => {
		const userError = (message: string) => ({ bulkOperation: null, userErrors: [{ field: ['query'], message, code: 'INVALID' }] });
		if (typeof document !== 'string') return userError('Invalid bulk query: query is required');
		const running = bulkOps.find((o) => o.status === 'CREATED' || o.status === 'RUNNING');
		if (running && version < '2026-01') return { bulkOperation: null, userErrors: [{ field: null, message: `A bulk query operation for this app and shop is already in progress: ${running.id}.`, code: 'OPERATION_IN_PROGRESS' }] };
		let inner;
		try {
			inner = parseOperation(document);
			validateAndCost('QueryRoot', inner.selections, {}, [], version);
		} catch (e) {
			return userError(`Invalid bulk query: ${(e as Error).message}`);
		}
		const conn = inner.selections.find((x) => x.name === 'customers' || x.name === 'orders');
		if (!conn || inner.selections.length !== 1) return userError('Bulk queries must contain exactly one top-level connection field.');
		const nodeSel =
			conn.selections?.find((x) => x.name === 'nodes')?.selections ??
			conn.selections?.find((x) => x.name === 'edges')?.selections?.find((x) => x.name === 'node')?.selections ??
			null;
		if (!nodeSel) return userError('Bulk queries must select edges { node } on the connection.');
		const n = bulkOps.length + 1;
		const op: BulkOp = { n, id: `gid://shopify/BulkOperation/${880000 + n}`, status: 'CREATED', errorCode: null, picked: [], root: conn.name as 'customers' | 'orders', selections: nodeSel, createdAt: new Date().toISOString(), completedAt: null, query: document };
		bulkOps.push(op);
		setTimeout(() => {
			op.status = 'RUNNING';
			setTimeout(() => {
				if (opts.bulkFailure) {
					op.status = 'FAILED';
					op.errorCode = opts.bulkFailure;
					return;
				}
				op.picked = runConnection(op.root, conn, {}, true).picked;
				op.status = 'COMPLETED';
				op.completedAt = new Date().toISOString();
			}, (opts.bulkDelayMs ?? 150) / 2);
		}, (opts.bulkDelayMs ?? 150) / 2);
		return { bulkOperation: bulkObject(op), userErrors: [] };
	};

	const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
		const text = typeof body === 'string' ? body : JSON.stringify(body);
		res.writeHead(status, {
			'content-type': typeof body === 'string' && !text.startsWith('{') ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
			'content-length': Buffer.byteLength(text),
			...headers,
		});
		res.end(text);
	};

	const throttleStatus = () => ({ maximumAvailable: bucket.max, currentlyAvailable: Math.floor(bucket.available), restoreRate: bucket.restoreRate });
	const refill = () => {
		const now = (opts.now ?? Date.now)();
		bucket.available = Math.min(bucket.max, bucket.available + ((now - bucket.at) / 1000) * bucket.restoreRate);
		bucket.at = now;
	};

	const server = http.createServer(async (req, res) => {
		stats.requests++;
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		try {
			const dl = /^\/__bulk\/(\d+)\.jsonl$/.exec(url.pathname);
			if (dl) {
				// a signed storage link: must be fetched without the shop's token
				if (req.headers['x-shopify-access-token'] || req.headers.authorization) {
					stats.leakedTokenDownloads++;
					return send(res, 400, '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidArgument</Code><Message>Unexpected credentials on a signed URL.</Message></Error>');
				}
				const op = bulkOps.find((o) => o.n === Number(dl[1]));
				if (!op || op.status !== 'COMPLETED') return send(res, 404, '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code></Error>');
				stats.bulkDownloads++;
				const build = op.root === 'customers' ? customerObj : orderObj;
				res.writeHead(200, { 'content-type': 'application/jsonl' });
				for (let k = 0; k < op.picked.length; k += 2000) {
					let chunk = '';
					for (const idx of op.picked.slice(k, k + 2000)) chunk += JSON.stringify(project(build(idx), op.selections)) + '\n';
					if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
				}
				return res.end();
			}
			if (url.pathname.startsWith('/__mock/')) {
				const body = req.method === 'POST' ? JSON.parse((await readBody(req)) || '{}') : {};
				if (url.pathname === '/__mock/stats') return send(res, 200, { ...stats, writes: write.writes, tagged: Object.fromEntries([...write.tags].map(([c, t]) => [`gid://shopify/Customer/${7000000 + c}`, t])), metafields: Object.fromEntries([...write.metafields].map(([c, m]) => [`gid://shopify/Customer/${7000000 + c}`, Object.fromEntries([...m].map(([k, v]) => [k, v.value]))])), customers: data.customerCount, orders: data.orderCount, bucket: throttleStatus() });
				if (url.pathname === '/__mock/faults') {
					faults.faults = body.faults ?? [];
					faults.requests = 0;
					dropAfterRequests.clear();
					for (const n of body.dropAfter ?? []) dropAfterRequests.add(Number(n));
					return send(res, 200, { ok: true });
				}
				if (url.pathname === '/__mock/bucket') {
					if (body.max !== undefined) bucket.max = body.max;
					if (body.restoreRate !== undefined) bucket.restoreRate = body.restoreRate;
					if (body.available !== undefined) bucket.available = body.available;
					bucket.at = (opts.now ?? Date.now)();
					return send(res, 200, throttleStatus());
				}
				if (url.pathname === '/__mock/add') {
					const added: { customers: number[]; orders: number[] } = { customers: [], orders: [] };
					if (body.customers) added.customers = data.addCustomers(Number(body.customers));
					if (body.orders)
						added.orders = data.addOrders(Number(body.orders), { customer: body.customer, totalCents: body.totalCents, status: body.status });
					return send(res, 200, {
						customers: added.customers.map((c) => `gid://shopify/Customer/${7000000 + c}`),
						orders: added.orders.map((i) => `gid://shopify/Order/${5000000 + i}`),
					});
				}
				return send(res, 404, { error: 'unknown control endpoint' });
			}
			const m = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(url.pathname);
			if (opts.shopMissing || !m || !/^(\d{4}-(01|04|07|10)|unstable)$/.test(m[1])) {
				await readBody(req);
				return send(res, 404, { errors: 'Not Found' });
			}
			if (req.method !== 'POST') return send(res, 405, { errors: 'Method Not Allowed' });
			const raw = await readBody(req);
			if (req.headers['x-shopify-access-token'] !== token)
				return send(res, 401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
			stats.dataRequests++;
			const fault = faults.next();
			const dropAfter = dropAfterRequests.has(faults.requests);
			if (fault) {
				if (fault.kind === 'drop') {
					req.socket.destroy();
					return;
				}
				if (fault.kind === 429)
					return send(res, 429, { errors: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.' }, { 'retry-after': '1.0' });
				return send(res, fault.kind, fault.kind >= 500 ? `<html><body><h1>${fault.kind} Service Unavailable</h1></body></html>` : { errors: 'fault' });
			}
			let payload: { query?: string; variables?: Record<string, unknown> };
			try {
				payload = JSON.parse(raw);
			} catch {
				return send(res, 400, { errors: { query: 'Required parameter missing or invalid' } });
			}
			if (typeof payload.query !== 'string') return send(res, 400, { errors: { query: 'Required parameter missing or invalid' } });
			vars = payload.variables ?? {};
			let op;
			try {
				op = parseOperation(payload.query);
			} catch (e) {
				return send(res, 200, { errors: [{ message: `syntax error: ${(e as Error).message}`, extensions: { code: 'parseError' } }] });
			}
			const rootType = op.kind === 'mutation' ? 'Mutation' : 'QueryRoot';
			let requested: number;
			try {
				requested = validateAndCost(rootType, op.selections, vars, [], m[1]) + (op.kind === 'mutation' ? 10 * op.selections.length : 0);
				for (const [name, def] of Object.entries(op.variables))
					if (def.type.endsWith('!') && (vars[name] === undefined || vars[name] === null) && def.defaultValue === undefined)
						throw new GqlError(`Variable $${name} of type ${def.type} was provided invalid value`, { code: 'INVALID_VARIABLE' });
			} catch (e) {
				if (e instanceof GqlError) return send(res, 200, { errors: [{ message: e.message, path: e.path, extensions: e.extensions }] });
				throw e;
			}
			if (requested > bucket.max)
				return send(res, 200, {
					errors: [{ message: `Query cost is ${requested}, which exceeds the single query max cost limit (${bucket.max}).`, extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost: bucket.max } }],
				});
			refill();
			if (requested > bucket.available) {
				stats.throttled++;
				return send(res, 200, {
					errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
					extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: throttleStatus() } },
				});
			}
			bucket.available -= requested;
			const out: Json = {};
			const errors: unknown[] = [];
			let actual = 0;
			for (const f of op.selections) {
				stats.byRoot[f.name] = (stats.byRoot[f.name] ?? 0) + 1;
				if (f.name === 'customers' || f.name === 'orders') {
					const scope = f.name === 'customers' ? 'read_customers' : 'read_orders';
					if (!scopes.has(scope)) {
						out[f.alias] = null;
						errors.push({
							message: `Access denied for ${f.name} field. Required access: \`${scope}\` access scope.`,
							locations: [{ line: 1, column: 1 }],
							extensions: { code: 'ACCESS_DENIED', documentation: 'https://shopify.dev/api/usage/access-scopes', requiredAccess: `\`${scope}\` access scope.` },
							path: [f.alias],
						});
						continue;
					}
					try {
						const { value, returned } = runConnection(f.name, f, vars);
						out[f.alias] = project(value, f.selections);
						actual += 2 + returned * Math.max(1, Math.round((requested - 2) / Math.max(1, Number(argValue(f.args.first, vars)) || 1)));
					} catch (e) {
						if (!(e instanceof GqlError)) throw e;
						out[f.alias] = null;
						errors.push({ message: e.message, path: e.path, extensions: e.extensions });
					}
				} else if (f.name === 'bulkOperationRunQuery') {
					out[f.alias] = project(runBulk(argValue(f.args.query, vars), m[1]), f.selections);
					actual += 10;
				} else if (f.name === 'node') {
					const id = argValue(f.args.id, vars);
					const b = bulkOps.find((o) => o.id === id);
					out[f.alias] = b ? project(bulkObject(b), f.selections) : null;
					actual += 1;
				} else if (f.name === 'customer') {
					const c = write.indexOf(argValue(f.args.id, vars));
					out[f.alias] = c === undefined ? null : project(customerObj(c), f.selections);
					actual += 1 + (f.selections?.some((x) => x.name === 'metafield') ? 1 : 0);
				} else if (f.name === 'tagsAdd' || f.name === 'tagsRemove' || f.name === 'metafieldsSet') {
					actual += 10;
					if (!scopes.has('write_customers')) {
						out[f.alias] = null;
						errors.push({
							message: `Access denied for ${f.name} field. Required access: \`write_customers\` access scope.`,
							locations: [{ line: 1, column: 1 }],
							extensions: { code: 'ACCESS_DENIED', documentation: 'https://shopify.dev/api/usage/access-scopes', requiredAccess: '`write_customers` access scope.' },
							path: [f.alias],
						});
						continue;
					}
					const payload = f.name === 'metafieldsSet' ? write.metafieldsSet(argValue(f.args.metafields, vars)) : write.tagsChange(f.name, argValue(f.args.id, vars), argValue(f.args.tags, vars));
					out[f.alias] = project(payload, f.selections);
				} else if (f.name === 'shop') {
					out[f.alias] = project({ __typename: 'Shop', id: 'gid://shopify/Shop/1', name: 'Mock Shop', myshopifyDomain: 'mock-shop.myshopify.com', currencyCode: currency }, f.selections);
					actual += 1;
				}
			}
			actual = Math.min(actual, requested);
			bucket.available = Math.min(bucket.max, bucket.available + (requested - actual));
			const body: Json = { data: out, extensions: { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: throttleStatus() } } };
			if (errors.length) body.errors = errors;
			if (dropAfter) {
				req.socket.destroy();
				return;
			}
			return send(res, 200, body, { 'x-shopify-api-version': m[1] });
		} catch (e) {
			return send(res, 500, { errors: `mock failure: ${(e as Error).message}` });
		}
	});
	server.keepAliveTimeout = 5000;
	await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	origin = `http://127.0.0.1:${port}`;
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		data,
		stats,
		bucket,
		write,
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
	startShopifyMock({
		port: a.port ? Number(a.port) : 0,
		token: a.token,
		maximumAvailable: a['max-available'] ? Number(a['max-available']) : undefined,
		restoreRate: a['restore-rate'] ? Number(a['restore-rate']) : undefined,
		bulkDelayMs: a['bulk-delay'] ? Number(a['bulk-delay']) : undefined,
		dataOptions: {
			seed: a.seed ? Number(a.seed) : undefined,
			customers: a.customers ? Number(a.customers) : undefined,
			orders: a.orders ? Number(a.orders) : undefined,
			currency: a.currency,
		},
	}).then((mock) => {
		process.stdout.write(JSON.stringify({ url: mock.url, port: mock.port, customers: mock.data.customerCount, orders: mock.data.orderCount }) + '\n');
	});
}
