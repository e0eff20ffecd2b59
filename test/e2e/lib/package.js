/**
 * The package as an n8n user installs it: `npm run build` -> dist/, `npm pack` -> a tarball, then
 * `npm install <tarball>` in a fresh nodes folder (what n8n's docs give for a manual install in
 * ~/.n8n/nodes; production dependencies only, the n8n-workflow peer left to n8n). n8n loads every
 * `n8n-nodes-*` package of `<N8N_USER_FOLDER>/.n8n/nodes/node_modules` at start, so our node types
 * are `n8n-nodes-microsegments.<name>`.
 *
 * One install per build, content-addressed, is cached in `<os tmpdir>/n8n-nodes-microsegments-e2e/
 * <key>/nodes` and linked into each run's user folder as `.n8n/nodes`. The cache lives outside the
 * repository on purpose: Node resolves a package's modules from its real path upwards, and inside
 * the repository our own node_modules (the n8n-workflow 2.x devDependency, jest...) would be found
 * before what n8n provides; in a temp folder, like in ~/.n8n/nodes, nothing is found but the
 * package's own dependencies and, through NODE_PATH, n8n's modules.
 */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DIST = path.join(ROOT, 'dist');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const PACKAGE_NAME = PKG.name;
/** Node types of this package in an n8n that installed it, e.g. n8n-nodes-microsegments.rfmScore. */
const NODE_TYPE_PREFIX = `${PACKAGE_NAME}.`;
const CACHE_DIR = path.join(os.tmpdir(), `${PACKAGE_NAME}-e2e`);
/** Nodes-folder package.json as n8n writes it (community-packages.service ensurePackageJson). */
const NODES_PACKAGE_JSON = { name: 'installed-nodes', private: true, dependencies: {} };

function newestMtime(dir) {
	let newest = 0;
	if (!fs.existsSync(dir)) return 0;
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, entry.name);
		if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
		else newest = Math.max(newest, fs.statSync(p).mtimeMs);
	}
	return newest;
}

function walkFiles(dir, rel = '', out = []) {
	if (!fs.existsSync(path.join(dir, rel))) return out;
	const stat = fs.statSync(path.join(dir, rel));
	if (!stat.isDirectory()) {
		out.push(rel);
		return out;
	}
	for (const e of fs.readdirSync(path.join(dir, rel)).sort()) walkFiles(dir, rel ? path.join(rel, e) : e, out);
	return out;
}

