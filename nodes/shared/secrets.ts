/**
 * The secret values of a credential, for the redactor (nodes/core/net/redact.ts): every field the
 * credential type marks as a password, the keys that travel with them (WooCommerce consumer key),
 * the `key:secret` pair of Basic auth (added by the redactor), and the private key of a pasted
 * service account. Read from the credential classes themselves, so a new password field is
 * covered without touching this file.
 */
import type { ICredentialType, IDataObject } from 'n8n-workflow';
import { MicroBrevoApi } from '../../credentials/MicroBrevoApi.credentials';
import { MicroFcmServiceAccountApi } from '../../credentials/MicroFcmServiceAccountApi.credentials';
import { MicroHubSpotApi } from '../../credentials/MicroHubSpotApi.credentials';
import { MicroKlaviyoApi } from '../../credentials/MicroKlaviyoApi.credentials';
import { MicroMailchimpApi } from '../../credentials/MicroMailchimpApi.credentials';
import { MicroOneSignalApi } from '../../credentials/MicroOneSignalApi.credentials';
import { MicroPostgresLedger } from '../../credentials/MicroPostgresLedger.credentials';
import { MicroPostgresWarehouse } from '../../credentials/MicroPostgresWarehouse.credentials';
import { MicroSendGridApi } from '../../credentials/MicroSendGridApi.credentials';
import { MicroShopifyApi } from '../../credentials/MicroShopifyApi.credentials';
import { MicroSmtp } from '../../credentials/MicroSmtp.credentials';
import { MicroStripeApi } from '../../credentials/MicroStripeApi.credentials';
import { MicroWebPushVapidApi } from '../../credentials/MicroWebPushVapidApi.credentials';
import { MicroWooCommerceApi } from '../../credentials/MicroWooCommerceApi.credentials';

const TYPES: ICredentialType[] = [
	new MicroBrevoApi(),
	new MicroFcmServiceAccountApi(),
	new MicroHubSpotApi(),
	new MicroKlaviyoApi(),
	new MicroMailchimpApi(),
	new MicroOneSignalApi(),
	new MicroPostgresLedger(),
	new MicroPostgresWarehouse(),
	new MicroSendGridApi(),
	new MicroShopifyApi(),
	new MicroSmtp(),
	new MicroStripeApi(),
	new MicroWebPushVapidApi(),
	new MicroWooCommerceApi(),
];

/** Fields that are not marked as passwords but are sent with one (a Basic-auth user name). */
const COMPANIONS = new Set(['consumerKey']);

const secretFields = new Map<string, string[]>(
	TYPES.map((t) => [t.name, t.properties.filter((p) => p.typeOptions?.password === true || COMPANIONS.has(p.name)).map((p) => p.name)]),
);

/** Values inside a pasted service-account JSON that must never be shown. */
function serviceAccountSecrets(text: string): string[] {
	try {
		const o = JSON.parse(text) as Record<string, unknown>;
		return ['private_key', 'private_key_id'].map((k) => o[k]).filter((v): v is string => typeof v === 'string');
	} catch {
		return [];
	}
}

export function credentialSecrets(type: string, data: IDataObject | undefined): string[] {
	const out: string[] = [];
	for (const field of secretFields.get(type) ?? []) {
		const v = data?.[field];
		if (typeof v !== 'string' || v.trim() === '') continue;
		out.push(v);
		if (v.trim().startsWith('{')) out.push(...serviceAccountSecrets(v));
	}
	return out;
}
