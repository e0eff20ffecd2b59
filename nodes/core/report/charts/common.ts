/** What every chart returns, and the pieces several charts share (legends, bar rows). */
import { textWidth } from '../font';
import { MUTED, rect, text } from '../svg';

export interface Chart {
	/** Stable id (also the json key the chart draws from). */
	id: string;
	title: string;
	/** One sentence under the title: what the chart shows, in a marketer's words. */
	subtitle: string;
	/** Height of the body in pixels (the body starts at y = 0 and is `width` wide). */
	height: number;
	body: string;
}

export interface LegendItem {
	color: string;
	text: string;
}

/** A row of colour swatches with their names, wrapped to `width`; returns the svg and its height. */
export function legend(items: LegendItem[], width: number, y = 0): { svg: string; height: number } {
	let x = 0;
	let row = 0;
	const parts: string[] = [];
	for (const item of items) {
		const w = 16 + textWidth(item.text, 11) + 14;
		if (x > 0 && x + w > width) {
			x = 0;
			row++;
		}
		const top = y + row * 18;
		parts.push(rect(x, top + 2, 10, 10, item.color, 'rx="2"'), text(x + 15, top + 11, item.text, { size: 11, fill: MUTED }));
		x += w;
	}
	return { svg: parts.join(''), height: items.length ? (row + 1) * 18 : 0 };
}

/** Width of a bar for `value` when `max` fills `full` pixels (at least 1 px for a non-zero value). */
export function barWidth(value: number, max: number, full: number): number {
	if (max <= 0 || value <= 0) return 0;
	return Math.max(1, (value / max) * full);
}

/** Width of the widest of some texts at a size. */
export function widest(texts: string[], size: number, weight: 400 | 600 = 400): number {
	return texts.reduce((w, t) => Math.max(w, textWidth(t, size, weight)), 0);
}
