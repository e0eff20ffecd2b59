import { ByteKeyTable } from '../../nodes/core/sources/byteKeys';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const intern = (t: ByteKeyTable, s: string, lower = false) => {
	const b = bytes(`..${s}..`);
	return t.intern(b, 2, b.length - 2, lower);
};

describe('ByteKeyTable: byte keys interned without strings', () => {
	test('keys that differ only in length, a trailing NUL, or past their seventh byte stay apart', () => {
		const t = new ByteKeyTable(4);
		const keys = ['', 'a', 'ab', 'ab\u0000', 'ab\u0000\u0000', '1234567', '12345678', '123456789', '1234567x', '12345678x', '\u0000', 'é', 'e\u0301'];
		const idx = keys.map((k) => intern(t, k));
		expect(idx).toEqual(keys.map((_, i) => i));
		expect(t.size).toBe(keys.length);
		// looked up again: the same numbers, nothing added, the keys back as text
		for (let i = 0; i < keys.length; i++) {
			expect(intern(t, keys[i])).toBe(i);
			expect(t.added).toBe(false);
			expect(t.key(i)).toBe(keys[i]);
		}
	});

	test('lower-cased keys (emails): ASCII letters folded, other bytes kept', () => {
		const t = new ByteKeyTable(4);
		expect(intern(t, 'Ann@Shop.Example', true)).toBe(0);
		expect(intern(t, 'ann@shop.example', true)).toBe(0);
		expect(intern(t, 'AB', true)).toBe(1);
		expect(intern(t, 'ab', false)).toBe(1);
		expect(intern(t, 'Ab', false)).toBe(2);
		expect(t.key(0)).toBe('ann@shop.example');
	});

	test('a key lower-cased on the way in meets the same key given in lower case (short and long keys)', () => {
		const t = new ByteKeyTable(4);
		const keys = ['A@B', 'AB@C.IO', 'Ann@Shop.Example', 'X'];
		keys.forEach((k, i) => expect(intern(t, k, true)).toBe(i));
		keys.forEach((k, i) => {
			expect(intern(t, k.toLowerCase(), false)).toBe(i);
			expect(t.internString(k.toLowerCase())).toBe(i);
			expect(t.added).toBe(false);
		});
		expect(t.size).toBe(keys.length);
	});

	test('growing past its capacity keeps every number (100k short and long keys)', () => {
		const t = new ByteKeyTable(16);
		const n = 100000;
		for (let i = 0; i < n; i++) expect(intern(t, i % 2 ? `C${i}` : `order-number-${i}`)).toBe(i);
		for (let i = n - 1; i >= 0; i -= 7) {
			expect(intern(t, i % 2 ? `C${i}` : `order-number-${i}`)).toBe(i);
			expect(t.key(i)).toBe(i % 2 ? `C${i}` : `order-number-${i}`);
		}
		expect(t.size).toBe(n);
		expect(t.internString('C99999')).toBe(99999);
	});
});
