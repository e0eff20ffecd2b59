/** The package.json n8n section lists exactly the nodes and credentials in the source tree. */
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

function walk(dir: string, suffix: string): string[] {
	return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
		const rel = `${dir}/${e.name}`;
		if (e.isDirectory()) return walk(rel, suffix);
		return e.name.endsWith(suffix) ? [rel] : [];
	});
}
const toDist = (src: string) => 'dist/' + src.replace(/\.ts$/, '.js');

describe('package.json', () => {
	it('is an n8n community node package', () => {
		expect(pkg.keywords).toContain('n8n-community-node-package');
		expect(pkg.n8n.n8nNodesApiVersion).toBe(1);
		expect(pkg.peerDependencies).toHaveProperty('n8n-workflow');
		// n8n provides n8n-workflow at run time: npm must not install one beside the package.
		expect(pkg.peerDependenciesMeta).toEqual({ 'n8n-workflow': { optional: true } });
		// The build and the example workflows with their data ("import an example" after install).
		expect(pkg.files).toEqual(['dist', 'examples']);
		expect(pkg.license).toBe('MIT');
		expect(fs.readFileSync(path.join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
	});
	it('lists every node and credential', () => {
		expect([...pkg.n8n.nodes].sort()).toEqual(walk('nodes', '.node.ts').map(toDist).sort());
		expect([...pkg.n8n.credentials].sort()).toEqual(walk('credentials', '.credentials.ts').map(toDist).sort());
	});
	it('gives every node an svg icon and a codex file', () => {
		for (const node of walk('nodes', '.node.ts')) {
			const src = fs.readFileSync(path.join(root, node), 'utf8');
			const icon = /icon: '?"?file:([\w.-]+\.svg)/.exec(src) ?? /file:([\w.-]+\.svg)/.exec(src);
			expect(icon).not.toBeNull();
			expect(fs.existsSync(path.join(root, path.dirname(node), (icon as RegExpExecArray)[1]))).toBe(true);
			expect(fs.existsSync(path.join(root, node.replace(/\.ts$/, '.json')))).toBe(true);
		}
	});
});