/** Files of package.json n8n.nodes / n8n.credentials whose sources exist, plus icons and codex files. */
function expectedDistFiles() {
	const listed = [...((PKG.n8n && PKG.n8n.nodes) || []), ...((PKG.n8n && PKG.n8n.credentials) || [])];
	const files = listed.filter((rel) => fs.existsSync(path.join(ROOT, rel.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).map((rel) => rel.replace(/^dist\//, ''));
	for (const dir of ['nodes', 'credentials']) for (const rel of walkFiles(ROOT, dir)) if (/\.(svg|png)$|\.node\.json$/.test(rel)) files.push(rel);
	return files;
}

function missingFiles(distDir) {
	return expectedDistFiles().filter((rel) => !fs.existsSync(path.join(distDir, rel)));
}

/** Hash of the files `npm pack` puts in the tarball (package.json `files`, package.json, README, LICENSE). */
function contentKey(dir = ROOT) {
	const hash = crypto.createHash('sha1');
	const entries = [...(PKG.files || []), 'package.json', 'README.md', 'LICENSE'];
	for (const entry of entries) {
		for (const rel of walkFiles(dir, entry)) {
			hash.update(`${rel}\0`);
			hash.update(fs.readFileSync(path.join(dir, rel)));
		}
	}
	return hash.digest('hex').slice(0, 16);
}

/** Environment for npm: the caller's npm settings (cache, registry) without what `npm test` adds for itself. */
function npmEnv() {
	const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
	for (const key of Object.keys(env)) if (/^npm_(package|lifecycle)_/.test(key) || key === 'NODE_ENV' || key === 'INIT_CWD') delete env[key];
	return env;
}

/**
 * Compiles dist/ (scripts/build.js) when it is older than the sources; MICROSEGMENTS_E2E_SKIP_BUILD=1
 * uses dist/ as it is (test/e2e/run.js builds once for all its children). Throws when dist/ lacks
 * a file that package.json names.
 */
function buildDist({ force = false, quiet = false, log = () => {} } = {}) {
	const stamp = path.join(DIST, '.e2e-build-stamp');
	const sources = Math.max(
		newestMtime(path.join(ROOT, 'nodes')),
		newestMtime(path.join(ROOT, 'credentials')),
		fs.statSync(path.join(ROOT, 'package.json')).mtimeMs,
		fs.existsSync(path.join(ROOT, 'tsconfig.json')) ? fs.statSync(path.join(ROOT, 'tsconfig.json')).mtimeMs : 0,
	);
	const fresh = fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= sources;
	const skip = process.env.MICROSEGMENTS_E2E_SKIP_BUILD === '1' && fs.existsSync(DIST);
	if (force || !(skip || fresh)) {
		if (!quiet) log('building the package (npm run build -> dist/)...');
		const started = Date.now();
		try {
			execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.js')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
		} catch (e) {
			throw new Error(`npm run build failed:\n${(e.stdout || '') + (e.stderr || '')}`.trim());
		}
		fs.writeFileSync(stamp, `${new Date().toISOString()} ${process.pid}\n`);
		if (!quiet) log(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	}
	const missing = missingFiles(DIST);
	if (missing.length) throw new Error(`dist/ lacks ${missing.join(', ')} (run npm run build)`);
}

/** `npm pack` of the repository into `dest`; returns the tarball's path. */
function pack(dest) {
	fs.mkdirSync(dest, { recursive: true });
	const out = execFileSync('npm', ['pack', ROOT, '--pack-destination', dest, '--json', '--ignore-scripts', '--loglevel=error'], { cwd: dest, env: npmEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
	const info = JSON.parse(out.slice(out.indexOf('[')));
	return path.join(dest, info[0].filename);
}

/**
 * The manual install of n8n's docs, with a local tarball instead of the registry name:
 * `npm install <tarball>` in `nodesDir` (created with n8n's own package.json when missing).
 */
function npmInstall(nodesDir, spec) {
	fs.mkdirSync(nodesDir, { recursive: true });
	const pj = path.join(nodesDir, 'package.json');
	if (!fs.existsSync(pj)) fs.writeFileSync(pj, JSON.stringify(NODES_PACKAGE_JSON, null, 2));
	try {
		execFileSync('npm', ['install', spec, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: nodesDir, env: npmEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60 * 1000 });
	} catch (e) {
		throw new Error(`npm install ${spec} failed in ${nodesDir}:\n${((e.stdout || '') + (e.stderr || e.message)).slice(-4000)}`);
	}
}

/**
 * Checks an installed nodes folder: the package is there, no n8n-workflow and no devDependency was
 * installed beside it, and every node and credential file loads and instantiates with nothing but
 * the installed dependencies plus an n8n-workflow supplied through NODE_PATH, as n8n supplies its
 * own (LoadNodesAndCredentials sets NODE_PATH to n8n's module paths before loading packages).
 * Returns a list of problems (empty when fine).
 */
function checkInstalled(nodesDir) {
	const problems = [];
	const modules = path.join(nodesDir, 'node_modules');
	const pkgDir = path.join(modules, PACKAGE_NAME);
	if (!fs.existsSync(path.join(pkgDir, 'package.json'))) return [`${PACKAGE_NAME} is not in ${modules}`];
	if (fs.existsSync(path.join(modules, 'n8n-workflow'))) problems.push('npm installed n8n-workflow beside the package (the peer must stay optional: n8n provides it)');
	for (const dev of Object.keys(PKG.devDependencies || {})) if (fs.existsSync(path.join(modules, dev))) problems.push(`devDependency ${dev} was installed`);
	const peerDir = path.join(path.dirname(nodesDir), 'peer', 'node_modules');
	fs.mkdirSync(peerDir, { recursive: true });
	const peerLink = path.join(peerDir, 'n8n-workflow');
	if (!fs.existsSync(peerLink)) fs.symlinkSync(path.dirname(require.resolve('n8n-workflow/package.json', { paths: [ROOT] })), peerLink, 'dir');
	const files = [...((PKG.n8n && PKG.n8n.nodes) || []), ...((PKG.n8n && PKG.n8n.credentials) || [])];
	const script = `const p=require('path');const out=[];
try{require.resolve('n8n-workflow',{paths:[process.argv[2]]});if(!process.env.NODE_PATH)out.push('n8n-workflow resolves without NODE_PATH')}catch(e){}
for(const f of JSON.parse(process.argv[1])){try{const m=require(p.join(process.argv[2],f));for(const C of Object.values(m)){if(typeof C==='function'){try{new C()}catch(e){out.push(f+': '+e.message.split('\\n')[0])}}}}catch(e){out.push(f+': '+e.message.split('\\n')[0])}}
process.stdout.write(JSON.stringify(out))`;
	const run = (env) => JSON.parse(execFileSync(process.execPath, ['-e', script, JSON.stringify(files), pkgDir], { cwd: nodesDir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120000 }) || '[]');
	const base = { PATH: process.env.PATH, HOME: process.env.HOME };
	try {
		problems.push(...run({ ...base, NODE_PATH: peerDir }));
		// Without NODE_PATH n8n-workflow must not be found: the package carries no copy of its own.
		const alone = run(base);
		if (!alone.some((m) => /n8n-workflow/.test(m))) problems.push('the nodes load without n8n-workflow on NODE_PATH: a copy of n8n-workflow is reachable from the install');
	} catch (e) {
		problems.push(`loading the installed package failed: ${(e.stderr || e.message).split('\n')[0]}`);
	}
	return problems;
}

/** Removes cached installs not used for `maxAgeHours` (each use touches its folder). */
function cleanCache(keep, maxAgeHours = 24) {
	if (!fs.existsSync(CACHE_DIR)) return;
	for (const name of fs.readdirSync(CACHE_DIR)) {
		const p = path.join(CACHE_DIR, name);
		try {
			if (name !== keep && Date.now() - fs.statSync(p).mtimeMs > maxAgeHours * 3600e3) fs.rmSync(p, { recursive: true, force: true });
		} catch {
			/* removed meanwhile */
		}
	}
}

function describeInstall(dir, key) {
	const nodesDir = path.join(dir, 'nodes');
	const packageDir = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	const tarball = fs.readdirSync(path.join(dir, 'pack')).find((f) => f.endsWith('.tgz'));
	return { key, dir, nodesDir, packageDir, distDir: path.join(packageDir, 'dist'), tarball: path.join(dir, 'pack', tarball) };
}

let current = null;
/**
 * Builds dist/ when needed, then returns the cached install of this build (made on first use:
 * `npm pack`, `npm install <tarball>` in a fresh nodes folder, checkInstalled): { key, nodesDir,
 * packageDir, distDir, tarball }. Retries when dist/ changed while it was packed.
 */
function installedPackage({ force = false, quiet = false, log = () => {} } = {}) {
	if (current && !force && fs.existsSync(path.join(current.dir, '.ready'))) return current;
	let lastProblem = '';
	for (let attempt = 1; attempt <= 3; attempt++) {
		buildDist({ force: force || attempt > 1, quiet, log });
		const key = contentKey();
		const dir = path.join(CACHE_DIR, key);
		if (fs.existsSync(path.join(dir, '.ready'))) {
			const now = new Date();
			fs.utimesSync(dir, now, now);
			current = describeInstall(dir, key);
			return current;
		}
		const started = Date.now();
		if (!quiet) log(`installing the package as n8n users do: npm pack, npm install <tarball> in a fresh nodes folder (${path.join(CACHE_DIR, key)})...`);
		const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
		try {
			const tarball = pack(path.join(tmp, 'pack'));
			npmInstall(path.join(tmp, 'nodes'), tarball);
			const installedKey = contentKey(path.join(tmp, 'nodes', 'node_modules', PACKAGE_NAME));
			if (installedKey !== key) throw new Error('dist/ changed while it was packed');
			const problems = checkInstalled(path.join(tmp, 'nodes'));
			if (problems.length) throw Object.assign(new Error(`the installed package is not usable: ${problems.join('; ')}`), { fatal: true });
			fs.writeFileSync(path.join(tmp, '.ready'), `${new Date().toISOString()}\n`);
			try {
				fs.renameSync(tmp, dir);
			} catch {
				fs.rmSync(tmp, { recursive: true, force: true }); // another process made it first
			}
		} catch (e) {
			fs.rmSync(tmp, { recursive: true, force: true });
			if (e.fatal || /npm install .* failed|npm pack/.test(e.message)) throw e;
			lastProblem = e.message;
			continue;
		}
		if (!quiet) log(`installed the package in ${((Date.now() - started) / 1000).toFixed(1)} s`);
		cleanCache(key);
		current = describeInstall(dir, key);
		return current;
	}
	throw new Error(`Could not install a complete build of the package: ${lastProblem}`);
}

/**
 * Makes `<userFolder>/.n8n/nodes` the installed package's nodes folder (a link to the cached
 * install). A user folder with a nodes folder of its own (a real directory) is left alone.
 */
function linkNodes(userFolder, install) {
	const n8nDir = path.join(userFolder, '.n8n');
	const link = path.join(n8nDir, 'nodes');
	fs.mkdirSync(n8nDir, { recursive: true });
	let stat = null;
	try {
		stat = fs.lstatSync(link);
	} catch {
		stat = null;
	}
	if (stat && !stat.isSymbolicLink()) return link;
	if (stat && fs.readlinkSync(link) === install.nodesDir) return link;
	if (stat) fs.rmSync(link, { force: true });
	fs.symlinkSync(install.nodesDir, link, 'dir');
	return link;
}

module.exports = {
	PACKAGE_NAME,
	NODE_TYPE_PREFIX,
	CACHE_DIR,
	DIST,
	expectedDistFiles,
	missingFiles,
	contentKey,
	buildDist,
	pack,
	npmInstall,
	checkInstalled,
	installedPackage,
	linkNodes,
};
