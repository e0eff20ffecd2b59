/**
 * Local OneSignal REST API mock (node:http on 127.0.0.1), faithful to the documented Create
 * Message behaviour: `POST /notifications` with `Authorization: Key <REST API key>`, `app_id`,
 * `include_aliases.external_id` (≤ 20,000) + `target_channel: 'push'`, `contents.en` required,
 * `idempotency_key` (UUID; a repeated key replays the first response with `Idempotent-Replayed:
 * true` and delivers nothing), partial success `200 {id, errors: {invalid_aliases: {external_id}}}`,
 * nobody reachable `200 {id: "", errors: ["All included players are not subscribed"]}`, rate limit
 * `429 {"errors":["API rate limit exceeded."]}` with Retry-After. Also `GET /notifications?app_id=`
 * (the credential test). Fault injection and a record of every delivery for exactly-once checks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';

export type MockFault =
	| { kind: 'status'; status: number; retryAfter?: string; body?: unknown }
	| { kind: 'timeout' }
	| { kind: 'reset' }
	| { kind: 'resetAfterProcess' }
	/** Processes (records the delivery), then never answers: the client times out with the outcome unknown. */
	| { kind: 'timeoutAfterProcess' };

export interface OneSignalMockOptions {
	appId?: string;
	apiKey?: string;
	/** External ids that have a subscribed push device. */
	subscribed?: Iterable<string>;
	/** External ids that exist but have no subscribed push device. */
	unsubscribed?: Iterable<string>;
	/** Requests allowed per window on POST /notifications (429 beyond, with Retry-After). */
	rateLimit?: { requests: number; windowMs: number };
	/** Told when the mock keeps a request unanswered (timeout faults): see hold.ts. */
	onHold?: (req: IncomingMessage) => void;
}

export interface OneSignalRequestLog {
	aliases: number;
	idempotencyKey?: string;
	status: number;
	at: number;
	replayed?: boolean;
	fault?: MockFault['kind'];
}

export interface OneSignalMock {
	url: string;
	appId: string;
	apiKey: string;
	requests: OneSignalRequestLog[];
	/** One entry per (notification, external id) actually delivered. */
	deliveries: Array<{ notificationId: string; externalId: string; body: Record<string, unknown> }>;
	bodies: Array<Record<string, unknown>>;
	failNext(...faults: MockFault[]): void;
	deliveredCount(externalId: string): number;
	close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const c of req) chunks.push(c as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
	res.end(JSON.stringify(body));
}

