/**
 * Segment Router in a real n8n: examples/rfm-playbook.json (orders CSV -> RFM Score -> Segment
 * Router with playbooks -> one placeholder send per output). Checks that n8n built the 13 outputs
 * from the parameters, that every customer went down exactly one branch, and recomputes holdouts
 * (SHA-256 of campaign + customer ID) and consent independently of the node's code.
 */
const crypto = require('crypto');
const { runWorkflow, defaultVersion, loadWorkflow } = require('./harness');

const version = defaultVersion();
const SEGMENTS = ['Champions', 'Loyal Customers', 'Potential Loyalists', 'New Customers', 'Promising', 'Need Attention', 'About To Sleep', 'At Risk', "Can't Lose Them", 'Hibernating'];
const HOLDOUT = 10;
const SUPPRESSED = 11;
const FALLBACK = 12;

/** Independent holdout bucket: first 6 bytes of SHA-256(campaign \x1f id), mod 10000. */
function bucket(campaign, id) {
	return crypto.createHash('sha256').update(`${campaign}\u001f${id}`.normalize('NFC'), 'utf8').digest().readUIntBE(0, 6) % 10000;
}

describe(`examples/rfm-playbook.json on n8n ${version}`, () => {
	let run;
	let customers;
	let outs;
	beforeAll(async () => {
		run = await runWorkflow({ workflow: 'examples/rfm-playbook.json' });
		run.assertOk();
		customers = run.items('RFM Score', 0);
		outs = run.outputs('Segment Router');
	});

	test('n8n built one output per RFM segment plus Holdout, Suppressed and Fallback', () => {
		expect(outs).toHaveLength(13);
		expect(customers.length).toBe(120);
		for (const s of SEGMENTS) expect(run.nodesRun).toContain(`Send: ${s} Email`);
	});

	test('every customer goes down exactly one branch, keeping its fields', () => {
		const routed = outs.flat();
		expect(routed).toHaveLength(customers.length);
		expect(new Set(routed.map((c) => c.customerId))).toEqual(new Set(customers.map((c) => c.customerId)));
		const byId = new Map(customers.map((c) => [c.customerId, c]));
		for (const item of routed) {
			const { route, playbook, ...rest } = item;
			expect(rest).toEqual(byId.get(item.customerId));
			expect(route).toEqual(expect.objectContaining({ output: expect.any(String), holdout: expect.any(Boolean), suppressed: expect.any(Boolean), reason: expect.any(String) }));
		}
	});

	test('segment outputs carry exactly their segment, contactable and not held out', () => {
		SEGMENTS.forEach((segment, i) => {
			for (const item of outs[i]) {
				expect(item.rfm.segment).toBe(segment);
				expect(item.route).toMatchObject({ output: segment, segment, holdout: false, suppressed: false });
				expect(item.accepts_marketing).toBe('true');
				expect(bucket(item.route.campaignKey, item.customerId)).toBeGreaterThanOrEqual(item.route.holdoutPercent * 100);
			}
		});
		expect(outs[FALLBACK]).toEqual([]);
	});

	test('the control group is exactly the contactable customers whose hash falls under the share', () => {
		const playbook = loadWorkflow('examples/rfm-playbook.json').wf.nodes.find((n) => n.name === 'Segment Router').parameters.playbooks.playbook;
		const bySegment = new Map(playbook.filter((p) => p.segment !== '*').map((p) => [p.segment, p]));
		const expected = customers
			.filter((c) => c.accepts_marketing !== 'false')
			.filter((c) => {
				const p = bySegment.get(c.rfm.segment);
				const campaign = (p && p.campaign) || c.rfm.segment;
				const pct = p && p.useDefaultHoldout === false ? p.holdoutPercent : 10;
				return bucket(campaign, c.customerId) < pct * 100;
			})
			.map((c) => c.customerId)
			.sort();
		expect(outs[HOLDOUT].map((c) => c.customerId).sort()).toEqual(expected);
		expect(expected.length).toBeGreaterThan(5);
		for (const c of outs[HOLDOUT]) {
			expect(c.route).toMatchObject({ output: 'Holdout', segment: c.rfm.segment, holdout: true, suppressed: false });
			expect(c.route.reason).toMatch(/^holdout: control group of \d+% for campaign ".+" \(bucket \d+\)$/);
		}
	});

	test('opted-out customers are suppressed with the reason and reach no campaign branch', () => {
		const optedOut = customers.filter((c) => c.accepts_marketing === 'false').map((c) => c.customerId).sort();
		expect(optedOut.length).toBe(10);
		expect(outs[SUPPRESSED].map((c) => c.customerId).sort()).toEqual(optedOut);
		for (const c of outs[SUPPRESSED]) {
			expect(c.route).toMatchObject({ output: 'Suppressed', segment: c.rfm.segment, suppressed: true, holdout: false });
			expect(c.route.reason).toBe('suppressed: opted out of email: accepts_marketing is "false"');
		}
	});

	test('playbooks are written per segment, with expressions resolved per item', () => {
		for (const c of outs[0]) {
			expect(c.playbook).toEqual({
				campaign: 'Champions: Early Access',
				channel: 'email',
				templateId: 'tpl-champions-early-access',
				subject: `${c.first_name}, you get first access`,
				offerCode: null,
				priority: 5,
				utmSource: 'n8n',
				utmMedium: 'email',
			});
		}
		for (const c of outs[7]) expect(c.playbook).toMatchObject({ campaign: 'At Risk: Win-Back 15%', offerCode: 'COMEBACK15', subject: `${c.first_name}, we miss you: 15% off` });
		for (const c of outs[7]) expect(c.route.holdoutPercent).toBe(20);
		expect(outs[0].length + outs[7].length).toBeGreaterThan(0);
	});

	test('each placeholder send receives its branch, and pairedItem points at the RFM customer', () => {
		SEGMENTS.forEach((s, i) => expect(run.items(`Send: ${s} Email`).map((c) => c.customerId)).toEqual(outs[i].map((c) => c.customerId)));
		expect(run.items('Control Group (Not Contacted)')).toHaveLength(outs[HOLDOUT].length);
		for (const raw of run.rawItems('Segment Router', 0)) expect(customers[raw.pairedItem.item].customerId).toBe(raw.json.customerId);
	});
});

