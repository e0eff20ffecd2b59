/**
 * The fast paths of the RFM core (hot loop readers, order-id hashes, selection-based quantiles,
 * fast ISO dates, currency codes, columnar results) give the same answers as the plain rules.
 */
import { parseDate, toIsoDate } from '../../nodes/core/dates';
import { quantileEdges, quantileSorted } from '../../nodes/core/stats';
import { extractCustomers, extractOrders, scoreRfm, type ScoreOptions } from '../../nodes/core/rfm/rfm';
import { RF_MAP } from '../../nodes/core/rfm/segmentMaps';

const base: ScoreOptions = {
	bins: 5,
	scoring: 'quantiles',
	reference: { kind: 'dayAfterLatest' },
	nonPositiveMonetary: 'keepAsLowest',
	map: RF_MAP,
};
const score = (records: Record<string, unknown>[], opts: Partial<ScoreOptions> = {}) =>
	scoreRfm(extractOrders(records, {}, { skipInvalid: false }), { ...base, ...opts });

/** Deterministic pseudo-random numbers in [0, 1). */
function rng(seed: number) {
	let s = seed >>> 0;
	return () => {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		return s / 4294967296;
	};
}

/** The FNV-1a hash the core uses for order ids (kept in step with rfm.ts). */
function fnv31(s: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
	return h >>> 1;
}

/** Two different order ids with the same 31-bit hash (birthday search over short ids). */
function collidingIds(): [string, string] {
	const seen = new Map<number, string>();
	for (let i = 0; ; i++) {
		const id = `ord-${i.toString(36)}`;
		const h = fnv31(id);
		const other = seen.get(h);
		if (other !== undefined) return [other, id];
		seen.set(h, id);
	}
}

describe('distinct orders', () => {
	const day = (d: number) => `2024-01-${String(d).padStart(2, '0')}`;

	it('counts line items of one order once in short and long histories, in any row order', () => {
		const r = rng(1);
		for (const orders of [3, 12, 40, 200]) {
			const rows: Record<string, unknown>[] = [];
			for (let o = 0; o < orders; o++) {
				const lines = 1 + Math.floor(r() * 4);
				for (let l = 0; l < lines; l++) rows.push({ customer_id: 'A', order_id: `O${o}`, created_at: day(1 + (o % 28)), total: 10 });
			}
			// refund lines on existing orders and orders without an id
			rows.push({ customer_id: 'A', order_id: 'O0', created_at: day(2), total: -5 });
			rows.push({ customer_id: 'A', created_at: day(3), total: 7 }, { customer_id: 'A', created_at: day(3), total: 7 });
			for (let i = rows.length - 1; i > 0; i--) {
				const j = Math.floor(r() * (i + 1));
				[rows[i], rows[j]] = [rows[j], rows[i]];
			}
			const res = score(rows);
			expect(res.count).toBe(1);
			expect(res.customers[0].frequency).toBe(orders + 2);
			expect(res.itemIndexes(0)).toEqual(rows.map((_, i) => i));
		}
	});

	it('tells apart different order ids whose hashes collide', () => {
		const [a, b] = collidingIds();
		expect(a).not.toBe(b);
		expect(fnv31(a)).toBe(fnv31(b));
		// short history: two orders, plus a line item repeating one of them
		const short = score([
			{ customer_id: 'A', order_id: a, created_at: '2024-01-01', total: 10 },
			{ customer_id: 'A', order_id: b, created_at: '2024-01-02', total: 10 },
			{ customer_id: 'A', order_id: a, created_at: '2024-01-01', total: 3 },
		]);
		expect(short.customers[0].frequency).toBe(2);
		// long history (> 32 rows): the colliding pair among 40 other orders, each with two lines
		const rows: Record<string, unknown>[] = [];
		for (const id of [a, b, ...Array.from({ length: 40 }, (_, i) => `X${i}`)])
			for (let l = 0; l < 2; l++) rows.push({ customer_id: 'B', order_id: id, created_at: '2024-02-01', total: 5 });
		expect(score(rows).customers[0].frequency).toBe(42);
	});
});

