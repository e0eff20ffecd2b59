/**
 * examples/segment-report.json in a real n8n: Read Orders CSV → Parse Orders → RFM Score → Cluster
 * Customers → Segment Report → Write Report Page → Write Report Image. One run, many checks: the
 * report item carries the HTML page and the PNG image as binary fields with the right mime types
 * and names, its json equals the report core on the customers n8n produced and the pandas
 * reference figures of the CDNOW sample, and n8n's own Write nodes saved both files.
 */
const fs = require('fs');
const path = require('path');
const { runWorkflow, defaultVersion, buildPackage, ROOT } = require('./harness');

const version = defaultVersion();
const expected = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'rfm-cdnow-expected.json'), 'utf8'));
const OUT = path.join(ROOT, 'demo-output');
const FILES = { html: path.join(OUT, 'segment-report.html'), png: path.join(OUT, 'segment-report.png') };

describe(`examples/segment-report.json on n8n ${version}`, () => {
	let run;
	let core;
	let to;
	beforeAll(async () => {
		fs.mkdirSync(OUT, { recursive: true });
		for (const f of Object.values(FILES)) fs.rmSync(f, { force: true });
		// Binary data on disk (n8n 2.x's default, also on 1.x here): n8n execute prints the whole run
		// as JSON and cuts it off above ~9 MB; 6,919 orders, 2 × 2,357 customers and three copies of
		// the report's binaries inline would pass that.
		run = await runWorkflow({ workflow: 'examples/segment-report.json', env: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' } });
		run.assertOk();
		// The compiled report core n8n loaded, copied out of test/e2e/.work (jest does not load modules
		// from there) to a folder whose parents hold node_modules (the core needs @resvg/resvg-wasm).
		const from = path.join(buildPackage({ quiet: true }), 'nodes/core');
		fs.mkdirSync(path.join(ROOT, 'node_modules', '.cache'), { recursive: true });
		to = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.cache', 'report-e2e-core-'));
		fs.cpSync(from, to, { recursive: true, filter: (src) => fs.statSync(src).isDirectory() || /\.(js|otf)$/.test(src) });
		core = require(path.join(to, 'report', 'index.js'));
	});
	afterAll(() => to && fs.rmSync(to, { recursive: true, force: true }));

	test('every node runs; one report item with the HTML page and the PNG image as binary fields', () => {
		expect(run.nodesRun).toEqual(['Start', 'Read Orders CSV', 'Parse Orders', 'RFM Score', 'Cluster Customers', 'Segment Report', 'Write Report Page', 'Write Report Image']);
		const items = run.rawItems('Segment Report');
		expect(items).toHaveLength(1);
		const { report, image } = items[0].binary;
		expect(report).toMatchObject({ mimeType: 'text/html', fileName: 'segment-report.html', fileExtension: 'html' });
		expect(image).toMatchObject({ mimeType: 'image/png', fileName: 'segment-report.png', fileExtension: 'png' });
		// Filesystem binary mode: the item holds a reference to the bytes n8n stored.
		for (const b of [report, image]) expect(typeof b.data === 'string' || typeof b.id === 'string').toBe(true);
		expect(Number.parseInt(String(image.fileSize), 10)).toBeGreaterThan(0);
	});

	test('the json: the numbers of the CDNOW sample (pandas reference) and exactly what the report core gives on the same customers', () => {
		const [data] = run.items('Segment Report');
		expect(data.title).toBe('CDNOW sample: segments and clusters');
		expect(data.asOf).toBe(expected.referenceDate);
		expect(data.summary).toMatchObject({ items: expected.customers, customers: expected.customers, revenue: expected.totalRevenue, clustered: expected.customers, unrecognized: 0 });
		for (const s of data.segments) {
			const ref = expected.segments[s.segment] || { customers: 0, revenue: 0 };
			expect({ segment: s.segment, customers: s.customers }).toEqual({ segment: s.segment, customers: ref.customers });
			expect(s.revenue).toBeCloseTo(ref.revenue, 2);
		}
		expect(data.grid.cells.reduce((n, c) => n + c.customers, 0)).toBe(expected.customers);
		const clustered = run.items('Cluster Customers');
		const sizes = {};
		for (const c of clustered) sizes[c.cluster.label] = (sizes[c.cluster.label] || 0) + 1;
		expect(Object.fromEntries(data.clusters.map((c) => [c.cluster, c.customers]))).toEqual(sizes);
		expect(data).toEqual(JSON.parse(JSON.stringify(core.aggregateReport(clustered, { title: 'CDNOW sample: segments and clusters', segmentField: 'rfm.segment' }))));
		expect([data.movement, data.predictedValue, data.campaigns]).toEqual([null, null, null]);
	});

	test("n8n's Write nodes saved the page and the image: a valid PNG of 2,400 px and an HTML page with the charts", () => {
		const png = fs.readFileSync(FILES.png);
		expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
		expect(png.toString('latin1', 12, 16)).toBe('IHDR');
		expect(png.readUInt32BE(16)).toBe(2400);
		const html = fs.readFileSync(FILES.html, 'utf8');
		expect(html.startsWith('<!doctype html>')).toBe(true);
		expect(html).toContain('Recency × frequency: where your customers are');
		expect(html).toContain('Cluster profiles');
		expect(html).not.toMatch(/<script/i);
		const { report, image } = run.rawItems('Segment Report')[0].binary;
		if (!report.id) expect(Buffer.from(report.data, 'base64').toString('utf8')).toBe(html);
		if (!image.id) expect(Buffer.from(image.data, 'base64').equals(png)).toBe(true);
		// The same data drawn by the core gives the same PNG bytes (deterministic rendering).
		return core.drawReport(run.items('Segment Report')[0]).then((drawn) => expect(drawn.png.data.equals(png)).toBe(true));
	});
});
