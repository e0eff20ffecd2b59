#!/usr/bin/env node
/**
 * Segment Report benchmark (docs/nodes/SegmentReport.md):
 *   1. aggregation: 150k and 750k customer items (rfm + cluster + clv groups, synthetic, seeded):
 *      time and heap growth beyond the items themselves;
 *   2. drawing: SVG + HTML, then PNG through @resvg/resvg-wasm (ours: first render in a fresh
 *      process, WebAssembly compile included, and warm renders), beside the same SVG through the
 *      native @resvg/resvg-js and through headless Chromium (a screenshot, as a browser-based
 *      renderer such as puppeteer would make it), interleaved in rounds, medians;
 *   3. install sizes of the renderers.
 * The peers are installed by the bench itself into bench/.data/report-peers (npm registry).
 * Usage: npm run build && node bench/report.js [rounds=5]
 */
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const ROUNDS = Number(process.argv[2] || 5);
const PEERS = path.join(root, 'bench', '.data', 'report-peers');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;
const core = () => require(path.join(root, 'dist/nodes/core/report/index.js'));

function items(n, seed = 42) {
	let s = seed >>> 0;
	const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
	const names = ['Champions', 'Loyal Customers', 'Potential Loyalists', 'New Customers', 'Promising', 'Need Attention', 'About To Sleep', 'At Risk', "Can't Lose Them", 'Hibernating'];
	const out = new Array(n);
	for (let i = 0; i < n; i++) {
		const r = 1 + Math.floor(rnd() * 5);
		const f = 1 + Math.floor(rnd() * 5);
		out[i] = {
			customerId: `C${i}`,
			email: `c${i}@example.com`,
			rfm: { recencyDays: Math.floor(rnd() * 500), frequency: f, monetary: Math.round(rnd() * 50000) / 100, r, f, m: 1 + Math.floor(rnd() * 5), segment: names[(r * 5 + f) % 10], currency: 'USD', referenceDate: '2024-07-01T00:00:00.000Z' },
			cluster: { index: 1 + (i % 6), label: `Cluster ${1 + (i % 6)}`, distance: rnd() },
			clv: { predictedValue: Math.round(rnd() * 30000) / 100, probabilityAlive: rnd(), expectedOrders: rnd() * 3, horizonDays: 365, tier: i % 10 === 0 ? 'Top 10%' : 'Rest' },
		};
	}
	return out;
}

function aggregationChild(n) {
	const list = items(n);
	global.gc();
	const before = process.memoryUsage().heapUsed;
	const t = process.hrtime.bigint();
	const data = core().aggregateReport(list);
	const time = ms(t);
	const peak = process.memoryUsage().heapUsed - before; // garbage included: no collection in between
	return { n, ms: time, heapGrowthMb: peak / 1e6, jsonBytes: JSON.stringify(data).length, customers: data.summary.customers };
}

async function renderChild(mode, svg) {
	const t0 = process.hrtime.bigint();
	if (mode === 'wasm') {
		const { renderPng } = core();
		const first = await renderPng(svg, { scale: 2 });
		const firstMs = ms(t0);
		const t = process.hrtime.bigint();
		const again = await renderPng(svg, { scale: 2 });
		return { firstMs, warmMs: ms(t), bytes: first.data.length, same: first.data.equals(again.data), width: first.width };
	}
	if (mode === 'native') {
		const { Resvg } = require(path.join(PEERS, 'node_modules/@resvg/resvg-js'));
		const assets = path.join(root, 'dist/nodes/core/report/assets');
		const opts = { fitTo: { mode: 'zoom', value: 2 }, font: { fontFiles: ['Inter-Regular.otf', 'Inter-SemiBold.otf'].map((f) => path.join(assets, f)), loadSystemFonts: false, defaultFontFamily: 'Inter' }, shapeRendering: 2, textRendering: 1 };
		const first = new Resvg(svg, opts).render().asPng();
		const firstMs = ms(t0);
		const t = process.hrtime.bigint();
		new Resvg(svg, opts).render().asPng();
		const warmMs = ms(t);
		const wasmPng = (await core().renderPng(svg, { scale: 2 })).data;
		return { firstMs, warmMs, bytes: first.length, sameAsWasm: Buffer.from(first).equals(wasmPng) };
	}
	const { chromium } = require('playwright-core');
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
	const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, deviceScaleFactor: 2 });
	const page1 = fs.readFileSync(path.join(os.tmpdir(), 'report-bench.html'), 'utf8');
	await page.setContent(page1, { waitUntil: 'load' });
	const png = await page.locator('#overview svg').screenshot();
	const firstMs = ms(t0);
	const t = process.hrtime.bigint();
	await page.setContent(page1, { waitUntil: 'load' });
	await page.locator('#overview svg').screenshot();
	const warmMs = ms(t);
	await browser.close();
	return { firstMs, warmMs, bytes: png.length };
}

