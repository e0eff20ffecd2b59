/**
 * Local Web Push service (RFC 8030) on 127.0.0.1, standing in for the browsers' push services.
 * `createSubscription()` makes a browser-side subscription (P-256 key pair + 16-byte auth secret,
 * bound to an application server key) whose endpoint points at this server. `POST /push/{id}`:
 * - checks `TTL`, `Content-Encoding: aes128gcm`, body ≤ 4,096 bytes (413 beyond);
 * - verifies the VAPID `Authorization: vapid t=<ES256 JWT>, k=<public key>` (RFC 8292): signature,
 *   `aud` = the endpoint's origin, `exp` in the future and ≤ 24 h ahead, `sub` mailto:/https:
 *   (401 otherwise) and `k` = the key the subscription was made with (403 otherwise);
 * - decrypts the payload (RFC 8291) with the subscription's private key and records it;
 * - answers 201 Created with a Location, or 404/410 for expired/unsubscribed subscriptions, or
 *   injected faults (429 with/without Retry-After, 413, 500/503, timeout, connection reset).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createDecipheriv, createECDH, createHmac, createPublicKey, randomBytes, randomUUID, verify } from 'node:crypto';
import { fetchTransport, TransportError, buildUrl, parseBody, type HttpTransport } from '../../nodes/core/net/http';

export type PushFault =
	| { kind: 'status'; status: number; retryAfter?: string }
	| { kind: 'timeout' }
	| { kind: 'reset' }
	| { kind: 'resetAfterProcess' }
	/** Processes (records the delivery), then never answers: the client times out with the outcome unknown. */
	| { kind: 'timeoutAfterProcess' };

export interface MockSubscription {
	id: string;
	json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
}

export interface WebPushMock {
	url: string;
	requests: Array<{ subscriptionId: string; status: number; bytes: number; at: number; fault?: string; ttl?: string; urgency?: string; topic?: string }>;
	deliveries: Array<{ subscriptionId: string; payload: unknown; ttl: string; urgency?: string; messageId: string }>;
	/** A subscription made with the given application server key (default: the mock's expected VAPID key). */
	createSubscription(opts?: { state?: 'active' | 'expired' | 'gone'; applicationServerKey?: string }): MockSubscription;
	setState(id: string, state: 'active' | 'expired' | 'gone'): void;
	failNext(...faults: PushFault[]): void;
	deliveredCount(id: string): number;
	close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const c of req) chunks.push(c as Buffer);
	return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, body = '', headers: Record<string, string> = {}): void {
	res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
	res.end(body);
}

function hmac(key: Buffer, data: Buffer): Buffer {
	return createHmac('sha256', key).update(data).digest();
}

/** RFC 8291 decryption of a single-record aes128gcm message. */
export function decryptAes128gcm(body: Buffer, uaPrivate: Buffer, uaPublic: Buffer, authSecret: Buffer): Buffer {
	const salt = body.subarray(0, 16);
	const rs = body.readUInt32BE(16);
	const idlen = body[20];
	const asPublic = body.subarray(21, 21 + idlen);
	const ciphertext = body.subarray(21 + idlen);
	if (idlen !== 65 || rs < 18) throw new Error('bad header');
	const ecdh = createECDH('prime256v1');
	ecdh.setPrivateKey(uaPrivate);
	const secret = ecdh.computeSecret(asPublic);
	const prkKey = hmac(authSecret, secret);
	const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic, Buffer.from([1])]);
	const ikm = hmac(prkKey, keyInfo);
	const prk = hmac(salt, ikm);
	const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01', 'binary')).subarray(0, 16);
	const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01', 'binary')).subarray(0, 12);
	if (ciphertext.length > rs) throw new Error('more than one record');
	const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
	decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
	const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
	let end = padded.length - 1;
	while (end >= 0 && padded[end] === 0) end--;
	if (end < 0 || padded[end] !== 2) throw new Error('bad padding delimiter');
	return padded.subarray(0, end);
}

/** Verifies `vapid t=..., k=...`; returns the problem or undefined, and the key. */
function checkVapid(authorization: string | undefined, origin: string): { problem?: string; k?: string } {
	const m = /^vapid\s+(.+)$/i.exec(authorization ?? '');
	if (!m) return { problem: 'missing vapid authorization' };
	const params: Record<string, string> = {};
	for (const part of m[1].split(',')) {
		const [k, ...v] = part.trim().split('=');
		params[k.trim()] = v.join('=').trim();
	}
	const t = params.t;
	const k = params.k;
	if (!t || !k) return { problem: 'vapid t and k are required' };
	const raw = Buffer.from(k, 'base64url');
	if (raw.length !== 65 || raw[0] !== 4) return { problem: 'bad vapid key', k };
	const key = createPublicKey({
		key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') },
		format: 'jwk',
	});
	const parts = t.split('.');
	if (parts.length !== 3) return { problem: 'bad jwt', k };
	const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
	const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
	if (header.alg !== 'ES256') return { problem: 'jwt alg must be ES256', k };
	const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
	if (!ok) return { problem: 'bad jwt signature', k };
	if (claims.aud !== origin) return { problem: 'jwt aud does not match the push service origin', k };
	const now = Math.floor(Date.now() / 1000);
	if (!(claims.exp > now) || claims.exp > now + 24 * 3600) return { problem: 'jwt exp must be within 24 hours', k };
	if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) return { problem: 'jwt sub must be mailto: or https:', k };
	return { k };
}

