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

/** The numbers behind every chart, in one pass over the items' json. */
export function aggregateReport(items: Iterable<Json | null | undefined>, options: ReportOptions = {}): ReportData {
	const agg = new ReportAggregator(options);
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
