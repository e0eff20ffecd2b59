/**
 * Input is never silently misread: impossible dates, implausible epoch numbers, accounting
 * negatives, overflowing amounts, NaN, empty strings and mixed currencies each give an error
 * naming item and field, or a counted skip (issue 12, "Input is never silently misread").
 */
import { dateProblem, parseDate } from '../../nodes/core/dates';
import { amountCurrency, amountProblem, parseAmount } from '../../nodes/core/fields';
import { extractCustomers, extractOrders, scoreRfm, RfmInputError, type ScoreOptions } from '../../nodes/core/rfm/rfm';
import { RF_MAP } from '../../nodes/core/rfm/segmentMaps';

const base: ScoreOptions = { bins: 5, scoring: 'quantiles', reference: { kind: 'dayAfterLatest' }, nonPositiveMonetary: 'keepAsLowest', map: RF_MAP };

describe('dates: one rule for impossible calendar dates', () => {
	it.each([
		['2024-02-30', '2024-02-30 does not exist (February 2024 has 29 days)'],
		['20240230', '2024-02-30 does not exist (February 2024 has 29 days)'],
		[20240230, '2024-02-30 does not exist (February 2024 has 29 days)'],
		['2023-02-29', '2023-02-29 does not exist (February 2023 has 28 days)'],
		['2024-13-01', '2024-13-01 does not exist (there is no month 13)'],
		['20241301', '2024-13-01 does not exist (there is no month 13)'],
		['2024-04-31T10:00:00Z', '2024-04-31 does not exist (April 2024 has 30 days)'],
	])('%p is an impossible date', (input, problem) => {
		expect(parseDate(input)).toBeNull();
		expect(dateProblem(input)).toBe(`not a calendar date: ${problem}`);
	});

	it('8 digits are YYYYMMDD only: day-month-year is an error that points at the Date Format option', () => {
		expect(parseDate('01062024')).toBeNull();
		expect(dateProblem('01062024')).toBe(
			'not a calendar date: 8 digits are read as YYYYMMDD (year 0106, month 20, day 24); for day-month-year or month-day-year dates set Options > Date Format',
		);
		expect(parseDate('01062024', 'dmy')).toBe(Date.UTC(2024, 5, 1));
		expect(parseDate('01062024', 'mdy')).toBe(Date.UTC(2024, 0, 6));
	});

	it.each([
		['0', 'read as epoch seconds it is 1970-01-01T00:00:00.000Z'],
		[0, 'read as epoch seconds it is 1970-01-01T00:00:00.000Z'],
		[99999999999, 'read as epoch seconds it is 5138-11-16T09:46:39.000Z'],
		['99999999999', 'read as epoch seconds it is 5138-11-16T09:46:39.000Z'],
		[1062024, 'read as epoch seconds it is 1970-01-13T07:00:24.000Z'],
		[5000000000000, 'read as epoch milliseconds it is 2128-06-11T08:53:20.000Z'],
	])('epoch number %p outside 1990-2099 is refused', (input, reading) => {
		expect(parseDate(input)).toBeNull();
		expect(dateProblem(input)).toBe(
			`not a plausible date: ${reading}; numbers are read as epoch dates only between 1990 and 2099 (set Options > Date Format to Epoch Seconds or Epoch Milliseconds to accept it)`,
		);
	});

	it('accepts plausible epochs, and any epoch with an explicit format', () => {
		expect(parseDate(1700000000)).toBe(1700000000000);
		expect(parseDate('1700000000.5')).toBe(1700000000500);
		expect(parseDate(631152000)).toBe(Date.UTC(1990, 0, 1));
		expect(parseDate(631151999)).toBeNull();
		expect(parseDate(0, 'epochSeconds')).toBe(0);
		expect(parseDate('99999999999', 'epochSeconds')).toBe(99999999999000);
		expect(parseDate(1700000000123, 'epochMilliseconds')).toBe(1700000000123);
		expect(parseDate(1700000000, 'epochMilliseconds')).toBe(1700000000);
		expect(parseDate('2024-03-05', 'epochSeconds')).toBeNull();
		expect(dateProblem('2024-03-05', 'epochSeconds')).toBe('not a date in the format Epoch Seconds (e.g. 1709596800)');
	});

	it('explicit layouts: day-month-year, month-day-year, YYYYMMDD, ISO only', () => {
		expect(parseDate('31/01/2024', 'dmy')).toBe(Date.UTC(2024, 0, 31));
		expect(parseDate('31.01.2024 10:30', 'dmy')).toBe(Date.UTC(2024, 0, 31, 10, 30));
		expect(parseDate('1-2-2024', 'dmy')).toBe(Date.UTC(2024, 1, 1));
		expect(parseDate('01/31/2024 10:30:15', 'mdy')).toBe(Date.UTC(2024, 0, 31, 10, 30, 15));
		expect(parseDate('31/01/2024', 'mdy')).toBeNull();
		expect(dateProblem('31/01/2024', 'mdy')).toBe('not a calendar date: 2024-31-01 does not exist (there is no month 31)');
		expect(parseDate('30/02/2024', 'dmy')).toBeNull();
		expect(dateProblem('30/02/2024', 'dmy')).toBe('not a calendar date: 2024-02-30 does not exist (February 2024 has 29 days)');
		expect(parseDate('31/01/24', 'dmy')).toBeNull();
		expect(dateProblem('31/01/24', 'dmy')).toBe('not a date in the format Day-Month-Year (e.g. 31/01/2024)');
		expect(parseDate(19970101, 'yyyymmdd')).toBe(Date.UTC(1997, 0, 1));
		expect(parseDate('2024-03-05T10:00:00Z', 'yyyymmdd')).toBeNull();
		expect(parseDate('2024-03-05T10:00:00Z', 'iso')).toBe(Date.UTC(2024, 2, 5, 10));
		expect(parseDate(1700000000, 'iso')).toBeNull();
		expect(dateProblem(1700000000, 'iso')).toBe('not a date in the format ISO 8601 (e.g. 2024-01-31 or 2024-01-31T10:30:00Z)');
	});

	it('keeps the dates it accepted before', () => {
		expect(parseDate('2024-03-05')).toBe(Date.UTC(2024, 2, 5));
		expect(parseDate('2024-03-05T10:30:00.250-0500')).toBe(Date.UTC(2024, 2, 5, 15, 30, 0, 250));
		expect(parseDate(19970101)).toBe(Date.UTC(1997, 0, 1));
		expect(parseDate('19970101')).toBe(Date.UTC(1997, 0, 1));
		expect(parseDate(1739577600000)).toBe(1739577600000);
		expect(dateProblem('next week')).toBe('not a date (ISO 8601, YYYYMMDD or epoch; for other layouts set Options > Date Format)');
	});
});

