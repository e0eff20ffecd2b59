/**
 * Real-n8n harness: installs a pinned n8n into test/e2e/n8n-<version>/, builds this package, packs
 * it and installs the tarball the way n8n users do (`npm install <tarball>` in a nodes folder,
 * linked as `<user folder>/.n8n/nodes`; our nodes are `n8n-nodes-microsegments.<name>`), imports a
 * workflow (and test credentials) into a throwaway user folder, runs it with `n8n execute --id=<id>`
 * and reads the run back from n8n's own database, so a test asserts on the items each node emitted
 * whatever their size.
 *
 *   const { runWorkflow } = require('./harness');
 *   const run = await runWorkflow({ workflow: 'examples/rfm-basic.json' });
 *   run.items('RFM Score');          // json of the items the node emitted (output 0, last run)
 *
 * Static data (what `this.getWorkflowStaticData('global')` holds) persists between two runs that
 * share a `userFolder` (see `createUserFolder()` and harness.e2e.test.js). docs/REAL_N8N.md has
 * the whole API and what we learnt about n8n 1.123 and 2.8.
 *
 * CommonJS on purpose: used by jest e2e tests, scripts/demo.js, scripts/dev.js and the editor check.
 */
'use strict';

const fs = require('fs');
const os = require('os');
const net = require('net');
const path = require('path');
const crypto = require('crypto');
const { spawn, execFileSync } = require('child_process');
const pkg = require('./lib/package');
const executions = require('./lib/executions');
const { ensureChromium } = require('../setup/system');

const ROOT = path.resolve(__dirname, '..', '..');
const E2E_DIR = __dirname;
const WORK_DIR = path.join(E2E_DIR, '.work');
const DIST = pkg.DIST;
const { PACKAGE_NAME, NODE_TYPE_PREFIX } = pkg;
const DEFAULT_VERSION = '1.123.0';
const SUPPORTED_VERSIONS = ['1.123.0', '2.8.4'];
/** Fixed so imported test credentials decrypt in every run (never a real secret). */
const ENCRYPTION_KEY = 'microsegments-e2e-not-a-secret-key';
const INSTALL_TIMEOUT_MS = 20 * 60 * 1000;
const DEFAULT_RUN_TIMEOUT_MS = 5 * 60 * 1000;

function defaultVersion() {
	return (process.env.N8N_VERSION || DEFAULT_VERSION).trim();
}

