/**
 * OneSignal push by External ID: `POST {base}/notifications?c=push` with
 * `include_aliases: { external_id: [...] }` and `target_channel: 'push'` (up to 20,000 ids per call).
 *
 * One call = one message for every recipient of the batch, so the headings/contents are the same
 * for the whole batch: item fields are not substituted here. Per-user personalisation is done by
 * OneSignal itself from the user's tags (`{{ first_name | default: "there" }}` in the text), which
 * this provider passes through untouched.
 *
 * Every call carries an `idempotency_key`: a UUID derived from the sorted send keys of the batch
 * (keys.ts batchIdempotencyKey; send keys already include the campaign and run keys), so a retried or rerun batch is recognised by OneSignal (kept 30
 * days) and never delivered twice, even when the first response was lost.
 */
import type { HttpRequest } from '../../net/http';
import { batchIdempotencyKey } from '../keys';
import type { BatchResult, Provider, ProviderLimits, Recipient, RecipientOutcome, SendContext } from '../types';
import { redact } from '../../net/redact';
import { parseRetryAfter } from '../../net/retry';

export const ONESIGNAL_DEFAULT_BASE_URL = 'https://api.onesignal.com';
/** include_aliases.external_id limit per request (OneSignal docs). */
export const ONESIGNAL_MAX_ALIASES = 20000;

export const ONESIGNAL_LIMITS: ProviderLimits = {
	maxBatchSize: ONESIGNAL_MAX_ALIASES,
	// Create message: 150 requests/s/app on free plans (6,000 on paid plans).
	requestsPerInterval: 150,
	intervalMs: 1000,
	concurrency: 4,
};

export interface OneSignalOptions {
	/** API base URL (credential field), default https://api.onesignal.com. */
	baseUrl?: string;
	appId: string;
	/**
	 * REST API key. Only for callers that send through a plain transport (tests, scripts): in n8n
	 * the credential's authenticate block adds the header and this stays undefined.
	 */
	apiKey?: string;
	/** Title per language code, e.g. { en: 'We miss you', de: 'Wir vermissen dich' }. */
	headings?: Record<string, string>;
	/** Message per language code; `en` is required by OneSignal. */
	contents: Record<string, string>;
	/** Subtitle per language (iOS). */
	subtitle?: Record<string, string>;
	/** Custom data delivered to the app with the notification. */
	data?: Record<string, unknown>;
	/** Launch URL opened when the notification is tapped. */
	url?: string;
	/** Internal name shown in the OneSignal dashboard; defaults to the campaign key. */
	name?: string;
	/** Extra top-level fields of the Create Message request (ios_badge_type, android_channel_id...). */
	extra?: Record<string, unknown>;
	limits?: Partial<ProviderLimits>;
	timeoutMs?: number;
}

/** OneSignal remembers an idempotency_key for 30 days. */
export const ONESIGNAL_IDEMPOTENCY_WINDOW_MS = 30 * 24 * 3600 * 1000;

const LANG = /^[a-z]{2}(-[A-Za-z]{2,4})?$/;

function cleanLangMap(map: Record<string, string> | undefined, what: string): Record<string, string> | undefined {
	if (!map) return undefined;
	const out: Record<string, string> = {};
	for (const [lang, text] of Object.entries(map)) {
		const key = lang.trim();
		if (!LANG.test(key)) throw new Error(`OneSignal ${what}: "${key}" is not a language code (use e.g. en, de, pt-BR)`);
		if (typeof text !== 'string') throw new Error(`OneSignal ${what} for "${key}" must be text`);
		if (text.trim() === '') continue;
		out[key] = text;
	}
	return Object.keys(out).length ? out : undefined;
}

/** Reads OneSignal's `errors` field: an array of messages, or an object with invalid aliases. */
function readErrors(body: unknown): { messages: string[]; invalid: Set<string> } {
	const messages: string[] = [];
	const invalid = new Set<string>();
	const errors = (body as { errors?: unknown } | null)?.errors;
	if (Array.isArray(errors)) for (const e of errors) messages.push(String(e));
	else if (typeof errors === 'string') messages.push(errors);
	else if (errors && typeof errors === 'object') {
		const e = errors as Record<string, unknown>;
		const aliases = (e.invalid_aliases as Record<string, unknown> | undefined)?.external_id;
		for (const list of [aliases, e.invalid_external_user_ids]) {
			if (Array.isArray(list)) for (const id of list) invalid.add(String(id));
		}
		for (const [k, v] of Object.entries(e)) {
			if (k === 'invalid_aliases' || k === 'invalid_external_user_ids' || k === 'invalid_player_ids') continue;
			messages.push(typeof v === 'string' ? v : k);
		}
	}
	return { messages, invalid };
}

