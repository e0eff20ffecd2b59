/** Segment sizes and revenue share: two bars per segment, customers and revenue, as shares of the total. */
import { formatCount, formatMoney, formatPercent } from '../format';
import type { ReportData } from '../model';
import { label, MUTED, n, PALETTE, rect, text } from '../svg';
import { barWidth, legend, type Chart } from './common';

const LABEL = 150;
const ROW = 34;
const VALUES = 128;

export function segmentsChart(data: ReportData, width: number): Chart | null {
	const rows = data.segments;
	if (!rows || rows.length === 0) return null;
	const key = legend(
		[
			{ color: PALETTE.blue, text: 'Share of customers' },
			{ color: PALETTE.orange, text: 'Share of revenue' },
		],
		width,
	);
	const top = key.height + 8;
	const full = width - LABEL - VALUES;
	const max = Math.max(...rows.map((r) => Math.max(r.share, r.revenueShare)));
	const out: string[] = [key.svg];
	rows.forEach((r, i) => {
		const y = top + i * ROW;
		const path = `segments.${i}`;
		out.push(text(0, y + 17, label(`${path}.segment`, r.segment, LABEL - 10, 12), { size: 12 }));
		if (r.customers === 0) {
			out.push(text(LABEL, y + 17, 'no customers', { size: 10.5, fill: MUTED }));
			return;
		}
		const wc = barWidth(r.share, max, full);
		const wr = barWidth(r.revenueShare, max, full);
		out.push(rect(LABEL, y + 4, wc, 11, PALETTE.blue), rect(LABEL, y + 17, wr, 11, PALETTE.orange));
		out.push(
			text(LABEL + wc + 5, y + 13, [n(`${path}.share`, formatPercent(r.share)), ' · ', n(`${path}.customers`, formatCount(r.customers))], { size: 10.5, fill: MUTED }),
			text(LABEL + wr + 5, y + 26, [n(`${path}.revenueShare`, formatPercent(r.revenueShare)), ' · ', n(`${path}.revenue`, formatMoney(r.revenue, data.currency))], {
				size: 10.5,
				fill: MUTED,
			}),
		);
	});
	return {
		id: 'segments',
		title: 'Segments: size and revenue',
		subtitle: 'Share of all customers and of all revenue (net spend) in each segment, with the counts.',
		height: top + rows.length * ROW,
		body: out.join(''),
	};
}
