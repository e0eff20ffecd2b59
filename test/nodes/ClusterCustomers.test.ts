import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { ClusterCustomers } from '../../nodes/ClusterCustomers/ClusterCustomers.node';
import { clusterRecords, Random } from '../../nodes/core/kmeans';
import { runNode, toItems } from '../helpers/runNode';

const node = new ClusterCustomers();

/** Customer items as RFM Score emits them: three behaviours, seeded. */
function rfmItems(n: number, seed = 1): IDataObject[] {
	const rng = new Random(seed);
	const out: IDataObject[] = [];
	for (let i = 0; i < n; i++) {
		const type = i % 3;
		const j = () => 0.9 + 0.2 * rng.next();
		const frequency = Math.max(1, Math.round([12, 1, 2][type] * j()));
		const monetary = Math.round([1500, 40, 90][type] * j() * 100) / 100;
		out.push({
			customerId: `C${i}`,
			email: `c${i}@example.com`,
			rfm: {
				recencyDays: Math.round([10, 400, 30][type] * j()),
				frequency,
				monetary,
				averageOrderValue: Math.round((monetary / frequency) * 100) / 100,
				segment: ['Champions', 'Hibernating', 'Potential Loyalists'][type],
			},
		});
	}
	return out;
}

const json = (items: INodeExecutionData[]) => items.map((i) => i.json);

