#!/usr/bin/env node
/**
 * Editor check: the examples as a user opens them after installing the package. n8n starts with
 * the package installed in its nodes folder (test/e2e/harness.js), every workflow of the
 * installed package's examples/ folder is imported and opened in the real editor in headless
 * Chromium, and a screenshot of each is taken. It fails when
 * - any node on a canvas is unknown to n8n (the "?" placeholder icon of a node type that is not
 *   installed), or any node of this package (`n8n-nodes-microsegments.*`) has no icon of its own;
 * - a node of this package does not open its parameters panel on double-click, the panel says
 *   the node is not installed, or it lacks a top-level parameter of the node's description;
 * - the browser logs an error about our nodes;
 * - the node picker, searched for "rfm", "segment", "churn" or "campaign", does not list our nodes
 *   for it (PICKER_QUERIES; their rank is logged);
 * - n8n does not offer Campaign Send as an AI-agent tool that defaults to a dry run.
 *
 *   node test/editor/editor-check.js [--version 2.8.4] [--picture] [examples/rfm-basic.json ...]
 *
 * Default: env N8N_VERSION or 1.123.0, and every examples/*.json (the flagship first).
 * Screenshots go to test/artifacts/editor-<version>-<workflow id>[-<node>].png (gitignored).
 * --picture also writes the canvas of examples/campaign-send.json to docs/img/ (the README picture).
 * Uses Debian's chromium (env CHROMIUM_PATH or /usr/bin/chromium; installed with apt-get when
 * missing, see test/setup/system.js); no browser download.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const harness = require('../e2e/harness');

const ROOT = harness.ROOT;
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
const FLAGSHIP = 'examples/flagship-playbook.json';
/** The README picture: the playbook from orders to per-segment sends, as the editor draws it. */
const PICTURE = { workflow: 'examples/campaign-send.json', file: path.join(ROOT, 'docs', 'img', 'campaign-playbook-in-n8n.png') };
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Same id in localStorage as in the REST login: n8n binds the auth cookie to this browser id. */
const BROWSER_ID = harness.BROWSER_ID;
/** Waits for the editor to react (a busy 2-core machine can be slow): generous, never a margin. */
const WAIT_MS = 90000;
const CANVAS_NODE = '[data-test-id="canvas-node"]';
const NDV = '[data-test-id="ndv"]';

function exampleFiles() {
	const files = fs
		.readdirSync(path.join(ROOT, 'examples'))
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
	if (!rel.startsWith(`examples${path.sep}`)) return file;
	const copy = path.join(install.packageDir, rel);
	if (!fs.existsSync(copy)) throw new Error(`${rel} is not in the installed package (${copy}): package.json "files" must ship examples/`);
	return copy;
}

