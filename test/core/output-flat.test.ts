import { compactSummary, flattenGroup, outputFieldsMode, snakeCase, withGroup } from '../../nodes/core/output/flat';

describe('output fields: flat columns and compact summaries', () => {
	it('snake_case names', () => {
		expect(['recencyDays', 'averageOrderValue', 'r', 'probabilityAlive', 'URLValue', 'Mixed Case-name'].map(snakeCase)).toEqual([
			'recency_days',
			'average_order_value',
			'r',
			'probability_alive',
			'url_value',
			'mixed_case_name',
		]);
	});

	it('flattens a group with its prefix, nested objects continued, lists and empty objects kept as one value', () => {
		expect(flattenGroup('rfm', { segment: 'Champions', r: 5, recencyDays: 3, currency: null, extra: { topCategory: 'Books' }, tags: ['a', 'b'], empty: {} })).toEqual({
			rfm_segment: 'Champions',
			rfm_r: 5,
			rfm_recency_days: 3,
			rfm_currency: null,
			rfm_extra_top_category: 'Books',
			rfm_tags: ['a', 'b'],
			rfm_empty: {},
		});
	});

	it('a "__proto__" key in a group stays a plain column and pollutes nothing', () => {
		const group = JSON.parse('{"__proto__": {"polluted": 1}, "segment": "x"}');
		const out = flattenGroup('rfm', group);
		expect(Object.keys(out).sort()).toEqual(['rfm_proto_polluted', 'rfm_segment'].sort());
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});

	it('withGroup: nested keeps the group under its key; flat writes columns, keeps the customer fields, drops a stale nested group', () => {
		const customer = { customerId: 'A', email: 'a@x.test', rfm: { segment: 'old' } };
		expect(withGroup(customer, 'rfm', { segment: 'Champions', r: 5 }, 'nested')).toEqual({ customerId: 'A', email: 'a@x.test', rfm: { segment: 'Champions', r: 5 } });
		expect(withGroup(customer, 'rfm', { segment: 'Champions', r: 5 }, 'flat')).toEqual({ customerId: 'A', email: 'a@x.test', rfm_segment: 'Champions', rfm_r: 5 });
		expect(customer.rfm).toEqual({ segment: 'old' });
	});

	it('compactSummary: the chosen fields on top (in order), the rest under details merged with existing details', () => {
		expect(compactSummary({ b: 2, a: 1, centroid: { x: 1 }, details: { k: 3 }, size: 9 }, ['size', 'a', 'missing'])).toEqual({ size: 9, a: 1, details: { b: 2, centroid: { x: 1 }, k: 3 } });
		expect(compactSummary({ a: 1 }, ['a'])).toEqual({ a: 1 });
	});

	it('reads the option: only "flat" is flat', () => {
		expect(['flat', 'nested', undefined, 'Flat', ''].map(outputFieldsMode)).toEqual(['flat', 'nested', 'nested', 'nested', 'nested']);
	});
});
