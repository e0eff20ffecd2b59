import { parseDate } from '../../nodes/core/dates';
import { parseAmount } from '../../nodes/core/fields';
import { binOf, quantileEdges } from '../../nodes/core/stats';
import { extractCustomerColumns, extractCustomers, extractOrders, scoreRfm, RfmInputError, type ScoreOptions } from '../../nodes/core/rfm/rfm';
import { RF_MAP, RFM_PACKAGE_MAP, compileMap, reachableSegments, toFiveScale } from '../../nodes/core/rfm/segmentMaps';

const base: ScoreOptions = {
	bins: 5,
	scoring: 'quantiles',
	reference: { kind: 'dayAfterLatest' },
	nonPositiveMonetary: 'keepAsLowest',
	map: RF_MAP,
};
const score = (records: Record<string, unknown>[], opts: Partial<ScoreOptions> = {}, skipInvalid = false) =>
	scoreRfm(extractOrders(records, {}, { skipInvalid }), { ...base, ...opts });
const byId = (r: ReturnType<typeof score>) => Object.fromEntries(r.customers.map((c) => [c.customerId, c]));

describe('dates', () => {
	it.each([
		['2024-03-05', Date.UTC(2024, 2, 5)],
		['2024-03-05T10:30:00Z', Date.UTC(2024, 2, 5, 10, 30)],
		['2024-03-05T10:30:00', Date.UTC(2024, 2, 5, 10, 30)],
		['2024-03-05 12:30:00+02:00', Date.UTC(2024, 2, 5, 10, 30)],
		['2024-03-05T10:30:00.250-0500', Date.UTC(2024, 2, 5, 15, 30, 0, 250)],
		[19970101, Date.UTC(1997, 0, 1)],
		['19970101', Date.UTC(1997, 0, 1)],
		[1700000000, 1700000000000],
		['1700000000', 1700000000000],
		[1700000000123, 1700000000123],
	])('parses %p', (input, expected) => expect(parseDate(input)).toBe(expected));
	it.each(['', '  ', 'yesterday', '2024-02-30', '2024-13-01', '05/03/2024', null, undefined, NaN, -5, {}, true])(
		'rejects %p',
		(input) => expect(parseDate(input)).toBeNull(),
	);
});

describe('amounts', () => {
	it.each([
		['29.35', 29.35],
		[' 1,299.00 ', 1299],
		['$12.50', 12.5],
		['12,50', 12.5],
		['-5', -5],
		[42, 42],
	])('parses %p', (input, expected) => expect(parseAmount(input)).toBe(expected));
	it.each(['', 'abc', '1.2.3', null, undefined, {}])('rejects %p', (input) => expect(parseAmount(input)).toBeNaN());
	it('keeps NaN numbers as NaN', () => expect(parseAmount(NaN)).toBeNaN());
});

