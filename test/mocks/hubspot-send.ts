/**
 * Faithful local mock of the HubSpot write APIs Campaign Send uses, on 127.0.0.1:
 * - POST /crm/v3/objects/contacts/batch/upsert (≤100 inputs, idProperty "email"; unknown
 *   property → 400 PROPERTY_DOESNT_EXIST; rejected emails → 207 with errors[].context.ids);
 * - POST /crm/v3/objects/contacts/batch/read (idProperty "email"; missing → 207 OBJECT_NOT_FOUND);
 * - PUT /crm/v3/lists/{listId}/memberships/add|remove (record ids; unknown list → 404; unknown
 *   ids → recordIdsMissing; only MANUAL/SNAPSHOT lists);
 * - POST /marketing/v4/email/single-send (known emailId; at most one email per sendId);
 * - GET /crm/v3/objects/contacts (credential test).
 * Bearer token (401 otherwise). Rate limits: a rolling window → 429
 * `{status:'error', errorType:'RATE_LIMIT', policyName:'TEN_SECONDLY_ROLLING', ...}` with
 * X-HubSpot-RateLimit-Max/-Remaining/-Interval-Milliseconds and no Retry-After; a daily budget →
 * 429 with policyName 'DAILY'. Writes and sends are recorded for assertions.
 */
import type { IncomingMessage } from 'node:http';
import { JsonMock, type MockOptions, type MockReply } from './sendgrid';

export interface HubSpotMockOptions extends MockOptions {
	/** Contact properties that exist in the portal (email always does). */
	properties?: string[];
	/** Lists: id → processing type. */
	lists?: Record<string, 'MANUAL' | 'SNAPSHOT' | 'DYNAMIC'>;
	/** Marketing email ids that exist. */
	emailIds?: number[];
	/** Emails the upsert refuses (207 partial failure). */
	rejectEmails?: string[];
	/** Requests allowed per day before 429 DAILY. */
	dailyLimit?: number;
}

interface Contact {
	id: string;
	properties: Record<string, string>;
	writes: number;
}

