import {
	DEFAULT_CONSENT_RULES,
	checkConsent,
	consentText,
	normalizeChannel,
	parseValueList,
	type Channel,
	type ConsentOptions,
} from '../../nodes/core/playbook/consent';

const defaults: ConsentOptions = { rules: DEFAULT_CONSENT_RULES };
const allowed = (item: unknown, ch: Channel = 'email', o: ConsentOptions = defaults) => checkConsent(item, ch, o).allowed;

describe('default consent checks', () => {
	it.each([
		['Shopify REST accepts_marketing false', { accepts_marketing: false }],
		['accepts_marketing "false" from a CSV', { accepts_marketing: 'FALSE' }],
		['accepts_marketing "no"', { accepts_marketing: 'no' }],
		['acceptsMarketing false (normalized customer)', { acceptsMarketing: false }],
		['unsubscribed true', { unsubscribed: true }],
		['unsubscribed "true"', { unsubscribed: 'true' }],
		['opted_out 1', { opted_out: 1 }],
		['optedOut true', { optedOut: true }],
		['doNotContact yes', { doNotContact: 'yes' }],
		['Shopify GraphQL UNSUBSCRIBED', { emailMarketingConsent: { marketingState: 'UNSUBSCRIBED' } }],
		['Shopify GraphQL defaultEmailAddress UNSUBSCRIBED', { defaultEmailAddress: { marketingState: 'UNSUBSCRIBED' } }],
		['acceptsMarketing false with consent.email unsubscribed', { acceptsMarketing: false, consent: { email: 'unsubscribed' } }],
		['Shopify GraphQL NOT_SUBSCRIBED', { emailMarketingConsent: { marketingState: 'NOT_SUBSCRIBED' } }],
		['Shopify GraphQL PENDING (double opt-in not confirmed)', { emailMarketingConsent: { marketingState: 'PENDING' } }],
		['Shopify GraphQL REDACTED', { emailMarketingConsent: { marketingState: 'REDACTED' } }],
		['Shopify GraphQL INVALID', { emailMarketingConsent: { marketingState: 'INVALID' } }],
		['Shopify REST email_marketing_consent.state unsubscribed', { email_marketing_consent: { state: 'unsubscribed' } }],
		['normalized consent.email unsubscribed', { consent: { email: 'unsubscribed', sms: 'subscribed' } }],
		['normalized consent.email not_subscribed', { consent: { email: 'not_subscribed' } }],
		['normalized consent.email pending', { consent: { email: 'pending' } }],
		['HubSpot hs_email_optout true', { hs_email_optout: true }],
		['HubSpot hs_email_optout "true" (API strings)', { hs_email_optout: 'true' }],
		['HubSpot properties.hs_email_optout "true"', { properties: { hs_email_optout: 'true' } }],
		['Klaviyo UNSUBSCRIBED', { subscriptions: { email: { marketing: { consent: 'UNSUBSCRIBED' } } } }],
		['a flat "consent.email" key', { 'consent.email': 'unsubscribed' }],
	])('suppresses email for %s', (_label, item) => {
		expect(allowed(item, 'email')).toBe(false);
	});

	it.each([
		['an empty item', {}],
		['accepts_marketing true', { accepts_marketing: true }],
		['Shopify SUBSCRIBED', { emailMarketingConsent: { marketingState: 'SUBSCRIBED' } }],
		['consent.email unknown (source without consent data)', { consent: { email: 'unknown' } }],
		['Fetch Customers WooCommerce/Stripe shape: acceptsMarketing false derived from unknown', { acceptsMarketing: false, consent: { email: 'unknown', sms: 'unknown' } }],
		['consent.email subscribed', { consent: { email: 'subscribed' } }],
		['hs_email_optout false', { hs_email_optout: 'false' }],
		['unsubscribed false', { unsubscribed: false }],
		['unsubscribed empty string', { unsubscribed: '' }],
		['null fields', { accepts_marketing: null, unsubscribed: null }],
		['an object where a flag is expected', { unsubscribed: { at: '2024-01-01' } }],
	])('allows email for %s', (_label, item) => {
		expect(allowed(item, 'email')).toBe(true);
	});

	it('checks each channel separately', () => {
		const emailOut = { consent: { email: 'unsubscribed', sms: 'subscribed' }, accepts_marketing: false };
		expect(allowed(emailOut, 'email')).toBe(false);
		expect(allowed(emailOut, 'sms')).toBe(true);
		expect(allowed(emailOut, 'push')).toBe(true);
		expect(allowed({ defaultPhoneNumber: { marketingState: 'NOT_SUBSCRIBED' } }, 'sms')).toBe(false);
		const smsOut = { smsMarketingConsent: { marketingState: 'UNSUBSCRIBED' } };
		expect(allowed(smsOut, 'sms')).toBe(false);
		expect(allowed(smsOut, 'email')).toBe(true);
		expect(allowed({ consent: { push: 'unsubscribed' } }, 'push')).toBe(false);
		expect(allowed({ pushOptOut: true }, 'email')).toBe(true);
	});

	it('applies global opt-outs to every channel', () => {
		for (const ch of ['email', 'sms', 'push'] as Channel[]) expect(allowed({ opted_out: true }, ch)).toBe(false);
	});

	it('explains the suppression with the field and value, no personal data', () => {
		const v = checkConsent({ email: 'a@b.co', emailMarketingConsent: { marketingState: 'UNSUBSCRIBED' } }, 'email', defaults);
		expect(v).toEqual({
			allowed: false,
			reason: 'opted out of email: emailMarketingConsent.marketingState is "UNSUBSCRIBED"',
			field: 'emailMarketingConsent.marketingState',
		});
		expect(checkConsent({ unsubscribed: true }, 'sms', defaults).reason).toBe('opted out of all channels: unsubscribed is true');
	});
});

