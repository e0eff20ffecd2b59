/**
 * Segment Report core: items → numbers (ReportData, the node's json) → SVG charts → HTML page and
 * PNG image. No n8n import: scripts call it directly, e.g.
 *
 *   const { renderReport } = require('dist/nodes/core/report');
 *   const report = await renderReport(items.map((i) => i.json), { title: 'Weekly segments' });
 *   fs.writeFileSync('report.html', report.html); fs.writeFileSync('report.png', report.png.data);
 */
import type { Json } from '../fields';
import { ReportAggregator, type ReportOptions } from './aggregate';
import { buildDashboard, type Region } from './dashboard';
import { buildHtml } from './html';
import type { ReportData } from './model';
import { renderPng, type Png } from './png';

export { ReportAggregator, DEFAULT_TITLE, type ReportOptions } from './aggregate';
export type * from './model';
export { DELIVERY_STATES } from './model';
export type { Region } from './dashboard';
export { renderPng } from './png';

export interface RenderOptions extends ReportOptions {
	/** Render the PNG image (default true). */
	png?: boolean;
	/** Pixels per SVG unit of the PNG (default 2: 2,400 px wide). */
	imageScale?: number;
}

export interface RenderedReport {
	data: ReportData;
	/** The overview (all charts), as drawn into the PNG and at the top of the HTML page. */
	svg: string;
	html: string;
	png: Png | null;
	/** Where each chart's card is in the overview, in SVG units. */
	regions: Region[];
}

/** The currency most customers (rfm.currency) are in; ties go to the first in alphabetical order. */
export function mainCurrency(items: readonly (Json | null | undefined)[]): string | null {
	const counts = new Map<string, number>();
	for (const json of items) {
		const rfm = json && typeof json === 'object' ? json.rfm : undefined;
		const c = rfm && typeof rfm === 'object' ? (rfm as Json).currency : undefined;
		if (typeof c === 'string' && c.trim() !== '') counts.set(c.trim().toUpperCase(), (counts.get(c.trim().toUpperCase()) ?? 0) + 1);
	}
	let best: string | null = null;
	for (const [c, n] of counts) if (best === null || n > counts.get(best)! || (n === counts.get(best)! && c < best)) best = c;
	return best;
}

/**
 * The numbers behind every chart, from the items' json: one pass (two when `items` is an array
 * and no currency is given: the first picks the currency most customers are in).
 */
export function aggregateReport(items: Iterable<Json | null | undefined>, options: ReportOptions = {}): ReportData {
	const currency = options.currency !== undefined || !Array.isArray(items) ? options.currency : mainCurrency(items);
	const agg = new ReportAggregator({ ...options, currency });
	for (const json of items) agg.add(json);
	return agg.finish();
}

/** Draws a report from its numbers: overview SVG, HTML page and (optionally) PNG. */
export async function drawReport(data: ReportData, options: Pick<RenderOptions, 'png' | 'imageScale'> = {}): Promise<RenderedReport> {
	const dashboard = buildDashboard(data);
	const html = buildHtml(data, dashboard.svg);
	const png = options.png === false ? null : await renderPng(dashboard.svg, { scale: options.imageScale });
	return { data, svg: dashboard.svg, html, png, regions: dashboard.regions };
}

/** Items' json (of RFM Score, Cluster Customers, Segment Changes, Customer Value, Segment Router, Campaign Send) → report. */
export async function renderReport(items: Iterable<Json | null | undefined>, options: RenderOptions = {}): Promise<RenderedReport> {
	return drawReport(aggregateReport(items, options), options);
}
