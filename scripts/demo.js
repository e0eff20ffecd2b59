#!/usr/bin/env node
/**
 * `npm run demo`: builds the package and installs it the way an n8n user does (`npm pack`, then
 * `npm install <tarball>` in a nodes folder that n8n loads as ~/.n8n/nodes), brings up a real n8n
 * (installed once into test/e2e/n8n-<version>/, about 4 minutes the first time), runs the flagship
 * example on the bundled CDNOW sample and prints the segment table. The full output is written to
 * demo-output/. Nothing leaves the machine: no accounts, no services.
 *
 *   npm run demo
 *   N8N_VERSION=2.8.4 npm run demo
 */
'use strict';

const fs = require('fs');
const path = require('path');
const harness = require('../test/e2e/harness');

/** The workflow the demo runs, and the node whose items give the segment table. */
const FLAGSHIP = { workflow: 'examples/rfm-basic.json', tableNode: 'RFM Score' };
const OUT_DIR = path.join(harness.ROOT, 'demo-output');
const SEGMENT_ORDER = ['Champions', 'Loyal Customers', 'Potential Loyalists', 'New Customers', 'Promising', 'Need Attention', 'About To Sleep', 'At Risk', "Can't Lose Them", 'Hibernating'];

function secs(ms) {
	return `${(ms / 1000).toFixed(1)} s`;
}

function getPath(obj, dotted) {
	return dotted.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), obj);
}

/**
 * Segment rows from a node's items: summary items ({ segment, customers, revenue }) when the node
 * emits them, otherwise customer items grouped by rfm.segment with rfm.monetary as revenue.
 */
function segmentTable(outputs) {
	const all = outputs.flat();
	const summary = all.filter((j) => typeof j.segment === 'string' && typeof j.customers === 'number');
	let rows;
	if (summary.length) rows = summary.map((s) => ({ segment: s.segment, customers: s.customers, revenue: Number(s.revenue) || 0 }));
	else {
		const acc = new Map();
		for (const j of all) {
			const seg = getPath(j, 'rfm.segment');
			if (typeof seg !== 'string') continue;
			const a = acc.get(seg) || { segment: seg, customers: 0, revenue: 0 };
			a.customers++;
			a.revenue += Number(getPath(j, 'rfm.monetary')) || 0;
			acc.set(seg, a);
		}
		rows = [...acc.values()];
	}
	const customers = rows.reduce((a, r) => a + r.customers, 0);
	const revenue = rows.reduce((a, r) => a + r.revenue, 0);
	const rank = (s) => (SEGMENT_ORDER.includes(s) ? SEGMENT_ORDER.indexOf(s) : SEGMENT_ORDER.length);
	rows.sort((a, b) => rank(a.segment) - rank(b.segment) || b.customers - a.customers);
	return { rows: rows.map((r) => ({ ...r, share: customers ? r.customers / customers : 0, revenueShare: revenue ? r.revenue / revenue : 0 })), customers, revenue };
}

function printTable({ rows, customers, revenue }) {
	const pct = (x) => `${(x * 100).toFixed(1)}%`;
	const money = (x) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
	const lines = rows.map((r) => [r.segment, String(r.customers), pct(r.share), money(r.revenue), pct(r.revenueShare)]);
	const header = ['Segment', 'Customers', 'Share', 'Revenue', 'Revenue share'];
	const total = ['Total', String(customers), '100.0%', money(revenue), '100.0%'];
	const widths = header.map((h, i) => Math.max(h.length, total[i].length, ...lines.map((l) => l[i].length)));
	const fmt = (cols) => cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
	const rule = widths.map((w) => '-'.repeat(w)).join('  ');
	console.log(fmt(header));
	console.log(rule);
	for (const l of lines) console.log(fmt(l));
	console.log(rule);
	console.log(fmt(total));
}

async function main() {
	const version = harness.defaultVersion();
	const started = Date.now();
	console.log(`Microsegments demo: ${FLAGSHIP.workflow} in a real n8n ${version}\n`);

	let t = Date.now();
	console.log('1/3 Building the package and installing it as n8n does (npm pack, npm install in a nodes folder)...');
	const install = harness.installedPackage({ quiet: true });
	console.log(`    built and installed in ${secs(Date.now() - t)} (${install.nodesDir})`);

	t = Date.now();
	const present = harness.isInstalled(version);
	console.log(present ? `2/3 n8n ${version} is installed (${path.relative(harness.ROOT, harness.installDir(version))})` : `2/3 Installing n8n ${version} (first run only: about 4 minutes, 1.6 GB, progress below)...`);
	await harness.ensureN8n(version);
	if (!present) console.log(`    installed in ${secs(Date.now() - t)}`);

	t = Date.now();
	console.log(`3/3 Running the workflow (n8n import + execute)...`);
	const run = await harness.runWorkflow({ workflow: FLAGSHIP.workflow, version });
	run.assertOk();
	console.log(`    ran ${run.nodesRun.length} nodes in ${secs(Date.now() - t)} (${run.nodesRun.join(' -> ')})\n`);

	const outputs = run.outputs(FLAGSHIP.tableNode);
	const table = segmentTable(outputs);
	console.log(`Segments from "${FLAGSHIP.tableNode}":\n`);
	printTable(table);

	// Full output: the run as n8n stored it, and each node's items.
	const dir = path.join(OUT_DIR, path.basename(FLAGSHIP.workflow, '.json'));
	fs.rmSync(dir, { recursive: true, force: true });
	fs.mkdirSync(path.join(dir, 'nodes'), { recursive: true });
	fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run.raw, null, 2));
	for (const name of run.nodesRun) {
		const file = `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.json`;
		const outs = run.outputs(name);
		fs.writeFileSync(path.join(dir, 'nodes', file), JSON.stringify(outs.length === 1 ? outs[0] : outs, null, 2));
	}
	fs.writeFileSync(path.join(dir, 'segments.json'), JSON.stringify(table.rows, null, 2));
	const rel = path.relative(process.cwd(), dir) || '.';
	console.log(`\nFull output: ${rel}/ (run.json = the run as n8n stored it, nodes/<node>.json = each node's items, segments.json = this table)`);
	console.log(`Done in ${secs(Date.now() - started)}. Open the workflow in the editor with: npm run dev`);
}

main().catch((e) => {
	console.error(`\ndemo failed: ${e.message}`);
	process.exitCode = 1;
});
