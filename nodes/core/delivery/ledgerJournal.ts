/**
 * The default ledger: a journal file on the n8n server, crash-safe without any setup.
 *
 * Every change of a row is appended as one JSON line (the row's new state, or its deletion), and
 * the file is written and fsynced before each provider request (touch(), which the engine calls
 * right before sending a batch): a run killed at any moment (kill -9, power loss) leaves a
 * journal that says, for every recipient, "sent", "not yet sent" or "a request may have reached the
 * provider" (pending with a batch key), and the next run never sends the last kind twice. Other
 * changes are written lazily (with the next request, or when the run ends): losing them only turns
 * a recorded send back into "may have reached the provider", never into "not sent".
 *
 * One journal per workflow (like static data), kept in n8n's own storage folder for nodes
 * (`<n8n folder>/storage/...`, which n8n also forbids to the Read/Write Files nodes). Runs in the
 * same n8n process share the rows in memory, so two executions of one workflow never both reserve
 * a send (a pending row of a run still going is in progress). Not for several n8n processes
 * sharing a disk (queue-mode workers): use the PostgreSQL ledger there.
 *
 * When opened with no run using it, the journal is replayed, rows past the retention are pruned,
 * and a journal much larger than its rows is compacted (rewritten to a temporary file, fsynced,
 * renamed over the old one). A last line cut short by a crash is dropped.
 */
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- the default send ledger is a journal file on the (self-hosted) n8n server
import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, truncateSync, write, writeSync } from 'node:fs';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- path of the journal file
import { dirname, join } from 'node:path';
import { DAY_MS } from './time';
import { RowLedger, type LedgerStats, type StoredLedger, type StoredRow } from './ledger';

const HEADER = '{"microsegmentsSendLedger":1}';

/**
 * The journal of a workflow: beside n8n's storage folder of the node (`<n8n folder>/storage/<node
 * type>`, what n8n's getStoragePath() gives), in `storage/n8n-nodes-microsegments/`, so it does not
 * move when the node's type name does (custom extension or installed package).
 */
export function journalPath(nodeStoragePath: string, workflowId: string): string {
	const id = workflowId.replace(/[^A-Za-z0-9_-]/g, '_') || 'unsaved';
	return join(dirname(nodeStoragePath), 'n8n-nodes-microsegments', `send-ledger-${id}.jsonl`);
}

/** Why the journal cannot be used in this n8n process (queue mode: several workers), or undefined. */
export function journalRefusal(): string | undefined {
	if (process.env.EXECUTIONS_MODE === 'queue')
		return 'The File Journal ledger keeps sends on one n8n server; in queue mode (several workers) choose the PostgreSQL ledger.';
	return undefined;
}

interface JournalState {
	path: string;
	rows: Record<string, StoredRow>;
	fd: number;
	/** Text appended but not yet written. */
	buffer: string[];
	/** Lines in the file (for compaction). */
	lines: number;
	/** Ledger objects open on this journal (one per run). */
	users: number;
	/** Runs of this process that hold pending rows. */
	live: Set<string>;
	/** The write + fsync in progress, shared by concurrent callers (group commit). */
	flushing?: Promise<void>;
}

const open = new Map<string, JournalState>();

export class JournalCorruptError extends Error {
	constructor(path: string, line: number) {
		super(`The send ledger journal ${path} is damaged at line ${line} (not the last line, so not a crash): nothing was sent. Restore it from a backup, or move it away to start a new history.`);
		this.name = 'JournalCorruptError';
	}
}

function parse(path: string): { rows: Record<string, StoredRow>; lines: number; validBytes: number } {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { rows: {}, lines: 0, validBytes: -1 };
		throw error;
	}
	const rows: Record<string, StoredRow> = Object.create(null);
	const parts = text.split('\n');
	const complete = parts.length - 1; // what follows the last newline is empty, or a line cut short by a crash
	let validBytes = 0;
	for (let i = 0; i < complete; i++) {
		const line = parts[i];
		validBytes += Buffer.byteLength(line, 'utf8') + 1;
		if (i === 0 && line === HEADER) continue;
		let v: unknown;
		try {
			v = JSON.parse(line);
		} catch {
			throw new JournalCorruptError(path, i + 1);
		}
		if (!Array.isArray(v) || typeof v[0] !== 'string') throw new JournalCorruptError(path, i + 1);
		if (v.length === 1) delete rows[v[0]];
		else rows[v[0]] = v.slice(1) as StoredRow;
	}
	return { rows, lines: complete, validBytes };
}

function line(k: string, row: StoredRow | undefined): string {
	return JSON.stringify(row ? [k, ...row] : [k]);
}

function fsyncDir(dir: string): void {
	try {
		const fd = openSync(dir, 'r');
		try {
			fsyncSync(fd);
		} finally {
			closeSync(fd);
		}
	} catch {
		/* not supported on this platform */
	}
}

