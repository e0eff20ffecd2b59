/**
 * How RFM Score, Cluster Customers and Customer Value write their group of fields, and how their
 * summary item looks, for the "Output Fields" option:
 * - `nested` (default): the group under one key (`rfm: { segment, r, ... }`), as before;
 * - `flat`: one column per field, prefixed with the group's name in snake_case (`rfm_segment`,
 *   `rfm_recency_days`, `cluster_label`, `clv_churn_risk`): what n8n's table view, a Google Sheet
 *   or a CSV export shows best. Nested objects inside the group continue the name
 *   (`cluster_group`, `clv_...`); lists stay one value.
 * Pure functions, no n8n import.
 */

export type OutputFields = 'nested' | 'flat';

type Json = Record<string, unknown>;

/** Reads the option value as the nodes store it; anything else is the default (nested). */
export function outputFieldsMode(value: unknown): OutputFields {
	return value === 'flat' ? 'flat' : 'nested';
}

/** camelCase or "Mixed Case" to snake_case: recencyDays -> recency_days, averageOrderValue -> average_order_value. */
export function snakeCase(name: string): string {
	return name
		.replace(/([a-z0-9])([A-Z])/g, '$1_$2')
		.replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
		.replace(/[^A-Za-z0-9]+/g, '_')
		.replace(/^_+|_+$/g, '')
		.toLowerCase();
}

const isPlainObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** The group as prefixed flat columns: flattenGroup('rfm', { recencyDays: 3 }) -> { rfm_recency_days: 3 }. */
export function flattenGroup(prefix: string, group: Json): Json {
	const out: Json = {};
	const walk = (path: string, value: unknown) => {
		if (isPlainObject(value) && Object.keys(value).length > 0) {
			for (const [k, v] of Object.entries(value)) walk(`${path}_${snakeCase(k)}`, v);
			return;
		}
		// defineProperty: a key such as "__proto__" from the data stays a plain column
		Object.defineProperty(out, path, { value, enumerable: true, writable: true, configurable: true });
	};
	for (const [k, v] of Object.entries(group)) walk(`${snakeCase(prefix)}_${snakeCase(k)}`, v);
	return out;
}

/**
 * The customer's own fields plus the node's group, nested under `prefix` or as flat columns.
 * In flat mode a stale nested group of the same name (from an earlier nested run) is dropped.
 */
export function withGroup<T extends object>(json: T, prefix: string, group: object, mode: OutputFields): T {
	if (mode === 'nested') return { ...json, [prefix]: group } as T;
	const out: Json = { ...(json as Json) };
	delete out[prefix];
	return Object.assign(out, flattenGroup(prefix, group as Json)) as T;
}

/**
 * A summary item that fits n8n's table view: the `keep` fields (in that order, absent ones left
 * out) at the top, everything else under `details` (merged with an existing `details`).
 */
export function compactSummary(summary: Json, keep: readonly string[]): Json {
	const out: Json = {};
	for (const k of keep) if (k in summary && k !== 'details') out[k] = summary[k];
	const rest: Json = {};
	for (const [k, v] of Object.entries(summary)) if (!(k in out) && k !== 'details') rest[k] = v;
	const details = isPlainObject(summary.details) ? { ...rest, ...summary.details } : rest;
	if (Object.keys(details).length > 0) out.details = details;
	return out;
}

/** The top-level fields of each node's compact summary item (the rest goes under `details`). */
export const SUMMARY_FIELDS = {
	rfm: ['segment', 'customers', 'share', 'revenue', 'revenueShare'],
	cluster: ['label', 'group', 'size', 'share', 'silhouette'],
	clv: ['customers', 'repeatCustomers', 'expectedOrders', 'predictedValue', 'currency', 'horizonDays'],
} as const;
