/**
 * Consent checks: which items must never be contacted on a channel. An item is suppressed when any
 * "do not contact" rule for the channel (or for all channels) matches one of its fields. Values are
 * compared as trimmed lower-case text, so `false`, "false" and "FALSE" match the same rule; an
 * absent field never matches. With `requireOptIn`, an item is also suppressed unless one of the
 * channel's opt-in fields says it subscribed (strict opt-in, e.g. for GDPR audiences).
 *
 * Defaults and why (documented in docs/nodes/SegmentRouter.md):
 * - Shopify `marketingState` PENDING (double opt-in not confirmed yet), INVALID and REDACTED
 *   (customer data erased) are not consent, so they suppress like UNSUBSCRIBED / NOT_SUBSCRIBED.
 * - The normalized `consent.<channel>` of Fetch Customers: 'unsubscribed', 'not_subscribed' and
 *   'pending' suppress; 'unknown' (the source has no consent data) does not, unless opt-in is required.
 *   Its `acceptsMarketing` flag is derived from consent.email (false also for 'unknown'), so it
 *   only counts when the item has no consent.email.
 */
import { getPath } from '../fields';
import { parseList } from '../list';

export type Channel = 'email' | 'sms' | 'push';
export const CHANNELS: readonly Channel[] = ['email', 'sms', 'push'];

export interface ConsentRule {
	/** Dotted path of the field to read. */
	field: string;
	/** Channel the rule applies to; 'all' for global opt-outs. */
	channel: Channel | 'all';
	/** Values (compared trimmed, case-insensitive) that mean "do not contact". */
	values: string[];
	/**
	 * Skip the rule when this field has a value: a derived flag yields to the field it was derived
	 * from (Fetch Customers sets acceptsMarketing = false also when consent.email is "unknown").
	 */
	deferTo?: string;
}

export interface OptInRule {
	field: string;
	channel: Channel;
	values: string[];
}

const TRUE_VALUES = ['true', 'yes', 'y', '1'];
const FALSE_VALUES = ['false', 'no', 'n', '0'];
const SHOPIFY_NO = ['unsubscribed', 'not_subscribed', 'pending', 'redacted', 'invalid'];
const NORMALIZED_NO = ['unsubscribed', 'not_subscribed', 'pending'];
const KLAVIYO_NO = ['unsubscribed', 'never_subscribed'];

export const DEFAULT_CONSENT_RULES: readonly ConsentRule[] = [
	// Global opt-outs
	{ field: 'unsubscribed', channel: 'all', values: TRUE_VALUES },
	{ field: 'opted_out', channel: 'all', values: TRUE_VALUES },
	{ field: 'optedOut', channel: 'all', values: TRUE_VALUES },
	{ field: 'do_not_contact', channel: 'all', values: TRUE_VALUES },
	{ field: 'doNotContact', channel: 'all', values: TRUE_VALUES },
	// Email
	{ field: 'accepts_marketing', channel: 'email', values: FALSE_VALUES },
	{ field: 'acceptsMarketing', channel: 'email', values: FALSE_VALUES, deferTo: 'consent.email' },
	{ field: 'emailMarketingConsent.marketingState', channel: 'email', values: SHOPIFY_NO },
	{ field: 'defaultEmailAddress.marketingState', channel: 'email', values: SHOPIFY_NO },
	{ field: 'email_marketing_consent.state', channel: 'email', values: SHOPIFY_NO },
	{ field: 'consent.email', channel: 'email', values: NORMALIZED_NO },
	{ field: 'hs_email_optout', channel: 'email', values: TRUE_VALUES },
	{ field: 'properties.hs_email_optout', channel: 'email', values: TRUE_VALUES },
	{ field: 'email_opt_out', channel: 'email', values: TRUE_VALUES },
	{ field: 'emailOptOut', channel: 'email', values: TRUE_VALUES },
	{ field: 'subscriptions.email.marketing.consent', channel: 'email', values: KLAVIYO_NO },
	// SMS
	{ field: 'smsMarketingConsent.marketingState', channel: 'sms', values: SHOPIFY_NO },
	{ field: 'defaultPhoneNumber.marketingState', channel: 'sms', values: SHOPIFY_NO },
	{ field: 'sms_marketing_consent.state', channel: 'sms', values: SHOPIFY_NO },
	{ field: 'consent.sms', channel: 'sms', values: NORMALIZED_NO },
	{ field: 'sms_opt_out', channel: 'sms', values: TRUE_VALUES },
	{ field: 'smsOptOut', channel: 'sms', values: TRUE_VALUES },
	{ field: 'subscriptions.sms.marketing.consent', channel: 'sms', values: KLAVIYO_NO },
	// Push
	{ field: 'consent.push', channel: 'push', values: NORMALIZED_NO },
	{ field: 'push_opt_out', channel: 'push', values: TRUE_VALUES },
	{ field: 'pushOptOut', channel: 'push', values: TRUE_VALUES },
];