function log(message) {
	// stderr: keeps stdout clean for scripts that print results, and jest shows it live.
	process.stderr.write(`[n8n-e2e] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Child process bookkeeping: every n8n we start is killed (whole process group) when we exit.

const children = new Set();
function killGroup(child, signal = 'SIGTERM') {
	if (!child || child.exitCode !== null || child.signalCode !== null) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		try {
			child.kill(signal);
		} catch {
			/* already gone */
		}
	}
}
function killAll() {
	for (const child of children) killGroup(child, 'SIGKILL');
	children.clear();
}
process.setMaxListeners(Math.max(process.getMaxListeners(), 50));
process.once('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.once(sig, () => {
		killAll();
		process.exit(128 + (os.constants.signals[sig] || 1));
	});
}

/** Spawns a command in its own process group (so its children die with it); tracked for cleanup. */
function spawnTracked(command, args, options) {
	const child = spawn(command, args, { ...options, detached: true });
	children.add(child);
	child.once('exit', () => children.delete(child));
	return child;
}

// ---------------------------------------------------------------------------------------------
// Installing n8n

function installDir(version) {
	return path.join(E2E_DIR, `n8n-${version}`);
}

function n8nBin(version) {
	return path.join(installDir(version), 'node_modules', 'n8n', 'bin', 'n8n');
}

function installedVersion(version) {
	try {
		const pkg = JSON.parse(fs.readFileSync(path.join(installDir(version), 'node_modules', 'n8n', 'package.json'), 'utf8'));
		return pkg.version;
	} catch {
		return undefined;
	}
}

function isInstalled(version) {
	const dir = installDir(version);
	if (installedVersion(version) !== version || !fs.existsSync(n8nBin(version))) return false;
	// npm writes node_modules/.package-lock.json when an install completes; our marker likewise.
	const marker = path.join(dir, '.installed');
	if (fs.existsSync(marker)) return fs.readFileSync(marker, 'utf8').trim() === version;
	if (fs.existsSync(path.join(dir, 'node_modules', '.package-lock.json'))) {
		fs.writeFileSync(marker, version + '\n');
		return true;
	}
	return false;
}

function dirSizeMb(dir) {
	try {
		return Math.round(Number(execFileSync('du', ['-sm', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\s/)[0]));
	} catch {
		return undefined;
	}
}

const installing = new Map();

/**
 * Makes sure n8n@version is installed in test/e2e/n8n-<version>/ and returns the path of its
 * binary. An existing complete install is reused (takes milliseconds); otherwise npm installs it
 * (about 4 minutes and 1.6 GB on Node 20), printing progress every 15 s.
 */
function ensureN8n(version = defaultVersion(), { quiet = false } = {}) {
	if (!/^\d+\.\d+\.\d+$/.test(version)) return Promise.reject(new Error(`n8n version must look like 1.123.0, got "${version}"`));
	if (isInstalled(version)) return Promise.resolve(n8nBin(version));
	if (installing.has(version)) return installing.get(version);
	const p = install(version, quiet).finally(() => installing.delete(version));
	installing.set(version, p);
	return p;
}

async function install(version, quiet) {
	const dir = installDir(version);
	fs.mkdirSync(dir, { recursive: true });
	const lock = path.join(dir, '.install-lock');
	// Another process (a parallel demo or test run) may be installing the same version: wait for it.
	const lockStart = Date.now();
	for (;;) {
		try {
			fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
			break;
		} catch {
			const owner = Number(fs.readFileSync(lock, 'utf8')) || 0;
			let alive = false;
			try {
				if (owner) process.kill(owner, 0), (alive = true);
			} catch {
				alive = false;
			}
			if (!alive) {
				fs.rmSync(lock, { force: true });
				continue;
			}
			if (Date.now() - lockStart > INSTALL_TIMEOUT_MS) throw new Error(`Timed out waiting for another process (pid ${owner}) installing n8n ${version} in ${dir}`);
			if (!quiet) log(`waiting for pid ${owner}, which is installing n8n ${version}...`);
			await new Promise((r) => setTimeout(r, 10000));
			if (isInstalled(version)) return n8nBin(version);
		}
	}
	try {
		if (isInstalled(version)) return n8nBin(version);
		const pkg = { private: true, dependencies: { n8n: version }, overrides: { xlsx: '0.18.5' } };
		fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
		fs.rmSync(path.join(dir, '.installed'), { force: true });
		const started = Date.now();
		if (!quiet) log(`installing n8n ${version} into ${path.relative(ROOT, dir)} (first time only: about 4 minutes, 1.6 GB)...`);
		const output = [];
		await new Promise((resolve, reject) => {
			const child = spawnTracked('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
				cwd: dir,
				env: { ...process.env, npm_config_yes: 'true', npm_config_update_notifier: 'false' },
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			const keep = (d) => {
				output.push(d.toString());
				if (output.length > 200) output.shift();
			};
			child.stdout.on('data', keep);
			child.stderr.on('data', keep);
			const timer = setInterval(() => {
				if (!quiet) {
					const mb = dirSizeMb(path.join(dir, 'node_modules'));
					log(`  ...installing n8n ${version}: ${Math.round((Date.now() - started) / 1000)} s${mb ? `, ${mb} MB so far` : ''}`);
				}
			}, 15000);
			const killer = setTimeout(() => killGroup(child, 'SIGKILL'), INSTALL_TIMEOUT_MS);
			child.on('error', (e) => reject(e));
			child.on('exit', (code, signal) => {
				clearInterval(timer);
				clearTimeout(killer);
				if (code === 0) resolve();
				else reject(new Error(`npm install of n8n ${version} failed (${signal || 'exit ' + code}) in ${dir}:\n${output.join('').slice(-4000)}`));
			});
		});
		if (installedVersion(version) !== version || !fs.existsSync(n8nBin(version)))
			throw new Error(`npm install finished but ${n8nBin(version)} (n8n ${version}) is missing`);
		fs.writeFileSync(path.join(dir, '.installed'), version + '\n');
		if (!quiet) log(`installed n8n ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
		return n8nBin(version);
	} finally {
		fs.rmSync(lock, { force: true });
	}
}

// ---------------------------------------------------------------------------------------------
// Building and installing the package (test/e2e/lib/package.js)

/**
 * Builds dist/ when it is older than the sources (MICROSEGMENTS_E2E_SKIP_BUILD=1: as it is), packs
 * it and installs the tarball the way n8n users do (`npm install <tarball>` in a fresh nodes
 * folder, cached per build). Returns the installed package's dist/ folder (what n8n loads).
 */
function buildPackage({ force = false, quiet = false } = {}) {
	return installedPackage({ force, quiet }).distDir;
}

/** The cached install of this build: { key, nodesDir, packageDir, distDir, tarball }. */
function installedPackage({ force = false, quiet = false } = {}) {
	return pkg.installedPackage({ force, quiet, log });
}

// ---------------------------------------------------------------------------------------------
// Environment for n8n

function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

function tempDir(prefix) {
	fs.mkdirSync(WORK_DIR, { recursive: true });
	return fs.mkdtempSync(path.join(WORK_DIR, `${prefix}-`));
}

