/**
 * The flagship demo (`npm run demo`, scripts/demo.js) in a real n8n: examples/flagship-playbook.json
 * on the CDNOW sample, RFM Score → Add Demo Contacts → Cluster Customers → Customer Value → Segment
 * Router → Campaign Send (Local Outbox) → Personal Offer (capped) → Segment Report. One run (the
 * demo's own runDemo, in a working folder of its own so a user's demo-output/ is left alone), many
 * checks: the report's numbers equal the items the nodes emitted in that run (segments = RFM Score,
 * predicted value = the real Customer Value fields, delivery = the real Campaign Send statuses and
 * the outbox lines), and the page and the PNG the demo wrote are the report item's binary data.
 */
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { defaultVersion, buildPackage, ROOT, WORK_DIR } = require('./harness');
const { runDemo, segmentLines, campaignLines, WORKFLOW } = require('../../scripts/demo');

const version = defaultVersion();
const expected = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'rfm-cdnow-expected.json'), 'utf8'));
const TITLE = 'CDNOW sample: segments, value and campaigns';
const ROUTER_OUTPUTS = ['Best Customers', 'Growing', 'Slipping', 'Lapsed', 'Holdout', 'Suppressed'];

const round2 = (x) => Math.round(x * 100) / 100;
const countBy = (items, key) => {
	const m = {};
	for (const i of items) {
		const k = key(i);
		m[k] = (m[k] || 0) + 1;
	}
	return m;
};