describe('amounts', () => {
	it.each([
		['(12.50)', -12.5],
		['($12.50)', -12.5],
		['(1,299.00)', -1299],
		['( 12,50 € )', -12.5],
		['-$12.50', -12.5],
		['$-12.50', -12.5],
		['12.50-', -12.5],
		['1.299,00', 1299],
		['1 299,00', 1299],
		['€12,50', 12.5],
		['12.50 EUR', 12.5],
	])('reads %p as %p', (input, expected) => expect(parseAmount(input)).toBe(expected));

	it.each([
		['9'.repeat(400), 'too large to be an amount (more than 10^15)'],
		['1e400', 'too large to be an amount (more than 10^15)'],
		[Infinity, 'not a finite number'],
		[-Infinity, 'not a finite number'],
		[NaN, 'not a finite number'],
		[1e16, 'too large to be an amount (more than 10^15)'],
		['-2e15', 'too large to be an amount (more than 10^15)'],
		['', 'empty'],
		['   ', 'empty'],
		['NaN', 'not a number'],
		['(12.50', 'not a number'],
		['12.50)', 'not a number'],
		['--5', 'not a number'],
		['(-5)', 'not a number'],
		[null, 'not a number'],
		[true, 'not a number'],
	])('refuses %p: %s', (input, problem) => {
		expect(parseAmount(input)).toBeNaN();
		expect(amountProblem(input)).toBe(problem);
	});

	it('accepts exponents within range and the largest amount', () => {
		expect(parseAmount('1.5e3')).toBe(1500);
		expect(parseAmount(1e15)).toBe(1e15);
		expect(parseAmount('-1000000000000000')).toBe(-1e15);
	});

	it('names the currency sign or code an amount carries', () => {
		expect(amountCurrency('$12.50')).toBe('$');
		expect(amountCurrency('(€ 12,50)')).toBe('€');
		expect(amountCurrency('12.50 eur')).toBe('EUR');
		expect(amountCurrency('US$ 3')).toBe('US$');
		expect(amountCurrency('12.50')).toBeUndefined();
		expect(amountCurrency(12.5)).toBeUndefined();
		expect(amountCurrency('-7')).toBeUndefined();
	});
});

