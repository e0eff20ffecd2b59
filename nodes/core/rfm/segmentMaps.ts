/**
 * Segment maps. Scores are looked up on the 1..5 scale; with 3 or 4 bins each score is first
 * placed at the 1..5 position of its bin's middle quantile (`toFiveScale`), so the standard maps
 * keep their meaning: 3 bins -> 1, 3, 5; 4 bins -> 1, 2, 4, 5. Custom maps use the node's own
 * scale (1..bins) as entered by the marketer.
 */

export interface SegmentRule {
	name: string;
	r: [number, number];
	f: [number, number];
	m: [number, number];
}

export interface SegmentMap {
	id: string;
	rules: SegmentRule[];
	fallback: string;
	/** Whether rules are written on the 1..5 scale (standard maps) or on the node's scale (custom). */
	fiveScale: boolean;
}

export const SEGMENTS = {
	champions: 'Champions',
	loyal: 'Loyal Customers',
	potential: 'Potential Loyalists',
	newCustomers: 'New Customers',
	promising: 'Promising',
	needAttention: 'Need Attention',
	aboutToSleep: 'About To Sleep',
	atRisk: 'At Risk',
	cantLose: "Can't Lose Them",
	hibernating: 'Hibernating',
} as const;

const ANY: [number, number] = [1, 5];
const rf = (name: string, r: [number, number], f: [number, number]): SegmentRule => ({ name, r, f, m: ANY });

/** The R+F map of most public notebooks: 10 segments covering all 25 R×F cells; M ignored. */
export const RF_MAP: SegmentMap = {
	id: 'rf',
	fiveScale: true,
	fallback: 'Other',
	rules: [
		rf(SEGMENTS.hibernating, [1, 2], [1, 2]),
		rf(SEGMENTS.atRisk, [1, 2], [3, 4]),
		rf(SEGMENTS.cantLose, [1, 2], [5, 5]),
		rf(SEGMENTS.aboutToSleep, [3, 3], [1, 2]),
		rf(SEGMENTS.needAttention, [3, 3], [3, 3]),
		rf(SEGMENTS.loyal, [3, 4], [4, 5]),
		rf(SEGMENTS.promising, [4, 4], [1, 1]),
		rf(SEGMENTS.newCustomers, [5, 5], [1, 1]),
		rf(SEGMENTS.potential, [4, 5], [2, 3]),
		rf(SEGMENTS.champions, [5, 5], [4, 5]),
	],
};

/**
 * The map of the R package `rfm` (rfm_segment's documented example), first match wins, unmatched
 * -> "Others". Faithful to the package: with first-match-wins, "New Customers" (4-5/1/1) and
 * "Promising" (3-4/1/1) are inside "Potential Loyalist" (3-5/1-3/1-3) and never assigned.
 */
export const RFM_PACKAGE_MAP: SegmentMap = {
	id: 'rfmPackage',
	fiveScale: true,
	fallback: 'Others',
	rules: [
		{ name: 'Champions', r: [4, 5], f: [4, 5], m: [4, 5] },
		{ name: 'Loyal Customers', r: [2, 5], f: [3, 5], m: [3, 5] },
		{ name: 'Potential Loyalist', r: [3, 5], f: [1, 3], m: [1, 3] },
		{ name: 'New Customers', r: [4, 5], f: [1, 1], m: [1, 1] },
		{ name: 'Promising', r: [3, 4], f: [1, 1], m: [1, 1] },
		{ name: 'Need Attention', r: [2, 3], f: [2, 3], m: [2, 3] },
		{ name: 'About To Sleep', r: [2, 3], f: [1, 2], m: [1, 2] },
		{ name: 'At Risk', r: [1, 2], f: [2, 5], m: [2, 5] },
		{ name: "Can't Lose Them", r: [1, 1], f: [4, 5], m: [4, 5] },
		{ name: 'Lost', r: [1, 2], f: [1, 2], m: [1, 2] },
	],
};

/** Position of score s (1..bins) on the 1..5 scale: the quintile holding its bin's middle. */
export function toFiveScale(score: number, bins: number): number {
	if (bins === 5) return score;
	return Math.min(5, Math.max(1, Math.ceil(((score - 0.5) / bins) * 5)));
}

const inRange = (v: number, [lo, hi]: [number, number]) => v >= lo && v <= hi;

/** Precomputes a lookup table over all (r, f, m) cells for speed. */
export function compileMap(map: SegmentMap, bins: number): (r: number, f: number, m: number) => string {
	const table: string[] = new Array(bins * bins * bins);
	for (let r = 1; r <= bins; r++)
		for (let f = 1; f <= bins; f++)
			for (let m = 1; m <= bins; m++) {
				const [R, F, M] = map.fiveScale ? [toFiveScale(r, bins), toFiveScale(f, bins), toFiveScale(m, bins)] : [r, f, m];
				const rule = map.rules.find((x) => inRange(R, x.r) && inRange(F, x.f) && inRange(M, x.m));
				table[((r - 1) * bins + (f - 1)) * bins + (m - 1)] = rule ? rule.name : map.fallback;
			}
	return (r, f, m) => table[((r - 1) * bins + (f - 1)) * bins + (m - 1)];
}

/** The segment names a map can produce with the given bins, in rule order (fallback last if reachable). */
export function reachableSegments(map: SegmentMap, bins: number): string[] {
	const lookup = compileMap(map, bins);
	const seen = new Set<string>();
	for (let r = 1; r <= bins; r++) for (let f = 1; f <= bins; f++) for (let m = 1; m <= bins; m++) seen.add(lookup(r, f, m));
	const ordered = map.rules.map((x) => x.name).filter((n, i, a) => seen.has(n) && a.indexOf(n) === i);
	if (seen.has(map.fallback)) ordered.push(map.fallback);
	return ordered;
}