/** A PNG decoded by hand: signature, chunks with their CRCs, IHDR, and the inflated pixel rows. */
function decodePng(buf) {
	expect([...buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	const chunks = [];
	for (let at = 8; at < buf.length; ) {
		const len = buf.readUInt32BE(at);
		const type = buf.toString('latin1', at + 4, at + 8);
		const data = buf.subarray(at + 8, at + 8 + len);
		expect({ type, crc: buf.readUInt32BE(at + 8 + len) }).toEqual({ type, crc: zlib.crc32(buf.subarray(at + 4, at + 8 + len)) });
		chunks.push({ type, data });
		at += 12 + len;
	}
	const ihdr = chunks[0];
	expect(ihdr.type).toBe('IHDR');
	const width = ihdr.data.readUInt32BE(0);
	const height = ihdr.data.readUInt32BE(4);
	const pixels = zlib.inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
	return { width, height, bitDepth: ihdr.data[8], colorType: ihdr.data[9], pixels, last: chunks[chunks.length - 1].type };
}

describe(`npm run demo (${WORKFLOW}) on n8n ${version}`, () => {
	let demo;
	let run;
	let report;
	let core;
	let coreDir;
	let cwd;
	beforeAll(async () => {
		// n8n's working folder for the run: the shipped sample data, and the demo's output folder.
		fs.mkdirSync(WORK_DIR, { recursive: true });
		cwd = fs.mkdtempSync(path.join(WORK_DIR, 'demo-cwd-'));
		fs.cpSync(path.join(ROOT, 'examples', 'data'), path.join(cwd, 'examples', 'data'), { recursive: true });
		demo = await runDemo({ version, cwd });
		run = demo.run;
		report = demo.report;
		// The compiled report core n8n loaded, copied out of test/e2e/.work (jest does not load modules
		// from there) to a folder whose parents hold node_modules (the core needs @resvg/resvg-wasm).
		const from = path.join(buildPackage({ quiet: true }), 'nodes/core');
		fs.mkdirSync(path.join(ROOT, 'node_modules', '.cache'), { recursive: true });
		coreDir = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.cache', 'demo-e2e-core-'));
		fs.cpSync(from, coreDir, { recursive: true, filter: (src) => fs.statSync(src).isDirectory() || /\.(js|otf)$/.test(src) });
		core = require(path.join(coreDir, 'report', 'index.js'));
	});
	afterAll(() => {
		for (const d of [coreDir, cwd]) if (d) fs.rmSync(d, { recursive: true, force: true });
	});

	test('the whole playbook runs, each node once; the report gathers every customer once plus the capped campaign\'s summary', () => {
		expect(run.nodesRun).toEqual(['Start', 'Read Orders CSV', 'Parse Orders', 'RFM Score', 'Add Demo Contacts', 'Cluster Customers', 'Customer Value', 'Segment Router', 'All Campaigns', 'Campaign Send (Local Outbox)', 'High Value At Risk', 'Personal Offer (Local Outbox)', 'Everything Reported', 'Segment Report']);
		for (const name of run.nodesRun) expect({ name, runs: run.runData[name].length, error: run.nodeError(name) }).toEqual({ name, runs: 1, error: null });
		expect(run.items('Parse Orders')).toHaveLength(expected.orders);
		expect(run.items('RFM Score')).toHaveLength(expected.customers);
		const routed = run.outputs('Segment Router');
		expect(routed).toHaveLength(ROUTER_OUTPUTS.length);
		expect(routed.flat()).toHaveLength(expected.customers);
		// Everything Reported = Campaign Send's recipients + its unconfirmed + Holdout + Suppressed + the Personal Offer summary.
		const reported = run.items('Everything Reported');
		expect(reported).toHaveLength(expected.customers + 1);
		expect(new Set(reported.filter((j) => j.customerId).map((j) => j.customerId)).size).toBe(expected.customers);
		expect(run.rawItems('Segment Report')).toHaveLength(1);
		expect(report.title).toBe(TITLE);
		expect(report.notices).toEqual([]);
	});

	test('segments: customers and revenue per segment equal RFM Score\'s items (and the pandas reference)', () => {
		const rfm = run.items('RFM Score');
		const by = {};
		for (const c of rfm) {
			const s = (by[c.rfm.segment] ||= { customers: 0, revenue: 0 });
			s.customers++;
			s.revenue += c.rfm.monetary;
		}
		expect(report.summary).toMatchObject({ customers: rfm.length, clustered: rfm.length, withPredictedValue: rfm.length, revenue: expected.totalRevenue, unrecognized: 0 });
		const drawn = report.segments.filter((s) => s.customers > 0);
		expect(Object.fromEntries(drawn.map((s) => [s.segment, s.customers]))).toEqual(Object.fromEntries(Object.entries(by).map(([k, v]) => [k, v.customers])));
		for (const s of drawn) {
			expect({ segment: s.segment, revenue: s.revenue }).toEqual({ segment: s.segment, revenue: round2(by[s.segment].revenue) });
			expect(s.customers).toBe(expected.segments[s.segment].customers);
		}
		expect(report.grid.cells.reduce((n, c) => n + c.customers, 0)).toBe(rfm.length);
		const sizes = countBy(run.items('Cluster Customers'), (c) => c.cluster.label);
		expect(Object.fromEntries(report.clusters.map((c) => [c.cluster, c.customers]))).toEqual(sizes);
		// The table the demo prints is the report's.
		const lines = segmentLines(report);
		const champions = report.segments.find((s) => s.segment === 'Champions');
		expect(lines.find((l) => l.startsWith('Champions '))).toMatch(new RegExp(`^Champions\\s+${champions.customers}\\s+${(champions.share * 100).toFixed(1)}%`));
		expect(lines[lines.length - 1]).toMatch(/^Total\s+2,357\s+100\.0%\s+\$244,091\.94/);
	});

	test('predicted value: the chart reads the real Customer Value fields (clv.predictedValue, probabilityAlive, churnRisk, expectedOrders, tier, horizonDays)', () => {
		const valued = run.items('Customer Value');
		expect(valued).toHaveLength(expected.customers);
		for (const f of ['predictedValue', 'probabilityAlive', 'churnRisk', 'expectedOrders', 'horizonDays']) expect({ f, numbers: valued.every((c) => typeof c.clv[f] === 'number') }).toEqual({ f, numbers: true });
		const v = report.predictedValue;
		expect(v).toMatchObject({ groupedBy: 'rfm.segment', horizonDays: 365, customers: valued.length });
		expect(v.predictedValue).toBeCloseTo(valued.reduce((n, c) => n + c.clv.predictedValue, 0), 2);
		const bySegment = {};
		for (const c of valued) (bySegment[c.rfm.segment] ||= []).push(c.clv);
		expect(v.segments.map((s) => s.segment).sort()).toEqual(Object.keys(bySegment).sort());
		for (const s of v.segments) {
			const clv = bySegment[s.segment];
			const sum = (f) => clv.reduce((n, c) => n + c[f], 0);
			expect({ segment: s.segment, customers: s.customers }).toEqual({ segment: s.segment, customers: clv.length });
			expect(s.predictedValue).toBeCloseTo(sum('predictedValue'), 2);
			expect(s.averageProbabilityAlive).toBeCloseTo(sum('probabilityAlive') / clv.length, 4);
			expect(s.averageChurnRisk).toBeCloseTo(sum('churnRisk') / clv.length, 4);
			expect(s.expectedOrders).toBeCloseTo(sum('expectedOrders'), 2);
		}
		const tiers = countBy(valued, (c) => c.clv.tier);
		expect(Object.keys(tiers).sort()).toEqual(['High', 'Low', 'Medium']);
		expect(v.tiers.map((t) => [t.tier, t.customers])).toEqual(['High', 'Medium', 'Low'].map((t) => [t, tiers[t]]));
		expect(report.summary.withPredictedValue).toBe(valued.length);
	});

	test('campaigns: sent = the outbox lines = Campaign Send\'s "sent" recipients; held out and suppressed = Segment Router\'s outputs; capped = the Personal Offer\'s frequency-cap skips', () => {
		const [recipients, summaries, unconfirmed] = run.outputs('Campaign Send (Local Outbox)');
		const [offerRecipients, offerSummary] = run.outputs('Personal Offer (Local Outbox)');
		const routed = run.outputs('Segment Router');
		const holdout = routed[ROUTER_OUTPUTS.indexOf('Holdout')];
		const suppressed = routed[ROUTER_OUTPUTS.indexOf('Suppressed')];
		expect(unconfirmed).toEqual([]);
		expect(summaries).toHaveLength(4);
		expect(holdout.length).toBeGreaterThan(0);
		expect(suppressed.length).toBeGreaterThan(0);
		// Every status Campaign Send gave is one the report reads.
		expect(Object.keys(countBy([...recipients, ...offerRecipients], (r) => r.delivery.status)).sort()).toEqual(['sent', 'skipped']);

		const outbox = demo.outbox;
		expect(new Set(outbox.map((l) => `${l.campaignKey}|${l.customerId}`)).size).toBe(outbox.length);
		const sentOutbox = countBy(outbox, (l) => l.campaignKey);
		const sentRecipients = countBy(recipients.filter((r) => r.delivery.status === 'sent'), (r) => r.route.campaignKey);
		expect(sentOutbox).toEqual(sentRecipients);
		// The outbox lines are the recipients: same message ids, addresses from Add Demo Contacts.
		const byMessage = new Map(recipients.map((r) => [r.delivery.messageId, r]));
		for (const l of outbox) expect({ id: l.messageId, to: l.to }).toEqual({ id: l.messageId, to: byMessage.get(l.messageId).email });

		const rows = Object.fromEntries(report.campaigns.rows.map((r) => [r.campaign, r]));
		const campaigns = [...new Set(recipients.map((r) => r.route.campaignKey))].sort();
		expect(Object.keys(rows).sort()).toEqual([...campaigns, 'High Value At Risk: Personal Offer'].sort());
		const heldOut = countBy(holdout, (r) => r.route.campaignKey);
		const supp = countBy(suppressed, (r) => r.route.campaignKey);
		for (const c of campaigns) {
			expect({ c, sent: rows[c].sent, heldOut: rows[c].heldOut, suppressed: rows[c].suppressed, capped: rows[c].capped }).toEqual({ c, sent: sentOutbox[c], heldOut: heldOut[c] || 0, suppressed: supp[c] || 0, capped: 0 });
			const summary = summaries.find((s) => s.summary.campaignKey === c).summary;
			expect({ c, sent: summary.sent, provider: rows[c].provider }).toEqual({ c, sent: rows[c].sent, provider: 'outbox' });
		}
		// Held out and suppressed customers never reached Campaign Send, which sent to everyone else.
		expect(recipients).toHaveLength(expected.customers - holdout.length - suppressed.length);
		expect(recipients.every((r) => r.delivery.status === 'sent')).toBe(true);

		// The Personal Offer goes to the high-value customers at risk who were just sent a campaign: the cap (1 in 7 days) holds all of them.
		const atRisk = recipients.filter((r) => r.clv.segment === 'High Value At Risk');
		expect(atRisk.length).toBeGreaterThan(0);
		expect(offerRecipients.map((r) => [r.customerId, r.delivery.status, r.delivery.reason])).toEqual(atRisk.map((r) => [r.customerId, 'skipped', 'frequency_cap']));
		expect(offerSummary[0].summary).toMatchObject({ campaignKey: 'High Value At Risk: Personal Offer', sent: 0, skippedByReason: { frequency_cap: atRisk.length } });
		expect(rows['High Value At Risk: Personal Offer']).toMatchObject({ sent: 0, capped: atRisk.length, total: atRisk.length, source: 'Campaign Send summary' });
		expect(outbox.some((l) => l.campaignKey === 'High Value At Risk: Personal Offer')).toBe(false);

		expect(report.campaigns.totals).toMatchObject({ sent: outbox.length, heldOut: holdout.length, suppressed: suppressed.length, capped: atRisk.length, unconfirmed: 0, failed: 0, total: expected.customers + atRisk.length });
		const lines = campaignLines(report);
		expect(lines[0]).toMatch(/^Campaign\s+Sent\s+Held out\s+Suppressed\s+Capped\s+Customers$/);
		expect(lines[lines.length - 1]).toMatch(new RegExp(`^Total\\s+${outbox.length.toLocaleString('en-US')}\\s+${holdout.length}\\s+${suppressed.length}\\s+${atRisk.length}\\s+`));
	});

	test('the report json is exactly what the report core gives on the items that reached the node', () => {
		expect(report).toEqual(JSON.parse(JSON.stringify(core.aggregateReport(run.items('Everything Reported'), { title: TITLE, segmentField: 'rfm.segment' }))));
	});

	test('demo-output/report.html and report.png are the report item\'s binary data: a page with every chart, a PNG that decodes', async () => {
		expect(demo.files.html).toBe(path.join(cwd, 'demo-output', 'report.html'));
		expect(demo.files.png).toBe(path.join(cwd, 'demo-output', 'report.png'));
		const html = fs.readFileSync(demo.files.html);
		const png = fs.readFileSync(demo.files.png);
		expect(html.equals(demo.html)).toBe(true);
		expect(png.equals(demo.png)).toBe(true);
		const { report: page, image } = run.rawItems('Segment Report')[0].binary;
		expect(page).toMatchObject({ mimeType: 'text/html', fileName: 'report.html' });
		expect(image).toMatchObject({ mimeType: 'image/png', fileName: 'report.png' });
		const text = html.toString('utf8');
		expect(text.startsWith('<!doctype html>')).toBe(true);
		for (const title of ['Recency × frequency', 'Segments: size and revenue', 'Cluster profiles', 'Predicted value by segment', 'Campaign delivery']) expect(text).toContain(title);
		expect(text).not.toMatch(/<script/i);

		const decoded = decodePng(png);
		expect({ width: decoded.width, bitDepth: decoded.bitDepth, colorType: decoded.colorType, last: decoded.last }).toEqual({ width: 2400, bitDepth: 8, colorType: 6, last: 'IEND' });
		expect(decoded.height).toBeGreaterThan(2000);
		expect(decoded.pixels.length).toBe(decoded.height * (1 + decoded.width * 4));
		// The same numbers drawn again by the core give the same bytes.
		const drawn = await core.drawReport(report);
		expect(drawn.png.data.equals(png)).toBe(true);
	});
});
