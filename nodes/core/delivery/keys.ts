/**
 * Deterministic keys of the delivery engine: send keys (idempotency per recipient), hashed
 * customer keys (what the ledgers store instead of the raw customer id), and batch idempotency
 * keys that providers put in their requests (Brevo `headers.idempotencyKey`, OneSignal
 * `idempotency_key`): the same set of send keys always gives the same key, so a batch that is
 * re-sent unchanged (retry after a timeout, recovery of an interrupted run) is deduplicated by
 * the provider.
 */
import { createHash } from 'node:crypto';

function sha256(text: string): string {
	return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Send key of one recipient: hash(campaign key, customer id, run key), 32 hex characters. With
 * `content` (write-back providers: Provider.contentKey, what the provider writes for this
 * customer) the key also names that content: a rerun under the same run key skips a customer
 * whose content is unchanged and writes one whose content changed (a customer who moved segment).
 * Messages have no content key: one send per campaign, customer and run key.
 */
export function sendKeyOf(campaignKey: string, customerId: string, runKey: string, content?: string): string {
	const base = `send\u0000${campaignKey}\u0000${customerId}\u0000${runKey}`;
	return sha256(content === undefined ? base : `${base}\u0000content\u0000${content}`).slice(0, 32);
}

/** JSON with sorted keys: two values that differ only in key order compare equal (content keys, Shopify metafields). */
export function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value && typeof value === 'object')
		return `{${Object.keys(value as object)
			.sort()
			.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
			.join(',')}}`;
	return JSON.stringify(value ?? null);
}

/** Hashed customer id stored in the ledgers (frequency caps), 24 hex characters: no raw id or email is stored. */
export function customerKeyOf(customerId: string): string {
	return sha256(`customer\u0000${customerId}`).slice(0, 24);
}

/** Hash of a batch's send keys (order does not matter), 32 hex characters. */
export function batchKeyOf(sendKeys: readonly string[]): string {
	return sha256(`batch\u0000${[...sendKeys].sort().join(',')}`).slice(0, 32);
}

/** The batch key formatted as a UUID (version nibble 5, RFC 4122 variant), for providers that require a UUID. */
export function batchIdempotencyKey(sendKeys: readonly string[]): string {
	const h = sha256(`idempotency\u0000${[...sendKeys].sort().join(',')}`);
	const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Default run key: the run's date, YYYY-MM-DD in UTC. */
export function defaultRunKey(now: number): string {
	return new Date(now).toISOString().slice(0, 10);
}
