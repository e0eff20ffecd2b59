/**
 * The package installed as an n8n user installs it, and every example run from that install.
 *
 * A fresh user folder (in the system temp folder, like a home directory: nothing of this
 * repository is reachable from it) gets the manual install of n8n's docs, with the packed tarball
 * in place of the registry name: `npm install <tarball>` in `<user folder>/.n8n/nodes`. Then every
 * workflow of the installed package's own examples/ folder is imported and executed in n8n with
 * that user folder. n8n refuses to read files inside its own ~/.n8n folder ("Access to the file is
 * not allowed"), so, as docs/INSTALL.md tells users, the shipped sample data is copied to a working
 * folder first (n8n's working directory, where the examples' relative paths examples/data/...
 * point). Examples that need credentials get them pointing at the local
 * provider mocks (test/mocks); a new example with another credential type fails here until a mock
 * is added below.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { runWorkflow, importWorkflows, defaultVersion, installedPackage, packageNodesOf, loadWorkflow, ROOT, PACKAGE_NAME } = require('./harness');
const pkg = require('./lib/package');
const { startMocks } = require('./lib/mocks');

const version = defaultVersion();
const examples = fs
	.readdirSync(path.join(ROOT, 'examples'))
	.filter((f) => f.endsWith('.json'))
	.sort();

const SHOPIFY_TOKEN = 'shpat_installed_0123456789abcdef';
const WOO_KEY = 'ck_installed0123456789abcdef0123456789abcd';
const WOO_SECRET = 'cs_installed0123456789abcdef0123456789abcd';
const MOCKS = `
	const { startShopifyMock } = mock('shopify');
	const { startWooCommerceMock } = mock('woocommerce');
	const { SendGridMock } = mock('sendgrid');
	const { HubSpotSendMock } = mock('hubspot-send');
	const { KlaviyoMock } = mock('klaviyo');
	const { MailchimpMock } = mock('mailchimp');
	const shopify = await startShopifyMock({ token: ${JSON.stringify(SHOPIFY_TOKEN)}, maximumAvailable: 20000, restoreRate: 1000, dataOptions: { seed: 31, customers: 120, orders: 480 } });
	const woocommerce = await startWooCommerceMock({ consumerKey: ${JSON.stringify(WOO_KEY)}, consumerSecret: ${JSON.stringify(WOO_SECRET)}, dataOptions: { seed: 32, customers: 80, orders: 300, guestShare: 0.1 } });
	const sendgrid = new SendGridMock('SG.installed-key');
	const hubspot = new HubSpotSendMock('pat-installed', { lists: { '42': 'MANUAL' } });
	await sendgrid.start();
	await hubspot.start();
	const klaviyo = new KlaviyoMock('pk_installed_key');
	await klaviyo.start();
	const mailchimp = new MailchimpMock('0123456789abcdef0123456789abcdef-us21');
	await mailchimp.start();
	return { shopify, woocommerce, sendgrid, hubspot, klaviyo, mailchimp };
`;

/** Credential data by type, pointing at the mocks. */
const CREDENTIAL_DATA = {
	microShopifyApi: (u) => ({ shopDomain: 'mock-shop.myshopify.com', accessToken: SHOPIFY_TOKEN, apiVersion: '2026-01', baseUrl: u.shopify }),
	microWooCommerceApi: (u) => ({ baseUrl: u.woocommerce, consumerKey: WOO_KEY, consumerSecret: WOO_SECRET }),
	microSendGridApi: (u) => ({ apiKey: 'SG.installed-key', baseUrl: u.sendgrid }),
	microHubSpotApi: (u) => ({ accessToken: 'pat-installed', baseUrl: u.hubspot }),
	microKlaviyoApi: (u) => ({ apiKey: 'pk_installed_key', baseUrl: u.klaviyo }),
	microMailchimpApi: (u) => ({ apiKey: '0123456789abcdef0123456789abcdef-us21', baseUrl: `${u.mailchimp}/3.0` }),
};

/** Figures each example must produce from its shipped data (or the mocks above). */
const FIGURES = {
	'rfm-basic.json': (run) => expect(run.items('RFM Score').length).toBe(2357),
	'rfm-clusters.json': (run) => expect(run.items('Cluster Customers').length).toBe(2357),
	'rfm-playbook.json': (run) => expect(run.outputs('Segment Router').flat().length).toBe(run.items('RFM Score').length),
	'shopify-rfm.json': (run) => expect(run.items('Fetch Shopify Customers').length).toBe(120),
	'woocommerce-rfm.json': (run, stats) => expect(run.items('Fetch WooCommerce Orders').length).toBe(stats.woocommerce.orders),
	'campaign-send.json': (run, stats) => expect(stats.sendgrid.messages).toBeGreaterThan(0),
	'flagship-playbook.json': (run) => {
		const [report] = run.items('Segment Report');
		expect(report.summary.customers).toBe(2357);
		expect(report.campaigns.totals.sent).toBe(run.items('Campaign Send (Local Outbox)').filter((r) => r.delivery.status === 'sent').length);
	},
	'klaviyo-sync.json': (run, stats) => {
		expect(run.items('Klaviyo: Profiles and Segment Lists', 1)[0].summary).toEqual(expect.objectContaining({ provider: 'klaviyo', failed: 0, sent: run.items('RFM Score').filter((c) => c.email).length }));
		expect(stats.klaviyo.requests).toBeGreaterThan(0);
	},
	'shopify-tags.json': (run) => expect(run.items('Tag Customers in Shopify', 1)[0].summary).toMatchObject({ sent: run.items('RFM Score').length, failed: 0 }),
	'mailchimp-tags.json': (run, stats) => {
		expect(run.items('Update Mailchimp Audience', 1)[0].summary).toMatchObject({ sent: run.items('RFM Score').length, failed: 0 });
		expect(stats.mailchimp.requests).toBeGreaterThan(0);
	},
};

