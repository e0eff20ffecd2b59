#!/usr/bin/env node
/**
 * `npm test`: the unit and node tests (jest, jest.config.js), then the workflow tests in a real n8n
 * and the editor check (test/e2e/run.js, versions from env N8N_VERSIONS, default 1.123.0).
 * Both parts always run; the exit code is 0 only when both pass. Everything the tests need is
 * brought by the tests themselves: n8n (installed once into test/e2e/n8n-<version>/, side by side
 * with the unit tests), a throwaway PostgreSQL server and Debian's Chromium (test/setup/).
 *
 *   npm test
 *   N8N_VERSIONS="1.123.0 2.8.4" npm test
 */
'use strict';

const path = require('path');
const { spawn } = require('child_process');

const ROOT = path.resolve(__dirname, '..');

function run(name, args) {
	const started = Date.now();
	console.log(`\n=== ${name}: node ${args.map((a) => path.relative(ROOT, a) || a).join(' ')}`);
	return new Promise((resolve) => {
		const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CI: process.env.CI || 'true' } });
		const forward = (sig) => () => child.kill(sig);
		const onInt = forward('SIGINT');
		const onTerm = forward('SIGTERM');
		process.once('SIGINT', onInt);
		process.once('SIGTERM', onTerm);
		child.on('exit', (code, signal) => {
			process.removeListener('SIGINT', onInt);
			process.removeListener('SIGTERM', onTerm);
			resolve({ name, ok: code === 0, detail: signal ? `killed by ${signal}` : `exit ${code}`, ms: Date.now() - started });
		});
		child.on('error', (e) => resolve({ name, ok: false, detail: e.message, ms: Date.now() - started }));
	});
}

async function main() {
	const results = [];
	// n8n installs (about 4 minutes each the first time, mostly download) run while the unit tests do.
	const harness = require(path.join(ROOT, 'test', 'e2e', 'harness.js'));
	const versions = harness.versionsUnderTest();
	const installs = Promise.all(versions.map((v) => harness.ensureN8n(v).then(() => null, (e) => e)));
	if (versions.some((v) => !harness.isInstalled(v))) console.log(`\n=== installing n8n ${versions.filter((v) => !harness.isInstalled(v)).join(', ')} while the unit tests run`);
	results.push(await run('unit tests', [require.resolve('jest/bin/jest'), '--ci']));
	const failed = (await installs).filter(Boolean);
	for (const e of failed) console.error(`n8n install failed: ${e.message}`);
	results.push(await run('workflow tests in real n8n + editor check', [path.join(ROOT, 'test', 'e2e', 'run.js')]));
	const ok = results.every((r) => r.ok);
	console.log('');
	for (const r of results) console.log(`  ${r.ok ? 'passed' : 'FAILED'}  ${r.name} (${Math.round(r.ms / 1000)} s${r.ok ? '' : `, ${r.detail}`})`);
	console.log(`npm test: ${ok ? 'PASSED' : 'FAILED'}${ok ? '' : ` (${results.filter((r) => !r.ok).map((r) => r.name).join(', ')})`}`);
	process.exitCode = ok ? 0 : 1;
}

main();
