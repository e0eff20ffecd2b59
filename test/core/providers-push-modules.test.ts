/**
 * The node-facing provider modules (nodes/CampaignSend/providers/{onesignal,fcm,webpush,smtp}.ts):
 * contract conformance, reading parameters and credentials into the core providers, templates in
 * fixed and expression mode rendered per recipient, configuration errors, credential tests.
 */
import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import * as webpush from 'web-push';
import { fetchTransport } from '../../nodes/core/net/http';
import { fcmModule } from '../../nodes/CampaignSend/providers/fcm';
import type { ProviderModule } from '../../nodes/CampaignSend/providers/module';
import { onesignalModule } from '../../nodes/CampaignSend/providers/onesignal';
import { microSmtpConnectionTest, smtpModule } from '../../nodes/CampaignSend/providers/smtp';
import { microWebPushVapidApiTest, webpushModule } from '../../nodes/CampaignSend/providers/webpush';
import { MicroFcmServiceAccountApi } from '../../credentials/MicroFcmServiceAccountApi.credentials';
import { MicroOneSignalApi } from '../../credentials/MicroOneSignalApi.credentials';
import { MicroSmtp } from '../../credentials/MicroSmtp.credentials';
import { MicroWebPushVapidApi } from '../../credentials/MicroWebPushVapidApi.credentials';
import { startFcmMock } from '../mocks/fcm';
import { startOneSignalMock } from '../mocks/onesignal';
import { startSmtpMock } from '../mocks/smtp';
import { binaryFetchTransport, startWebPushMock } from '../mocks/webpush';
import { drive, recipients } from './providers-push-driver';

/** A small IExecuteFunctions: raw parameters, credentials, and $json expressions per item. */
function fakeCtx(params: Record<string, unknown>, credentials: Record<string, unknown>, items: Array<Record<string, unknown>> = []) {
	const evaluated: Array<[string, number]> = [];
	const ctx = {
		getNode: () => ({ name: 'Campaign Send', type: 'n8n-nodes-microsegments.campaignSend', typeVersion: 1, position: [0, 0], parameters: {}, id: 'x' }),
		getNodeParameter: (name: string, _i: number, fallback?: unknown) => (name in params ? params[name] : fallback),
		getCredentials: async () => credentials,
		evaluateExpression: (expression: string, itemIndex: number) => {
			evaluated.push([expression, itemIndex]);
			const body = /^=\{\{([\s\S]*)\}\}$/.exec(expression)?.[1] ?? 'undefined';
			return new Function('$json', `return (${body});`)(items[itemIndex] ?? {});
		},
	};
	return { ctx: ctx as unknown as IExecuteFunctions, evaluated };
}

const modules: Array<[ProviderModule, string, string]> = [
	[onesignalModule, 'onesignal', new MicroOneSignalApi().name],
	[fcmModule, 'fcm', new MicroFcmServiceAccountApi().name],
	[webpushModule, 'webpush', new MicroWebPushVapidApi().name],
	[smtpModule, 'smtp', new MicroSmtp().name],
];

describe('provider modules: contract', () => {
	test.each(modules)('%#: id, credential, prefixed parameters shown only for the provider', (mod, id, credentialName) => {
		expect(mod.id).toBe(id);
		expect(mod.credentialType).toBe(credentialName);
		expect(mod.addressField).not.toBe('');
		for (const p of mod.properties as INodeProperties[]) {
			expect(p.name.startsWith(id)).toBe(true);
			expect(p.displayOptions).toEqual({ show: { provider: [id] } });
			if (p.type !== 'notice' && p.type !== 'collection') expect([p.name, typeof p.description === 'string' && p.description.length > 10]).toEqual([p.name, true]);
		}
	});

	test('channels and transports', () => {
		expect(modules.map(([m]) => [m.id, m.channel, m.transport, m.addressField])).toEqual([
			['onesignal', 'push', 'credential', 'oneSignalExternalId'],
			['fcm', 'push', 'plain', 'fcmToken'],
			['webpush', 'push', 'plain', 'webPushSubscription'],
			['smtp', 'email', 'none', 'email'],
		]);
	});
});

