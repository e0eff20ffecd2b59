/** Cluster Customers items (`cluster` group): size and average R, F, M of every cluster. */
import type { Json } from '../../fields';
import type { ClusterRow } from '../model';
import { foldRows, mean, otherLabel, ratio, round, roundOrNull } from './fold';
import { BoundedMap, Counter, displayName, field, group, MAX_KEYS, name, num } from './read';

interface ClusterAcc {
	index: number | null;
	customers: number;
	sums: [number, number, number];
	counts: [number, number, number];
}

const RFM_FIELDS = ['recencyDays', 'frequency', 'monetary'] as const;

export class ClusterAccumulator {
	count = 0;
	readonly skipped = new Counter();
	private readonly clusters = new BoundedMap<ClusterAcc>(() => ({ index: null, customers: 0, sums: [0, 0, 0], counts: [0, 0, 0] }), () => this.skipped.inc(`more than ${MAX_KEYS} different clusters: the rest counted as "Other"`));

	add(json: Json, cluster: Json): void {
		const label = name(field(cluster, 'label'));
		if (label === null) {
			this.skipped.inc(name(field(cluster, 'skipped')) ? 'skipped by Cluster Customers' : 'cluster without a label');
			return;
		}
		this.count++;
		const acc = this.clusters.get(label);
		acc.customers++;
		const index = num(field(cluster, 'index'));
		if (acc.index === null && index !== undefined) acc.index = index;
		const rfm = group(json, 'rfm');
		if (!rfm) return;
		RFM_FIELDS.forEach((f, i) => {
			const v = num(field(rfm, f));
			if (v !== undefined) {
				acc.sums[i] += v;
				acc.counts[i]++;
			}
		});
	}

	result(maxRows: number): ClusterRow[] | null {
		if (this.count === 0) return null;
		const entries = [...this.clusters.map.entries()].sort(
			(a, b) => b[1].customers - a[1].customers || (a[1].index ?? 1e9) - (b[1].index ?? 1e9) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
		);
		type Entry = { label: string; acc: ClusterAcc; folded: number };
		const list: Entry[] = entries.map(([label, acc]) => ({ label: displayName(label), acc, folded: 0 }));
		const folded = foldRows(list, maxRows, (e) => e.acc.customers, (rest) => {
			const acc: ClusterAcc = { index: null, customers: 0, sums: [0, 0, 0], counts: [0, 0, 0] };
			for (const e of rest) {
				acc.customers += e.acc.customers;
				for (let i = 0; i < 3; i++) {
					acc.sums[i] += e.acc.sums[i];
					acc.counts[i] += e.acc.counts[i];
				}
			}
			return { label: otherLabel(rest.length, 'clusters'), acc, folded: rest.length };
		});
		return folded.map((e) => this.row(e.label, e.acc, e.folded));
	}

	private row(cluster: string, acc: ClusterAcc, folded: number): ClusterRow {
		return {
			cluster,
			index: folded ? null : acc.index,
			customers: acc.customers,
			share: round(ratio(acc.customers, this.count), 6),
			meanRecencyDays: roundOrNull(mean(acc.sums[0], acc.counts[0]), 1),
			meanFrequency: roundOrNull(mean(acc.sums[1], acc.counts[1]), 2),
			meanMonetary: roundOrNull(mean(acc.sums[2], acc.counts[2]), 2),
			folded,
		};
	}
}
