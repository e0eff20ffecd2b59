/**
 * Warehouse RFM on the real CDNOW master (69,659 orders, 23,570 customers): the SQL run inside
 * PostgreSQL and inside the embedded engine (DuckDB) gives RFM Score's own result customer by
 * customer (recency, frequency, monetary, R, F, M, segment), the same edges and score
 * distribution, and the same again on a second run (no NTILE: ties cannot move between runs).
 */
import { extractOrders, scoreRfm, type RfmResult } from '../../nodes/core/rfm/rfm';
import { RF_MAP } from '../../nodes/core/rfm/segmentMaps';
import { openDuckDb, openPostgres, type SqlSession } from '../../nodes/core/warehouse/engines';
import type { WarehouseRfmSpec } from '../../nodes/core/warehouse/rfmSql';
import { runWarehouseRfm, type ScoredCustomer, type WarehouseSummary } from '../../nodes/core/warehouse/run';
import { cdnowOrders, dropPg, loadPg, pgUrl, tableName, tempDir, writeCsv } from './warehouse-fixtures';

const orders = cdnowOrders();
const core: RfmResult = scoreRfm(extractOrders(orders as never, {}, { skipInvalid: false }), {
	bins: 5,
	scoring: 'quantiles',
	reference: { kind: 'dayAfterLatest' },
	nonPositiveMonetary: 'keepAsLowest',
	map: RF_MAP,
});

const spec = (source: WarehouseRfmSpec['source']): WarehouseRfmSpec => ({
	source,
	columns: {},
	excludedStatuses: [],
	refundedStatuses: [],
	reference: { kind: 'dayAfterLatest' },
	windowDays: 0,
	bins: 5,
	scoring: 'quantiles',
	nonPositiveMonetary: 'keepAsLowest',
	map: RF_MAP,
} as unknown as WarehouseRfmSpec);

async function score(open: () => Promise<SqlSession>, s: WarehouseRfmSpec): Promise<{ customers: ScoredCustomer[]; summary: WarehouseSummary }> {
	const session = await open();
	try {
		const run = await runWarehouseRfm(session, s, { pageSize: 5000 });
		const customers: ScoredCustomer[] = [];
		for await (const page of run.pages()) customers.push(...page);
		await run.close();
		return { customers, summary: run.summary };
	} finally {
		await session.close();
	}
}

/** Customers whose SQL result differs from RFM Score's in any scored field. */
function mismatches(customers: ScoredCustomer[]): number {
	const byId = new Map(customers.map((c) => [c.customerId, c]));
	let bad = 0;
	for (const c of core.customers) {
		const s = byId.get(c.customerId);
		const same =
			s !== undefined &&
			s.recencyDays === c.recencyDays &&
			s.frequency === c.frequency &&
			s.monetary === c.monetary &&
			// average order value: RFM Score divides its floating-point sum, the SQL the exact one; at an
			// exact half (137.53 / 8 = 17.19125) the 4th decimal can differ by one
			Math.abs(s.averageOrderValue - c.averageOrderValue) <= 0.0001 + 1e-9 &&
			s.r === c.r &&
			s.f === c.f &&
			s.m === c.m &&
			s.cell === c.cell &&
			s.segment === c.segment &&
			s.lastOrderDate === new Date(c.lastOrderTime).toISOString() &&
			s.firstOrderDate === new Date(c.firstOrderTime).toISOString();
		if (!same) bad++;
	}
	return bad;
}

function checkSummary(summary: WarehouseSummary) {
	expect(summary.edges).toEqual(core.edges);
	expect(summary.distribution).toEqual(core.distribution);
	expect(summary.referenceDate).toBe(new Date(core.referenceTime).toISOString());
	expect(summary.customersScored).toBe(23570);
	expect(summary.segments).toEqual(core.segments);
	expect(summary.skipped).toEqual({});
	expect(summary.columns).toEqual({ customerId: 'customer_id', date: 'created_at', amount: 'total', orderId: 'order_id', currency: 'currency', status: 'status' });
}

describe('Warehouse RFM on CDNOW equals RFM Score customer by customer', () => {
	const dir = tempDir();
	const csv = writeCsv(orders, dir);
	const table = tableName('cdnow');

	beforeAll(() => loadPg(table, orders), 120000);
	afterAll(() => dropPg([table]));

	it('RFM Score itself: 23,570 customers, edges 1, 1, 2, 4 for frequency (heavy ties)', () => {
		expect(core.count).toBe(23570);
		expect(core.edges.frequency).toEqual([1, 1, 2, 4]);
	});

	for (const engine of ['duckdb', 'postgres'] as const) {
		it(`${engine}: 23,570 / 23,570 customers equal, twice in a row`, async () => {
			const open = () => (engine === 'duckdb' ? openDuckDb({ directories: [dir] }) : openPostgres({ connectionUrl: pgUrl() }));
			const source: WarehouseRfmSpec['source'] = engine === 'duckdb' ? { kind: 'files', format: 'csv', paths: [csv] } : { kind: 'table', table };
			const first = await score(open, spec(source));
			const second = await score(open, spec(source));
			for (const run of [first, second]) {
				expect(run.customers).toHaveLength(23570);
				expect(mismatches(run.customers)).toBe(0);
				checkSummary(run.summary);
			}
			expect(second.customers).toEqual(first.customers);
			// pages come in byte order of the customer id
			const ids = first.customers.map((c) => c.customerId);
			expect(ids).toEqual([...ids].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)));
		}, 180000);
	}
});
