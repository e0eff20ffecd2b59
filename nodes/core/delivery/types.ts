/**
 * Contract between the delivery engine (engine.ts) and the providers (providers/*.ts).
 * Providers only shape requests and read responses; batching, rate limiting, concurrency,
 * retries with backoff, the idempotency ledger, frequency caps, consent and dry runs belong to
 * the engine. No n8n import here.
 */
import type { HttpRequest, HttpTransport } from '../net/http';

export interface Recipient {
	/** Position of the item in the node's input (for pairedItem and per-item errors). */
	itemIndex: number;
	/** Stable customer id (frequency cap and ledger are keyed by it). */
	customerId: string;
	/** Where the message goes: email address, OneSignal external id, FCM token, JSON web-push subscription, HubSpot contact email... */
	address: string;
	/** Idempotency send key: campaign key + customer id + run key (+ the provider's content key; engine computes it). */
	sendKey: string;
	/** The item's json: template data / properties are read from it. */
	fields: Record<string, unknown>;
}

/** 'unknown': the request may have been accepted but its answer was lost (the engine holds it unconfirmed). */
export type OutcomeStatus = 'sent' | 'failed' | 'unknown';

export interface RecipientOutcome {
	recipient: Recipient;
	status: OutcomeStatus;
	/** Machine-readable reason for failures: 'invalid_address', 'unregistered_token', 'dead_subscription', 'rejected', 'payload_too_large', 'http_400'... */
	reason?: string;
	/** Human-readable detail without secrets and without the address. */
	detail?: string;
	messageId?: string;
	/** When true the engine retries this recipient (partial failure that is transient). */
	retryable?: boolean;
}

/** What a provider says after one attempt at one batch. */
export type BatchResult =
	| { kind: 'done'; outcomes: RecipientOutcome[] }
	| {
			/** The whole batch failed transiently (429, 5xx, throttled): the engine waits and retries it. */
			kind: 'retry';
			reason: string;
			/** Delay the provider asks for (Retry-After, X-RateLimit-Reset, policy), if any. */
			afterMs?: number;
	  }
	| {
			/** The whole batch failed permanently (400 on the request, 401/403): never retried. */
			kind: 'fatal';
			reason: string;
			detail?: string;
			/** Credential or configuration problem: the engine stops the run instead of failing each batch. */
			stopRun?: boolean;
	  };

export interface ProviderLimits {
	/** Recipients per request (SendGrid 1000 personalizations, OneSignal 20 000 aliases, FCM 1). */
	maxBatchSize: number;
	/** Default rate limit per credential, from the provider's published limits (user-configurable). */
	requestsPerInterval: number;
	intervalMs: number;
	/** Default number of requests in flight. */
	concurrency: number;
}

export interface SendContext {
	transport: HttpTransport;
	/** Campaign key and run key, e.g. for provider idempotency keys derived from them. */
	campaignKey: string;
	runKey: string;
	/** Attempt number of this batch, starting at 1. */
	attempt: number;
	now: () => number;
}

export interface Provider {
	id: string;
	limits: ProviderLimits;
	/**
	 * Set when a request repeated unchanged is not delivered twice: the provider deduplicates by an
	 * idempotency key derived from the batch's send keys (keys.ts batchIdempotencyKey: Brevo 30 min,
	 * OneSignal 30 days) or the operation is idempotent by nature (HubSpot property upserts, list
	 * membership: Infinity). Within this many ms the engine may re-send a batch whose outcome is
	 * unknown (a run killed mid-request) without risking a duplicate. Unset: at-most-once recovery.
	 */
	idempotencyWindowMs?: number;
	/** Addresses that must not appear twice in one batch are deduplicated by the engine with this key (e.g. lower-cased email). */
	addressKey?: (address: string) => string;
	/**
	 * Write-back providers (profile properties, list membership, tags, metafields): a stable string
	 * of what the provider writes for this customer (keys.ts canonicalJson of the segment, the
	 * names added and removed, the written fields). The engine mixes it into the send key, so a
	 * rerun under the same run key writes a customer whose content changed and skips one whose
	 * content did not. Unset (messages): one send per campaign, customer and run key.
	 */
	contentKey?: (fields: Record<string, unknown>) => string;
	/** Validates a recipient before sending; returns a failure reason or undefined. */
	validate?: (recipient: Recipient) => string | undefined;
	/** For dry runs: the exact request(s) the batch would produce, without sending. */
	plan(batch: Recipient[], ctx: Omit<SendContext, 'transport' | 'attempt'>): Promise<HttpRequest[]> | HttpRequest[];
	/** Sends one batch (HTTP providers through ctx.transport; SMTP through its own client). */
	send(batch: Recipient[], ctx: SendContext): Promise<BatchResult>;
}
