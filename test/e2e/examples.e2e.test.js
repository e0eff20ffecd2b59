/**
 * Every example workflow in examples/ runs in the real n8n. An example with its own e2e test (a
 * test/e2e/*.e2e.test.js file that names `examples/<file>.json`) is checked there, with real
 * values; every other example is run here and must finish without error, with each node of this
 * package running and emitting items. An example that needs credentials or local services must
 * have its own test (this generic run cannot provide them) and fails here until it does.
 */
const fs = require('fs');
const path = require('path');
const { runWorkflow, defaultVersion, customNodesOf, loadWorkflow, ROOT } = require('./harness');

const version = defaultVersion();
const examples = fs
	.readdirSync(path.join(ROOT, 'examples'))
	.filter((f) => f.endsWith('.json'))
	.sort();
const testFiles = fs.readdirSync(__dirname).filter((f) => f.endsWith('.e2e.test.js') && f !== path.basename(__filename));
/**
 * Tests that check an example with its own assertions: a test file naming `examples/<file>`, or the
 * installed-package test when it has a FIGURES check for the file (it runs every example of the
 * installed package with credentials pointing at the provider mocks).
 */
const INSTALLED_PACKAGE_TEST = 'installed-package.e2e.test.js';
const coveredBy = (file) =>
	testFiles.filter((t) => {
		const text = fs.readFileSync(path.join(__dirname, t), 'utf8');
		return text.includes(`examples/${file}`) || (t === INSTALLED_PACKAGE_TEST && text.includes(`'${file}': (run`));
	});

describe(`every example in examples/ on n8n ${version}`, () => {
	test('there are examples, each importable (id of at most 16 characters, versionId, nodes, connections)', () => {
		expect(examples.length).toBeGreaterThan(0);
		for (const file of examples) {
			const { wf } = loadWorkflow(`examples/${file}`);
			expect({ file, id: typeof wf.id === 'string' && wf.id.length > 0 && wf.id.length <= 16, versionId: typeof wf.versionId === 'string' && wf.versionId.length > 0 }).toEqual({ file, id: true, versionId: true });
			expect(Array.isArray(wf.nodes) && wf.nodes.length > 0).toBe(true);
			expect(typeof wf.connections).toBe('object');
			const names = wf.nodes.map((n) => n.name);
			expect(new Set(names).size).toBe(names.length);
			// Each example explains itself with at least one sticky note.
			expect(wf.nodes.some((n) => n.type === 'n8n-nodes-base.stickyNote')).toBe(true);
		}
		const ids = examples.map((file) => loadWorkflow(`examples/${file}`).wf.id);
		expect(new Set(ids).size).toBe(ids.length);
	});

	for (const file of examples) {
		const dedicated = coveredBy(file);
		if (dedicated.length) {
			test(`examples/${file} is checked by ${dedicated.join(', ')}`, () => expect(dedicated.length).toBeGreaterThan(0));
			continue;
		}
		test(`examples/${file} runs without error and every node of this package emits items`, async () => {
			const { wf } = loadWorkflow(`examples/${file}`);
			const needsCredentials = wf.nodes.filter((n) => n.credentials && Object.keys(n.credentials).length && !n.disabled);
			if (needsCredentials.length)
				throw new Error(`examples/${file} uses credentials (${needsCredentials.map((n) => n.name).join(', ')}): give it its own test/e2e/<name>.e2e.test.js that provides them and names examples/${file}`);
			const run = await runWorkflow({ workflow: `examples/${file}` });
			run.assertOk();
			for (const node of customNodesOf(wf).filter((n) => !n.disabled)) {
				const outputs = run.outputs(node.name);
				const emitted = outputs.reduce((a, o) => a + o.length, 0);
				expect({ node: node.name, emitted: emitted > 0 }).toEqual({ node: node.name, emitted: true });
			}
		});
	}
});
