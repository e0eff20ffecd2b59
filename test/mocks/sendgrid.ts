/**
 * Faithful local mock of SendGrid v3 Mail Send (POST /v3/mail/send) on 127.0.0.1, plus the small
 * HTTP mock base shared by the Brevo and HubSpot delivery mocks (fault injection, rate limiting,
 * request log).
 *
 * SendGrid behaviour imitated: Bearer API key (401 otherwise); template_id, from.email and 1..1000
 * personalizations required (400 with `errors[{field,message}]`); invalid or duplicate
 * (case-insensitive) addresses in one request → 400 naming `personalizations.N.to`; custom_args
 * ≤ 10,000 bytes; success 202 with an empty body and `X-Message-Id`; rate limit → 429
 * `{"errors":[{"field":null,"message":"too many requests"}]}` with X-RateLimit-Limit/Remaining/Reset
 * (epoch seconds). Every accepted personalization is recorded so tests can assert 0 lost and 0
 * duplicated.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** An answer decided by the test: status, headers (Retry-After...) and body. */
export interface ReplyFault {
	status: number;
	headers?: Record<string, string>;
	body?: unknown;
}

export type Fault =
	| ReplyFault
	| 'none'
	| '429'
	| '429-noheaders'
	| '500'
	| '503'
	/** Never answers; nothing recorded (the client times out: `onHold` is told). */
	| 'timeout'
	/** Accepts and records, then never answers (the client times out: outcome unknown; `onHold` is told). */
	| 'timeout-after-accept'
	/** Drops the connection while the request body is arriving; nothing recorded. */
	| 'reset'
	/** Accepts and records, then drops the connection without answering. */
	| 'reset-after-accept';

export interface MockOptions {
	/** Requests allowed per sliding window (all requests to the send endpoints count). */
	rateLimit?: { limit: number; intervalMs: number };
	/** Faults for successive send requests (index = request number from 0), or a function. */
	faults?: Fault[] | ((n: number) => Fault);
	/** Delay before answering (ms). */
	latencyMs?: number;
	/** Called when the mock keeps a request unanswered ('timeout' faults): see hold.ts. */
	onHold?: (req: IncomingMessage) => void;
	/** Called after a send request was accepted and recorded, before the answer (kill tests). */
	onAccepted?: (info: { requests: number; recipients: number }) => void | 'hold';
	port?: number;
}

export interface MockReply {
	status: number;
	headers?: Record<string, string>;
	body?: unknown;
	/** Called once the reply is decided and the request accepted (records messages). */
	accept?: () => void;
}

export interface LoggedRequest {
	method: string;
	path: string;
	at: number;
	status: number | 'timeout' | 'reset';
	/** Recipients in the request (endpoint-specific). */
	size?: number;
}

/** Minimal JSON HTTP mock with the fault injection and rate limiting the delivery tests need. */
export abstract class JsonMock {
	readonly log: LoggedRequest[] = [];
	/** Arrival times of requests to rate-limited endpoints. */
	readonly arrivals: number[] = [];
	url = '';
	protected server: Server | undefined;
	private sockets = new Set<Socket>();
	private sendCount = 0;
	/** Send requests accepted (recorded) so far, and their recipients. */
	accepted = 0;
	acceptedRecipients = 0;

	constructor(protected readonly options: MockOptions = {}) {}

	/** Handles one parsed request; return undefined for 404. */
	protected abstract route(method: string, path: string, headers: IncomingMessage['headers'], body: unknown, query: URLSearchParams): MockReply | undefined;

	/** Whether the request goes to a rate-limited / fault-injected send endpoint. */
	protected abstract isSendEndpoint(method: string, path: string): boolean;

	/** Reply for a rate-limited request (provider-specific 429). */
	protected abstract rateLimited(resetAtMs: number): MockReply;

	/** Recipients in a request body, for the log. */
	protected sizeOf(_path: string, _body: unknown): number | undefined {
		return undefined;
	}

	private nextFault(): Fault {
		const f = this.options.faults;
		const n = this.sendCount++;
		if (!f) return 'none';
		if (typeof f === 'function') return f(n);
		return f[n] ?? 'none';
	}

	private overLimit(now: number): { over: boolean; resetAt: number } {
		const rl = this.options.rateLimit;
		if (!rl) return { over: false, resetAt: now };
		let inWindow = 0;
		let oldest = now;
		for (let i = this.arrivals.length - 1; i >= 0 && this.arrivals[i] > now - rl.intervalMs; i--) {
			inWindow++;
			oldest = this.arrivals[i];
		}
		return { over: inWindow > rl.limit, resetAt: oldest + rl.intervalMs };
	}

