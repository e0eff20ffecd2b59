/**
 * Firebase Cloud Messaging HTTP v1: `POST {base}/v1/projects/{project_id}/messages:send`, one
 * message per device token (the v1 API has no batch send), authorised by an OAuth2 access token
 * obtained from the service account key: an RS256 JWT (node:crypto) posted to the key's
 * `token_uri` with the jwt-bearer grant. The token is cached until shortly before it expires and
 * shared by the concurrent sends of a run; a 401 refreshes it once, a second 401 stops the run.
 *
 * Errors (`error.details[].errorCode`): UNREGISTERED and token-related INVALID_ARGUMENT →
 * failed `unregistered_token` (drop the token); SENDER_ID_MISMATCH → failed; QUOTA_EXCEEDED,
 * UNAVAILABLE, INTERNAL → retried by the engine (Retry-After honoured).
 */
import { createHash, createSign } from 'node:crypto';
import { TransportError, type HttpRequest, type HttpResponse, type HttpTransport } from '../../net/http';
import type { BatchResult, Provider, ProviderLimits, Recipient, SendContext } from '../types';
import { redact } from '../../net/redact';
import { renderPlaceholders, renderRecord } from './placeholders';
import { parseRetryAfter } from '../../net/retry';
import { sendEach } from './util';

export const FCM_DEFAULT_BASE_URL = 'https://fcm.googleapis.com';
export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export const FCM_LIMITS: ProviderLimits = {
	maxBatchSize: 1,
	// Published quota: 600,000 messages per minute per project.
	requestsPerInterval: 10000,
	intervalMs: 1000,
	concurrency: 10,
};

export interface ServiceAccountKey {
	project_id: string;
	client_email: string;
	private_key: string;
	private_key_id?: string;
	token_uri: string;
}

/**
 * Reads a pasted service account JSON (string or object). Error messages name the missing or
 * wrong field, never its value.
 */
