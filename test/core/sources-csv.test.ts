import { decodeText, detectDelimiter, fetchCsv, parseCsv, readCsv, statusFromText } from '../../nodes/core/sources/csv';
import type { NormalizedCustomer, NormalizedOrder } from '../../nodes/core/sources/types';

describe('CSV reading', () => {
	test('delimiter detection: comma, semicolon, tab, pipe, with quoted delimiters inside fields', () => {
		expect(detectDelimiter('a,b,c\n1,2,3\n')).toBe(',');
		expect(detectDelimiter('a;b;c\n"1,5";2;3\n4,5;6;7\n')).toBe(';');
		expect(detectDelimiter('a\tb\n1\t2\n')).toBe('\t');
		expect(detectDelimiter('a|b|c\n1|2|3')).toBe('|');
		// European export: decimal commas in a semicolon file
		expect(detectDelimiter('id;total\n1;12,50\n2;3,10\n')).toBe(';');
	});

	test('quotes, doubled quotes, embedded line breaks, CRLF, blank lines', () => {
		const rows = parseCsv('a,b\r\n"x, y","say ""hi"""\r\n\r\n"multi\nline",2\r\n', ',');
		expect(rows).toEqual([
			['a', 'b'],
			['x, y', 'say "hi"'],
			['multi\nline', '2'],
		]);
	});

	test('BOMs: UTF-8 and UTF-16 LE/BE', () => {
		expect(decodeText(Buffer.from('\uFEFFid,x\n1,2', 'utf8'))).toBe('id,x\n1,2');
		const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id;é\n', 'utf16le')]);
		expect(decodeText(le)).toBe('id;é\n');
		const be = Buffer.from(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('ab', 'utf16le').swap16()]));
		expect(decodeText(be)).toBe('ab');
		const t = readCsv(Buffer.from('\uFEFFcustomer_id,total\n1,2\n'));
		expect(t.headers).toEqual(['customer_id', 'total']);
	});

	test('duplicate and empty header names get unique names', () => {
		expect(readCsv('a,a,\n1,2,3').headers).toEqual(['a', 'a_2', 'column_3']);
	});

	test('statuses from text', () => {
		expect(statusFromText('')).toBe('paid');
		expect(statusFromText('Completed')).toBe('paid');
		expect(statusFromText('partially_refunded')).toBe('partially_refunded');
		expect(statusFromText('Refunded')).toBe('refunded');
		expect(statusFromText('voided')).toBe('cancelled');
		expect(statusFromText('on-hold')).toBe('pending');
		expect(statusFromText('declined')).toBe('failed');
	});
});