describe('quantile edges by selection and counting', () => {
	it('equal the sorted-array quantiles for integers, fractions, negatives, ties and tiny inputs', () => {
		const r = rng(7);
		for (const n of [1, 2, 3, 5, 9, 650, 5000])
			for (const shape of [1, 4, 12])
				for (const kind of ['int', 'float', 'negative', 'wide'])
					for (const bins of [3, 4, 5]) {
						const values = Float64Array.from({ length: n }, () => {
							const x = Math.pow(r(), shape) * 545;
							return kind === 'int' ? Math.floor(x) : kind === 'float' ? x : kind === 'negative' ? Math.floor(x) - 100 : Math.floor(x * 1e5);
						});
						const sorted = Float64Array.from(values).sort();
						const expected = Array.from({ length: bins - 1 }, (_, i) => quantileSorted(sorted, (i + 1) / bins));
						const before = Array.from(values);
						expect(quantileEdges(values, bins)).toEqual(expected);
						expect(Array.from(values)).toEqual(before); // not reordered unless in place
						expect(quantileEdges(Float64Array.from(values), bins, true)).toEqual(expected);
					}
	});
});

describe('fast ISO dates', () => {
	const pad = (x: number, l: number) => String(x).padStart(l, '0');
	const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

	it('agree with the calendar for every shape, including impossible days and times', () => {
		const r = rng(3);
		for (let i = 0; i < 30000; i++) {
			const y = 1890 + Math.floor(r() * 330);
			const m = Math.floor(r() * 14);
			const d = Math.floor(r() * 33);
			const h = Math.floor(r() * 26);
			const mi = Math.floor(r() * 62);
			const s = Math.floor(r() * 60);
			const ms = Math.floor(r() * 1000);
			const date = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
			const str = [date, `${date}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}Z`, `${date}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}Z`][i % 3];
			const valid = m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m) && (i % 3 === 0 || (h <= 23 && mi <= 59));
			const expected = valid ? Date.parse(str) : null;
			expect([str, parseDate(str)]).toEqual([str, expected]);
		}
	});
});