/** A user folder to pass to several runWorkflow calls so workflow static data persists. */
function createUserFolder(prefix = 'user') {
	return tempDir(prefix);
}

/**
 * Environment for an n8n process. Reads and writes by Read/Write Files from Disk are allowed in
 * examples/data, demo-output/, the user folder and the extra `allowedPaths`. Our nodes come from
 * `<userFolder>/.n8n/nodes` (see linkNodes), as in a user's n8n: no N8N_CUSTOM_EXTENSIONS.
 * Community packages stay enabled (n8n's default): n8n loads `~/.n8n/nodes/node_modules/n8n-nodes-*`
 * at start whatever N8N_COMMUNITY_PACKAGES_ENABLED says (only N8N_COMMUNITY_PACKAGES_PREVENT_LOADING
 * stops it); the setting decides whether the Community Nodes settings page can install more.
 * N8N_VERIFIED_PACKAGES_ENABLED=false keeps n8n from fetching the list of verified community nodes
 * from api.n8n.io (tests talk to loopback only).
 */
async function n8nEnv({ userFolder, env = {}, allowedPaths = [], logLevel = 'info' } = {}) {
	const base = { ...process.env };
	// Settings from the caller's shell could change what a run does: drop n8n's own variables.
	for (const key of Object.keys(base)) if (/^(N8N_|DB_|EXECUTIONS_|QUEUE_|GENERIC_TIMEZONE|NODES_|JEST_)/.test(key)) delete base[key];
	// Under jest NODE_ENV is "test", which silences n8n's logger and makes n8n refuse to load nodes.
	delete base.NODE_ENV;
	const allowed = [path.join(ROOT, 'examples', 'data'), path.join(ROOT, 'demo-output'), userFolder, ...allowedPaths]
		.filter(Boolean)
		.map((p) => path.resolve(ROOT, p));
	return {
		...base,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		N8N_LOG_LEVEL: logLevel,
		N8N_LOG_OUTPUT: 'console',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_ONBOARDING_FLOW_DISABLED: 'true',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_RESTRICT_FILE_ACCESS_TO: allowed.join(';'),
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		N8N_SECURE_COOKIE: 'false',
		// Every run is read back from the database (test/e2e/lib/executions.js): keep them all.
		EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
		EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
		EXECUTIONS_DATA_PRUNE: 'false',
		GENERIC_TIMEZONE: 'UTC',
		TZ: 'UTC',
		DB_TYPE: 'sqlite',
		NO_COLOR: '1',
		...env,
	};
}

/**
 * Seeds an empty user folder with a migrated database: a fresh SQLite database needs all of n8n's
 * migrations (2-5 s per run). The template, test/e2e/.work/template-<version>/, is made once per
 * version by an n8n command that only opens the database.
 */
async function seedUserFolder(version, userFolder) {
	const target = path.join(userFolder, '.n8n');
	if (fs.existsSync(path.join(target, 'database.sqlite'))) return false;
	const template = path.join(WORK_DIR, `template-${version}`);
	const ready = path.join(template, '.ready');
	if (!fs.existsSync(ready)) {
		const tmp = `${template}.tmp-${process.pid}-${Date.now()}`;
		fs.mkdirSync(tmp, { recursive: true });
		const env = await n8nEnv({ userFolder: tmp });
		const res = await runN8n(version, ['list:workflow'], { env });
		if (res.code !== 0 || !fs.existsSync(path.join(tmp, '.n8n', 'database.sqlite'))) {
			fs.rmSync(tmp, { recursive: true, force: true });
			return false; // not fatal: the run migrates its own database
		}
		fs.writeFileSync(path.join(tmp, '.ready'), version + '\n');
		try {
			fs.renameSync(tmp, template);
		} catch {
			fs.rmSync(tmp, { recursive: true, force: true }); // another process made it first
		}
		if (!fs.existsSync(ready)) return false;
	}
	fs.mkdirSync(target, { recursive: true });
	for (const name of fs.readdirSync(path.join(template, '.n8n'))) {
		if (name === 'config' || name.startsWith('database.sqlite')) fs.cpSync(path.join(template, '.n8n', name), path.join(target, name), { recursive: true });
	}
	return true;
}

/** Keeps the last `limit` bytes written to a stream (n8n execute prints the whole run: no test needs it). */
function tailCollector(limit) {
	const chunks = [];
	let size = 0;
	return {
		push(d) {
			chunks.push(d);
			size += d.length;
			while (size - chunks[0].length >= limit) size -= chunks.shift().length;
		},
		text() {
			const buf = Buffer.concat(chunks);
			return buf.length > limit ? `…${buf.subarray(buf.length - limit).toString('utf8')}` : buf.toString('utf8');
		},
	};
}

