#!/usr/bin/env node
/**
 * `npm run demo`: builds the package and installs it the way an n8n user does (`npm pack`, then
 * `npm install <tarball>` in a nodes folder that n8n loads as ~/.n8n/nodes), brings up a real n8n
 * (installed once into test/e2e/n8n-<version>/, about 4 minutes the first time) and runs the
 * flagship example, examples/flagship-playbook.json, on the bundled CDNOW sample: orders → RFM
 * Score → Cluster Customers → Customer Value → Segment Router (playbooks, holdout, consent) →
 * Campaign Send (Local Outbox) → Segment Report. It prints the segment table and what happened to
 * each campaign, and writes demo-output/report.html and demo-output/report.png: the binary data of
 * the Segment Report item, read back from the run n8n saved in its database. Nothing leaves the
 * machine: no accounts, no services (the "sent" messages are lines in demo-output/outbox/).
 *
 *   npm run demo
 *   N8N_VERSION=2.8.4 npm run demo
 *   npm run demo -- --picture    # also copies report.png to docs/img/segment-report.png (the README's picture)
 *
 * test/e2e/demo.e2e.test.js runs runDemo() below and checks its figures against the nodes' items.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const harness = require('../test/e2e/harness');

const WORKFLOW = 'examples/flagship-playbook.json';
const PICTURE = path.join(harness.ROOT, 'docs', 'img', 'segment-report.png');
const REPORT_NODE = 'Segment Report';

function secs(ms) {
	return `${(ms / 1000).toFixed(1)} s`;
}

const pct = (x) => `${(x * 100).toFixed(1)}%`;
const money = (x) => `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const count = (x) => x.toLocaleString('en-US');

/** Columns as text: first column left-aligned, the others right-aligned, a rule under the header and above the last row. */
function table(header, rows, total) {
	const all = [header, ...rows, ...(total ? [total] : [])];
	const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
	const fmt = (cols) => cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
	const rule = widths.map((w) => '-'.repeat(w)).join('  ');
	return [fmt(header), rule, ...rows.map(fmt), ...(total ? [rule, fmt(total)] : [])];
}

/** The segment table of the report's json: customers, revenue and predicted value per segment. */
function segmentLines(report) {
	const value = new Map(((report.predictedValue && report.predictedValue.segments) || []).map((s) => [s.segment, s.predictedValue]));
	const rows = report.segments.map((s) => [s.segment, count(s.customers), pct(s.share), money(s.revenue), pct(s.revenueShare), value.has(s.segment) ? money(value.get(s.segment)) : '-']);
	const s = report.summary;
	const total = ['Total', count(s.customers), '100.0%', money(s.revenue), '100.0%', report.predictedValue ? money(report.predictedValue.predictedValue) : '-'];
	const horizon = report.predictedValue && report.predictedValue.horizonDays ? ` (${report.predictedValue.horizonDays} days)` : '';
	return table(['Segment', 'Customers', 'Share', 'Revenue', 'Revenue share', `Predicted value${horizon}`], rows, total);
}

/** Delivery states always shown, then any other state some campaign has. */
const CAMPAIGN_COLUMNS = [
	['sent', 'Sent'],
	['heldOut', 'Held out'],
	['suppressed', 'Suppressed'],
	['capped', 'Capped'],
	['alreadySent', 'Already sent'],
	['wouldSend', 'Would send'],
	['routed', 'Routed'],
	['otherSkipped', 'Skipped'],
	['unconfirmed', 'Unconfirmed'],
	['failed', 'Failed'],
];

/** Per-campaign counts of the report's json (sent, held out, suppressed, capped, and any other state that occurred). */
function campaignLines(report) {
	const c = report.campaigns;
	if (!c) return ['(no campaign reached the report)'];
	const cols = CAMPAIGN_COLUMNS.filter(([k], i) => i < 4 || c.totals[k] > 0);
	const rows = c.rows.map((r) => [r.campaign, ...cols.map(([k]) => count(r[k])), count(r.total)]);
	const total = ['Total', ...cols.map(([k]) => count(c.totals[k])), count(c.totals.total)];
	return table(['Campaign', ...cols.map(([, h]) => h), 'Customers'], rows, total);
}

/**
 * Bytes of a binary field of an item read back from n8n's database: inline base64 (binary mode
 * "default") or a reference to n8n's binary data folder (mode "filesystem": `filesystem-v2:<path>`).
 */
function binaryBytes(binary, storagePath) {
	if (!binary) throw new Error('the report item has no such binary field');
	if (binary.id) {
		const ref = String(binary.id).replace(/^[a-z0-9-]+:/i, '');
		return fs.readFileSync(path.join(storagePath, ref));
	}
	return Buffer.from(binary.data, 'base64');
}

/** Lines of the Local Outbox files ({ campaignKey, customerId, to, ... }), in file order. */
function readOutbox(dir) {
	if (!fs.existsSync(dir)) return [];
	const lines = [];
	for (const f of fs.readdirSync(dir).filter((x) => /^outbox-.*\.jsonl$/.test(x)).sort())
		for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line));
	return lines;
}

/**
 * Runs the flagship example in a real n8n and writes `<cwd>/demo-output/report.html`, `report.png`
 * and the items of every node (`demo-output/flagship-playbook/<node>.json`). `cwd` is n8n's working
 * directory: the workflow reads examples/data/... and writes its outbox to demo-output/outbox/
 * relative to it (default the repository). Resolves { run, report, html, png, outbox, files, ms }.
 */
