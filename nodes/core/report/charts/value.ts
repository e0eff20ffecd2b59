/** Predicted value by segment (Customer Value's `clv` group): total, average and chance still active. */
import { formatCount, formatMoney, formatPercent } from '../format';
import type { ReportData } from '../model';
import { label, MUTED, n, PALETTE, rect, text, type Part } from '../svg';
import { barWidth, type Chart } from './common';

const LABEL = 150;
const ROW = 34;
const RIGHT = 150;

export function valueChart(data: ReportData, width: number): Chart | null {
	const v = data.predictedValue;
	if (!v || v.segments.length === 0) return null;
	const full = width - LABEL - RIGHT - 70;
	const out: string[] = [];
	out.push(text(width, 10, 'average per customer · still active', { size: 10, fill: MUTED, anchor: 'end' }));
	v.segments.forEach((r, i) => {
		const y = 18 + i * ROW;
		const path = `predictedValue.segments.${i}`;
		const w = barWidth(r.predictedValue, v.maxPredictedValue, full);
		out.push(text(0, y + 17, label(`${path}.segment`, r.segment, LABEL - 10, 12), { size: 12 }));
		out.push(rect(LABEL, y + 6, w, 14, PALETTE.green, 'rx="1"'));
		out.push(text(LABEL + w + 5, y + 17, n(`${path}.predictedValue`, formatMoney(r.predictedValue, data.currency, true)), { size: 11, weight: 600 }));
		const right: Part[] = [];
		if (r.averagePredictedValue !== null) right.push(n(`${path}.averagePredictedValue`, formatMoney(r.averagePredictedValue, data.currency)));
		if (r.averageProbabilityAlive !== null) right.push(right.length ? ' · ' : '', n(`${path}.averageProbabilityAlive`, formatPercent(r.averageProbabilityAlive, 0)));
		out.push(text(width, y + 17, right, { size: 11, fill: MUTED, anchor: 'end' }));
		out.push(text(width, y + 30, [n(`${path}.customers`, formatCount(r.customers)), ' customers'], { size: 9.5, fill: MUTED, anchor: 'end' }));
	});
	const horizon: Part[] = v.horizonDays !== null ? ['next ', n('predictedValue.horizonDays', formatCount(v.horizonDays)), ' days'] : ['the model horizon'];
	return {
		id: 'predictedValue',
		title: 'Predicted value by segment',
		subtitle: 'What Customer Value expects each segment to spend, in total and per customer, and the chance its customers are still active.',
		height: 18 + v.segments.length * ROW + 22,
		body: out.join('') + text(0, 18 + v.segments.length * ROW + 14, ['Customer Value: value expected over the ', ...horizon, ', total ', n('predictedValue.predictedValue', formatMoney(v.predictedValue, data.currency))], { size: 10.5, fill: MUTED }),
	};
}
