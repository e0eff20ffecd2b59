/**
 * Transport abstraction shared by the provider clients (Fetch Customers, Campaign Send).
 * The core never imports n8n: a node adapter passes a transport built on n8n's
 * `helpers.httpRequestWithAuthentication` (see nodes/shared/n8nTransport.ts), tests and benches
 * pass `fetchTransport` pointed at local mock servers on 127.0.0.1.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
	method: HttpMethod;
	/** Absolute URL (base URL from the credential + path). */
	url: string;
	headers?: Record<string, string>;
	query?: Record<string, string | number | boolean | undefined>;
	/** JSON-serialisable body, or a string / bytes sent as is (form bodies, JWT grants, encrypted push payloads). */
	body?: unknown;
	/** Milliseconds before the request is aborted (default 30 000). */
	timeoutMs?: number;
}

export interface HttpResponse {
	status: number;
	/** Header names in lower case. */
	headers: Record<string, string>;
	/** Parsed JSON when the body is JSON, else the raw text ('' for an empty body). */
	body: unknown;
}

/**
 * Sends one request. Resolves for every HTTP status (4xx/5xx included); rejects only when no
 * response arrived (connection refused or reset, timeout), with an Error whose `code` is set
 * (ECONNRESET, ECONNREFUSED, ETIMEDOUT...).
 */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

export class TransportError extends Error {
	constructor(
		message: string,
		public readonly code: string,
	) {
		super(message);
		this.name = 'TransportError';
	}
}

export function buildUrl(url: string, query?: HttpRequest['query']): string {
	if (!query) return url;
	const u = new URL(url);
	for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
	return u.toString();
}

export function parseBody(text: string, contentType: string | undefined): unknown {
	if (text === '') return '';
	if ((contentType ?? '').includes('json') || /^[[{]/.test(text.trimStart())) {
		try {
			return JSON.parse(text);
		} catch {
			return text;
		}
	}
	return text;
}

/** A transport over Node's global fetch (Node >= 20), for tests, benches and scripts. */
export const fetchTransport: HttpTransport = async (request) => {
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(), request.timeoutMs ?? 30000);
	const headers: Record<string, string> = { ...(request.headers ?? {}) };
	let body: string | Uint8Array | undefined;
	if (request.body !== undefined) {
		if (typeof request.body === 'string' || request.body instanceof Uint8Array) body = request.body;
		else {
			body = JSON.stringify(request.body);
			if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
				headers['content-type'] = 'application/json';
		}
	}
	try {
		const res = await fetch(buildUrl(request.url, request.query), {
			method: request.method,
			headers,
			body,
			signal: controller.signal,
		});
		const text = await res.text();
		const outHeaders: Record<string, string> = {};
		res.headers.forEach((v, k) => (outHeaders[k.toLowerCase()] = v));
		return { status: res.status, headers: outHeaders, body: parseBody(text, outHeaders['content-type']) };
	} catch (error) {
		const err = error as Error & { cause?: { code?: string } };
		if (err.name === 'AbortError') throw new TransportError('request timed out', 'ETIMEDOUT');
		const code = err.cause?.code ?? 'ECONNRESET';
		throw new TransportError(`request failed: ${code}`, code);
	} finally {
		clearTimeout(timer);
	}
};