describe('OneSignal module', () => {
	test('English message and title, translations, data, n8n expressions evaluated once, OneSignal tags kept', async () => {
		const mock = await startOneSignalMock({ subscribed: ['u1', 'u2'] });
		try {
			const { ctx, evaluated } = fakeCtx(
				{
					onesignalTitle: 'Hi {{ first_name | default: "there" }}',
					onesignalMessage: '={{ $json.campaign }}: 15% off this week',
					onesignalTranslations: { translation: [{ language: 'de', title: 'Hallo', message: '15% Rabatt' }, { language: '', message: 'x' }] },
					onesignalUrl: 'https://shop.example/winback',
					onesignalData: { field: [{ key: 'offer', value: 'WINBACK15' }, { key: ' ', value: 'ignored' }] },
					onesignalOptions: { name: 'Winback March', subtitle: 'Only this week' },
				},
				{ appId: mock.appId, apiKey: mock.apiKey, baseUrl: mock.url },
				[{ campaign: 'Spring' }, { campaign: 'Other' }],
			);
			const provider = await onesignalModule.create(ctx, 0);
			// The node's 'credential' transport adds the key; here we add it like the credential does.
			const transport = (req: Parameters<typeof fetchTransport>[0]) =>
				fetchTransport({ ...req, headers: { ...req.headers, Authorization: `Key ${mock.apiKey}` } });
			const res = await drive(provider, recipients(2, (i) => `u${i + 1}`), transport);
			expect(res.outcomes.map((o) => o.status)).toEqual(['sent', 'sent']);
			expect(mock.bodies[0]).toMatchObject({
				headings: { en: 'Hi {{ first_name | default: "there" }}', de: 'Hallo' },
				contents: { en: 'Spring: 15% off this week', de: '15% Rabatt' },
				subtitle: { en: 'Only this week' },
				data: { offer: 'WINBACK15' },
				url: 'https://shop.example/winback',
				name: 'Winback March',
			});
			expect(evaluated).toEqual([['={{ $json.campaign }}', 0]]);
		} finally {
			await mock.close();
		}
	});

	test('configuration errors become NodeOperationError without secrets', async () => {
		const { ctx } = fakeCtx({ onesignalMessage: '' }, { appId: 'app', apiKey: 'super-secret-key' });
		await expect(onesignalModule.create(ctx, 0)).rejects.toThrow(NodeOperationError);
		await expect(onesignalModule.create(ctx, 0)).rejects.toThrow('English');
		const bad = fakeCtx({ onesignalMessage: 'Hi', onesignalOptions: { extra: '{nope' } }, { appId: 'app', apiKey: 'k' });
		await expect(onesignalModule.create(bad.ctx, 0)).rejects.toThrow('not valid JSON');
		const noApp = fakeCtx({ onesignalMessage: 'Hi' }, { appId: '', apiKey: 'super-secret-key' });
		const err = await onesignalModule.create(noApp.ctx, 0).catch((e: Error) => e);
		expect(String((err as Error).message)).not.toContain('super-secret-key');
	});
});

