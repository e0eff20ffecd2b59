/**
 * Seeded shop data shared by the Shopify, WooCommerce, HubSpot and Stripe mocks: customers and
 * orders in columns (so 100k customers / 1M orders stay cheap), each provider mock renders them
 * in its own API shape. Deterministic for a given seed and size; records added at run time
 * (control endpoint `POST /__mock/add`) are stamped with the real clock so incremental runs see
 * them as new.
 *
 * Order status codes: 0 paid, 1 pending, 2 partially refunded, 3 refunded, 4 cancelled, 5 failed.
 * Customer aggregates follow what a shop platform reports: numberOfOrders counts orders that are
 * not cancelled or failed; amountSpent sums their current totals (refunds netted, so a refunded
 * order adds 0); lastOrder is the customer's latest order of any status.
 */

export function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return function () {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export const STATUS = { paid: 0, pending: 1, partial: 2, refunded: 3, cancelled: 4, failed: 5 } as const;

const FIRST = ['Ada', 'Ben', 'Cleo', 'Dan', 'Eva', 'Finn', 'Gia', 'Hugo', 'Iris', 'Jon', 'Kai', 'Lea', 'Max', 'Nia', 'Oto', 'Pia', 'Quin', 'Rex', 'Sol', 'Tea'];
const LAST = ['Archer', 'Baker', 'Cruz', 'Diaz', 'Ellis', 'Fox', 'Gray', 'Hale', 'Ito', 'Jones', 'Khan', 'Lund', 'Moss', 'Nash', 'Ortiz', 'Park', 'Reed', 'Shaw', 'Tran', 'Vale'];
const COUNTRIES = ['US', 'US', 'US', 'CA', 'GB', 'DE', 'FR', 'AU', 'NL', 'ES'];
const TAGS = ['vip', 'wholesale', 'newsletter', 'returning', 'instagram'];
/** Email consent: 0 subscribed, 1 not subscribed, 2 unsubscribed, 3 pending. */
export const EMAIL_STATES = ['SUBSCRIBED', 'NOT_SUBSCRIBED', 'UNSUBSCRIBED', 'PENDING'] as const;

export interface ShopDataOptions {
	seed?: number;
	customers?: number;
	orders?: number;
	/** Share of orders placed by guests (no customer account, keyed by billing email). */
	guestShare?: number;
	/** Currency of every order unless `currencies` is given. */
	currency?: string;
	/** Several currencies: each order picks one (weights equal). */
	currencies?: string[];
	/** Time span of the generated history. */
	start?: string;
	end?: string;
}

export interface OrderView {
	index: number;
	/** Customer index, or -1 for a guest order. */
	customer: number;
	guestEmail: string | null;
	created: number;
	updated: number;
	/** Gross total in minor units (cents). */
	totalCents: number;
	refundedCents: number;
	status: number;
	currency: string;
}

export interface CustomerView {
	index: number;
	firstName: string;
	lastName: string;
	email: string;
	phone: string | null;
	country: string;
	created: number;
	updated: number;
	emailState: (typeof EMAIL_STATES)[number];
	smsState: 'SUBSCRIBED' | 'NOT_SUBSCRIBED' | 'UNSUBSCRIBED';
	tags: string[];
	ordersCount: number;
	spentCents: number;
	lastOrder: number;
}

export class ShopData {
	readonly currencyList: string[];
	// customers
	custCreated: number[] = [];
	custUpdated: number[] = [];
	custEmailState: number[] = [];
	custTags: number[] = [];
	custCount: number[] = [];
	custSpent: number[] = [];
	custLastOrder: number[] = [];
	// orders
	ordCustomer: number[] = [];
	ordGuest: number[] = [];
	ordCreated: number[] = [];
	ordUpdated: number[] = [];
	ordTotal: number[] = [];
	ordRefunded: number[] = [];
	ordStatus: number[] = [];
	ordCurrency: number[] = [];
	/** Bumped on every change (mocks cache sorted views by it). */
	version = 0;
	private readonly rnd: () => number;
	private guestPool = 0;

	constructor(opts: ShopDataOptions = {}) {
		const seed = opts.seed ?? 42;
		this.rnd = mulberry32(seed);
		this.currencyList = opts.currencies && opts.currencies.length ? opts.currencies.map((c) => c.toUpperCase()) : [(opts.currency ?? 'USD').toUpperCase()];
		const nCustomers = opts.customers ?? 50;
		const nOrders = opts.orders ?? Math.round(nCustomers * 3);
		const start = Date.parse(opts.start ?? '2024-01-01T00:00:00Z');
		const end = Date.parse(opts.end ?? '2025-12-31T00:00:00Z');
		const guestShare = opts.guestShare ?? 0;
		const rnd = this.rnd;
		const step = (end - start) / Math.max(1, nOrders);
		let assigned = 0;
		// Share of orders that bring a new customer, so that most customers have orders.
		const pNew = Math.min(1, (nCustomers * 0.85) / Math.max(1, nOrders * (1 - guestShare)));
		for (let i = 0; i < nOrders; i++) {
			const created = Math.floor(start + i * step + rnd() * step * 0.9);
			let customer: number;
			let guest = -1;
			if (guestShare > 0 && rnd() < guestShare) {
				customer = -1;
				// repeat guests: a third of guest orders reuse an earlier guest email
				guest = this.guestPool > 0 && rnd() < 0.33 ? Math.floor(rnd() * this.guestPool) : this.guestPool++;
			} else if (assigned === 0 || (assigned < nCustomers && rnd() < pNew)) {
				customer = assigned++;
				this.pushCustomer(created - Math.floor(rnd() * 30 * 86400000));
			} else {
				// skewed towards a few frequent buyers
				customer = Math.floor(assigned * Math.pow(rnd(), 2.2));
			}
			this.pushOrder(customer, guest, created);
		}
		// customers without any order (signed up, never bought)
		while (assigned < nCustomers) {
			this.pushCustomer(Math.floor(start + rnd() * (end - start)));
			assigned++;
		}
	}

	get customerCount(): number {
		return this.custCreated.length;
	}

	get orderCount(): number {
		return this.ordCreated.length;
	}

	private pushCustomer(created: number): number {
		const rnd = this.rnd;
		const c = this.custCreated.length;
		this.version++;
		this.custCreated.push(created);
		this.custUpdated.push(created);
		const r = rnd();
		this.custEmailState.push(r < 0.55 ? 0 : r < 0.85 ? 1 : r < 0.97 ? 2 : 3);
		this.custTags.push(Math.floor(rnd() * 32) & (rnd() < 0.5 ? 0 : 31));
		this.custCount.push(0);
		this.custSpent.push(0);
		this.custLastOrder.push(-1);
		return c;
	}

	private pushOrder(customer: number, guest: number, created: number, forced?: { totalCents?: number; status?: number }): number {
		const rnd = this.rnd;
		const i = this.ordCreated.length;
		this.version++;
		const z = Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
		let total = Math.max(100, Math.round(Math.exp(3.8 + 0.7 * z) * 100));
		const cur = this.currencyList.length > 1 ? Math.floor(rnd() * this.currencyList.length) : 0;
		if (this.currencyList[cur] === 'JPY') total = Math.round(total * 1.5); // yen: whole units, larger numbers
		const s = rnd();
		let status: number = s < 0.9 ? STATUS.paid : s < 0.92 ? STATUS.pending : s < 0.95 ? STATUS.partial : s < 0.965 ? STATUS.refunded : s < 0.99 ? STATUS.cancelled : STATUS.failed;
		if (forced?.totalCents !== undefined) total = forced.totalCents;
		if (forced?.status !== undefined) status = forced.status;
		const refunded = status === STATUS.partial ? Math.round(total * 0.3) : status === STATUS.refunded ? total : 0;
		const updated = status === STATUS.partial || status === STATUS.refunded ? created + 5 * 86400000 : status === STATUS.cancelled ? created + 86400000 : created;
		this.ordCustomer.push(customer);
		this.ordGuest.push(guest);
		this.ordCreated.push(created);
		this.ordUpdated.push(updated);
		this.ordTotal.push(total);
		this.ordRefunded.push(refunded);
		this.ordStatus.push(status);
		this.ordCurrency.push(cur);
		if (customer >= 0) {
			if (status !== STATUS.cancelled && status !== STATUS.failed) {
				this.custCount[customer]++;
				this.custSpent[customer] += total - refunded;
			}
			const last = this.custLastOrder[customer];
			if (last < 0 || created >= this.ordCreated[last]) this.custLastOrder[customer] = i;
			if (updated > this.custUpdated[customer]) this.custUpdated[customer] = updated;
		}
		return i;
	}

	/** Adds customers created now (returns their indexes). */
	addCustomers(n: number, at = Date.now()): number[] {
		const out: number[] = [];
		for (let k = 0; k < n; k++) out.push(this.pushCustomer(at));
		return out;
	}

	/**
	 * Adds orders created now. `customer`: an existing customer index, 'new' for a new customer,
	 * 'guest' for a guest order, or undefined for a random existing customer.
	 */
	addOrders(n: number, opts: { customer?: number | 'new' | 'guest'; totalCents?: number; status?: number; at?: number } = {}): number[] {
		const out: number[] = [];
		const at = opts.at ?? Date.now();
		for (let k = 0; k < n; k++) {
			let customer: number;
			let guest = -1;
			if (opts.customer === 'new') customer = this.pushCustomer(at);
			else if (opts.customer === 'guest') {
				customer = -1;
				guest = this.guestPool++;
			} else if (typeof opts.customer === 'number') customer = opts.customer;
			else customer = Math.floor(this.rnd() * this.customerCount);
			out.push(this.pushOrder(customer, guest, at, { totalCents: opts.totalCents, status: opts.status ?? STATUS.paid }));
		}
		return out;
	}

	customer(c: number): CustomerView {
		const first = FIRST[c % FIRST.length];
		const last = LAST[Math.floor(c / FIRST.length) % LAST.length];
		const mask = this.custTags[c];
		return {
			index: c,
			firstName: first,
			lastName: last,
			email: `${first}.${last}.${c + 1}@example.com`.toLowerCase(),
			phone: c % 3 === 0 ? null : `+1555${String(1000000 + c).slice(-7)}`,
			country: COUNTRIES[c % COUNTRIES.length],
			created: this.custCreated[c],
			updated: this.custUpdated[c],
			emailState: EMAIL_STATES[this.custEmailState[c]],
			smsState: c % 3 === 0 ? 'NOT_SUBSCRIBED' : c % 5 === 0 ? 'UNSUBSCRIBED' : c % 2 === 0 ? 'SUBSCRIBED' : 'NOT_SUBSCRIBED',
			tags: TAGS.filter((_, k) => (mask >> k) & 1),
			ordersCount: this.custCount[c],
			spentCents: this.custSpent[c],
			lastOrder: this.custLastOrder[c],
		};
	}

	order(i: number): OrderView {
		const g = this.ordGuest[i];
		return {
			index: i,
			customer: this.ordCustomer[i],
			guestEmail: g >= 0 ? `guest${g + 1}@example.net` : null,
			created: this.ordCreated[i],
			updated: this.ordUpdated[i],
			totalCents: this.ordTotal[i],
			refundedCents: this.ordRefunded[i],
			status: this.ordStatus[i],
			currency: this.currencyList[this.ordCurrency[i]],
		};
	}

	/** Indexes of one customer's orders (linear scan; fine for tests, used by per-customer filters). */
	ordersOf(c: number): number[] {
		const out: number[] = [];
		for (let i = 0; i < this.ordCustomer.length; i++) if (this.ordCustomer[i] === c) out.push(i);
		return out;
	}
}

/** Decimal string of minor units: 1234 -> "12.34" (2 decimals) or "1234" for zero-decimal currencies. */
export function decimalString(cents: number, currency = 'USD'): string {
	if (['JPY', 'KRW', 'VND', 'CLP'].includes(currency.toUpperCase())) return String(cents);
	const sign = cents < 0 ? '-' : '';
	const a = Math.abs(cents);
	return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** Minimal CLI argument parser shared by the mock entries: --name value / --flag. */
export function parseArgs(argv: string[]): Record<string, string> {
	const out: Record<string, string> = {};
	for (let k = 0; k < argv.length; k++) {
		const a = argv[k];
		if (!a.startsWith('--')) continue;
		const key = a.slice(2);
		const next = argv[k + 1];
		if (next === undefined || next.startsWith('--')) out[key] = 'true';
		else {
			out[key] = next;
			k++;
		}
	}
	return out;
}

export interface Fault {
	/** 1-based request number (counting data requests only) at which the fault fires. */
	at: number;
	/** An HTTP status to answer, or 'drop' to destroy the connection without a response. */
	kind: number | 'drop';
	/** How many consecutive requests fail from `at` (default 1). */
	times?: number;
}

/** Reads a JSON request body. */
export function readBody(req: import('node:http').IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', reject);
	});
}

/** Fault bookkeeping common to every mock: returns the fault to apply to data request number n. */
export class FaultPlan {
	requests = 0;
	constructor(public faults: Fault[] = []) {}
	next(): Fault | undefined {
		this.requests++;
		const n = this.requests;
		return this.faults.find((f) => n >= f.at && n < f.at + (f.times ?? 1));
	}
}
