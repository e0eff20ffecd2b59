/** Reading fields from items: dotted paths and guessed names. */

export type Json = Record<string, unknown>;

/** Property names a dotted path may never name: following or writing them reaches prototypes. */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);
const own = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/** The first reserved segment (`__proto__`, `constructor`, `prototype`) of a dotted path, if any. */
export function unsafePathPart(path: string): string | undefined {
	for (const part of path.split('.')) if (RESERVED.has(part)) return part;
	return undefined;
}

/**
 * Reads `a.b.c` from an object; a key that itself contains dots wins over the path. The one path
 * reader of the package: only own properties are followed (never `toString`, `constructor`...),
 * and a path naming `__proto__`, `constructor` or `prototype` reads nothing.
 */
export function getPath(obj: unknown, path: string): unknown {
	if (obj === null || typeof obj !== 'object') return undefined;
	if (own(obj, path)) return RESERVED.has(path) ? undefined : (obj as Json)[path];
	if (!path.includes('.') || unsafePathPart(path)) return undefined;
	let cur: unknown = obj;
	for (const part of path.split('.')) {
		if (cur === null || typeof cur !== 'object' || !own(cur, part)) return undefined;
		cur = (cur as Json)[part];
	}
	return cur;
}

/**
 * Writes `value` at `a.b.c`, creating plain objects on the way (an array or a scalar in the way is
 * replaced). The one path writer of the package: a path naming `__proto__`, `constructor` or
 * `prototype` throws, so a field list can never write into a prototype.
 */
export function setPath(target: Json, path: string, value: unknown): void {
	const bad = unsafePathPart(path);
	if (bad) throw new Error(`The field path "${path}" uses the reserved name ${bad}`);
	const parts = path.split('.');
	let cur = target;
	for (let i = 0; i < parts.length - 1; i++) {
		const next = own(cur, parts[i]) ? cur[parts[i]] : undefined;
		if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[parts[i]] = {};
		cur = cur[parts[i]] as Json;
	}
	cur[parts[parts.length - 1]] = value;
}

/** Throws a message naming the parameter when one of its field paths uses a reserved name. */
export function assertSafePaths(paths: readonly (string | undefined)[], parameter: string): void {
	for (const p of paths) {
		const bad = p ? unsafePathPart(p.trim()) : undefined;
		if (bad) throw new Error(`${parameter}: the field "${p}" uses the reserved name ${bad}`);
	}
}

function isPresent(v: unknown): boolean {
	return v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');
}

/**
 * Picks the field to read: the mapped name when the marketer gave one, else the first candidate
 * present (non-empty) in any of the first `probe` records. Returns undefined when none is found.
 */
export function resolveField(
	records: readonly unknown[],
	mapped: string | undefined,
	candidates: readonly string[],
	probe = 50,
): string | undefined {
	const m = (mapped ?? '').trim();
	if (m) return m;
	const n = Math.min(records.length, probe);
	for (const c of candidates) {
		for (let i = 0; i < n; i++) if (isPresent(getPath(records[i], c))) return c;
	}
	return undefined;
}

/** Amounts beyond ±10^15 are refused: no order is that large, and sums of them stay finite and exact to the cent. */
export const MAX_AMOUNT = 1e15;

const PLAIN_AMOUNT = /^-?\d+(\.\d+)?$/;
const NUMBER_PART = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
/** A currency sign or code around an amount: "$", "€", "US$", "EUR", "kr", "zł". */
const CURRENCY_MARK = /^[\p{L}\p{Sc}.]{1,5}$/u;

type AmountParts = { value: number; currency?: string } | { problem: 'empty' | 'not a number' | 'too large' };

/** Decimal comma / thousands separators to a plain decimal string, or undefined. */
function plainDecimal(digits: string): string | undefined {
	let s = digits;
	if (/^\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?$/.test(s)) s = s.replace(/[ \u00a0\u202f]/g, ''); // 1 299,00
	if (/^\d+,\d{1,2}$/.test(s)) return s.replace(',', '.'); // 12,50
	if (/^\d{1,3}(\.\d{3})+,\d{1,2}$/.test(s)) return s.replace(/\./g, '').replace(',', '.'); // 1.299,00
	if (/^\d{1,3}(,\d{3})+(\.\d*)?$/.test(s)) return s.replace(/,/g, ''); // 1,299.00
	return NUMBER_PART.test(s) ? s : undefined;
}