describe('FCM module', () => {
	test('reads the pasted key and templates; expression-mode text and n8n expressions render per recipient', async () => {
		const tokens = { t1: 'valid' as const, t2: 'valid' as const };
		const mock = await startFcmMock({ tokens });
		try {
			const items = [{ firstName: 'Ann', total: 10 }, { firstName: '', total: 20 }];
			const { ctx } = fakeCtx(
				{
					fcmTitle: '={{ $json.firstName | there }}, thanks',
					fcmBody: 'Spent {{ $json.total * 2 }} points',
					fcmLink: 'https://shop.example/c/{{customerId}}',
					fcmData: { field: [{ key: 'segment', value: 'At Risk' }] },
					fcmOptions: { androidPriority: 'high', ttlHours: 1 },
				},
				{ serviceAccountJson: JSON.stringify(mock.serviceAccount), baseUrl: mock.url },
				items,
			);
			const provider = await fcmModule.create(ctx, 0);
			const res = await drive(provider, recipients(2, (i) => `t${i + 1}`, (i) => items[i]), fetchTransport, { concurrency: 1 });
			expect(res.outcomes.map((o) => o.status)).toEqual(['sent', 'sent']);
			expect(mock.deliveries.map((d) => d.message.notification)).toEqual([
				{ title: 'Ann, thanks', body: 'Spent 20 points' },
				{ title: 'there, thanks', body: 'Spent 40 points' },
			]);
			expect(mock.deliveries[0].message).toMatchObject({ data: { segment: 'At Risk', link: 'https://shop.example/c/c1' }, android: { priority: 'HIGH', ttl: '3600s' } });
		} finally {
			await mock.close();
		}
	});

	test('a broken key is a NodeOperationError naming the problem, not the key', async () => {
		const { ctx } = fakeCtx({ fcmTitle: 'T' }, { serviceAccountJson: '{"project_id":"p","private_key":"-----BEGIN PRIVATE KEY-----secret"}' });
		const err = (await fcmModule.create(ctx, 0).catch((e: Error) => e)) as Error;
		expect(err).toBeInstanceOf(NodeOperationError);
		expect(err.message).toContain('"client_email"');
		expect(err.message).not.toContain('secret');
	});
});

describe('Web Push module', () => {
	const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:push@shop.example' };

	test('sends the rendered payload to subscriptions given as objects stringified by the node', async () => {
		const mock = await startWebPushMock({ expectedVapidPublicKey: vapid.publicKey });
		// The mock push service is on 127.0.0.1: allowed only by the admin's environment and the host option.
		process.env.MICROSEGMENTS_WEBPUSH_ALLOW_PRIVATE = 'true';
		try {
			const sub = mock.createSubscription();
			const { ctx } = fakeCtx(
				{
					webpushTitle: 'Hi {{firstName}}',
					webpushBody: '={{ $json.offer }} inside',
					webpushUrl: 'https://shop.example/cart',
					webpushData: { field: [{ key: 'seg', value: '{{rfm.segment}}' }] },
					webpushOptions: { ttlHours: 2, urgency: 'low', topic: 'spring', allowedHosts: '127.0.0.1' },
				},
				vapid,
			);
			const provider = await webpushModule.create(ctx, 0);
			const fields = { firstName: 'Cy', offer: 'FREESHIP', rfm: { segment: 'Promising' } };
			await drive(provider, recipients(1, () => JSON.stringify(sub.json), () => fields), binaryFetchTransport);
			expect(mock.deliveries[0].payload).toMatchObject({ title: 'Hi Cy', body: 'FREESHIP inside', url: 'https://shop.example/cart', data: { seg: 'Promising' } });
			expect(mock.requests[0]).toMatchObject({ ttl: '7200', urgency: 'low', topic: 'spring' });
			// Without the environment switch the same loopback endpoint is never contacted.
			delete process.env.MICROSEGMENTS_WEBPUSH_ALLOW_PRIVATE;
			const strict = await webpushModule.create(ctx, 0);
			const refused = await drive(strict, recipients(1, () => JSON.stringify(sub.json), () => fields, 'other'), binaryFetchTransport);
			expect(refused.outcomes.map((o) => o.reason)).toEqual(['endpoint_not_allowed']);
			expect(mock.requests).toHaveLength(1);
		} finally {
			delete process.env.MICROSEGMENTS_WEBPUSH_ALLOW_PRIVATE;
			await mock.close();
		}
	});

	test('credential test checks the key pair locally', async () => {
		const ok = await microWebPushVapidApiTest.call({} as never, { id: '1', name: 'v', type: 'microWebPushVapidApi', data: vapid });
		expect(ok).toEqual({ status: 'OK', message: 'The VAPID keys form a valid pair' });
		const other = webpush.generateVAPIDKeys();
		const bad = await microWebPushVapidApiTest.call({} as never, { id: '1', name: 'v', type: 'microWebPushVapidApi', data: { ...vapid, publicKey: other.publicKey } });
		expect(bad.status).toBe('Error');
		expect(bad.message).not.toContain(vapid.privateKey);
		const { ctx } = fakeCtx({ webpushTitle: 'T' }, { ...vapid, subject: 'nobody' });
		await expect(webpushModule.create(ctx, 0)).rejects.toThrow('mailto:');
	});
});

