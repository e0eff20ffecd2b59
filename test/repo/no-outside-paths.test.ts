/**
 * Nothing outside the repository: no file under test/, bench/, scripts/, examples/ or .ci/ names a
 * path outside it, so a fresh clone runs alone. The rule, checked on every text file (tracked or
 * new, not ignored) of those folders:
 *   1. no relative path to the shared folder beside the worktrees (two dots, a slash, shared);
 *   2. no absolute path into a machine's own folders (MACHINE_DIRS below: work, root, home, Users,
 *      mnt, media, srv, opt, each after a slash at the start of a path: after a quote, a space,
 *      `=`, `(` or a line start; a URL path such as ${url} + home/workflows is not on disk);
 *   3. no literal temp path (slash tmp): temp folders are made at run time (os.tmpdir() + mkdtemp
 *      in JavaScript, tempfile in Python, mktemp or ${TMPDIR:-/tmp} in shell); that shell fallback
 *      is the only place where it may appear.
 * System programs (/usr/bin/chromium, /usr/lib/postgresql/..., /usr/bin/python3), /dev/null and
 * /proc/loadavg are the operating system's, not data, and stay allowed; so does /home/node/.n8n,
 * the n8n user folder inside n8n's official Docker image (examples/deploy builds on it), which is
 * a path in the container, not on this machine.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const FOLDERS = ['test', 'bench', 'scripts', 'examples', '.ci'];
/** Generated or installed content (all gitignored): never scanned. */
const GENERATED = [/^node_modules\//, /\/node_modules\//, /^test\/e2e\/n8n-[^/]+/, /^test\/e2e\/\.work\//, /^test\/artifacts\//, /^bench\/\.data\//, /^dist\//];

const MACHINE_DIRS = ['work', 'root', 'home', 'Users', 'mnt', 'media', 'srv', 'opt'];
const BEFORE = `(?:^|['"\`\\s=(])`;
const AFTER = `(?=/|['"\`\\s]|$)`;
const RULES: { name: string; re: RegExp }[] = [
	{ name: 'names the shared folder beside the repository', re: new RegExp(['\\.\\.', 'shared'].join('[\\\\/]')) },
	{ name: 'names an absolute machine path', re: new RegExp(`${BEFORE}/(?:${MACHINE_DIRS.join('|')})${AFTER}`) },
	{ name: 'names a literal temp path', re: new RegExp(`${BEFORE}/${'tmp'}${AFTER}`) },
];
/** The shell's fallback for a temp folder made at run time. */
const TMPDIR_FALLBACK = /\$\{TMPDIR:-\/tmp\}/g;
/** The n8n user folder inside n8n's Docker image (a container path). */
const N8N_IMAGE_HOME = /\/home\/node\/\.n8n(?![\w.-])/g;

function listFiles(): string[] {
	try {
		const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...FOLDERS], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
		return out.split('\0').filter((f) => f && fs.existsSync(path.join(ROOT, f)));
	} catch {
		// Not a git checkout (e.g. an unpacked archive): walk the folders.
		const files: string[] = [];
		const walk = (rel: string) => {
			const abs = path.join(ROOT, rel);
			if (!fs.existsSync(abs)) return;
			if (fs.statSync(abs).isDirectory()) for (const e of fs.readdirSync(abs)) walk(path.posix.join(rel, e));
			else files.push(rel);
		};
		FOLDERS.forEach(walk);
		return files;
	}
}

/** Lines of `text` that break a rule, as "file:line: rule: line". */
function violations(file: string, text: string): string[] {
	const out: string[] = [];
	text.split('\n').forEach((line, i) => {
		const cleaned = line.replace(TMPDIR_FALLBACK, '${TMPDIR}').replace(N8N_IMAGE_HOME, '${N8N_IMAGE_HOME}');
		for (const rule of RULES) if (rule.re.test(cleaned)) out.push(`${file}:${i + 1}: ${rule.name}: ${line.trim().slice(0, 160)}`);
	});
	return out;
}

describe('no test, bench, script, example or CI file names a path outside the repository', () => {
	const files = listFiles().filter((f) => !GENERATED.some((re) => re.test(f)));

	it('scans the folders (this file and the CDNOW fixtures among them)', () => {
		expect(files).toContain('test/repo/no-outside-paths.test.ts');
		expect(files).toContain('test/fixtures/cdnow/CDNOW_master.txt');
		expect(files.some((f) => f.startsWith('examples/'))).toBe(true);
		expect(files.some((f) => f.startsWith('.ci/'))).toBe(true);
	});

	it('finds no path outside the repository', () => {
		const found: string[] = [];
		for (const file of files) {
			const buf = fs.readFileSync(path.join(ROOT, file));
			if (buf.includes(0)) continue; // binary (images)
			found.push(...violations(file, buf.toString('utf8')));
		}
		expect(found).toEqual([]);
	});

	it('the rule catches each kind of path and lets system programs through', () => {
		const bad = [
			`const MASTER = path.resolve(__dirname, '..${'/'}..${'/'}..${'/'}shared/data/cdnow/x.txt');`,
			`const CDNOW = '${'/'}work/shared/data/cdnow/CDNOW_master.txt';`,
			`src = "${'/'}root/data.csv"`,
			`cat ${'/'}home/me/orders.csv`,
			`DIR="${'/'}tmp/micro-pg"`,
			`fs.writeFileSync('${'/'}tmp/out.json', s)`,
			`cd ${'/'}home/node/orders`,
		];
		for (const line of bad) expect({ line, caught: violations('x', line).length > 0 }).toEqual({ line, caught: true });
		const good = [
			`DIR="\${MICRO_PG_DIR:-\${TMPDIR:-${'/'}tmp}/micro-pg}"`,
			`const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'x-'));`,
			`console.log(\`\${server.url}${'/'}home/workflows\`);`,
			`#!${'/'}usr/bin/python3`,
			`const p = process.env.CHROMIUM_PATH || '${'/'}usr/bin/chromium';`,
			`ls ${'/'}usr/lib/postgresql/*/bin`,
			`cmd > ${'/'}dev/null`,
			`RUN mkdir -p ${'/'}home/node/.n8n/nodes`,
		];
		for (const line of good) expect({ line, caught: violations('x', line).length > 0 }).toEqual({ line, caught: false });
	});
});