/** Rewrites the journal with one line per row (temporary file, fsync, rename, fsync the folder). */
function compact(path: string, rows: Record<string, StoredRow>): number {
	const tmp = `${path}.compact-${process.pid}`;
	const fd = openSync(tmp, 'w', 0o600);
	let n = 1;
	try {
		let chunk: string[] = [HEADER];
		for (const [k, row] of Object.entries(rows)) {
			chunk.push(line(k, row));
			n++;
			if (chunk.length >= 10000) {
				writeSync(fd, chunk.join('\n') + '\n');
				chunk = [];
			}
		}
		if (chunk.length) writeSync(fd, chunk.join('\n') + '\n');
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
	renameSync(tmp, path);
	fsyncDir(dirname(path));
	return n;
}

function load(path: string, retentionMs: number, now: number): JournalState {
	mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
	const { rows, lines, validBytes } = parse(path);
	const cutoff = (now - retentionMs) / 1000;
	let pruned = 0;
	for (const [k, row] of Object.entries(rows)) {
		if (row[0] < cutoff) {
			delete rows[k];
			pruned++;
		}
	}
	const count = Object.keys(rows).length;
	let total = lines;
	if (validBytes < 0) {
		total = compact(path, rows); // a new journal: header only
	} else if (pruned > 0 || lines > 2 * count + 10000) {
		total = compact(path, rows);
	} else if (statSync(path).size > validBytes) {
		truncateSync(path, validBytes); // drop a line cut short by a crash
	}
	const fd = openSync(path, 'a', 0o600);
	return { path, rows, fd, buffer: [], lines: total, users: 0, live: new Set() };
}

function writeAll(fd: number, data: Buffer): Promise<void> {
	return new Promise((resolve, reject) => {
		const step = (offset: number) =>
			write(fd, data, offset, data.length - offset, null, (error, written) => {
				if (error) reject(error);
				else if (offset + written < data.length) step(offset + written);
				else resolve();
			});
		step(0);
	});
}

/**
 * Writes what was appended and fsyncs it. Off the event loop (libuv's threads); callers that come
 * while a flush is in flight wait for it and share the next one (group commit).
 */
async function flush(state: JournalState): Promise<void> {
	while (state.flushing) await state.flushing;
	if (state.buffer.length === 0) return;
	const data = Buffer.from(state.buffer.join('\n') + '\n', 'utf8');
	state.lines += state.buffer.length;
	state.buffer = [];
	state.flushing = writeAll(state.fd, data)
		.then(() => new Promise<void>((resolve, reject) => fdatasync(state.fd, (e) => (e ? reject(e) : resolve()))))
		.finally(() => (state.flushing = undefined));
	await state.flushing;
}

export interface JournalLedgerOptions {
	/** The journal file (one per workflow). */
	path: string;
	/** Rows older than this many days are pruned when the journal is opened (default 90). */
	retentionDays?: number;
	now?: number;
}

export class JournalLedger extends RowLedger {
	readonly kind = 'journal' as const;
	private readonly state: JournalState;
	private readonly runs = new Set<string>();
	private closed = false;

	constructor(opts: JournalLedgerOptions) {
		const retentionMs = Math.max(1, opts.retentionDays ?? 90) * DAY_MS;
		const state = open.get(opts.path) ?? load(opts.path, retentionMs, opts.now ?? Date.now());
		super(state.rows, retentionMs);
		open.set(opts.path, state);
		state.users++;
		this.state = state;
	}

	/** A pending row belongs to a live run only if that run is going on in this process. */
	isLive(runId: string | undefined): boolean {
		return runId !== undefined && this.state.live.has(runId);
	}

	protected othersLive(row: StoredRow): boolean {
		return this.isLive(row[4]);
	}

	protected changed(keys: readonly string[]): void {
		for (const k of keys) {
			const row = this.rows[k];
			if (row?.[2] === 'p' && row[4] && !this.runs.has(row[4])) {
				this.runs.add(row[4]);
				this.state.live.add(row[4]);
			}
			this.state.buffer.push(line(k, row));
		}
	}

	/** The batch is about to be sent: everything recorded so far reaches the disk first. */
	async touch(sendKeys: readonly string[], opts: { runId: string; now: number; batchKey?: string }): Promise<void> {
		await super.touch(sendKeys, opts);
		await flush(this.state);
	}

	/**
	 * Moves the rows of a workflow's static-data ledger into the journal (rows the journal already
	 * has are kept as they are), writes them to disk, then empties the static data (saved by n8n
	 * when the execution ends; if it is not, the next run moves them again, harmlessly).
	 */
	async importStatic(store: StoredLedger | undefined): Promise<number> {
		if (!store || Object.keys(store.e).length === 0) return 0;
		const added: string[] = [];
		for (const [k, row] of Object.entries(store.e)) {
			if (this.rows[k] || !Array.isArray(row)) continue;
			this.rows[k] = [...row] as StoredRow;
			added.push(k);
		}
		this.forgetIndex();
		this.changed(added);
		await flush(this.state);
		store.e = {};
		store.movedTo = 'journal';
		return added.length;
	}

	async close(): Promise<LedgerStats> {
		if (this.closed) return { entries: this.size() };
		this.closed = true;
		for (const r of this.runs) this.state.live.delete(r);
		await flush(this.state);
		this.state.users--;
		const stats = { entries: this.size(), pruned: this.pruned };
		if (this.state.users === 0 && open.get(this.state.path) === this.state) {
			open.delete(this.state.path);
			closeSync(this.state.fd);
		}
		return stats;
	}
}
