import { fetchTransport } from '../../nodes/core/net/http';
import {
	createSmtpProvider,
	messageIdFor,
	queueIdOf,
	smtpTransport,
	verifySmtp,
	type SmtpOptions,
	type SmtpProvider,
} from '../../nodes/core/delivery/providers/smtp';
import { startSmtpMock, type SmtpMock } from '../mocks/smtp';
import { drive, recipients } from './providers-push-driver';

const email = (i: number) => `customer${i + 1}@example.org`;

describe('SMTP provider against a real local SMTP server', () => {
	let server: SmtpMock;
	let provider: SmtpProvider | undefined;

	beforeEach(async () => {
		server = await startSmtpMock({ authRequired: true });
	});
	afterEach(async () => {
		await provider?.close();
		provider = undefined;
		await server.close();
	});

	function make(extra: Partial<SmtpOptions> = {}): SmtpProvider {
		provider = createSmtpProvider({
			host: server.host,
			port: server.port,
			secure: false,
			user: server.user,
			password: server.password,
			from: 'Corner Shop <news@shop.example>',
			subject: 'Grüße {{firstName | there}}: {{rfm.segment}} offer',
			html: '<p>Hi {{firstName | there}},</p><p>Your code: <b>{{offer.code}}</b></p>',
			text: 'Hi {{firstName | there}}, your code: {{offer.code}}',
			...extra,
		});
		return provider;
	}
	const fields = (i: number) => ({ firstName: i === 2 ? '<b>Tom & "Jerry"</b>' : `Ann${i}`, rfm: { segment: 'Champions' }, offer: { code: `VIP${i}` } });

	test('one rendered mail per recipient, received exactly once each', async () => {
		const list = recipients(5, email, fields);
		const res = await drive(make(), list, fetchTransport);
		expect(res.outcomes.map((o) => o.status)).toEqual(Array(5).fill('sent'));
		expect(server.mails).toHaveLength(5);
		for (let i = 0; i < 5; i++) {
			const got = server.received(email(i));
			expect(got).toHaveLength(1);
			expect(got[0].to).toEqual([email(i)]);
			expect(got[0].from).toBe('news@shop.example');
			expect(got[0].headers.from).toBe('Corner Shop <news@shop.example>');
		}
		const m0 = server.received(email(0))[0];
		expect(m0.subject).toBe('Grüße Ann0: Champions offer');
		expect(m0.html).toBe('<p>Hi Ann0,</p><p>Your code: <b>VIP0</b></p>');
		expect(m0.text).toBe('Hi Ann0, your code: VIP0');
		// Values are HTML-escaped in the HTML body only.
		const m2 = server.received(email(2))[0];
		expect(m2.html).toBe('<p>Hi &lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;,</p><p>Your code: <b>VIP2</b></p>');
		expect(m2.text).toBe('Hi <b>Tom & "Jerry"</b>, your code: VIP2');
		// The message id is the server's queue id; the Message-ID header derives from the send key.
		const byCustomer = Object.fromEntries(res.outcomes.map((o) => [o.recipient.customerId, o.messageId]));
		expect(byCustomer.c1).toBe(m0.queueId);
		expect(m0.messageId).toBe(messageIdFor(list[0].sendKey, 'news@shop.example'));
		expect(res.batchSizes.every((n) => n === 1)).toBe(true);
	});

	test('the pool reuses at most `concurrency` connections for many messages', async () => {
		const p = make({ limits: { concurrency: 3 } });
		const res = await drive(p, recipients(24, email), fetchTransport, { concurrency: 3 });
		expect(res.outcomes.filter((o) => o.status === 'sent')).toHaveLength(24);
		expect(server.mails).toHaveLength(24);
		expect(server.connections).toBeLessThanOrEqual(3);
		expect(server.maxConcurrent).toBeLessThanOrEqual(3);
	});

	test('a temporary 4xx on the recipient is retried and delivered once; a 5xx fails as rejected', async () => {
		server.rcptReply(email(0), 450, { times: 1 });
		server.rcptReply(email(1), 550, { permanent: true });
		const res = await drive(make(), recipients(3, email), fetchTransport, { concurrency: 1 });
		expect(res.retries).toEqual([{ reason: 'smtp_450' }]);
		expect(res.outcomes.map((o) => [o.recipient.customerId, o.status, o.reason ?? null])).toEqual([
			['c1', 'sent', null],
			['c2', 'failed', 'rejected'],
			['c3', 'sent', null],
		]);
		expect(res.outcomes[1].detail).toMatch(/SMTP 550 5\.1\.1/);
		expect(server.received(email(0))).toHaveLength(1);
		expect(server.received(email(1))).toHaveLength(0);
		expect(JSON.stringify(res.outcomes.map((o) => o.detail))).not.toContain('@example.org');
	});

	test('a 451 on DATA is retried; a 554 on DATA fails the recipient', async () => {
		server.failNext({ kind: 'dataReply', code: 451 });
		const r1 = await drive(make(), recipients(1, email), fetchTransport);
		expect(r1.retries.map((r) => r.reason)).toEqual(['smtp_451']);
		expect(server.mails).toHaveLength(1);
		server.failNext({ kind: 'dataReply', code: 554 });
		const r2 = await drive(make(), recipients(1, (i) => email(i + 5)), fetchTransport);
		expect(r2.outcomes.map((o) => [o.status, o.reason])).toEqual([['failed', 'rejected']]);
		expect(server.mails).toHaveLength(1);
	});

	test('a connection dropped before the server accepted is retried (as an unknown outcome) and delivered once', async () => {
		server.failNext({ kind: 'dropBeforeAccept' });
		const res = await drive(make(), recipients(2, email), fetchTransport, { concurrency: 1 });
		// Thrown as a transport error: the engine treats it as an unknown outcome (SMTP cannot tell).
		expect(res.retries.map((r) => r.reason)[0]).toBe('connection_reset');
		expect(res.outcomes.map((o) => o.status)).toEqual(['sent', 'sent']);
		expect(server.received(email(0))).toHaveLength(1);
		expect(server.received(email(1))).toHaveLength(1);
	});

	test('a reply lost after the server accepted: SMTP cannot tell, the resend keeps the same Message-ID', async () => {
		server.failNext({ kind: 'dropAfterAccept' });
		const list = recipients(1, email);
		const res = await drive(make(), list, fetchTransport);
		expect(res.outcomes.map((o) => o.status)).toEqual(['sent']);
		const got = server.received(email(0));
		expect(got).toHaveLength(2);
		expect(new Set(got.map((m) => m.messageId))).toEqual(new Set([messageIdFor(list[0].sendKey, 'news@shop.example')]));
	});

	test("a server that never greets (nodemailer's greeting timeout) is retried: nothing was sent", async () => {
		// The timeout as nodemailer reports it, given at once instead of after a short timer that a
		// busy machine could also hit for a healthy server.
		const real = smtpTransport({ host: server.host, port: server.port, user: server.user, password: server.password });
		let first = true;
		const hung = {
			sendMail: (mail: Record<string, unknown>) => {
				if (!first) return real.sendMail(mail);
				first = false;
				return Promise.reject(Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT', command: 'CONN' }));
			},
			close: () => real.close(),
		} as unknown as Parameters<typeof createSmtpProvider>[1];
		const p = createSmtpProvider({ host: server.host, port: server.port, from: 'Shop <news@shop.example>', subject: 'Hi', text: 'x' }, hung);
		const res = await drive(p, recipients(1, email), fetchTransport);
		await p.close();
		// No greeting: nothing was sent, a plain retry.
		expect(res.retries.map((r) => r.reason)[0]).toBe('connection_failed');
		expect(res.outcomes.map((o) => o.status)).toEqual(['sent']);
		expect(server.mails).toHaveLength(1);
	});

	test('a refused login stops the run without the password in the detail', async () => {
		const res = await drive(make({ password: 'wrong-password-xyz' }), recipients(3, email), fetchTransport, { concurrency: 1 });
		expect(res.fatal).toMatchObject({ reason: 'auth_failed', stopRun: true });
		expect(res.fatal?.detail).toContain('535');
		expect(JSON.stringify(res)).not.toContain('wrong-password-xyz');
		expect(res.sends).toBe(1);
		expect(server.mails).toHaveLength(0);
	});

	test('a refused sender stops the run', async () => {
		server.rejectSender(553);
		const res = await drive(make(), recipients(2, email), fetchTransport, { concurrency: 1 });
		expect(res.fatal).toMatchObject({ reason: 'sender_rejected', stopRun: true });
		expect(server.mails).toHaveLength(0);
	});

	test('invalid addresses are refused before sending', async () => {
		const bad = ['', '   ', 'not-an-email', 'a@b', 'two@@example.org', 'x@example.org\r\nBcc: y@example.org'];
		const res = await drive(make(), recipients(bad.length, (i) => bad[i]), fetchTransport);
		expect(res.outcomes.map((o) => o.reason)).toEqual([
			'missing_address',
			'missing_address',
			'invalid_address',
			'invalid_address',
			'invalid_address',
			'invalid_address',
		]);
		expect(server.mails).toHaveLength(0);
	});

	test('List-Unsubscribe, Reply-To, and no header injection through the subject', async () => {
		const p = make({
			subject: 'Hi {{firstName}}',
			listUnsubscribe: 'https://shop.example/unsub?c={{customerId}}',
			replyTo: 'care@shop.example',
		});
		await drive(p, recipients(1, email, () => ({ firstName: 'Eve\r\nBcc: victim@example.org' })), fetchTransport);
		const [m] = server.mails;
		expect(m.to).toEqual([email(0)]);
		expect(m.subject).toBe('Hi Eve Bcc: victim@example.org');
		expect(m.headers.bcc).toBeUndefined();
		expect(m.headers['list-unsubscribe']).toBe('<https://shop.example/unsub?c=c1>');
		expect(m.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
		expect(m.headers['reply-to']).toBe('care@shop.example');
	});

	test('plan() renders each mail without sending and without the password', async () => {
		const p = make();
		const planned = await p.plan(recipients(2, email, fields), { campaignKey: 'k', runKey: 'r', now: () => 0 });
		expect(planned).toHaveLength(2);
		expect(planned[0]).toMatchObject({
			method: 'POST',
			url: `smtp://127.0.0.1:${server.port}`,
			headers: { To: email(0), Subject: 'Grüße Ann0: Champions offer' },
		});
		expect(JSON.stringify(planned)).not.toContain(server.password);
		expect(server.connections).toBe(0);
	});

	test('configuration checks', () => {
		const base = { host: 'h', from: 'a@b.example', subject: 's', text: 't' };
		expect(() => createSmtpProvider({ ...base, host: ' ' })).toThrow('host');
		expect(() => createSmtpProvider({ ...base, port: 70000 })).toThrow('port');
		expect(() => createSmtpProvider({ ...base, from: 'Shop' })).toThrow('sender');
		expect(() => createSmtpProvider({ ...base, subject: '' })).toThrow('subject');
		expect(() => createSmtpProvider({ ...base, text: '', html: ' ' })).toThrow('HTML body or a text body');
		expect(() => createSmtpProvider({ ...base, replyTo: 'nope' })).toThrow('Reply-To');
		const p = createSmtpProvider(base);
		expect(p.limits.maxBatchSize).toBe(1);
		expect(p.addressKey?.(' A@Example.ORG ')).toBe('a@example.org');
	});

	test('queue ids are read from common 250 replies', () => {
		expect(queueIdOf('250 2.0.0 Ok: queued as 4F2A1B')).toBe('4F2A1B');
		expect(queueIdOf('250 OK id=1qXyZ-000abc-4D')).toBe('1qXyZ-000abc-4D');
		expect(queueIdOf('250 2.0.0 OK  1700000000 a1b2c3d4e5si123 - gsmtp')).toBe('a1b2c3d4e5si123');
		expect(queueIdOf('250 Ok 0100018b2f3c4d5e-6f7a8b9c-0d1e-4f2a-9b3c-123456789abc-000000')).toBe(
			'0100018b2f3c4d5e-6f7a8b9c-0d1e-4f2a-9b3c-123456789abc-000000',
		);
		expect(queueIdOf('250 Accepted')).toBeUndefined();
		expect(queueIdOf(undefined)).toBeUndefined();
	});

	test('verifySmtp: login ok, refused login, nobody listening', async () => {
		const ok = await verifySmtp({ host: server.host, port: server.port, user: server.user, password: server.password });
		expect(ok).toBeUndefined();
		const refused = await verifySmtp({ host: server.host, port: server.port, user: server.user, password: 'nope-123456' });
		expect(refused).toMatch(/refused the login/);
		expect(refused).not.toContain('nope-123456');
		const port = server.port;
		await server.close();
		const down = await verifySmtp({ host: '127.0.0.1', port });
		expect(down).toMatch(/Could not connect/);
		server = await startSmtpMock();
	});
});
