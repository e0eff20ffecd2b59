/**
 * The Shopify mock's stand-in for the RFM group Shopify computes per customer
 * (`Customer.statistics.rfmGroup`, API 2025-04+, enum CustomerRfmGroup).
 *
 * Shopify does not publish its rule, only what each group means (recent or not, many or few
 * orders, high or low spend). The mock gives each group that meaning with a rule of its own:
 * customers without orders are PROSPECTS; the others get quintile scores (1..5, ties by index)
 * for the time of their latest order (R), their order count and their spend (FM: the rounded mean
 * of both), and a group from the (R, FM) grid below. predictedSpendTier follows the spend score.
 * Recomputed when the shop data changes (cached by `data.version`).
 */
import type { ShopData } from './shop-data';

export const SHOPIFY_RFM_GROUP_VALUES = [
	'CHAMPIONS', 'LOYAL', 'ACTIVE', 'NEEDS_ATTENTION', 'PROMISING', 'NEW',
	'AT_RISK', 'PREVIOUSLY_LOYAL', 'ALMOST_LOST', 'DORMANT', 'PROSPECTS',
] as const;

/** GRID[R - 1][FM - 1]: R 5 = most recent, FM 5 = most orders and spend. */
const GRID: string[][] = [
	['DORMANT', 'DORMANT', 'AT_RISK', 'AT_RISK', 'PREVIOUSLY_LOYAL'],
	['ALMOST_LOST', 'ALMOST_LOST', 'AT_RISK', 'AT_RISK', 'PREVIOUSLY_LOYAL'],
	['ALMOST_LOST', 'ALMOST_LOST', 'NEEDS_ATTENTION', 'LOYAL', 'LOYAL'],
	['PROMISING', 'PROMISING', 'NEEDS_ATTENTION', 'LOYAL', 'LOYAL'],
	['NEW', 'PROMISING', 'ACTIVE', 'CHAMPIONS', 'CHAMPIONS'],
];

export interface ShopifyStatistics {
	rfmGroup: string;
	predictedSpendTier: 'HIGH' | 'MEDIUM' | 'LOW';
}

/** Quintile score (1..5) of each listed customer by `value`, ties broken by customer index. */
function quintiles(ids: number[], value: (c: number) => number): Map<number, number> {
	const sorted = [...ids].sort((a, b) => value(a) - value(b) || a - b);
	const out = new Map<number, number>();
	sorted.forEach((c, rank) => out.set(c, 1 + Math.floor((5 * rank) / sorted.length)));
	return out;
}

function compute(data: ShopData): ShopifyStatistics[] {
	const n = data.customerCount;
	const buyers: number[] = [];
	for (let c = 0; c < n; c++) if (data.custCount[c] > 0 && data.custLastOrder[c] >= 0) buyers.push(c);
	const r = quintiles(buyers, (c) => data.ordCreated[data.custLastOrder[c]]);
	const f = quintiles(buyers, (c) => data.custCount[c]);
	const m = quintiles(buyers, (c) => data.custSpent[c]);
	const out: ShopifyStatistics[] = [];
	for (let c = 0; c < n; c++) {
		const R = r.get(c);
		if (R === undefined) {
			out.push({ rfmGroup: 'PROSPECTS', predictedSpendTier: 'LOW' });
			continue;
		}
		const M = m.get(c) as number;
		const FM = Math.round(((f.get(c) as number) + M) / 2);
		out.push({ rfmGroup: GRID[R - 1][FM - 1], predictedSpendTier: M >= 4 ? 'HIGH' : M >= 2 ? 'MEDIUM' : 'LOW' });
	}
	return out;
}

/** Per-customer statistics of the shop, recomputed only when the data changed. */
export function shopifyStatistics(): (data: ShopData, c: number) => ShopifyStatistics {
	let cache: { version: number; data: ShopData; stats: ShopifyStatistics[] } | null = null;
	return (data, c) => {
		if (!cache || cache.data !== data || cache.version !== data.version) cache = { version: data.version, data, stats: compute(data) };
		return cache.stats[c];
	};
}