describe('quantile bins', () => {
	it('matches numpy linear quantiles', () => {
		// np.quantile([1..10], [.2,.4,.6,.8]) = [2.8, 4.6, 6.4, 8.2]
		expect(quantileEdges([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 5).map((x) => Math.round(x * 1e9) / 1e9)).toEqual([2.8, 4.6, 6.4, 8.2]);
	});
	it('gives equal values equal bins and skips bins inside ties', () => {
		const edges = quantileEdges([1, 1, 1, 1, 1, 1, 2, 2, 3, 7], 5); // [1, 1, 1.4, 2.2]
		expect(edges.map((x) => Math.round(x * 10) / 10)).toEqual([1, 1, 1.4, 2.2]);
		expect([1, 2, 3, 7].map((v) => binOf(v, edges))).toEqual([1, 4, 5, 5]);
	});
});

describe('orders → RFM', () => {
	const day = (d: number) => new Date(Date.UTC(2024, 0, d)).toISOString();
	const orders = [
		{ customer_id: 'A', order_id: 'A1', created_at: day(1), total: 100 },
		{ customer_id: 'A', order_id: 'A2', created_at: day(20), total: '50.00' },
		{ customer_id: 'A', order_id: 'A2', created_at: day(20), total: 25 }, // second line of A2
		{ customer_id: 'A', order_id: 'A2', created_at: day(21), total: -30 }, // partial refund
		{ customer_id: 'B', order_id: 'B1', created_at: day(10), total: 40 },
		{ customer_id: 'B', order_id: 'B2', created_at: day(30), total: 60, status: 'cancelled' },
		{ customer_id: 'C', order_id: 'C1', created_at: day(30), total: 10 },
		{ customer_id: 'C', order_id: 'C2', created_at: day(29), total: 500, status: 'Refunded' },
		{ customer_id: 'D', order_id: 'D1', created_at: day(5), total: 20 },
		{ customer_id: 'D', order_id: 'D1r', created_at: day(6), total: -20, status: 'refunded' },
	];
	const r = score(orders);
	const c = byId(r);

	it('aggregates distinct orders, nets refunds, drops cancelled and fully refunded orders', () => {
		expect(new Date(r.referenceTime).toISOString()).toBe(day(31));
		expect(c.A).toMatchObject({ frequency: 2, monetary: 145, recencyDays: 11, averageOrderValue: 72.5 });
		expect(r.itemIndexes(r.customers.indexOf(c.A))).toEqual([0, 1, 2, 3]);
		expect(c.B).toMatchObject({ frequency: 1, monetary: 40, recencyDays: 21 });
		expect(c.C).toMatchObject({ frequency: 1, monetary: 10, recencyDays: 1 });
		expect(c.D).toMatchObject({ frequency: 1, monetary: 0, recencyDays: 26, m: 1 });
		expect(r.skipped).toEqual({ excludedStatus: 1, refundedOrder: 1 });
	});

	it('scores on quantiles with recency reversed', () => {
		// recency [11, 21, 1, 26] -> sorted [1, 11, 21, 26], h = 3p -> edges [7, 13, 19, 23]; frequency [2,1,1,1] -> [1,1,1,1.4]
		expect(r.edges.recency).toEqual([7, 13, 19, 23]);
		expect(r.edges.frequency).toEqual([1, 1, 1, 1.4]);
		// monetary edges over positive customers only: [10, 40, 145], h = 2p -> [22, 34, 61, 103]
		expect(r.edges.monetary).toEqual([22, 34, 61, 103]);
		expect([c.A.r, c.B.r, c.C.r, c.D.r]).toEqual([4, 2, 5, 1]);
		expect([c.A.f, c.B.f, c.C.f, c.D.f]).toEqual([5, 1, 1, 1]);
		expect([c.A.m, c.B.m, c.C.m, c.D.m]).toEqual([5, 3, 1, 1]);
		expect(c.A).toMatchObject({ cell: '455', score: 14, segment: 'Loyal Customers' });
		expect(c.C.segment).toBe('New Customers');
		expect(c.D.segment).toBe('Hibernating');
		expect(c.B.segment).toBe('Hibernating');
	});

	it('drops and counts customers whose net spend is not positive when asked', () => {
		const d = score(orders, { nonPositiveMonetary: 'drop' });
		expect(d.customers.map((x) => x.customerId)).toEqual(['A', 'B', 'C']);
		expect(d.skipped.nonPositiveMonetary).toBe(1);
	});

	it('applies a window and a fixed reference date', () => {
		const w = score(orders, { reference: { kind: 'fixed', time: Date.UTC(2024, 0, 25) }, windowDays: 10 });
		// orders after Jan 25 are left out, and those before Jan 15
		expect(w.customers.map((x) => x.customerId)).toEqual(['A']);
		expect(byId(w).A).toMatchObject({ frequency: 1, monetary: 45, recencyDays: 5 });
		expect(w.skipped).toMatchObject({ afterReferenceDate: 1, outsideWindow: 4 });
	});

	it('gives the summary per segment in map order with shares', () => {
		const hib = r.segments.find((s) => s.segment === 'Hibernating');
		expect(hib).toMatchObject({ customers: 2, share: 0.5, revenue: 40, revenueShare: 0.205128 });
		expect(r.segments.map((s) => s.segment)).toEqual(reachableSegments(RF_MAP, 5));
		expect(r.segments.reduce((a, s) => a + s.customers, 0)).toBe(4);
	});
});

describe('ties, tiny and degenerate inputs', () => {
	it('one customer', () => {
		const r = score([{ customerId: 7, date: 20240101, amount: 10 }]);
		expect(r.customers).toHaveLength(1);
		expect(r.customers[0]).toMatchObject({ customerId: '7', recencyDays: 1, frequency: 1, r: 5, f: 1, m: 1, segment: 'New Customers' });
	});
	it('all-equal values get one score per dimension', () => {
		const recs = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ customerId: id, date: '2024-05-01', amount: 9.99 }));
		const r = score(recs);
		expect(new Set(r.customers.map((c) => c.cell))).toEqual(new Set(['511']));
		expect(r.distribution).toEqual({ r: [0, 0, 0, 0, 6], f: [6, 0, 0, 0, 0], m: [6, 0, 0, 0, 0] });
	});
	it('zero items gives zero customers', () => {
		const r = score([]);
		expect(r.customers).toEqual([]);
		expect(r.segments.every((s) => s.customers === 0)).toBe(true);
	});
	it('does not depend on row order for scores', () => {
		const recs = Array.from({ length: 200 }, (_, i) => ({ customerId: 'c' + (i % 37), date: 20240101 + (i % 28), amount: (i * 7) % 50 }));
		const a = score(recs);
		const b = score([...recs].reverse());
		const key = (x: typeof a) => x.customers.map((c) => `${c.customerId}:${c.cell}:${c.segment}`).sort();
		expect(key(b)).toEqual(key(a));
	});
});

