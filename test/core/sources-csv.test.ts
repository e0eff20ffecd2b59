import { decodeText, detectDelimiter, fetchCsv, fetchCsvStream, parseCsv, readCsv, statusFromText } from '../../nodes/core/sources/csv';
import type { NormalizedCustomer, NormalizedOrder } from '../../nodes/core/sources/types';
import { CustomerAggregator } from '../../nodes/core/sources/aggregate';

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
			{ id: 'order O6 (row 8)', reason: 'date "next week": not a date (ISO 8601, YYYYMMDD or epoch; for other layouts set Options > Date Format)' },
			{ id: 'order O7 (row 9)', reason: 'total "abc": not a number' },
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
			{ id: 'row 5', reason: 'Total Spent "n/a": not a number' },
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

describe('CSV input is never silently misread', () => {
	const header = 'customer_id,order_id,date,total\n';

	test('an unterminated quote is an error naming its line and the lines it would swallow', () => {
		const csv = header + 'A,O1,2024-01-01,10\nB,O2,2024-01-02,"5\nC,O3,2024-01-03,7\nD,O4,2024-01-04,8\n';
		expect(() => fetchCsv(csv, { mode: 'orders' })).toThrow(
			'Line 3: the quote that opens field 4 is never closed, so the 3 lines from there to the end of the file would be read as one field. Close the quote (a quote inside a field is written twice: "") or remove it.',
		);
		// a quote inside an unquoted field is a character, not an opening quote
		const inner = fetchCsv(header + 'A,O1,2024-01-01,10\nB 5" screen,O2,2024-01-02,5\n', { mode: 'orders' });
		expect(inner.records.map((o) => o.customerId)).toEqual(['A', 'B 5" screen']);
	});

	test('a quoted field that stays open for more than 1 MiB stops the read early', async () => {
		const rows = Array.from({ length: 40000 }, (_, i) => `C${i},O${i},2024-01-01,10`).join('\n');
		const csv = header + 'A,O0,2024-01-01,"10\n' + rows + '\n';
		await expect(fetchCsvStream(chunksOf(Buffer.from(csv), 65536), { mode: 'orders' })).rejects.toThrow(
			/^Line 2: the quote that opens field 4 is still open after 1 MiB \(\d+ lines\): an unterminated quote would swallow the rest of the file\./,
		);
	});

	test('UTF-16 LE and BE, with or without a BOM, and UTF-8 with a BOM', () => {
		const text = 'customer_id;date;total\r\nMüller;2024-01-01;10,50\r\nZoë;2024-01-02;5\r\n';
		const le = Buffer.from(text, 'utf16le');
		const be = Buffer.from(le).swap16();
		const variants = {
			'utf-16le+bom': Buffer.concat([Buffer.from([0xff, 0xfe]), le]),
			'utf-16be+bom': Buffer.concat([Buffer.from([0xfe, 0xff]), be]),
			'utf-16le': le,
			'utf-16be': be,
			'utf-8+bom': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
		};
		for (const [name, data] of Object.entries(variants)) {
			const res = fetchCsv(data, { mode: 'customers' });
			expect([name, res.encoding, (res.records as NormalizedCustomer[]).map((c) => [c.customerId, c.totalSpent])]).toEqual([
				name,
				name.replace('+bom', ''),
				[
					['Müller', 10.5],
					['Zoë', 5],
				],
			]);
		}
	});

	test('Windows-1252 (an Excel "CSV" on Windows) is recognised; UTF-8 broken midway is an error', () => {
		const cp1252 = Buffer.from([...Buffer.from('customer_id,date,total\nM'), 0xfc, ...Buffer.from('ller,2024-01-01,'), 0x80, ...Buffer.from('10\n')]);
		const res = fetchCsv(cp1252, { mode: 'customers' });
		expect(res.encoding).toBe('windows-1252');
		expect(res.records.map((c) => [c.customerId, (c as NormalizedCustomer).totalSpent])).toEqual([['Müller', 10]]);
		const broken = Buffer.concat([Buffer.from('customer_id,date,total\nZoë,2024-01-01,10\nM'), Buffer.from([0xfc]), Buffer.from('ller,2024-01-01,5\n')]);
		expect(() => fetchCsv(broken, { mode: 'customers' })).toThrow(
			'The file is not valid UTF-8 at byte offset 43 (line 3), though earlier lines use UTF-8 characters: it mixes encodings. Re-save it as UTF-8, or pick the encoding under Options > Encoding.',
		);
		expect(fetchCsv(broken, { mode: 'customers', encoding: 'windows1252' }).records.map((c) => c.customerId)).toEqual(['ZoÃ«', 'Müller']);
		expect(() => fetchCsv(Buffer.from([0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x9f, 0x00, 0x00]), { mode: 'customers' })).toThrow(
			'The file is not text (it holds NUL bytes in no UTF-16 pattern): is it a spreadsheet (.xlsx) or a compressed file? Export it as CSV first.',
		);
	});

	test('impossible dates, accounting negatives, overflowing amounts and mixed currency signs in a CSV', () => {
		const csv = [
			'customer_id,order_id,date,total',
			'A,O1,2024-01-01,10',
			'A,O1,2024-01-01,(4.00)',
			'B,O2,20240230,5',
			'C,O3,0,5',
			'D,O4,2024-01-05,' + '9'.repeat(400),
			'E,O5,01062024,5',
		].join('\n');
		const res = fetchCsv(csv, { mode: 'orders' });
		expect(res.records).toEqual([{ customerId: 'A', orderId: 'O1', createdAt: '2024-01-01T00:00:00.000Z', total: 6, currency: 'USD', status: 'partially_refunded' }]);
		expect(res.skipped).toEqual([
			{ id: 'order O2 (row 4)', reason: 'date "20240230": not a calendar date: 2024-02-30 does not exist (February 2024 has 29 days)' },
			{
				id: 'order O3 (row 5)',
				reason:
					'date "0": not a plausible date: read as epoch seconds it is 1970-01-01T00:00:00.000Z; numbers are read as epoch dates only between 1990 and 2099 (set Options > Date Format to Epoch Seconds or Epoch Milliseconds to accept it)',
			},
			{ id: 'order O4 (row 6)', reason: `total "${'9'.repeat(30)}": too large to be an amount (more than 10^15)` },
			{
				id: 'order O5 (row 7)',
				reason:
					'date "01062024": not a calendar date: 8 digits are read as YYYYMMDD (year 0106, month 20, day 24); for day-month-year or month-day-year dates set Options > Date Format',
			},
		]);
		expect(res.skippedCount).toBe(4);
		const dmy = fetchCsv(csv, { mode: 'orders', dateFormat: 'dmy' });
		expect(dmy.records.map((o) => [(o as NormalizedOrder).orderId, (o as NormalizedOrder).createdAt])).toEqual([['O5', '2024-06-01T00:00:00.000Z']]);
		const signs = 'customer_id,date,total\nA,2024-01-01,$10.00\nB,2024-01-01,€12.50\nC,2024-01-01,$3\n';
		expect(() => fetchCsv(signs, { mode: 'customers' })).toThrow(
			'The amounts carry 2 different currency signs: $ (2 rows), € (1 row), and the file has no currency column. Add a currency column (or map it under Field Mapping), or split the file by currency.',
		);
		const codes = fetchCsv('customer_id,date,total\nA,2024-01-01,10.00 EUR\nB,2024-01-01,EUR 3\n', { mode: 'customers' });
		expect(codes.records.map((c) => (c as NormalizedCustomer).currency)).toEqual(['EUR', 'EUR']);
	});

	test('NaN and empty amounts: skipped and counted, or the read stops naming the row', () => {
		const csv = 'customer_id,order_id,date,total\nA,O1,2024-01-01,NaN\nB,O2,2024-01-01,\nC,O3,2024-01-01,1\n';
		const res = fetchCsv(csv, { mode: 'customers' });
		expect(res.skipped).toEqual([
			{ id: 'order O1 (row 2)', reason: 'total "NaN": not a number' },
			{ id: 'order O2 (row 3)', reason: 'empty total' },
		]);
		expect(res.records.map((c) => c.customerId)).toEqual(['C']);
		expect(() => fetchCsv(csv, { mode: 'customers', onInvalid: 'fail' })).toThrow('CSV order O1 (row 2): total "NaN": not a number.');
	});
});

