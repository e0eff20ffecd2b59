/**
 * Numbers for people: thousands separators, currency signs, percentages, compact "12.3k".
 * Locale-free on purpose (no Intl): the same text on every machine, so the PNG is identical
 * everywhere and the tests can read the numbers back.
 */

const SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', CNY: '¥', INR: '₹', KRW: '₩', AUD: 'A$', CAD: 'C$', NZD: 'NZ$', BRL: 'R$', MXN: 'MX$' };

/** Thousands separators on the integer part of a number already rounded to `decimals`. */
function grouped(value: number, decimals: number): string {
	const fixed = Math.abs(value).toFixed(decimals);
	const [int, frac] = fixed.split('.');
	const withCommas = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
	const sign = value < 0 && Number(fixed) !== 0 ? '-' : '';
	return sign + withCommas + (frac ? '.' + frac : '');
}

/** 2357 → "2,357". */
export function formatCount(value: number): string {
	return grouped(Math.round(value), 0);
}

/** A plain number with the given decimals: 2.4567 → "2.5". */
export function formatNumber(value: number, decimals = 1): string {
	return grouped(value, decimals);
}

/** 0.1764 → "17.6%". */
export function formatPercent(fraction: number, decimals = 1): string {
	return grouped(fraction * 100, decimals) + '%';
}

/** 1234 → "1.2k", 123456 → "123k", 2_500_000 → "2.5M"; below 10,000 the full number. */
export function formatCompact(value: number): string {
	const a = Math.abs(value);
	if (a >= 1e9) return grouped(value / 1e9, a >= 1e11 ? 0 : 1) + 'B';
	if (a >= 1e6) return grouped(value / 1e6, a >= 1e8 ? 0 : 1) + 'M';
	if (a >= 1e4) return grouped(value / 1e3, a >= 1e5 ? 0 : 1) + 'k';
	return grouped(value, Number.isInteger(value) ? 0 : a >= 100 ? 0 : 1);
}

function currencyParts(currency: string | null): { prefix: string; suffix: string } {
	if (!currency) return { prefix: '', suffix: '' };
	const symbol = SYMBOLS[currency.toUpperCase()];
	return symbol ? { prefix: symbol, suffix: '' } : { prefix: '', suffix: ' ' + currency.toUpperCase() };
}

/**
 * Money: "$119,943" (no cents from 100 up), "$36.52" below 100; compact "$120k" for tight places.
 * Unknown currency codes are written after the number ("1,234 CHF"); no currency: the bare number.
 */
export function formatMoney(value: number, currency: string | null, compact = false): string {
	const { prefix, suffix } = currencyParts(currency);
	const body = compact ? formatCompact(value) : grouped(value, Math.abs(value) >= 100 || value === 0 ? 0 : 2);
	const sign = body.startsWith('-') ? '-' : '';
	return sign + prefix + body.slice(sign.length) + suffix;
}

/** "1 order" / "2.4 orders" style: a number and a unit that agrees with it. */
export function plural(value: number, text: string, singular: string, pluralWord: string): string {
	return `${text} ${value === 1 ? singular : pluralWord}`;
}

/** The date part of an ISO timestamp: "1998-07-01T00:00:00.000Z" → "1998-07-01". */
export function isoDay(iso: string | null): string | null {
	if (!iso) return null;
	const m = /^\d{4}-\d{2}-\d{2}/.exec(iso);
	return m ? m[0] : null;
}
