/**
 * Customer Value items (`clv` group: predictedValue, probabilityAlive, churnRisk, expectedOrders,
 * tier, horizonDays): predicted value per segment and per value tier.
 */
import { getPath, type Json } from '../../fields';
import { RFM_SEGMENT_NAMES } from '../../playbook/router';
import type { PredictedValue, ValueRow } from '../model';
import { foldRows, mean, otherLabel, round, roundOrNull } from './fold';
import { BoundedMap, Counter, displayName, field, group, MAX_KEYS, name, num } from './read';

interface ValueAcc {
	customers: number;
	value: number;
	alive: number;
	aliveN: number;
	churn: number;
	churnN: number;
	orders: number;
}

const blank = (): ValueAcc => ({ customers: 0, value: 0, alive: 0, aliveN: 0, churn: 0, churnN: 0, orders: 0 });

export class ValueAccumulator {
	count = 0;
	value = 0;
	readonly skipped = new Counter();
	readonly horizons = new Set<number>();
	private readonly segments = new BoundedMap<ValueAcc>(blank, () => this.skipped.inc(`more than ${MAX_KEYS} different segments: the rest counted as "Other"`));
	private readonly tiers = new BoundedMap<{ customers: number; value: number }>(() => ({ customers: 0, value: 0 }), () => this.skipped.inc(`more than ${MAX_KEYS} different value tiers: the rest counted as "Other"`));
	private groupedBy: string | null = null;

	constructor(private readonly segmentField: string) {}

	add(json: Json, clv: Json): void {
		const raw = field(clv, 'predictedValue');
		const value = num(raw);
		if (value === undefined) {
			// Customer Value keeps customers without orders with empty predictions (tier "No Orders"):
			// not a bad value, a customer the model has nothing to say about.
			this.skipped.inc(raw === null || raw === undefined ? 'customers without a prediction (no orders: Customer Value leaves their value empty)' : 'unreadable clv.predictedValue');
			return;
		}
		this.count++;
		this.value += value;
		const { key, by } = this.segmentOf(json);
		if (this.groupedBy === null || (by !== 'all customers' && this.groupedBy === 'all customers')) this.groupedBy = by;
		const acc = this.segments.get(key);
		acc.customers++;
		acc.value += value;
		const alive = num(field(clv, 'probabilityAlive'));
		if (alive !== undefined) {
			acc.alive += alive;
			acc.aliveN++;
		}
		const churn = num(field(clv, 'churnRisk')) ?? (alive !== undefined ? 1 - alive : undefined);
		if (churn !== undefined) {
			acc.churn += churn;
			acc.churnN++;
		}
		acc.orders += num(field(clv, 'expectedOrders')) ?? 0;
		const horizon = num(field(clv, 'horizonDays'));
		if (horizon !== undefined) this.horizons.add(horizon);
		const tier = name(field(clv, 'tier'));
		if (tier !== null) {
			const t = this.tiers.get(tier);
			t.customers++;
			t.value += value;
		}
	}

	/** The customer's segment (segment field), else its cluster, else everyone together. */
	private segmentOf(json: Json): { key: string; by: string } {
		const segment = name(getPath(json, this.segmentField));
		if (segment !== null) return { key: segment, by: this.segmentField };
		const cluster = group(json, 'cluster');
		const label = cluster ? name(field(cluster, 'label')) : null;
		if (label !== null) return { key: label, by: 'cluster.label' };
		return { key: 'All customers', by: 'all customers' };
	}

	result(maxRows: number): PredictedValue | null {
		if (this.count === 0) return null;
		const keys = [...this.segments.map.keys()];
		const standard = keys.every((k) => RFM_SEGMENT_NAMES.includes(k));
		const ordered = standard
			? RFM_SEGMENT_NAMES.filter((k) => this.segments.map.has(k))
			: keys.sort((a, b) => this.segments.map.get(b)!.value - this.segments.map.get(a)!.value || (a < b ? -1 : a > b ? 1 : 0));
		type Entry = { label: string; acc: ValueAcc; folded: number };
		const entries: Entry[] = ordered.map((k) => ({ label: displayName(k), acc: this.segments.map.get(k)!, folded: 0 }));
		const rows = foldRows(entries, maxRows, (e) => e.acc.value, (rest) => {
			const acc = blank();
			for (const { acc: a } of rest) for (const k of Object.keys(acc) as (keyof ValueAcc)[]) acc[k] += a[k];
			return { label: otherLabel(rest.length, 'segments'), acc, folded: rest.length };
		}).map((e) => valueRow(e.label, e.acc, e.folded));
		const tiers = [...this.tiers.map.entries()]
			.sort((a, b) => b[1].value / Math.max(1, b[1].customers) - a[1].value / Math.max(1, a[1].customers))
			.slice(0, maxRows)
			.map(([tier, t]) => ({ tier: displayName(tier), customers: t.customers, predictedValue: round(t.value, 2) }));
		return {
			groupedBy: this.groupedBy ?? 'all customers',
			horizonDays: this.horizons.size === 1 ? [...this.horizons][0] : null,
			customers: this.count,
			predictedValue: round(this.value, 2),
			maxPredictedValue: Math.max(...rows.map((r) => r.predictedValue)),
			segments: rows,
			tiers,
		};
	}
}

function valueRow(segment: string, a: ValueAcc, folded: number): ValueRow {
	return {
		segment,
		customers: a.customers,
		predictedValue: round(a.value, 2),
		averagePredictedValue: roundOrNull(mean(a.value, a.customers), 2),
		averageProbabilityAlive: roundOrNull(mean(a.alive, a.aliveN), 4),
		averageChurnRisk: roundOrNull(mean(a.churn, a.churnN), 4),
		expectedOrders: round(a.orders, 2),
		folded,
	};
}
