/** Cluster profiles: size and average recency, orders and spend of every cluster, one row each. */
import { formatCount, formatMoney, formatNumber, formatPercent } from '../format';
import type { ClusterRow, ReportData } from '../model';
import { labelLines, MUTED, n, PALETTE, rect, RULE, text, type Part } from '../svg';
import { barWidth, type Chart } from './common';

const LABEL = 176;
const ROW = 34;
const HEAD = 30;

interface Column {
	title: [string, string];
	color: string;
	value: (r: ClusterRow) => number | null;
	parts: (r: ClusterRow, path: string) => Part[];
}

function columns(currency: string | null): Column[] {
	return [
		{
			title: ['Customers', '(share)'],
			color: PALETTE.blue,
			value: (r) => r.customers,
			parts: (r, p) => [n(`${p}.customers`, formatCount(r.customers)), ' (', n(`${p}.share`, formatPercent(r.share, 0)), ')'],
		},
		{
			title: ['Days since', 'last order'],
			color: PALETTE.sky,
			value: (r) => r.meanRecencyDays,
			parts: (r, p) => (r.meanRecencyDays === null ? ['–'] : [n(`${p}.meanRecencyDays`, formatCount(r.meanRecencyDays))]),
		},
		{
			title: ['Orders per', 'customer'],
			color: PALETTE.green,
			value: (r) => r.meanFrequency,
			parts: (r, p) => (r.meanFrequency === null ? ['–'] : [n(`${p}.meanFrequency`, formatNumber(r.meanFrequency, 1))]),
		},
		{
			title: ['Spend per', 'customer'],
			color: PALETTE.orange,
			value: (r) => r.meanMonetary,
			parts: (r, p) => (r.meanMonetary === null ? ['–'] : [n(`${p}.meanMonetary`, formatMoney(r.meanMonetary, currency))]),
		},
	];
}

export function clustersChart(data: ReportData, width: number): Chart | null {
	const rows = data.clusters;
	if (!rows || rows.length === 0) return null;
	const cols = columns(data.currency).filter((c, i) => i === 0 || rows.some((r) => c.value(r) !== null));
	const cw = (width - LABEL) / cols.length;
	const out: string[] = [];
	cols.forEach((c, j) => {
		const x = LABEL + j * cw;
		out.push(text(x, 11, c.title[0], { size: 10.5, weight: 600, fill: MUTED }), text(x, 24, c.title[1], { size: 10.5, fill: MUTED }));
	});
	rows.forEach((r, i) => {
		const y = HEAD + i * ROW;
		const path = `clusters.${i}`;
		out.push(rect(0, y + ROW - 1, width, 1, RULE));
		out.push(labelLines(0, y + 17, `${path}.cluster`, r.cluster, LABEL - 12, 2, { size: 11 }));
		cols.forEach((c, j) => {
			const x = LABEL + j * cw;
			const max = Math.max(...rows.map((row) => c.value(row) ?? 0));
			const v = c.value(r);
			out.push(text(x, y + 15, c.parts(r, path), { size: 11 }));
			if (v !== null) out.push(rect(x, y + 20, barWidth(v, max, cw - 14), 6, c.color, 'rx="1"'));
		});
	});
	return {
		id: 'clusters',
		title: 'Cluster profiles',
		subtitle: 'Each k-means cluster of Cluster Customers with the average of its customers; bars compare clusters.',
		height: HEAD + rows.length * ROW,
		body: out.join(''),
	};
}
