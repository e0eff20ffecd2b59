/**
 * Segment Report numbers: the CDNOW sample through the real RFM Score / Cluster Customers /
 * Segment Changes / Segment Router nodes, checked against the independent pandas reference
 * (test/e2e/fixtures/rfm-cdnow-expected.json); items of every kind, in any order; bad input.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { IDataObject } from 'n8n-workflow';
import { aggregateReport, ReportAggregator } from '../../nodes/core/report';
import { changedCustomers, clusteredCustomers, rfmCustomers, routedCustomers, valuedCustomers } from './report-items';

const expected = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../e2e/fixtures/rfm-cdnow-expected.json'), 'utf8'));
const RFM_ORDER = ['Champions', 'Loyal Customers', 'Potential Loyalists', 'New Customers', 'Promising', 'Need Attention', 'About To Sleep', 'At Risk', "Can't Lose Them", 'Hibernating'];

/** A seeded shuffle (the report must not depend on the order of the items). */
function shuffled<T>(list: T[], seed: number): T[] {
	const out = [...list];
	let s = seed >>> 0;
	for (let i = out.length - 1; i > 0; i--) {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		const j = s % (i + 1);
		[out[i], out[j]] = [out[j], out[i]];
	}
	return out;
}

describe('Segment Report numbers on the CDNOW sample', () => {
	let rfm: IDataObject[];
	beforeAll(async () => {
		rfm = await rfmCustomers();
	});

	it('segments: customers, shares and revenue equal the pandas reference, in RFM order, empty segments included', () => {
		const data = aggregateReport(rfm);
		expect(data.summary).toMatchObject({ items: 2357, customers: 2357, revenue: expected.totalRevenue, unrecognized: 0 });
		expect(data.asOf).toBe('1998-07-01');
		expect(data.segments!.map((s) => s.segment)).toEqual(RFM_ORDER);
		for (const s of data.segments!) {
			const ref = expected.segments[s.segment] ?? { customers: 0, share: 0, revenue: 0, revenueShare: 0 };
			expect(s.customers).toBe(ref.customers);
			expect(s.revenue).toBeCloseTo(ref.revenue, 2);
			expect(s.share).toBeCloseTo(ref.share, 5);
			expect(s.revenueShare).toBeCloseTo(ref.revenueShare, 5);
		}
		expect(data.segments!.find((s) => s.segment === 'Champions')).toMatchObject({ customers: 415, revenue: 119943.08 });
	});

	it('R×F grid: customers per cell equal the reference cell counts summed over M; segments from the standard map', () => {
		const grid = aggregateReport(rfm).grid!;
		expect(grid.scores).toBe(5);
		expect(grid.segmentsFrom).toBe('standard R+F map');
		expect(grid.cells).toHaveLength(25);
		const byRF = new Map<string, number>();
		for (const [cell, count] of Object.entries(expected.cellCounts as Record<string, number>)) byRF.set(cell.slice(0, 2), (byRF.get(cell.slice(0, 2)) ?? 0) + count);
		for (const c of grid.cells) expect(c.customers).toBe(byRF.get(`${c.r}${c.f}`) ?? 0);
		expect(grid.cells.reduce((n, c) => n + c.customers, 0)).toBe(2357);
		expect(grid.cells.reduce((n, c) => n + c.revenue, 0)).toBeCloseTo(expected.totalRevenue, 1);
		// Top row first (R5), F1 → F5 left to right; the map's segments, also on empty cells.
		expect(grid.cells[0]).toMatchObject({ r: 5, f: 1, segment: 'New Customers', customers: 0 });
		expect(grid.cells[4]).toMatchObject({ r: 5, f: 5, segment: 'Champions' });
		expect(grid.cells[24]).toMatchObject({ r: 1, f: 5, segment: "Can't Lose Them" });
		expect(grid.maxCustomers).toBe(Math.max(...byRF.values()));
		// Score ranges: the F edges 1, 1, 2, 4 give F1 = 1 order, F2 empty, F3 = 2, F4 = 3–4, F5 = 5+.
		expect(grid.frequency.map((f) => [f.score, f.customers, f.min, f.max])).toEqual([
			[1, 1205, 1, 1],
			[2, 0, null, null],
			[3, 406, 2, 2],
			[4, 358, 3, 4],
			[5, 388, 5, expect.any(Number)],
		]);
		expect(grid.recency.map((r) => r.customers)).toEqual(expected.distribution.r);
		expect(grid.recency[4].max).toBeLessThanOrEqual(expected.edges.recency[0]);
		expect(grid.recency[3].min).toBeGreaterThan(expected.edges.recency[0]);
	});

	it('every kind of item at once, in any order, gives the same report', async () => {
		const clustered = await clusteredCustomers(4);
		const previous = rfm.map((c, i) => (i % 9 === 0 ? { ...c, rfm: { ...(c.rfm as IDataObject), segment: 'Hibernating' } } : c));
		const changes = await changedCustomers(previous.slice(0, 2300), rfm.slice(40));
		const routed = await routedCustomers(rfm);
		const valued = await valuedCustomers(clustered);
		const items = [...valued, ...changes.map((c) => ({ change: c.change })), ...routed.map((r) => ({ route: r.route, playbook: r.playbook }))];
		const a = aggregateReport(items);
		const b = aggregateReport(shuffled(items, 7));
		expect(b).toEqual(a);
		expect(a.summary).toMatchObject({ items: items.length, customers: 2357, clustered: 2357, withPredictedValue: 2357, changes: changes.length, routed: 2357, unrecognized: 0 });

		// Clusters: the sizes and R, F, M means of Cluster Customers' own clusters.
		const sizes = new Map<string, IDataObject[]>();
		for (const c of clustered) {
			const label = (c.cluster as IDataObject).label as string;
			sizes.set(label, [...(sizes.get(label) ?? []), c]);
		}
		expect(a.clusters!.map((c) => c.cluster).sort()).toEqual([...sizes.keys()].sort());
		for (const row of a.clusters!) {
			const members = sizes.get(row.cluster)!;
			expect(row.customers).toBe(members.length);
			const meanOf = (f: string) => members.reduce((s, m) => s + Number((m.rfm as IDataObject)[f]), 0) / members.length;
			expect(row.meanMonetary).toBeCloseTo(meanOf('monetary'), 2);
			expect(row.meanRecencyDays).toBeCloseTo(meanOf('recencyDays'), 1);
			expect(row.meanFrequency).toBeCloseTo(meanOf('frequency'), 2);
		}

		// Movement: the totals Segment Changes reported, and the matrix adds up to them.
		const m = a.movement!;
		const count = (t: string, d?: string) => changes.filter((c) => (c.change as IDataObject).type === t && (d === undefined || (c.change as IDataObject).direction === d)).length;
		expect(m.totals).toEqual({ new: count('new'), movedUp: count('moved', 'up'), movedDown: count('moved', 'down'), movedUnranked: count('moved', null as unknown as string), unchanged: count('unchanged'), gone: count('gone') });
		expect(m.totals.new).toBe(57); // customers 2300..2356 were not in the previous run
		expect(m.totals.gone).toBe(40);
		expect(m.cells.reduce((s, c) => s + c.customers, 0)).toBe(changes.length);
		expect(m.cells.find((c) => c.from === 'Hibernating' && c.to === 'Champions')).toMatchObject({ kind: 'up' });
		expect(m.segments[0]).toBe('Champions');

		// Predicted value per segment = the sum of clv.predictedValue of its customers.
		const v = a.predictedValue!;
		expect(v.groupedBy).toBe('rfm.segment');
		expect(v.horizonDays).toBe(365);
		const champions = valued.filter((c) => (c.rfm as IDataObject).segment === 'Champions');
		const row = v.segments.find((s) => s.segment === 'Champions')!;
		expect(row.customers).toBe(415);
		expect(row.predictedValue).toBeCloseTo(champions.reduce((s, c) => s + Number((c.clv as IDataObject).predictedValue), 0), 2);
		// Customer Value's own tiers, with its own counts.
		const tierCount = (t: string) => valued.filter((c) => (c.clv as IDataObject).tier === t).length;
		expect(v.tiers.map((t) => [t.tier, t.customers])).toEqual(['High', 'Medium', 'Low'].map((t) => [t, tierCount(t)]));
		expect(v.customers).toBe(2357);
		expect(v.segments.reduce((n, s) => n + s.customers, 0)).toBe(2357);

		// Router: the holdout share is about 10 % of each campaign.
		const camp = a.campaigns!;
		expect(camp.totals.total).toBe(2357);
		const hib = camp.rows.find((r) => r.campaign === 'Hibernating')!;
		expect(hib.routed + hib.heldOut + hib.suppressed).toBe(846);
		expect(hib.heldOut / 846).toBeGreaterThan(0.06);
		expect(hib.heldOut / 846).toBeLessThan(0.14);
		expect(hib.source).toBe('Segment Router');
	});
});