describe('SMTP module', () => {
	test('credential + parameters → mails received from the local SMTP server; pool closes', async () => {
		const server = await startSmtpMock({ authRequired: true });
		try {
			const creds = { host: server.host, port: server.port, secure: false, user: server.user, password: server.password, from: 'Shop <news@shop.example>' };
			const { ctx } = fakeCtx(
				{
					smtpSubject: '={{ $json.firstName | there }}, your reward',
					smtpHtml: '<p>{{firstName}}</p>',
					smtpText: '',
					smtpOptions: { connections: 2, replyTo: 'care@shop.example', listUnsubscribe: 'https://shop.example/u/{{customerId}}' },
				},
				creds,
			);
			const provider = await smtpModule.create(ctx, 0);
			expect(provider.limits.concurrency).toBe(2);
			const res = await drive(provider, recipients(3, (i) => `c${i}@example.org`, (i) => ({ firstName: i === 1 ? '' : `N${i}` })), fetchTransport);
			await provider.close?.();
			expect(res.outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'sent']);
			expect(server.mails.map((m) => [m.to[0], m.subject, m.html]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
				['c0@example.org', 'N0, your reward', '<p>N0</p>'],
				['c1@example.org', 'there, your reward', '<p></p>'],
				['c2@example.org', 'N2, your reward', '<p>N2</p>'],
			]);
			expect(server.received('c0@example.org')[0].headers['list-unsubscribe']).toBe('<https://shop.example/u/c1>');
			expect(server.connections).toBeLessThanOrEqual(2);

			const ok = await microSmtpConnectionTest.call({} as never, { id: '1', name: 's', type: 'microSmtp', data: creds });
			expect(ok.status).toBe('OK');
			const refused = await microSmtpConnectionTest.call({} as never, { id: '1', name: 's', type: 'microSmtp', data: { ...creds, password: 'bad-pass-999' } });
			expect(refused.status).toBe('Error');
			expect(refused.message).not.toContain('bad-pass-999');
			const empty = await microSmtpConnectionTest.call({} as never, { id: '1', name: 's', type: 'microSmtp', data: { host: ' ' } });
			expect(empty).toEqual({ status: 'Error', message: 'The host is empty' });
		} finally {
			await server.close();
		}
	});

	test('a missing sender or body is a NodeOperationError', async () => {
		const noFrom = fakeCtx({ smtpSubject: 'S', smtpText: 'T' }, { host: 'h', port: 25, from: '' });
		await expect(smtpModule.create(noFrom.ctx, 0)).rejects.toThrow('sender');
		const noBody = fakeCtx({ smtpSubject: 'S', smtpText: '', smtpHtml: '' }, { host: 'h', port: 25, from: 'a@b.example' });
		await expect(smtpModule.create(noBody.ctx, 0)).rejects.toThrow('HTML body or a text body');
		// A From option overrides the credential's sender.
		const override = fakeCtx({ smtpSubject: 'S', smtpText: 'T', smtpOptions: { from: 'Other <other@shop.example>' } }, { host: 'h', port: 25, from: '' });
		const p = await smtpModule.create(override.ctx, 0);
		const [planned] = await p.plan(recipients(1, () => 'x@example.org'), { campaignKey: 'k', runKey: 'r', now: () => 0 });
		expect(planned.headers?.From).toBe('Other <other@shop.example>');
		await p.close?.();
	});
});
