/**
 * Faithful local mock of the Mailchimp Marketing API 3.0 parts Campaign Send uses, on 127.0.0.1:
 * - Basic auth `anystring:<api key>` (401 problem+json "API Key Invalid" otherwise); GET /3.0/ping;
 * - POST /3.0/lists/{list_id} (batch subscribe or unsubscribe): ≤ 500 members (400 otherwise),
 *   `update_existing`, `status` / `status_if_new` (an existing member's status changes only with
 *   `status` and update_existing), `merge_fields` (unknown merge tags ignored and counted),
 *   `tags` added to new and existing members (`sync_tags` replaces them); answer 200
 *   `{new_members, updated_members, errors[{email_address, error, error_code, field,
 *   field_message}], total_created, total_updated, error_count}`; an existing member is listed in
 *   updated_members even when nothing changed;
 * - POST /3.0/lists/{list_id}/members/{subscriber_hash}/tags `{tags:[{name,status}]}` → 204, 404
 *   problem+json for an unknown member; `status: inactive` on a tag the member lacks is a no-op;
 * - 404 problem+json for an unknown list; 429 "You have exceeded the limit of 10 simultaneous
 *   connections." when more than 10 requests are in flight; faults from JsonMock (timeouts,
 *   resets, 'reset-after-accept' = the answer lost after the change was applied).
 * `changes` counts real state changes, so a test proves that a rerun changed nothing.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { JsonMock, type MockOptions, type MockReply } from './sendgrid';

export interface MailchimpMember {
	email: string;
	status: string;
	mergeFields: Record<string, unknown>;
	tags: Set<string>;
}

export interface MailchimpListState {
	mergeTags: Set<string>;
	members: Map<string, MailchimpMember>;
}

const EMAIL = /^[^\s@,;<>()[\]"]+@[^\s@,;<>()[\]"]+\.[^\s@,;<>()[\]".]{2,}$/;
const STATUSES = new Set(['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional']);
export const md5 = (email: string) => createHash('md5').update(email.trim().toLowerCase()).digest('hex');

function problemReply(status: number, title: string, detail: string): MockReply {
	return {
		status,
		headers: { 'content-type': 'application/problem+json; charset=utf-8' },
		body: { type: 'https://mailchimp.com/developer/marketing/docs/errors/', title, status, detail, instance: `mock-${Math.random().toString(16).slice(2, 10)}` },
	};
}

export class MailchimpMock extends JsonMock {
	readonly lists = new Map<string, MailchimpListState>();
	readonly changes = { created: 0, mergeFieldsChanged: 0, tagsAdded: 0, tagsRemoved: 0, statusChanged: 0, unknownMergeTags: 0 };
	/** Addresses Mailchimp judges fake (it refuses e.g. test@test.com although well formed). */
	readonly fakeLooking = new Set<string>();
	inFlight = 0;
	maxInFlight = 0;

	constructor(
		readonly apiKey = 'mc-test-key-us21',
		lists: Record<string, string[]> = { a1b2c3d4e5: ['FNAME', 'RFM_SEG', 'RFM_CELL', 'RFM_SCORE'] },
		options: MockOptions = {},
	) {
		super(options);
		for (const [id, tags] of Object.entries(lists)) this.lists.set(id, { mergeTags: new Set(tags), members: new Map() });
	}

	async start(): Promise<string> {
		const url = await super.start();
		this.server!.on('request', (_req: IncomingMessage, res) => {
			this.inFlight++;
			this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
			res.once('close', () => this.inFlight--);
		});
		return url;
	}

	member(listId: string, email: string): MailchimpMember | undefined {
		return this.lists.get(listId)?.members.get(md5(email));
	}

	protected isSendEndpoint(method: string, path: string): boolean {
		return method === 'POST' && /^\/3\.0\/lists\/[^/]+(\/members\/[^/]+\/tags)?$/.test(path);
	}

	protected sizeOf(_path: string, body: unknown): number | undefined {
		const m = (body as { members?: unknown[] })?.members;
		return Array.isArray(m) ? m.length : 1;
	}

	protected rateLimited(): MockReply {
		return problemReply(429, 'Too Many Requests', 'You have exceeded the limit of 10 simultaneous connections.');
	}

	protected route(method: string, path: string, headers: IncomingMessage['headers'], body: unknown): MockReply | undefined {
		const expected = `Basic ${Buffer.from(`anystring:${this.apiKey}`).toString('base64')}`;
		const auth = String(headers.authorization ?? '');
		const keyOk = auth === expected || (auth.startsWith('Basic ') && Buffer.from(auth.slice(6), 'base64').toString().split(':').slice(1).join(':') === this.apiKey);
		if (!keyOk) return problemReply(401, 'API Key Invalid', 'Your API key may be invalid, or you\'ve attempted to access the wrong datacenter.');
		if (method === 'GET' && path === '/3.0/ping') return { status: 200, body: { health_status: "Everything's Chimpy!" } };
		if (this.inFlight > 10) return this.rateLimited();
		const m = /^\/3\.0\/lists\/([^/]+)(?:\/members\/([^/]+)\/tags)?$/.exec(path);
		if (!m || method !== 'POST') return undefined;
		const list = this.lists.get(decodeURIComponent(m[1]));
		if (!list) return problemReply(404, 'Resource Not Found', 'The requested resource could not be found.');
		return m[2] ? this.tags(list, m[2], body) : this.batch(list, body);
	}

	private tags(list: MailchimpListState, hash: string, body: unknown): MockReply {
		const mem = list.members.get(hash);
		if (!mem) return problemReply(404, 'Resource Not Found', 'The requested resource could not be found.');
		const tags = (body as { tags?: { name?: unknown; status?: unknown }[] })?.tags;
		if (!Array.isArray(tags) || tags.some((t) => typeof t.name !== 'string' || (t.status !== 'active' && t.status !== 'inactive')))
			return problemReply(400, 'Invalid Resource', 'The resource submitted could not be validated. For field-specific details, see the \'errors\' array.');
		return {
			status: 204,
			accept: () => {
				for (const t of tags) this.setTag(mem, String(t.name), t.status === 'active');
			},
		};
	}

	private setTag(mem: MailchimpMember, name: string, on: boolean): void {
		const has = [...mem.tags].find((t) => t.toLowerCase() === name.toLowerCase());
		if (on && !has) {
			mem.tags.add(name);
			this.changes.tagsAdded++;
		} else if (!on && has) {
			mem.tags.delete(has);
			this.changes.tagsRemoved++;
		}
	}

	private batch(list: MailchimpListState, body: unknown): MockReply {
		const b = (body ?? {}) as { members?: Record<string, unknown>[]; update_existing?: boolean; sync_tags?: boolean };
		if (!Array.isArray(b.members)) return problemReply(400, 'Invalid Resource', "Schema describes array, NULL found instead (members)");
		if (b.members.length > 500) return problemReply(400, 'Invalid Resource', 'The maximum number of members per batch is 500.');
		const reply: MockReply = { status: 200 };
		reply.accept = () => (reply.body = this.applyBatch(list, b.members!, b.update_existing === true, b.sync_tags === true));
		return reply;
	}

	private applyBatch(list: MailchimpListState, members: Record<string, unknown>[], updateExisting: boolean, syncTags: boolean): Record<string, unknown> {
		const created: unknown[] = [];
		const updated: unknown[] = [];
		const errors: unknown[] = [];
		const err = (email: unknown, error: string, code = 'ERROR_GENERIC', field = '') => errors.push({ email_address: email, error, error_code: code, field, field_message: '' });
		for (const raw of members) {
			const email = String(raw.email_address ?? '').trim();
			if (!EMAIL.test(email) || this.fakeLooking.has(email.toLowerCase())) err(raw.email_address, `${email} looks fake or invalid, please enter a real email address.`, 'ERROR_GENERIC', 'email_address');
			else if (raw.status === undefined && raw.status_if_new === undefined) err(email, 'Invalid Resource: status or status_if_new is required', 'ERROR_GENERIC', 'status');
			else if (![raw.status, raw.status_if_new].every((s) => s === undefined || STATUSES.has(String(s)))) err(email, 'Invalid Resource: unknown status', 'ERROR_GENERIC', 'status');
			else {
				const hash = md5(email);
				let mem = list.members.get(hash);
				if (mem && !updateExisting) {
					err(email, `${email} is already a list member, do you want to update? please provide update_existing:'true' in the request body`, 'ERROR_CONTACT_EXISTS');
					continue;
				}
				if (!mem) {
					mem = { email: email.toLowerCase(), status: String(raw.status ?? raw.status_if_new), mergeFields: {}, tags: new Set() };
					list.members.set(hash, mem);
					this.changes.created++;
					created.push({ id: hash, email_address: mem.email, status: mem.status });
				} else {
					if (raw.status !== undefined && raw.status !== mem.status) {
						mem.status = String(raw.status);
						this.changes.statusChanged++;
					}
					updated.push({ id: hash, email_address: mem.email, status: mem.status });
				}
				for (const [tag, value] of Object.entries((raw.merge_fields ?? {}) as Record<string, unknown>)) {
					if (!list.mergeTags.has(tag)) {
						this.changes.unknownMergeTags++;
						continue;
					}
					if (mem.mergeFields[tag] !== value) {
						mem.mergeFields[tag] = value;
						this.changes.mergeFieldsChanged++;
					}
				}
				const tags = Array.isArray(raw.tags) ? raw.tags.map(String) : [];
				if (syncTags) for (const t of [...mem.tags]) if (!tags.some((x) => x.toLowerCase() === t.toLowerCase())) this.setTag(mem, t, false);
				for (const t of tags) this.setTag(mem, t, true);
			}
		}
		return { new_members: created, updated_members: updated, errors, total_created: created.length, total_updated: updated.length, error_count: errors.length };
	}
}