function reasonFor(message: string): string {
	if (/not subscribed/i.test(message)) return 'not_subscribed';
	return 'rejected';
}

export function createOneSignalProvider(options: OneSignalOptions): Provider {
	const baseUrl = (options.baseUrl || ONESIGNAL_DEFAULT_BASE_URL).replace(/\/+$/, '');
	const appId = (options.appId ?? '').trim();
	if (!appId) throw new Error('OneSignal App ID is missing');
	const contents = cleanLangMap(options.contents, 'message');
	if (!contents?.en) throw new Error('OneSignal needs the message in English (language code "en")');
	const headings = cleanLangMap(options.headings, 'title');
	if (headings && !headings.en) throw new Error('OneSignal needs the title in English (language code "en") when titles are set');
	const subtitle = cleanLangMap(options.subtitle, 'subtitle');
	const limits: ProviderLimits = { ...ONESIGNAL_LIMITS, ...(options.limits ?? {}) };
	limits.maxBatchSize = Math.max(1, Math.min(ONESIGNAL_MAX_ALIASES, Math.floor(limits.maxBatchSize)));

	function request(batch: Recipient[], campaignKey: string): HttpRequest {
		const body: Record<string, unknown> = {
			...(options.extra ?? {}),
			app_id: appId,
			target_channel: 'push',
			include_aliases: { external_id: batch.map((r) => r.address) },
			contents,
			idempotency_key: batchIdempotencyKey(batch.map((r) => r.sendKey)),
			name: (options.name || campaignKey).slice(0, 128),
		};
		if (headings) body.headings = headings;
		if (subtitle) body.subtitle = subtitle;
		if (options.data && Object.keys(options.data).length) body.data = options.data;
		if (options.url) body.url = options.url;
		return {
			method: 'POST',
			url: `${baseUrl}/notifications`,
			query: { c: 'push' },
			headers: { 'content-type': 'application/json', accept: 'application/json' },
			body,
			timeoutMs: options.timeoutMs ?? 30000,
		};
	}

	return {
		id: 'onesignal',
		limits,
		idempotencyWindowMs: ONESIGNAL_IDEMPOTENCY_WINDOW_MS,
		addressKey: (address) => address.trim(),
		validate(recipient) {
			const id = (recipient.address ?? '').trim();
			if (!id) return 'missing_address';
			if (id.length > 512) return 'invalid_address';
			return undefined;
		},
		plan(batch, ctx) {
			return [request(batch, ctx.campaignKey)];
		},
		async send(batch: Recipient[], ctx: SendContext): Promise<BatchResult> {
			const req = request(batch, ctx.campaignKey);
			if (options.apiKey) req.headers = { ...req.headers, authorization: `Key ${options.apiKey}` };
			const ids = batch.map((r) => r.address);
			// Transport errors (timeout, reset) propagate: the engine classifies them as unknown
			// outcomes and re-sends; the idempotency key makes OneSignal drop a duplicate.
			const { status, body, headers } = await ctx.transport(req);
			if (status === 429) return { kind: 'retry', reason: 'rate_limited', afterMs: parseRetryAfter(headers['retry-after'], ctx.now()) };
			if (status >= 500) return { kind: 'retry', reason: `http_${status}`, afterMs: parseRetryAfter(headers['retry-after'], ctx.now()) };
			const { messages, invalid } = readErrors(body);
			const detail = redact(messages.join('; '), ids);
			if (status === 401 || status === 403)
				return { kind: 'fatal', reason: 'unauthorized', detail: 'OneSignal refused the REST API key or App ID', stopRun: true };
			if (status < 200 || status >= 300) return { kind: 'fatal', reason: `http_${status}`, detail };
			const id = (body as { id?: unknown } | null)?.id;
			const notificationId = typeof id === 'string' && id !== '' ? id : undefined;
			const outcomes: RecipientOutcome[] = batch.map((recipient) => {
				if (invalid.has(recipient.address))
					return {
						recipient,
						status: 'failed',
						reason: 'invalid_alias',
						detail: 'OneSignal has no user with this External ID',
					};
				if (!notificationId)
					return {
						recipient,
						status: 'failed',
						reason: messages.length ? reasonFor(messages[0]) : 'rejected',
						detail: detail || 'OneSignal created no notification',
					};
				return { recipient, status: 'sent', messageId: notificationId };
			});
			return { kind: 'done', outcomes };
		},
	};
}
