import { CustomerTable, TableError, tableFromRecords } from '../../nodes/core/table/table';
import { customerRecord, customerTable, fetchCsv } from '../../nodes/core/sources/csv';

describe('customer table', () => {
	const t = new CustomerTable(3)
		.set('customerId', { kind: 'text', values: ['a', 'ü€', null] })
		.set('n', { kind: 'number', values: Float64Array.from([1.5, NaN, -2]) })
		.set('when', { kind: 'date', values: Float64Array.from([Date.UTC(2024, 0, 2), NaN, 0]) })
		.set('rfm.segment', { kind: 'label', values: ['Champions', null, 'Champions'] })
		.set('extra', { kind: 'json', values: [{ x: [1] }, undefined, null] })
		.set('consent', { kind: 'const', value: { email: 'unknown' } });
	t.meta = { from: 'test' };

	it('round-trips every kind of column through its file', () => {
		const back = CustomerTable.decode(t.encode());
		expect(back.rows).toBe(3);
		expect(back.names).toEqual(['customerId', 'n', 'when', 'rfm.segment', 'extra', 'consent']);
		expect(back.meta).toEqual({ from: 'test' });
		expect([0, 1, 2].map((k) => back.row(k))).toEqual([
			{ customerId: 'a', n: 1.5, when: '2024-01-02T00:00:00.000Z', rfm: { segment: 'Champions' }, extra: { x: [1] }, consent: { email: 'unknown' } },
			{ customerId: 'ü€', n: null, when: null, rfm: { segment: null }, consent: { email: 'unknown' } },
			{ customerId: null, n: -2, when: '1970-01-01T00:00:00.000Z', rfm: { segment: 'Champions' }, extra: null, consent: { email: 'unknown' } },
		]);
		expect(Array.from(back.numbers('when') as Float64Array)).toEqual([Date.UTC(2024, 0, 2), NaN, 0]);
	});

	it('selects rows in any order, refuses columns of the wrong length and files that are not tables', () => {
		expect([0, 1].map((k) => t.select([2, 0]).row(k).customerId)).toEqual([null, 'a']);
		expect(() => t.set('bad', { kind: 'number', values: new Float64Array(2) })).toThrow(new TableError('Column bad has 2 rows, the table 3'));
		expect(() => CustomerTable.decode(Buffer.from('customer_id,total\n'))).toThrow('This binary file is not a customer table of n8n-nodes-microsegments');
	});

	it('holds the customers of an orders file exactly as the items would be', () => {
		const csv = 'customer_id,order_id,date,total,currency,email\nA,1,2024-01-01,10,USD,A@x.test\nB,2,2024-01-03,5,EUR,\nA,3,2024-02-01,7,EUR,\nC,4,2024-02-02,1,USD,c@x.test\n';
		const res = fetchCsv(csv, { mode: 'customers' });
		const table = CustomerTable.decode(customerTable(res.customers!).encode());
		expect(Array.from({ length: table.rows }, (_, k) => table.row(k))).toEqual(res.records);
		expect(res.records.map((r) => customerRecord(res.customers!, res.records.indexOf(r)))).toEqual(res.records);
	});

	it('marks the customer ids of an orders file as distinct, and drops the mark when rows repeat or the ids are replaced', () => {
		const csv = 'customer_id,order_id,date,total\nA,1,2024-01-01,10\nB,2,2024-01-03,5\nA,3,2024-02-01,7\n';
		const table = CustomerTable.decode(customerTable(fetchCsv(csv, { mode: 'customers' }).customers!).encode());
		expect(table.distinct('customerId')).toBe(true);
		expect(table.distinct('email')).toBe(false);
		expect(table.select([1, 0]).distinct('customerId')).toBe(true);
		expect(table.select([1]).distinct('customerId')).toBe(true);
		expect(table.select([0, 1, 0]).distinct('customerId')).toBe(false);
		expect(CustomerTable.decode(table.select([0, 0]).encode()).distinct('customerId')).toBe(false);
		const replaced = table.select([0, 1]).set('customerId', { kind: 'text', values: ['x', 'x'] });
		expect(replaced.distinct('customerId')).toBe(false);
		expect(t.distinct('customerId')).toBe(false);
	});

	it('builds a table from item objects: nested fields as dotted columns', () => {
		const recs = [
			{ customerId: '1', ordersCount: 2, rfm: { segment: 'A', r: 5 }, tags: ['x'], spentByCurrency: { USD: 1 } },
			{ customerId: '2', ordersCount: null, rfm: { segment: 'B', r: 1 }, tags: [] },
		];
		const table = tableFromRecords(recs);
		expect(table.names).toEqual(['customerId', 'ordersCount', 'rfm.segment', 'rfm.r', 'tags', 'spentByCurrency.USD']);
		expect(CustomerTable.decode(table.encode()).row(0)).toEqual(recs[0]);
		expect(table.row(1)).toEqual(recs[1]);
	});
});

describe('customer table read from a file', () => {
	it('decodes text columns only when read, and writes untouched ones back byte for byte', () => {
		const t = new CustomerTable(3).set('customerId', { kind: 'text', values: ['a', 'ü€', null] }).set('extra', { kind: 'json', values: [{ x: 1 }, undefined, null] });
		const file = t.encode();
		const back = CustomerTable.decode(file);
		expect(back.peekRow(1)).toEqual({ customerId: 'ü€' });
		expect(back.encode().equals(file)).toBe(true);
		expect(back.get('customerId')).toMatchObject({ kind: 'text', values: ['a', 'ü€', null] });
		expect([0, 1, 2].map((k) => back.row(k))).toEqual([{ customerId: 'a', extra: { x: 1 } }, { customerId: 'ü€' }, { customerId: null, extra: null }]);
	});
});
