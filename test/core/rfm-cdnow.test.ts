/**
 * RFM on the real CDNOW master data (69,659 transactions, 23,570 customers) against an
 * independent pandas/numpy computation committed in test/fixtures/rfm (cdnow_pandas.py).
 */
import * as fs from 'fs';
import * as path from 'path';
import { extractOrders, scoreRfm } from '../../nodes/core/rfm/rfm';
import { RF_MAP } from '../../nodes/core/rfm/segmentMaps';

const MASTER = path.resolve(__dirname, '../fixtures/rfm/CDNOW_master.txt');
const FIX = path.resolve(__dirname, '../fixtures/rfm');

function loadMaster() {
	const lines = fs.readFileSync(MASTER, 'utf8').trim().split(/\r?\n/);
	const header = lines.shift() as string;
	expect(header).toMatch(/customer/i);
	return lines.map((l) => {
		const [customer_id, date, cds, dollar_value] = l.trim().split(/\s+/);
		return { customer_id, date, cds: Number(cds), dollar_value: Number(dollar_value) };
	});
}

describe('RFM on CDNOW master vs pandas', () => {
	const expected = JSON.parse(fs.readFileSync(path.join(FIX, 'cdnow_master_expected.json'), 'utf8'));
	const rows = extractOrders(loadMaster(), {}, { skipInvalid: false });
	const result = scoreRfm(rows, {
		bins: 5,
		scoring: 'quantiles',
		reference: { kind: 'dayAfterLatest' },
		nonPositiveMonetary: 'keepAsLowest',
		map: RF_MAP,
	});

	it('reads the default fields and every row', () => {
		expect(rows.fields).toMatchObject({ customerId: 'customer_id', date: 'date', amount: 'dollar_value' });
		expect(rows.length).toBe(expected.rows);
		expect(rows.invalid).toEqual([]);
		expect(result.customers).toHaveLength(expected.customers);
	});

	it('uses the same reference date, bin edges and score distribution', () => {
		expect(new Date(result.referenceTime).toISOString()).toBe(expected.referenceDate);
		expect(result.edges).toEqual(expected.edges);
		expect(result.distribution).toEqual(expected.distribution);
		const counts: Record<string, number> = {};
		for (const s of result.segments) if (s.customers) counts[s.segment] = s.customers;
		expect(counts).toEqual(expected.segments);
	});

	it('matches pandas customer by customer', () => {
		const csv = fs.readFileSync(path.join(FIX, 'cdnow_master_expected.csv'), 'utf8').trim().split('\n');
		csv.shift();
		const byId = new Map(result.customers.map((c) => [c.customerId, c]));
		let mismatches = 0;
		for (const line of csv) {
			const [id, recency, frequency, monetary, r, f, m, ...seg] = line.split(',');
			const c = byId.get(id);
			const ok =
				c !== undefined &&
				c.recencyDays === Number(recency) &&
				c.frequency === Number(frequency) &&
				Math.abs(c.monetary - Number(monetary)) < 1e-6 &&
				c.r === Number(r) &&
				c.f === Number(f) &&
				c.m === Number(m) &&
				c.segment === seg.join(',').replace(/^"|"$/g, '');
			if (!ok) mismatches++;
		}
		expect(csv).toHaveLength(23570);
		expect(mismatches).toBe(0);
	});
});