/**
 * Runs an n8n CLI command to completion; resolves { code, signal, stdout, stderr, ms } where stdout
 * and stderr are the last `outputLimit` bytes (default 1 MB) of each.
 */
function runN8n(version, args, { env, timeoutMs = DEFAULT_RUN_TIMEOUT_MS, cwd = ROOT, outputLimit = 1024 * 1024 } = {}) {
	const started = Date.now();
	return new Promise((resolve, reject) => {
		const child = spawnTracked(process.execPath, [n8nBin(version), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
		const out = tailCollector(outputLimit);
		const err = tailCollector(outputLimit);
		child.stdout.on('data', (d) => out.push(d));
		child.stderr.on('data', (d) => err.push(d));
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			killGroup(child, 'SIGKILL');
		}, timeoutMs);
		child.on('error', reject);
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			const res = { code, signal, stdout: out.text(), stderr: err.text(), ms: Date.now() - started };
			if (timedOut) {
				const e = new Error(`n8n ${args.join(' ')} timed out after ${timeoutMs / 1000} s\n${tail(res.stdout + res.stderr)}`);
				e.result = res;
				reject(e);
			} else resolve(res);
		});
	});
}

function tail(text, n = 3000) {
	return text.length > n ? '…' + text.slice(-n) : text;
}

// ---------------------------------------------------------------------------------------------
// Workflows

function loadWorkflow(workflow) {
	if (typeof workflow === 'string') {
		const file = path.resolve(ROOT, workflow);
		if (!fs.existsSync(file)) throw new Error(`Workflow file not found: ${file}`);
		return { wf: JSON.parse(fs.readFileSync(file, 'utf8')), file };
	}
	if (workflow && typeof workflow === 'object') return { wf: JSON.parse(JSON.stringify(workflow)), file: undefined };
	throw new Error('runWorkflow: `workflow` must be a path or a workflow object');
}

/** n8n's CLI takes ids of at most 16 characters; a missing id/versionId is derived from the name. */
function normalizeWorkflow(wf, { manualStart = true } = {}) {
	if (!Array.isArray(wf.nodes) || !wf.connections) throw new Error('Workflow JSON needs `nodes` and `connections`');
	if (!wf.name) wf.name = 'E2E workflow';
	if (!wf.id) wf.id = crypto.createHash('sha1').update(wf.name).digest('hex').slice(0, 16);
	if (String(wf.id).length > 16) throw new Error(`Workflow id "${wf.id}" is longer than 16 characters: n8n execute would not accept it`);
	if (!wf.versionId) wf.versionId = crypto.randomUUID();
	wf.active = false;
	// Our nodes are loaded from the installed package: `CUSTOM.<name>` (the type of a custom
	// extensions folder, used before) is unknown to such an n8n.
	const custom = wf.nodes.filter((n) => typeof n.type === 'string' && n.type.startsWith('CUSTOM.'));
	if (custom.length)
		throw new Error(`Workflow "${wf.name}": node type ${custom.map((n) => `"${n.type}"`).join(', ')} is not the installed package's: write ${custom.map((n) => `"${NODE_TYPE_PREFIX}${n.type.slice(7)}"`).join(', ')}`);
	if (!wf.settings) wf.settings = {};
	if (manualStart) addManualStart(wf);
	return wf;
}

const CLI_START_TYPES = ['n8n-nodes-base.manualTrigger', 'n8n-nodes-base.executeWorkflowTrigger', '@n8n/n8n-nodes-langchain.manualChatTrigger'];
const MANUAL_START_NAME = 'E2E Manual Start';

/**
 * `n8n execute` starts only at a Manual Trigger (or Execute Workflow Trigger); a workflow whose
 * only trigger is a Schedule Trigger fails with "Missing node to start execution". For such a
 * workflow a Manual Trigger is added, wired to what the schedule trigger feeds, so the run is the
 * same as a scheduled one (the schedule trigger itself does not run; its output is one empty item,
 * like the manual trigger's, apart from the timestamp fields).
 */
function addManualStart(wf) {
	if (wf.nodes.some((n) => CLI_START_TYPES.includes(n.type) && !n.disabled)) return wf;
	const trigger = wf.nodes.find((n) => n.type === 'n8n-nodes-base.scheduleTrigger' && !n.disabled);
	if (!trigger) return wf;
	const pos = Array.isArray(trigger.position) ? trigger.position : [0, 0];
	wf.nodes.push({
		id: crypto.randomUUID(),
		name: MANUAL_START_NAME,
		type: 'n8n-nodes-base.manualTrigger',
		typeVersion: 1,
		position: [pos[0], pos[1] + 200],
		parameters: {},
	});
	wf.connections[MANUAL_START_NAME] = JSON.parse(JSON.stringify(wf.connections[trigger.name] || { main: [[]] }));
	return wf;
}

