/**
 * How RFM Score's segments agree with the RFM group Shopify computes for each customer
 * (`shopifyRfmGroup`, read by Fetch Customers from Shopify's `Customer.statistics.rfmGroup`).
 *
 * Shopify's eleven groups are mapped to the segment names of the standard maps (the table below,
 * documented in docs/nodes/RfmScore.md); a customer agrees when our segment is the name its
 * Shopify group maps to. Shopify computes its groups with its own rules, over its own time window
 * and at its own moment, so full agreement is not expected: the figure says how close the two
 * views are, the pair counts say where they differ.
 */
import { SEGMENTS } from './segmentMaps';

/** RFM Score's segment for customers kept without orders (Options > Customers Without Orders). */
export const NO_ORDERS_SEGMENT = 'No Orders';

/** Shopify's CustomerRfmGroup value -> the segment name of our standard maps that means the same. */
export const SHOPIFY_RFM_GROUP_MAP: Readonly<Record<string, string>> = Object.freeze({
	CHAMPIONS: SEGMENTS.champions,
	LOYAL: SEGMENTS.loyal,
	ACTIVE: SEGMENTS.potential,
	NEEDS_ATTENTION: SEGMENTS.needAttention,
	PROMISING: SEGMENTS.promising,
	NEW: SEGMENTS.newCustomers,
	AT_RISK: SEGMENTS.atRisk,
	PREVIOUSLY_LOYAL: SEGMENTS.cantLose,
	ALMOST_LOST: SEGMENTS.aboutToSleep,
	DORMANT: SEGMENTS.hibernating,
	PROSPECTS: NO_ORDERS_SEGMENT,
});

/**
 * The same for the "Recency, Frequency and Spend" map (the R package's names), onto segments that
 * map can give: its "Potential Loyalist" takes the recent customers with few orders (ACTIVE, NEW,
 * PROMISING; its New Customers and Promising are never assigned), its "At Risk" the former best
 * customers (PREVIOUSLY_LOYAL; its Can't Lose Them is inside At Risk), its "Lost" is DORMANT.
 */
export const SHOPIFY_RFM_GROUP_MAP_RFM_PACKAGE: Readonly<Record<string, string>> = Object.freeze({
	...SHOPIFY_RFM_GROUP_MAP,
	ACTIVE: 'Potential Loyalist',
	NEW: 'Potential Loyalist',
	PROMISING: 'Potential Loyalist',
	PREVIOUSLY_LOYAL: 'At Risk',
	DORMANT: 'Lost',
});

/** The mapping for a segment map id ('rf', 'rfmPackage'; custom maps use the standard names). */
export function shopifyGroupMapFor(mapId?: string): Readonly<Record<string, string>> {
	return mapId === 'rfmPackage' ? SHOPIFY_RFM_GROUP_MAP_RFM_PACKAGE : SHOPIFY_RFM_GROUP_MAP;
}

export interface RfmGroupPair {
	/** Our segment. */
	segment: string;
	/** Shopify's group as Shopify sent it. */
	shopifyRfmGroup: string;
	/** The segment Shopify's group maps to (null for a group the map does not know). */
	mappedSegment: string | null;
	customers: number;
	agrees: boolean;
}

export interface ShopifyRfmAgreement {
	/** Customers with both our segment and a Shopify group. */
	compared: number;
	/** Of them, customers whose Shopify group maps to our segment. */
	agreeing: number;
	/** agreeing / compared, rounded to 4 decimals (null when nothing was compared). */
	agreement: number | null;
	/** Scored customers whose item had shopifyRfmGroup empty or null (Shopify had no group). */
	withoutShopifyGroup: number;
	/** Shopify groups the map does not know (a value added by Shopify later), sorted. */
	unknownGroups: string[];
	/** Count per (our segment, Shopify's group), most customers first, then by names. */
	pairs: RfmGroupPair[];
}

/** The segment a Shopify group maps to (case and spaces forgiven), or null for an unknown group. */
export function mapShopifyRfmGroup(group: string, map: Readonly<Record<string, string>> = SHOPIFY_RFM_GROUP_MAP): string | null {
	const key = group.trim().toUpperCase().replace(/[\s-]+/g, '_');
	return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : null;
}

/**
 * Agreement over rows of (our segment, Shopify's group), with the mapping of the segment map used
 * (shopifyGroupMapFor). A row whose Shopify group is missing,
 * null or empty is counted in withoutShopifyGroup and not compared. Deterministic for any row order.
 */
export function shopifyRfmAgreement(
	rows: Iterable<{ segment: string; shopifyRfmGroup: unknown }>,
	map: Readonly<Record<string, string>> = SHOPIFY_RFM_GROUP_MAP,
): ShopifyRfmAgreement {
	const counts = new Map<string, RfmGroupPair>();
	const unknown = new Set<string>();
	let compared = 0;
	let agreeing = 0;
	let withoutShopifyGroup = 0;
	for (const row of rows) {
		const raw = row.shopifyRfmGroup;
		const group = typeof raw === 'string' ? raw.trim() : '';
		if (!group) {
			withoutShopifyGroup++;
			continue;
		}
		const key = `${row.segment}\u0000${group}`;
		let pair = counts.get(key);
		if (!pair) {
			const mappedSegment = mapShopifyRfmGroup(group, map);
			if (mappedSegment === null) unknown.add(group);
			pair = { segment: row.segment, shopifyRfmGroup: group, mappedSegment, customers: 0, agrees: mappedSegment === row.segment };
			counts.set(key, pair);
		}
		pair.customers++;
		compared++;
		if (pair.agrees) agreeing++;
	}
	const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
	const pairs = [...counts.values()].sort(
		(a, b) => b.customers - a.customers || byName(a.segment, b.segment) || byName(a.shopifyRfmGroup, b.shopifyRfmGroup),
	);
	return {
		compared,
		agreeing,
		agreement: compared ? Math.round((agreeing / compared) * 10000) / 10000 : null,
		withoutShopifyGroup,
		unknownGroups: [...unknown].sort(byName),
		pairs,
	};
}

/** Whether any of the records carries a Shopify RFM group field (then RFM Score reports agreement). */
export function hasShopifyRfmGroup(records: Iterable<unknown>): boolean {
	for (const r of records)
		if (r && typeof r === 'object' && Object.prototype.hasOwnProperty.call(r, 'shopifyRfmGroup')) return true;
	return false;
}

/**
 * Agreement for a scoring result: each scored customer's segment against the Shopify group of
 * the input row it was scored from (`latestItemIndex`), then the customers kept without orders
 * (segment "No Orders"). `groupOf(row)` reads the row's shopifyRfmGroup.
 */
export function agreementOfScored(
	scored: { count: number; segment: ArrayLike<string>; latestItemIndex: ArrayLike<number> },
	keptWithoutOrders: readonly number[],
	groupOf: (row: number) => unknown,
	mapId?: string,
): ShopifyRfmAgreement {
	function* rows() {
		for (let k = 0; k < scored.count; k++) yield { segment: scored.segment[k], shopifyRfmGroup: groupOf(scored.latestItemIndex[k]) };
		for (const i of keptWithoutOrders) yield { segment: NO_ORDERS_SEGMENT, shopifyRfmGroup: groupOf(i) };
	}
	return shopifyRfmAgreement(rows(), shopifyGroupMapFor(mapId));
}
