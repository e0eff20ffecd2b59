/**
 * Faithful local mock of Brevo's transactional email API (POST /v3/smtp/email) on 127.0.0.1.
 * `api-key` header (401 `{code:'unauthorized'}` otherwise); templateId and 1..1000
 * messageVersions required (400 `{code:'invalid_parameter', message}`); invalid recipient → 400
 * for the whole request; 201 `{messageIds:[...]}` one per version; `headers.idempotencyKey` (a
 * UUID) remembered for 30 minutes: a repeat returns the first answer and sends nothing; 429
 * `{code:'too_many_requests'}` with x-sib-ratelimit-limit/remaining/reset (seconds). GET
 * /v3/account answers the credential test. Accepted messages are recorded.
 */
import type { IncomingMessage } from 'node:http';
import { JsonMock, type MockOptions, type MockReply } from './sendgrid';

export interface BrevoMessage {
	email: string;
	params: Record<string, unknown>;
	templateId: number;
	messageId: string;
	idempotencyKey?: string;
}

const EMAIL = /^[^\s@,;<>()[\]"]+@[^\s@,;<>()[\]"]+\.[^\s@,;<>()[\]".]{2,}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class BrevoMock extends JsonMock {
	readonly messages: BrevoMessage[] = [];
	/** Requests answered from the idempotency store instead of being sent again. */
	duplicatesIgnored = 0;
	private idCounter = 0;
	private idempotency = new Map<string, { at: number; body: unknown }>();

	constructor(
		readonly apiKey = 'xkeysib-test',
		options: MockOptions = {},
	) {
		super(options);
	}

	protected isSendEndpoint(method: string, path: string): boolean {
		return method === 'POST' && path === '/v3/smtp/email';
	}

	protected sizeOf(_path: string, body: unknown): number | undefined {
		const v = (body as { messageVersions?: unknown[] })?.messageVersions;
		return Array.isArray(v) ? v.length : undefined;
	}

	protected rateLimited(resetAtMs: number): MockReply {
		return {
			status: 429,
			headers: {
				'content-type': 'application/json',
				'x-sib-ratelimit-limit': String(this.options.rateLimit?.limit ?? 100),
				'x-sib-ratelimit-remaining': '0',
				'x-sib-ratelimit-reset': String(Math.max(1, Math.ceil((resetAtMs - Date.now()) / 1000))),
			},
			body: { code: 'too_many_requests', message: 'The expected rate limit is exceeded.' },
		};
	}

	countsByEmail(): Map<string, number> {
		const m = new Map<string, number>();
		for (const msg of this.messages) m.set(msg.email, (m.get(msg.email) ?? 0) + 1);
		return m;
	}

	protected route(method: string, path: string, headers: IncomingMessage['headers'], body: unknown): MockReply | undefined {
		const authed = headers['api-key'] === this.apiKey;
		if (method === 'GET' && path === '/v3/account') {
			if (!authed) return { status: 401, body: { code: 'unauthorized', message: 'Key not found' } };
			return { status: 200, body: { email: 'owner@example.com', companyName: 'Test shop', plan: [{ type: 'free' }] } };
		}
		if (!this.isSendEndpoint(method, path)) return undefined;
		if (!authed) return { status: 401, body: { code: 'unauthorized', message: 'Key not found' } };
		const b = (body ?? {}) as {
			templateId?: unknown;
			messageVersions?: { to?: { email?: unknown }[]; params?: Record<string, unknown> }[];
			headers?: { idempotencyKey?: unknown };
		};
		const bad = (message: string): MockReply => ({ status: 400, body: { code: 'invalid_parameter', message } });
		if (typeof b.templateId !== 'number' || !Number.isInteger(b.templateId) || b.templateId <= 0) return bad('templateId is not valid');
		const versions = b.messageVersions;
		if (!Array.isArray(versions) || versions.length === 0) return bad('messageVersions is required');
		if (versions.length > 1000) return bad('messageVersions: a maximum of 1000 versions is allowed');
		for (const v of versions) {
			if (!Array.isArray(v.to) || v.to.length === 0) return bad('to is missing in messageVersions');
			for (const t of v.to) if (typeof t.email !== 'string' || !EMAIL.test(t.email)) return bad('email is not valid in to');
		}
		const key = b.headers?.idempotencyKey;
		if (key !== undefined && (typeof key !== 'string' || !UUID.test(key))) return bad('idempotencyKey must be a UUID');
		const now = Date.now();
		if (typeof key === 'string') {
			const prev = this.idempotency.get(key);
			if (prev && now - prev.at < 30 * 60000) {
				return { status: 201, body: prev.body, accept: () => void this.duplicatesIgnored++ };
			}
		}
		const ids = versions.map(() => `<2025${(++this.idCounter).toString().padStart(8, '0')}@smtp-relay.mailin.fr>`);
		const replyBody = { messageIds: ids };
		return {
			status: 201,
			body: replyBody,
			accept: () => {
				if (typeof key === 'string') this.idempotency.set(key, { at: now, body: replyBody });
				versions.forEach((v, i) => {
					for (const t of v.to!)
						this.messages.push({
							email: String(t.email).toLowerCase(),
							params: v.params ?? {},
							templateId: b.templateId as number,
							messageId: ids[i],
							idempotencyKey: key as string | undefined,
						});
				});
			},
		};
	}
}