/**
 * Splits an amount string into sign, currency mark and number: "(12.50)" and "12.50-" are
 * accounting negatives, "-$12.50" / "$-12.50" / "($12.50)" negatives with a sign before or after
 * the currency; one currency mark at most, before or after the number.
 */
function amountParts(raw: string): AmountParts {
	let s = raw.trim();
	if (s === '') return { problem: 'empty' };
	const parenthesized = s.startsWith('(');
	if (parenthesized !== s.endsWith(')')) return { problem: 'not a number' };
	if (parenthesized) s = s.slice(1, -1).trim();
	let signs = 0;
	let minus = false;
	const takeSign = () => {
		const c = s[0];
		if (c !== '-' && c !== '+') return;
		signs++;
		minus = c === '-';
		s = s.slice(1).trim();
	};
	takeSign();
	const prefix = /^[^\d.,+-]*/.exec(s)![0].trim();
	s = s.slice(/^[^\d.,+-]*/.exec(s)![0].length).trim();
	takeSign();
	let suffix = /[^\d.,]*$/.exec(s)![0];
	s = s.slice(0, s.length - suffix.length).trim();
	suffix = suffix.trim();
	if (suffix.startsWith('-')) {
		signs++;
		minus = true;
		suffix = suffix.slice(1).trim();
	}
	const mark = prefix || suffix;
	// one sign at most, none inside parentheses ("(-5)"), one currency mark at most
	if (signs > 1 || (parenthesized && signs > 0) || (prefix && suffix) || (mark && !CURRENCY_MARK.test(mark))) return { problem: 'not a number' };
	const digits = s === '' ? undefined : plainDecimal(s);
	if (digits === undefined) return { problem: 'not a number' };
	const n = Number(digits);
	if (!(n <= MAX_AMOUNT)) return { problem: 'too large' };
	return { value: parenthesized || minus ? -n : n, currency: mark ? mark.toUpperCase() : undefined };
}

/**
 * Parses an amount: numbers as they are, strings like "29.35", " 1,299.00 ", "$12.50", "12,50"
 * (a single comma with 1-2 decimals is a decimal comma), "1.299,00", "1 299,00", "12.50 EUR";
 * "(12.50)", "($12.50)" and "12.50-" are negatives. Returns NaN when it is not a number, or when
 * it is not finite or beyond ±MAX_AMOUNT (amountProblem says which).
 */
export function parseAmount(value: unknown): number {
	if (typeof value === 'number') return value >= -MAX_AMOUNT && value <= MAX_AMOUNT ? value : NaN;
	if (typeof value !== 'string') return NaN;
	if (PLAIN_AMOUNT.test(value)) {
		const n = Number(value);
		return n >= -MAX_AMOUNT && n <= MAX_AMOUNT ? n : NaN;
	}
	const p = amountParts(value);
	return 'value' in p ? p.value : NaN;
}

/** Why parseAmount(value) is NaN, as the end of a sentence: 'empty', 'not a number', 'too large ...'. */
export function amountProblem(value: unknown): string {
	if (typeof value === 'number') return Number.isFinite(value) ? 'too large to be an amount (more than 10^15)' : 'not a finite number';
	if (typeof value !== 'string') return 'not a number';
	const p = amountParts(value);
	if (!('problem' in p)) return 'not a number';
	return p.problem === 'too large' ? 'too large to be an amount (more than 10^15)' : p.problem;
}

/** The currency sign or code an amount string carries ("$", "€", "EUR"), upper case; undefined when none. */
export function amountCurrency(value: unknown): string | undefined {
	if (typeof value !== 'string' || value === '') return undefined;
	const a = value.charCodeAt(0);
	const b = value.charCodeAt(value.length - 1);
	if ((a === 45 || (a >= 48 && a <= 57)) && b >= 48 && b <= 57) return undefined;
	const p = amountParts(value);
	return 'value' in p ? p.currency : undefined;
}

export function idString(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
	if (typeof value === 'string') {
		const s = value.trim();
		return s === '' ? undefined : s;
	}
	if (typeof value === 'bigint') return value.toString();
	return undefined;
}