describe('CSV as a source', () => {
	const orders = [
		'customer_id;order_id;date;total;currency;status',
		'C1;O1;2025-01-05;12,50;eur;paid',
		'C1;O2;20250210;30;EUR;paid',
		'C1;O2;20250210;-10;EUR;paid', // partial refund row on O2
		'C2;O3;1736899200;99.99;EUR;cancelled', // epoch seconds
		'C3;O4;1739577600000;5;EUR;', // epoch ms, empty status = paid
		';O5;2025-03-01;5;EUR;paid', // no customer
		'C4;O6;next week;5;EUR;paid', // bad date
		'C5;O7;2025-03-01;abc;EUR;paid', // bad amount
	].join('\n');

	test('orders: formats, refund rows netted, bad rows skipped with their row', () => {
		const res = fetchCsv(Buffer.from(orders), { mode: 'orders' });
		expect(res.delimiter).toBe(';');
		expect(res.contains).toBe('orders');
		const o = res.records as NormalizedOrder[];
		expect(o.map((x) => x.orderId)).toEqual(['O1', 'O2', 'O3', 'O4']);
		expect(o[0]).toEqual({ customerId: 'C1', orderId: 'O1', createdAt: '2025-01-05T00:00:00.000Z', total: 12.5, currency: 'EUR', status: 'paid' });
		expect(o[1]).toMatchObject({ total: 20, status: 'partially_refunded', createdAt: '2025-02-10T00:00:00.000Z' });
		expect(o[2]).toMatchObject({ status: 'cancelled', createdAt: '2025-01-15T00:00:00.000Z' });
		expect(o[3]).toMatchObject({ status: 'paid', createdAt: '2025-02-15T00:00:00.000Z' });
		expect(res.skipped).toEqual([
			{ id: 'order O5 (row 7)', reason: 'empty customer_id' },
			{ id: 'order O6 (row 8)', reason: 'date "next week" is not a date' },
			{ id: 'order O7 (row 9)', reason: 'total "abc" is not a number' },
		]);
		expect(() => fetchCsv(Buffer.from(orders), { mode: 'orders', onInvalid: 'fail' })).toThrow('CSV order O5 (row 7): empty customer_id.');
	});

	test('customers from an orders file, aggregated like RFM Score counts', () => {
		const res = fetchCsv(orders, { mode: 'customers' });
		const c = res.records as NormalizedCustomer[];
		expect(c.map((x) => x.customerId)).toEqual(['C1', 'C2', 'C3']);
		expect(c[0]).toMatchObject({ ordersCount: 2, totalSpent: 32.5, lastOrderDate: '2025-02-10T00:00:00.000Z', firstOrderDate: '2025-01-05T00:00:00.000Z', currency: 'EUR' });
		expect(c[1]).toMatchObject({ ordersCount: 0, totalSpent: 0, lastOrderDate: null });
	});

	test('a Shopify orders export: line items, "Name", Financial Status, Refunded Amount, Cancelled at', () => {
		const csv = [
			'Name,Email,Financial Status,Paid at,Currency,Total,Refunded Amount,Cancelled at,Created at,Lineitem name',
			'#1001,ann@example.com,paid,,USD,50.00,0.00,,2025-04-01 10:00:00 -0500,Mug',
			'#1001,ann@example.com,,,,,,,2025-04-01 10:00:00 -0500,Tea',
			'#1002,ann@example.com,partially_refunded,,USD,80.00,30.00,,2025-05-01 09:00:00 +0200,Pot',
			'#1003,bob@example.com,voided,,USD,20.00,0.00,2025-05-03 10:00:00 -0500,2025-05-02 10:00:00 -0500,Cup',
		].join('\n');
		const res = fetchCsv(csv, { mode: 'orders' });
		expect(res.columns.orderId).toBe('Name');
		expect(res.columns.customerId).toBe('Email');
		const o = res.records as NormalizedOrder[];
		expect(o).toHaveLength(3);
		expect(o[0]).toMatchObject({ orderId: '#1001', customerId: 'ann@example.com', total: 50, createdAt: '2025-04-01T15:00:00.000Z', status: 'paid' });
		expect(o[1]).toMatchObject({ total: 50, status: 'partially_refunded', createdAt: '2025-05-01T07:00:00.000Z' });
		expect(o[2]).toMatchObject({ status: 'cancelled' });
	});

	test('a customers file (Shopify customer export) in customers mode, refused in orders mode', () => {
		const csv = [
			'Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Country Code,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Tags,last_order_date',
			"101,Ann,Lee,ANN@example.com,yes,us,'+15551234567,no,120.50,3,\"vip, newsletter\",2025-06-01",
			'102,Bob,Ray,bob@example.com,no,DE,,no,0.00,0,,',
			'102,Bob,Ray,bob@example.com,no,DE,,no,0.00,0,,',
			'103,Cy,Day,cy@example.com,no,FR,,no,n/a,1,,2025-01-01',
		].join('\n');
		const res = fetchCsv(csv, { mode: 'customers', defaultCurrency: 'usd' });
		expect(res.contains).toBe('customers');
		const c = res.records as NormalizedCustomer[];
		expect(c).toHaveLength(2);
		expect(c[0]).toMatchObject({
			customerId: '101',
			email: 'ann@example.com',
			firstName: 'Ann',
			country: 'US',
			phone: '+15551234567',
			ordersCount: 3,
			totalSpent: 120.5,
			currency: 'USD',
			lastOrderDate: '2025-06-01T00:00:00.000Z',
			consent: { email: 'subscribed', sms: 'not_subscribed' },
			acceptsMarketing: true,
			tags: ['vip', 'newsletter'],
		});
		expect(res.skipped).toEqual([
			{ id: 'row 4', reason: 'duplicate customer id 102' },
			{ id: 'row 5', reason: 'Total Spent is not a number' },
		]);
		expect(() => fetchCsv(csv, { mode: 'orders' })).toThrow(/one row per customer/);
	});

	test('mapped field names, missing columns, empty file, max records, since', () => {
		const csv = 'buyer,when,paid\nA,2025-01-01,10\nB,2025-02-01,20\nA,2025-03-01,5\n';
		expect(() => fetchCsv(csv, { mode: 'orders' })).toThrow(/No customer id column/);
		const res = fetchCsv(csv, { mode: 'orders', fields: { customerId: 'buyer', date: 'When', amount: 'paid' } });
		expect(res.records).toHaveLength(3);
		expect((res.records[0] as NormalizedOrder).orderId).toBe('row-2');
		expect(() => fetchCsv(csv, { mode: 'orders', fields: { customerId: 'client' } })).toThrow('The file has no column "client". Its columns are: buyer, when, paid.');
		expect(() => fetchCsv('', { mode: 'orders' })).toThrow(/empty/);
		expect(fetchCsv('customer_id,date,total\n', { mode: 'orders' }).records).toEqual([]);
		const limited = fetchCsv(csv, { mode: 'orders', fields: { customerId: 'buyer', date: 'when', amount: 'paid' }, maxRecords: 2 });
		expect(limited.records).toHaveLength(2);
		expect(limited.truncated).toBe(true);
		const since = fetchCsv(csv, { mode: 'orders', fields: { customerId: 'buyer', date: 'when', amount: 'paid' }, since: '2025-02-01T00:00:00Z' });
		expect(since.records).toHaveLength(2);
	});

	test('CDNOW-style whitespace is not a delimiter; a tab file works', () => {
		const tsv = 'customer_id\tdate\tdollar_value\n00001\t19970101\t11.77\n00001\t19970112\t12.00\n';
		const res = fetchCsv(tsv, { mode: 'customers' });
		expect(res.delimiter).toBe('\t');
		expect(res.records[0]).toMatchObject({ customerId: '00001', ordersCount: 2, totalSpent: 23.77, lastOrderDate: '1997-01-12T00:00:00.000Z' });
	});
});
