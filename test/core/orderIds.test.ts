import { CustomerIdTable, OrderIdTable } from '../../nodes/core/sources/orderIds';

const intern = (t: OrderIdTable, s: string) => {
	const b = Buffer.from(`,,${s},`, 'utf8');
	return t.intern(b, 2, b.length - 1);
};

/** Ids numbered by first appearance with a Map: what the table must give for every id. */
function expected(ids: string[]): number[] {
	const m = new Map<string, number>();
	return ids.map((id) => {
		if (!m.has(id)) m.set(id, m.size);
		return m.get(id) as number;
	});
}

function check(ids: string[], capacity = 4): OrderIdTable {
	const t = new OrderIdTable(capacity);
	const want = expected(ids);
	const seen = new Set<string>();
	const got = ids.map((id) => [intern(t, id), t.added]);
	const wanted = ids.map((id, i) => {
		const added = !seen.has(id);
		seen.add(id);
		return [want[i], added];
	});
	expect(got).toEqual(wanted);
	expect(t.size).toBe(seen.size);
	const first = new Map<string, number>();
	ids.forEach((id, i) => first.set(id, first.get(id) ?? want[i]));
	expect([...first].map(([id, o]) => [id, t.key(o)])).toEqual([...first].map(([id]) => [id, id]));
	return t;
}

describe('OrderIdTable: distinct order ids, exactly, numbered by first appearance', () => {
	test('rising, falling and repeated numbers of one prefix; repeats found again inside the range', () => {
		check(['#1001', '#1001', '#1002', '#1005', '#1003', '#1002', '#999', '#998', '#1000', '#999', '#1004', '#1006', '#1003', '#1000', '#1006']);
	});

	test('ids that only look alike stay apart: leading zeros, other prefixes, no number, long numbers', () => {
		check(['O7', 'O07', 'O007', 'O7', 'o7', 'O-7', '7', 'O', '', 'O7x', 'O1234567890123456', 'O1234567890123457', 'O123456789012345', 'O123456789012345', 'O07', 'O0', 'O00', 'O0']);
	});

	test('the first id that ends in a number fixes the prefix; others go to the table and are found there', () => {
		const t = check(['ch_abc', 'ch_1', 'ch_3', 'x1', 'x2', 'ch_2', 'x1', 'ch_2', 'ch_abc', '\u0000row-5', 'ch_3']);
		expect(t.key(0)).toBe('ch_abc');
	});

	test('non-ASCII prefixes and ids come back as the same text', () => {
		check(['Bestellung-ä12', 'Bestellung-ä13', 'Bestellung-ä12', 'ä', 'Bestellung-ä012', 'Bestellung-é12']);
	});

	test('a shuffled mix of shapes (seeded): the same numbering as a Map, across growth', () => {
		let seed = 7;
		const rnd = () => {
			seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
			return seed / 2 ** 32;
		};
		const ids: string[] = [];
		let up = 5000;
		let down = 4999;
		for (let i = 0; i < 20000; i++) {
			const r = rnd();
			if (r < 0.4) ids.push(`O${up++}`);
			else if (r < 0.5) ids.push(`O${down--}`);
			else if (r < 0.7) ids.push(`O${Math.floor(rnd() * 12000)}`);
			else if (r < 0.8) ids.push(`O0${Math.floor(rnd() * 100)}`);
			else if (r < 0.9) ids.push(`P${Math.floor(rnd() * 3000)}`);
			else ids.push(ids[Math.floor(rnd() * ids.length)] ?? 'O1');
		}
		check(ids, 16);
	});
});

describe('CustomerIdTable: distinct customer ids, small numbers looked up directly', () => {
	/** Interned the way the CSV reader does it: an id holding an @ is an email, lower-cased. */
	const customer = (t: CustomerIdTable, id: string) => {
		const b = Buffer.from(`;${id};`, 'utf8');
		return t.intern(b, 1, b.length - 1, id.includes('@'));
	};

	test('numbered, other-shaped and email ids: numbered by first appearance like a Map, keys back as text', () => {
		const ids = ['C5', 'C5', 'c5', 'C05', 'C0', 'C', 'Ann@Shop.Example', 'ann@shop.example', 'C4194304', 'C4194303', '5', 'C@1', 'c@1', 'C5', 'C-5', 'C4194304', 'Cé9', 'C0'];
		const t = new CustomerIdTable(4);
		const want = expected(ids.map((id) => (id.includes('@') ? id.toLowerCase() : id)));
		expect(ids.map((id) => customer(t, id))).toEqual(want);
		expect(t.size).toBe(new Set(want).size);
		expect([0, 1, 2, 3, 4, 5, 6, 7].map((c) => t.key(c))).toEqual(['C5', 'c5', 'C05', 'C0', 'C', 'ann@shop.example', 'C4194304', 'C4194303']);
		expect(t.key(want[ids.indexOf('c@1')])).toBe('c@1');
	});

	test('an email first does not fix the prefix of numbered ids; a seeded mix matches a Map', () => {
		let seed = 11;
		const rnd = () => {
			seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
			return seed / 2 ** 32;
		};
		const ids = ['x1@shop.example'];
		for (let i = 0; i < 5000; i++) {
			const r = rnd();
			ids.push(r < 0.6 ? `x${Math.floor(rnd() * 3000)}` : r < 0.8 ? `X${Math.floor(rnd() * 9) * 1e7}@Shop.example` : `x${Math.floor(rnd() * 9) * 1e6 + 4194300}`);
		}
		const t = new CustomerIdTable(16);
		const want = expected(ids.map((id) => (id.includes('@') ? id.toLowerCase() : id)));
		expect(ids.map((id) => customer(t, id))).toEqual(want);
		const keys = Array.from({ length: t.size }, (_, c) => t.key(c));
		expect(new Set(keys).size).toBe(t.size);
		ids.forEach((id, i) => {
			if (keys[want[i]] !== (id.includes('@') ? id.toLowerCase() : id)) throw new Error(`key of ${id}`);
		});
	});
});