	async start(): Promise<string> {
		this.server = createServer((req, res) => void this.handle(req, res));
		this.server.on('connection', (s) => {
			this.sockets.add(s);
			s.on('close', () => this.sockets.delete(s));
		});
		await new Promise<void>((resolve) => this.server!.listen(this.options.port ?? 0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
		return this.url;
	}

	async close(): Promise<void> {
		for (const s of this.sockets) s.destroy();
		await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const u = new URL(req.url ?? '/', 'http://127.0.0.1');
		const method = req.method ?? 'GET';
		const path = u.pathname;
		const send = this.isSendEndpoint(method, path);
		const at = Date.now();
		const fault = send ? this.nextFault() : 'none';
		if (send) this.arrivals.push(at);
		if (fault === 'reset') {
			// Drop the connection while the body is still arriving.
			req.once('data', () => req.socket.destroy());
			req.once('end', () => req.socket.destroy());
			this.log.push({ method, path, at, status: 'reset' });
			return;
		}
		const chunks: Buffer[] = [];
		for await (const c of req) chunks.push(c as Buffer);
		const text = Buffer.concat(chunks).toString('utf8');
		let body: unknown = undefined;
		if (text !== '') {
			try {
				body = JSON.parse(text);
			} catch {
				this.reply(res, { status: 400, body: { message: 'Malformed JSON' } });
				this.log.push({ method, path, at, status: 400 });
				return;
			}
		}
		const size = this.sizeOf(path, body);
		if (send && typeof fault === 'object') {
			this.log.push({ method, path, at, status: fault.status, size });
			this.reply(res, { status: fault.status, headers: { 'content-type': 'application/json', ...(fault.headers ?? {}) }, body: fault.body ?? { errors: [{ field: null, message: 'injected' }] } });
			return;
		}
		if (send) {
			const limit = this.overLimit(at);
			if (limit.over || fault === '429' || fault === '429-noheaders') {
				const r = this.rateLimited(limit.over ? limit.resetAt : at + 1000);
				if (fault === '429-noheaders') r.headers = { 'content-type': 'application/json' };
				this.log.push({ method, path, at, status: 429, size });
				await this.delay();
				this.reply(res, r);
				return;
			}
			if (fault === '500' || fault === '503') {
				this.log.push({ method, path, at, status: Number(fault), size });
				this.reply(res, { status: Number(fault), body: { errors: [{ field: null, message: fault === '500' ? 'internal error' : 'service unavailable' }] } });
				return;
			}
			if (fault === 'timeout') {
				this.log.push({ method, path, at, status: 'timeout', size });
				this.options.onHold?.(req);
				return; // never answer
			}
		}
		const reply = this.route(method, path, req.headers, body, u.searchParams) ?? { status: 404, body: { message: 'Not found' } };
		if (reply.accept) {
			reply.accept();
			this.accepted++;
			this.acceptedRecipients += size ?? 0;
			if (this.options.onAccepted?.({ requests: this.accepted, recipients: this.acceptedRecipients }) === 'hold') {
				this.log.push({ method, path, at, status: 'timeout', size });
				return;
			}
		}
		if (fault === 'timeout-after-accept') {
			this.log.push({ method, path, at, status: 'timeout', size });
			this.options.onHold?.(req);
			return;
		}
		if (fault === 'reset-after-accept') {
			this.log.push({ method, path, at, status: 'reset', size });
			req.socket.destroy();
			return;
		}
		this.log.push({ method, path, at, status: reply.status, size });
		await this.delay();
		this.reply(res, reply);
	}

	private async delay(): Promise<void> {
		if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
	}

	private reply(res: ServerResponse, r: MockReply): void {
		const headers: Record<string, string> = { ...(r.headers ?? {}) };
		let payload = '';
		if (r.body !== undefined) {
			payload = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
			if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
		}
		res.writeHead(r.status, headers);
		res.end(payload);
	}

	/** Send requests the mock answered with 429. */
	get rateLimitedCount(): number {
		return this.log.filter((l) => l.status === 429).length;
	}
}

export interface SendGridMessage {
	email: string;
	sendKey?: string;
	campaign?: string;
	segment?: string;
	templateId: string;
	templateData: unknown;
	messageId: string;
}

const EMAIL = /^[^\s@,;<>()[\]"]+@[^\s@,;<>()[\]"]+\.[^\s@,;<>()[\]".]{2,}$/;

export class SendGridMock extends JsonMock {
	readonly messages: SendGridMessage[] = [];
	private idCounter = 0;

	constructor(
		readonly apiKey = 'SG.test-key',
		options: MockOptions = {},
	) {
		super(options);
	}

	protected isSendEndpoint(method: string, path: string): boolean {
		return method === 'POST' && path === '/v3/mail/send';
	}

	protected sizeOf(_path: string, body: unknown): number | undefined {
		const p = (body as { personalizations?: unknown[] })?.personalizations;
		return Array.isArray(p) ? p.length : undefined;
	}

	protected rateLimited(resetAtMs: number): MockReply {
		const limit = this.options.rateLimit?.limit ?? 600;
		return {
			status: 429,
			headers: {
				'content-type': 'application/json',
				'X-RateLimit-Limit': String(limit),
				'X-RateLimit-Remaining': '0',
				'X-RateLimit-Reset': String(Math.ceil(resetAtMs / 1000)),
			},
			body: { errors: [{ field: null, message: 'too many requests' }] },
		};
	}

	/** Accepted messages per lower-cased address. */
	countsByEmail(): Map<string, number> {
		const m = new Map<string, number>();
		for (const msg of this.messages) m.set(msg.email, (m.get(msg.email) ?? 0) + 1);
		return m;
	}

	protected route(method: string, path: string, headers: IncomingMessage['headers'], body: unknown): MockReply | undefined {
		if (path === '/v3/scopes' && method === 'GET') {
			if (headers.authorization !== `Bearer ${this.apiKey}`) return this.unauthorized();
			return { status: 200, body: { scopes: ['mail.send'] } };
		}
		if (!this.isSendEndpoint(method, path)) return undefined;
		if (headers.authorization !== `Bearer ${this.apiKey}`) return this.unauthorized();
		const b = (body ?? {}) as {
			template_id?: unknown;
			from?: { email?: unknown };
			personalizations?: { to?: { email?: unknown; name?: unknown }[]; custom_args?: Record<string, unknown>; dynamic_template_data?: unknown }[];
			categories?: unknown[];
		};
		const errors: { field: string | null; message: string }[] = [];
		if (typeof b.template_id !== 'string' || !/^d-[0-9a-f]{32}$/i.test(b.template_id))
			errors.push({ field: 'template_id', message: 'The template_id must be a valid GUID' });
		if (!b.from || typeof b.from.email !== 'string' || !EMAIL.test(b.from.email))
			errors.push({ field: 'from.email', message: 'The from email does not contain a valid address.' });
		if (Array.isArray(b.categories) && b.categories.length > 10)
			errors.push({ field: 'categories', message: 'You may not have more than 10 categories per request.' });
		const p = b.personalizations;
		if (!Array.isArray(p) || p.length === 0)
			errors.push({ field: 'personalizations', message: 'The personalizations field is required and must have at least one personalization.' });
		else if (p.length > 1000)
			errors.push({ field: 'personalizations', message: 'The personalizations array may not have more than 1000 personalizations.' });
		else {
			const seen = new Set<string>();
			p.forEach((per, i) => {
				const to = per.to;
				if (!Array.isArray(to) || to.length === 0) {
					errors.push({ field: `personalizations.${i}.to`, message: 'The to array is required for all personalization objects, and must have at least one email object with a valid email address.' });
					return;
				}
				to.forEach((t, j) => {
					const email = typeof t.email === 'string' ? t.email.trim().toLowerCase() : '';
					if (!EMAIL.test(email)) errors.push({ field: `personalizations.${i}.to.${j}.email`, message: 'Does not contain a valid address.' });
					else if (seen.has(email))
						errors.push({ field: `personalizations.${i}.to`, message: 'Each email address in the personalization block should be unique between to, cc, and bcc.' });
					seen.add(email);
				});
				if (per.custom_args && JSON.stringify(per.custom_args).length > 10000)
					errors.push({ field: `personalizations.${i}.custom_args`, message: 'The total size of custom arguments must be less than 10000 bytes.' });
			});
		}
		if (errors.length > 0) return { status: 400, body: { errors } };
		const messageId = `sgmsg${(++this.idCounter).toString().padStart(6, '0')}`;
		return {
			status: 202,
			headers: { 'X-Message-Id': messageId },
			accept: () => {
				for (const per of p!) {
					for (const t of per.to!) {
						this.messages.push({
							email: String(t.email).trim().toLowerCase(),
							sendKey: per.custom_args?.send_key as string | undefined,
							campaign: per.custom_args?.campaign as string | undefined,
							segment: per.custom_args?.segment as string | undefined,
							templateId: String(b.template_id),
							templateData: per.dynamic_template_data,
							messageId,
						});
					}
				}
			},
		};
	}

	private unauthorized(): MockReply {
		return { status: 401, body: { errors: [{ field: null, message: 'The provided authorization grant is invalid, expired, or revoked', help: null }] } };
	}
}
