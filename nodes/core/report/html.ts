/**
 * The report as one self-contained HTML page: the overview SVG inline, the numbers as tables, the
 * notices, and the bundled font embedded as data: URLs. No script, no external request (a
 * Content-Security-Policy forbids them), so it opens the same from an email, a file or n8n.
 */
import { STATE_STYLE } from './charts/campaigns';
import { bundledFont, FONT_FAMILY } from './font';
import { formatCount, formatMoney, formatNumber, formatPercent } from './format';
import { DELIVERY_STATES, type ReportData } from './model';
import { esc, INK, MUTED, PAGE, RULE } from './svg';

type Cell = string | { text: string; num: true };
const num = (text: string): Cell => ({ text, num: true });

function table(caption: string, head: string[], rows: Cell[][], note = ''): string {
	const th = head.map((h, i) => `<th${i > 0 ? ' class="n"' : ''}>${esc(h)}</th>`).join('');
	const body = rows
		.map((r) => `<tr>${r.map((c) => (typeof c === 'string' ? `<td>${esc(c)}</td>` : `<td class="n">${esc(c.text)}</td>`)).join('')}</tr>`)
		.join('');
	return `<section><h2>${esc(caption)}</h2>${note ? `<p class="note">${esc(note)}</p>` : ''}<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></section>`;
}

const pct = (x: number | null) => (x === null ? '–' : formatPercent(x));
const orDash = (x: number | null, f: (v: number) => string) => (x === null ? '–' : f(x));

function segmentTables(d: ReportData): string[] {
	const money = (v: number) => formatMoney(v, d.currency);
	const out: string[] = [];
	if (d.segments)
		out.push(
			table(
				'Segments',
				['Segment', 'Customers', 'Share', 'Revenue', 'Revenue share', 'Revenue per customer'],
				d.segments.map((s) => [s.segment, num(formatCount(s.customers)), num(pct(s.share)), num(money(s.revenue)), num(pct(s.revenueShare)), num(orDash(s.averageRevenue, money))]),
			),
		);
	if (d.grid) {
		const g = d.grid;
		out.push(
			table(
				'Recency × frequency grid',
				['R score', 'F score', 'Segment', 'Customers', 'Revenue'],
				g.cells.filter((c) => c.customers > 0).map((c) => [`R${c.r}`, `F${c.f}`, c.segment ?? '–', num(formatCount(c.customers)), num(money(c.revenue))]),
				`Cells without customers are left out. Segment names: ${g.segmentsFrom === 'standard R+F map' ? 'the standard R+F map' : 'the segment most customers of the cell are in'}.`,
			),
		);
	}
	if (d.clusters)
		out.push(
			table(
				'Clusters',
				['Cluster', 'Customers', 'Share', 'Days since last order', 'Orders per customer', 'Spend per customer'],
				d.clusters.map((c) => [
					c.cluster,
					num(formatCount(c.customers)),
					num(pct(c.share)),
					num(orDash(c.meanRecencyDays, (v) => formatNumber(v, 1))),
					num(orDash(c.meanFrequency, (v) => formatNumber(v, 2))),
					num(orDash(c.meanMonetary, money)),
				]),
			),
		);
	return out;
}

function flowTables(d: ReportData): string[] {
	const money = (v: number) => formatMoney(v, d.currency);
	const out: string[] = [];
	if (d.movement) {
		const kinds = { up: 'moved up', down: 'moved down', same: 'stayed', unranked: 'moved (unranked)', new: 'new', gone: 'gone' };
		out.push(
			table(
				'Movement since the last run',
				['From', 'To', 'Customers', 'Change'],
				d.movement.cells.map((c) => [c.from ?? '(new customer)', c.to ?? '(gone)', num(formatCount(c.customers)), kinds[c.kind]]),
				d.movement.comparedWith ? `Compared with the snapshot of ${d.movement.comparedWith}.` : 'First run: no earlier snapshot.',
			),
		);
	}
	if (d.predictedValue) {
		const v = d.predictedValue;
		out.push(
			table(
				'Predicted value',
				['Segment', 'Customers', 'Predicted value', 'Per customer', 'Still active', 'Churn risk', 'Expected orders'],
				v.segments.map((s) => [s.segment, num(formatCount(s.customers)), num(money(s.predictedValue)), num(orDash(s.averagePredictedValue, money)), num(pct(s.averageProbabilityAlive)), num(pct(s.averageChurnRisk)), num(formatNumber(s.expectedOrders, 1))]),
				`Grouped by ${v.groupedBy}${v.horizonDays !== null ? `; horizon ${formatCount(v.horizonDays)} days` : ''}.`,
			),
		);
		if (v.tiers.length) out.push(table('Value tiers', ['Tier', 'Customers', 'Predicted value'], v.tiers.map((t) => [t.tier, num(formatCount(t.customers)), num(money(t.predictedValue))])));
	}
	if (d.campaigns) {
		const used = DELIVERY_STATES.filter((s) => d.campaigns!.totals[s] > 0);
		out.push(
			table(
				'Campaigns',
				['Campaign', ...used.map((s) => STATE_STYLE[s].name), 'Total', 'Source'],
				d.campaigns.rows.map((r) => [r.campaign, ...used.map((s) => num(formatCount(r[s]))), num(formatCount(r.total)), r.source]),
			),
		);
	}
	return out;
}

function fontFaces(): string {
	return ([400, 600] as const)
		.map((w) => `@font-face{font-family:'${FONT_FAMILY}';font-style:normal;font-weight:${w};src:url(data:font/otf;base64,${bundledFont(w).bytes.toString('base64')}) format('opentype')}`)
		.join('');
}

const CSS = `
body{margin:0;background:${PAGE};color:${INK};font-family:'${FONT_FAMILY}',system-ui,sans-serif;font-size:14px;line-height:1.45}
main{max-width:1200px;margin:0 auto;padding:0 0 40px}
figure{margin:0}figure svg{display:block;width:100%;height:auto}
section{background:#fff;border:1px solid ${RULE};border-radius:10px;margin:24px 24px 0;padding:8px 16px 16px;overflow-x:auto}
h2{font-size:16px;margin:12px 0 8px}p.note{color:${MUTED};margin:0 0 8px;font-size:13px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:5px 10px;border-bottom:1px solid ${RULE};white-space:nowrap}
th{color:${MUTED};font-weight:600;font-size:12.5px}td.n,th.n{text-align:right}
ul{margin:8px 0 0;padding-left:20px}footer{color:${MUTED};font-size:12px;margin:24px}
`;

export function buildHtml(data: ReportData, overviewSvg: string): string {
	const notices = data.notices.length ? `<section><h2>Notes</h2><ul>${data.notices.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>` : '';
	return [
		'<!doctype html><html lang="en"><head><meta charset="utf-8">',
		'<meta name="viewport" content="width=device-width, initial-scale=1">',
		`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data:">`,
		`<title>${esc(data.title)}</title><style>${fontFaces()}${CSS}</style></head><body><main>`,
		`<figure id="overview">${overviewSvg}</figure>`,
		...segmentTables(data),
		...flowTables(data),
		notices,
		`<footer>${esc(data.title)} · made by the Segment Report node of n8n-nodes-microsegments from ${esc(formatCount(data.summary.items))} items.</footer>`,
		'</main></body></html>',
	].join('');
}
