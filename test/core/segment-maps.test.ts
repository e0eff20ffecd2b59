/**
 * The segment maps cell by cell, through compileMap (the lookup the RFM node uses), against fixed
 * tables: the R+F map as the public notebooks give it (25 R x F cells, M ignored) and the R
 * package `rfm`'s map (first match wins) as computed independently by
 * test/fixtures/rfm/segment_maps_reference.py. A changed range in either map fails here.
 */
import { RF_MAP, RFM_PACKAGE_MAP, compileMap } from '../../nodes/core/rfm/segmentMaps';

const H = 'Hibernating';
const AR = 'At Risk';
const CL = "Can't Lose Them";
const AS = 'About To Sleep';
const NA = 'Need Attention';
const LC = 'Loyal Customers';
const PR = 'Promising';
const PL = 'Potential Loyalists';
const NC = 'New Customers';
const CH = 'Champions';

/** Rows R = 1..5, columns F = 1..5. */
const RF_GRID = [
	[H, H, AR, AR, CL],
	[H, H, AR, AR, CL],
	[AS, AS, NA, LC, LC],
	[PR, PL, PL, LC, LC],
	[NC, PL, PL, CH, CH],
];

describe('R+F segment map (5 scores)', () => {
	const lookup = compileMap(RF_MAP, 5);

	it('gives every R x F cell its segment, whatever M is', () => {
		for (let r = 1; r <= 5; r++)
			for (let f = 1; f <= 5; f++)
				for (let m = 1; m <= 5; m++) expect({ r, f, m, segment: lookup(r, f, m) }).toEqual({ r, f, m, segment: RF_GRID[r - 1][f - 1] });
	});
});

describe("R package rfm's segment map (5 scores, first match wins)", () => {
	const lookup = compileMap(RFM_PACKAGE_MAP, 5);

	it.each([
		[4, 4, 4, 'Champions'],
		[5, 5, 5, 'Champions'],
		[4, 4, 3, 'Loyal Customers'],
		[3, 4, 4, 'Loyal Customers'],
		[2, 3, 3, 'Loyal Customers'],
		[3, 1, 1, 'Potential Loyalist'],
		[4, 1, 1, 'Potential Loyalist'],
		[2, 2, 2, 'Need Attention'],
		[2, 1, 1, 'About To Sleep'],
		[1, 3, 3, 'At Risk'],
		[1, 5, 5, 'At Risk'],
		[1, 2, 3, 'At Risk'],
		[1, 1, 1, 'Lost'],
		[5, 1, 4, 'Others'],
	])('R %d F %d M %d is %s', (r, f, m, segment) => {
		expect(lookup(r, f, m)).toBe(segment);
	});

	it('counts the 125 cells per segment as the reference does', () => {
		const counts: Record<string, number> = {};
		for (let r = 1; r <= 5; r++)
			for (let f = 1; f <= 5; f++)
				for (let m = 1; m <= 5; m++) {
					const s = lookup(r, f, m);
					counts[s] = (counts[s] ?? 0) + 1;
				}
		expect(counts).toEqual({ Lost: 3, Others: 36, 'At Risk': 20, 'About To Sleep': 3, 'Need Attention': 3, 'Loyal Customers': 28, 'Potential Loyalist': 24, Champions: 8 });
	});
});
