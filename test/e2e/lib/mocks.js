/**
 * The provider mocks of test/mocks/*.ts (TypeScript, transpiled on the fly) in a child process on
 * 127.0.0.1, for workflow tests that need them: the child prints one JSON line with the mocks'
 * URLs (plus a control URL that answers their counters) and is stopped with stop().
 */
'use strict';

const path = require('path');
const { spawn } = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Node source for the child: loads the mocks named in `setup` (a function body that returns { name: mock }). */
function runnerSource(setup) {
	return `
const fs = require('fs');
const http = require('http');
const ts = require(${JSON.stringify(require.resolve('typescript', { paths: [ROOT] }))});
require.extensions['.ts'] = (m, filename) => {
	const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2021, esModuleInterop: true } });
	m._compile(out.outputText, filename);
};
const mock = (name) => require(require('path').join(${JSON.stringify(path.join(ROOT, 'test', 'mocks'))}, name + '.ts'));
(async () => {
	const mocks = await (async () => { ${setup} })();
	const control = http.createServer((req, res) => {
		res.setHeader('content-type', 'application/json');
		const out = {};
		for (const [name, m] of Object.entries(mocks)) out[name] = { requests: (m.log || []).length, messages: (m.messages || []).length, customers: m.data && m.data.customerCount, orders: m.data && m.data.orderCount };
		res.end(JSON.stringify(out));
	});
	await new Promise((r) => control.listen(0, '127.0.0.1', r));
	const urls = { control: 'http://127.0.0.1:' + control.address().port };
	for (const [name, m] of Object.entries(mocks)) urls[name] = m.url;
	process.stdout.write(JSON.stringify(urls) + '\\n');
	process.on('SIGTERM', () => process.exit(0));
})().catch((e) => { console.error(e); process.exit(1); });
`;
}

/**
 * Starts mocks in a child process. `setup` is the body of an async function run there, with
 * `mock(name)` = require('test/mocks/<name>.ts'); it starts the mocks and returns them by name.
 * Resolves { urls, stats(), stop() }.
 */
function startMocks(setup) {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['-e', runnerSource(setup)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
		let buf = '';
		child.stdout.on('data', (d) => {
			buf += d;
			if (!buf.includes('\n')) return;
			const urls = JSON.parse(buf.split('\n')[0]);
			resolve({
				urls,
				stats: async () => (await fetch(urls.control)).json(),
				stop: () => child.kill('SIGTERM'),
			});
		});
		child.once('exit', (code) => reject(new Error(`mock process exited (${code})`)));
	});
}

module.exports = { startMocks };
