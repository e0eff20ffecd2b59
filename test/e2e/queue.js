/**
 * A real n8n queue-mode setup on this machine, for workflow tests: Redis (Debian's redis-server,
 * installed with apt-get when missing, started and stopped here), PostgreSQL as n8n's database
 * (a schema of its own in the test server of .ci/postgres.sh), one `n8n start` main and N
 * `n8n worker` processes, each with its own user folder (as separate containers would have), all
 * loading this package the way the harness loads it: the packed tarball installed in each process's
 * user folder `.n8n/nodes` (test/e2e/harness.js: installedPackage, linkNodes, n8nEnv).
 *
 *   const q = await startQueue({ version, workers: 2, workflows: [wf], credentials, activate: [wf.id], env });
 *   await fetch(`${q.url}/webhook/<path>`, ...);    // main enqueues, a worker runs it
 *   q.workers[0].executions();                      // ids this worker started (from its log)
 *   q.workers[0].kill('SIGKILL'); await q.addWorker();
 *   await q.stop();
 *
 * Built on the harness's exported functions only, so it follows the harness when the way the
 * package is installed changes.
 */
'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');
const { execFileSync } = require('child_process');
const harness = require('./harness');

const { ROOT } = harness;

function redisServerBin() {
	const known = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => fs.existsSync(p));
	if (known) return known;
	harness.log('installing redis-server from Debian (apt-get)...');
	execFileSync('bash', ['-c', 'export DEBIAN_FRONTEND=noninteractive; (apt-get install -y -qq redis-server || (apt-get update -qq && apt-get install -y -qq redis-server)) >/dev/null'], { stdio: 'inherit' });
	return '/usr/bin/redis-server';
}

/** Answers once the server replies +PONG (no client library needed). */
function redisPing(port) {
	return new Promise((resolve) => {
		const s = net.connect(port, '127.0.0.1');
		let buf = '';
		s.on('connect', () => s.write('PING\r\n'));
		s.on('data', (d) => {
			buf += d;
			if (buf.includes('\r\n')) {
				s.destroy();
				resolve(buf.startsWith('+PONG'));
			}
		});
		s.on('error', () => resolve(false));
	});
}

async function waitFor(what, check, timeoutMs, exited) {
	const started = Date.now();
	for (;;) {
		if (exited && exited()) throw new Error(`${what}: the process exited (${exited()})`);
		if (await check()) return;
		if (Date.now() - started > timeoutMs) throw new Error(`${what}: not ready after ${timeoutMs / 1000} s`);
		await new Promise((r) => setTimeout(r, 300));
	}
}