function child(args) {
	const out = execFileSync(process.execPath, ['--expose-gc', '--max-old-space-size=16000', __filename, '--child', ...args], { cwd: root, maxBuffer: 1 << 26 });
	return JSON.parse(out.toString().trim().split('\n').pop());
}

function du(p) {
	try {
		return Number(execFileSync('du', ['-sk', p]).toString().split(/\s/)[0]) / 1024;
	} catch {
		return null;
	}
}

async function main() {
	if (process.argv[2] === '--child') {
		const [mode, arg] = process.argv.slice(3);
		const res = mode === 'aggregate' ? aggregationChild(Number(arg)) : await renderChild(mode, fs.readFileSync(arg, 'utf8'));
		process.stdout.write(JSON.stringify(res) + '\n');
		return;
	}
	if (!fs.existsSync(path.join(root, 'dist/nodes/core/report/index.js'))) throw new Error('Run npm run build first');
	if (!fs.existsSync(path.join(PEERS, 'node_modules/@resvg/resvg-js'))) {
		fs.mkdirSync(PEERS, { recursive: true });
		fs.writeFileSync(path.join(PEERS, 'package.json'), '{"private":true}\n');
		execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', PEERS, '@resvg/resvg-js@2.6.2'], { stdio: 'inherit' });
	}
	const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');
	console.log(`Segment Report bench, ${os.cpus().length} cores, Node ${process.version}, load ${load()}`);

	const agg = [150_000, 750_000].map((n) => child(['aggregate', String(n)]));
	for (const a of agg) console.log(`aggregate ${a.n.toLocaleString('en-US')} customer items: ${a.ms.toFixed(0)} ms, heap growth ${a.heapGrowthMb.toFixed(1)} MB, report json ${a.jsonBytes.toLocaleString('en-US')} bytes`);

	const { drawReport, aggregateReport } = core();
	const data = aggregateReport(items(150_000));
	const t = process.hrtime.bigint();
	const drawn = await drawReport(data, { png: false });
	const drawMs = ms(t);
	const svgFile = path.join(os.tmpdir(), 'report-bench.svg');
	fs.writeFileSync(svgFile, drawn.svg);
	fs.writeFileSync(path.join(os.tmpdir(), 'report-bench.html'), drawn.html);
	console.log(`SVG + HTML: ${drawMs.toFixed(0)} ms (SVG ${drawn.svg.length.toLocaleString('en-US')} bytes, HTML ${drawn.html.length.toLocaleString('en-US')} bytes)`);

	const runs = { wasm: [], native: [], chromium: [] };
	for (let r = 0; r < ROUNDS; r++) for (const mode of Object.keys(runs)) runs[mode].push(child([mode, svgFile]));
	const summary = {};
	for (const [mode, list] of Object.entries(runs)) {
		summary[mode] = { firstMs: median(list.map((x) => x.firstMs)), warmMs: median(list.map((x) => x.warmMs)), bytes: list[0].bytes, ...(list[0].sameAsWasm !== undefined ? { sameBytesAsWasm: list.every((x) => x.sameAsWasm) } : {}), ...(list[0].same !== undefined ? { deterministic: list.every((x) => x.same) } : {}) };
		console.log(`PNG 2,400 px via ${mode.padEnd(8)}: first render in a fresh process ${summary[mode].firstMs.toFixed(0)} ms, warm ${summary[mode].warmMs.toFixed(0)} ms, ${summary[mode].bytes.toLocaleString('en-US')} bytes${summary[mode].sameBytesAsWasm !== undefined ? `, same bytes as wasm: ${summary[mode].sameBytesAsWasm}` : ''}`);
	}
	const sizes = {
		'@resvg/resvg-wasm': du(path.join(root, 'node_modules/@resvg/resvg-wasm')),
		'@resvg/resvg-js (+ linux-x64-gnu binary)': du(path.join(PEERS, 'node_modules/@resvg')),
		'report fonts (assets)': du(path.join(root, 'nodes/core/report/assets')),
	};
	for (const [k, v] of Object.entries(sizes)) console.log(`install size ${k}: ${v === null ? '?' : v.toFixed(1)} MB`);
	console.log(`load at the end ${load()}`);
	const result = { date: new Date().toISOString(), node: process.version, cores: os.cpus().length, load: os.loadavg(), rounds: ROUNDS, aggregate: agg, drawMs, svgBytes: drawn.svg.length, htmlBytes: drawn.html.length, png: summary, installMb: sizes };
	fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
	fs.writeFileSync(path.join(root, 'bench/results/report.json'), JSON.stringify(result, null, 2) + '\n');
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