/** Fields that prove an opt-in, used only when opt-in is required. */
export const DEFAULT_OPT_IN_RULES: readonly OptInRule[] = [
	{ field: 'consent.email', channel: 'email', values: ['subscribed'] },
	{ field: 'emailMarketingConsent.marketingState', channel: 'email', values: ['subscribed'] },
	{ field: 'defaultEmailAddress.marketingState', channel: 'email', values: ['subscribed'] },
	{ field: 'email_marketing_consent.state', channel: 'email', values: ['subscribed'] },
	{ field: 'acceptsMarketing', channel: 'email', values: TRUE_VALUES },
	{ field: 'accepts_marketing', channel: 'email', values: TRUE_VALUES },
	{ field: 'subscriptions.email.marketing.consent', channel: 'email', values: ['subscribed'] },
	{ field: 'consent.sms', channel: 'sms', values: ['subscribed'] },
	{ field: 'smsMarketingConsent.marketingState', channel: 'sms', values: ['subscribed'] },
	{ field: 'defaultPhoneNumber.marketingState', channel: 'sms', values: ['subscribed'] },
	{ field: 'sms_marketing_consent.state', channel: 'sms', values: ['subscribed'] },
	{ field: 'subscriptions.sms.marketing.consent', channel: 'sms', values: ['subscribed'] },
	{ field: 'consent.push', channel: 'push', values: ['subscribed'] },
];

export interface ConsentOptions {
	rules: readonly ConsentRule[];
	requireOptIn?: boolean;
	optInRules?: readonly OptInRule[];
}

export interface ConsentVerdict {
	allowed: boolean;
	/** Why the item is suppressed (no personal data: field names and consent values only). */
	reason: string | null;
	field: string | null;
}

/** Lower-case text form of a scalar, or null for absent / non-scalar values. */
export function consentText(value: unknown): string | null {
	if (value === undefined || value === null) return null;
	if (typeof value === 'boolean') return value ? 'true' : 'false';
	if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
	if (typeof value === 'string') {
		const s = value.trim().toLowerCase();
		return s === '' ? null : s;
	}
	return null;
}

/** Parses "false, no, 0" (commas or new lines) into trimmed lower-case values. */
export function parseValueList(text: string): string[] {
	return parseList(text, { lowerCase: true });
}

export function normalizeChannel(value: unknown): Channel | null {
	const s = consentText(value);
	if (s === null) return null;
	if (s === 'email' || s === 'e-mail' || s === 'mail') return 'email';
	if (s === 'sms' || s === 'text' || s === 'whatsapp') return 'sms';
	if (s === 'push' || s === 'web push' || s === 'webpush' || s === 'notification') return 'push';
	return null;
}

function show(value: unknown): string {
	return typeof value === 'string' ? `"${value}"` : String(value);
}

export function checkConsent(item: unknown, channel: Channel, options: ConsentOptions): ConsentVerdict {
	for (const rule of options.rules) {
		if (rule.channel !== 'all' && rule.channel !== channel) continue;
		if (rule.deferTo && consentText(getPath(item, rule.deferTo)) !== null) continue;
		const raw = getPath(item, rule.field);
		const text = consentText(raw);
		if (text !== null && rule.values.includes(text)) {
			const scope = rule.channel === 'all' ? 'all channels' : rule.channel;
			return { allowed: false, reason: `opted out of ${scope}: ${rule.field} is ${show(raw)}`, field: rule.field };
		}
	}
	if (options.requireOptIn) {
		const optIns = (options.optInRules ?? DEFAULT_OPT_IN_RULES).filter((r) => r.channel === channel);
		const ok = optIns.some((r) => {
			const text = consentText(getPath(item, r.field));
			return text !== null && r.values.includes(text);
		});
		if (!ok) return { allowed: false, reason: `no ${channel} opt-in on record (opt-in required)`, field: null };
	}
	return { allowed: true, reason: null, field: null };
}
