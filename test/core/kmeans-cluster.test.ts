import {
	clusterRecords,
	clusterLabels,
	defaultFeatures,
	featureKind,
	humanize,
	readNumber,
	resolveTransform,
	ClusterConfigError,
	ClusterInputError,
	Random,
	type ClusterReport,
} from '../../nodes/core/kmeans';

/** RFM-like customers in three well separated behaviours (seeded). */
function customers(n: number, seed = 1) {
	const rng = new Random(seed);
	const out: { customerId: string; rfm: Record<string, number | string> }[] = [];
	for (let i = 0; i < n; i++) {
		const type = i % 3; // 0 loyal big spenders, 1 lapsed one-timers, 2 new small buyers
		const jitter = () => 0.9 + 0.2 * rng.next();
		const recencyDays = Math.round([10, 400, 20][type] * jitter());
		const frequency = Math.max(1, Math.round([12, 1, 1][type] * jitter()));
		const monetary = Math.round([1500, 40, 35][type] * jitter() * 100) / 100;
		out.push({
			customerId: `C${i}`,
			rfm: {
				recencyDays,
				frequency,
				monetary,
				averageOrderValue: Math.round((monetary / frequency) * 100) / 100,
				segment: type === 0 ? 'Champions' : type === 1 ? 'Hibernating' : 'New Customers',
			},
		});
	}
	return out;
}

function noNaN(report: ClusterReport): void {
	const s = JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? 'NON-FINITE' : v));
	expect(s).not.toContain('NON-FINITE');
	expect(s).not.toContain('null,"distance":null'); // sanity: clustered tags have distances
}

describe('readNumber', () => {
	it('accepts numbers and numeric text, explains everything else without echoing values', () => {
		expect(readNumber(3)).toBe(3);
		expect(readNumber(' 12.50 ')).toBe(12.5);
		expect(readNumber('-3e2')).toBe(-300);
		expect(readNumber(undefined)).toEqual({ problem: 'is missing' });
		expect(readNumber(null)).toEqual({ problem: 'is missing' });
		expect(readNumber('  ')).toEqual({ problem: 'is missing' });
		expect(readNumber('jane@example.com')).toEqual({ problem: 'is not a number (got text)' });
		expect(readNumber('12,50')).toEqual({ problem: 'is not a number (got text)' });
		expect(readNumber(NaN)).toEqual({ problem: 'is not a finite number (NaN)' });
		expect(readNumber(Infinity)).toEqual({ problem: 'is not a finite number (Infinity)' });
		expect(readNumber(true)).toEqual({ problem: 'is not a number (got a boolean)' });
		expect(readNumber({ a: 1 })).toEqual({ problem: 'is not a number (got an object)' });
		expect(readNumber([1])).toEqual({ problem: 'is not a number (got a list)' });
	});
});

describe('features and transforms', () => {
	it('defaults to RFM recency, frequency, monetary, plus AOV only when every item has it', () => {
		const all = customers(6);
		expect(defaultFeatures(all).map((f) => f.field)).toEqual([
			'rfm.recencyDays',
			'rfm.frequency',
			'rfm.monetary',
			'rfm.averageOrderValue',
		]);
		const some = customers(6);
		delete (some[2].rfm as Record<string, unknown>).averageOrderValue;
		expect(defaultFeatures(some).map((f) => f.field)).toEqual(['rfm.recencyDays', 'rfm.frequency', 'rfm.monetary']);
		expect(defaultFeatures([]).length).toBe(3);
	});

	it('auto transform: none for recency, log1p for counts/money, skewness rule for other fields', () => {
		const v = new Float64Array([1, 2, 3]);
		expect(resolveTransform('rfm.recencyDays', 'auto', v)).toBe('none');
		expect(resolveTransform('rfm.frequency', 'auto', v)).toBe('log1p');
		expect(resolveTransform('totalSpent', undefined, v)).toBe('log1p');
		expect(resolveTransform('rfm.averageOrderValue', 'auto', v)).toBe('log1p');
		expect(resolveTransform('rfm.monetary', 'none', v)).toBe('none');
		const skewed = new Float64Array([1, 1, 1, 1, 2, 2, 3, 50]);
		const flat = new Float64Array([1, 2, 3, 4, 5, 6, 7, 8]);
		const negative = new Float64Array([-5, 1, 1, 1, 2, 2, 3, 50]);
		expect(resolveTransform('visits', 'auto', skewed)).toBe('log1p');
		expect(resolveTransform('visits', 'auto', flat)).toBe('none');
		expect(resolveTransform('visits', 'auto', negative)).toBe('none');
	});

	it('knows RFM-like field names and humanizes the others', () => {
		expect(featureKind('rfm.recencyDays')).toBe('recency');
		expect(featureKind('days_since_last_order')).toBe('recency');
		expect(featureKind('ordersCount')).toBe('frequency');
		expect(featureKind('rfm.monetary')).toBe('monetary');
		expect(featureKind('total_spent')).toBe('monetary');
		expect(featureKind('rfm.averageOrderValue')).toBe('basket');
		expect(featureKind('rfm.r')).toBe('other');
		expect(featureKind('tenureDays')).toBe('other');
		expect(humanize('customer.tenureDays')).toBe('tenure days');
		expect(humanize('items_per_order')).toBe('items per order');
	});
});