export function parseServiceAccount(input: unknown): ServiceAccountKey {
	let obj: unknown = input;
	if (typeof input === 'string') {
		const text = input.trim();
		if (!text) throw new Error('The service account JSON is empty');
		try {
			obj = JSON.parse(text);
		} catch {
			throw new Error('The service account key is not valid JSON: paste the whole file downloaded from Firebase');
		}
	}
	if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('The service account key must be a JSON object');
	const o = obj as Record<string, unknown>;
	if (o.type !== undefined && o.type !== 'service_account')
		throw new Error('The key is not a service account key (its "type" is not "service_account")');
	for (const f of ['project_id', 'client_email', 'private_key'] as const) {
		if (typeof o[f] !== 'string' || (o[f] as string).trim() === '') throw new Error(`The service account JSON has no "${f}"`);
	}
	const privateKey = (o.private_key as string).replace(/\\n/g, '\n');
	if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(privateKey))
		throw new Error('The service account "private_key" is not a PEM private key');
	const tokenUri = typeof o.token_uri === 'string' && o.token_uri.trim() ? o.token_uri.trim() : GOOGLE_TOKEN_URI;
	if (!/^https?:\/\//.test(tokenUri)) throw new Error('The service account "token_uri" is not a URL');
	return {
		project_id: (o.project_id as string).trim(),
		client_email: (o.client_email as string).trim(),
		private_key: privateKey,
		private_key_id: typeof o.private_key_id === 'string' ? o.private_key_id : undefined,
		token_uri: tokenUri,
	};
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** The signed JWT assertion of the jwt-bearer grant (RFC 7523), valid one hour. */
export function signServiceAccountJwt(key: ServiceAccountKey, nowMs: number, scope = FCM_SCOPE): string {
	const iat = Math.floor(nowMs / 1000);
	const header: Record<string, string> = { alg: 'RS256', typ: 'JWT' };
	if (key.private_key_id) header.kid = key.private_key_id;
	const claims = { iss: key.client_email, scope, aud: key.token_uri, iat, exp: iat + 3600 };
	const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
	let signature: Buffer;
	try {
		signature = createSign('RSA-SHA256').update(input).sign(key.private_key);
	} catch {
		throw new Error('The service account "private_key" could not be used to sign (is it the complete key?)');
	}
	return `${input}.${signature.toString('base64url')}`;
}

export class TokenError extends Error {
	constructor(
		message: string,
		/** True when retrying later may help (429/5xx/network); false for a refused key. */
		public readonly transient: boolean,
		public readonly afterMs?: number,
	) {
		super(message);
		this.name = 'TokenError';
	}
}

/** The token exchange request (exported for credential tests and dry runs). */
export function tokenRequest(key: ServiceAccountKey, nowMs: number): HttpRequest {
	const form = new URLSearchParams({ grant_type: JWT_BEARER, assertion: signServiceAccountJwt(key, nowMs) });
	return {
		method: 'POST',
		url: key.token_uri,
		headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
		body: form.toString(),
		timeoutMs: 30000,
	};
}

/** Exchanges the JWT for an access token. Throws TokenError (message without secrets). */
export async function fetchAccessToken(
	key: ServiceAccountKey,
	transport: HttpTransport,
	nowMs: number,
): Promise<{ accessToken: string; expiresAt: number }> {
	let res: HttpResponse;
	try {
		res = await transport(tokenRequest(key, nowMs));
	} catch (error) {
		const code = error instanceof TransportError ? error.code : 'ECONNRESET';
		throw new TokenError(`token endpoint unreachable (${code})`, true);
	}
	const body = (res.body ?? {}) as Record<string, unknown>;
	if (res.status === 429 || res.status >= 500)
		throw new TokenError(`token endpoint answered ${res.status}`, true, parseRetryAfter(res.headers['retry-after'], nowMs));
	if (res.status !== 200 || typeof body.access_token !== 'string' || !body.access_token) {
		const err = typeof body.error === 'string' ? body.error : `http_${res.status}`;
		const desc = typeof body.error_description === 'string' ? ` (${redact(body.error_description, [key.client_email], 120)})` : '';
		throw new TokenError(`Google refused the service account key: ${err}${desc}`, false);
	}
	const expiresIn = Number(body.expires_in);
	return {
		accessToken: body.access_token,
		expiresAt: nowMs + (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600) * 1000,
	};
}

/** Caches the access token until `marginMs` before expiry; concurrent callers share one exchange. */
export class AccessTokenSource {
	private token?: { accessToken: string; expiresAt: number };
	private pending?: Promise<string>;
	/** Number of token exchanges made (tests, summaries). */
	exchanges = 0;

	constructor(
		private readonly key: ServiceAccountKey,
		private readonly marginMs = 5 * 60 * 1000,
	) {}

	async get(transport: HttpTransport, now: () => number): Promise<string> {
		if (this.token && now() < this.token.expiresAt - this.marginMs) return this.token.accessToken;
		if (!this.pending) {
			this.exchanges++;
			this.pending = fetchAccessToken(this.key, transport, now())
				.then((t) => {
					this.token = t;
					return t.accessToken;
				})
				.finally(() => {
					this.pending = undefined;
				});
		}
		return this.pending;
	}

	/** Drops the cached token if it is still the given one (after a 401). */
	invalidate(accessToken: string): void {
		if (this.token?.accessToken === accessToken) this.token = undefined;
	}
}

export interface FcmOptions {
	/** The service account key (pasted JSON or parsed). */
	serviceAccount: ServiceAccountKey | string | Record<string, unknown>;
	/** FCM API base URL (credential field), default https://fcm.googleapis.com. */
	baseUrl?: string;
	/** Notification title and body, with `{{field}}` placeholders. */
	title: string;
	body: string;
	/** Image shown in the notification (URL, placeholders allowed). */
	imageUrl?: string;
	/** Link opened on click (web clients: webpush.fcm_options.link; apps get it as data.link). */
	link?: string;
	/** Data payload; values are rendered with placeholders and always sent as strings. */
	data?: Record<string, unknown>;
	/** Android delivery priority; 'high' wakes the device. */
	androidPriority?: 'normal' | 'high';
	/** Seconds FCM keeps the message while the device is offline (0–2,419,200). */
	ttlSeconds?: number;
	/** Analytics label (defaults to the campaign key, cleaned to FCM's allowed characters). */
	analyticsLabel?: string;
	limits?: Partial<ProviderLimits>;
	timeoutMs?: number;
	tokenMarginMs?: number;
	/**
	 * Evaluates placeholders that are not plain field paths (n8n expressions such as
	 * `{{ $now.toISODate() }}`) for the recipient's input item; the node passes n8n's evaluator.
	 */
	expression?: (expression: string, itemIndex: number) => unknown;
}

/** Notification tag / collapse id of a send key: 24 URL-safe characters (fits APNs 64 bytes and Web Push Topic 32). */
export function collapseIdOf(sendKey: string): string {
	return `ms${createHash('sha256').update(sendKey).digest('base64url').slice(0, 22)}`;
}

const RESERVED_DATA_KEY = /^(from|notification|message_type)$|^(google|gcm)/i;

function analyticsLabel(text: string): string | undefined {
	const cleaned = text.replace(/[^a-zA-Z0-9\-_.~%]/g, '_').slice(0, 50);
	return cleaned ? cleaned : undefined;
}

interface FcmErrorBody {
	error?: {
		code?: number;
		message?: string;
		status?: string;
		details?: Array<{ '@type'?: string; errorCode?: string; fieldViolations?: Array<{ field?: string; description?: string }> }>;
	};
}

function readFcmError(body: unknown): { errorCode?: string; status?: string; message?: string; tokenField: boolean } {
	const e = (body as FcmErrorBody | null)?.error;
	let errorCode: string | undefined;
	let tokenField = false;
	for (const d of e?.details ?? []) {
		if (typeof d?.errorCode === 'string' && !errorCode) errorCode = d.errorCode;
		for (const v of d?.fieldViolations ?? []) if (v?.field === 'message.token') tokenField = true;
	}
	const message = typeof e?.message === 'string' ? e.message : undefined;
	if (message && /registration token/i.test(message)) tokenField = true;
	return { errorCode, status: e?.status, message, tokenField };
}

export function createFcmProvider(options: FcmOptions): Provider & { tokens: AccessTokenSource } {
	const key = parseServiceAccount(options.serviceAccount);
	const baseUrl = (options.baseUrl || FCM_DEFAULT_BASE_URL).replace(/\/+$/, '');
	if (!options.title?.trim() && !options.body?.trim()) throw new Error('FCM needs a notification title or body');
	for (const k of Object.keys(options.data ?? {})) {
		if (RESERVED_DATA_KEY.test(k)) throw new Error(`FCM data key "${k}" is reserved by Firebase; rename it`);
	}
	const ttl = options.ttlSeconds;
	if (ttl !== undefined && (!Number.isFinite(ttl) || ttl < 0 || ttl > 2419200))
		throw new Error('FCM time to live must be between 0 and 2,419,200 seconds (28 days)');
	const tokens = new AccessTokenSource(key, options.tokenMarginMs);
	const limits: ProviderLimits = { ...FCM_LIMITS, ...(options.limits ?? {}), maxBatchSize: 1 };
	const url = `${baseUrl}/v1/projects/${encodeURIComponent(key.project_id)}/messages:send`;

	function message(recipient: Recipient, campaignKey: string, nowMs: number): Record<string, unknown> {
		const f = recipient.fields;
		const ro = { resolve: options.expression ? (e: string) => options.expression!(e, recipient.itemIndex) : undefined };
		const notification: Record<string, string> = {};
		const title = renderPlaceholders(options.title ?? '', f, ro);
		const text = renderPlaceholders(options.body ?? '', f, ro);
		if (title) notification.title = title;
		if (text) notification.body = text;
		const image = options.imageUrl ? renderPlaceholders(options.imageUrl, f, ro) : '';
		if (image) notification.image = image;
		const data = renderRecord(options.data, f, ro);
		const link = options.link ? renderPlaceholders(options.link, f, ro) : '';
		if (link && data.link === undefined) data.link = link;
		const msg: Record<string, unknown> = { token: recipient.address.trim(), notification };
		if (Object.keys(data).length) msg.data = data;
		// FCM has no idempotency key: a message re-sent after a lost response carries the same
		// notification tag / collapse id, so the device replaces the first one instead of showing two.
		const tag = collapseIdOf(recipient.sendKey);
		const android: Record<string, unknown> = { notification: { tag } };
		if (options.androidPriority) android.priority = options.androidPriority === 'high' ? 'HIGH' : 'NORMAL';
		if (ttl !== undefined) android.ttl = `${Math.round(ttl)}s`;
		msg.android = android;
		const apnsHeaders: Record<string, string> = { 'apns-collapse-id': tag };
		if (ttl !== undefined) apnsHeaders['apns-expiration'] = String(ttl === 0 ? 0 : Math.floor(nowMs / 1000) + Math.round(ttl));
		msg.apns = { headers: apnsHeaders };
		const webpush: Record<string, unknown> = { headers: { Topic: tag }, notification: { tag } };
		if (link) webpush.fcm_options = { link };
		msg.webpush = webpush;
		const label = analyticsLabel(options.analyticsLabel ?? campaignKey);
		if (label) msg.fcm_options = { analytics_label: label };
		return msg;
	}

	function request(recipient: Recipient, campaignKey: string, nowMs: number): HttpRequest {
		return {
			method: 'POST',
			url,
			headers: { 'content-type': 'application/json', accept: 'application/json' },
			body: { message: message(recipient, campaignKey, nowMs) },
			timeoutMs: options.timeoutMs ?? 30000,
		};
	}

	async function sendOne(recipient: Recipient, ctx: SendContext): Promise<BatchResult> {
		const req = request(recipient, ctx.campaignKey, ctx.now());
		const token = recipient.address.trim();
		for (let authTry = 0; authTry < 2; authTry++) {
			let accessToken: string;
			try {
				accessToken = await tokens.get(ctx.transport, ctx.now);
			} catch (error) {
				if (error instanceof TokenError && error.transient) return { kind: 'retry', reason: 'token_unavailable', afterMs: error.afterMs };
				const detail = error instanceof Error ? error.message : 'token exchange failed';
				return { kind: 'fatal', reason: 'auth_failed', detail, stopRun: true };
			}
			// Transport errors propagate: the engine tells unknown outcomes (timeout, reset) apart.
			const res = await ctx.transport({ ...req, headers: { ...req.headers, authorization: `Bearer ${accessToken}` } });
			if (res.status >= 200 && res.status < 300) {
				const name = (res.body as { name?: unknown } | null)?.name;
				return { kind: 'done', outcomes: [{ recipient, status: 'sent', messageId: typeof name === 'string' ? name : undefined }] };
			}
			const err = readFcmError(res.body);
			const detail = redact(err.message, [token, accessToken]);
			const afterMs = parseRetryAfter(res.headers['retry-after'], ctx.now());
			const fail = (reason: string, text?: string): BatchResult => ({
				kind: 'done',
				outcomes: [{ recipient, status: 'failed', reason, detail: text ?? detail }],
			});
			switch (err.errorCode) {
				case 'UNREGISTERED':
					return fail('unregistered_token', 'The device token is no longer registered: remove it from the customer record');
				case 'SENDER_ID_MISMATCH':
					return fail('sender_id_mismatch', 'The device token belongs to another Firebase project');
				case 'THIRD_PARTY_AUTH_ERROR':
					return fail('third_party_auth_error', 'APNs or web push credentials of the Firebase project were refused');
				case 'QUOTA_EXCEEDED':
					return { kind: 'retry', reason: 'quota_exceeded', afterMs };
				case 'UNAVAILABLE':
				case 'INTERNAL':
					return { kind: 'retry', reason: err.errorCode.toLowerCase(), afterMs };
				case 'INVALID_ARGUMENT':
					if (err.tokenField) return fail('unregistered_token', 'The device token is not a valid FCM registration token: remove it');
					return fail('invalid_argument');
				default:
					break;
			}
			if (res.status === 401) {
				tokens.invalidate(accessToken);
				if (authTry === 0) continue;
				return { kind: 'fatal', reason: 'unauthorized', detail: 'FCM refused the access token twice', stopRun: true };
			}
			if (res.status === 429) return { kind: 'retry', reason: 'quota_exceeded', afterMs };
			if (res.status >= 500) return { kind: 'retry', reason: `http_${res.status}`, afterMs };
			if (res.status === 403)
				return { kind: 'fatal', reason: 'permission_denied', detail: detail ?? 'The service account may not send with this project', stopRun: true };
			if (res.status === 404)
				return { kind: 'fatal', reason: 'project_not_found', detail: 'No Firebase project with this project_id', stopRun: true };
			if (res.status === 400 && err.tokenField) return fail('unregistered_token');
			return fail(`http_${res.status}`);
		}
		return { kind: 'fatal', reason: 'unauthorized', stopRun: true };
	}

	return {
		id: 'fcm',
		limits,
		tokens,
		addressKey: (address) => address.trim(),
		validate(recipient) {
			const t = (recipient.address ?? '').trim();
			if (!t) return 'missing_address';
			if (/\s/.test(t) || t.length > 4096) return 'invalid_token';
			return undefined;
		},
		plan(batch, ctx) {
			return batch.map((r) => request(r, ctx.campaignKey, ctx.now()));
		},
		send: (batch, ctx) => sendEach(batch, (r) => sendOne(r, ctx)),
	};
}