describe('bad input', () => {
	const recs = [
		{ customer_id: 'A', date: '2024-01-01', amount: 10 },
		{ customer_id: '', date: '2024-01-02', amount: 10 },
		{ customer_id: 'B', date: 'not a date', amount: 10 },
		{ customer_id: 'C', date: '2024-01-03', amount: 'NaN' },
		{ customer_id: 'D', date: '2024-01-03', amount: NaN },
		{ date: '2024-01-03', amount: 5 },
	];
	it('reports each invalid row with item index and field', () => {
		const rows = extractOrders(recs, {}, { skipInvalid: false });
		expect(rows.invalid.map((x) => [x.itemIndex, x.field, x.reason])).toEqual([
			[1, 'customer_id', 'missingCustomerId'],
			[2, 'date', 'invalidDate'],
			[3, 'amount', 'invalidAmount'],
			[4, 'amount', 'invalidAmount'],
			[5, 'customer_id', 'missingCustomerId'],
		]);
		expect(rows.invalid[1].message).toBe('Item 2: order date field "date" is "not a date", not a date (ISO 8601, YYYYMMDD or epoch; for other layouts set Options > Date Format)');
		expect(rows.invalid[0].message).toBe('Item 1: customer ID field "customer_id" is empty');
	});
	it('skips and counts them by reason when asked', () => {
		const rows = extractOrders(recs, {}, { skipInvalid: true });
		expect(rows.invalid).toEqual([]);
		expect(rows.skipped).toEqual({ missingCustomerId: 2, invalidDate: 1, invalidAmount: 2 });
		expect(scoreRfm(rows, base).customers.map((c) => c.customerId)).toEqual(['A']);
	});
	it('names the currencies when they are mixed, and keeps one on request', () => {
		const mixed = [
			{ customer_id: 'A', date: '2024-01-01', amount: 10, currency: 'usd' },
			{ customer_id: 'B', date: '2024-01-01', amount: 10, currency: 'EUR' },
			{ customer_id: 'C', date: '2024-01-01', amount: 10, currency: 'USD' },
		];
		expect(() => score(mixed)).toThrow(new RfmInputError('The orders are in 2 currencies: USD (2), EUR (1)'));
		const kept = score(mixed, { keepCurrency: 'usd' });
		expect(kept.customers.map((c) => c.customerId)).toEqual(['A', 'C']);
		expect(kept.skipped.otherCurrency).toBe(1);
		expect(kept.currency).toBe('USD');
	});
	it('says which fields it could not find', () => {
		expect(() => extractOrders([{ foo: 1 }], {}, { skipInvalid: false })).toThrow(
			'Could not find the customer ID, order date, amount field in the input',
		);
	});
	it('uses mapped nested fields', () => {
		const rows = extractOrders([{ c: { id: 9 }, when: { at: '2024-01-01' }, money: { v: '5.5' } }], { customerId: 'c.id', date: 'when.at', amount: 'money.v' }, { skipInvalid: false });
		expect(scoreRfm(rows, base).customers[0]).toMatchObject({ customerId: '9', monetary: 5.5 });
	});
});