describe('strict opt-in', () => {
	const strict: ConsentOptions = { rules: DEFAULT_CONSENT_RULES, requireOptIn: true };
	it('suppresses customers with no recorded opt-in', () => {
		expect(allowed({}, 'email', strict)).toBe(false);
		expect(allowed({ consent: { email: 'unknown' } }, 'email', strict)).toBe(false);
		expect(checkConsent({}, 'sms', strict).reason).toBe('no sms opt-in on record (opt-in required)');
	});
	it('allows recorded opt-ins of each shape', () => {
		expect(allowed({ consent: { email: 'subscribed' } }, 'email', strict)).toBe(true);
		expect(allowed({ emailMarketingConsent: { marketingState: 'SUBSCRIBED' } }, 'email', strict)).toBe(true);
		expect(allowed({ accepts_marketing: 'true' }, 'email', strict)).toBe(true);
		expect(allowed({ smsMarketingConsent: { marketingState: 'SUBSCRIBED' } }, 'sms', strict)).toBe(true);
		expect(allowed({ consent: { push: 'subscribed' } }, 'push', strict)).toBe(true);
	});
	it('lets an opt-out win over an opt-in elsewhere', () => {
		expect(allowed({ consent: { email: 'subscribed' }, hs_email_optout: true }, 'email', strict)).toBe(false);
	});
	it('does not take an email opt-in for SMS', () => {
		expect(allowed({ consent: { email: 'subscribed' } }, 'sms', strict)).toBe(false);
	});
});

describe('custom rules and helpers', () => {
	it('uses custom rules alone when defaults are off', () => {
		const o: ConsentOptions = { rules: [{ field: 'newsletter', channel: 'email', values: parseValueList('Bounced, unsubscribed') }] };
		expect(allowed({ newsletter: 'BOUNCED' }, 'email', o)).toBe(false);
		expect(allowed({ accepts_marketing: false }, 'email', o)).toBe(true);
	});
	it('parses value lists', () => {
		expect(parseValueList(' False, no\n0 ,, ')).toEqual(['false', 'no', '0']);
		expect(parseValueList('')).toEqual([]);
	});
	it('normalizes values and channels', () => {
		expect(consentText(true)).toBe('true');
		expect(consentText(0)).toBe('0');
		expect(consentText(Number.NaN)).toBeNull();
		expect(consentText('  ')).toBeNull();
		expect(consentText(' Yes ')).toBe('yes');
		expect(normalizeChannel('E-mail')).toBe('email');
		expect(normalizeChannel('SMS')).toBe('sms');
		expect(normalizeChannel('web push')).toBe('push');
		expect(normalizeChannel('hubspot list')).toBeNull();
		expect(normalizeChannel(undefined)).toBeNull();
	});
});