describe('ids, currencies and columns', () => {
	it('trims ids with spaces or non-ASCII padding and keeps plain ones as they are', () => {
		const res = score([
			{ customer_id: ' A ', created_at: '2024-01-01', total: 5 },
			{ customer_id: 'A', created_at: '2024-01-02', total: 5 },
			{ customer_id: '\u00a0A', created_at: '2024-01-03', total: 5 },
			{ customer_id: 42, created_at: '2024-01-03', total: 5 },
			{ customer_id: '42', created_at: '2024-01-04', total: 5 },
		]);
		expect(res.customers.map((c) => [c.customerId, c.frequency])).toEqual([
			['A', 3],
			['42', 2],
		]);
	});

	it('keeps ids that are special property names or numeric spellings apart', () => {
		const ids = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '0', '00', '1e3', '1000', '4294967295', '-1', 'length'];
		const res = score(ids.flatMap((id, i) => [{ customer_id: id, created_at: `2024-01-0${1 + (i % 9)}`, total: 10 + i }, { customer_id: id, created_at: '2024-02-01', total: 1 }]));
		expect(res.customers.map((c) => [c.customerId, c.frequency, c.monetary])).toEqual(ids.map((id, i) => [id, 2, 11 + i]));
	});

	it('read the same rows from plain fields (hot loop) as from dotted paths (general readers), on awkward inputs', () => {
		const ids: unknown[] = ['C1', ' C1 ', 'C1\u00a0', '__proto__', 'constructor', 'toString', 'ü', '€uro', '😀', 'customer-15wzx', 'customer-1c6cd', 7, '7', 7.5, '', '  ', null, undefined, NaN, {}, 'a\u0000'];
		const dates: unknown[] = ['2024-03-05', '2024-03-05T10:00:00Z', '2024-03-05T10:00:00.250Z', '2024-03-05T10:00:00+02:00', '2024-03-05 23:30:00-05:30', '2024-02-30', '2024-03-05T25:00:00Z', 'yesterday', 20240305, '20240305', 1709596800, 1709596800000, '', null, NaN];
		const amounts: unknown[] = [12.5, '12.50', '(12.50)', '12.50-', '-$3.00', '$1,299.00', '12,50 EUR', 'abc', NaN, Infinity, -0, 0, '', null, 1e16];
		const statuses: unknown[] = ['paid', ' Cancelled ', 'REFUNDED', 'refunded', undefined, 'voided', 3];
		const r = rng(11);
		const pick = (a: unknown[]) => a[Math.floor(r() * a.length)];
		const flat: Record<string, unknown>[] = [];
		for (let i = 0; i < 4000; i++) {
			const rec: Record<string, unknown> = { customer_id: pick(ids), order_id: r() < 0.2 ? undefined : `O${Math.floor(r() * 900)}`, created_at: pick(dates), total: pick(amounts) };
			if (r() < 0.8) rec.status = pick(statuses);
			flat.push(rec);
		}
		const nested = flat.map((rec) => ({ o: { ...rec } }));
		const fields = ['customer_id', 'order_id', 'created_at', 'total', 'status'];
		const flatMapping = { customerId: fields[0], orderId: fields[1], date: fields[2], amount: fields[3], status: fields[4] };
		const nestedMapping = { customerId: 'o.customer_id', orderId: 'o.order_id', date: 'o.created_at', amount: 'o.total', status: 'o.status' };
		for (const skipInvalid of [false, true]) {
			const a = extractOrders(flat, flatMapping, { skipInvalid });
			const b = extractOrders(nested, nestedMapping, { skipInvalid });
			expect(a.length).toBeGreaterThan(500);
			expect(a.length).toBe(b.length);
			expect(a.customerIds).toEqual(b.customerIds);
			for (const col of ['itemIndex', 'customer', 'time', 'amount', 'currencyCode', 'orderHash'] as const)
				expect(Array.from(a[col].subarray(0, a.length))).toEqual(Array.from(b[col].subarray(0, b.length)));
			expect(a.currencies).toEqual(b.currencies);
			expect(a.skipped).toEqual(b.skipped);
			expect(a.invalid.map((x) => [x.itemIndex, x.reason])).toEqual(b.invalid.map((x) => [x.itemIndex, x.reason]));
			// customer indexes follow the ids' first-seen order (a Map over the kept rows' trimmed ids)
			const firstSeen = new Map<string, number>();
			for (let k = 0; k < a.length; k++) {
				const id = a.customerIds[a.customer[k]];
				if (!firstSeen.has(id)) firstSeen.set(id, firstSeen.size);
				expect(firstSeen.get(id)).toBe(a.customer[k]);
				const raw = flat[a.itemIndex[k]].customer_id;
				expect(id).toBe(typeof raw === 'number' ? String(raw) : (raw as string).trim());
			}
			expect(a.customerIds.length).toBe(firstSeen.size);
			expect(a.customerIds).toEqual(expect.arrayContaining(['__proto__', 'constructor', 'toString', 'C1', '7', '7.5', 'customer-15wzx', 'customer-1c6cd']));
		}
	});

	it('normalises currency spellings and keeps rows without a currency when one is kept', () => {
		const rows = [
			{ customer_id: 'A', created_at: '2024-01-01', total: 10, currency: 'usd' },
			{ customer_id: 'A', created_at: '2024-01-02', total: 10, currency: ' USD ' },
			{ customer_id: 'B', created_at: '2024-01-02', total: 10, currency: 'EUR' },
			{ customer_id: 'C', created_at: '2024-01-03', total: 10 },
		];
		expect(() => score(rows)).toThrow('The orders are in 2 currencies: USD (2), EUR (1)');
		const kept = score(rows, { keepCurrency: 'usd' });
		expect(kept.customers.map((c) => [c.customerId, c.frequency, c.currency])).toEqual([
			['A', 2, 'USD'],
			['C', 1, 'USD'],
		]);
		expect(kept.skipped.otherCurrency).toBe(1);
	});

	it('reports per-customer currencies in customers mode and columns equal the objects', () => {
		const rows = extractCustomers(
			[
				{ email: 'a@x', last_order_date: '2024-01-01', orders_count: 2, total_spent: '30', currency: 'eur' },
				{ email: 'b@x', last_order_date: '2024-02-01', orders_count: 1, total_spent: '10' },
			],
			{},
			{ skipInvalid: false },
		);
		const res = scoreRfm(rows, base);
		expect(res.customers.map((c) => c.currency)).toEqual(['EUR', 'EUR']);
		for (let k = 0; k < res.count; k++) {
			const c = res.customer(k);
			expect([res.columns.customerId[k], res.columns.segment[k], res.columns.cell[k], res.columns.monetary[k]]).toEqual([
				c.customerId,
				c.segment,
				c.cell,
				c.monetary,
			]);
		}
	});
});

describe('ISO date output', () => {
	it('formats like Date.prototype.toISOString, including edges and years outside 0..9999', () => {
		const r = rng(11);
		const values = [0, -1, 1, 86399999, 86400000, -62167219200000, -62167219200001, 253402300799999, 253402300800000, 951782400000, 1.5e12 + 0.5];
		for (let i = 0; i < 20000; i++) values.push(Math.floor((r() * 2 - 0.7) * 3e14));
		for (const v of values) expect([v, toIsoDate(v)]).toEqual([v, new Date(v).toISOString()]);
	});
});
