/**
 * A Klaviyo profile bulk import job after it was accepted (202): polled
 * (`GET /api/profile-bulk-import-jobs/{id}/`) until its status is `complete`, `cancelled` or
 * `failed`, waiting 0.5 s, then 1 s, 2 s, 4 s... (at most 15 s) between polls; when profiles failed
 * (`failed_count` > 0) its import errors are read (`GET .../import-errors/`, every page through
 * `links.next`), each naming the profile by its position in the job (`source.pointer`
 * `/data/attributes/profiles/data/<i>`) or by its email in `original_payload`. No n8n import.
 */
import type { Clock } from '../../net/clock';
import type { HttpTransport } from '../../net/http';
import { klaviyoHeaders, nextLink, type KlaviyoPacer } from './klaviyoApi';
import { KlaviyoRequestError } from './klaviyoLists';

export interface JobContext {
	base: string;
	apiKey?: string;
	pacer: KlaviyoPacer;
	clock: Clock;
	transport: HttpTransport;
	/** Longest polling time before the outcome counts as unknown. */
	timeoutMs: number;
}

export interface ImportError {
	code?: string;
	message?: string;
}

export interface JobOutcome {
	/** 'done': complete (per-profile errors below); 'cancelled': cancelled or failed as a whole; 'timeout': still running. */
	state: 'done' | 'cancelled' | 'timeout';
	status: string;
	/** Errors by the profile's position in the job. */
	errors: Map<number, ImportError>;
	/** Errors that name the profile only by email. */
	errorsByEmail: Map<string, ImportError>;
	polls: number;
}

/**
 * First status read half a second after the job was accepted (small jobs are complete by then).
 * Not a whole second: with the import endpoint at its limit, a job's slot frees one window after
 * its answer, and a poll at that same moment would queue with the next job's upload (measured in
 * bench/klaviyo.js: median job-request latency 69 ms with the poll at 1 s, 27 ms at 0.5 s).
 */
export const FIRST_POLL_MS = 500;

const POINTER = /\/data\/attributes\/profiles\/data\/(\d+)/;

type JobBody = { data?: { attributes?: { status?: string; failed_count?: number } } };
type ErrorItem = { attributes?: { code?: string; title?: string; detail?: string; source?: { pointer?: string }; original_payload?: { email?: unknown } } };

async function readErrors(c: JobContext, jobId: string, out: JobOutcome): Promise<void> {
	let url: string | undefined = `${c.base}/api/profile-bulk-import-jobs/${encodeURIComponent(jobId)}/import-errors/?page%5Bsize%5D=100`;
	while (url) {
		const res = await c.pacer.call(c.transport, 'importRead', { method: 'GET', url, headers: klaviyoHeaders(c.apiKey, false), timeoutMs: 30000 });
		if (res.status !== 200) throw new KlaviyoRequestError(res.status, res);
		for (const e of ((res.body ?? {}) as { data?: ErrorItem[] }).data ?? []) {
			const a = e.attributes ?? {};
			const err: ImportError = { code: a.code, message: [a.title, a.detail].filter((x) => typeof x === 'string' && x !== '').join(': ') || undefined };
			const m = POINTER.exec(a.source?.pointer ?? '');
			if (m) out.errors.set(Number(m[1]), err);
			else if (typeof a.original_payload?.email === 'string') out.errorsByEmail.set(a.original_payload.email.trim().toLowerCase(), err);
		}
		url = nextLink(res.body);
	}
}

/** Polls the job to its end and reads its per-profile errors. */
export async function runImportJob(c: JobContext, jobId: string, size: number): Promise<JobOutcome> {
	const out: JobOutcome = { state: 'timeout', status: 'queued', errors: new Map(), errorsByEmail: new Map(), polls: 0 };
	const started = c.clock.now();
	let wait = FIRST_POLL_MS;
	for (;;) {
		await c.clock.sleep(wait);
		const res = await c.pacer.call(c.transport, 'importRead', {
			method: 'GET',
			url: `${c.base}/api/profile-bulk-import-jobs/${encodeURIComponent(jobId)}/`,
			headers: klaviyoHeaders(c.apiKey, false),
			timeoutMs: 30000,
		});
		out.polls++;
		if (res.status !== 200) throw new KlaviyoRequestError(res.status, res);
		const a = ((res.body ?? {}) as JobBody).data?.attributes ?? {};
		out.status = String(a.status ?? 'unknown');
		if (out.status === 'complete') {
			out.state = 'done';
			if ((a.failed_count ?? 0) > 0 && size > 0) await readErrors(c, jobId, out);
			return out;
		}
		if (out.status === 'cancelled' || out.status === 'failed') {
			out.state = 'cancelled';
			return out;
		}
		if (c.clock.now() - started >= c.timeoutMs) return out;
		wait = Math.min(15000, wait * 2);
	}
}
