/**
 * Contract between the Campaign Send node and its provider modules (one file per provider in this
 * folder). A module is the n8n-facing half of a provider: its parameters, its credential, and a
 * factory that reads them and returns the core Provider (nodes/core/delivery/types.ts), which only
 * shapes requests and reads responses. Batching, rate limits, retries, the idempotency ledger,
 * frequency caps, consent and dry runs are the engine's (nodes/core/delivery/engine.ts); a module
 * never sends outside Provider.send and never logs addresses or secrets.
 *
 * Providers with request idempotency keys derive them from the batch's send keys with
 * `batchIdempotencyKey(batch.map((r) => r.sendKey))` (nodes/core/delivery/keys.ts, a UUID) and set
 * `Provider.idempotencyWindowMs` (how long the provider remembers the key), so the engine can
 * safely re-send a batch whose outcome is unknown; without it a request whose answer was lost is
 * never sent again (its recipients are `unconfirmed`).
 *
 * How to add a provider, step by step: docs/PROVIDERS.md.
 */
import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { Provider } from '../../core/delivery/types';

/** A Provider that may hold a connection (SMTP pool...) the node closes once the run ends. */
export type ModuleProvider = Provider & { close?: () => Promise<void> };

export interface ProviderModule {
	/** Value of the node's `provider` option and `delivery.provider` in the output (lower camel case: 'sendgrid', 'onesignal'...). Must equal the Provider's id. */
	id: string;
	/** Option name shown in the Provider dropdown ('SendGrid', 'OneSignal Push'...). */
	displayName: string;
	/** One sentence for the option, written for a marketer. */
	description: string;
	/** Credential type name (e.g. 'microSendGridApi'); the node declares it with displayOptions provider=[id]. */
	credentialType: string;
	/**
	 * Consent channel the node checks when "Consent Field" is left empty: 'email' reads
	 * `consent.email` (normalized customer), 'push' reads `consent.push`; 'crm' (HubSpot property
	 * and list updates) has no consent check by default because nothing is sent to the customer.
	 */
	channel: 'email' | 'push' | 'crm';
	/** Field (dotted path) holding the address when "Address Field" is left empty: 'email', 'oneSignalExternalId', 'fcmToken', 'webPushSubscription'... */
	addressField: string;
	/** Further fields tried, in order, when addressField is absent on the items. */
	addressFallbacks?: string[];
	/**
	 * How the node builds the HttpTransport it hands the engine (SendContext.transport):
	 * 'credential' → n8n's httpRequestWithAuthentication(credentialType): the credential's
	 *   `authenticate` block adds the auth header, the Provider never sees the secret;
	 * 'plain' → n8n's httpRequest: the Provider adds its own auth (e.g. an OAuth token it obtained);
	 * 'none' → no HTTP (SMTP): the transport throws if called.
	 */
	transport: 'credential' | 'plain' | 'none';
	/**
	 * Provider-specific parameters. Names are prefixed with the module id (`onesignalAppId`,
	 * `smtpSubject`...) so they never clash, and each carries
	 * `displayOptions: { show: { provider: [id] } }` (the node adds nothing to them).
	 * Values are read once per run at item 0: per-recipient personalisation comes from the
	 * recipient's item fields (Recipient.fields), not from per-item expressions.
	 */
	properties: INodeProperties[];
	/**
	 * Builds the Provider for this run: read parameters with ctx.getNodeParameter(name, itemIndex)
	 * and the credential with ctx.getCredentials(credentialType) (base URL, keys). Throw
	 * NodeOperationError (with itemIndex) for bad configuration; never put secrets in messages.
	 */
	create(ctx: IExecuteFunctions, itemIndex: number): Promise<ModuleProvider>;
}