/** Nodes of this package in a workflow (type `n8n-nodes-microsegments.<name>`). */
function packageNodesOf(wf) {
	return wf.nodes.filter((n) => typeof n.type === 'string' && n.type.startsWith(NODE_TYPE_PREFIX));
}
/** Former name of packageNodesOf (kept for tests written against it). */
const customNodesOf = packageNodesOf;

async function importInto(version, env, { workflows = [], credentials = [], dir, cwd = ROOT }) {
	const timings = {};
	if (credentials.length) {
		const file = path.join(dir, 'credentials.json');
		const creds = credentials.map((c) => {
			if (!c.id || !c.name || !c.type || !c.data) throw new Error('Each credential needs id, name, type and data');
			return { id: String(c.id), name: c.name, type: c.type, data: c.data, isManaged: false };
		});
		fs.writeFileSync(file, JSON.stringify(creds, null, 2));
		const res = await runN8n(version, ['import:credentials', `--input=${file}`], { env, cwd });
		timings.importCredentialsMs = res.ms;
		if (res.code !== 0) throw new Error(`n8n import:credentials failed (exit ${res.code}):\n${tail(res.stdout + res.stderr)}`);
	}
	if (workflows.length) {
		// One n8n boot for all workflows: --separate imports every *.json of a folder.
		const wfDir = path.join(dir, 'workflows');
		fs.mkdirSync(wfDir, { recursive: true });
		for (const [i, wf] of workflows.entries()) fs.writeFileSync(path.join(wfDir, `workflow-${i}.json`), JSON.stringify(wf, null, 2));
		const args = workflows.length === 1 ? ['import:workflow', `--input=${path.join(wfDir, 'workflow-0.json')}`] : ['import:workflow', '--separate', `--input=${wfDir}`];
		const res = await runN8n(version, args, { env, cwd });
		timings.importWorkflowMs = res.ms;
		if (res.code !== 0 || /An error occurred while importing/i.test(res.stdout + res.stderr))
			throw new Error(`n8n import:workflow failed for ${workflows.map((w) => `"${w.name}"`).join(', ')} (exit ${res.code}):\n${tail(res.stdout + res.stderr)}`);
	}
	return timings;
}

class WorkflowRun {
	/**
	 * execution: what test/e2e/lib/executions.js read back from n8n's database (null when n8n saved
	 * none); stdout/stderr: the tail of n8n's output, for error messages only.
	 */
	constructor({ execution, workflow, version, stdout, stderr, code, timings, userFolder }) {
		this.execution = execution ? { id: execution.id, status: execution.status, finished: execution.finished, mode: execution.mode, dataChars: execution.dataChars } : null;
		this.raw = execution ? { id: execution.id, data: execution.data, mode: execution.mode, status: execution.status, finished: execution.finished, startedAt: execution.startedAt, stoppedAt: execution.stoppedAt } : null;
		this.workflow = workflow;
		this.version = version;
		this.stdout = stdout;
		this.stderr = stderr;
		this.exitCode = code;
		this.timings = timings;
		this.userFolder = userFolder;
		const resultData = execution && execution.data && execution.data.resultData;
		this.runData = (resultData && resultData.runData) || {};
		if (!execution) {
			this.error = { message: `n8n execute saved no execution of workflow "${workflow.id}" (exit ${code}). Output:\n${tail(stdout + stderr)}` };
		} else if (resultData && resultData.error) {
			this.error = resultData.error;
		} else if (execution.status !== 'success' || !execution.finished) {
			this.error = { message: `the execution ended with status "${execution.status}"${execution.finished ? '' : ', unfinished'} (n8n execute exit ${code}). Output:\n${tail(stdout + stderr)}` };
		} else {
			this.error = null;
		}
	}

	/** Name of the node whose task failed (n8n 2.x leaves `error.node` out), or undefined. */
	get failedNode() {
		for (const [name, runs] of Object.entries(this.runData)) if (runs.some((r) => r.error)) return name;
		const rd = this.raw && this.raw.data && this.raw.data.resultData;
		return this.error && rd ? rd.lastNodeExecuted : undefined;
	}

	/** Names of the nodes that ran, in the order n8n ran them. */
	get nodesRun() {
		return Object.keys(this.runData);
	}

	taskData(nodeName, runIndex) {
		const runs = this.runData[nodeName];
		if (!runs || !runs.length) {
			const ran = this.nodesRun.join(', ') || 'none';
			throw new Error(`Node "${nodeName}" did not run. Nodes that ran: ${ran}.${this.error ? ' Run error: ' + this.error.message : ''}`);
		}
		return runs[runIndex === undefined ? runs.length - 1 : runIndex];
	}

