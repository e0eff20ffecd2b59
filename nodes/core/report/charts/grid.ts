/** The R×F grid as a heatmap: customers and revenue per cell, thick borders between segments. */
import { formatCompact, formatCount, formatMoney } from '../format';
import type { Grid, ReportData, ScoreRange } from '../model';
import { inkOn, label, line, MUTED, n, RAMPS, ramp, rect, text, type Part } from '../svg';
import type { Chart } from './common';

const LEFT = 96;
const BOTTOM = 62;
const BORDER = '#1f2933';

function rangeParts(path: string, r: ScoreRange, unit: [string, string]): Part[] {
	if (r.min === null || r.max === null) return ['no customers'];
	const min = n(`${path}.min`, formatCount(r.min));
	if (r.min === r.max) return [min, ' ', r.min === 1 ? unit[0] : unit[1]];
	return [min, '–', n(`${path}.max`, formatCount(r.max)), ' ', unit[1]];
}

function cellFill(customers: number, max: number): string {
	return customers === 0 ? '#fafbfc' : ramp(RAMPS.blue, 0.12 + 0.88 * Math.sqrt(customers / Math.max(1, max)));
}

function cells(grid: Grid, currency: string | null, cw: number, ch: number): string {
	const out: string[] = [];
	const labelled = new Set<string>();
	grid.cells.forEach((c, i) => {
		const x = LEFT + (c.f - 1) * cw;
		const y = (grid.scores - c.r) * ch;
		const fill = cellFill(c.customers, grid.maxCustomers);
		const ink = c.customers === 0 ? '#9aa5b1' : inkOn(fill);
		out.push(rect(x, y, cw, ch, fill));
		const path = `grid.cells.${i}`;
		if (c.segment !== null && !labelled.has(c.segment)) {
			labelled.add(c.segment);
			// The name may run over the cells of the same segment to its right.
			let run = 1;
			while (c.f + run <= grid.scores && grid.cells[i + run].segment === c.segment) run++;
			out.push(text(x + 5, y + 13, label(`${path}.segment`, c.segment, run * cw - 10, 9.5, 600), { size: 9.5, weight: 600, fill: ink }));
		}
		out.push(text(x + cw / 2, y + ch / 2 + 7, n(`${path}.customers`, formatCount(c.customers)), { size: 15, weight: 600, fill: ink, anchor: 'middle' }));
		if (c.customers > 0)
			out.push(text(x + cw / 2, y + ch / 2 + 22, n(`${path}.revenue`, formatMoney(c.revenue, currency, true)), { size: 10.5, fill: ink, anchor: 'middle' }));
	});
	return out.join('');
}

/** Thin lines between cells of one segment, thick ones between segments and around the grid. */
function borders(grid: Grid, cw: number, ch: number): string {
	const k = grid.scores;
	const at = (r: number, f: number) => grid.cells[(k - r) * k + (f - 1)];
	const out: string[] = [];
	for (let r = k; r >= 1; r--)
		for (let f = 1; f <= k; f++) {
			const x = LEFT + (f - 1) * cw;
			const y = (k - r) * ch;
			if (f < k) {
				const other = at(r, f + 1).segment !== at(r, f).segment;
				out.push(line(x + cw, y, x + cw, y + ch, other ? BORDER : '#ffffff', other ? 2.5 : 1));
			}
			if (r > 1) {
				const other = at(r - 1, f).segment !== at(r, f).segment;
				out.push(line(x, y + ch, x + cw, y + ch, other ? BORDER : '#ffffff', other ? 2.5 : 1));
			}
		}
	out.push(rect(LEFT, 0, k * cw, k * ch, 'none', `stroke="${BORDER}" stroke-width="2.5"`));
	return out.join('');
}

function axes(grid: Grid, cw: number, ch: number): string {
	const out: string[] = [];
	const k = grid.scores;
	grid.recency.forEach((r, i) => {
		const y = (k - r.score) * ch;
		out.push(text(LEFT - 8, y + ch / 2 - 2, ['R', n2(`grid.recency.${i}.score`, r.score)], { size: 12, weight: 600, anchor: 'end' }));
		out.push(text(LEFT - 8, y + ch / 2 + 13, rangeParts(`grid.recency.${i}`, r, ['day', 'days']), { size: 10, fill: MUTED, anchor: 'end' }));
	});
	const top = k * ch;
	grid.frequency.forEach((f, i) => {
		const x = LEFT + (f.score - 1) * cw + cw / 2;
		out.push(text(x, top + 16, ['F', n2(`grid.frequency.${i}.score`, f.score)], { size: 12, weight: 600, anchor: 'middle' }));
		out.push(text(x, top + 30, rangeParts(`grid.frequency.${i}`, f, ['order', 'orders']), { size: 10, fill: MUTED, anchor: 'middle' }));
	});
	out.push(text(LEFT + (k * cw) / 2, top + 50, 'Frequency score → more orders', { size: 11, fill: MUTED, anchor: 'middle' }));
	out.push(text(12, top / 2, 'Recency score → bought more recently', { size: 11, fill: MUTED, anchor: 'middle', extra: `transform="rotate(-90 12 ${Math.round(top / 2)})"` }));
	return out.join('');
}

const n2 = (path: string, score: number) => n(path, String(score));

function scale(grid: Grid, x: number, y: number): string {
	const out = [text(x, y + 10, 'Fewer customers', { size: 10, fill: MUTED, anchor: 'end' })];
	for (let i = 0; i < 5; i++) out.push(rect(x + 6 + i * 16, y, 16, 12, ramp(RAMPS.blue, 0.12 + 0.22 * i)));
	out.push(text(x + 92, y + 10, ['More (', n('grid.maxCustomers', formatCompact(grid.maxCustomers)), ')'], { size: 10, fill: MUTED }));
	return out.join('');
}

export function gridChart(data: ReportData, width: number): Chart | null {
	const grid = data.grid;
	if (!grid) return null;
	const cw = Math.floor((width - LEFT) / grid.scores);
	const ch = Math.round(Math.min(72, Math.max(52, cw * 0.72)));
	const height = grid.scores * ch + BOTTOM + 22;
	const body = [cells(grid, data.currency, cw, ch), borders(grid, cw, ch), axes(grid, cw, ch), scale(grid, width - 170, grid.scores * ch + BOTTOM)].join('');
	return {
		id: 'grid',
		title: 'Recency × frequency: where your customers are',
		subtitle: `Customers (large) and revenue (small) per R and F score; thick lines separate the segments${grid.segmentsFrom === 'customers' ? ' (each cell named after most of its customers)' : ''}.`,
		height,
		body,
	};
}
