#!/usr/bin/env node
/**
 * Runs the workflow tests (test/e2e/*.e2e.test.js) in a real n8n for every version in env
 * N8N_VERSIONS (space or comma separated; default 1.123.0), then the editor check
 * (test/editor/editor-check.js) and the Segment Report panel check (test/editor/report-panel-check.js)
 * on each version.
 *
 *   node test/e2e/run.js                      # default version
 *   N8N_VERSIONS="1.123.0 2.8.4" node test/e2e/run.js
 *   node test/e2e/run.js rfm                  # extra arguments go to jest (e.g. a test name filter)
 *   EDITOR_CHECK=0 node test/e2e/run.js       # skip the editor check
 *
 * n8n is installed once per version into test/e2e/n8n-<version>/ (about 4 minutes the first time,
 * reused afterwards). Exit code 0 only when everything passed.
 */
'use strict';

const path = require('path');
const { spawn } = require('child_process');
const harness = require('./harness');

const ROOT = harness.ROOT;

function secs(ms) {
	return `${Math.round(ms / 1000)} s`;
}

function runChild(args, env) {
	return new Promise((resolve) => {
		const child = harness.spawnTracked(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
		child.on('exit', (code, signal) => resolve(code === 0 ? 0 : code || (signal ? 1 : 1)));
		child.on('error', (e) => {
			console.error(e);
			resolve(1);
		});
	});
}

async function main() {
	const jestArgs = process.argv.slice(2);
	const versions = harness.versionsUnderTest();
	const editor = process.env.EDITOR_CHECK !== '0';
	const started = Date.now();
	console.log(`e2e: n8n ${versions.join(', ')}${editor ? ' + editor check' : ''}`);

	harness.cleanWorkDir();
	// Build once; every child reuses the snapshot (MICROSEGMENTS_E2E_SKIP_BUILD=1 below).
	harness.buildPackage();

	// Installs run side by side (network-bound), reused when present.
	const installs = new Map(
		versions.map((v) => {
			const t = Date.now();
			const p = harness.ensureN8n(v).then(
				() => ({ ok: true, ms: Date.now() - t, reused: Date.now() - t < 2000 }),
				(e) => ({ ok: false, ms: Date.now() - t, error: e }),
			);
			return [v, p];
		}),
	);

	const results = [];
	for (const version of versions) {
		const r = { version, install: null, suite: null, editor: null };
		results.push(r);
		r.install = await installs.get(version);
		if (!r.install.ok) {
			console.error(`e2e: n8n ${version} could not be installed: ${r.install.error.message}`);
			continue;
		}
		console.log(`\ne2e: n8n ${version} ${r.install.reused ? 'already installed' : `installed in ${secs(r.install.ms)}`}; running the workflow tests`);
		const env = { N8N_VERSION: version, MICROSEGMENTS_E2E_SKIP_BUILD: '1', CI: process.env.CI || 'true' };
		let t = Date.now();
		const code = await runChild([require.resolve('jest/bin/jest'), '-c', path.join(__dirname, 'jest.config.js'), '--ci', ...jestArgs], env);
		r.suite = { ok: code === 0, ms: Date.now() - t };
		if (editor) {
			console.log(`\ne2e: editor check on n8n ${version}`);
			t = Date.now();
			const ecode = await runChild([path.join(ROOT, 'test', 'editor', 'editor-check.js'), '--version', version], env);
			console.log(`\ne2e: Segment Report panel check on n8n ${version}`);
			const rcode = await runChild([path.join(ROOT, 'test', 'editor', 'report-panel-check.js'), '--version', version], env);
			r.editor = { ok: ecode === 0 && rcode === 0, ms: Date.now() - t };
		}
	}

	console.log('\ne2e summary');
	let ok = true;
	for (const r of results) {
		const parts = [];
		if (!r.install || !r.install.ok) {
			parts.push('install FAILED');
			ok = false;
		} else {
			parts.push(r.install.reused ? 'install reused' : `installed in ${secs(r.install.ms)}`);
			parts.push(`workflow tests ${r.suite.ok ? 'passed' : 'FAILED'} (${secs(r.suite.ms)})`);
			if (!r.suite.ok) ok = false;
			if (r.editor) {
				parts.push(`editor check ${r.editor.ok ? 'passed' : 'FAILED'} (${secs(r.editor.ms)})`);
				if (!r.editor.ok) ok = false;
			}
		}
		console.log(`  n8n ${r.version}: ${parts.join(', ')}`);
	}
	console.log(`e2e: ${ok ? 'PASSED' : 'FAILED'} on n8n ${versions.join(', ')} in ${secs(Date.now() - started)}`);
	process.exitCode = ok ? 0 : 1;
}

main().catch((e) => {
	console.error(`e2e: ${e.stack || e.message}`);
	process.exitCode = 1;
});
