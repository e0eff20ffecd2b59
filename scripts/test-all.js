#!/usr/bin/env node
/**
 * `npm test`: the unit and node tests (jest, jest.config.js), then the workflow tests in a real n8n
 * and the editor check (test/e2e/run.js, versions from env N8N_VERSIONS, default 1.123.0).
 * Both parts always run; the exit code is 0 only when both pass.
 *
 *   npm test
 *   N8N_VERSIONS="1.123.0 2.8.4" npm test
 *   SKIP_E2E=1 npm test          # unit tests only
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
	if (process.env.SKIP_E2E !== '1') {
		// Install the n8n versions first (reused when present): the node tests also check the
		// routers' outputs with the n8n-workflow 1.x that n8n 1.123 ships (test/e2e/n8n-1.123.0).
		const versions = (process.env.N8N_VERSIONS || '1.123.0').split(/[\s,]+/).filter(Boolean);
		if (!versions.includes('1.123.0')) versions.push('1.123.0');
		const harness = require(path.join(ROOT, 'test', 'e2e', 'harness.js'));
		console.log(`\n=== n8n installs: ${versions.join(', ')}`);
		await Promise.all(versions.map((v) => harness.ensureN8n(v)));
	}
	results.push(await run('unit tests', [require.resolve('jest/bin/jest'), '--ci']));
	if (process.env.SKIP_E2E === '1') console.log('\n=== workflow tests in real n8n: skipped (SKIP_E2E=1)');
	else results.push(await run('workflow tests in real n8n + editor check', [path.join(ROOT, 'test', 'e2e', 'run.js')]));
	const ok = results.every((r) => r.ok);
	console.log('');
	for (const r of results) console.log(`  ${r.ok ? 'passed' : 'FAILED'}  ${r.name} (${Math.round(r.ms / 1000)} s${r.ok ? '' : `, ${r.detail}`})`);
	console.log(`npm test: ${ok ? 'PASSED' : 'FAILED'}${ok ? '' : ` (${results.filter((r) => !r.ok).map((r) => r.name).join(', ')})`}`);
	process.exitCode = ok ? 0 : 1;
}

main();