describe('Cluster Customers node', () => {
	it('describes itself as n8n expects', () => {
		const d = node.description;
		expect(d.name).toBe('clusterCustomers');
		expect(d.displayName).toBe('Cluster Customers');
		expect(d.usableAsTool).toBe(true);
		expect(d.icon).toBe('file:clusterCustomers.svg');
		for (const p of d.properties) expect(p.description ?? p.displayName).toBeTruthy();
	});

	it('adds a cluster group to every item and keeps every field', async () => {
		const rows = rfmItems(90);
		const [out] = await runNode(node, toItems(rows), { parameters: { clusterCount: 'fixed', numberOfClusters: 3 } });
		expect(out).toHaveLength(90);
		out.forEach((item, i) => {
			expect(item.pairedItem).toEqual({ item: i });
			expect(item.json.customerId).toBe(rows[i].customerId);
			expect(item.json.email).toBe(rows[i].email);
			expect(item.json.rfm).toEqual(rows[i].rfm);
			const c = item.json.cluster as IDataObject;
			expect(Object.keys(c).sort()).toEqual(['distance', 'index', 'label']);
			expect(c.index).toBeGreaterThanOrEqual(1);
			expect(c.index).toBeLessThanOrEqual(3);
			expect(typeof c.label).toBe('string');
			expect(c.distance as number).toBeGreaterThanOrEqual(0);
		});
		// the three behaviours are three clusters with three different names
		const labels = new Map<number, string>();
		out.forEach((item, i) => labels.set(i % 3, (item.json.cluster as IDataObject).label as string));
		expect(new Set(labels.values()).size).toBe(3);
		expect(labels.get(0)).toBe('Top spend · Very frequent · Recent · Very big baskets');
		// the input items are not mutated
		expect(rows[0].cluster).toBeUndefined();
	});

	it('gives the same output as the core on the same data (defaults: auto k, seed 42)', async () => {
		const rows = rfmItems(120, 4);
		const [out] = await runNode(node, toItems(rows));
		const report = clusterRecords(rows, { mode: 'auto', kMin: 2, kMax: 8, seed: 42 });
		expect(out.map((o) => o.json.cluster)).toEqual(report.tags);
		// and again: deterministic
		const [again] = await runNode(node, toItems(rows));
		expect(json(again)).toEqual(json(out));
	});

	it('summary output: one item per cluster with size, share, centroid, mean, silhouette and the k tried', async () => {
		const rows = rfmItems(150);
		const [customers, summary] = await runNode(node, toItems(rows), { parameters: { output: 'both', maxClusters: 5 } });
		expect(customers).toHaveLength(150);
		expect(summary.length).toBeGreaterThanOrEqual(2);
		const total = summary.reduce((s, i) => s + (i.json.size as number), 0);
		expect(total).toBe(150);
		const first = summary[0].json as IDataObject;
		expect(first.index).toBe(1);
		expect(Object.keys(first.centroid as IDataObject)).toEqual([
			'rfm.recencyDays',
			'rfm.frequency',
			'rfm.monetary',
			'rfm.averageOrderValue',
		]);
		const details = first.details as IDataObject;
		expect((details.kTried as IDataObject[]).map((k) => k.k)).toEqual([2, 3, 4, 5]);
		expect(details.k).toBe(summary.length);
		expect(details.scaling).toBe('zscore');
		expect(typeof details.silhouette).toBe('number');
		// each summary item is paired with the first member of its cluster (one link, not one per member)
		for (const s of summary) {
			const first = customers.findIndex((c) => (c.json.cluster as IDataObject).index === s.json.index);
			expect(s.pairedItem).toEqual({ item: first });
		}
		// sizes in the summary match the customers' cluster numbers
		for (const s of summary) {
			const members = customers.filter((c) => (c.json.cluster as IDataObject).index === s.json.index);
			expect(members).toHaveLength(s.json.size as number);
			expect(members.every((m) => (m.json.cluster as IDataObject).label === s.json.label)).toBe(true);
		}
	});

	it('summary only; a fixed number of clusters is scored only when asked', async () => {
		const [out] = await runNode(node, toItems(rfmItems(30)), {
			parameters: { output: 'summary', clusterCount: 'fixed', numberOfClusters: 3 },
		});
		expect(out).toHaveLength(3);
		expect(out.map((o) => o.json.size)).toEqual([10, 10, 10]);
		expect(out.map((o) => [o.json.silhouette, (o.json.details as IDataObject).silhouette, (o.json.details as IDataObject).sampleSize])).toEqual([
			[null, null, 0],
			[null, null, 0],
			[null, null, 0],
		]);
		const [scored] = await runNode(node, toItems(rfmItems(30)), {
			parameters: { output: 'summary', clusterCount: 'fixed', numberOfClusters: 3, options: { silhouette: true } },
		});
		expect(scored.every((o) => typeof o.json.silhouette === 'number' && (o.json.details as IDataObject).sampleSize === 30)).toBe(true);
	});

	it('stops on a missing feature, naming the item and the field', async () => {
		const rows = rfmItems(12);
		delete (rows[5].rfm as IDataObject).monetary;
		await expect(runNode(node, toItems(rows))).rejects.toThrow('Item 5: "rfm.monetary" is missing');
		try {
			await runNode(node, toItems(rows));
		} catch (e) {
			expect((e as { context?: IDataObject }).context?.itemIndex).toBe(5);
			expect((e as { description?: string }).description).toMatch(/put RFM Score before this node/);
		}
		// raw customers without RFM fields: the hint says where the fields come from
		await expect(runNode(node, toItems([{ customerId: 'A', totalSpent: 10 }]))).rejects.toThrow(
			'Item 0: "rfm.recencyDays" is missing',
		);
	});

	it('Threads option: the same clusters and figures on 1 and 3 threads and by default', async () => {
		// (bit-identical results on large inputs, where worker threads run, are tested in
		// test/core/kmeans-threads.test.ts; jest runs the node too slowly for 200,000-point inputs)
		const rows = rfmItems(300, 5);
		const run = async (options: IDataObject) =>
			JSON.stringify(
				(await runNode(node, toItems(rows), { parameters: { output: 'both', clusterCount: 'auto', options } })).map(json),
			);
		const one = await run({ threads: 1 });
		expect(await run({ threads: 3 })).toBe(one);
		expect(await run({})).toBe(one);
	});

	it('Skip Invalid Items: passes them through without a cluster and counts them', async () => {
		const rows = rfmItems(30);
		(rows[2].rfm as IDataObject).frequency = 'lots';
		(rows[8].rfm as IDataObject).recencyDays = null;
		const [customers, summary] = await runNode(node, toItems(rows), {
			parameters: { output: 'both', clusterCount: 'fixed', numberOfClusters: 3, options: { skipInvalid: true } },
		});
		expect(customers).toHaveLength(30);
		expect(customers[2].json.cluster).toEqual({
			index: null,
			label: null,
			distance: null,
			skipped: '"rfm.frequency" is not a number (got text)',
		});
		expect(customers[8].json.cluster).toMatchObject({ index: null, skipped: '"rfm.recencyDays" is missing' });
		expect((summary[0].json.details as IDataObject).skipped).toBe(2);
		expect(summary.reduce((s, i) => s + (i.json.size as number), 0)).toBe(28);
	});

	it('continueOnFail: bad items become error items, the others are clustered', async () => {
		const rows = rfmItems(30);
		(rows[4].rfm as IDataObject).monetary = 'abc';
		const [out] = await runNode(node, toItems(rows), {
			continueOnFail: true,
			parameters: { clusterCount: 'fixed', numberOfClusters: 3 },
		});
		expect(out).toHaveLength(30);
		const errors = out.filter((o) => o.json.error);
		expect(errors).toEqual([
			{
				json: {
					error: 'Item 4: "rfm.monetary" is not a number (got text)',
					field: 'rfm.monetary',
					reason: '"rfm.monetary" is not a number (got text)',
					itemIndex: 4,
				},
				pairedItem: { item: 4 },
			},
		]);
		expect(out.filter((o) => o.json.cluster)).toHaveLength(29);
	});

	it('fewer customers than the fixed number of clusters: clear error', async () => {
		await expect(
			runNode(node, toItems(rfmItems(3)), { parameters: { clusterCount: 'fixed', numberOfClusters: 5 } }),
		).rejects.toThrow('Number of Clusters is 5 but only 3 customers can be clustered');
	});

	it('0 items → 0 items on every output; 1 item → one cluster', async () => {
		expect(await runNode(node, [])).toEqual([[]]);
		expect(await runNode(node, [], { parameters: { output: 'both' } })).toEqual([[], []]);
		const [one] = await runNode(node, toItems(rfmItems(1)));
		expect(one[0].json.cluster).toEqual({ index: 1, label: 'All customers', distance: 0 });
	});

	it('all customers identical: one cluster and a notice, no NaN', async () => {
		const rows = Array.from({ length: 25 }, (_, i) => ({ id: i, rfm: { recencyDays: 5, frequency: 1, monetary: 20 } }));
		const [customers, summary] = await runNode(node, toItems(rows), { parameters: { output: 'both' } });
		expect(new Set(customers.map((c) => (c.json.cluster as IDataObject).index))).toEqual(new Set([1]));
		expect(summary).toHaveLength(1);
		expect((summary[0].json.details as IDataObject).notices).toContain('All customers have the same feature values: one cluster');
		expect(JSON.stringify([customers, summary])).not.toMatch(/NaN|Infinity/);
	});

	it('custom features with transforms and min-max scaling', async () => {
		const rows = rfmItems(60).map((r) => ({ ...r, web: { sessions: (r.rfm as IDataObject).frequency } }));
		const [customers, summary] = await runNode(node, toItems(rows), {
			parameters: {
				features: 'custom',
				customFeatures: {
					feature: [
						{ field: 'web.sessions', transform: 'none' },
						{ field: 'rfm.monetary', transform: 'log1p' },
					],
				},
				scaling: 'minmax',
				clusterCount: 'fixed',
				numberOfClusters: 3,
				output: 'both',
			},
		});
		expect(customers).toHaveLength(60);
		expect((summary[0].json.details as IDataObject).features).toEqual([
			{ field: 'web.sessions', transform: 'none' },
			{ field: 'rfm.monetary', transform: 'log1p' },
		]);
		expect((summary[0].json.details as IDataObject).scaling).toBe('minmax');
		expect(summary.some((s) => /sessions/.test(s.json.label as string))).toBe(true);
	});

	it('rejects an empty custom feature or an inverted range', async () => {
		await expect(
			runNode(node, toItems(rfmItems(9)), {
				parameters: { features: 'custom', customFeatures: { feature: [{ field: ' ', transform: 'auto' }] } },
			}),
		).rejects.toThrow('Custom feature 1 has no field name');
		await expect(runNode(node, toItems(rfmItems(9)), { parameters: { minClusters: 6, maxClusters: 3 } })).rejects.toThrow(
			'Maximum Clusters (3) is below Minimum Clusters (6)',
		);
	});

	it('cluster within RFM segments: micro-segment keys like "Champions · 1"', async () => {
		const rows = rfmItems(90);
		const [customers, summary] = await runNode(node, toItems(rows), {
			parameters: { withinGroups: true, clusterCount: 'fixed', numberOfClusters: 2, output: 'both' },
		});
		const c0 = customers[0].json.cluster as IDataObject;
		expect(c0.group).toBe('Champions');
		expect(c0.key).toBe(`Champions · ${c0.index}`);
		expect((c0.label as string).startsWith('Champions · ')).toBe(true);
		expect(summary).toHaveLength(6);
		expect(new Set(summary.map((s) => s.json.key)).size).toBe(6);
	});
});
