/** Keeping charts readable: beyond `maxRows` the smallest rows are folded into one "Other" row. */

/**
 * Keeps the `maxRows - 1` largest rows (by `size`, ties by their display order) in display order and
 * merges the others with `merge` into one row placed last. Returns the rows unchanged when they fit.
 */
export function foldRows<T>(rows: T[], maxRows: number, size: (row: T) => number, merge: (rows: T[]) => T): T[] {
	if (rows.length <= maxRows) return rows;
	const keep = Math.max(1, maxRows - 1);
	const ranked = rows.map((row, i) => ({ row, i })).sort((a, b) => size(b.row) - size(a.row) || a.i - b.i);
	const kept = new Set(ranked.slice(0, keep).map((x) => x.i));
	const rest = rows.filter((_, i) => !kept.has(i));
	return [...rows.filter((_, i) => kept.has(i)), merge(rest)];
}

/** "Other (3 segments)". */
export function otherLabel(count: number, noun: string): string {
	return `Other (${count} ${noun})`;
}

export function ratio(part: number, whole: number): number {
	return whole > 0 ? part / whole : 0;
}

export function mean(sum: number, n: number): number | null {
	return n > 0 ? sum / n : null;
}

/** Rounds money and averages for the json (cents), shares to 6 decimals: stable, readable numbers. */
export function round(value: number, decimals: number): number {
	const f = 10 ** decimals;
	const r = Math.round(value * f) / f;
	return Object.is(r, -0) ? 0 : r;
}

export function roundOrNull(value: number | null, decimals: number): number | null {
	return value === null ? null : round(value, decimals);
}
