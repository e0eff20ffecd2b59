/**
 * Local Firebase Cloud Messaging HTTP v1 mock with its OAuth2 token endpoint (node:http,
 * 127.0.0.1). Faithful to the documented behaviour:
 * - `POST /token` (the key's token_uri): form body `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`
 *   & `assertion=<RS256 JWT>`; the JWT is verified against the service account's public key
 *   (iss = client_email, aud = token_uri, scope contains firebase.messaging, exp - iat ≤ 3600,
 *   not expired) → `{access_token, expires_in, token_type: "Bearer"}`, else
 *   `400 {error: "invalid_grant", error_description}`.
 * - `POST /v1/projects/{project_id}/messages:send` with `Authorization: Bearer <token>` and
 *   `{message: {token, notification, data (strings only), android, apns, webpush, fcm_options}}`
 *   → `200 {name: "projects/{id}/messages/{n}"}`; errors in Google's format
 *   `{error: {code, message, status, details: [{"@type": ".../google.firebase.fcm.v1.FcmError", errorCode}]}}`:
 *   UNREGISTERED 404, INVALID_ARGUMENT 400 (with a BadRequest field violation on message.token for a
 *   malformed token), SENDER_ID_MISMATCH 403, QUOTA_EXCEEDED 429, UNAVAILABLE 503, INTERNAL 500,
 *   UNAUTHENTICATED 401 for a missing/expired/revoked access token.
 * Fault injection and a record of every delivered message.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';

export type FcmFault =
	| { kind: 'status'; status: number; errorCode?: string; retryAfter?: string }
	| { kind: 'timeout' }
	| { kind: 'reset' }
	| { kind: 'resetAfterProcess' }
	/** Processes (records the delivery), then never answers: the client times out with the outcome unknown. */
	| { kind: 'timeoutAfterProcess' }
	/** Answers 401 UNAUTHENTICATED once, as for a revoked token. */
	| { kind: 'unauthenticated' };

export type TokenState = 'valid' | 'unregistered' | 'mismatch' | 'thirdPartyAuth';

export interface FcmMockOptions {
	projectId?: string;
	/** Device tokens and their state; unknown tokens are UNREGISTERED. Tokens containing a space or ':bad' are malformed. */
	tokens?: Record<string, TokenState>;
	/** expires_in returned by the token endpoint (seconds). */
	expiresIn?: number;
	/** Messages allowed per window (429 QUOTA_EXCEEDED beyond). */
	rateLimit?: { requests: number; windowMs: number };
	/** Told when the mock keeps a request unanswered (timeout faults): see hold.ts. */
	onHold?: (req: IncomingMessage) => void;
}

export interface FcmMock {
	url: string;
	tokenUri: string;
	projectId: string;
	serviceAccount: Record<string, string>;
	/** A service account for the same project whose key the token endpoint does not know. */
	foreignServiceAccount: Record<string, string>;
	tokenRequests: number;
	sendRequests: Array<{ status: number; token?: string; at: number; fault?: string }>;
	deliveries: Array<{ name: string; token: string; message: Record<string, unknown> }>;
	failNext(...faults: FcmFault[]): void;
	failToken(...faults: Array<{ status: number; retryAfter?: string }>): void;
	/** Invalidates every access token issued so far (the next send gets 401). */
	revokeTokens(): void;
	deliveredCount(token: string): number;
	close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const c of req) chunks.push(c as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
	res.end(JSON.stringify(body));
}

const STATUS_NAME: Record<number, string> = {
	400: 'INVALID_ARGUMENT',
	401: 'UNAUTHENTICATED',
	403: 'PERMISSION_DENIED',
	404: 'NOT_FOUND',
	429: 'RESOURCE_EXHAUSTED',
	500: 'INTERNAL',
	503: 'UNAVAILABLE',
};

function fcmError(code: number, message: string, errorCode?: string, extra: unknown[] = []) {
	const details: unknown[] = [];
	if (errorCode) details.push({ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode });
	details.push(...extra);
	return { error: { code, message, status: STATUS_NAME[code] ?? 'UNKNOWN', ...(details.length ? { details } : {}) } };
}

const keyPairs = new Map<string, ReturnType<typeof generateKeyPairSync>>();