const EMAIL = /^[^\s@,;<>()[\]"]+@[^\s@,;<>()[\]"]+\.[^\s@,;<>()[\]".]{2,}$/;

export class HubSpotSendMock extends JsonMock {
	readonly contacts = new Map<string, Contact>();
	readonly lists = new Map<string, { type: string; members: Set<string> }>();
	/** Single sends accepted: sendId → email. */
	readonly singleSends = new Map<string, { email: string; emailId: number; contactProperties: unknown; customProperties: unknown }>();
	/** Repeated sendIds that were ignored. */
	duplicateSendIds = 0;
	readonly batchSizes: number[] = [];
	private nextId = 1000;
	private requestsToday = 0;

	constructor(
		readonly token = 'pat-test',
		private readonly hs: HubSpotMockOptions = {},
	) {
		super(hs);
		for (const [id, type] of Object.entries(hs.lists ?? { '42': 'MANUAL' })) this.lists.set(id, { type, members: new Set() });
	}

	protected isSendEndpoint(method: string, path: string): boolean {
		return (
			(method === 'POST' && (path === '/crm/v3/objects/contacts/batch/upsert' || path === '/crm/v3/objects/contacts/batch/read' || path === '/marketing/v4/email/single-send')) ||
			(method === 'PUT' && /^\/crm\/v3\/lists\/[^/]+\/memberships\/(add|remove)$/.test(path))
		);
	}

	protected sizeOf(_path: string, body: unknown): number | undefined {
		if (Array.isArray(body)) return body.length;
		const inputs = (body as { inputs?: unknown[] })?.inputs;
		return Array.isArray(inputs) ? inputs.length : undefined;
	}

	private limitHeaders(remaining: number): Record<string, string> {
		return {
			'X-HubSpot-RateLimit-Max': String(this.options.rateLimit?.limit ?? 100),
			'X-HubSpot-RateLimit-Remaining': String(Math.max(0, remaining)),
			'X-HubSpot-RateLimit-Interval-Milliseconds': String(this.options.rateLimit?.intervalMs ?? 10000),
		};
	}

	protected rateLimited(): MockReply {
		return {
			status: 429,
			headers: { 'content-type': 'application/json', ...this.limitHeaders(0) },
			body: {
				status: 'error',
				message: 'You have reached your ten_secondly_rolling limit.',
				errorType: 'RATE_LIMIT',
				correlationId: '00000000-0000-4000-8000-000000000000',
				policyName: 'TEN_SECONDLY_ROLLING',
				groupName: 'publicapi:private-app:test',
			},
		};
	}

	/** Writes per contact email (upsert calls that touched it). */
	writesByEmail(): Map<string, number> {
		const m = new Map<string, number>();
		for (const [email, c] of this.contacts) m.set(email, c.writes);
		return m;
	}

	addContact(email: string, properties: Record<string, string> = {}): string {
		const id = String(this.nextId++);
		this.contacts.set(email.toLowerCase(), { id, properties: { email: email.toLowerCase(), ...properties }, writes: 0 });
		return id;
	}

	protected route(method: string, path: string, headers: IncomingMessage['headers'], body: unknown, query: URLSearchParams): MockReply | undefined {
		if (headers.authorization !== `Bearer ${this.token}`)
			return {
				status: 401,
				body: { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION', correlationId: '00000000-0000-4000-8000-000000000001' },
			};
		if (method === 'GET' && path === '/crm/v3/objects/contacts') {
			const limit = Math.min(100, Number(query.get('limit') ?? 10));
			return { status: 200, body: { results: [...this.contacts.values()].slice(0, limit).map((c) => ({ id: c.id, properties: c.properties })) } };
		}
		if (!this.isSendEndpoint(method, path)) return undefined;
		if (this.hs.dailyLimit !== undefined && ++this.requestsToday > this.hs.dailyLimit)
			return {
				status: 429,
				headers: { 'X-HubSpot-RateLimit-Daily': String(this.hs.dailyLimit), 'X-HubSpot-RateLimit-Daily-Remaining': '0' },
				body: { status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', policyName: 'DAILY', correlationId: '00000000-0000-4000-8000-000000000002' },
			};
		const ok = (status: number, b: unknown, accept?: () => void): MockReply => ({ status, headers: this.limitHeaders(1), body: b, accept });
		const now = new Date().toISOString();

		if (path === '/crm/v3/objects/contacts/batch/upsert') {
			const inputs = (body as { inputs?: { idProperty?: string; id?: string; properties?: Record<string, string> }[] })?.inputs;
			if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > 100)
				return ok(400, { status: 'error', message: 'Batch input must contain between 1 and 100 inputs', category: 'VALIDATION_ERROR' });
			this.batchSizes.push(inputs.length);
			const known = new Set(['email', ...(this.hs.properties ?? ['rfm_segment', 'rfm_score', 'cluster', 'clv'])]);
			for (const inp of inputs)
				for (const p of Object.keys(inp.properties ?? {}))
					if (!known.has(p))
						return ok(400, {
							status: 'error',
							message: `Property values were not valid: [{"isValid":false,"message":"Property \\"${p}\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"${p}"}]`,
							category: 'VALIDATION_ERROR',
							errors: [{ message: `Property "${p}" does not exist`, code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: [p] } }],
						});
			const reject = new Set((this.hs.rejectEmails ?? []).map((e) => e.toLowerCase()));
			const results: unknown[] = [];
			const errors: unknown[] = [];
			const writes: (() => void)[] = [];
			for (const inp of inputs) {
				const email = String(inp.id ?? '').toLowerCase();
				if (inp.idProperty !== 'email' || !EMAIL.test(email) || reject.has(email)) {
					errors.push({
						status: 'error',
						category: 'VALIDATION_ERROR',
						message: `Property values were not valid: [{"isValid":false,"message":"Email address ${email} is invalid","error":"INVALID_EMAIL","name":"email"}]`,
						context: { ids: [inp.id] },
					});
					continue;
				}
				let c = this.contacts.get(email);
				const isNew = !c;
				if (!c) c = { id: String(this.nextId++), properties: { email }, writes: 0 };
				const contact = c;
				writes.push(() => {
					this.contacts.set(email, contact);
					Object.assign(contact.properties, inp.properties ?? {});
					contact.writes++;
				});
				results.push({ id: contact.id, properties: { ...contact.properties, ...(inp.properties ?? {}), hs_object_id: contact.id }, createdAt: now, updatedAt: now, archived: false, new: isNew });
			}
			const accept = () => writes.forEach((w) => w());
			const base = { status: 'COMPLETE', results, startedAt: now, completedAt: now };
			if (errors.length > 0) return ok(207, { ...base, numErrors: errors.length, errors }, accept);
			return ok(200, base, accept);
		}

		if (path === '/crm/v3/objects/contacts/batch/read') {
			const b = body as { idProperty?: string; inputs?: { id?: string }[] };
			if (!Array.isArray(b?.inputs) || b.inputs.length > 100) return ok(400, { status: 'error', message: 'Batch input must contain between 1 and 100 inputs', category: 'VALIDATION_ERROR' });
			this.batchSizes.push(b.inputs.length);
			const results: unknown[] = [];
			const missing: string[] = [];
			for (const inp of b.inputs) {
				const c = b.idProperty === 'email' ? this.contacts.get(String(inp.id ?? '').toLowerCase()) : undefined;
				if (c) results.push({ id: c.id, properties: { email: c.properties.email, hs_object_id: c.id }, createdAt: now, updatedAt: now, archived: false });
				else missing.push(String(inp.id));
			}
			const base = { status: 'COMPLETE', results, startedAt: now, completedAt: now };
			if (missing.length > 0)
				return ok(207, {
					...base,
					numErrors: 1,
					errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects, they may be deleted or not exist.', context: { ids: missing } }],
				});
			return ok(200, base);
		}

		const m = /^\/crm\/v3\/lists\/([^/]+)\/memberships\/(add|remove)$/.exec(path);
		if (m) {
			const list = this.lists.get(decodeURIComponent(m[1]));
			if (!list) return ok(404, { status: 'error', message: `List ${m[1]} does not exist.`, category: 'OBJECT_NOT_FOUND' });
			if (list.type === 'DYNAMIC')
				return ok(400, { status: 'error', message: 'Memberships can only be managed for MANUAL or SNAPSHOT lists.', category: 'VALIDATION_ERROR' });
			if (!Array.isArray(body) || body.length > 100000) return ok(400, { status: 'error', message: 'Body must be an array of record ids', category: 'VALIDATION_ERROR' });
			this.batchSizes.push(body.length);
			const ids = new Set([...this.contacts.values()].map((c) => c.id));
			const present = body.map(String).filter((id) => ids.has(id));
			const missing = body.map(String).filter((id) => !ids.has(id));
			if (m[2] === 'add') {
				const added = present.filter((id) => !list.members.has(id));
				return ok(200, { recordIdsAdded: added, recordIdsMissing: missing }, () => present.forEach((id) => list.members.add(id)));
			}
			const removed = present.filter((id) => list.members.has(id));
			return ok(200, { recordIdsRemoved: removed, recordIdsMissing: missing }, () => present.forEach((id) => list.members.delete(id)));
		}

		if (path === '/marketing/v4/email/single-send') {
			const b = body as { emailId?: number; message?: { to?: string; sendId?: string }; contactProperties?: unknown; customProperties?: unknown };
			if (!b?.emailId || !(this.hs.emailIds ?? [777]).includes(b.emailId))
				return ok(400, { status: 'error', message: 'Email not found or not published for single send', category: 'VALIDATION_ERROR' });
			const to = String(b.message?.to ?? '').toLowerCase();
			if (!EMAIL.test(to)) return ok(400, { status: 'error', message: 'Invalid to address', category: 'VALIDATION_ERROR' });
			const sendId = b.message?.sendId ?? `auto-${this.nextId++}`;
			const statusId = `status-${sendId}`;
			if (this.singleSends.has(sendId)) {
				return ok(200, { status: 'COMPLETE', statusId, sendResult: 'IDEMPOTENT_IGNORE', requestedAt: now }, () => void this.duplicateSendIds++);
			}
			return ok(200, { status: 'PENDING', statusId, requestedAt: now }, () =>
				this.singleSends.set(sendId, { email: to, emailId: b.emailId!, contactProperties: b.contactProperties, customProperties: b.customProperties }),
			);
		}
		return undefined;
	}
}
