#!/usr/bin/env node
/**
 * `npm run dev`: starts the n8n editor on http://localhost:5678 with this package installed as
 * n8n users install it (packed, `npm install`ed into a nodes folder linked as
 * .n8n-dev/<version>/.n8n/nodes; rebuilt and reinstalled on each start) and every examples/*.json imported (plus test credentials from test/e2e/credentials/*.json when present),
 * creates a local owner account on the first start and prints how to log in. Ctrl-C stops it.
 *
 *   npm run dev
 *   N8N_VERSION=2.8.4 npm run dev
 *   npm run dev -- --port 5700
 *
 * n8n's data (owner account, workflows, executions) lives in .n8n-dev/<version>/ and survives
 * restarts; the examples are imported again on each start (same ids), so save your own changes to
 * an example as a copy. Delete .n8n-dev/ to start from scratch.
 */
'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');
const harness = require('../test/e2e/harness');

const ROOT = harness.ROOT;

function portFree(port) {
	return new Promise((resolve) => {
		const srv = net.createServer();
		srv.once('error', () => resolve(false));
		srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
	});
}

function readCredentials() {
	const dir = path.join(ROOT, 'test', 'e2e', 'credentials');
	if (!fs.existsSync(dir)) return [];
	const out = [];
	for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
		const value = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
		for (const c of Array.isArray(value) ? value : [value]) if (c && c.id && c.type && c.data) out.push(c);
	}
	return out;
}

async function main() {
	const args = process.argv.slice(2);
	const version = harness.defaultVersion();
	let port = Number(process.env.N8N_DEV_PORT || 5678);
	const i = args.indexOf('--port');
	if (i >= 0) port = Number(args[i + 1]);
	else if (args.find((a) => a.startsWith('--port='))) port = Number(args.find((a) => a.startsWith('--port=')).slice(7));
	if (!Number.isInteger(port) || port <= 0) throw new Error('--port needs a port number');
	if (!(await portFree(port))) {
		const other = await harness.freePort();
		console.log(`Port ${port} is in use (another n8n?); using ${other} instead.`);
		port = other;
	}

	console.log(`Microsegments dev editor: n8n ${version}`);
	console.log('Building the package and installing it as n8n does (npm pack, npm install)...');
	const install = harness.installedPackage({ quiet: true });
	if (!harness.isInstalled(version)) console.log(`Installing n8n ${version} (first run only: about 4 minutes, 1.6 GB)...`);
	await harness.ensureN8n(version);

	const userFolder = path.join(ROOT, '.n8n-dev', version);
	fs.mkdirSync(userFolder, { recursive: true });
	const logFile = path.join(userFolder, 'n8n.log');
	const logStream = fs.createWriteStream(logFile, { flags: 'a' });
	const workflows = fs
		.readdirSync(path.join(ROOT, 'examples'))
		.filter((f) => f.endsWith('.json'))
		.sort()
		.map((f) => `examples/${f}`);
	const credentials = readCredentials();
	console.log(`Importing ${workflows.length} example workflow(s)${credentials.length ? ` and ${credentials.length} test credential(s)` : ''}, starting n8n...`);
	const server = await harness.startN8n({ version, userFolder, port, workflows, credentials, onLog: (t) => logStream.write(t) });

	let login;
	try {
		const res = await harness.setupOwner(server.url);
		login = res.created
			? `created a local owner account: ${harness.DEV_OWNER.email} / ${harness.DEV_OWNER.password}`
			: `log in as ${harness.DEV_OWNER.email} / ${harness.DEV_OWNER.password}`;
	} catch (e) {
		login = `the instance already has an owner account with another password: log in with yours (or delete ${path.relative(ROOT, userFolder)}/ to start over)`;
	}

	console.log('');
	console.log(`  n8n editor:  ${server.url}/home/workflows   (started in ${(server.startMs / 1000).toFixed(1)} s)`);
	console.log(`  login:       ${login}`);
	console.log(`  examples:    ${server.workflows.map((w) => `${w.name}  ${server.url}/workflow/${w.id}`).join('\n               ')}`);
	console.log(`  data:        ${path.relative(ROOT, userFolder)}/ (n8n log: ${path.relative(ROOT, logFile)})`);
	console.log(`  package:     ${install.packageDir} (linked as ${path.relative(ROOT, userFolder)}/.n8n/nodes)`);
	console.log(`  Read/Write Files from Disk may use examples/data/ and demo-output/ (paths relative to ${ROOT}).`);
	console.log('\nPress Ctrl-C to stop.');

	server.child.on('exit', (code, signal) => {
		console.log(`n8n stopped (${signal || `exit ${code}`}). See ${path.relative(ROOT, logFile)}.`);
		process.exit(code || 0);
	});
}

main().catch((e) => {
	console.error(`dev failed: ${e.message}`);
	process.exit(1);
});