describe(`Segment Router outputs follow its options on n8n ${version}`, () => {
	test('flagged holdouts and dropped suppressed/unmatched items: 10 outputs, nothing lost silently', async () => {
		const { wf } = loadWorkflow('examples/rfm-playbook.json');
		wf.id = 'msRouterVariant1';
		wf.name = 'Router variant';
		const router = wf.nodes.find((n) => n.name === 'Segment Router');
		router.parameters.options = { holdoutHandling: 'flag', suppressedHandling: 'drop', fallbackHandling: 'drop' };
		wf.connections['Segment Router'].main = wf.connections['Segment Router'].main.slice(0, 10);
		const run = await runWorkflow({ workflow: wf });
		run.assertOk();
		const outs = run.outputs('Segment Router');
		expect(outs).toHaveLength(10);
		const routed = outs.flat();
		expect(routed).toHaveLength(110); // 120 customers - 10 opted out (dropped)
		expect(routed.every((c) => c.accepts_marketing === 'true')).toBe(true);
		const flagged = routed.filter((c) => c.route.holdout);
		expect(flagged.length).toBeGreaterThan(5);
		for (const c of flagged) expect(c.route.output).toBe(c.rfm.segment);
	});
});

/**
 * The editor draws the outputs n8n computes from the node's parameters: open the examples in the
 * real editor (headless Debian Chromium) and read the output labels on the canvas.
 */
const fs = require('fs');
const harness = require('./harness');
// Debian's Chromium; the e2e globalSetup installs it when missing (test/setup/system.js).
const CHROMIUM = harness.ensureChromium();

describe(`the n8n ${version} editor shows the outputs named by segment`, () => {
	const labels = {};
	beforeAll(async () => {
		const { chromium } = require('playwright-core');
		const server = await harness.startN8n({ version, workflows: ['examples/rfm-playbook.json', 'examples/win-back-on-slip.json'] });
		let browser;
		try {
			const { cookie } = await harness.setupOwner(server.url);
			browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
			const context = await browser.newContext({ viewport: { width: 1800, height: 1400 } });
			const [name, ...rest] = cookie.split('=');
			await context.addCookies([{ name, value: rest.join('='), domain: 'localhost', path: '/' }]);
			await context.addInitScript((id) => {
				try {
					window.localStorage.setItem('n8n-browserId', id);
				} catch {
					/* storage not ready */
				}
			}, harness.BROWSER_ID);
			for (const id of ['msRfmPlaybook001', 'msWinBackSlip001']) {
				const page = await context.newPage();
				await page.goto(`${server.url}/workflow/${id}`, { waitUntil: 'domcontentloaded' });
				await page.waitForSelector('[data-test-id="canvas-node-output-handle"]', { timeout: 60000 });
				await page.waitForTimeout(1000);
				const handles = await page.$$eval('[data-test-id="canvas-node-output-handle"]', (els) =>
					els.map((e) => ({ node: e.getAttribute('data-node-name'), index: Number(e.getAttribute('data-index')), label: e.innerText.trim() })),
				);
				for (const h of handles.sort((a, b) => a.index - b.index)) (labels[h.node] = labels[h.node] || []).push(h.label);
				await page.close();
			}
		} finally {
			if (browser) await browser.close().catch(() => {});
			await server.stop();
			fs.rmSync(server.userFolder, { recursive: true, force: true });
		}
	});

	test('Segment Router (RFM preset): the 10 segments, then Holdout, Suppressed, Fallback', () => {
		expect(labels['Segment Router']).toEqual([...SEGMENTS, 'Holdout', 'Suppressed', 'Fallback']);
	});

	test('Segment Router (custom rules, fallback dropped) and Segment Changes', () => {
		expect(labels['Slipped From Champions or Loyal']).toEqual(['Slipped VIPs', 'Holdout', 'Suppressed']);
		expect(labels['Segment Changes']).toEqual(['New', 'Moved Up', 'Moved Down', 'Moved (Unranked)', 'Unchanged', 'Gone']);
		expect(labels['Confirm Snapshot']).toEqual(['Items']);
	});
});
