/**
 * One pass over the items, of any kind and in any order, recognised by their field groups:
 * `rfm` (RFM Score), `cluster` (Cluster Customers), `change` (Segment Changes), `clv` (Customer
 * Value), `route` (Segment Router), `delivery` and `{ summary }` (Campaign Send). Memory does not
 * grow with the number of customers: only counts and sums per segment, cell, cluster and campaign.
 */
import { formatCount, isoDay } from '../format';
import type { Json } from '../../fields';
import type { ReportData } from '../model';
import { CampaignAccumulator } from './campaigns';
import { ClusterAccumulator } from './clusters';
import { CustomerAccumulator } from './customers';
import { round } from './fold';
import { MovementAccumulator } from './movement';
import { Counter, field, group, MAX_KEYS, name } from './read';
import { ValueAccumulator } from './value';

export interface ReportOptions {
	/** Title at the top of the report. */
	title?: string;
	/** Field holding each customer's segment (dotted path). Default `rfm.segment`. */
	segmentField?: string;
	/** Rows per chart; beyond, the smallest rows are folded into "Other". Default 12. */
	maxRows?: number;
	/** Currency of the money figures; customers in another one are left out of them. Default: the first one seen. */
	currency?: string | null;
}

export const DEFAULT_TITLE = 'Segment Report';

export class ReportAggregator {
	items = 0;
	private unrecognized = 0;
	private readonly lookalikes = new Counter();
	private readonly customers: CustomerAccumulator;
	private readonly clusters = new ClusterAccumulator();
	private readonly movement = new MovementAccumulator();
	private readonly value: ValueAccumulator;
	private readonly campaigns = new CampaignAccumulator();

	constructor(private readonly options: ReportOptions = {}) {
		const segmentField = (options.segmentField ?? '').trim() || 'rfm.segment';
		this.customers = new CustomerAccumulator(segmentField, options.currency ?? null);
		this.value = new ValueAccumulator(segmentField);
	}

	add(json: Json | null | undefined): void {
		this.items++;
		if (json === null || typeof json !== 'object') {
			this.unrecognized++;
			return;
		}
		let known = false;
		const use = (groupName: string, read: (g: Json) => void): boolean => {
			const g = group(json, groupName);
			if (g) read(g);
			known ||= g !== undefined;
			return g !== undefined;
		};
		use('rfm', (g) => this.customers.add(json, g));
		use('cluster', (g) => this.clusters.add(json, g));
		use('change', (g) => this.movement.add(g));
		use('clv', (g) => this.value.add(json, g));
		// A Campaign Send recipient also carries the `route` of Segment Router: counted once, as delivered.
		if (!use('delivery', (g) => this.campaigns.addRecipient(json, g))) use('route', (g) => this.campaigns.addRouted(json, g));
		const summary = group(json, 'summary');
		if (summary && name(field(summary, 'campaignKey')) !== null) {
			known = true;
			this.campaigns.addSummary(summary);
		}
		if (!known) {
			this.unrecognized++;
			this.noteLookalike(json);
		}
	}

	/** Summary outputs of our own nodes, connected by mistake instead of their customers output. */
	private noteLookalike(json: Json): void {
		if (typeof json.segment === 'string' && 'revenueShare' in json) this.lookalikes.inc('RFM Score');
		else if (typeof json.label === 'string' && 'centroid' in json) this.lookalikes.inc('Cluster Customers');
	}

	finish(): ReportData {
		const maxRows = Math.min(50, Math.max(3, Math.floor(this.options.maxRows ?? 12)));
		const c = this.customers;
		const refs = [...c.referenceDates].sort();
		return {
			title: (this.options.title ?? '').trim() || DEFAULT_TITLE,
			asOf: refs.length ? isoDay(refs[refs.length - 1]) ?? refs[refs.length - 1] : null,
			currency: c.currency,
			summary: {
				items: this.items,
				customers: c.customers,
				revenue: round(c.revenue, 2),
				averageRevenue: c.customers ? round(c.revenue / c.customers, 2) : null,
				clustered: this.clusters.count,
				changes: this.movement.count,
				withPredictedValue: this.value.count,
				routed: this.campaigns.routed,
				deliveries: this.campaigns.recipients,
				campaignSummaries: this.campaigns.summaries,
				unrecognized: this.unrecognized,
			},
			segments: c.segmentRows(maxRows),
			grid: c.grid(),
			movement: this.movement.result(maxRows),
			clusters: this.clusters.result(maxRows),
			predictedValue: this.value.result(maxRows),
			campaigns: this.campaigns.result(maxRows),
			notices: this.notices(refs),
		};
	}

	private notices(refs: string[]): string[] {
		const out: string[] = [];
		const skips: [string, Counter][] = [
			['customer', this.customers.skipped],
			['clustered item', this.clusters.skipped],
			['change item', this.movement.skipped],
			['Customer Value item', this.value.skipped],
			['delivery item', this.campaigns.skipped],
		];
		for (const [what, counter] of skips)
			for (const [reason, n] of counter.entries()) out.push(`${formatCount(n)} ${what}${n === 1 ? '' : 's'}: ${reason}${reason.startsWith('other currency') ? `, left out of the money figures (the report is in ${this.customers.currency})` : ''}`);
		if (refs.length > 1) out.push(`Customers were scored on ${refs.length} different reference dates (${refs[0]} … ${refs[refs.length - 1]}): several RFM runs were merged`);
		for (const [node, n] of this.lookalikes.entries())
			out.push(`${formatCount(n)} item${n === 1 ? '' : 's'} look${n === 1 ? 's' : ''} like the summary output of ${node}: connect its customers output to the report instead`);
		if (this.unrecognized > 0)
			out.push(`${formatCount(this.unrecognized)} of ${formatCount(this.items)} items carry none of the groups the report reads (rfm, cluster, change, clv, route, delivery) and were not counted`);
		if (this.items === 0) out.push('No items reached the report');
		return out;
	}
}

export { MAX_KEYS };
