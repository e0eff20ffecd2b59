/**
 * The overview: a header with key figures and the charts on cards, two per row. One SVG, drawn
 * into the PNG and shown at the top of the HTML page. `regions` tells where each card is (the
 * tests compare the PNG and a browser's rendering region by region).
 */
import { campaignsChart } from './charts/campaigns';
import { clustersChart } from './charts/clusters';
import type { Chart } from './charts/common';
import { gridChart } from './charts/grid';
import { movementChart } from './charts/movement';
import { segmentsChart } from './charts/segments';
import { valueChart } from './charts/value';
import { textWidth } from './font';
import { formatCount, formatMoney } from './format';
import type { ReportData } from './model';
import { groupAt, label, MUTED, n, PAGE, PAPER, rect, RULE, svgDocument, text, type Part, type TextStyle } from './svg';

export const WIDTH = 1200;
const MARGIN = 24;
const GAP = 24;
const PAD = 16;
export const CARD_WIDTH = (WIDTH - 2 * MARGIN - GAP) / 2;

export interface Region {
	id: string;
	x: number;
	y: number;
	width: number;
	height: number;
}

export interface Dashboard {
	svg: string;
	width: number;
	height: number;
	regions: Region[];
	charts: Chart[];
}

/** Charts in reading order; the ones without data are left out. */
export function buildCharts(data: ReportData, width = CARD_WIDTH - 2 * PAD): Chart[] {
	return [gridChart, segmentsChart, movementChart, clustersChart, valueChart, campaignsChart]
		.map((make) => make(data, width))
		.filter((c): c is Chart => c !== null);
}

/** Splits a sentence into lines that fit `width` at a font size. */
export function wrap(sentence: string, width: number, size: number): string[] {
	const lines: string[] = [];
	let current = '';
	for (const word of sentence.split(' ')) {
		const next = current ? `${current} ${word}` : word;
		if (current && textWidth(next, size) > width) {
			lines.push(current);
			current = word;
		} else current = next;
	}
	if (current) lines.push(current);
	return lines;
}

/** Texts placed one after the other on a line (each measured with the bundled font). */
function inline(x: number, y: number, pieces: { parts: Part[] | Part; style: TextStyle }[]): string {
	let at = x;
	return pieces
		.map(({ parts, style }) => {
			const svg = text(at, y, parts, style);
			const shown = (Array.isArray(parts) ? parts : [parts]).map((p) => (typeof p === 'string' ? p : p.text)).join('');
			at += textWidth(shown, style.size ?? 12, style.weight ?? 400) + 6;
			return svg;
		})
		.join('');
}

function tiles(data: ReportData): { label: string; value: Part }[] {
	const s = data.summary;
	const out: { label: string; value: Part }[] = [];
	if (s.customers > 0) {
		out.push({ label: 'Customers', value: n('summary.customers', formatCount(s.customers)) });
		out.push({ label: 'Revenue (net spend)', value: n('summary.revenue', formatMoney(s.revenue, data.currency)) });
		if (s.averageRevenue !== null) out.push({ label: 'Revenue per customer', value: n('summary.averageRevenue', formatMoney(s.averageRevenue, data.currency)) });
	}
	if (data.predictedValue) out.push({ label: 'Predicted value', value: n('predictedValue.predictedValue', formatMoney(data.predictedValue.predictedValue, data.currency)) });
	if (data.campaigns && data.campaigns.totals.sent > 0) out.push({ label: 'Messages sent', value: n('campaigns.totals.sent', formatCount(data.campaigns.totals.sent)) });
	if (out.length === 0) out.push({ label: 'Items read', value: n('summary.items', formatCount(s.items)) });
	return out.slice(0, 4);
}

function header(data: ReportData): { svg: string; height: number } {
	const out = [text(MARGIN, 44, label('title', data.title, WIDTH - 2 * MARGIN, 24, 600), { size: 24, weight: 600 })];
	if (data.asOf)
		out.push(
			inline(MARGIN, 68, [
				{ parts: 'Scores as of', style: { size: 12, fill: MUTED } },
				{ parts: label('asOf', data.asOf), style: { size: 12, weight: 600, fill: MUTED } },
			]),
		);
	const list = tiles(data);
	const tw = (WIDTH - 2 * MARGIN - (list.length - 1) * 16) / list.length;
	list.forEach((t, i) => {
		const x = MARGIN + i * (tw + 16);
		out.push(rect(x, 84, tw, 64, PAPER, `rx="8" stroke="${RULE}"`));
		out.push(text(x + 14, 104, t.label, { size: 11.5, fill: MUTED }), text(x + 14, 134, t.value, { size: 24, weight: 600 }));
	});
	return { svg: out.join(''), height: 84 + 64 + GAP };
}

function card(chart: Chart, height: number): string {
	const body: string[] = [rect(0, 0, CARD_WIDTH, height, PAPER, `rx="10" stroke="${RULE}"`), text(PAD, 28, chart.title, { size: 15, weight: 600 })];
	const lines = chart.subtitle ? wrap(chart.subtitle, CARD_WIDTH - 2 * PAD, 11) : [];
	lines.forEach((l, i) => body.push(text(PAD, 46 + i * 15, l, { size: 11, fill: MUTED })));
	body.push(groupAt(PAD, bodyTop(chart), chart.body));
	return body.join('');
}

function bodyTop(chart: Chart): number {
	const lines = chart.subtitle ? wrap(chart.subtitle, CARD_WIDTH - 2 * PAD, 11).length : 0;
	return 46 + lines * 15 + 6;
}

function emptyState(data: ReportData, y: number): { svg: string; height: number } {
	const notes = data.notices.map((note, i) => text(MARGIN + PAD, y + 58 + i * 18, label(`notices.${i}`, note, WIDTH - 2 * MARGIN - 2 * PAD, 12), { size: 12, fill: MUTED }));
	const height = 76 + data.notices.length * 18;
	return {
		svg: rect(MARGIN, y, WIDTH - 2 * MARGIN, height, PAPER, `rx="10" stroke="${RULE}"`) + text(MARGIN + PAD, y + 30, 'Nothing to chart yet', { size: 15, weight: 600 }) + notes.join(''),
		height,
	};
}

export function buildDashboard(data: ReportData): Dashboard {
	const head = header(data);
	const charts = buildCharts(data);
	const parts: string[] = [rect(0, 0, WIDTH, 0, PAGE), head.svg];
	const regions: Region[] = [{ id: 'header', x: 0, y: 0, width: WIDTH, height: head.height - GAP / 2 }];
	let y = head.height;
	for (let i = 0; i < charts.length; i += 2) {
		const row = charts.slice(i, i + 2);
		const h = Math.max(...row.map((c) => bodyTop(c) + c.height + PAD));
		row.forEach((c, j) => {
			const x = MARGIN + j * (CARD_WIDTH + GAP);
			parts.push(groupAt(x, y, card(c, h), `data-chart="${c.id}"`));
			regions.push({ id: c.id, x, y, width: CARD_WIDTH, height: h });
		});
		y += h + GAP;
	}
	if (charts.length === 0) {
		const empty = emptyState(data, y);
		parts.push(empty.svg);
		regions.push({ id: 'empty', x: MARGIN, y, width: WIDTH - 2 * MARGIN, height: empty.height });
		y += empty.height + GAP;
	}
	const height = Math.ceil(y);
	parts[0] = rect(0, 0, WIDTH, height, PAGE);
	return { svg: svgDocument(WIDTH, height, parts.join(''), data.title), width: WIDTH, height, regions, charts };
}
