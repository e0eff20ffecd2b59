/** Movement between segments since the last run (Segment Changes) as a from × to matrix. */
import { formatCompact, formatCount } from '../format';
import type { MoveKind, Movement, ReportData } from '../model';
import { inkOn, label, MUTED, n, RAMPS, ramp, rect, RULE, text } from '../svg';
import { legend, type Chart } from './common';

const LEFT = 132;
const TOP = 96;

const RAMP_OF: Record<MoveKind, readonly string[]> = {
	up: RAMPS.blue,
	down: RAMPS.orange,
	same: RAMPS.grey,
	unranked: RAMPS.grey,
	new: RAMPS.grey,
	gone: RAMPS.grey,
};

function headers(m: Movement, cw: number, ch: number): string {
	const out: string[] = [];
	const rows = m.totals.new > 0 ? [...m.segments, 'New customers'] : m.segments;
	const cols = m.totals.gone > 0 ? [...m.segments, 'Gone'] : m.segments;
	rows.forEach((s, i) => {
		const y = i * ch + TOP + ch / 2 + 4;
		out.push(i < m.segments.length ? text(LEFT - 6, y, label(`movement.segments.${i}`, s, LEFT - 10, 11), { size: 11, anchor: 'end' }) : text(LEFT - 6, y, s, { size: 11, weight: 600, anchor: 'end' }));
	});
	cols.forEach((s, i) => {
		const x = LEFT + i * cw + cw / 2 + 3;
		const rot = `transform="rotate(-45 ${Math.round(x)} ${TOP - 6})"`;
		out.push(
			i < m.segments.length
				? text(x, TOP - 6, label(`movement.segments.${i}`, s, 120, 11), { size: 11, extra: rot })
				: text(x, TOP - 6, s, { size: 11, weight: 600, extra: rot }),
		);
	});
	return out.join('');
}

function cells(m: Movement, cw: number, ch: number): string {
	const k = m.segments.length;
	const out: string[] = [rect(LEFT, TOP, (k + (m.totals.gone > 0 ? 1 : 0)) * cw, (k + (m.totals.new > 0 ? 1 : 0)) * ch, '#fafbfc', `stroke="${RULE}"`)];
	const index = (s: string | null, end: number) => (s === null ? end : m.segments.indexOf(s));
	m.cells.forEach((c, i) => {
		const x = LEFT + index(c.to, k) * cw;
		const y = TOP + index(c.from, k) * ch;
		const fill = ramp(RAMP_OF[c.kind], 0.18 + 0.82 * Math.sqrt(c.customers / Math.max(1, m.maxCustomers)));
		out.push(rect(x + 1, y + 1, cw - 2, ch - 2, fill, 'rx="2"'));
		out.push(text(x + cw / 2, y + ch / 2 + 4, n(`movement.cells.${i}.customers`, formatCompact(c.customers)), { size: cw < 40 ? 10 : 11, fill: inkOn(fill), anchor: 'middle' }));
	});
	return out.join('');
}

function totals(m: Movement, y: number, width: number): { svg: string; height: number } {
	const t = m.totals;
	const parts = [
		n('movement.totals.movedUp', formatCount(t.movedUp)),
		' moved up · ',
		n('movement.totals.movedDown', formatCount(t.movedDown)),
		' moved down · ',
		n('movement.totals.unchanged', formatCount(t.unchanged)),
		' stayed · ',
		n('movement.totals.new', formatCount(t.new)),
		' new · ',
		n('movement.totals.gone', formatCount(t.gone)),
		' gone',
	];
	const key = legend(
		[
			{ color: RAMPS.blue[3], text: 'Moved to a better segment' },
			{ color: RAMPS.orange[3], text: 'Moved to a worse segment' },
			{ color: RAMPS.grey[2], text: 'Stayed, new, gone or unranked' },
		],
		width,
		y + 14,
	);
	return { svg: text(0, y, parts, { size: 11.5, weight: 600 }) + key.svg, height: 14 + key.height };
}

export function movementChart(data: ReportData, width: number): Chart | null {
	const m = data.movement;
	if (!m) return null;
	const k = m.segments.length;
	const cols = k + (m.totals.gone > 0 ? 1 : 0);
	const rows = k + (m.totals.new > 0 ? 1 : 0);
	const cw = Math.max(24, Math.min(48, Math.floor((width - LEFT - 40) / cols)));
	const ch = Math.min(30, cw);
	const gridBottom = TOP + rows * ch;
	const foot = totals(m, gridBottom + 22, width);
	const since = m.previousRun
		? text(width - 66, 10, 'Previous run', { size: 10, fill: MUTED, anchor: 'end' }) + text(width, 10, label('movement.previousRun', m.previousRun), { size: 10, weight: 600, fill: MUTED, anchor: 'end' })
		: '';
	return {
		id: 'movement',
		title: 'Movement since the last run',
		subtitle: 'Customers by segment at the last run (rows) and now (columns); the diagonal stayed put.',
		height: gridBottom + 22 + foot.height,
		body: since + headers(m, cw, ch) + cells(m, cw, ch) + foot.svg,
	};
}
