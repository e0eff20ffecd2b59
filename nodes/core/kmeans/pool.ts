/**
 * A small persistent pool of worker threads for the k-means loops (kernels.ts), driven
 * synchronously from the main thread through SharedArrayBuffers and Atomics: the main thread
 * publishes an operation, takes chunks itself like the workers do, and waits (Atomics.wait is
 * allowed on Node's main thread) until every chunk is done. `kmeans()` therefore stays synchronous.
 *
 * - Workers are started lazily (first large input), from the kernels' source text with
 *   `eval: true`, so the same code runs from the TypeScript sources and from dist/; they are
 *   `unref()`'d, so they never keep a process alive.
 * - Chunks are claimed one at a time from a shared counter that also carries the job number, so a
 *   late worker can never take a chunk of the wrong job; a worker that is not up yet simply takes
 *   no chunks (the main thread does them).
 * - Any failure (a worker cannot start, throws, or stalls) raises PoolError; kmeans() then turns the
 *   pool off and recomputes on the main thread alone, with identical results (the chunking, hence
 *   the arithmetic, does not depend on the threads).
 */
import * as os from 'os';
import { MessageChannel, Worker, type MessagePort } from 'worker_threads';
import { kernelSource, runChunk, type KernelBuffers, type KernelCtx } from './kernels';

// control words (Int32Array over a SharedArrayBuffer)
const SEQ = 0; // bumped for every published job (workers wait on it)
const CLAIM = 1; // job number << 16 | next chunk
const DONE = 2; // chunks finished in the current job
const ERR = 3; // a worker threw
const OPW = 4;
const KW = 5;
const ARGW = 6;
const NCH = 7;
const CTXW = 8;
const MAXW = 9; // workers with a lower index take part
const WCHUNKS = 10; // chunks done by workers, all jobs (statistics, tests)
const CTL_WORDS = 16;

/** Largest chunk count of one job (16 bits of the claim word). */
export const MAX_POOL_CHUNKS = 0xffff;
/** Upper limit on worker threads. */
const MAX_WORKERS = 15;
/** A job with no progress for this long is given up (then single-threaded). */
const STALL_MS = 30000;

export class PoolError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'PoolError';
	}
}

/** Threads to use: the option, else min(2, available cores). */
export function defaultThreads(): number {
	const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
	return Math.max(1, Math.min(2, cores || 1));
}

const WORKER_MAIN = `
const { workerData, receiveMessageOnPort } = require('worker_threads');
const ctl = new Int32Array(workerData.ctl);
const port = workerData.port;
const index = workerData.index;
let ctx = null;
let ctxId = -1;
function drain() {
	for (;;) {
		const m = receiveMessageOnPort(port);
		if (!m) return;
		const msg = m.message;
		if (msg.release !== undefined) {
			if (msg.release === ctxId) { ctx = null; ctxId = -1; }
		} else { ctx = ctxFromBuffers(msg.buffers); ctxId = msg.id; }
	}
}
function work() {
	const gen = Atomics.load(ctl, ${CLAIM}) >>> 16;
	const op = ctl[${OPW}], k = ctl[${KW}], arg = ctl[${ARGW}], nch = ctl[${NCH}], id = ctl[${CTXW}];
	if (op === 0 || id !== ctxId) drain();
	if (op === 0 || index >= ctl[${MAXW}] || ctx === null || id !== ctxId) return;
	for (;;) {
		const c = Atomics.load(ctl, ${CLAIM});
		if (c >>> 16 !== gen || (c & 0xffff) >= nch) return;
		if (Atomics.compareExchange(ctl, ${CLAIM}, c, c + 1) !== c) continue;
		try { runChunk(ctx, op, k, arg, c & 0xffff); } catch (e) { Atomics.store(ctl, ${ERR}, 1); }
		Atomics.add(ctl, ${WCHUNKS}, 1);
		if (Atomics.add(ctl, ${DONE}, 1) + 1 >= nch) Atomics.notify(ctl, ${DONE});
	}
}
let seen = -1;
for (;;) {
	const s = Atomics.load(ctl, ${SEQ});
	if (s === seen) { Atomics.wait(ctl, ${SEQ}, seen); continue; }
	seen = s;
	work();
}
`;

interface Member {
	worker: Worker;
	port: MessagePort;
}