	/** Every output of a node's last run, as arrays of item json. */
	outputs(nodeName, runIndex) {
		const task = this.taskData(nodeName, runIndex);
		const main = (task.data && task.data.main) || [];
		return main.map((items) => (items || []).map((item) => item.json));
	}

	/** json of the items a node emitted on one output (default 0) in its last run. */
	items(nodeName, outputIndex = 0, runIndex) {
		const outs = this.outputs(nodeName, runIndex);
		return outs[outputIndex] || [];
	}

	/** Full items (json, pairedItem, binary metadata) of one output. */
	rawItems(nodeName, outputIndex = 0, runIndex) {
		const task = this.taskData(nodeName, runIndex);
		return ((task.data && task.data.main && task.data.main[outputIndex]) || []).slice();
	}

	/** The error a node raised (its task's error), or null. */
	nodeError(nodeName) {
		const runs = this.runData[nodeName];
		if (!runs || !runs.length) return null;
		return runs[runs.length - 1].error || null;
	}

	/** Throws a readable error when the run failed. */
	assertOk() {
		if (!this.error) return this;
		const e = this.error;
		const failed = (e.node && e.node.name) || this.failedNode;
		const node = failed ? ` in node "${failed}"` : '';
		throw new Error(`Workflow "${this.workflow.name}" failed on n8n ${this.version}${node}: ${e.message}${e.description ? '\n' + e.description : ''}\n--- n8n output (tail) ---\n${tail(this.stdout + this.stderr, 2000)}`);
	}
}

/**
 * Imports and executes a workflow in a real n8n that has this package installed. Options:
 *   workflow     path (relative to the repo root or absolute) or workflow object
 *   version      n8n version (default env N8N_VERSION or 1.123.0)
 *   credentials  [{ id, name, type, data }] imported first (data is the plain credential object)
 *   env          extra environment for n8n (e.g. mock base URLs)
 *   userFolder   n8n user folder to reuse across runs (static data persists); default: a new one,
 *                deleted after the run (keepUserFolder: true keeps it, see run.userFolder). Its
 *                `.n8n/nodes` is linked to the installed package unless it is a folder of its own.
 *   allowedPaths extra folders Read/Write Files from Disk may use
 *   cwd          n8n's working directory (default: the repo root)
 *   imported     true: the workflow (and its credentials) is already in `userFolder`, imported by
 *                importWorkflows(): no import here (one n8n boot less per run)
 *   timeoutMs    per n8n command (default 5 min)
 * Resolves a WorkflowRun: items(node, output), outputs(node), error, raw, nodesRun, timings,
 * execution. The run is read back from n8n's database, whatever its size. Relative file paths in
 * workflows (e.g. examples/data/cdnow_sample_orders.csv) resolve against `cwd`.
 */
async function runWorkflow(options = {}) {
	const version = options.version || defaultVersion();
	const { wf } = loadWorkflow(options.workflow);
	normalizeWorkflow(wf, { manualStart: options.manualStart !== false });
	await ensureN8n(version);
	const install = installedPackage();
	const userFolder = options.userFolder || tempDir('run');
	fs.mkdirSync(userFolder, { recursive: true });
	pkg.linkNodes(userFolder, install);
	if (options.seed !== false) await seedUserFolder(version, userFolder);
	const dir = tempDir('import');
	const cwd = options.cwd ? path.resolve(ROOT, options.cwd) : ROOT;
	try {
		const env = await n8nEnv({ userFolder, env: options.env, allowedPaths: options.allowedPaths });
		const started = Date.now();
		const timings = options.imported ? {} : await importInto(version, env, { workflows: [wf], credentials: options.credentials || [], dir, cwd });
		const before = await executions.lastExecutionId(installDir(version), userFolder);
		const res = await runN8n(version, ['execute', `--id=${wf.id}`, '--rawOutput'], { env, cwd, timeoutMs: options.timeoutMs, outputLimit: 64 * 1024 });
		timings.executeMs = res.ms;
		const t = Date.now();
		const execution = await executions.readExecution(installDir(version), userFolder, wf.id, before);
		timings.readMs = Date.now() - t;
		timings.totalMs = Date.now() - started;
		if (options.keepImportDir) {
			fs.writeFileSync(path.join(dir, 'stdout.txt'), res.stdout);
			fs.writeFileSync(path.join(dir, 'stderr.txt'), res.stderr);
		}
		return new WorkflowRun({ execution, workflow: wf, version, stdout: res.stdout, stderr: res.stderr, code: res.code, timings, userFolder });
	} finally {
		if (!options.keepImportDir) fs.rmSync(dir, { recursive: true, force: true });
		// A user folder we created is thrown away (a SQLite DB of a few MB per run); a given one is kept.
		if (!options.userFolder && !options.keepUserFolder) fs.rmSync(userFolder, { recursive: true, force: true });
	}
}

