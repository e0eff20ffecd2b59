#!/usr/bin/env node
/**
 * Editor check: opens example workflows in the real n8n editor in headless Chromium and checks that
 * every node of this package (type `n8n-nodes-microsegments.*`) renders with its own icon (not the "?" placeholder
 * of an unknown node), that its parameters panel opens on double-click and shows the node's
 * top-level parameters, and that the browser logs no error mentioning our nodes.
 *
 *   node test/editor/editor-check.js [--version 2.8.4] [examples/rfm-basic.json ...]
 *
 * Default: env N8N_VERSION or 1.123.0, and every examples/*.json (the flagship first).
 * Screenshots go to test/artifacts/editor-<version>-<workflow id>[-<node>].png.
 * Uses Debian's chromium (env CHROMIUM_PATH or /usr/bin/chromium; installed with apt-get when
 * missing, see test/setup/system.js); no browser download.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const harness = require('../e2e/harness');

const ROOT = harness.ROOT;
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
const FLAGSHIP = 'examples/rfm-basic.json';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Same id in localStorage as in the REST login: n8n binds the auth cookie to this browser id. */
const BROWSER_ID = harness.BROWSER_ID;

/** Debian's Chromium (env CHROMIUM_PATH, /usr/bin/chromium, or installed now with apt-get). */
function chromiumPath() {
	return harness.ensureChromium();
}

function exampleFiles() {
	const dir = path.join(ROOT, 'examples');
	const files = fs
		.readdirSync(dir)
		.filter((f) => f.endsWith('.json'))
		.map((f) => `examples/${f}`)
		.sort();
	return [FLAGSHIP, ...files.filter((f) => f !== FLAGSHIP)].filter((f) => fs.existsSync(path.join(ROOT, f)));
}

/**
 * The installed package's copy of an example (`examples/x.json` -> <nodes>/node_modules/
 * n8n-nodes-microsegments/examples/x.json): what a user imports after installing the package.
 */
function installedExample(install, file) {
	const rel = path.relative(ROOT, path.resolve(ROOT, file));
	const copy = path.join(install.packageDir, rel);
	if (!rel.startsWith('examples' + path.sep)) return file;
	if (!fs.existsSync(copy)) throw new Error(`${rel} is not in the installed package (${copy}): package.json "files" must ship examples/`);
	return copy;
}