describe('customers mode', () => {
	const customers = [
		{ id: 1, email: 'a@x.io', lastOrderDate: '2024-06-01', ordersCount: '4', totalSpent: '400.00' },
		{ id: 2, email: 'b@x.io', lastOrderDate: '2024-01-01', ordersCount: 1, totalSpent: 20 },
		{ id: 3, email: 'c@x.io', lastOrderDate: null, ordersCount: 0, totalSpent: 0 },
	];
	it('scores customers that carry their aggregates and sets aside those without orders', () => {
		const rows = extractCustomers(customers, {}, { skipInvalid: false });
		expect(rows.fields).toMatchObject({ customerId: 'id', lastOrderDate: 'lastOrderDate', ordersCount: 'ordersCount', totalSpent: 'totalSpent' });
		expect(rows.withoutOrders).toEqual([2]);
		const r = scoreRfm(rows, base);
		expect(r.customers.map((c) => [c.customerId, c.recencyDays, c.frequency, c.monetary])).toEqual([
			['1', 1, 4, 400],
			['2', 153, 1, 20],
		]);
	});
	it('rejects duplicate customers', () => {
		expect(() => extractCustomers([customers[0], customers[0]], {}, { skipInvalid: false })).toThrow(
			'Item 1: customer ID "1" appears twice (also item 0)',
		);
	});
	it('customers as columns: a repeated id is refused unless the columns vouch for distinct ids (aggregated from orders)', () => {
		const cols = (uniqueIds?: boolean) => ({
			count: 3,
			customerId: ['a', 'b', 'a'],
			lastOrderTime: [Date.UTC(2024, 5, 1), Date.UTC(2024, 0, 1), Date.UTC(2024, 2, 1)],
			ordersCount: [4, 1, 2],
			totalSpent: [400, 20, 50],
			names: { customerId: 'customerId', lastOrderDate: 'lastOrderDate', ordersCount: 'ordersCount', totalSpent: 'totalSpent' },
			uniqueIds,
		});
		expect(() => extractCustomerColumns(cols(), { skipInvalid: false })).toThrow('Item 2: customer ID "a" appears twice (also item 0)');
		expect(() => extractCustomerColumns(cols(false), { skipInvalid: true })).toThrow('Item 2: customer ID "a" appears twice (also item 0)');
		// the items path still checks every id
		const items = cols().customerId.map((id, i) => ({ id, lastOrderDate: '2024-06-01', ordersCount: i + 1, totalSpent: 10 }));
		expect(() => extractCustomers(items, {}, { skipInvalid: false })).toThrow('Item 2: customer ID "a" appears twice (also item 0)');
		// vouched for: no check (Fetch Customers' aggregation gives one row per id), rows read as they are
		const rows = extractCustomerColumns({ ...cols(true), customerId: ['a', 'b', ' c '] }, { skipInvalid: false });
		expect(rows.customerIds).toEqual(['a', 'b', 'c']);
		expect(Array.from(rows.orderKey.subarray(0, rows.length))).toEqual([4, 1, 2]);
	});
	it('rejects a fractional or negative order count', () => {
		const rows = extractCustomers([{ ...customers[0], ordersCount: -1 }], {}, { skipInvalid: false });
		expect(rows.invalid[0]).toMatchObject({ itemIndex: 0, field: 'ordersCount', reason: 'invalidOrderCount' });
	});
});