/**
 * Imports several workflows (and credentials) into a user folder with one n8n boot per kind, for
 * runWorkflow({ workflow, userFolder, imported: true }) calls on the same workflows afterwards.
 * Options as runWorkflow's (version, userFolder, credentials, env, allowedPaths, cwd, manualStart);
 * `workflows` are paths or objects. Resolves the user folder.
 */
async function importWorkflows(options = {}) {
	const version = options.version || defaultVersion();
	const wfs = (options.workflows || []).map((w) => normalizeWorkflow(loadWorkflow(w).wf, { manualStart: options.manualStart !== false }));
	await ensureN8n(version);
	const install = installedPackage();
	const userFolder = options.userFolder || tempDir('run');
	fs.mkdirSync(userFolder, { recursive: true });
	pkg.linkNodes(userFolder, install);
	await seedUserFolder(version, userFolder);
	const dir = tempDir('import');
	try {
		const env = await n8nEnv({ userFolder, env: options.env, allowedPaths: options.allowedPaths });
		await importInto(version, env, { workflows: wfs, credentials: options.credentials || [], dir, cwd: options.cwd ? path.resolve(ROOT, options.cwd) : ROOT });
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
	return userFolder;
}

/**
 * Removes what earlier runs left in test/e2e/.work/ (user folders of tests, snapshots) once it is
 * older than `maxAgeHours`; recent entries may belong to a run still going on.
 */
function cleanWorkDir(maxAgeHours = 6) {
	if (!fs.existsSync(WORK_DIR)) return 0;
	let removed = 0;
	for (const name of fs.readdirSync(WORK_DIR)) {
		const p = path.join(WORK_DIR, name);
		if (name.startsWith('template-')) continue;
		try {
			if (Date.now() - fs.statSync(p).mtimeMs > maxAgeHours * 3600e3) {
				fs.rmSync(p, { recursive: true, force: true });
				removed++;
			}
		} catch {
			/* removed meanwhile */
		}
	}
	return removed;
}

// ---------------------------------------------------------------------------------------------
// n8n server (editor): used by scripts/dev.js and the editor check

/** Owner account the editor check and `npm run dev` create on a fresh user folder (local only). */
const DEV_OWNER = { email: 'owner@example.com', firstName: 'Demo', lastName: 'Owner', password: 'Microsegments1' };

/**
 * n8n binds its auth cookie to the `browser-id` header of the login request; the editor sends the
 * id it keeps in localStorage under "n8n-browserId". A browser that should reuse a REST login sets
 * that key to this value first (see test/editor/editor-check.js).
 */
const BROWSER_ID = 'microsegments-e2e';

/** A request to n8n's REST API; the default timeout is generous (a busy machine answers slowly), never a margin. */
async function httpJson(url, { method = 'GET', body, cookie, timeoutMs = 120000, browserId = BROWSER_ID } = {}) {
	const res = await fetch(url, {
		method,
		headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}), 'browser-id': browserId },
		body: body === undefined ? undefined : JSON.stringify(body),
		signal: AbortSignal.timeout(timeoutMs),
	});
	const text = await res.text();
	let json;
	try {
		json = text ? JSON.parse(text) : undefined;
	} catch {
		json = undefined;
	}
	const setCookie = typeof res.headers.getSetCookie === 'function' ? res.headers.getSetCookie() : [];
	return { status: res.status, json, text, cookie: setCookie.map((c) => c.split(';')[0]).join('; ') };
}

/**
 * Whether n8n's REST API is fully up. /rest/settings answers before every controller is
 * registered, and GET /rest/login can answer (with the editor's page) before POST /rest/login
 * exists: wait until POST /rest/login (no credentials) is anything but 404. A request that times
 * out counts as "not yet" (the caller polls again).
 */
async function restReady(url) {
	try {
		if ((await httpJson(`${url}/rest/settings`, { timeoutMs: 30000 })).status !== 200) return false;
		if ((await httpJson(`${url}/rest/login`, { timeoutMs: 30000 })).status === 404) return false;
		return (await httpJson(`${url}/rest/login`, { method: 'POST', body: {}, timeoutMs: 30000 })).status !== 404;
	} catch {
		return false; // not listening yet
	}
}

/**
 * Starts `n8n start` on 127.0.0.1 with this package loaded and the given workflows/credentials
 * imported. Resolves once the REST API answers: { url, port, userFolder, version, logs(), stop() }.
 * The process (and its task runners) is killed by stop() or when this process exits.
 */
