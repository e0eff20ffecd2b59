/**
 * SVG building blocks with no dependency. Every drawn number is tied to the json it comes from:
 * a <text> lists the json paths of its numbers, in reading order, in `data-values`, and the json
 * path of a name it shows (a segment, a cluster, a campaign) in `data-label`. The tests read the
 * SVG back and check each number against the json.
 */
import { FONT_FAMILY, fitText, textWidth, type Weight } from './font';

export interface NumberPart {
	kind: 'number';
	text: string;
	path: string;
}
export interface LabelPart {
	kind: 'label';
	text: string;
	path: string;
}
export type Part = string | NumberPart | LabelPart;

/** A number as shown (`text`, from a formatter) and the json path it comes from. */
export function n(path: string, text: string): NumberPart {
	return { kind: 'number', text, path };
}

/** A name from the json, cut with "…" to `maxWidth` pixels when given. */
export function label(path: string, value: string, maxWidth?: number, size = 12, weight: Weight = 400): LabelPart {
	return { kind: 'label', text: maxWidth === undefined ? value : fitText(value, maxWidth, size, weight), path };
}

export function esc(s: string): string {
	return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export interface TextStyle {
	size?: number;
	weight?: Weight;
	fill?: string;
	anchor?: 'start' | 'middle' | 'end';
	/** Extra attributes, e.g. a rotation. */
	extra?: string;
}

const num = (v: number) => String(Math.round(v * 100) / 100);

function openText(x: number, y: number, style: TextStyle, numbers: string[], labels: string[]): string {
	const attrs = [
		`x="${num(x)}"`,
		`y="${num(y)}"`,
		`font-size="${style.size ?? 12}"`,
		style.weight === 600 ? 'font-weight="600"' : '',
		`fill="${style.fill ?? INK}"`,
		style.anchor && style.anchor !== 'start' ? `text-anchor="${style.anchor}"` : '',
		numbers.length ? `data-values="${esc(numbers.join(' '))}"` : '',
		labels.length ? `data-label="${esc(labels.join(' '))}"` : '',
		style.extra ?? '',
	].filter(Boolean);
	return `<text ${attrs.join(' ')}>`;
}

/** A text of fixed words, numbers (`n`) and at most one name (`label`, then alone in the text). */
export function text(x: number, y: number, parts: Part[] | Part, style: TextStyle = {}): string {
	const list = Array.isArray(parts) ? parts : [parts];
	const numbers = list.filter((p): p is NumberPart => typeof p !== 'string' && p.kind === 'number').map((p) => p.path);
	const labels = list.filter((p): p is LabelPart => typeof p !== 'string' && p.kind === 'label').map((p) => p.path);
	if (labels.length > 0 && list.length > 1) throw new Error('A name is drawn alone in its text');
	const body = list.map((p) => (typeof p === 'string' ? p : p.text)).join('');
	return `${openText(x, y, style, numbers, labels)}${esc(body)}</text>`;
}

/**
 * A name from the json on up to `maxLines` lines (broken at spaces, the last line cut with "…"),
 * as one <text> of <tspan> lines: read back, the lines joined by spaces give the name.
 */
export function labelLines(x: number, y: number, path: string, value: string, maxWidth: number, maxLines: number, style: TextStyle = {}): string {
	const size = style.size ?? 12;
	const weight = style.weight ?? 400;
	const words = value.split(' ');
	const lines: string[] = [];
	let i = 0;
	while (i < words.length && lines.length < maxLines - 1) {
		let line = words[i++];
		while (i < words.length && textWidth(`${line} ${words[i]}`, size, weight) <= maxWidth) line += ` ${words[i++]}`;
		lines.push(line);
	}
	if (i < words.length) lines.push(fitText(words.slice(i).join(' '), maxWidth, size, weight));
	const fitted = lines.map((l) => fitText(l, maxWidth, size, weight));
	const lh = Math.round(size * 1.2 * 10) / 10;
	const top = y - ((fitted.length - 1) * lh) / 2;
	const spans = fitted.map((l, k) => `<tspan x="${num(x)}" y="${num(top + k * lh)}">${esc(l)}</tspan>`).join('');
	return `${openText(x, top, style, [], [path])}${spans}</text>`;
}

export function rect(x: number, y: number, w: number, h: number, fill: string, extra = ''): string {
	return `<rect x="${num(x)}" y="${num(y)}" width="${num(Math.max(0, w))}" height="${num(Math.max(0, h))}" fill="${fill}"${extra ? ' ' + extra : ''}/>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, stroke: string, width = 1, extra = ''): string {
	return `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${stroke}" stroke-width="${width}"${extra ? ' ' + extra : ''}/>`;
}

export function groupAt(x: number, y: number, body: string, extra = ''): string {
	return `<g transform="translate(${num(x)} ${num(y)})"${extra ? ' ' + extra : ''}>${body}</g>`;
}

export function svgDocument(width: number, height: number, body: string, title: string): string {
	return (
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
		`font-family="${FONT_FAMILY}, sans-serif" role="img" aria-label="${esc(title)}">` +
		`<title>${esc(title)}</title>${body}</svg>`
	);
}

// Colours: Okabe & Ito's palette (distinguishable with every common colour-vision deficiency)
// and single-hue sequential ramps (light to dark), readable in greyscale too.
export const INK = '#1f2933';
export const MUTED = '#52606d';
export const RULE = '#d9e0e7';
export const PAPER = '#ffffff';
export const PAGE = '#f4f6f8';
export const PALETTE = {
	blue: '#0072B2',
	sky: '#56B4E9',
	green: '#009E73',
	orange: '#E69F00',
	vermillion: '#D55E00',
	purple: '#CC79A7',
	yellow: '#F0E442',
	grey: '#999999',
	black: '#000000',
} as const;

export const RAMPS = {
	blue: ['#eef5fb', '#c6dbef', '#6baed6', '#2171b5', '#08306b'],
	orange: ['#fff1e6', '#fdbe85', '#fd8d3c', '#d94701', '#8c2d04'],
	grey: ['#f4f4f4', '#d9d9d9', '#a8a8a8', '#6e6e6e', '#3a3a3a'],
} as const;

function hex(c: string): [number, number, number] {
	return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

/** Colour at t ∈ [0, 1] along a ramp (linear between its stops). */
export function ramp(stops: readonly string[], t: number): string {
	const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
	const i = Math.min(stops.length - 2, Math.floor(x));
	const a = hex(stops[i]);
	const b = hex(stops[i + 1]);
	const f = x - i;
	return '#' + a.map((v, k) => Math.round(v + (b[k] - v) * f).toString(16).padStart(2, '0')).join('');
}

/** Dark ink on light fills, white on dark ones (relative luminance, WCAG formula). */
export function inkOn(fill: string): string {
	const [r, g, b] = hex(fill).map((v) => {
		const c = v / 255;
		return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
	});
	return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.3 ? INK : '#ffffff';
}
