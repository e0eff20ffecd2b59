/** Reading fields from items: dotted paths and guessed names. */

export type Json = Record<string, unknown>;

/** Reads `a.b.c` from an object; a key that itself contains dots wins over the path. */
export function getPath(obj: unknown, path: string): unknown {
	if (obj === null || typeof obj !== 'object') return undefined;
	const o = obj as Json;
	const direct = o[path];
	if (direct !== undefined || !path.includes('.') || path in o) return direct;
	let cur: unknown = obj;
	for (const part of path.split('.')) {
		if (cur === null || typeof cur !== 'object') return undefined;
		cur = (cur as Json)[part];
	}
	return cur;
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