describe('Segment Report numbers: campaigns', () => {
	const recipient = (campaignKey: string, status: string, reason: string | null = null): IDataObject => ({
		customerId: 'x',
		route: { campaignKey, segment: 'Champions', output: 'Champions' },
		delivery: { status, reason, provider: 'sendgrid', messageId: null, sendKey: null, attempts: 1 },
	});

	it('counts Campaign Send recipients by what happened to them', () => {
		const items = [
			recipient('Spring', 'sent'),
			recipient('Spring', 'sent'),
			recipient('Spring', 'skipped', 'holdout'),
			recipient('Spring', 'skipped', 'no_consent'),
			recipient('Spring', 'skipped', 'suppressed'),
			recipient('Spring', 'skipped', 'frequency_cap'),
			recipient('Spring', 'skipped', 'already_sent'),
			recipient('Spring', 'skipped', 'no_address'),
			recipient('Spring', 'failed', 'invalid_address'),
			recipient('Win-back', 'skipped', 'dry_run'),
		];
		const c = aggregateReport(items).campaigns!;
		expect(c.rows[0]).toMatchObject({ campaign: 'Spring', provider: 'sendgrid', sent: 2, heldOut: 1, suppressed: 2, capped: 1, alreadySent: 1, otherSkipped: 1, failed: 1, total: 9, source: 'Campaign Send recipients' });
		expect(c.rows[1]).toMatchObject({ campaign: 'Win-back', wouldSend: 1, total: 1 });
		expect(c.totals).toMatchObject({ sent: 2, total: 10 });
	});

	it('unconfirmed sends (Campaign Send\'s third output, and the summary\'s count) are a state of their own, not unreadable', () => {
		const items = [recipient('Spring', 'sent'), recipient('Spring', 'unconfirmed', 'timeout'), recipient('Spring', 'unconfirmed', 'unconfirmed')];
		const data = aggregateReport(items);
		expect(data.campaigns!.rows[0]).toMatchObject({ campaign: 'Spring', sent: 1, unconfirmed: 2, otherSkipped: 0, failed: 0, total: 3 });
		expect(data.notices.join(' ')).not.toMatch(/unreadable/);
		const summary = { summary: { provider: 'outbox', campaignKey: 'Fall', dryRun: false, total: 7, sent: 4, skipped: 1, failed: 0, unconfirmed: 2, skippedByReason: { frequency_cap: 1 }, failedByReason: {}, unconfirmedByReason: { timeout: 2 } } };
		expect(aggregateReport([summary]).campaigns!.rows[0]).toMatchObject({ campaign: 'Fall', sent: 4, capped: 1, unconfirmed: 2, total: 7 });
	});

	it('a Campaign Send summary wins over the recipients of the same campaign; Router holdouts are added', () => {
		const summary = { summary: { provider: 'brevo', campaignKey: 'Spring', dryRun: false, total: 5, sent: 3, skipped: 2, failed: 0, skippedByReason: { holdout: 1, frequency_cap: 1 }, failedByReason: {} } };
		const holdout = { customerId: 'h', route: { output: 'Holdout', segment: 'Champions', campaignKey: 'Spring', holdout: true, suppressed: false } };
		const c = aggregateReport([recipient('Spring', 'sent'), summary, holdout]).campaigns!;
		expect(c.rows).toHaveLength(1);
		expect(c.rows[0]).toMatchObject({ campaign: 'Spring', provider: 'brevo', sent: 3, heldOut: 2, capped: 1, total: 6, source: 'Campaign Send summary + Segment Router' });
	});

	it('more campaigns than rows: the smallest are folded into "Other (n campaigns)"', () => {
		const items: IDataObject[] = [];
		for (let k = 0; k < 20; k++) for (let i = 0; i <= k; i++) items.push(recipient(`Campaign ${String(k).padStart(2, '0')}`, 'sent'));
		const c = aggregateReport(items, { maxRows: 5 }).campaigns!;
		expect(c.rows.map((r) => r.campaign)).toEqual(['Campaign 19', 'Campaign 18', 'Campaign 17', 'Campaign 16', 'Other (16 campaigns)']);
		expect(c.rows[4]).toMatchObject({ sent: (16 * 17) / 2, folded: 16 });
		expect(c.totals.sent).toBe((20 * 21) / 2);
	});
});

