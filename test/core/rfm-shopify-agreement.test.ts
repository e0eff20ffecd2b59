import {
	agreementOfScored,
	hasShopifyRfmGroup,
	mapShopifyRfmGroup,
	SHOPIFY_RFM_GROUP_MAP,
	SHOPIFY_RFM_GROUP_MAP_RFM_PACKAGE,
	shopifyRfmAgreement,
} from '../../nodes/core/rfm/shopifyAgreement';
import { RF_MAP, RFM_PACKAGE_MAP, reachableSegments } from '../../nodes/core/rfm/segmentMaps';

const SHOPIFY_GROUPS = ['CHAMPIONS', 'LOYAL', 'ACTIVE', 'NEEDS_ATTENTION', 'PROMISING', 'NEW', 'AT_RISK', 'PREVIOUSLY_LOYAL', 'ALMOST_LOST', 'DORMANT', 'PROSPECTS'];

describe("agreement with Shopify's RFM groups", () => {
	test('every Shopify group maps to a segment our standard maps can give (or No Orders)', () => {
		expect(Object.keys(SHOPIFY_RFM_GROUP_MAP).sort()).toEqual([...SHOPIFY_GROUPS].sort());
		const rf = new Set([...reachableSegments(RF_MAP, 5), 'No Orders']);
		for (const g of SHOPIFY_GROUPS) expect(rf).toContain(SHOPIFY_RFM_GROUP_MAP[g]);
		const pkg = new Set([...reachableSegments(RFM_PACKAGE_MAP, 5), 'No Orders']);
		for (const g of SHOPIFY_GROUPS) expect(pkg).toContain(SHOPIFY_RFM_GROUP_MAP_RFM_PACKAGE[g]);
		// the R package map never assigns New Customers, Promising and Can't Lose Them: those groups go to the segments holding them
		expect(['NEW', 'PROMISING', 'PREVIOUSLY_LOYAL'].map((g) => SHOPIFY_RFM_GROUP_MAP_RFM_PACKAGE[g])).toEqual(['Potential Loyalist', 'Potential Loyalist', 'At Risk']);
		expect(reachableSegments(RFM_PACKAGE_MAP, 5)).not.toContain("Can't Lose Them");
		// with the standard map, the eleven groups map to eleven different segments
		expect(new Set(SHOPIFY_GROUPS.map((g) => SHOPIFY_RFM_GROUP_MAP[g])).size).toBe(11);
	});

	test('counts per pair, agreeing share, missing and unknown groups', () => {
		const rows = [
			{ segment: 'Champions', shopifyRfmGroup: 'CHAMPIONS' },
			{ segment: 'Champions', shopifyRfmGroup: 'CHAMPIONS' },
			{ segment: 'Champions', shopifyRfmGroup: 'LOYAL' },
			{ segment: 'Hibernating', shopifyRfmGroup: 'DORMANT' },
			{ segment: 'At Risk', shopifyRfmGroup: 'PREVIOUSLY_LOYAL' },
			{ segment: "Can't Lose Them", shopifyRfmGroup: 'previously loyal' },
			{ segment: 'Potential Loyalists', shopifyRfmGroup: 'VIP_SOON' },
			{ segment: 'No Orders', shopifyRfmGroup: 'PROSPECTS' },
			{ segment: 'Promising', shopifyRfmGroup: null },
			{ segment: 'Promising', shopifyRfmGroup: '' },
			{ segment: 'Promising', shopifyRfmGroup: undefined },
		];
		const a = shopifyRfmAgreement(rows);
		expect(a.compared).toBe(8);
		expect(a.agreeing).toBe(5);
		expect(a.agreement).toBe(0.625);
		expect(a.withoutShopifyGroup).toBe(3);
		expect(a.unknownGroups).toEqual(['VIP_SOON']);
		expect(a.pairs).toEqual([
			{ segment: 'Champions', shopifyRfmGroup: 'CHAMPIONS', mappedSegment: 'Champions', customers: 2, agrees: true },
			{ segment: 'At Risk', shopifyRfmGroup: 'PREVIOUSLY_LOYAL', mappedSegment: "Can't Lose Them", customers: 1, agrees: false },
			{ segment: "Can't Lose Them", shopifyRfmGroup: 'previously loyal', mappedSegment: "Can't Lose Them", customers: 1, agrees: true },
			{ segment: 'Champions', shopifyRfmGroup: 'LOYAL', mappedSegment: 'Loyal Customers', customers: 1, agrees: false },
			{ segment: 'Hibernating', shopifyRfmGroup: 'DORMANT', mappedSegment: 'Hibernating', customers: 1, agrees: true },
			{ segment: 'No Orders', shopifyRfmGroup: 'PROSPECTS', mappedSegment: 'No Orders', customers: 1, agrees: true },
			{ segment: 'Potential Loyalists', shopifyRfmGroup: 'VIP_SOON', mappedSegment: null, customers: 1, agrees: false },
		]);
		// the same figures whatever the row order
		expect(shopifyRfmAgreement([...rows].reverse())).toEqual(a);
	});

	test('nothing to compare: agreement null; a rounded share', () => {
		expect(shopifyRfmAgreement([])).toEqual({ compared: 0, agreeing: 0, agreement: null, withoutShopifyGroup: 0, unknownGroups: [], pairs: [] });
		const thirds = shopifyRfmAgreement([
			{ segment: 'Champions', shopifyRfmGroup: 'CHAMPIONS' },
			{ segment: 'Champions', shopifyRfmGroup: 'NEW' },
			{ segment: 'Champions', shopifyRfmGroup: 'ACTIVE' },
		]);
		expect(thirds.agreement).toBe(0.3333);
	});

	test("the R package map's names: ACTIVE is Potential Loyalist, DORMANT is Lost", () => {
		expect(mapShopifyRfmGroup('ACTIVE')).toBe('Potential Loyalists');
		expect(mapShopifyRfmGroup('ACTIVE', SHOPIFY_RFM_GROUP_MAP_RFM_PACKAGE)).toBe('Potential Loyalist');
		expect(mapShopifyRfmGroup('dormant', SHOPIFY_RFM_GROUP_MAP_RFM_PACKAGE)).toBe('Lost');
		expect(mapShopifyRfmGroup('__proto__')).toBeNull();
		expect(mapShopifyRfmGroup('constructor')).toBeNull();
	});

	test('over a scoring result: each customer against the row it was scored from, then those kept without orders', () => {
		const groups = ['LOYAL', 'PROSPECTS', 'DORMANT', 'ACTIVE', null];
		const scored = { count: 3, segment: ['Lost', 'Loyal Customers', 'Potential Loyalist'], latestItemIndex: Int32Array.from([2, 0, 3]) };
		const pkg = agreementOfScored(scored, [1, 4], (i) => groups[i], 'rfmPackage');
		expect(pkg).toMatchObject({ compared: 4, agreeing: 4, agreement: 1, withoutShopifyGroup: 1 });
		const rf = agreementOfScored(scored, [1, 4], (i) => groups[i], 'rf');
		expect(rf).toMatchObject({ compared: 4, agreeing: 2, agreement: 0.5, withoutShopifyGroup: 1 });
		expect(agreementOfScored(scored, [], (i) => groups[i]).compared).toBe(3);
	});

	test('the field is looked for on the records themselves', () => {
		expect(hasShopifyRfmGroup([{ a: 1 }, { shopifyRfmGroup: null }])).toBe(true);
		expect(hasShopifyRfmGroup([{ a: 1 }, null, 'x', { rfm: { shopifyRfmGroup: 'NEW' } }])).toBe(false);
		expect(hasShopifyRfmGroup([])).toBe(false);
	});
});
