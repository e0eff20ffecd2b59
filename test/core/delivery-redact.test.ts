/**
 * Secrets in errors: one redactor (nodes/core/net/redact.ts) for reading (sources) and sending
 * (delivery). It removes the credential's actual values (whatever their length or shape: n8n's
 * nodes pass them in) and the known token shapes, wherever a message is built: provider details,
 * the run's stop reason, SourceError messages, the nodes' errors.
 */
import { redact } from '../../nodes/core/net/redact';
import { credentialSecrets } from '../../nodes/shared/secrets';
import { runDelivery } from '../../nodes/core/delivery/engine';
import { StaticDataLedger } from '../../nodes/core/delivery/ledger';
import { createSendGridProvider } from '../../nodes/core/delivery/providers/sendgrid';
import { SourceHttp } from '../../nodes/core/sources/request';
import { SourceError } from '../../nodes/core/sources/errors';
import { fetchTransport, type HttpTransport } from '../../nodes/core/net/http';
import { SendGridMock } from '../mocks/sendgrid';

const SHAPES: Record<string, string> = {
	stripeTest: 'sk_test_51HxYZabcDEF0123456789xyz',
	stripeLive: 'sk_live_51HxYZabcDEF0123456789xyz',
	stripeRestricted: 'rk_live_51HxYZabcDEF0123',
	shopify: 'shpat_0123456789abcdef0123456789abcdef',
	woo: 'ck_0123456789abcdef0123456789abcdef01234567',
	hubspot: 'pat-na1-01234567-89ab-cdef-0123-456789abcdef',
	sendgrid: 'SG.abcdefghijklmnopqrstuv.wxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabc',
	brevo: 'xkeysib-0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab-AbCdEfGhIjKlMnOp',
	onesignal: 'os_v2_app_abcdefghijklmnopqrstuvwxyz234567abcdefghijk',
	googleToken: 'ya29.a0AfH6SMBx-abcdefghijklmnop',
	jwt: 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJlLXZhbHVl',
};

const MESSAGES = [
	(s: string) => `Invalid API key ${s}`,
	(s: string) => `Authorization: Bearer ${s}`,
	(s: string) => `{"error":"bad key","key":"${s}"}`,
	(s: string) => `Key ${s} was revoked`,
	(s: string) => `GET /v1/customers?api_key=${encodeURIComponent(s)}&limit=1 failed`,
	(s: string) => `token=${s}`,
];

describe('one redactor', () => {
	test.each(Object.entries(SHAPES))('known shape %s is never readable, in any message', (_name, secret) => {
		for (const m of MESSAGES) {
			const out = redact(m(secret))!;
			expect(out).not.toContain(secret);
			expect(out).not.toContain(secret.slice(0, 16));
		}
	});

	test("the credential's own values are removed whatever their shape or length (a short key echoed in a 401)", () => {
		const key = 'abc123XYZ'; // 9 characters, no prefix: no pattern can know it is a key
		for (const m of MESSAGES) expect(redact(m(key), [key])).not.toContain(key);
		expect(redact('Bad credentials for 0123-short', ['0123-short'])).toBe('Bad credentials for [redacted]');
		// URL-encoded and Basic-auth forms of the values too.
		const [user, pass] = ['ck_live', 'p@ss w0rd!'];
		const basic = Buffer.from(`${user}:${pass}`).toString('base64');
		expect(redact(`Authorization: Basic ${basic}`, [user, pass])).not.toContain(basic);
		expect(redact(`?secret=${encodeURIComponent(pass)}`, [pass])).not.toContain(encodeURIComponent(pass));
	});

	test('addresses are removed; the length is capped; empty secrets are ignored', () => {
		expect(redact('mailbox bob@example.org is full')).toBe('mailbox [redacted] is full');
		expect(redact('word '.repeat(80))).toHaveLength(301);
		expect(redact('Token expired; the API Key is missing')).toBe('Token expired; the API Key is missing');
		expect(redact('nothing to hide', ['', ' '])).toBe('nothing to hide');
		expect(redact(undefined)).toBeUndefined();
		expect(redact('postgres://micro:hunter2@db.example.com:5432/x refused')).not.toContain('hunter2');
	});

	test('credentialSecrets: password fields, keys and the Basic form of key:secret, for every credential type', () => {
		expect(credentialSecrets('microSendGridApi', { apiKey: 'k1', baseUrl: 'https://api.sendgrid.com' })).toEqual(['k1']);
		const woo = credentialSecrets('microWooCommerceApi', { baseUrl: 'https://shop', consumerKey: 'ck_1', consumerSecret: 'cs_2' });
		expect(woo).toEqual(['ck_1', 'cs_2']);
		expect(redact(`Basic ${Buffer.from('ck_1:cs_2').toString('base64')} refused`, woo)).toBe('Basic [redacted] refused');
		expect(woo).not.toContain('https://shop');
		const fcm = credentialSecrets('microFcmServiceAccountApi', { serviceAccountJson: JSON.stringify({ private_key: 'PEMKEY', private_key_id: 'kid123' }) });
		expect(fcm).toEqual(expect.arrayContaining(['PEMKEY', 'kid123']));
		expect(credentialSecrets('microPostgresLedger', { connectionUrl: 'postgres://u:pw@h/db', password: 'pw2', host: 'h' })).toEqual(expect.arrayContaining(['postgres://u:pw@h/db', 'pw2']));
	});
});

describe('the redactor is used wherever a message is built', () => {
	test('delivery: a 401 that echoes a short key never shows it (stop reason, every record)', async () => {
		const key = 'shortKey42';
		const mock = new SendGridMock('something-else', { faults: () => ({ status: 401, body: { errors: [{ field: null, message: `The API key ${key} is invalid` }] } }) });
		await mock.start();
		try {
			const provider = createSendGridProvider({ baseUrl: mock.url, apiKey: key, templateId: 'd-0123456789abcdef0123456789abcdef', fromEmail: 'shop@example.com' });
			const res = await runDelivery([{ itemIndex: 0, customerId: 'c', address: 'c@example.com', fields: {} }], {
				provider,
				transport: fetchTransport,
				ledger: new StaticDataLedger({}),
				campaignKey: 'k',
				runKey: 'r',
				secrets: [key],
			});
			expect(res.summary.stopped?.reason).toBe('unauthorized');
			expect(JSON.stringify(res)).not.toContain(key);
			expect(res.summary.stopped?.detail).toBe('The API key [redacted] is invalid');
		} finally {
			await mock.close();
		}
	});

	test('sources: a provider message echoing the key is redacted in the SourceError', async () => {
		const key = 'tiny-key-7';
		const echo: HttpTransport = async () => ({ status: 401, headers: {}, body: { message: `Invalid token ${key}` } });
		const http = new SourceHttp({ transport: echo, service: 'Shop', credential: 'C', authHint: 'check it', notFoundHint: '', secrets: [key] });
		const err = await http.send({ method: 'GET', url: 'http://127.0.0.1:9/x' }).catch((e) => e);
		expect(err).toBeInstanceOf(SourceError);
		expect(err.message).toContain('Shop said: "Invalid token [redacted]"');
		expect(err.message).not.toContain(key);
	});
});
