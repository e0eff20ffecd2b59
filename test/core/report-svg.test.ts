/**
 * The drawn report reads back to its json: every <text> of the SVG is parsed, every number in it is
 * read the way a person reads it ("$1.2k", "17.6%", "2,357") and must equal the json value it names
 * (data-values) within the precision shown; names (data-label) must be the json's names (or cut
 * with "…"); any other text must hold no digit. Plus: no external reference, no script, same bytes
 * on every run.
 */
import type { IDataObject } from 'n8n-workflow';
import { aggregateReport, drawReport, type ReportData } from '../../nodes/core/report';
import { RAMPS } from '../../nodes/core/report/svg';
import { changedCustomers, clusteredCustomers, rfmCustomers, routedCustomers, valuedCustomers } from './report-items';

interface SvgText {
	text: string;
	values: string[];
	labels: string[];
}

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** Every <text> of an SVG: its shown text (tspan lines joined by a space) and its data attributes. */
function svgTexts(svg: string): SvgText[] {
	const out: SvgText[] = [];
	for (const m of svg.matchAll(/<text\b([^>]*)>([\s\S]*?)<\/text>/g)) {
		const attr = (name: string) => (new RegExp(`\\b${name}="([^"]*)"`).exec(m[1])?.[1] ?? '').split(' ').filter(Boolean).map(unescape);
		const lines = m[2].includes('<tspan') ? [...m[2].matchAll(/<tspan\b[^>]*>([\s\S]*?)<\/tspan>/g)].map((t) => t[1]) : [m[2]];
		out.push({ text: lines.map(unescape).join('\n'), values: attr('data-values'), labels: attr('data-label') });
	}
	return out;
}

/** Numbers as a reader sees them, with the precision they are shown at. */
function readNumbers(text: string): { value: number; tolerance: number; raw: string }[] {
	const out: { value: number; tolerance: number; raw: string }[] = [];
	for (const m of text.matchAll(/(-?)(?:[A-Z]{0,2}[$€£¥₹₩])?(\d[\d,]*)(?:\.(\d+))?([kMB])?(%)?/g)) {
		const decimals = m[3] ? m[3].length : 0;
		const scale = (m[4] ? { k: 1e3, M: 1e6, B: 1e9 }[m[4]]! : 1) / (m[5] ? 100 : 1);
		const value = Number(`${m[1]}${m[2].replace(/,/g, '')}${m[3] ? '.' + m[3] : ''}`) * scale;
		out.push({ value, tolerance: 0.5 * 10 ** -decimals * scale + 1e-9, raw: m[0] });
	}
	return out;
}

function resolve(data: unknown, path: string): unknown {
	return path.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), data);
}

/** Checks every text of the SVG against the json; returns how many numbers and names were checked. */
function checkSvgAgainstJson(svg: string, data: ReportData): { numbers: number; labels: number } {
	let numbers = 0;
	let labels = 0;
	for (const t of svgTexts(svg)) {
		if (t.labels.length) {
			expect(t.labels).toHaveLength(1);
			expect(t.values).toHaveLength(0);
			const name = resolve(data, t.labels[0]);
			expect(typeof name).toBe('string');
			// Lines are consecutive pieces of the name; a piece ending with "…" was cut.
			let at = 0;
			for (const line of t.text.split('\n')) {
				const piece = line.endsWith('…') ? line.slice(0, -1) : line;
				while ((name as string)[at] === ' ') at++;
				expect((name as string).slice(at, at + piece.length)).toBe(piece);
				at += piece.length;
				if (!line.endsWith('…') && line === t.text.split('\n').slice(-1)[0]) expect(at).toBe((name as string).length);
			}
			labels++;
			continue;
		}
		const found = readNumbers(t.text);
		if (t.values.length === 0) {
			expect({ text: t.text, digits: /\d/.test(t.text) }).toEqual({ text: t.text, digits: false });
			continue;
		}
		expect({ text: t.text, count: found.length }).toEqual({ text: t.text, count: t.values.length });
		t.values.forEach((path, i) => {
			const value = resolve(data, path);
			expect({ path, type: typeof value }).toEqual({ path, type: 'number' });
			const diff = Math.abs((value as number) - found[i].value);
			if (diff > found[i].tolerance) throw new Error(`"${t.text}": ${found[i].raw} is not ${path} = ${value as number}`);
			numbers++;
		});
	}
	return { numbers, labels };
}