describe('segment maps', () => {
	it('R+F map covers all 25 cells with the documented segments', () => {
		const seg = compileMap(RF_MAP, 5);
		const grid = [1, 2, 3, 4, 5].map((r) => [1, 2, 3, 4, 5].map((f) => seg(r, f, 3)));
		expect(grid).toEqual([
			['Hibernating', 'Hibernating', 'At Risk', 'At Risk', "Can't Lose Them"],
			['Hibernating', 'Hibernating', 'At Risk', 'At Risk', "Can't Lose Them"],
			['About To Sleep', 'About To Sleep', 'Need Attention', 'Loyal Customers', 'Loyal Customers'],
			['Promising', 'Potential Loyalists', 'Potential Loyalists', 'Loyal Customers', 'Loyal Customers'],
			['New Customers', 'Potential Loyalists', 'Potential Loyalists', 'Champions', 'Champions'],
		]);
		expect(seg(5, 5, 1)).toBe('Champions'); // M ignored
	});
	it('rfm-package map: first match wins, unmatched -> Others', () => {
		const seg = compileMap(RFM_PACKAGE_MAP, 5);
		expect(seg(5, 5, 5)).toBe('Champions');
		expect(seg(5, 1, 1)).toBe('Potential Loyalist'); // New Customers is shadowed, as in the R package
		expect(seg(2, 3, 3)).toBe('Loyal Customers');
		expect(seg(1, 5, 5)).toBe('At Risk');
		expect(seg(1, 1, 1)).toBe('Lost');
		expect(seg(5, 5, 1)).toBe('Others');
		expect(reachableSegments(RFM_PACKAGE_MAP, 5)).not.toContain('New Customers');
	});
	it('3 and 4 scores read positions 1,3,5 and 1,2,4,5', () => {
		expect([1, 2, 3].map((s) => toFiveScale(s, 3))).toEqual([1, 3, 5]);
		expect([1, 2, 3, 4].map((s) => toFiveScale(s, 4))).toEqual([1, 2, 4, 5]);
		const seg3 = compileMap(RF_MAP, 3);
		expect([seg3(3, 3, 1), seg3(3, 1, 1), seg3(2, 2, 1), seg3(1, 3, 1)]).toEqual(['Champions', 'New Customers', 'Need Attention', "Can't Lose Them"]);
		expect(reachableSegments(RF_MAP, 3)).toEqual(['Hibernating', 'At Risk', "Can't Lose Them", 'About To Sleep', 'Need Attention', 'Loyal Customers', 'New Customers', 'Potential Loyalists', 'Champions']);
	});
	it('custom map on the node scale with a fallback', () => {
		const map = { id: 'custom', fiveScale: false, fallback: 'Rest', rules: [{ name: 'VIP', r: [3, 3] as [number, number], f: [3, 3] as [number, number], m: [1, 3] as [number, number] }] };
		const recs = [
			{ customer_id: 'a', date: 20240101, amount: 1 },
			{ customer_id: 'b', date: 20240102, amount: 2 },
			{ customer_id: 'b', date: 20240103, amount: 2 },
			{ customer_id: 'c', date: 20240103, amount: 3 },
			{ customer_id: 'c', date: 20240103, amount: 3 },
			{ customer_id: 'c', date: 20240104, amount: 3 },
		];
		const r = score(recs, { bins: 3, map });
		expect(r.customers.map((c) => [c.customerId, c.cell, c.segment])).toEqual([
			['a', '111', 'Rest'],
			['b', '222', 'Rest'],
			['c', '333', 'VIP'],
		]);
	});
	it('custom thresholds per dimension, validated', () => {
		const recs = [
			{ customer_id: 'a', date: '2024-01-01', amount: 40 },
			{ customer_id: 'b', date: '2024-03-01', amount: 600 },
		];
		const r = score(recs, {
			scoring: 'thresholds',
			reference: { kind: 'fixed', time: Date.UTC(2024, 3, 1) },
			thresholds: { recency: [30, 90, 180, 365], frequency: [1, 2, 3, 5], monetary: [50, 100, 250, 500] },
		});
		expect(byId(r).a).toMatchObject({ recencyDays: 91, r: 3, f: 1, m: 1 });
		expect(byId(r).b).toMatchObject({ recencyDays: 31, r: 4, f: 1, m: 5 });
		expect(() => score(recs, { scoring: 'thresholds', thresholds: { recency: [1, 2], frequency: [1, 2, 3, 4], monetary: [1, 2, 3, 4] } })).toThrow(
			'Custom thresholds for recency need 4 numbers for 5 scores (got 2)',
		);
		expect(() => score(recs, { scoring: 'thresholds', thresholds: { recency: [1, 2, 2, 4], frequency: [1, 2, 3, 4], monetary: [1, 2, 3, 4] } })).toThrow(
			'Custom thresholds for recency must increase: 1, 2, 2, 4',
		);
	});
});