async function startRedis() {
	const port = await harness.freePort();
	const dir = fs.mkdtempSync(path.join(harness.WORK_DIR, 'redis-'));
	const child = harness.spawnTracked(redisServerBin(), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
	const lines = [];
	child.stdout.on('data', (d) => lines.push(String(d)));
	let exited = null;
	child.once('exit', (c, s) => (exited = s || `exit ${c}`));
	await waitFor('redis-server', () => redisPing(port), 30000, () => exited);
	return {
		port,
		stop: async () => {
			harness.killGroup(child, 'SIGTERM');
			fs.rmSync(dir, { recursive: true, force: true });
		},
		logs: () => lines.join(''),
	};
}

function pgUrl() {
	if (process.env.MICRO_TEST_PG_URL) return process.env.MICRO_TEST_PG_URL;
	return execFileSync('bash', [path.join(ROOT, '.ci/postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop();
}

async function pgQuery(url, sql, values) {
	const { Client } = require('pg');
	const client = new Client({ connectionString: url });
	await client.connect();
	try {
		return await client.query(sql, values);
	} finally {
		await client.end();
	}
}

/** One n8n process (main or worker) with its output kept and the execution ids it logged. */
function n8nProcess(version, args, env, name) {
	const child = harness.spawnTracked(process.execPath, [harness.n8nBin(version), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
	const lines = [];
	const keep = (d) => {
		lines.push(String(d));
		if (lines.length > 5000) lines.shift();
	};
	child.stdout.on('data', keep);
	child.stderr.on('data', keep);
	let exited = null;
	child.once('exit', (c, s) => (exited = s || `exit ${c}`));
	const grep = (re) => [...lines.join('').matchAll(re)].map((m) => m[1]);
	return {
		name,
		child,
		pid: child.pid,
		logs: () => lines.join(''),
		exited: () => exited,
		/** Execution ids this worker started / finished (n8n logs "Worker started execution 12 (job 3)"). */
		started: () => grep(/Worker started execution (\d+)/g),
		finished: () => grep(/Worker finished execution (\d+)/g),
		kill: (signal = 'SIGTERM') => harness.killGroup(child, signal),
		stopped: () => new Promise((r) => (exited ? r() : child.once('exit', () => r()))),
	};
}

/**
 * Starts Redis, a fresh n8n database schema, imports workflows and credentials, then the main and
 * the workers. Resolves once the main answers and every worker reports it is ready.
 */
async function startQueue({ version = harness.defaultVersion(), workers = 2, workflows = [], credentials = [], activate = [], env = {}, allowedPaths = [] } = {}) {
	await harness.ensureN8n(version);
	const install = harness.installedPackage();
	const redis = await startRedis();
	const procs = [];
	// A setup that fails half-way (an n8n that does not start, a workflow that does not activate)
	// stops what it started: a Redis or n8n left running would keep the test process alive.
	try {
		const url = pgUrl();
		const schema = `n8n_q_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
		await pgQuery(url, `CREATE SCHEMA ${schema}`);
		const u = new URL(url);
		const shared = {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: u.hostname,
			DB_POSTGRESDB_PORT: u.port || '5432',
			DB_POSTGRESDB_DATABASE: u.pathname.slice(1),
			DB_POSTGRESDB_USER: decodeURIComponent(u.username),
			DB_POSTGRESDB_PASSWORD: decodeURIComponent(u.password),
			DB_POSTGRESDB_SCHEMA: schema,
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			N8N_LOG_LEVEL: 'info',
			...env,
		};
		const port = await harness.freePort();
		const folder = (name) => {
			const dir = path.join(harness.WORK_DIR, `queue-${process.pid}-${name}`);
			fs.rmSync(dir, { recursive: true, force: true });
			fs.mkdirSync(dir, { recursive: true });
			harness.linkNodes(dir, install);
			return dir;
		};
		const envFor = async (name, extra = {}) => harness.n8nEnv({ userFolder: folder(name), allowedPaths, env: { ...shared, ...extra } });
		const mainEnv = await envFor('main', { N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1', N8N_HOST: 'localhost', N8N_PROTOCOL: 'http', WEBHOOK_URL: `http://localhost:${port}/` });
		const importDir = fs.mkdtempSync(path.join(harness.WORK_DIR, 'queue-import-'));
		const loaded = workflows.map((w) => harness.normalizeWorkflow(harness.loadWorkflow(w).wf, { manualStart: false }));
		await harness.importInto(version, mainEnv, { credentials, dir: importDir });
		fs.rmSync(importDir, { recursive: true, force: true });

		const main = n8nProcess(version, ['start'], mainEnv, 'main');
		procs.push(main);
		const base = `http://localhost:${port}`;
		await waitFor(
			`n8n ${version} main`,
			async () => {
				try {
					return (await harness.httpJson(`${base}/healthz/readiness`, { timeoutMs: 3000 })).status === 200;
				} catch {
					return false;
				}
			},
			240000,
			main.exited,
		).catch((e) => {
			throw new Error(`${e.message}\n${main.logs().slice(-3000)}`);
		});

		// Workflows are created and activated through the editor's own REST calls (a workflow imported
		// by the CLI has no saved version, which activation needs); `ids` maps name -> id.
		const { cookie } = await harness.setupOwner(base);
		const ids = {};
		for (const wf of loaded) {
			const created = await harness.httpJson(`${base}/rest/workflows`, { method: 'POST', cookie, body: { name: wf.name, nodes: wf.nodes, connections: wf.connections, settings: wf.settings || {}, active: false } });
			const data = created.json && created.json.data;
			if (created.status !== 200 || !data) throw new Error(`creating workflow "${wf.name}" failed (${created.status}): ${created.text.slice(0, 800)}`);
			ids[wf.name] = data.id;
			if (!activate.includes(wf.name) && !activate.includes(wf.id)) continue;
			const res = await harness.httpJson(`${base}/rest/workflows/${data.id}/activate`, { method: 'POST', cookie, body: { versionId: data.versionId } });
			if (res.status !== 200) throw new Error(`activating workflow "${wf.name}" failed (${res.status}): ${res.text.slice(0, 800)}`);
		}

		const workerList = [];
		let next = 0;
		const addWorker = async () => {
			const name = `worker${++next}`;
			const w = n8nProcess(version, ['worker', '--concurrency=5'], await envFor(name), name);
			procs.push(w);
			workerList.push(w);
			await waitFor(`n8n ${version} ${name}`, () => /n8n worker is now ready|Worker ready|worker is now ready/i.test(w.logs()), 240000, w.exited).catch((e) => {
				throw new Error(`${e.message}\n${w.logs().slice(-3000)}`);
			});
			return w;
		};
		for (let i = 0; i < workers; i++) await addWorker();

		return {
			version,
			url: base,
			schema,
			pgUrl: url,
			redis,
			main,
			cookie,
			ids,
			workers: workerList,
			addWorker,
			query: (sql, values) => pgQuery(url, sql, values),
			async stop() {
				for (const p of procs) p.kill('SIGTERM');
				await Promise.race([Promise.all(procs.map((p) => p.stopped())), new Promise((r) => setTimeout(r, 15000))]);
				for (const p of procs) p.kill('SIGKILL');
				await redis.stop();
				// n8n's migrations may have created the uuid-ossp extension in this schema; another setup's
				// column defaults use its functions, so it moves to public instead of being dropped with us
				await pgQuery(
					url,
					`DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'uuid-ossp' AND n.nspname = '${schema}') THEN ALTER EXTENSION "uuid-ossp" SET SCHEMA public; END IF; END $$`,
				).catch(() => undefined);
				await pgQuery(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
				for (const name of fs.readdirSync(harness.WORK_DIR)) if (name.startsWith(`queue-${process.pid}-`)) fs.rmSync(path.join(harness.WORK_DIR, name), { recursive: true, force: true });
			},
		};
	} catch (error) {
		for (const p of procs) p.kill('SIGKILL');
		await redis.stop().catch(() => undefined);
		throw error;
	}
}

module.exports = { startQueue, startRedis, redisPing, pgUrl, pgQuery };
