/**
 * Segment Changes' ranking, through classify/diffSegments: a best-first order that names a segment
 * twice ranks it at its first place (a pasted list with a repeat must not turn moves around).
 */
import { classify, diffSegments, rankLookup } from '../../nodes/core/playbook/changes';

describe('rank order with a repeated segment name', () => {
	const order = ['Champions', 'Loyal Customers', 'At Risk', 'champions '];

	it('ranks the segment at its first place', () => {
		const rank = rankLookup(order);
		expect(rank('Champions')).toBe(0);
		expect(rank('At Risk')).toBe(2);
	});

	it('Loyal Customers -> Champions is a move up, At Risk -> Champions too', () => {
		const rank = rankLookup(order);
		expect(classify('Loyal Customers', 'Champions', rank, null).direction).toBe('up');
		expect(classify('At Risk', 'Champions', rank, null).direction).toBe('up');
		expect(classify('Champions', 'At Risk', rank, null).direction).toBe('down');
	});

	it('counts the moves of a run accordingly', () => {
		const previous = new Map([
			['a', 'Loyal Customers'],
			['b', 'Champions'],
			['c', 'At Risk'],
		]);
		const { counts } = diffSegments(previous, [{ key: 'a', segment: 'Champions' }, { key: 'b', segment: 'At Risk' }, { key: 'c', segment: 'Champions' }], order, null);
		expect(counts).toEqual({ new: 0, movedUp: 2, movedDown: 1, movedUnranked: 0, unchanged: 0, gone: 0 });
	});
});
