import { parseList } from '../../nodes/core/list';

describe('parseList, the one list parser', () => {
	it('commas and new lines, trimmed, empty parts dropped, order and duplicates kept', () => {
		expect(parseList(' a, b ,,\n c \r\n,a ')).toEqual(['a', 'b', 'c', 'a']);
	});
	it('empty, null, undefined and whitespace give an empty list', () => {
		expect(parseList('')).toEqual([]);
		expect(parseList(null)).toEqual([]);
		expect(parseList(undefined)).toEqual([]);
		expect(parseList(' , \n ')).toEqual([]);
	});
	it('arrays from expressions pass through trimmed; numbers become text', () => {
		expect(parseList([' x ', 3, null, '', 'y'])).toEqual(['x', '3', 'y']);
		expect(parseList(42)).toEqual(['42']);
	});
	it('other separators and lower-casing', () => {
		expect(parseList('VIP; Wholesale,x', { separators: /[,;]/ })).toEqual(['VIP', 'Wholesale', 'x']);
		expect(parseList('False, NO\n0', { lowerCase: true })).toEqual(['false', 'no', '0']);
	});
	it('a value with a comma inside a number is split (lists are comma separated)', () => {
		expect(parseList('30, 90, 1,000')).toEqual(['30', '90', '1', '000']);
	});
});