describe('Segment Report SVG: every number equals the json', () => {
	let full: ReportData;
	beforeAll(async () => {
		const rfm = await rfmCustomers();
		const clustered = await clusteredCustomers(5);
		const previous = rfm.map((c, i) => (i % 5 === 0 ? { ...c, rfm: { ...(c.rfm as IDataObject), segment: i % 2 ? 'Hibernating' : 'Champions' } } : c));
		const changes = await changedCustomers(previous, rfm.slice(0, 2200));
		const routed = await routedCustomers(rfm);
		const sends = routed.slice(0, 600).map((r, i) => ({ route: r.route, delivery: { status: i % 11 === 0 ? 'failed' : 'sent', reason: null, provider: 'outbox' } }));
		full = aggregateReport([...await valuedCustomers(clustered), ...changes.map((c) => ({ change: c.change })), ...routed.slice(600).map((r) => ({ route: r.route })), ...sends]);
	});

	it('draws all six charts from the CDNOW playbook and every drawn number reads back to the json', async () => {
		const report = await drawReport(full, { png: false });
		expect(report.regions.map((r) => r.id)).toEqual(['header', 'grid', 'segments', 'movement', 'clusters', 'predictedValue', 'campaigns']);
		const checked = checkSvgAgainstJson(report.svg, full);
		// 25 cells (customers, revenue), 10 segments (4 numbers), movement cells... all read back.
		expect(checked.numbers).toBeGreaterThan(200);
		expect(checked.labels).toBeGreaterThan(40);
		// Known figures are on the picture as a marketer reads them.
		const texts = svgTexts(report.svg).map((t) => t.text);
		expect(texts).toContain('2,357');
		expect(texts).toContain('49.1% · 119,943');
		expect(texts).toContain('Champions');
	});

	it('the checker fails on a number that differs from the json (it can fail)', async () => {
		const report = await drawReport(full, { png: false });
		const wrong = report.svg.replace('>49.1% · 119,943<', '>49.1% · 119,843<');
		expect(wrong).not.toBe(report.svg);
		expect(() => checkSvgAgainstJson(wrong, full)).toThrow(/119,843 is not segments\.0\.revenue/);
		const unexplained = report.svg.replace('>Share of revenue<', '>Share of revenue 2024<');
		expect(() => checkSvgAgainstJson(unexplained, full)).toThrow();
	});

	it('reads numbers as people write them', () => {
		const read = readNumbers('$1.2k · 17.6% · 2,357 · -3 · 1,270 CHF · 2.5M').map((n) => n.value);
		[1200, 0.176, 2357, -3, 1270, 2.5e6].forEach((v, i) => expect(read[i]).toBeCloseTo(v, 9));
		expect(read).toHaveLength(6);
		expect(readNumbers('17.6%')[0].tolerance).toBeCloseTo(0.0005, 8);
	});

	it('reports with some charts, one customer, long and odd names, other currencies', async () => {
		const cases: ReportData[] = [
			aggregateReport([]),
			aggregateReport([{ rfm: { r: 3, f: 1, m: 1, recencyDays: 40, frequency: 1, monetary: 12.5, segment: 'About To Sleep', currency: 'EUR' } }]),
			aggregateReport(
				Array.from({ length: 40 }, (_, i) => ({
					rfm: { r: 1 + (i % 3), f: 1 + (i % 4), recencyDays: i, frequency: 1 + (i % 4), monetary: i * 1234.5, segment: `Segment <${i % 17}> & "very long name that will not fit the label column at all"`, currency: 'CHF' },
					cluster: { index: 1 + (i % 3), label: `Cluster ${i % 3} · Top spend · Very frequent · Very recent · Big baskets` },
				})),
				{ maxRows: 6, title: 'Q3 review: EU & UK shops' },
			),
			aggregateReport([{ summary: { campaignKey: 'Only a summary', provider: 'smtp', sent: 1_234_567, skipped: 3, failed: 2, skippedByReason: { holdout: 3 } } }]),
		];
		for (const data of cases) {
			const report = await drawReport(data, { png: false });
			checkSvgAgainstJson(report.svg, data);
			expect(report.svg).not.toMatch(/NaN|undefined|Infinity/);
		}
		expect((await drawReport(cases[0], { png: false })).regions.map((r) => r.id)).toEqual(['header', 'empty']);
	});

	it('self-contained: no script, no external reference, escaped names; the same bytes on every run', async () => {
		const evil = aggregateReport([{ rfm: { r: 5, f: 5, monetary: 1, segment: '<script>alert(1)</script>' } }], { title: '</title><img src=x onerror=alert(1)>' });
		const a = await drawReport(evil, { png: false });
		for (const doc of [a.svg, a.html]) {
			// no script or image element, no event handler attribute, nothing fetched from elsewhere
			const found = /<script|<img|\son\w+\s*=\s*"|href="http|src="|url\((?!data:)/i.exec(doc);
			expect(found && doc.slice(found.index - 40, found.index + 40)).toBeNull();
		}
		expect(a.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
		expect(a.html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
		const b = await drawReport(evil, { png: false });
		expect(b.svg).toBe(a.svg);
		expect(b.html).toBe(a.html);
	});

	it('colour-blind-safe palette: bars and swatches use the Okabe-Ito colours or the sequential ramps', async () => {
		const report = await drawReport(full, { png: false });
		const fills = new Set([...report.svg.matchAll(/fill="(#[0-9a-fA-F]{6})"/g)].map((m) => m[1].toLowerCase()));
		const okabeIto = ['#0072b2', '#56b4e9', '#009e73', '#e69f00', '#d55e00', '#cc79a7', '#000000', '#999999'];
		for (const c of ['#0072b2', '#e69f00', '#009e73']) expect(fills).toContain(c);
		const categorical = [...report.svg.matchAll(/<rect [^>]*height="(?:11|14|10|6)" fill="(#[0-9a-fA-F]{6})"/g)].map((m) => m[1].toLowerCase());
		expect(categorical.length).toBeGreaterThan(20);
		const ramps = Object.values(RAMPS).flat().map((c) => c.toLowerCase());
		for (const c of categorical) expect([...okabeIto, '#9ecae1', ...ramps]).toContain(c);
	});
});