export async function startOneSignalMock(options: OneSignalMockOptions = {}): Promise<OneSignalMock> {
	const appId = options.appId ?? '5eb5a37e-b458-11e3-ac11-000c2940e62c';
	const apiKey = options.apiKey ?? 'os_v2_app_testkey_0123456789';
	const subscribed = new Set(options.subscribed ?? []);
	const unsubscribed = new Set(options.unsubscribed ?? []);
	const faults: MockFault[] = [];
	const replays = new Map<string, { status: number; body: unknown }>();
	const sockets = new Set<Socket>();
	const windowHits: number[] = [];

	const mock: OneSignalMock = {
		url: '',
		appId,
		apiKey,
		requests: [],
		deliveries: [],
		bodies: [],
		failNext: (...f) => void faults.push(...f),
		deliveredCount: (id) => mock.deliveries.filter((d) => d.externalId === id).length,
		close: async () => {
			for (const s of sockets) s.destroy();
			await new Promise<void>((r) => server.close(() => r()));
		},
	};

	function authorized(req: IncomingMessage): boolean {
		return req.headers.authorization === `Key ${apiKey}`;
	}

	function process(body: Record<string, unknown>): { status: number; body: unknown } {
		if (body.app_id !== appId)
			return { status: 400, body: { errors: ['app_id not found. You may be missing a Content-Type: application/json header.'] } };
		const contents = body.contents as Record<string, unknown> | undefined;
		if (!contents || typeof contents.en !== 'string' || contents.en === '')
			return { status: 400, body: { errors: ['Message Notifications must have English language content'] } };
		const aliases = (body.include_aliases as { external_id?: unknown } | undefined)?.external_id;
		if (!Array.isArray(aliases) || aliases.length === 0)
			return { status: 400, body: { errors: ['You must include which players, segments, or tags you wish to send this notification to.'] } };
		if (aliases.length > 20000) return { status: 400, body: { errors: ['include_aliases is limited to 20000 entries per request'] } };
		if (body.target_channel !== 'push') return { status: 400, body: { errors: ['target_channel is required with include_aliases'] } };
		if (body.idempotency_key !== undefined && !UUID.test(String(body.idempotency_key)))
			return { status: 400, body: { errors: ['idempotency_key must be a valid UUID'] } };
		const invalid: string[] = [];
		const reachable: string[] = [];
		for (const raw of aliases) {
			const id = String(raw);
			if (subscribed.has(id)) {
				if (!reachable.includes(id)) reachable.push(id);
			} else if (!unsubscribed.has(id)) invalid.push(id);
		}
		if (reachable.length === 0) {
			if (invalid.length === aliases.length)
				return { status: 200, body: { id: '', external_id: null, errors: { invalid_aliases: { external_id: invalid } } } };
			return { status: 200, body: { id: '', external_id: null, errors: ['All included players are not subscribed'] } };
		}
		const id = randomUUID();
		for (const externalId of reachable) mock.deliveries.push({ notificationId: id, externalId, body });
		const out: Record<string, unknown> = { id, external_id: null };
		if (invalid.length) out.errors = { invalid_aliases: { external_id: invalid } };
		return { status: 200, body: out };
	}

	const server: Server = createServer(async (req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const text = await readBody(req);
		if (req.method === 'GET' && url.pathname === '/notifications') {
			if (!authorized(req)) return json(res, 403, { errors: ['Access denied.  Please include an \'Authorization: Key\' header with a valid API key.'] });
			if (url.searchParams.get('app_id') !== appId) return json(res, 400, { errors: ['app_id not found.'] });
			return json(res, 200, { total_count: 0, offset: 0, limit: 1, notifications: [] });
		}
		if (req.method !== 'POST' || url.pathname !== '/notifications') return json(res, 404, { errors: ['Not Found'] });
		const log: OneSignalRequestLog = { aliases: 0, status: 0, at: Date.now() };
		mock.requests.push(log);
		let body: Record<string, unknown>;
		try {
			body = JSON.parse(text);
		} catch {
			log.status = 400;
			return json(res, 400, { errors: ['Invalid JSON body'] });
		}
		mock.bodies.push(body);
		const aliases = (body.include_aliases as { external_id?: unknown[] } | undefined)?.external_id;
		log.aliases = Array.isArray(aliases) ? aliases.length : 0;
		log.idempotencyKey = typeof body.idempotency_key === 'string' ? body.idempotency_key : undefined;
		if (!authorized(req)) {
			log.status = 403;
			return json(res, 403, { errors: ["Access denied.  Please include an 'Authorization: Key' header with a valid API key."] });
		}
		const fault = faults.shift();
		if (fault) log.fault = fault.kind;
		if (fault?.kind === 'reset') return req.socket.destroy();
		if (fault?.kind === 'timeout') return void options.onHold?.(req); // never answers; the client times out
		if (fault?.kind === 'status') {
			log.status = fault.status;
			const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {};
			const fb = fault.body ?? (fault.status === 429 ? { errors: ['API rate limit exceeded.'] } : { errors: ['Internal Server Error'] });
			return json(res, fault.status, fb, headers);
		}
		if (options.rateLimit) {
			const now = Date.now();
			while (windowHits.length && windowHits[0] <= now - options.rateLimit.windowMs) windowHits.shift();
			if (windowHits.length >= options.rateLimit.requests) {
				log.status = 429;
				const wait = Math.max(1, Math.ceil((windowHits[0] + options.rateLimit.windowMs - now) / 1000));
				return json(res, 429, { errors: ['API rate limit exceeded.'] }, { 'retry-after': String(wait) });
			}
			windowHits.push(now);
		}
		const key = log.idempotencyKey;
		let result = key ? replays.get(key) : undefined;
		if (result) log.replayed = true;
		else {
			result = process(body);
			if (key && result.status === 200) replays.set(key, result);
		}
		log.status = result.status;
		if (fault?.kind === 'resetAfterProcess') return req.socket.destroy();
		if (fault?.kind === 'timeoutAfterProcess') return void options.onHold?.(req);
		json(res, result.status, result.body, log.replayed ? { 'idempotent-replayed': 'true' } : {});
	});
	server.on('connection', (s) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	mock.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return mock;
}
