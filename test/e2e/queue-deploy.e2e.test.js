/**
 * examples/deploy/docker-compose.yml cannot run here (no Docker engine on this machine). What can
 * be checked is checked: the YAML parses (with the `yaml` package n8n itself ships), it has the
 * queue-mode topology of test/e2e/queue.e2e.test.js, every n8n container gets the same database,
 * queue and encryption settings, and every environment variable it sets for n8n is one that the
 * installed n8n version actually reads (its name appears in n8n's own code).
 */
const fs = require('fs');
const path = require('path');
const { defaultVersion, ensureN8n, installDir, ROOT } = require('./harness');

const version = defaultVersion();
const DEPLOY = path.join(ROOT, 'examples', 'deploy');

/** Names quoted or read from process.env in the .js files of n8n's own packages (config decorators, direct reads). */
function namesReadBy(dir) {
	const found = new Set();
	const roots = ['n8n/dist', 'n8n-core/dist', '@n8n/config/dist', '@n8n/backend-common/dist', '@n8n/db/dist'].map((p) => path.join(dir, 'node_modules', p)).filter((p) => fs.existsSync(p));
	const walk = (d) => {
		for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			const p = path.join(d, e.name);
			if (e.isDirectory()) walk(p);
			else if (e.name.endsWith('.js'))
				for (const m of fs.readFileSync(p, 'utf8').matchAll(/(?:['"`]|process\.env\.)((?:N8N|DB|QUEUE|EXECUTIONS|OFFLOAD|GENERIC|WEBHOOK)_[A-Z0-9_]+)\b/g)) found.add(m[1]);
		}
	};
	roots.forEach(walk);
	return found;
}

describe(`examples/deploy (docker compose, not runnable here) against n8n ${version}`, () => {
	let compose;
	let read;
	beforeAll(async () => {
		await ensureN8n(version);
		const YAML = require(path.join(installDir(version), 'node_modules', 'yaml'));
		compose = YAML.parse(fs.readFileSync(path.join(DEPLOY, 'docker-compose.yml'), 'utf8'), { merge: true });
		read = namesReadBy(installDir(version));
	});

	test('the queue-mode topology: PostgreSQL, Redis, one main, two workers', () => {
		expect(Object.keys(compose.services).sort()).toEqual(['n8n-main', 'n8n-worker', 'postgres', 'redis']);
		expect(compose.services['n8n-main'].command).toEqual(['start']);
		expect(compose.services['n8n-worker'].command[0]).toBe('worker');
		expect(compose.services['n8n-worker'].deploy.replicas).toBe(2);
		expect(compose.services['n8n-main'].ports).toEqual(['5678:5678']);
	});

	test('main and workers share the database, the queue and the encryption key', () => {
		const envs = ['n8n-main', 'n8n-worker'].map((s) => compose.services[s].environment);
		for (const env of envs)
			expect(env).toMatchObject({
				DB_TYPE: 'postgresdb',
				DB_POSTGRESDB_HOST: 'postgres',
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_HOST: 'redis',
				N8N_ENCRYPTION_KEY: '${N8N_ENCRYPTION_KEY:?set N8N_ENCRYPTION_KEY in .env}',
				N8N_RESTRICT_FILE_ACCESS_TO: '/data/exports',
			});
		for (const s of ['n8n-main', 'n8n-worker']) expect(compose.services[s].image).toBe('n8n-microsegments:${N8N_VERSION:-1.123.0}');
	});

	test(`every variable set for n8n is read by n8n ${version}`, () => {
		const names = new Set();
		for (const s of ['n8n-main', 'n8n-worker']) for (const k of Object.keys(compose.services[s].environment)) if (k !== 'TZ') names.add(k);
		const unknown = [...names].filter((n) => !read.has(n));
		expect(names.size).toBeGreaterThan(12);
		expect(unknown).toEqual([]);
	});

	test('the image installs the package into the nodes folder, as the Community Nodes installer does', () => {
		const docker = fs.readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8');
		expect(docker).toMatch(/^FROM n8nio\/n8n:\$\{N8N_VERSION\}$/m);
		expect(docker).toContain('cd /home/node/.n8n/nodes');
		expect(docker).toContain('npm install --omit=dev --no-audit --no-fund "n8n-nodes-microsegments@${PACKAGE_VERSION}"');
		const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
		expect(fs.readFileSync(path.join(DEPLOY, '.env.example'), 'utf8')).toContain(`PACKAGE_VERSION=${pkg.version}`);
	});
});
