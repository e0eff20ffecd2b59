#!/usr/bin/env node
/**
 * Report panel check: the Segment Report's image as a marketer sees it in the n8n editor.
 * Starts `n8n start` with examples/segment-report.json (without its two Write nodes), logs in as the
 * owner (harness.setupOwner), runs the workflow from the editor with "Execute workflow" in headless
 * Chromium, opens the Segment Report node, switches its output to Binary, checks both fields are
 * listed (report: HTML, image: PNG), opens the image with "View" and checks that the browser
 * decoded it (2,400 px wide), with screenshots of the output panel.
 *
 *   node test/editor/report-panel-check.js [--version 2.8.4]
 *
 * Screenshots: test/artifacts/report-panel-<version>-binary.png and -image.png.
 * Needs Debian's chromium at /usr/bin/chromium (or env CHROMIUM_PATH).
 */
'use strict';

const fs = require('fs');
const path = require('path');
const harness = require('../e2e/harness');

const ROOT = harness.ROOT;
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
const EXAMPLE = 'examples/segment-report.json';
const NODE = 'Segment Report';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The example up to the report (the editor check must not write files into the repository). */
function workflow() {
	const { wf } = harness.loadWorkflow(EXAMPLE);
	const writes = wf.nodes.filter((n) => n.type === 'n8n-nodes-base.readWriteFile' && n.parameters.operation === 'write').map((n) => n.name);
	wf.nodes = wf.nodes.filter((n) => !writes.includes(n.name));
	for (const name of writes) delete wf.connections[name];
	delete wf.connections[NODE];
	return wf;
}

async function openEditor(browser, url, cookie) {
	const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
	const [name, ...rest] = cookie.split('=');
	await context.addCookies([{ name, value: rest.join('='), domain: 'localhost', path: '/' }]);
	await context.addInitScript((id) => {
		try {
			window.localStorage.setItem('n8n-browserId', id);
		} catch {
			/* storage not ready */
		}
	}, harness.BROWSER_ID);
	return context.newPage();
}

async function checkReportPanel({ version = harness.defaultVersion(), log = (m) => process.stderr.write(`[report-panel] ${m}\n`) } = {}) {
	const { chromium } = require('playwright-core');
	const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
	if (!fs.existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	const problems = [];
	const screenshots = [];
	const server = await harness.startN8n({ version, workflows: [workflow()] });
	const wf = server.workflows[0];
	log(`n8n ${version} on ${server.url}`);
	let browser;
	let page;
	try {
		const { cookie } = await harness.setupOwner(server.url);
		browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
		page = await openEditor(browser, server.url, cookie);
		const errors = [];
		page.on('pageerror', (e) => errors.push(e.message));
		await page.goto(`${server.url}/workflow/${encodeURIComponent(wf.id)}`, { waitUntil: 'domcontentloaded' });
		await page.waitForSelector('[data-test-id="canvas-node"]', { timeout: 60000 });
		await page.click('[data-test-id="execute-workflow-button"]');
		const node = `[data-test-id="canvas-node"][data-node-name="${NODE}"]`;
		await page.waitForSelector(`${node} [data-test-id="canvas-node-status-success"]`, { timeout: 180000 });
		log('the workflow ran in the editor; opening the Segment Report node');
		await page.dblclick(node);
		const step = async (what, selector, from = page) => {
			const el = await from.waitForSelector(selector, { timeout: 30000 }).catch(() => null);
			if (!el) throw new Error(`${what} did not appear (${selector})`);
			return el;
		};
		// The output side of the node panel (its test id differs between n8n versions).
		const output = await step('the node panel', '[data-test-id="ndv"]');
		await (await step('the Binary display mode', '[data-test-id="ndv-run-data-display-mode"] >> text=Binary', output)).click();
		await step('the binary fields with their View buttons', '[data-test-id="ndv-view-binary-data"]', output);
		const listed = await output.innerText();
		for (const needle of ['report', 'image', 'segment-report.html', 'segment-report.png', 'text/html', 'image/png'])
			if (!listed.includes(needle)) problems.push(`the binary output does not show "${needle}"`);
		const binaryShot = path.join(ARTIFACTS, `report-panel-${version}-binary.png`);
		await page.screenshot({ path: binaryShot });
		screenshots.push(binaryShot);
		// "View" of the image field: the button whose binary card shows image/png.
		let view = null;
		for (const button of await output.$$('[data-test-id="ndv-view-binary-data"]')) {
			const card = await button.evaluate((b) => {
				let e = b.parentElement;
				while (e && !/Mime Type/i.test(e.innerText || '')) e = e.parentElement;
				return e ? e.innerText : '';
			});
			if (card.includes('image/png')) view = button;
		}
		if (!view) problems.push('no View button for the PNG image');
		else {
			await view.click();
			const img = await page.waitForSelector('.binary-data-window-wrapper img, [class*="binaryData"] img, img.binary-data', { timeout: 30000 }).catch(() => null);
			if (!img) problems.push('the image did not open in the output panel');
			else {
				const size = await img.evaluate(async (e) => {
					if (!e.complete) await new Promise((r) => (e.onload = e.onerror = r));
					return { width: e.naturalWidth, height: e.naturalHeight, src: e.getAttribute('src') };
				});
				log(`the panel shows the image: ${size.width} × ${size.height} px from ${String(size.src).slice(0, 60)}`);
				if (size.width !== 2400) problems.push(`the image in the panel is ${size.width} px wide, expected 2,400 (decoded by the browser)`);
				const imageShot = path.join(ARTIFACTS, `report-panel-${version}-image.png`);
				await page.waitForTimeout(500);
				await page.screenshot({ path: imageShot });
				screenshots.push(imageShot);
			}
		}
		const ours = errors.filter((m) => /segmentReport|Segment Report|microsegments/i.test(m));
		for (const m of ours) problems.push(`browser error: ${m.slice(0, 300)}`);
	} catch (e) {
		problems.push(e.message.split('\n')[0]);
		if (page) {
			const failShot = path.join(ARTIFACTS, `report-panel-${version}-failed.png`);
			await page.screenshot({ path: failShot }).catch(() => {});
			screenshots.push(failShot);
		}
	} finally {
		if (browser) await browser.close().catch(() => {});
		await server.stop();
		fs.rmSync(server.userFolder, { recursive: true, force: true });
	}
	return { ok: problems.length === 0, version, problems, screenshots };
}

async function main() {
	const args = process.argv.slice(2);
	let version = harness.defaultVersion();
	for (let i = 0; i < args.length; i++) {
		if (args[i] === '--version') version = args[++i];
		else if (args[i].startsWith('--version=')) version = args[i].slice(10);
	}
	const started = Date.now();
	await harness.ensureN8n(version);
	const res = await checkReportPanel({ version });
	for (const p of res.problems) console.log(`  problem: ${p}`);
	console.log(`  screenshots: ${res.screenshots.map((s) => path.relative(ROOT, s)).join(', ')}`);
	console.log(`report panel check on n8n ${version}: ${res.ok ? 'PASSED' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
	process.exitCode = res.ok ? 0 : 1;
}

if (require.main === module)
	main().catch((e) => {
		console.error(`report panel check failed: ${e.stack || e.message}`);
		process.exit(1);
	});

module.exports = { checkReportPanel };