/** A buffer as a stream of chunks of `size` bytes. */
async function* chunksOf(data: Buffer, size: number): AsyncGenerator<Buffer> {
	for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('CSV read as a stream', () => {
	const N = 30000;
	const csv = Buffer.from(
		'customer_id,order_id,created_at,total,currency,status\n' +
			Array.from({ length: N }, (_, i) => `C${i % 1000},O${i},2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z,${(i % 97) + 0.5},USD,${i % 50 === 0 ? 'cancelled' : 'paid'}`).join('\n') +
			'\n',
	);

	test('gives the same customers as the whole-buffer read, in bounded memory, yielding to the event loop, with progress', async () => {
		const whole = fetchCsv(csv, { mode: 'customers' });
		const progress: Array<[number, number, boolean]> = [];
		let ticks = 0;
		let pending = true;
		const tick = () => {
			ticks++;
			if (pending) setImmediate(tick);
		};
		setImmediate(tick);
		const streamed = await fetchCsvStream(chunksOf(csv, 16384), {
			mode: 'customers',
			totalBytes: csv.length,
			progressEveryBytes: 262144,
			onProgress: (p) => progress.push([p.bytes, p.rows, p.done]),
		}).finally(() => (pending = false));
		expect(streamed.records).toEqual(whole.records);
		expect(streamed.records).toHaveLength(1000);
		expect(streamed.stats.read).toBe(N);
		// never more than one chunk plus one row held at a time
		expect(streamed.maxBufferedBytes).toBeLessThanOrEqual(16384 + 80);
		expect(ticks).toBeGreaterThanOrEqual(Math.floor(csv.length / 16384) - 1);
		const steps: number[] = [];
		for (let b = 262144; b < csv.length; b += 262144) steps.push(b);
		expect(progress.map((p) => p[0])).toEqual([...steps, csv.length]);
		expect(progress.slice(0, -1).every((p) => p[2] === false && p[1] > 0)).toBe(true);
		expect(progress[progress.length - 1]).toEqual([csv.length, N, true]);
	});

	test('the same orders whatever the chunk size (rows, quotes and multi-byte characters cut anywhere)', async () => {
		const text = Buffer.from('customer_id,order_id,date,total,note\r\n"Zoë ""Z""",O1,2024-01-01,10,"a,b\r\nc"\r\nMüller,O2,2024-01-02,5,\r\nZoë "Z",O3,2024-01-03,7,x\r\n');
		const expected = fetchCsv(text, { mode: 'orders' }).records;
		expect(expected.map((o) => o.customerId)).toEqual(['Zoë "Z"', 'Müller', 'Zoë "Z"']);
		for (const size of [1, 2, 3, 5, 7, 64]) expect((await fetchCsvStream(chunksOf(text, size), { mode: 'orders' })).records).toEqual(expected);
	});
});

describe('CSV customers from columns = CustomerAggregator over the orders', () => {
	test("a customer's email: the first of its rows that has one, lower-cased, blanks trimmed as in the orders output", () => {
		const csv = [
			'customer_id,order_id,date,total,email',
			'C1,O1,2024-01-02,10,',
			'C1,O2,2024-01-03,10,not-an-email',
			'C1,O3,2024-01-04,10,  Ann@Shop.Example  ',
			'C1,O4,2024-01-05,10,other@shop.example',
			'C2,O5,2024-01-02,10,"\tBob@Shop.Example\n"',
			'C3,O6,2024-01-02,10,"Zoé@Shop.Example"',
			'c4@Shop.Example,O7,2024-01-02,10,',
			'C5,O8,2024-01-02,10,"a""b@shop.example"',
		].join('\n');
		const customers = fetchCsv(csv, { mode: 'customers' }).records as NormalizedCustomer[];
		expect(Object.fromEntries(customers.map((c) => [c.customerId, c.email]))).toEqual({
			C1: 'ann@shop.example',
			C2: 'bob@shop.example',
			C3: 'zoé@shop.example',
			'c4@shop.example': 'c4@shop.example',
			C5: 'a"b@shop.example',
		});
		const orders = fetchCsv(csv, { mode: 'orders' }).records as NormalizedOrder[];
		expect(orders.map((o) => o.email ?? null)).toEqual([null, null, 'ann@shop.example', 'other@shop.example', 'bob@shop.example', 'zoé@shop.example', 'c4@shop.example', 'a"b@shop.example']);
	});

	test('random orders files with line items, refunds, statuses, several currencies and emails', () => {
		let seed = 7;
		const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
		const pick = <T,>(a: T[]) => a[Math.floor(rnd() * a.length)];
		for (let round = 0; round < 20; round++) {
			const lines = ['customer_id,order_id,date,total,currency,status,email'];
			for (let i = 0; i < 300; i++) {
				const c = `C${Math.floor(rnd() * 40)}`;
				const o = rnd() < 0.3 ? `O${Math.floor(rnd() * 50)}` : `O${100 + i}`;
				const total = rnd() < 0.1 ? `-${(rnd() * 20).toFixed(2)}` : rnd() < 0.05 ? '' : (rnd() * 200).toFixed(2);
				const day = `2024-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 9)}`;
				lines.push([c, o, day, total, pick(['USD', 'USD', 'EUR']), pick(['paid', 'paid', 'refunded', 'cancelled', 'pending', 'partially_refunded']), rnd() < 0.5 ? `${c.toLowerCase()}@x.test` : ''].join(','));
			}
			const csv = lines.join('\n');
			const agg = new CustomerAggregator();
			for (const o of fetchCsv(csv, { mode: 'orders' }).records) agg.addOrder(o as NormalizedOrder);
			// emails: the aggregator takes the first readable order's; the columns the first row with one
			// of any of the customer's orders (the same address here: each customer has one)
			const got = fetchCsv(csv, { mode: 'customers' }).records as NormalizedCustomer[];
			const noEmail = (c: NormalizedCustomer) => ({ ...c, email: undefined });
			expect(got.map(noEmail)).toEqual(agg.all().map(noEmail));
			for (const c of got) expect([null, `${c.customerId.toLowerCase()}@x.test`]).toContain(c.email);
		}
	});
});