describe('RFM Score on bad input: messages and counts', () => {
	const orders = [
		{ customer_id: 'A', date: '2024-01-01', amount: 10 },
		{ customer_id: 'B', date: '20240230', amount: 10 },
		{ customer_id: 'C', date: '0', amount: 10 },
		{ customer_id: 'D', date: 99999999999, amount: 10 },
		{ customer_id: 'E', date: '01062024', amount: 10 },
		{ customer_id: 'F', date: '2024-01-02', amount: '9'.repeat(400) },
		{ customer_id: 'G', date: '2024-01-02', amount: '' },
		{ customer_id: 'H', date: '2024-01-02', amount: Infinity },
		{ customer_id: 'A', date: '2024-01-03', amount: '(4.00)' },
	];

	it('an impossible or implausible date is an error naming the item and the field', () => {
		const rows = extractOrders(orders, {}, { skipInvalid: false });
		expect(rows.invalid.map((x) => x.message)).toEqual([
			'Item 1: order date field "date" is "20240230", not a calendar date: 2024-02-30 does not exist (February 2024 has 29 days)',
			'Item 2: order date field "date" is "0", not a plausible date: read as epoch seconds it is 1970-01-01T00:00:00.000Z; numbers are read as epoch dates only between 1990 and 2099 (set Options > Date Format to Epoch Seconds or Epoch Milliseconds to accept it)',
			'Item 3: order date field "date" is 99999999999, not a plausible date: read as epoch seconds it is 5138-11-16T09:46:39.000Z; numbers are read as epoch dates only between 1990 and 2099 (set Options > Date Format to Epoch Seconds or Epoch Milliseconds to accept it)',
			'Item 4: order date field "date" is "01062024", not a calendar date: 8 digits are read as YYYYMMDD (year 0106, month 20, day 24); for day-month-year or month-day-year dates set Options > Date Format',
			`Item 5: amount field "amount" is "${'9'.repeat(40)}…", too large to be an amount (more than 10^15)`,
			'Item 6: amount field "amount" is empty',
			'Item 7: amount field "amount" is Infinity, not a finite number',
		]);
		expect(rows.invalid.map((x) => x.reason)).toEqual(['invalidDate', 'invalidDate', 'invalidDate', 'invalidDate', 'invalidAmount', 'invalidAmount', 'invalidAmount']);
	});

	it('skipped when asked, with their counts; an accounting negative is a refund', () => {
		const rows = extractOrders(orders, {}, { skipInvalid: true });
		expect(rows.skipped).toEqual({ invalidDate: 4, invalidAmount: 3 });
		const r = scoreRfm(rows, base);
		expect(r.customers.map((c) => [c.customerId, c.frequency, c.monetary])).toEqual([['A', 1, 6]]);
	});

	it('the date format option reads day-month-year', () => {
		const rows = extractOrders([{ customer_id: 'E', date: '01062024', amount: 10 }], {}, { skipInvalid: false, dateFormat: 'dmy' });
		expect(rows.invalid).toEqual([]);
		expect(rows.time[0]).toBe(Date.UTC(2024, 5, 1));
	});

	it('an overflowing amount no longer makes the biggest spender M = 1', () => {
		const recs = [
			{ customer_id: 'big', date: '2024-01-01', amount: '9'.repeat(400) },
			...Array.from({ length: 10 }, (_, i) => ({ customer_id: `c${i}`, date: '2024-01-01', amount: 10 + i })),
		];
		expect(() => scoreRfm(extractOrders(recs, {}, { skipInvalid: false }), base)).not.toThrow();
		const rows = extractOrders(recs, {}, { skipInvalid: false });
		expect(rows.invalid).toHaveLength(1);
		expect(rows.invalid[0].message).toBe(`Item 0: amount field "amount" is "${'9'.repeat(40)}…", too large to be an amount (more than 10^15)`);
		// two amounts at the limit add up without overflow
		const two = scoreRfm(
			extractOrders(
				[
					{ customer_id: 'x', date: '2024-01-01', amount: 1e15 },
					{ customer_id: 'x', date: '2024-01-02', amount: 1e15 },
					{ customer_id: 'y', date: '2024-01-02', amount: 1 },
				],
				{},
				{ skipInvalid: false },
			),
			base,
		);
		expect(two.customers.map((c) => [c.customerId, c.monetary, c.m])).toEqual([
			['x', 2e15, 5],
			['y', 1, 1],
		]);
	});

	it('amounts in different currency signs are mixed currencies, not one sum', () => {
		const recs = [
			{ customer_id: 'A', date: '2024-01-01', amount: '$10.00' },
			{ customer_id: 'B', date: '2024-01-01', amount: '€12,50' },
			{ customer_id: 'C', date: '2024-01-01', amount: '$3' },
		];
		expect(() => scoreRfm(extractOrders(recs, {}, { skipInvalid: false }), base)).toThrow(new RfmInputError('The orders are in 2 currencies: $ (2), € (1)'));
		const kept = scoreRfm(extractOrders(recs, {}, { skipInvalid: false }), { ...base, keepCurrency: '$' });
		expect(kept.customers.map((c) => c.customerId)).toEqual(['A', 'C']);
		expect(kept.skipped.otherCurrency).toBe(1);
		// a currency field wins over the signs
		const withField = recs.map((r) => ({ ...r, currency: 'USD' }));
		expect(scoreRfm(extractOrders(withField, {}, { skipInvalid: false }), base).count).toBe(3);
	});

	it('customers mode: impossible last order date, accounting negative total, overflow', () => {
		const customers = [
			{ customerId: 'a', lastOrderDate: '2024-02-30', ordersCount: 2, totalSpent: 10 },
			{ customerId: 'b', lastOrderDate: '2024-02-01', ordersCount: 1, totalSpent: '(5.00)' },
			{ customerId: 'c', lastOrderDate: '2024-02-01', ordersCount: 1, totalSpent: '1e400' },
			{ customerId: 'd', lastOrderDate: '2024-02-01', ordersCount: 'NaN', totalSpent: 3 },
		];
		const rows = extractCustomers(customers, {}, { skipInvalid: false });
		expect(rows.invalid.map((x) => x.message)).toEqual([
			'Item 0: last order date field "lastOrderDate" is "2024-02-30", not a calendar date: 2024-02-30 does not exist (February 2024 has 29 days)',
			'Item 2: total spent field "totalSpent" is "1e400", too large to be an amount (more than 10^15)',
			'Item 3: order count field "ordersCount" is "NaN", not a whole number ≥ 0',
		]);
		expect(rows.amount[0]).toBe(-5);
	});
});