export async function startWebPushMock(options: { expectedVapidPublicKey: string; onHold?: (req: IncomingMessage) => void }): Promise<WebPushMock> {
	const subs = new Map<string, { priv: Buffer; pub: Buffer; auth: Buffer; state: 'active' | 'expired' | 'gone'; asKey: string }>();
	const faults: PushFault[] = [];
	const sockets = new Set<Socket>();
	const mock: WebPushMock = {
		url: '',
		requests: [],
		deliveries: [],
		createSubscription(opts = {}) {
			const ecdh = createECDH('prime256v1');
			const pub = ecdh.generateKeys();
			const auth = randomBytes(16);
			const id = randomBytes(12).toString('base64url');
			subs.set(id, { priv: ecdh.getPrivateKey(), pub, auth, state: opts.state ?? 'active', asKey: opts.applicationServerKey ?? options.expectedVapidPublicKey });
			return {
				id,
				json: { endpoint: `${mock.url}/push/${id}`, expirationTime: null, keys: { p256dh: pub.toString('base64url'), auth: auth.toString('base64url') } },
			};
		},
		setState(id, state) {
			const s = subs.get(id);
			if (s) s.state = state;
		},
		failNext: (...f) => void faults.push(...f),
		deliveredCount: (id) => mock.deliveries.filter((d) => d.subscriptionId === id).length,
		close: async () => {
			for (const s of sockets) s.destroy();
			await new Promise<void>((r) => server.close(() => r()));
		},
	};

	const server: Server = createServer(async (req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const body = await readBody(req);
		const m = /^\/push\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
		if (req.method !== 'POST' || !m) return reply(res, 404);
		const id = m[1];
		const log: WebPushMock['requests'][number] = {
			subscriptionId: id,
			status: 0,
			bytes: body.length,
			at: Date.now(),
			ttl: req.headers.ttl as string | undefined,
			urgency: req.headers.urgency as string | undefined,
			topic: req.headers.topic as string | undefined,
		};
		mock.requests.push(log);
		const fault = faults.shift();
		if (fault) log.fault = fault.kind;
		if (fault?.kind === 'reset') return req.socket.destroy();
		if (fault?.kind === 'timeout') return void options.onHold?.(req); // never answers; the client times out
		if (fault?.kind === 'status') {
			log.status = fault.status;
			return reply(res, fault.status, '', fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
		}
		const sub = subs.get(id);
		if (!sub || sub.state === 'expired') return ((log.status = 404), reply(res, 404, 'push subscription not found'));
		if (sub.state === 'gone') return ((log.status = 410), reply(res, 410, 'push subscription has unsubscribed or expired'));
		if (req.headers.ttl === undefined || !/^\d+$/.test(String(req.headers.ttl))) return ((log.status = 400), reply(res, 400, 'TTL header required'));
		if (body.length > 4096) return ((log.status = 413), reply(res, 413, 'payload too large'));
		const vapid = checkVapid(req.headers.authorization, mock.url);
		if (vapid.problem) return ((log.status = 401), reply(res, 401, vapid.problem));
		if (vapid.k !== sub.asKey) return ((log.status = 403), reply(res, 403, 'vapid key does not match the subscription'));
		let payload: unknown = null;
		if (body.length) {
			if (req.headers['content-encoding'] !== 'aes128gcm') return ((log.status = 400), reply(res, 400, 'Content-Encoding aes128gcm required'));
			try {
				const plain = decryptAes128gcm(body, sub.priv, sub.pub, sub.auth).toString('utf8');
				payload = JSON.parse(plain);
			} catch {
				return ((log.status = 400), reply(res, 400, 'could not decrypt'));
			}
		}
		const messageId = randomUUID();
		mock.deliveries.push({ subscriptionId: id, payload, ttl: String(req.headers.ttl), urgency: req.headers.urgency as string | undefined, messageId });
		log.status = 201;
		if (fault?.kind === 'resetAfterProcess') return req.socket.destroy();
		if (fault?.kind === 'timeoutAfterProcess') return void options.onHold?.(req);
		reply(res, 201, '', { location: `${mock.url}/messages/${messageId}` });
	});
	server.on('connection', (s) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	mock.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return mock;
}

/**
 * fetchTransport plus binary bodies (Uint8Array sent as is): what nodes/core/http.ts's
 * fetchTransport needs for Web Push (see the report; until then tests use this).
 */
export const binaryFetchTransport: HttpTransport = async (request) => {
	if (!(request.body instanceof Uint8Array)) return fetchTransport(request);
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(), request.timeoutMs ?? 30000);
	try {
		const res = await fetch(buildUrl(request.url, request.query), {
			method: request.method,
			headers: request.headers,
			body: request.body,
			signal: controller.signal,
		});
		const text = await res.text();
		const headers: Record<string, string> = {};
		res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
		return { status: res.status, headers, body: parseBody(text, headers['content-type']) };
	} catch (error) {
		const err = error as Error & { cause?: { code?: string } };
		if (err.name === 'AbortError') throw new TransportError('request timed out', 'ETIMEDOUT');
		const code = err.cause?.code ?? 'ECONNRESET';
		throw new TransportError(`request failed: ${code}`, code);
	} finally {
		clearTimeout(timer);
	}
};
