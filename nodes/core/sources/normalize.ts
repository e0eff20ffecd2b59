/** Small helpers the source clients share to build normalized orders and customers. */
import { parseDate } from '../dates';
import { parseAmount } from '../fields';
import type { ConsentState, NormalizedCustomer } from './types';
import { parseList } from '../list';

export function isoOrNull(value: unknown): string | null {
	const t = parseDate(value);
	return t === null ? null : new Date(t).toISOString();
}

/** Currencies whose amounts have no minor unit (Stripe sends them as is, never x100). */
export const ZERO_DECIMAL = new Set([
	'BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF',
]);
/** Currencies with three decimals (Stripe minor unit = 1/1000). */
export const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

export function minorUnitFactor(currency: string): number {
	const c = currency.toUpperCase();
	if (ZERO_DECIMAL.has(c)) return 1;
	if (THREE_DECIMAL.has(c)) return 1000;
	return 100;
}

/** Minor units (integer) to an amount: 1999 USD -> 19.99, 1999 JPY -> 1999, 1999 KWD -> 1.999. */
export function fromMinorUnits(amount: number, currency: string): number {
	const f = minorUnitFactor(currency);
	return f === 1 ? amount : Math.round(amount) / f;
}

/** Rounds a money amount to its currency's precision (sums of decimals drift otherwise). */
export function roundMoney(value: number, currency?: string | null): number {
	const f = currency ? minorUnitFactor(currency) : 100;
	return Math.round(value * f) / f;
}

/** A decimal string or number to a number; NaN when not a number. */
export function money(value: unknown): number {
	if (value === null || value === undefined || value === '') return NaN;
	return parseAmount(value);
}

export function str(value: unknown): string | null {
	if (value === undefined || value === null) return null;
	const s = String(value).trim();
	return s === '' ? null : s;
}

export function upperOrNull(value: unknown): string | null {
	const s = str(value);
	return s ? s.toUpperCase() : null;
}

/** Shopify / generic marketing state names to the shared consent vocabulary. */
export function consentFrom(value: unknown): ConsentState {
	if (value === true) return 'subscribed';
	if (value === false) return 'not_subscribed';
	const s = String(value ?? '').trim().toLowerCase().replace(/[\s-]+/g, '_');
	switch (s) {
		case 'subscribed':
		case 'opted_in':
		case 'opt_in':
		case 'yes':
		case 'true':
		case '1':
			return 'subscribed';
		case 'unsubscribed':
		case 'opted_out':
		case 'opt_out':
		case 'redacted':
			return 'unsubscribed';
		case 'not_subscribed':
		case 'no':
		case 'false':
		case '0':
		case 'invalid':
			return 'not_subscribed';
		case 'pending':
		case 'confirm':
			return 'pending';
		default:
			return 'unknown';
	}
}

export function splitTags(value: unknown): string[] {
	if (Array.isArray(value)) return value.map((t) => String(t).trim()).filter(Boolean);
	if (typeof value === 'string') return parseList(value, { separators: /[,;]/ });
	return [];
}

/** A customer with every field present (nulls where the source has nothing). */
export function emptyCustomer(customerId: string): NormalizedCustomer {
	return {
		customerId,
		email: null,
		firstName: null,
		lastName: null,
		phone: null,
		country: null,
		createdAt: null,
		ordersCount: 0,
		totalSpent: 0,
		currency: null,
		lastOrderDate: null,
		firstOrderDate: null,
		consent: { email: 'unknown', sms: 'unknown' },
		acceptsMarketing: false,
		tags: [],
	};
}

export function normEmail(value: unknown): string | null {
	const s = str(value);
	return s && s.includes('@') ? s.toLowerCase() : null;
}

/** The later of two ISO instants (either may be missing). */
export function latestIso(a: string | null, b: string | null): string | null {
	if (!a) return b;
	if (!b) return a;
	return Date.parse(a) >= Date.parse(b) ? a : b;
}