describe('Segment Report numbers: edge cases and bad input', () => {
	it('a customer Customer Value kept without orders (empty prediction, tier "No Orders") is counted as such, not as an unreadable value', async () => {
		const customers = await rfmCustomers();
		const none = { customerId: 'no-orders', rfm: { ...(customers[0].rfm as IDataObject), frequency: 0, monetary: 0, averageOrderValue: null, firstOrderDate: null, lastOrderDate: null } };
		const valued = await valuedCustomers([...customers, none]);
		const kept = valued.find((c) => c.customerId === 'no-orders')!;
		expect(kept.clv).toMatchObject({ predictedValue: null, tier: 'No Orders' });
		const data = aggregateReport(valued);
		expect(data.predictedValue!.customers).toBe(customers.length);
		expect(data.notices.join('\n')).toContain('1 Customer Value item: customers without a prediction (no orders');
		expect(data.notices.join('\n')).not.toMatch(/unreadable/);
	});

	it('0 items: an empty report that says so', () => {
		const data = aggregateReport([]);
		expect(data.summary.items).toBe(0);
		expect([data.segments, data.grid, data.movement, data.clusters, data.predictedValue, data.campaigns]).toEqual([null, null, null, null, null, null]);
		expect(data.notices).toEqual(['No items reached the report']);
	});

	it('1 customer', () => {
		const data = aggregateReport([{ customerId: 'a', rfm: { r: 5, f: 1, m: 1, recencyDays: 3, frequency: 1, monetary: 20, segment: 'New Customers', currency: 'EUR', referenceDate: '2024-05-01T00:00:00.000Z' } }]);
		expect(data.currency).toBe('EUR');
		expect(data.summary).toMatchObject({ customers: 1, revenue: 20, averageRevenue: 20 });
		expect(data.grid!.scores).toBe(5);
		expect(data.grid!.cells.filter((c) => c.customers > 0)).toEqual([{ r: 5, f: 1, segment: 'New Customers', customers: 1, revenue: 20 }]);
		expect(data.segments!.find((s) => s.segment === 'New Customers')).toMatchObject({ customers: 1, share: 1, revenueShare: 1 });
	});

	it('bad values are counted, never NaN; odd names stay names; other currencies are left out of money', () => {
		const items: IDataObject[] = [
			{ rfm: { r: 5, f: 5, monetary: 'abc', segment: 'Champions', currency: 'USD' } },
			{ rfm: { r: 5, f: 5, monetary: NaN, segment: 'Champions' } },
			{ rfm: { r: 5, f: 5, monetary: '1,250.50', segment: 'Champions', currency: 'usd' } },
			{ rfm: { r: 0, f: 7.5, monetary: 10, segment: '__proto__' } },
			{ rfm: { r: 2, f: 2, monetary: 99, segment: 'constructor', currency: 'EUR' } },
			{ rfm: { r: 2, f: 2, monetary: 1, segment: 'constructor', currency: 'USD' } },
			{ rfm: { r: 1, f: 1, monetary: 5, segment: '  ' } },
			{ cluster: { index: null, label: null, distance: null, skipped: '"rfm.monetary" is missing' } },
			{ change: { type: 'teleported' } },
			{ clv: { predictedValue: 'n/a' } },
			{ delivery: { status: 'maybe' } },
			{ segment: 'Champions', customers: 3, revenueShare: 0.4 },
			{ hello: 'world' },
			null as unknown as IDataObject,
		];
		const data = aggregateReport(items);
		expect(JSON.stringify(data)).not.toMatch(/NaN|null,"share":null/);
		expect(data.currency).toBe('USD');
		expect(data.summary).toMatchObject({ items: 14, customers: 7, revenue: 1266.5, unrecognized: 3 });
		const names = data.segments!.map((s) => s.segment);
		expect(names).toEqual(expect.arrayContaining(['Champions', '__proto__', 'constructor', '(no segment)']));
		expect(data.segments!.find((s) => s.segment === 'constructor')).toMatchObject({ customers: 2, revenue: 1 });
		// The currency most customers are in, whatever the order of the items.
		expect(aggregateReport([...items].reverse()).currency).toBe('USD');
		expect(aggregateReport([...items].reverse()).summary.revenue).toBe(1266.5);
		expect(data.notices).toEqual(
			expect.arrayContaining([
				'2 customers: unreadable rfm.monetary',
				'1 customer: other currency (EUR), left out of the money figures (the report is in USD)',
				'1 customer: no R and F scores (1-9)',
				'1 clustered item: skipped by Cluster Customers',
				'1 change item: unreadable change group',
				'1 Customer Value item: unreadable clv.predictedValue',
				'1 delivery item: unreadable delivery.status',
				'1 item looks like the summary output of RFM Score: connect its customers output to the report instead',
				'3 of 14 items carry none of the groups the report reads (rfm, cluster, change, clv, route, delivery) and were not counted',
			]),
		);
	});

	it('the report does not grow with the customers: 200 or 200,000 items give the same lists, counts scale', () => {
		const customer = (i: number): IDataObject => ({ rfm: { r: (i % 5) + 1, f: ((i >> 3) % 5) + 1, recencyDays: i % 400, frequency: 1 + (i % 7), monetary: 10 + (i % 50), segment: `Segment ${i % 30}` } });
		const small = new ReportAggregator();
		const large = new ReportAggregator();
		for (let i = 0; i < 200; i++) small.add(customer(i));
		for (let i = 0; i < 200_000; i++) large.add(customer(i % 200));
		const a = small.finish();
		const b = large.finish();
		expect(b.segments!.map((s) => s.segment)).toEqual(a.segments!.map((s) => s.segment));
		expect(b.segments).toHaveLength(12); // 30 segments: 11 largest + "Other (19 segments)"
		expect(b.segments![11].segment).toBe('Other (19 segments)');
		expect(b.grid!.cells.map((c) => c.customers)).toEqual(a.grid!.cells.map((c) => c.customers * 1000));
		expect(JSON.stringify(b).length).toBeLessThan(JSON.stringify(a).length * 1.2);
	});

	it('more than 500 different segments: the rest are counted as "Other" with a notice', () => {
		const agg = new ReportAggregator({ maxRows: 50 });
		for (let i = 0; i < 700; i++) agg.add({ rfm: { r: 1, f: 1, monetary: 1, segment: `S${i}` } });
		const data = agg.finish();
		expect(data.summary.customers).toBe(700);
		expect(data.segments!.reduce((n, s) => n + s.customers, 0)).toBe(700);
		expect(data.notices).toContain('200 customers: more than 500 different segments: the rest counted as "Other"');
	});
});
