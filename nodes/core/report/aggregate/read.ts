/** Reading the report's inputs: groups, numbers and names, tolerant of what users send. */
import { parseAmount, type Json } from '../../fields';

/** Most distinct names (segments, clusters, campaigns...) kept per chart while reading; more are counted as "Other". */
export const MAX_KEYS = 500;
export const OTHER_KEY = '\u0000other';

export function group(json: Json, name: string): Json | undefined {
	const g = Object.prototype.hasOwnProperty.call(json, name) ? json[name] : undefined;
	return g !== null && typeof g === 'object' && !Array.isArray(g) ? (g as Json) : undefined;
}

export function field(g: Json, name: string): unknown {
	return Object.prototype.hasOwnProperty.call(g, name) ? g[name] : undefined;
}

/** A finite number from a number or numeric text ("12.50", "1,299"); undefined otherwise. */
export function num(v: unknown): number | undefined {
	if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
	if (typeof v === 'string') {
		const n = parseAmount(v);
		return Number.isFinite(n) ? n : undefined;
	}
	return undefined;
}

/** A trimmed non-empty name from text, a number or a boolean; null otherwise. */
export function name(v: unknown): string | null {
	if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
	if (typeof v === 'number' && Number.isFinite(v)) return String(v);
	if (typeof v === 'boolean') return String(v);
	return null;
}

/** Map keyed by name that stops growing at MAX_KEYS distinct names (the rest share OTHER_KEY). */
export class BoundedMap<V> {
	readonly map = new Map<string, V>();
	constructor(
		private readonly make: () => V,
		private readonly onOverflow?: () => void,
	) {}

	get(key: string): V {
		let v = this.map.get(key);
		if (v === undefined) {
			if (this.map.size >= MAX_KEYS && key !== OTHER_KEY) {
				this.onOverflow?.();
				return this.get(OTHER_KEY);
			}
			v = this.make();
			this.map.set(key, v);
		}
		return v;
	}
}

export function displayName(key: string): string {
	return key === OTHER_KEY ? 'Other' : key;
}

export interface Notices {
	add(message: string): void;
}

/** Counts by reason, turned into one notice per reason at the end. */
export class Counter {
	private readonly counts = new Map<string, number>();
	inc(reason: string, by = 1): void {
		this.counts.set(reason, (this.counts.get(reason) ?? 0) + by);
	}
	get(reason: string): number {
		return this.counts.get(reason) ?? 0;
	}
	entries(): [string, number][] {
		return [...this.counts.entries()];
	}
}