function credentialsFor(wf, urls) {
	const out = new Map();
	for (const node of wf.nodes)
		for (const [type, ref] of Object.entries(node.credentials || {})) {
			if (!CREDENTIAL_DATA[type]) throw new Error(`node "${node.name}" needs a ${type} credential: add its mock to installed-package.e2e.test.js`);
			out.set(ref.id, { id: ref.id, name: ref.name, type, data: CREDENTIAL_DATA[type](urls) });
		}
	return [...out.values()];
}

describe(`${PACKAGE_NAME} installed with npm in a fresh ~/.n8n/nodes, every example on n8n ${version}`, () => {
	let userFolder;
	let nodesDir;
	let packageDir;
	let mocks;
	let installMs;
	let workDir;

	beforeAll(async () => {
		const { tarball } = installedPackage();
		userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'microsegments-user-'));
		nodesDir = path.join(userFolder, '.n8n', 'nodes');
		const started = Date.now();
		pkg.npmInstall(nodesDir, tarball);
		installMs = Date.now() - started;
		packageDir = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
		workDir = path.join(userFolder, 'work');
		fs.cpSync(path.join(packageDir, 'examples', 'data'), path.join(workDir, 'examples', 'data'), { recursive: true });
		mocks = await startMocks(MOCKS);
		// Every example and the credentials they name, imported at once (then one n8n boot per run).
		const workflows = examples.map((f) => path.join(packageDir, 'examples', f));
		const credentials = new Map();
		for (const w of workflows) for (const c of credentialsFor(loadWorkflow(w).wf, mocks.urls)) credentials.set(c.id, c);
		await importWorkflows({ workflows, userFolder, credentials: [...credentials.values()], cwd: workDir, allowedPaths: [path.join(workDir, 'examples', 'data')] });
	});

	afterAll(() => {
		if (mocks) mocks.stop();
		if (userFolder) fs.rmSync(userFolder, { recursive: true, force: true });
	});

	test('npm installed the package with its production dependencies only, and left n8n-workflow to n8n', () => {
		expect(pkg.checkInstalled(nodesDir)).toEqual([]);
		const installed = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
		const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
		expect({ name: installed.name, version: installed.version, dependencies: installed.dependencies }).toEqual({ name: own.name, version: own.version, dependencies: own.dependencies });
		for (const dep of Object.keys(own.dependencies)) expect({ dep, installed: fs.existsSync(path.join(nodesDir, 'node_modules', dep, 'package.json')) }).toEqual({ dep, installed: true });
		expect(fs.existsSync(path.join(nodesDir, 'node_modules', 'n8n-workflow'))).toBe(false);
		expect(fs.readFileSync(path.join(packageDir, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
		expect(installMs).toBeGreaterThan(0);
	});

	test('the installed package ships every example and its sample data, as in the repository', () => {
		expect(fs.readdirSync(path.join(packageDir, 'examples')).filter((f) => f.endsWith('.json')).sort()).toEqual(examples);
		const data = fs.readdirSync(path.join(ROOT, 'examples', 'data')).sort();
		expect(fs.readdirSync(path.join(packageDir, 'examples', 'data')).sort()).toEqual(data);
		for (const f of [...examples, ...data.map((d) => `data/${d}`)])
			expect({ f, same: fs.readFileSync(path.join(packageDir, 'examples', f)).equals(fs.readFileSync(path.join(ROOT, 'examples', f))) }).toEqual({ f, same: true });
	});

	for (const file of examples) {
		test(`examples/${file} from the installed package runs in n8n`, async () => {
			const workflow = path.join(packageDir, 'examples', file);
			const { wf } = loadWorkflow(workflow);
			const ours = packageNodesOf(wf).filter((n) => !n.disabled);
			expect(ours.length).toBeGreaterThan(0);
			const run = await runWorkflow({ workflow, userFolder, imported: true, cwd: workDir, allowedPaths: [path.join(workDir, 'examples', 'data')] });
			run.assertOk();
			const ran = ours.filter((n) => run.nodesRun.includes(n.name));
			expect(ran.length).toBeGreaterThan(0);
			for (const node of ran) expect({ node: node.name, error: run.nodeError(node.name) }).toEqual({ node: node.name, error: null });
			if (FIGURES[file]) FIGURES[file](run, await mocks.stats());
		});
	}
});
