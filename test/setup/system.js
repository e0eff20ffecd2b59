/**
 * System programs the tests need, brought by the test command itself on a fresh machine:
 * Debian's PostgreSQL server (for the Campaign Send ledger tests) and Debian's Chromium (for the
 * editor checks). A program that is present is used as it is; a missing one is installed with
 * apt-get (we run as root on CI and development machines); anywhere else the error says what to
 * install. Nothing is downloaded but Debian packages.
 */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const net = require('net');
const { execFileSync, spawnSync } = require('child_process');

function say(message) {
	process.stderr.write(`[test setup] ${message}\n`);
}

function isRoot() {
	return typeof process.getuid === 'function' && process.getuid() === 0;
}

function hasCommand(cmd) {
	return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** apt-get install of Debian packages (waits up to 10 min for another apt run's lock). */
function aptInstall(packages, why) {
	if (!isRoot() || !hasCommand('apt-get')) throw new Error(`${why} needs the Debian package(s) ${packages.join(' ')}: install them (apt-get install -y ${packages.join(' ')}) or run the tests as root on Debian, where they are installed for you`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const lock = ['-o', 'DPkg::Lock::Timeout=600'];
	say(`installing ${packages.join(' ')} with apt-get (${why}; once per machine)...`);
	const started = Date.now();
	const run = (args) => {
		const res = spawnSync('apt-get', [...lock, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
		if (res.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${res.status}):\n${(res.stdout + res.stderr).slice(-3000)}`);
	};
	run(['update', '-qq']);
	run(['install', '-y', '-qq', '--no-install-recommends', ...packages]);
	say(`installed ${packages.join(' ')} in ${Math.round((Date.now() - started) / 1000)} s`);
}

// ---------------------------------------------------------------------------------------------
// Chromium

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Path of a headless-capable Chromium: env CHROMIUM_PATH, Debian's, or Debian's installed now. */
function ensureChromium() {
	if (process.env.CHROMIUM_PATH) {
		if (!fs.existsSync(process.env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist`);
		return process.env.CHROMIUM_PATH;
	}
	const found = () => CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p));
	if (!found()) aptInstall(['chromium'], 'the editor check (headless Chromium)');
	const p = found();
	if (!p) throw new Error(`apt-get installed chromium but none of ${CHROMIUM_CANDIDATES.join(', ')} exists`);
	return p;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

function postgresBinDir() {
	const base = '/usr/lib/postgresql';
	if (!fs.existsSync(base)) return null;
	const versions = fs
		.readdirSync(base)
		.filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')) && fs.existsSync(path.join(base, v, 'bin', 'pg_ctl')))
		.sort((a, b) => Number(b) - Number(a));
	return versions.length ? path.join(base, versions[0], 'bin') : null;
}

function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

/** PostgreSQL refuses to run as root: server commands run as the `postgres` system user. */
function serverUser() {
	if (!isRoot()) return null;
	if (spawnSync('id', ['postgres'], { stdio: 'ignore' }).status !== 0) execFileSync('useradd', ['--system', '--home-dir', '/var/lib/postgresql', '--shell', '/bin/sh', 'postgres']);
	return 'postgres';
}

function asServerUser(user, cmd, args, options = {}) {
	const [c, a] = user ? ['runuser', ['-u', user, '--', cmd, ...args]] : [cmd, args];
	return execFileSync(c, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

const PG_PREFIX = 'micro-test-pg-';

function alive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return e.code === 'EPERM';
	}
}

/**
 * Servers left by a test run that was killed before its teardown: a temp cluster whose owner
 * process (owner.pid) is gone is stopped and removed.
 */
function removeOrphanClusters(bin, user) {
	for (const name of fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(PG_PREFIX))) {
		const dir = path.join(os.tmpdir(), name);
		let owner = 0;
		try {
			owner = Number(fs.readFileSync(path.join(dir, 'owner.pid'), 'utf8')) || 0;
		} catch {
			continue; // being created, or not ours
		}
		if (!owner || alive(owner)) continue;
		try {
			asServerUser(user, path.join(bin, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-m', 'immediate', '-w', '-t', '60', 'stop']);
		} catch {
			/* not running */
		}
		fs.rmSync(dir, { recursive: true, force: true });
		say(`removed the PostgreSQL cluster of a test run that ended without its teardown (${dir})`);
	}
}

/**
 * Starts a throwaway PostgreSQL server: a new cluster in a temp folder, listening on 127.0.0.1 on
 * a free port only (its socket in the same folder), role micro / database micro_test. Resolves
 * { url, stop() }; stop() shuts the server down and removes the folder. The folder records the
 * owning process: a later run removes the cluster when that process died without stop().
 */
async function startPostgres() {
	let bin = postgresBinDir();
	if (!bin) {
		aptInstall(['postgresql'], 'the PostgreSQL ledger tests');
		bin = postgresBinDir();
		if (!bin) throw new Error('apt-get installed postgresql but no /usr/lib/postgresql/<version>/bin/initdb was found');
	}
	const user = serverUser();
	removeOrphanClusters(bin, user);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), PG_PREFIX));
	fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
	if (user) execFileSync('chown', [user, dir]);
	fs.chmodSync(dir, 0o700);
	const data = path.join(dir, 'data');
	const port = await freePort();
	const started = Date.now();
	try {
		asServerUser(user, path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync']);
		const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100`;
		asServerUser(user, path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '300', '-o', opts, 'start']);
		const psql = (sql) => asServerUser(user, path.join(bin, 'psql'), ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qtA', '-c', sql]);
		psql("CREATE ROLE micro LOGIN PASSWORD 'micro'");
		psql('CREATE DATABASE micro_test OWNER micro');
	} catch (e) {
		const logFile = path.join(dir, 'server.log');
		const serverLog = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
		fs.rmSync(dir, { recursive: true, force: true });
		throw new Error(`could not start PostgreSQL from ${bin}: ${(e.stderr || e.message).toString().slice(-2000)}\n${serverLog}`);
	}
	say(`PostgreSQL ${path.basename(path.dirname(bin))} on 127.0.0.1:${port} (a throwaway cluster, started in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
	let stopped = false;
	const stop = () => {
		if (stopped) return;
		stopped = true;
		try {
			asServerUser(user, path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '120', 'stop']);
		} catch (e) {
			say(`stopping PostgreSQL: ${(e.stderr || e.message).toString().split('\n')[0]}`);
		}
		fs.rmSync(dir, { recursive: true, force: true });
	};
	return { url: `postgres://micro:micro@127.0.0.1:${port}/micro_test`, dir, stop };
}

module.exports = { ensureChromium, startPostgres, aptInstall, postgresBinDir };