async function startN8n({ version = defaultVersion(), userFolder, port, workflows = [], credentials = [], env = {}, allowedPaths, startTimeoutMs = 300000, onLog } = {}) {
	await ensureN8n(version);
	const install = installedPackage();
	userFolder = userFolder || tempDir('server');
	fs.mkdirSync(userFolder, { recursive: true });
	pkg.linkNodes(userFolder, install);
	await seedUserFolder(version, userFolder);
	port = port || (await freePort());
	const baseEnv = await n8nEnv({ userFolder, allowedPaths, env: { N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1', N8N_HOST: 'localhost', N8N_PROTOCOL: 'http', N8N_EDITOR_BASE_URL: `http://localhost:${port}/`, ...env } });
	const loaded = workflows.map((w) => normalizeWorkflow(loadWorkflow(w).wf, { manualStart: false }));
	if (loaded.length || credentials.length) {
		const dir = tempDir('import');
		await importInto(version, baseEnv, { workflows: loaded, credentials, dir });
		fs.rmSync(dir, { recursive: true, force: true });
	}
	const child = spawnTracked(process.execPath, [n8nBin(version), 'start'], { cwd: ROOT, env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
	const lines = [];
	const keep = (d) => {
		const text = d.toString();
		lines.push(text);
		if (lines.length > 2000) lines.shift();
		if (onLog) onLog(text);
	};
	child.stdout.on('data', keep);
	child.stderr.on('data', keep);
	const url = `http://localhost:${port}`;
	const started = Date.now();
	let exited = null;
	child.once('exit', (code, signal) => (exited = signal || `exit ${code}`));
	for (;;) {
		if (exited) throw new Error(`n8n ${version} stopped while starting (${exited}):\n${tail(lines.join(''))}`);
		if (Date.now() - started > startTimeoutMs) {
			killGroup(child, 'SIGKILL');
			throw new Error(`n8n ${version} did not answer on ${url} within ${startTimeoutMs / 1000} s:\n${tail(lines.join(''))}`);
		}
		if (await restReady(url)) break;
		await new Promise((r) => setTimeout(r, 500));
	}
	const stop = async () => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		const done = new Promise((r) => child.once('exit', r));
		killGroup(child, 'SIGTERM');
		const t = setTimeout(() => killGroup(child, 'SIGKILL'), 10000);
		await done;
		clearTimeout(t);
	};
	return { url, port, version, userFolder, extensions: install.distDir, install, child, startMs: Date.now() - started, logs: () => lines.join(''), stop, workflows: loaded };
}

/**
 * Creates the owner account through n8n's own setup endpoint when the instance has none, then
 * logs in. Resolves { cookie, created, owner }.
 */
async function setupOwner(url, owner = DEV_OWNER) {
	for (let i = 0; i < 120 && !(await restReady(url)); i++) await new Promise((r) => setTimeout(r, 1000));
	const settings = await httpJson(`${url}/rest/settings`);
	const um = (settings.json && settings.json.data && settings.json.data.userManagement) || {};
	let created = false;
	if (um.showSetupOnFirstLoad) {
		const res = await httpJson(`${url}/rest/owner/setup`, { method: 'POST', body: owner });
		if (res.status !== 200) throw new Error(`POST /rest/owner/setup failed (${res.status}): ${res.text.slice(0, 500)}`);
		created = true;
	}
	const login = await httpJson(`${url}/rest/login`, { method: 'POST', body: { emailOrLdapLoginId: owner.email, password: owner.password } });
	if (login.status !== 200 || !login.cookie)
		throw new Error(`POST /rest/login failed (${login.status}) for ${owner.email}: ${login.text.slice(0, 300)}. ${created ? '' : 'The instance already has an owner with another password.'}`);
	return { cookie: login.cookie, created, owner };
}

/** Versions to test: env N8N_VERSIONS (space/comma separated) or N8N_VERSION or the default. */
function versionsUnderTest() {
	const list = (process.env.N8N_VERSIONS || process.env.N8N_VERSION || DEFAULT_VERSION).split(/[\s,]+/).filter(Boolean);
	return [...new Set(list)];
}

module.exports = {
	DEV_OWNER,
	BROWSER_ID,
	startN8n,
	setupOwner,
	httpJson,
	ROOT,
	DIST,
	WORK_DIR,
	DEFAULT_VERSION,
	SUPPORTED_VERSIONS,
	ENCRYPTION_KEY,
	defaultVersion,
	versionsUnderTest,
	ensureN8n,
	isInstalled,
	installDir,
	n8nBin,
	buildPackage,
	runWorkflow,
	importWorkflows,
	createUserFolder,
	cleanWorkDir,
	seedUserFolder,
	n8nEnv,
	runN8n,
	importInto,
	spawnTracked,
	killGroup,
	freePort,
	loadWorkflow,
	normalizeWorkflow,
	addManualStart,
	MANUAL_START_NAME,
	customNodesOf,
	packageNodesOf,
	installedPackage,
	linkNodes: pkg.linkNodes,
	ensureChromium,
	PACKAGE_NAME,
	NODE_TYPE_PREFIX,
	log,
};