/** Descriptions of this package's nodes, from a dist/ folder (listed in package.json n8n.nodes), by type. */
function packageNodeDescriptions(distDir = path.join(ROOT, 'dist')) {
	const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	const byType = new Map();
	for (const rel of (pkg.n8n && pkg.n8n.nodes) || []) {
		const file = path.join(distDir, rel.replace(/^dist\//, ''));
		if (!fs.existsSync(file)) continue;
		for (const Cls of Object.values(require(file))) {
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

/** A browser context logged in as the instance owner (REST login cookie + the editor's browser id). */
async function loggedInContext(server) {
	const { chromium } = require('playwright-core');
	const { cookie } = await harness.setupOwner(server.url);
	const browser = await chromium.launch({ executablePath: harness.ensureChromium(), args: CHROMIUM_ARGS });
	const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
	const [name, ...rest] = cookie.split('=');
	await context.addCookies([{ name, value: rest.join('='), domain: 'localhost', path: '/' }]);
	await context.addInitScript((id) => {
		try {
			window.localStorage.setItem('n8n-browserId', id);
		} catch {
			/* storage not ready */
		}
	}, BROWSER_ID);
	return { browser, context };
}

/**
 * Opens a workflow and waits until every node is on the canvas and every icon has loaded.
 * Resolves { page, consoleErrors, badResponses }.
 */
async function openWorkflow(context, server, wf) {
	const page = await context.newPage();
	const consoleErrors = [];
	const badResponses = [];
	page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
	page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
	page.on('response', (r) => {
		// The editor asks /schemas/<type>/<version>.json for every node to preview its output
		// before a run; only n8n's own nodes ship such schemas, so a 404 there is normal.
		if (r.status() >= 400 && !(r.status() === 404 && /\/schemas\//.test(new URL(r.url()).pathname))) badResponses.push(`${r.status()} ${r.url()}`);
	});
	await page.goto(`${server.url}/workflow/${encodeURIComponent(wf.id)}`, { waitUntil: 'domcontentloaded' });
	if (/\/signin/.test(page.url())) throw new Error(`The editor redirected to the sign-in page: logging in as ${harness.DEV_OWNER.email} did not work`);
	const expected = wf.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote').length;
	await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length >= n, [CANVAS_NODE, expected], { timeout: WAIT_MS });
	await page.waitForFunction((sel) => [...document.querySelectorAll(`${sel} img`)].every((img) => img.complete), CANVAS_NODE, { timeout: WAIT_MS });
	return { page, consoleErrors, badResponses };
}

/** Screenshot of the workflow itself: the canvas around its nodes and notes (the editor's chrome cut off). */
async function pictureShot(page, file) {
	const box = await page.$$eval('.vue-flow__node', (els) => {
		const rects = els.map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0);
		return {
			x: Math.min(...rects.map((r) => r.left)),
			y: Math.min(...rects.map((r) => r.top)),
			right: Math.max(...rects.map((r) => r.right)),
			bottom: Math.max(...rects.map((r) => r.bottom)),
		};
	});
	const viewport = page.viewportSize();
	const pad = 32;
	const x = Math.max(0, Math.floor(box.x - pad));
	const y = Math.max(0, Math.floor(box.y - pad));
	const clip = { x, y, width: Math.min(viewport.width, Math.ceil(box.right + pad)) - x, height: Math.min(viewport.height, Math.ceil(box.bottom + pad)) - y };
	fs.mkdirSync(path.dirname(file), { recursive: true });
	// Without the canvas overlays (Execute workflow button, zoom controls, minimap).
	const style = await page.addStyleTag({ content: '[class*="_executionButtons_"], .vue-flow__panel { opacity: 0 !important; }' });
	await page.screenshot({ path: file, clip });
	await style.evaluate((el) => el.remove());
}

/** Every node on the canvas that n8n draws with the unknown-node placeholder ("?"): a type it does not know. */
async function unknownNodes(page) {
	return page.$$eval(CANVAS_NODE, (els) =>
		els
			.map((e) => ({ name: e.getAttribute('data-node-name'), type: e.getAttribute('data-node-type'), placeholder: e.querySelector('[class*="nodeIconPlaceholder"]') }))
			.filter((n) => n.placeholder)
			.map((n) => ({ name: n.name, type: n.type, shows: n.placeholder.textContent.trim() })),
	);
}

/** Icon of one of our nodes: an <img> (svg) that loaded, served as image/svg+xml. Returns a problem or null. */
async function iconProblem(page, server, el) {
	const icon = await el.evaluate((e) => {
		const img = e.querySelector('[class*="nodeIcon"] img, [data-test-id="canvas-default-node"] img');
		return { src: img ? img.getAttribute('src') : null, width: img ? img.naturalWidth : 0, inlineSvg: !!e.querySelector('[class*="nodeIcon"] svg'), placeholder: !!e.querySelector('[class*="nodeIconPlaceholder"]') };
	});
	if (icon.placeholder) return 'renders the unknown-node placeholder instead of its icon (node type not installed?)';
	if (icon.src && icon.width === 0) return `its icon ${icon.src} did not load`;
	if (!icon.src && !icon.inlineSvg) return 'no icon rendered';
	if (icon.src && !/^data:/.test(icon.src)) {
		const res = await page.request.get(new URL(icon.src, server.url).href);
		const type = res.headers()['content-type'] || '';
		if (res.status() !== 200) return `GET ${icon.src} -> ${res.status()}`;
		if (/\.svg$/.test(icon.src) && !/svg/.test(type)) return `${icon.src} served as ${type}, not image/svg+xml`;
	}
	return null;
}

/** Closes the parameters panel (Escape, then the "Back to canvas" button) and waits until it is gone. */
async function closePanel(page) {
	for (let attempt = 0; attempt < 3; attempt++) {
		const open = await page.$(NDV);
		if (!open || !(await open.isVisible())) return;
		const back = await page.$('[data-test-id="back-to-canvas"]');
		if (attempt > 0 && back) await back.click().catch(() => {});
		else await page.keyboard.press('Escape');
		await page.waitForSelector(NDV, { state: 'hidden', timeout: WAIT_MS / 3 }).catch(() => {});
	}
	if (await page.$(`${NDV}:visible`)) throw new Error('the parameters panel does not close');
}

/**
 * Opens one of our nodes' parameters panel by double-click and checks it; screenshot included.
 * Returns { problem, parameters }.
 */
async function panelCheck(page, sel, description, shotFile) {
	const opened = await page
		.dblclick(`${sel} [data-test-id="canvas-default-node"], ${sel} [data-test-id="canvas-trigger-node"], ${sel}`, { timeout: WAIT_MS })
		.then(() => null)
		.catch((e) => e);
	if (opened) {
		// Say what covers the canvas (a dialog of the editor) instead of a bare click timeout.
		await page.screenshot({ path: shotFile }).catch(() => {});
		const modal = await page.$eval('#app-modals', (e) => e.innerText.trim().slice(0, 300)).catch(() => '');
		return { problem: `could not double-click the node${modal ? `: a dialog covers the canvas ("${modal.replace(/\s+/g, ' ')}")` : ` (${String(opened.message).split('\n')[0]})`}` };
	}
	const ndv = await page.waitForSelector(NDV, { timeout: WAIT_MS }).catch(() => null);
	if (!ndv) return { problem: 'the parameters panel did not open on double-click' };
	const labels = description ? alwaysVisibleLabels(description) : [];
	// Wait until the panel shows its parameters (or says the node is unknown).
	await page
		.waitForFunction(
			([ndvSel, first]) => {
				const el = document.querySelector(ndvSel);
				return el && (el.innerText.includes(first) || /not (currently )?installed|install this node/i.test(el.innerText));
			},
			[NDV, labels[0] || 'Parameters'],
			{ timeout: WAIT_MS },
		)
		.catch(() => {});
	const panel = await page.$eval(NDV, (e) => ({
		text: e.innerText,
		inputs: e.querySelectorAll('[data-test-id^="parameter-input"], [data-test-id="parameter-item"], .parameter-item, [data-test-id="fixed-collection-add"], [data-test-id="collection-parameter"]').length,
	}));
	await page.screenshot({ path: shotFile });
	await closePanel(page);
	const missing = labels.filter((l) => !panel.text.includes(l));
	if (/not (currently )?installed|install this node|node is not known|unknown node/i.test(panel.text)) return { problem: 'the panel says the node is not installed' };
	if (panel.inputs === 0) return { problem: 'the panel shows no parameters' };
	if (missing.length) return { problem: `the panel lacks the parameters ${missing.map((m) => `"${m}"`).join(', ')}` };
	return { problem: null, parameters: labels.length };
}

/** Browser errors that mention our nodes (unrelated ones, e.g. offline banners, are ignored). */
function errorsAboutOurNodes(messages, ours, descriptions) {
	const needles = [harness.NODE_TYPE_PREFIX, `/icons/${harness.PACKAGE_NAME}`];
	for (const n of ours) {
		needles.push(n.type.slice(harness.NODE_TYPE_PREFIX.length));
		const d = descriptions.get(n.type);
		if (d && d.displayName) needles.push(d.displayName);
	}
	return messages.filter((m) => needles.some((s) => m.includes(s)));
}

/** Checks one workflow; returns { result, problems, screenshots }. */
async function checkWorkflow({ context, server, wf, version, descriptions, picture }) {
	const started = Date.now();
	const problems = [];
	const screenshots = [];
	const ours = harness.packageNodesOf(wf);
	const result = { workflow: wf.name, id: wf.id, nodes: [] };
	const { page, consoleErrors, badResponses } = await openWorkflow(context, server, wf);
	const shot = path.join(ARTIFACTS, `editor-${version}-${slug(wf.id)}.png`);
	await page.screenshot({ path: shot });
	screenshots.push(shot);
	if (picture) {
		await pictureShot(page, picture);
		screenshots.push(picture);
	}
	for (const n of await unknownNodes(page)) problems.push(`${wf.name} / "${n.name}" (${n.type}): unknown to n8n, drawn as "${n.shows || '?'}" (not installed)`);
	for (const node of ours) {
		const where = `${wf.name} / "${node.name}" (${node.type})`;
		const check = { name: node.name, type: node.type, icon: false, panel: false };
		result.nodes.push(check);
		const description = descriptions.get(node.type);
		if (!description) problems.push(`${where}: no such node in package.json n8n.nodes (dist/)`);
		const sel = `${CANVAS_NODE}[data-node-name=${JSON.stringify(node.name)}]`;
		const el = await page.$(sel);
		if (!el) {
			problems.push(`${where}: not rendered on the canvas`);
			continue;
		}
		const iconIssue = await iconProblem(page, server, el);
		if (iconIssue) problems.push(`${where}: ${iconIssue}`);
		check.icon = !iconIssue;
		const nodeShot = path.join(ARTIFACTS, `editor-${version}-${slug(wf.id)}-${slug(node.name)}.png`);
		const panel = await panelCheck(page, sel, description, nodeShot);
		screenshots.push(nodeShot);
		if (panel.problem) problems.push(`${where}: ${panel.problem}`);
		check.panel = !panel.problem;
		check.parameters = panel.parameters;
	}
	const ourErrors = errorsAboutOurNodes([...consoleErrors, ...badResponses], ours, descriptions);
	for (const m of ourErrors) problems.push(`${wf.name}: browser error about our nodes: ${m.slice(0, 300)}`);
	result.consoleErrors = consoleErrors.length;
	result.ms = Date.now() - started;
	await page.close();
	return { result, problems, screenshots };
}

/**
 * What a marketer types in the node picker, and the nodes of this package it must list (by node
 * name; display names come from the built package). n8n ranks its own "Segment" node first for
 * "segment" (exact display name and its popularity bonus): we require ours to be listed, and log
 * where they rank.
 */
const PICKER_QUERIES = {
	rfm: ['rfmScore', 'warehouseRfm'],
	segment: ['segmentRouter', 'segmentChanges', 'segmentReport', 'rfmScore', 'clusterCustomers'],
	churn: ['customerValue'],
	campaign: ['campaignSend'],
};
const PICKER_SEARCH = '[data-test-id="node-creator-search-bar"]';
const PICKER_ITEM_NAME = '[data-test-id="node-creator-item-name"]';

/** Opens the node picker with the canvas "+" button and waits for its search bar. */
async function openPicker(page) {
	await page.click('[data-test-id="node-creator-plus-button"]', { timeout: WAIT_MS });
	return page.waitForSelector(PICKER_SEARCH, { state: 'visible', timeout: WAIT_MS });
}

/** Closes the node picker (Escape) and waits until its search bar is gone. */
async function closePicker(page) {
	await page.keyboard.press('Escape');
	await page.waitForSelector(PICKER_SEARCH, { state: 'hidden', timeout: WAIT_MS });
}

/**
 * Types each query of PICKER_QUERIES in a freshly opened node picker on an open workflow and waits
 * (polling the list, no fixed sleep) until it lists the expected nodes of this package. Returns
 * { problems, ranks: { query: [{ name, rank }] } }; rank is the 1-based position in the list.
 */
async function pickerCheck(page, descriptions) {
	const problems = [];
	const ranks = {};
	const displayName = (name) => (descriptions.get(`${harness.NODE_TYPE_PREFIX}${name}`) || {}).displayName || name;
	for (const [query, names] of Object.entries(PICKER_QUERIES)) {
		const expected = names.map(displayName);
		const input = await openPicker(page);
		await input.type(query);
		await page
			.waitForFunction(
				([sel, searchSel, q, want]) => {
					const box = document.querySelector(searchSel);
					const shown = [...document.querySelectorAll(sel)].map((e) => e.textContent.trim());
					return box && box.value === q && want.every((n) => shown.includes(n));
				},
				[PICKER_ITEM_NAME, PICKER_SEARCH, query, expected],
				{ timeout: WAIT_MS },
			)
			.catch(() => {});
		const shown = await page.$$eval(PICKER_ITEM_NAME, (els) => els.map((e) => e.textContent.trim()));
		ranks[query] = expected.map((name) => ({ name, rank: shown.indexOf(name) + 1 }));
		const missing = expected.filter((n) => !shown.includes(n));
		if (missing.length) problems.push(`node picker: typing "${query}" does not list ${missing.map((m) => `"${m}"`).join(', ')} (it lists: ${shown.slice(0, 15).join(', ') || 'nothing'})`);
		await closePicker(page);
	}
	return { problems, ranks };
}

/**
 * Campaign Send as n8n offers it to an AI agent: n8n builds the tool variant `<type>Tool` of every
 * `usableAsTool` node. Reads the node types the editor loads (/types/nodes.json, with the session
 * cookie) and checks that the variant exists and that its "Send for Real" switch (shown only on
 * the tool, @tool) defaults to off while the ordinary node keeps its "Dry Run" switch. Returns
 * problems (empty when fine).
 */
async function agentToolCheck(page, server) {
	const res = await page.request.get(`${server.url}/types/nodes.json`);
	if (res.status() !== 200) return [`/types/nodes.json -> ${res.status()}`];
	const types = await res.json();
	const find = (name) => types.find((t) => t.name === `${harness.NODE_TYPE_PREFIX}${name}`);
	const tool = find('campaignSendTool');
	const plain = find('campaignSend');
	if (!plain) return ['n8n does not list n8n-nodes-microsegments.campaignSend'];
	if (!tool) return ['n8n built no AI-agent tool variant n8n-nodes-microsegments.campaignSendTool (usableAsTool)'];
	const problems = [];
	const real = (tool.properties || []).find((p) => p.name === 'sendForReal');
	if (!real || real.default !== false || JSON.stringify(real.displayOptions) !== JSON.stringify({ show: { '@tool': [true] } }))
		problems.push(`Campaign Send Tool: "Send for Real" must exist, default false, shown only on the tool (got ${JSON.stringify(real)})`);
	const dry = (plain.properties || []).find((p) => p.name === 'dryRun');
	if (!dry || JSON.stringify(dry.displayOptions) !== JSON.stringify({ hide: { '@tool': [true] } })) problems.push(`Campaign Send: "Dry Run" must be hidden on the tool only (got ${JSON.stringify(dry && dry.displayOptions)})`);
	return problems;
}

/**
 * Checks the given workflows (repository paths of examples: opened from the installed package's
 * copy) on one n8n version. Resolves { ok, version, results, problems, screenshots, timings };
 * never throws for a failed check (only for setup failures). `picture`: also write the README
 * picture (docs/img/) from PICTURE.workflow.
 */
async function checkEditor({ version = harness.defaultVersion(), workflows = exampleFiles(), picture = false, log = (m) => process.stderr.write(`[editor-check] ${m}\n`) } = {}) {
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	const out = { ok: false, version, results: [], problems: [], screenshots: [], timings: {} };
	const started = Date.now();
	await harness.ensureN8n(version);
	harness.ensureChromium();
	const install = harness.installedPackage();
	// The same build as the installed package (same content key); loaded from the repository,
	// where n8n-workflow resolves without n8n.
	const descriptions = packageNodeDescriptions(path.join(ROOT, 'dist'));
	const files = workflows.map((w) => ({ file: w, installed: installedExample(install, w) }));
	const server = await harness.startN8n({ version, workflows: files.map((f) => f.installed) });
	out.timings.startMs = Date.now() - started;
	log(`n8n ${version} editor on ${server.url} with ${install.packageDir} (started in ${(out.timings.startMs / 1000).toFixed(1)} s)`);
	let browser;
	try {
		const session = await loggedInContext(server);
		browser = session.browser;
		for (const [i, wf] of server.workflows.entries()) {
			const wantPicture = picture && path.resolve(ROOT, files[i].file) === path.resolve(ROOT, PICTURE.workflow);
			const res = await checkWorkflow({ context: session.context, server, wf, version, descriptions, picture: wantPicture ? PICTURE.file : null });
			out.results.push(res.result);
			out.problems.push(...res.problems);
			out.screenshots.push(...res.screenshots);
			log(`${wf.name}: ${res.result.nodes.length} node(s) of this package checked in ${(res.result.ms / 1000).toFixed(1)} s${res.problems.length ? `, ${res.problems.length} problem(s)` : ''}`);
		}
		const pickerPage = (await openWorkflow(session.context, server, server.workflows[0])).page;
		const picker = await pickerCheck(pickerPage, descriptions);
		const toolProblems = await agentToolCheck(pickerPage, server);
		log(`AI-agent tool variant: ${toolProblems.length ? toolProblems.join('; ') : 'n8n-nodes-microsegments.campaignSendTool listed, Send for Real defaults to off (dry run)'}`);
		out.problems.push(...toolProblems);
		await pickerPage.close();
		out.picker = picker.ranks;
		out.problems.push(...picker.problems);
		for (const [query, list] of Object.entries(picker.ranks)) log(`node picker "${query}": ${list.map((r) => `${r.name} ${r.rank ? `#${r.rank}` : 'NOT LISTED'}`).join(', ')}`);
		if (out.problems.some((p) => /placeholder|not installed/.test(p))) {
			const lines = server.logs().split('\n').filter((l) => /error|warn|nodes|fail/i.test(l));
			out.problems.push(`n8n log lines about loading (${server.install.nodesDir}):\n${lines.slice(-30).join('\n')}`);
		}
	} finally {
		if (browser) await browser.close().catch(() => {});
		await server.stop();
		fs.rmSync(server.userFolder, { recursive: true, force: true });
	}
	out.ok = out.problems.length === 0;
	return out;
}

async function main() {
	const args = process.argv.slice(2);
	let version = harness.defaultVersion();
	let picture = false;
	const workflows = [];
	for (let i = 0; i < args.length; i++) {
		if (args[i] === '--version') version = args[++i];
		else if (args[i].startsWith('--version=')) version = args[i].slice(10);
		else if (args[i] === '--picture') picture = true;
		else workflows.push(args[i]);
	}
	const started = Date.now();
	const res = await checkEditor({ version, workflows: workflows.length ? workflows : exampleFiles(), picture });
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

module.exports = { checkEditor, exampleFiles, packageNodeDescriptions, FLAGSHIP, PICTURE, PICKER_QUERIES };