function makeKey(projectId: string, email: string) {
	// RSA generation is slow: one key pair per client email and process.
	if (!keyPairs.has(email)) keyPairs.set(email, generateKeyPairSync('rsa', { modulusLength: 2048 }));
	const { privateKey, publicKey } = keyPairs.get(email)!;
	return {
		publicKey,
		json: {
			type: 'service_account',
			project_id: projectId,
			private_key_id: randomBytes(20).toString('hex'),
			private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
			client_email: email,
			client_id: '1234567890',
			auth_uri: 'https://accounts.google.com/o/oauth2/auth',
			token_uri: '',
		} as Record<string, string>,
	};
}

export async function startFcmMock(options: FcmMockOptions = {}): Promise<FcmMock> {
	const projectId = options.projectId ?? 'shop-push-test';
	const tokens = new Map(Object.entries(options.tokens ?? {}));
	const key = makeKey(projectId, `fcm-sender@${projectId}.iam.gserviceaccount.com`);
	const foreign = makeKey(projectId, `other@${projectId}.iam.gserviceaccount.com`);
	const issued = new Map<string, number>(); // access token -> expiry ms
	const faults: FcmFault[] = [];
	const tokenFaults: Array<{ status: number; retryAfter?: string }> = [];
	const sockets = new Set<Socket>();
	const hits: number[] = [];
	let counter = 0;

	const mock: FcmMock = {
		url: '',
		tokenUri: '',
		projectId,
		serviceAccount: key.json,
		foreignServiceAccount: foreign.json,
		tokenRequests: 0,
		sendRequests: [],
		deliveries: [],
		failNext: (...f) => void faults.push(...f),
		failToken: (...f) => void tokenFaults.push(...f),
		revokeTokens: () => issued.clear(),
		deliveredCount: (t) => mock.deliveries.filter((d) => d.token === t).length,
		close: async () => {
			for (const s of sockets) s.destroy();
			await new Promise<void>((r) => server.close(() => r()));
		},
	};

	function verifyAssertion(jwt: string): string | undefined {
		const parts = jwt.split('.');
		if (parts.length !== 3) return 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe';
		let header: Record<string, unknown>;
		let claims: Record<string, unknown>;
		try {
			header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
			claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
		} catch {
			return 'Invalid JWT.';
		}
		if (header.alg !== 'RS256') return 'Invalid JWT: unsupported algorithm';
		const ok = createVerify('RSA-SHA256').update(`${parts[0]}.${parts[1]}`).verify(key.publicKey, Buffer.from(parts[2], 'base64url'));
		if (!ok || claims.iss !== key.json.client_email) return 'Invalid JWT Signature.';
		if (claims.aud !== mock.tokenUri) return 'Invalid JWT: audience does not match the token endpoint';
		if (typeof claims.scope !== 'string' || !claims.scope.split(' ').includes('https://www.googleapis.com/auth/firebase.messaging'))
			return 'Invalid JWT: missing the firebase.messaging scope';
		const now = Math.floor(Date.now() / 1000);
		const iat = Number(claims.iat);
		const exp = Number(claims.exp);
		if (!(exp > now) || !(iat <= now + 300) || exp - iat > 3600)
			return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.';
		return undefined;
	}

	const server: Server = createServer(async (req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const text = await readBody(req);
		if (req.method === 'POST' && url.pathname === '/token') {
			mock.tokenRequests++;
			const tf = tokenFaults.shift();
			if (tf) return json(res, tf.status, { error: 'internal_failure' }, tf.retryAfter ? { 'retry-after': tf.retryAfter } : {});
			if (!String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded'))
				return json(res, 400, { error: 'invalid_request', error_description: 'Bad Request' });
			const form = new URLSearchParams(text);
			if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
				return json(res, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
			const problem = verifyAssertion(form.get('assertion') ?? '');
			if (problem) return json(res, 400, { error: 'invalid_grant', error_description: problem });
			const accessToken = `ya29.mock-${randomBytes(24).toString('base64url')}`;
			const expiresIn = options.expiresIn ?? 3599;
			issued.set(accessToken, Date.now() + expiresIn * 1000);
			return json(res, 200, { access_token: accessToken, expires_in: expiresIn, token_type: 'Bearer' });
		}
		const m = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(url.pathname);
		if (req.method !== 'POST' || !m) return json(res, 404, fcmError(404, 'Requested entity was not found.'));
		const log: FcmMock['sendRequests'][number] = { status: 0, at: Date.now() };
		mock.sendRequests.push(log);
		const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
		const exp = auth ? issued.get(auth) : undefined;
		if (!auth || exp === undefined || exp <= Date.now()) {
			log.status = 401;
			return json(
				res,
				401,
				fcmError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.'),
			);
		}
		if (decodeURIComponent(m[1]) !== projectId) {
			log.status = 403;
			return json(res, 403, fcmError(403, 'Permission denied on resource project (or it may not exist).'));
		}
		let body: { message?: Record<string, unknown>; validate_only?: boolean };
		try {
			body = JSON.parse(text);
		} catch {
			log.status = 400;
			return json(res, 400, fcmError(400, 'Invalid JSON payload received.'));
		}
		const msg = body.message;
		const token = typeof msg?.token === 'string' ? msg.token : undefined;
		log.token = token;
		const fault = faults.shift();
		if (fault) log.fault = fault.kind;
		if (fault?.kind === 'reset') return req.socket.destroy();
		if (fault?.kind === 'timeout') return void options.onHold?.(req); // never answers; the client times out
		if (fault?.kind === 'unauthenticated') {
			issued.delete(auth);
			log.status = 401;
			return json(res, 401, fcmError(401, 'Request had invalid authentication credentials.'));
		}
		if (fault?.kind === 'status') {
			log.status = fault.status;
			const code = fault.errorCode ?? (fault.status === 429 ? 'QUOTA_EXCEEDED' : fault.status === 503 ? 'UNAVAILABLE' : fault.status >= 500 ? 'INTERNAL' : undefined);
			return json(res, fault.status, fcmError(fault.status, 'Injected failure', code), fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
		}
		if (options.rateLimit) {
			const now = Date.now();
			while (hits.length && hits[0] <= now - options.rateLimit.windowMs) hits.shift();
			if (hits.length >= options.rateLimit.requests) {
				log.status = 429;
				return json(res, 429, fcmError(429, 'Quota exceeded for quota metric', 'QUOTA_EXCEEDED'));
			}
			hits.push(now);
		}
		// Validation of the message (a subset of FCM's rules).
		const targets = ['token', 'topic', 'condition'].filter((k) => msg && msg[k] !== undefined);
		if (!msg || targets.length !== 1) {
			log.status = 400;
			return json(res, 400, fcmError(400, 'Exactly one of token, topic or condition must be set.', 'INVALID_ARGUMENT'));
		}
		const data = msg.data as Record<string, unknown> | undefined;
		if (data && Object.values(data).some((v) => typeof v !== 'string')) {
			log.status = 400;
			return json(res, 400, fcmError(400, 'Invalid value at \'message.data\': data values must be strings', 'INVALID_ARGUMENT'));
		}
		const notification = msg.notification as Record<string, unknown> | undefined;
		if (notification && ['title', 'body', 'image'].some((k) => notification[k] !== undefined && typeof notification[k] !== 'string')) {
			log.status = 400;
			return json(res, 400, fcmError(400, 'Invalid value at \'message.notification\'', 'INVALID_ARGUMENT'));
		}
		if (token !== undefined) {
			if (/\s/.test(token) || token.includes(':bad')) {
				log.status = 400;
				return json(
					res,
					400,
					fcmError(400, 'The registration token is not a valid FCM registration token', 'INVALID_ARGUMENT', [
						{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'message.token', description: 'Invalid registration token' }] },
					]),
				);
			}
			const state = tokens.get(token) ?? 'unregistered';
			if (state === 'unregistered') {
				log.status = 404;
				return json(res, 404, fcmError(404, 'Requested entity was not found.', 'UNREGISTERED'));
			}
			if (state === 'mismatch') {
				log.status = 403;
				return json(res, 403, fcmError(403, 'SenderId mismatch', 'SENDER_ID_MISMATCH'));
			}
			if (state === 'thirdPartyAuth') {
				log.status = 401;
				return json(res, 401, fcmError(401, 'Auth error from APNS or Web Push Service', 'THIRD_PARTY_AUTH_ERROR'));
			}
		}
		const name = `projects/${projectId}/messages/0:${Date.now()}${String(++counter).padStart(6, '0')}%mock`;
		if (!body.validate_only) mock.deliveries.push({ name, token: token ?? '', message: msg });
		log.status = 200;
		if (fault?.kind === 'resetAfterProcess') return req.socket.destroy();
		if (fault?.kind === 'timeoutAfterProcess') return void options.onHold?.(req);
		json(res, 200, { name });
	});
	server.on('connection', (s) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
	mock.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	mock.tokenUri = `${mock.url}/token`;
	key.json.token_uri = mock.tokenUri;
	foreign.json.token_uri = mock.tokenUri;
	return mock;
}
