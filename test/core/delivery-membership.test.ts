import { membershipChange, membershipName } from '../../nodes/core/delivery/membership';

const opts = { segmentField: 'rfm.segment', prefix: 'rfm: ' };

describe('membershipChange', () => {
	it('adds the current segment of a scored customer', () => {
		expect(membershipChange({ rfm: { segment: 'Champions' } }, opts)).toEqual({ add: ['rfm: Champions'], remove: [] });
	});
	it('a moved customer drops the previous segment and gets the new one', () => {
		const json = { rfm: { segment: 'At Risk' }, change: { type: 'moved', from: 'Champions', to: 'At Risk' } };
		expect(membershipChange(json, opts)).toEqual({ add: ['rfm: At Risk'], remove: ['rfm: Champions'] });
	});
	it('a gone customer drops the previous segment and gets nothing', () => {
		const json = { change: { type: 'gone', from: 'Loyal Customers', to: null } };
		expect(membershipChange(json, opts)).toEqual({ add: [], remove: ['rfm: Loyal Customers'] });
	});
	it('falls back to change.to when the segment field is empty', () => {
		const json = { rfm: { segment: '  ' }, change: { type: 'new', from: null, to: 'New Customers' } };
		expect(membershipChange(json, opts)).toEqual({ add: ['rfm: New Customers'], remove: [] });
	});
	it('a move that only changes the case of the name removes nothing', () => {
		const json = { rfm: { segment: 'At risk' }, change: { type: 'moved', from: 'At Risk', to: 'At risk' } };
		expect(membershipChange(json, opts)).toEqual({ add: ['rfm: At risk'], remove: [] });
	});
	it('unchanged customers and customers without a segment', () => {
		expect(membershipChange({ rfm: { segment: 'Promising' }, change: { type: 'unchanged', from: 'Promising', to: 'Promising' } }, opts)).toEqual({ add: ['rfm: Promising'], remove: [] });
		expect(membershipChange({ email: 'a@x.test' }, opts)).toEqual({ add: [], remove: [] });
	});
	it('names: prefix + trimmed segment, numbers as text, empty prefix', () => {
		expect(membershipName('', ' Champions ')).toBe('Champions');
		expect(membershipChange({ cluster: { id: 3 } }, { segmentField: 'cluster.id', prefix: 'cluster-' })).toEqual({ add: ['cluster-3'], remove: [] });
	});
	it('an unsafe segment field path reads nothing (the node refuses it earlier with assertSafePaths)', () => {
		const json = JSON.parse('{"__proto__": {"x": "Champions"}}');
		expect(membershipChange(json, { segmentField: '__proto__.x', prefix: '' })).toEqual({ add: [], remove: [] });
	});
});