class Pool {
	readonly ctl = new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4));
	private members: Member[] = [];
	private gen = 0;
	private nextCtx = 1;
	private source: string | undefined;
	broken = false;

	get size(): number {
		return this.members.length;
	}

	/** Starts workers until there are `count` (they join the jobs as soon as they are up). */
	ensure(count: number): void {
		const want = Math.min(MAX_WORKERS, count);
		while (this.members.length < want) {
			this.source ??= kernelSource() + '\n' + WORKER_MAIN;
			const { port1, port2 } = new MessageChannel();
			const worker = new Worker(this.source, {
				eval: true,
				workerData: { ctl: this.ctl.buffer, port: port2, index: this.members.length },
				transferList: [port2],
			});
			worker.unref();
			port1.unref();
			// reported through the event loop (no job waits for a worker that is not up): a worker
			// that fails turns threads off for this process, one that exits ends this pool
			worker.on('error', () => {
				disabled = true;
				this.break();
			});
			worker.on('exit', () => this.break());
			this.members.push({ worker, port: port1 });
		}
	}

	/** Sends a context's buffers to the workers; returns its id. */
	attach(buffers: KernelBuffers): number {
		const id = this.nextCtx++ & 0x3fffffff;
		for (const m of this.members) m.port.postMessage({ id, buffers });
		return id;
	}

	/** Lets the workers drop a context (their next wake-up). */
	release(id: number): void {
		if (this.broken) return;
		for (const m of this.members) m.port.postMessage({ release: id });
		this.publish(0, 0, 0, 0, id, 0);
	}

	private publish(op: number, k: number, arg: number, nChunks: number, ctxId: number, maxWorkers: number): void {
		const ctl = this.ctl;
		ctl[OPW] = op;
		ctl[KW] = k;
		ctl[ARGW] = arg;
		ctl[NCH] = nChunks;
		ctl[CTXW] = ctxId;
		ctl[MAXW] = maxWorkers;
		Atomics.store(ctl, ERR, 0);
		Atomics.store(ctl, DONE, 0);
		this.gen = (this.gen + 1) & 0x7fff;
		Atomics.store(ctl, CLAIM, this.gen << 16);
		Atomics.add(ctl, SEQ, 1);
		Atomics.notify(ctl, SEQ);
	}

	/** Runs `op` on every chunk with the workers' help; returns when all chunks are done. */
	run(ctx: KernelCtx, ctxId: number, op: number, k: number, arg: number, nChunks: number, maxWorkers: number): void {
		if (this.broken) throw new PoolError('worker pool is off');
		const ctl = this.ctl;
		this.publish(op, k, arg, nChunks, ctxId, maxWorkers);
		try {
			for (;;) {
				const c = Atomics.load(ctl, CLAIM);
				if ((c & 0xffff) >= nChunks) break;
				if (Atomics.compareExchange(ctl, CLAIM, c, c + 1) !== c) continue;
				runChunk(ctx, op, k, arg, c & 0xffff);
				Atomics.add(ctl, DONE, 1);
			}
		} catch (error) {
			// a worker may still be inside this job: the pool cannot be reused safely
			this.break();
			throw error;
		}
		let last = -1;
		let since = Date.now();
		for (;;) {
			const done = Atomics.load(ctl, DONE);
			if (done >= nChunks) break;
			const now = Date.now();
			if (done !== last) {
				last = done;
				since = now;
			} else if (now - since > STALL_MS) {
				this.break();
				throw new PoolError('a worker thread stalled');
			}
			Atomics.wait(ctl, DONE, done, 100);
		}
		if (Atomics.load(ctl, ERR) !== 0) {
			this.break();
			throw new PoolError('a worker thread failed');
		}
	}

	/** Chunks done by worker threads so far (all jobs). */
	workerChunks(): number {
		return Atomics.load(this.ctl, WCHUNKS);
	}

	break(): void {
		if (this.broken) return;
		this.broken = true;
		for (const m of this.members) {
			m.port.close();
			void m.worker.terminate().catch(() => undefined);
		}
	}
}

let pool: Pool | undefined;
let disabled = false;

/** The pool with at least `workers` workers, or undefined when threads are off or unavailable. */
export function getPool(workers: number): Pool | undefined {
	if (disabled || workers < 1) return undefined;
	try {
		if (!pool || pool.broken) pool = new Pool();
		pool.ensure(workers);
		return pool;
	} catch {
		disabled = true; // e.g. worker threads not available here
		return undefined;
	}
}

/** After a PoolError: no more threads in this process (results are the same without them). */
export function disablePool(): void {
	disabled = true;
	pool?.break();
	pool = undefined;
}

/** Worker statistics (for tests): workers started and chunks they have done. */
export function poolInfo(): { workers: number; workerChunks: number; disabled: boolean } {
	return { workers: pool && !pool.broken ? pool.size : 0, workerChunks: pool ? pool.workerChunks() : 0, disabled };
}

/** Stops the workers (tests; a later large k-means starts new ones). */
export function shutdownPool(): void {
	pool?.break();
	pool = undefined;
}

export type { Pool };