/** Descriptions of this package's nodes, from a dist/ folder (listed in package.json n8n.nodes), by type. */
function packageNodeDescriptions(extensionsDir = path.join(ROOT, 'dist')) {
	const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	const byType = new Map();
	for (const rel of (pkg.n8n && pkg.n8n.nodes) || []) {
		const file = path.join(extensionsDir, rel.replace(/^dist\//, ''));
		if (!fs.existsSync(file)) continue;
		const mod = require(file);
		for (const Cls of Object.values(mod)) {
			if (typeof Cls !== 'function') continue;
			let instance;
			try {
				instance = new Cls();
			} catch {
				continue;
			}
			const d = instance.description || (instance.nodeVersions && Object.values(instance.nodeVersions).pop().description);
			if (d && d.name) byType.set(`${harness.NODE_TYPE_PREFIX}${d.name}`, { ...(instance.description || {}), ...d, file: rel });
		}
	}
	return byType;
}

/** Top-level parameters shown whatever the other values are: their labels must appear in the panel. */
function alwaysVisibleLabels(description) {
	return (description.properties || [])
		.filter((p) => !p.displayOptions && p.type !== 'hidden' && p.type !== 'notice' && p.type !== 'callout' && p.displayName)
		.map((p) => p.displayName);
}

function slug(s) {
	return String(s)
		.replace(/[^A-Za-z0-9._-]+/g, '-')
		.replace(/^-+|-+$/g, '');
}

/**
 * Checks the given workflows on one n8n version. Resolves { ok, version, results, problems,
 * screenshots, timings }; never throws for a failed check (only for setup failures).
 */
async function checkEditor({ version = harness.defaultVersion(), workflows = exampleFiles(), log = (m) => process.stderr.write(`[editor-check] ${m}\n`) } = {}) {
	const { chromium } = require('playwright-core');
	const executablePath = chromiumPath();
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	const timings = {};
	const problems = [];
	const results = [];
	const screenshots = [];

	let t = Date.now();
	await harness.ensureN8n(version);
	const install = harness.installedPackage();
	// The same build as the installed package (same content key); loaded from the repository,
	// where n8n-workflow resolves without n8n.
	const descriptions = packageNodeDescriptions(path.join(ROOT, 'dist'));
	const server = await harness.startN8n({ version, workflows: workflows.map((w) => installedExample(install, w)) });
	timings.startMs = Date.now() - t;
	log(`n8n ${version} editor on ${server.url} (started in ${(timings.startMs / 1000).toFixed(1)} s)`);
	let browser;
	try {
		const { cookie, created } = await harness.setupOwner(server.url);
		log(created ? `created the owner account ${harness.DEV_OWNER.email} through /rest/owner/setup` : 'owner account exists, logged in');
		browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
		const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
		// Log in as the owner: the REST login's cookie, bound to the browser id the editor will send.
		const [name, ...rest] = cookie.split('=');
		await context.addCookies([{ name, value: rest.join('='), domain: 'localhost', path: '/' }]);
		await context.addInitScript((id) => {
			try {
				window.localStorage.setItem('n8n-browserId', id);
			} catch {
				/* storage not ready */
			}
		}, BROWSER_ID);

		for (const wf of server.workflows) {
			t = Date.now();
			const ours = harness.packageNodesOf(wf);
			const result = { workflow: wf.name, id: wf.id, nodes: [] };
			results.push(result);
			const page = await context.newPage();
			const consoleErrors = [];
			const badResponses = [];
			page.on('console', (m) => {
				if (m.type() === 'error') consoleErrors.push(m.text());
			});
			page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
			page.on('response', (r) => {
				// The editor asks /schemas/<type>/<version>.json for every node to preview its output
				// before a run; only n8n's own nodes ship such schemas, so a 404 there is normal.
				if (r.status() >= 400 && !(r.status() === 404 && /\/schemas\//.test(new URL(r.url()).pathname))) badResponses.push(`${r.status()} ${r.url()}`);
			});
			await page.goto(`${server.url}/workflow/${encodeURIComponent(wf.id)}`, { waitUntil: 'domcontentloaded' });
			if (/\/signin/.test(page.url())) throw new Error(`The editor redirected to the sign-in page: logging in as ${harness.DEV_OWNER.email} did not work`);
			await page.waitForSelector('[data-test-id="canvas-node"]', { timeout: 60000 });
			// Let the icons load.
			await page.waitForLoadState('networkidle', { timeout: 15000 }).catch(() => {});
			const shot = path.join(ARTIFACTS, `editor-${version}-${slug(wf.id)}.png`);
			await page.screenshot({ path: shot });
			screenshots.push(shot);

			const rendered = await page.$$eval('[data-test-id="canvas-node"]', (els) => els.map((e) => ({ name: e.getAttribute('data-node-name'), type: e.getAttribute('data-node-type') })));
			const expectedCount = wf.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote').length;
			if (rendered.length < expectedCount) problems.push(`${wf.name}: ${rendered.length} nodes on the canvas, expected ${expectedCount}`);

			for (const node of ours) {
				const check = { name: node.name, type: node.type, icon: false, panel: false };
				result.nodes.push(check);
				const where = `${wf.name} / "${node.name}" (${node.type})`;
				const description = descriptions.get(node.type);
				if (!description) problems.push(`${where}: no such node in package.json n8n.nodes (dist/)`);
				const sel = `[data-test-id="canvas-node"][data-node-name=${JSON.stringify(node.name)}]`;
				const el = await page.$(sel);
				if (!el) {
					problems.push(`${where}: not rendered on the canvas`);
					continue;
				}
				const icon = await el.evaluate(async (e) => {
					const placeholder = e.querySelector('[class*="nodeIconPlaceholder"]');
					const img = e.querySelector('[class*="nodeIcon"] img, [data-test-id="canvas-default-node"] img');
					if (img && !img.complete) await new Promise((r) => (img.onload = img.onerror = r));
					const svg = e.querySelector('[class*="nodeIcon"] svg');
					return {
						placeholder: placeholder ? placeholder.textContent.trim() : null,
						src: img ? img.getAttribute('src') : null,
						width: img ? img.naturalWidth : 0,
						inlineSvg: !!svg,
					};
				});
				check.iconSrc = icon.src;
				if (icon.placeholder !== null) problems.push(`${where}: renders the unknown-node placeholder "${icon.placeholder}" instead of its icon (node type not loaded?)`);
				else if (icon.src && icon.width === 0) problems.push(`${where}: its icon ${icon.src} did not load`);
				else if (!icon.src && !icon.inlineSvg) problems.push(`${where}: no icon rendered`);
				else check.icon = true;
				if (icon.src && !/^data:/.test(icon.src)) {
					const res = await page.request.get(new URL(icon.src, server.url).href);
					const type = res.headers()['content-type'] || '';
					if (res.status() !== 200) problems.push(`${where}: GET ${icon.src} -> ${res.status()}`);
					else if (/\.svg$/.test(icon.src) && !/svg/.test(type)) problems.push(`${where}: ${icon.src} served as ${type}, not image/svg+xml`);
				}

				// Parameters panel (NDV) on double-click.
				await page.dblclick(`${sel} [data-test-id="canvas-default-node"], ${sel} [data-test-id="canvas-trigger-node"], ${sel}`, { position: undefined }).catch(async () => el.dblclick());
				const ndv = await page.waitForSelector('[data-test-id="ndv"]', { timeout: 20000 }).catch(() => null);
				if (!ndv) {
					problems.push(`${where}: the parameters panel did not open on double-click`);
					continue;
				}
				await page.waitForSelector('[data-test-id="ndv"] [data-test-id="node-parameters"], [data-test-id="ndv"] .node-parameters-wrapper', { timeout: 20000 }).catch(() => null);
				await page.waitForTimeout(500);
				const panel = await page.$eval('[data-test-id="ndv"]', (e) => ({
					text: e.innerText,
					inputs: e.querySelectorAll('[data-test-id^="parameter-input"], [data-test-id="parameter-item"], .parameter-item, [data-test-id="fixed-collection-add"], [data-test-id="collection-parameter"]').length,
				}));
				const nodeShot = path.join(ARTIFACTS, `editor-${version}-${slug(wf.id)}-${slug(node.name)}.png`);
				await page.screenshot({ path: nodeShot });
				screenshots.push(nodeShot);
				const notInstalled = /not (currently )?installed|install this node|node is not known|unknown node/i.test(panel.text);
				const labels = description ? alwaysVisibleLabels(description) : [];
				const missing = labels.filter((l) => !panel.text.includes(l));
				if (notInstalled) problems.push(`${where}: the panel says the node is not installed`);
				else if (panel.inputs === 0) problems.push(`${where}: the panel shows no parameters`);
				else if (missing.length) problems.push(`${where}: the panel lacks the parameters ${missing.map((m) => `"${m}"`).join(', ')}`);
				else check.panel = true;
				check.parameters = labels.length;
				// Close the panel.
				await page.keyboard.press('Escape');
				await page.waitForSelector('[data-test-id="ndv"]', { state: 'hidden', timeout: 10000 }).catch(async () => {
					const back = await page.$('[data-test-id="back-to-canvas"]');
					if (back) await back.click();
				});
			}

			// Browser errors that mention our nodes (unrelated ones, e.g. offline banners, are ignored).
			const needles = [harness.NODE_TYPE_PREFIX, `/icons/${harness.PACKAGE_NAME}`];
			for (const n of ours) {
				needles.push(n.type.slice(harness.NODE_TYPE_PREFIX.length));
				const d = descriptions.get(n.type);
				if (d && d.displayName) needles.push(d.displayName);
			}
			const ourErrors = [...consoleErrors, ...badResponses].filter((m) => needles.some((s) => m.includes(s)));
			for (const m of ourErrors) problems.push(`${wf.name}: browser error about our nodes: ${m.slice(0, 300)}`);
			result.consoleErrors = consoleErrors.length;
			result.ms = Date.now() - t;
			log(`${wf.name}: ${ours.length} node(s) of this package checked in ${(result.ms / 1000).toFixed(1)} s${ourErrors.length ? `, ${ourErrors.length} browser error(s) about them` : ''}`);
			await page.close();
		}
		if (problems.some((p) => /placeholder|not installed/.test(p))) {
			const lines = server.logs().split('\n').filter((l) => /error|warn|custom|fail/i.test(l));
			problems.push(`n8n log lines about loading (${server.install.nodesDir}):\n${lines.slice(-30).join('\n')}`);
		}
	} finally {
		if (browser) await browser.close().catch(() => {});
		await server.stop();
		fs.rmSync(server.userFolder, { recursive: true, force: true });
	}
	return { ok: problems.length === 0, version, results, problems, screenshots, timings };
}

async function main() {
	const args = process.argv.slice(2);
	let version = harness.defaultVersion();
	const workflows = [];
	for (let i = 0; i < args.length; i++) {
		if (args[i] === '--version') version = args[++i];
		else if (args[i].startsWith('--version=')) version = args[i].slice(10);
		else workflows.push(args[i]);
	}
	const started = Date.now();
	const res = await checkEditor({ version, workflows: workflows.length ? workflows : exampleFiles() });
	for (const r of res.results)
		for (const n of r.nodes) console.log(`  ${n.icon && n.panel ? 'ok  ' : 'FAIL'} ${r.workflow} / ${n.name} (${n.type}): icon ${n.icon ? 'rendered' : 'MISSING'}, parameters panel ${n.panel ? `opened (${n.parameters} top-level parameters shown)` : 'NOT OK'}`);
	for (const p of res.problems) console.log(`  problem: ${p}`);
	console.log(`  screenshots: ${res.screenshots.map((s) => path.relative(ROOT, s)).join(', ')}`);
	const nodes = res.results.reduce((a, r) => a + r.nodes.length, 0);
	console.log(`editor check on n8n ${version}: ${res.ok ? 'PASSED' : 'FAILED'} (${res.results.length} workflow(s), ${nodes} node(s) of this package, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
	process.exitCode = res.ok ? 0 : 1;
}

if (require.main === module)
	main().catch((e) => {
		console.error(`editor check failed: ${e.stack || e.message}`);
		process.exit(1);
	});

module.exports = { checkEditor, exampleFiles, packageNodeDescriptions, FLAGSHIP };