async function runDemo({ version = harness.defaultVersion(), cwd = harness.ROOT, onStep = () => {} } = {}) {
	const outDir = path.join(cwd, 'demo-output');
	const outboxDir = path.join(outDir, 'outbox');
	// A fresh outbox: what it holds afterwards is what this run sent.
	fs.rmSync(outboxDir, { recursive: true, force: true });
	fs.mkdirSync(outboxDir, { recursive: true });
	const userFolder = harness.createUserFolder('demo');
	const storagePath = path.join(userFolder, 'binary-data');
	try {
		const t = Date.now();
		onStep('run');
		const run = await harness.runWorkflow({
			workflow: WORKFLOW,
			version,
			userFolder,
			cwd,
			allowedPaths: [outDir, path.join(cwd, 'examples', 'data')],
			// The report's page and image are stored as files by n8n; the run in the database refers to them.
			env: { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem', N8N_BINARY_DATA_STORAGE_PATH: storagePath },
		});
		run.assertOk();
		const ms = Date.now() - t;
		const [item] = run.rawItems(REPORT_NODE);
		if (!item || !item.binary) throw new Error(`${REPORT_NODE} emitted no item with binary data`);
		const html = binaryBytes(item.binary.report, storagePath);
		const png = binaryBytes(item.binary.image, storagePath);
		const files = { html: path.join(outDir, 'report.html'), png: path.join(outDir, 'report.png'), items: path.join(outDir, path.basename(WORKFLOW, '.json')) };
		fs.writeFileSync(files.html, html);
		fs.writeFileSync(files.png, png);
		fs.rmSync(files.items, { recursive: true, force: true });
		fs.mkdirSync(files.items, { recursive: true });
		for (const name of run.nodesRun) {
			const outs = run.outputs(name);
			fs.writeFileSync(path.join(files.items, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.json`), JSON.stringify(outs.length === 1 ? outs[0] : outs, null, 1));
		}
		return { run, report: item.json, html, png, outbox: readOutbox(outboxDir), outboxDir, files, ms };
	} finally {
		fs.rmSync(userFolder, { recursive: true, force: true });
	}
}

async function main() {
	const version = harness.defaultVersion();
	const started = Date.now();
	console.log(`Microsegments demo: ${WORKFLOW} on the CDNOW sample in a real n8n ${version}\n`);

	let t = Date.now();
	console.log('1/3 Building the package and installing it as n8n does (npm pack, npm install in a nodes folder)...');
	const install = harness.installedPackage({ quiet: true });
	console.log(`    built and installed in ${secs(Date.now() - t)} (${path.relative(process.cwd(), install.nodesDir) || '.'})`);

	t = Date.now();
	const present = harness.isInstalled(version);
	console.log(present ? `2/3 n8n ${version} is installed (${path.relative(harness.ROOT, harness.installDir(version))})` : `2/3 Installing n8n ${version} (first run only: about 4 minutes, 1.6 GB, progress below)...`);
	await harness.ensureN8n(version);
	if (!present) console.log(`    installed in ${secs(Date.now() - t)}`);

	console.log('3/3 Running the playbook: RFM Score -> Cluster Customers -> Customer Value -> Segment Router -> Campaign Send (Local Outbox) -> Segment Report...');
	const demo = await runDemo({ version });
	const { run, report } = demo;
	const raw = run.raw;
	const n8nMs = raw && raw.startedAt && raw.stoppedAt ? new Date(raw.stoppedAt) - new Date(raw.startedAt) : null;
	const slowest = run.nodesRun
		.map((name) => [name, run.runData[name].reduce((n, r) => n + (r.executionTime || 0), 0)])
		.sort((a, b) => b[1] - a[1])
		.slice(0, 3)
		.map(([name, ms]) => `${name} ${secs(ms)}`);
	console.log(`    ${run.nodesRun.length} nodes ran${n8nMs !== null ? ` in ${secs(n8nMs)} inside n8n` : ''} (slowest: ${slowest.join(', ')}; ${secs(demo.ms)} with n8n's start, import and reading the run back)\n`);

	console.log(`Segments (${count(report.summary.customers)} customers of the CDNOW sample, as of ${report.asOf}):\n`);
	for (const l of segmentLines(report)) console.log(`  ${l}`);
	console.log('\nCampaigns (Segment Router: 10 % control group per campaign, opted-out customers suppressed; Campaign Send: at most 1 message per customer in 7 days):\n');
	for (const l of campaignLines(report)) console.log(`  ${l}`);

	const rel = (p) => path.relative(process.cwd(), p) || '.';
	console.log(`\nReport page:  ${rel(demo.files.html)} (${Math.round(demo.html.length / 1024)} kB, open it in a browser)`);
	console.log(`Report image: ${rel(demo.files.png)} (${Math.round(demo.png.length / 1024)} kB, ${demo.png.readUInt32BE(16)} x ${demo.png.readUInt32BE(20)} px)`);
	console.log(`Outbox:       ${rel(demo.outboxDir)}/ (${count(demo.outbox.length)} messages that a provider would have sent)`);
	console.log(`Items:        ${rel(demo.files.items)}/<node>.json (what each node emitted)`);
	if (process.argv.includes('--picture')) {
		fs.copyFileSync(demo.files.png, PICTURE);
		console.log(`README picture: ${rel(PICTURE)} (copied from the report image)`);
	}
	console.log(`\nDone in ${secs(Date.now() - started)}. Open the workflow in the n8n editor with: npm run dev (then "Microsegments: Flagship Playbook...")`);
}

module.exports = { runDemo, segmentLines, campaignLines, readOutbox, binaryBytes, WORKFLOW };

if (require.main === module)
	main().catch((e) => {
		console.error(`\ndemo failed: ${e.message}`);
		process.exitCode = 1;
	});