describe('clusterLabels', () => {
	const fields = ['rfm.recencyDays', 'rfm.frequency', 'rfm.monetary'];
	it('describes each centre against the population, spend first', () => {
		const labels = clusterLabels(fields, [
			[-1, 1, 1],
			[1.5, -0.6, -0.5],
			[0, 0, 0],
		]);
		expect(labels).toEqual([
			'High spend · Frequent · Recent',
			'Low spend · Infrequent · Long lapsed',
			'Mid spend · Occasional · Cooling',
		]);
	});

	it('uses five tiers', () => {
		expect(clusterLabels(['rfm.monetary', 'x'], [[2, -2], [-2, 2]])).toEqual([
			'Top spend · Very low x',
			'Very low spend · Very high x',
		]);
	});

	it('makes equal names unique on the feature where the clusters differ most', () => {
		const two = clusterLabels(fields, [
			[-1, 1, 0.5],
			[-1, 1, 1.2],
		]);
		expect(two).toEqual(['High spend · Frequent · Recent (lower spend)', 'High spend · Frequent · Recent (higher spend)']);
		const three = clusterLabels(fields, [
			[0, 0.5, 0],
			[0.2, 0.6, 0],
			[-0.1, 0.9, 0],
		]);
		expect(three).toEqual([
			'Mid spend · Frequent · Cooling (frequency 1/3)',
			'Mid spend · Frequent · Cooling (frequency 2/3)',
			'Mid spend · Frequent · Cooling (frequency 3/3)',
		]);
		const same = clusterLabels(fields, [
			[0, 0, 0],
			[0, 0, 0],
		]);
		expect(new Set(same).size).toBe(2);
		expect(clusterLabels(fields, [[0, 0, 0]])).toEqual(['All customers']);
	});
});

