/**
 * Builds normalized customers from normalized orders (WooCommerce, Stripe, HubSpot deals, CSV of
 * orders), the same way RFM Score counts them:
 * - paid and partially refunded orders count (distinct order ids), their net totals are summed;
 * - pending, cancelled, failed and fully refunded orders do not count;
 * - lastOrderDate / firstOrderDate are taken over the counted orders;
 * - a customer paying in several currencies gets totalSpent in the currency of most counted
 *   orders (ties: larger amount, then alphabetical) and `spentByCurrency` with every total.
 * Profiles (names, email, consent...) are merged in from the customer lists.
 */
import { emptyCustomer, roundMoney } from './normalize';
import type { NormalizedCustomer, NormalizedOrder } from './types';

interface Acc {
	orders: Set<string>;
	byCurrency: Map<string, { amount: number; count: number }>;
	first: number | null;
	last: number | null;
	email: string | null;
}

const COUNTED = new Set(['paid', 'partially_refunded']);

export class CustomerAggregator {
	private readonly acc = new Map<string, Acc>();
	private readonly profiles = new Map<string, NormalizedCustomer>();

	addOrder(order: NormalizedOrder): void {
		let a = this.acc.get(order.customerId);
		if (!a) {
			a = { orders: new Set(), byCurrency: new Map(), first: null, last: null, email: null };
			this.acc.set(order.customerId, a);
		}
		if (!a.email && order.email) a.email = order.email;
		if (!COUNTED.has(order.status)) return;
		if (a.orders.has(order.orderId)) return;
		a.orders.add(order.orderId);
		const cur = order.currency || 'XXX';
		const c = a.byCurrency.get(cur) ?? { amount: 0, count: 0 };
		c.amount += order.total;
		c.count += 1;
		a.byCurrency.set(cur, c);
		const t = Date.parse(order.createdAt);
		if (a.first === null || t < a.first) a.first = t;
		if (a.last === null || t > a.last) a.last = t;
	}

	addProfile(profile: NormalizedCustomer): void {
		this.profiles.set(profile.customerId, profile);
	}

	hasProfile(customerId: string): boolean {
		return this.profiles.has(customerId);
	}

	customerIds(): string[] {
		const ids = new Set<string>([...this.profiles.keys(), ...this.acc.keys()]);
		return [...ids];
	}

	/** One customer, or undefined when neither a profile nor an order is known. */
	build(customerId: string): NormalizedCustomer | undefined {
		const p = this.profiles.get(customerId);
		const a = this.acc.get(customerId);
		if (!p && !a) return undefined;
		const c: NormalizedCustomer = p ? { ...p, consent: { ...p.consent }, tags: [...p.tags] } : emptyCustomer(customerId);
		if (!a) return c;
		if (!c.email && a.email) c.email = a.email;
		c.ordersCount = a.orders.size;
		c.lastOrderDate = a.last === null ? null : new Date(a.last).toISOString();
		c.firstOrderDate = a.first === null ? null : new Date(a.first).toISOString();
		const currencies = [...a.byCurrency.entries()].sort(
			(x, y) => y[1].count - x[1].count || y[1].amount - x[1].amount || (x[0] < y[0] ? -1 : 1),
		);
		if (currencies.length === 0) {
			c.totalSpent = 0;
		} else {
			const [mainCur, main] = currencies[0];
			c.currency = mainCur === 'XXX' ? c.currency : mainCur;
			c.totalSpent = roundMoney(main.amount, c.currency);
			if (currencies.length > 1) {
				c.spentByCurrency = {};
				for (const [cur, v] of currencies) c.spentByCurrency[cur] = roundMoney(v.amount, cur);
			}
		}
		return c;
	}

	/** Every customer: profiles first in the order they were added, then customers known only from orders. */
	all(): NormalizedCustomer[] {
		const out: NormalizedCustomer[] = [];
		for (const id of this.customerIds()) {
			const c = this.build(id);
			if (c) out.push(c);
		}
		return out;
	}
}
