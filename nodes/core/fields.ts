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

/**
 * Parses an amount: numbers as they are, strings like "29.35", " 1,299.00 ", "$12.50", "12,50"
 * (a single comma with 1-2 decimals is a decimal comma). Returns NaN when it is not a number.
 */
export function parseAmount(value: unknown): number {
	if (typeof value === 'number') return value;
	if (typeof value !== 'string') return NaN;
	let s = value.trim().replace(/^[^\d+\-.,]+|[^\d.,]+$/g, '');
	if (s === '') return NaN;
	if (/^[+-]?\d+,\d{1,2}$/.test(s)) s = s.replace(',', '.');
	else s = s.replace(/,(?=\d{3}(\D|$))/g, '');
	if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(s)) return NaN;
	return Number(s);
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