describe('clusterRecords', () => {
	it('finds the three behaviours, names them, numbers them by size, with real figures', () => {
		const recs = customers(301);
		const report = clusterRecords(recs, { mode: 'fixed', k: 3, seed: 7 });
		expect(report.features).toEqual([
			{ field: 'rfm.recencyDays', transform: 'none' },
			{ field: 'rfm.frequency', transform: 'log1p' },
			{ field: 'rfm.monetary', transform: 'log1p' },
			{ field: 'rfm.averageOrderValue', transform: 'log1p' },
		]);
		expect(report.clusters.map((c) => c.size)).toEqual([101, 100, 100]);
		// every customer of one behaviour shares one cluster
		for (let type = 0; type < 3; type++) {
			const idx = new Set(recs.map((_, i) => i).filter((i) => i % 3 === type).map((i) => report.tags[i]?.index));
			expect(idx.size).toBe(1);
		}
		const byType = (t: number) => report.clusters.find((c) => c.index === report.tags[t]?.index)!;
		expect(byType(0).label).toBe('Top spend · Very frequent · Recent · Very big baskets');
		expect(byType(1).label).toMatch(/^Low spend · Infrequent · Long lapsed/);
		expect(byType(2).label).toMatch(/^Low spend · Infrequent · Recent/);
		// figures in original units
		expect(byType(0).mean['rfm.frequency']).toBeGreaterThan(10);
		expect(byType(0).mean['rfm.monetary']).toBeGreaterThan(1300);
		expect(byType(1).centroid['rfm.recencyDays']).toBeGreaterThan(350);
		expect(byType(0).index).toBe(1); // 101 members: the largest cluster is number 1
		expect(report.clusters.reduce((s, c) => s + c.share, 0)).toBeCloseTo(1, 5);
		// a fixed k is not scored unless asked
		expect(report.runs[0].silhouette).toBeNull();
		expect(report.runs[0].sampleSize).toBe(0);
		expect(report.clusters.every((c) => c.silhouette === null)).toBe(true);
		const scored = clusterRecords(recs, { mode: 'fixed', k: 3, seed: 7, silhouette: true });
		expect(scored.runs[0].silhouette as number).toBeGreaterThan(0.7);
		expect(scored.runs[0].sampleSize).toBe(301);
		expect(scored.tags).toEqual(report.tags);
		expect(report.tags.every((t) => t !== null && t.distance >= 0)).toBe(true);
		noNaN(report);
	});

	it('is identical on every run with the same seed', () => {
		const recs = customers(200, 3);
		const a = clusterRecords(recs, { seed: 5 });
		const b = clusterRecords(recs, { seed: 5 });
		expect(JSON.stringify(a)).toBe(JSON.stringify(b));
	});

	it('auto mode tries every k of the range, reports each silhouette and keeps the best', () => {
		const report = clusterRecords(customers(300), { mode: 'auto', kMin: 2, kMax: 6 });
		const run = report.runs[0];
		expect(run.kTried.map((s) => s.k)).toEqual([2, 3, 4, 5, 6]);
		const best = Math.max(...run.kTried.map((s) => s.silhouette as number));
		expect(run.silhouette).toBe(best);
		expect(run.k).toBe(3);
		expect(report.clusters).toHaveLength(3);
		expect(new Set(report.clusters.map((c) => c.label)).size).toBe(3);
	});

	it('missing or non-numeric value: error naming item and field (error mode)', () => {
		const recs = customers(20) as unknown as Record<string, unknown>[];
		(recs[7].rfm as Record<string, unknown>).monetary = 'n/a';
		expect(() => clusterRecords(recs, {})).toThrow(ClusterInputError);
		try {
			clusterRecords(recs, {});
		} catch (e) {
			expect((e as ClusterInputError).itemIndex).toBe(7);
			expect((e as ClusterInputError).field).toBe('rfm.monetary');
			expect((e as Error).message).toBe('Item 7: "rfm.monetary" is not a number (got text)');
		}
	});

	it('skip mode: bad items are left without a cluster and counted', () => {
		const recs = customers(30) as unknown as Record<string, unknown>[];
		delete (recs[4].rfm as Record<string, unknown>).recencyDays;
		(recs[9].rfm as Record<string, unknown>).frequency = NaN;
		(recs[11].rfm as Record<string, unknown>).monetary = '';
		const report = clusterRecords(recs, { onInvalid: 'skip', features: [{ field: 'rfm.recencyDays' }, { field: 'rfm.frequency' }, { field: 'rfm.monetary' }] });
		expect(report.skipped.map((s) => [s.itemIndex, s.field, s.reason])).toEqual([
			[4, 'rfm.recencyDays', '"rfm.recencyDays" is missing'],
			[9, 'rfm.frequency', '"rfm.frequency" is not a finite number (NaN)'],
			[11, 'rfm.monetary', '"rfm.monetary" is missing'],
		]);
		expect(report.tags[4]).toBeNull();
		expect(report.tags.filter((t) => t !== null)).toHaveLength(27);
		expect(report.clusters.reduce((s, c) => s + c.size, 0)).toBe(27);
		expect(report.notices[0]).toBe('3 items skipped (missing or non-numeric feature values)');
	});

	it('fewer customers than k (fixed): clear error', () => {
		expect(() => clusterRecords(customers(3), { mode: 'fixed', k: 5 })).toThrow(ClusterConfigError);
		expect(() => clusterRecords(customers(3), { mode: 'fixed', k: 5 })).toThrow(
			'Number of Clusters is 5 but only 3 customers can be clustered',
		);
	});

	it('auto mode with few customers reduces the range and says so', () => {
		const report = clusterRecords(customers(5), { mode: 'auto', kMin: 2, kMax: 8 });
		expect(report.runs[0].kTried.map((s) => s.k)).toEqual([2, 3, 4]);
		expect(report.notices).toContain('Only 5 customers: cluster counts tried reduced to 2–4 (asked 2–8)');
		const two = clusterRecords(customers(2), { mode: 'auto' });
		expect(two.clusters).toHaveLength(1);
		expect(two.notices[0]).toMatch(/too few to compare/);
	});

	it('all customers identical: one cluster, no NaN anywhere', () => {
		const same = Array.from({ length: 40 }, (_, i) => ({ id: i, rfm: { recencyDays: 30, frequency: 2, monetary: 99.5 } }));
		for (const mode of ['auto', 'fixed'] as const) {
			const report = clusterRecords(same, { mode, k: 4 });
			expect(report.clusters).toHaveLength(1);
			expect(report.clusters[0]).toMatchObject({
				index: 1,
				label: 'All customers',
				size: 40,
				share: 1,
				silhouette: null,
				centroid: { 'rfm.recencyDays': 30, 'rfm.frequency': 2, 'rfm.monetary': 99.5 },
				mean: { 'rfm.recencyDays': 30, 'rfm.frequency': 2, 'rfm.monetary': 99.5 },
			});
			expect(report.notices).toContain('All customers have the same feature values: one cluster');
			expect(report.tags.every((t) => t?.distance === 0)).toBe(true);
			noNaN(report);
		}
	});

	it('0 items → nothing; 1 item → one cluster', () => {
		const none = clusterRecords([], {});
		expect(none.tags).toEqual([]);
		expect(none.clusters).toEqual([]);
		const one = clusterRecords(customers(1), {});
		expect(one.clusters).toHaveLength(1);
		expect(one.tags[0]).toEqual({ index: 1, label: 'All customers', distance: 0 });
		expect(() => clusterRecords(customers(1), { mode: 'fixed', k: 2 })).toThrow(ClusterConfigError);
		expect(clusterRecords(customers(1), { mode: 'fixed', k: 1 }).clusters[0].size).toBe(1);
	});

	it('a constant feature gives no NaN and does not change the grouping', () => {
		const recs = customers(90).map((r) => ({ ...r, rfm: { ...r.rfm, flat: 5 } }));
		const report = clusterRecords(recs, {
			mode: 'fixed',
			k: 3,
			features: [{ field: 'rfm.recencyDays' }, { field: 'rfm.frequency' }, { field: 'rfm.monetary' }, { field: 'rfm.flat' }],
		});
		expect(report.clusters.map((c) => c.size)).toEqual([30, 30, 30]);
		expect(report.clusters.every((c) => c.centroid['rfm.flat'] === 5)).toBe(true);
		noNaN(report);
	});

	it('negative net spend (refunds) is fine with the signed log', () => {
		const recs = customers(60) as unknown as { rfm: Record<string, number> }[];
		recs[0].rfm.monetary = -120;
		const report = clusterRecords(recs, { mode: 'fixed', k: 3 });
		expect(report.tags[0]).not.toBeNull();
		noNaN(report);
	});

	it('clusters within groups: separate runs, keys like "Champions · 2", names prefixed by the group', () => {
		const recs = customers(300);
		const report = clusterRecords(recs, { mode: 'fixed', k: 2, groupField: 'rfm.segment' });
		expect(report.runs.map((r) => r.group)).toEqual(['Champions', 'Hibernating', 'New Customers']);
		expect(report.clusters).toHaveLength(6);
		const t = report.tags[0]!;
		expect(t.group).toBe('Champions');
		expect(t.key).toBe(`Champions · ${t.index}`);
		expect(t.label.startsWith('Champions · ')).toBe(true);
		for (const c of report.clusters) expect(c.key).toBe(`${c.group} · ${c.index}`);
		expect(new Set(report.clusters.map((c) => c.label)).size).toBe(6);
		const champions = report.clusters.filter((c) => c.group === 'Champions');
		expect(champions.reduce((s, c) => s + c.shareOfGroup, 0)).toBeCloseTo(1, 5);
		expect(report.clusters.reduce((s, c) => s + c.share, 0)).toBeCloseTo(1, 5);
	});

	it('within groups, a group smaller than k gets fewer clusters with a notice (no error)', () => {
		const recs = customers(30).map((r, i) => ({ ...r, tier: i < 2 ? 'vip' : undefined }));
		const report = clusterRecords(recs, { mode: 'fixed', k: 3, groupField: 'tier' });
		expect(report.runs.map((r) => [r.group, r.k])).toEqual([
			['vip', 2],
			['(empty)', 3],
		]);
		expect(report.notices).toContain('vip: Only 2 customers: 3 clusters reduced to 2');
	});

	it('reads custom dotted fields and numeric text', () => {
		const recs = customers(60).map((r) => ({
			stats: { visits: String(r.rfm.frequency), spend: r.rfm.monetary },
		}));
		const report = clusterRecords(recs, { mode: 'fixed', k: 3, features: [{ field: 'stats.visits' }, { field: 'stats.spend' }] });
		expect(report.tags.every((t) => t !== null)).toBe(true);
		expect(report.clusters.some((c) => /spend/.test(c.label))).toBe(true);
	});
});
