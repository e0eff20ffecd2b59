/**
 * StringKeyTable (customer ids -> indexes in first-seen order) numbers keys exactly as a Map
 * would: packed short keys, long keys, keys beyond Latin-1, hash collisions and growth.
 */
import { StringKeyTable } from '../../nodes/core/stringKeys';

/** Indexes in first-seen order by a Map (the reference). */
function byMap(keys: string[]): number[] {
	const seen = new Map<string, number>();
	return keys.map((k) => {
		let i = seen.get(k);
		if (i === undefined) seen.set(k, (i = seen.size));
		return i;
	});
}

function byTable(keys: string[], capacity?: number): { indexes: number[]; table: StringKeyTable } {
	const table = new StringKeyTable(capacity);
	return { indexes: keys.map((k) => table.intern(k)), table };
}

/** FNV-1a over UTF-16 code units (the table's hash before its final mix, a bijection). */
function fnv32(s: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
	return h | 0;
}

describe('StringKeyTable', () => {
	it('numbers awkward keys like a Map: special names, lengths around 7, NUL, Latin-1 and beyond', () => {
		const awkward = [
			'__proto__', 'constructor', 'toString', 'prototype', 'hasOwnProperty', '', ' ', '0', '00', '1', '01', '1.0',
			'a', 'a\u0000', 'a\u0000\u0000', '\u0000', '\u0000a', 'abcdefg', 'abcdefgh', 'abcdef', 'abcdefG', 'Abcdefg',
			'ü', 'üü', 'ÿÿÿÿÿÿÿ', 'ÿÿÿÿÿÿÿÿ', '€', 'a€', '€a', 'Ā', '\u0100', '😀', '\ud83d', 'C1', 'C01', 'c1', 'C1 ',
		];
		// every key several times, in a shuffled order
		const keys: string[] = [];
		for (let round = 0; round < 4; round++) for (let i = 0; i < awkward.length; i++) keys.push(awkward[(i * 7 + round * 3) % awkward.length]);
		const { indexes, table } = byTable(keys, 4);
		expect(indexes).toEqual(byMap(keys));
		expect(table.size).toBe(new Set(keys).size);
		expect(table.keys).toEqual([...new Map(keys.map((k) => [k, 1])).keys()]);
	});

	it('grows from a tiny table to many keys and keeps every number', () => {
		const keys: string[] = [];
		for (let i = 0; i < 60000; i++) keys.push(i % 3 === 0 ? `C${(i * 7919) % 20011}` : `customer-${(i * 104729) % 30011}@example.com`);
		const { indexes, table } = byTable(keys, 1);
		expect(indexes).toEqual(byMap(keys));
		expect(table.size).toBe(new Set(keys).size);
	});

	it('tells apart different long keys whose hashes are equal', () => {
		// found by a birthday search over `customer-${i.toString(36)}` (long keys: compared as strings)
		const [a, b] = ['customer-15wzx', 'customer-1c6cd'];
		expect(a).not.toBe(b);
		expect(fnv32(a)).toBe(fnv32(b));
		const keys = [a, b, a, 'x', b, b, a];
		expect(byTable(keys).indexes).toEqual([0, 1, 0, 2, 1, 1, 0]);
		expect(byTable([b, a, b]).indexes).toEqual([0, 1, 0]);
	});
});
