import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
/**
 * Campaign Send node through the fake IExecuteFunctions (test/helpers/runNode.ts), with n8n's
 * request helpers implemented over fetch against the local provider mocks (credentials applied
 * the way their `authenticate` blocks do).
 */
import { NodeOperationError, type IDataObject, type IHttpRequestOptions, type INodeExecutionData, type INodeType } from 'n8n-workflow';
import { CampaignSend } from '../../nodes/CampaignSend/CampaignSend.node';
import { localDate } from '../../nodes/CampaignSend/CampaignSend.execute';
import { campaignSendCredentials } from '../../nodes/CampaignSend/CampaignSend.description';
import { providerModules } from '../../nodes/CampaignSend/providers';
import { runNode, toItems, type RunNodeOptions } from '../helpers/runNode';
import { SendGridMock } from '../mocks/sendgrid';
import { BrevoMock } from '../mocks/brevo';
import { HubSpotSendMock } from '../mocks/hubspot-send';

/** n8n's storage folder for nodes, fresh for every test (the File Journal ledger lives there). */
let storage = '';
beforeEach(() => (storage = fs.mkdtempSync(path.join(os.tmpdir(), 'campaign-send-storage-'))));
afterEach(() => fs.rmSync(storage, { recursive: true, force: true }));
const runCampaignSend = (items: INodeExecutionData[], opts: RunNodeOptions = {}) => runNode(new CampaignSend(), items, { storagePath: path.join(storage, 'n8n-nodes-microsegments.campaignSend'), ...opts });

const TEMPLATE = 'd-0123456789abcdef0123456789abcdef';

function httpVia(credentials: Record<string, IDataObject>) {
	return async (o: IHttpRequestOptions, credentialType?: string) => {
		const headers: Record<string, string> = {};
		for (const [k, v] of Object.entries(o.headers ?? {})) headers[k] = String(v);
		const c = credentialType ? credentials[credentialType] : undefined;
		if (credentialType === 'microSendGridApi') headers.Authorization = `Bearer ${c!.apiKey}`;
		if (credentialType === 'microBrevoApi') headers['api-key'] = String(c!.apiKey);
		if (credentialType === 'microHubSpotApi') headers.Authorization = `Bearer ${c!.accessToken}`;
		const url = new URL(o.url);
		for (const [k, v] of Object.entries((o.qs ?? {}) as IDataObject)) if (v !== undefined) url.searchParams.set(k, String(v));
		let body: string | undefined;
		if (o.body !== undefined) {
			body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
			if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
		}
		const res = await fetch(url, { method: o.method, headers, body, signal: AbortSignal.timeout(Number(o.timeout ?? 30000)) });
		const text = await res.text();
		const outHeaders: Record<string, string> = {};
		res.headers.forEach((v, k) => (outHeaders[k] = v));
		return { statusCode: res.status, headers: outHeaders, body: text };
	};
}

function customers(): IDataObject[] {
	return [
		{ customerId: 'c1', email: 'ann@example.com', firstName: 'Ann', rfm: { segment: 'Champions', cell: '555' }, consent: { email: 'subscribed' } },
		{ customerId: 'c2', email: 'bob@example.com', firstName: 'Bob', rfm: { segment: 'Champions', cell: '545' }, route: { suppressed: true, holdout: false } },
		{ customerId: 'c3', email: 'cy@example.com', firstName: 'Cy', rfm: { segment: 'Champions', cell: '455' }, route: { suppressed: false, holdout: true } },
		{ customerId: 'c4', email: 'di@example.com', firstName: 'Di', rfm: { segment: 'Champions', cell: '445' }, consent: { email: 'unsubscribed' } },
		{ customerId: 'c5', firstName: 'Ed', rfm: { segment: 'Champions', cell: '444' } },
		{ customer_id: 'c6', email: 'FAY@example.com', firstName: 'Fay', rfm: { segment: 'Champions', cell: '554' } },
		{ email: 'gus@example.com', firstName: 'Gus' },
	];
}

let sg: SendGridMock;
beforeEach(async () => {
	sg = new SendGridMock('SG.key');
	await sg.start();
});
afterEach(async () => sg.close());

function sendgridRun(items: INodeExecutionData[], extra: Partial<RunNodeOptions> & { parameters?: IDataObject } = {}) {
	const credentials = { microSendGridApi: { apiKey: 'SG.key', baseUrl: sg.url } };
	return runCampaignSend(items, {
		credentials,
		httpRequest: httpVia(credentials),
		...extra,
		parameters: { provider: 'sendgrid', sendgridTemplateId: TEMPLATE, sendgridFromEmail: 'shop@example.com', campaignKey: 'champions-thanks', ...(extra.parameters ?? {}) },
	});
}

describe('Campaign Send node', () => {
	test('description: one credential per provider credential type (matching the registry), outputs Recipients, Summary and Unconfirmed', () => {
		const d = new CampaignSend().description;
		const declared = (d.credentials ?? []).filter((c) => c.name !== 'microPostgresLedger').map(({ testedBy: _t, ...c }) => c);
		expect(declared).toEqual(campaignSendCredentials());
		const tested = (d.credentials ?? []).filter((c) => c.testedBy).map((c) => c.testedBy as string);
		expect(tested.sort()).toEqual(['microPostgresLedgerTest', 'microSmtpConnectionTest', 'microWebPushVapidApiTest']);
		const methods = new CampaignSend().methods.credentialTest as Record<string, unknown>;
		for (const t of tested) expect(typeof methods[t]).toBe('function');
		expect(d.credentials!.find((c) => c.name === 'microPostgresLedger')).toMatchObject({ testedBy: 'microPostgresLedgerTest', displayOptions: { show: { ledger: ['postgres'] } } });
		expect(d.outputNames).toEqual(['Recipients', 'Summary', 'Unconfirmed']);
		const providerOption = d.properties.find((p) => p.name === 'provider')!;
		expect((providerOption.options as { value: string }[]).map((o) => o.value)).toEqual(providerModules.map((m) => m.id));
		const names = d.properties.map((p) => p.name);
		expect(new Set(names).size).toBe(names.length);
	});

	test('one item per recipient with the delivery group, fields kept, skips explained, a summary output', async () => {
		const logs: string[] = [];
		const staticData: IDataObject = {};
		const [out, summary] = await sendgridRun(toItems(customers()), { staticData, logs });
		expect(out).toHaveLength(7);
		const d = out.map((o) => o.json.delivery as IDataObject);
		expect(d.map((x) => `${x.status}:${x.reason ?? ''}`)).toEqual([
			'sent:',
			'skipped:suppressed',
			'skipped:holdout',
			'skipped:no_consent',
			'skipped:no_address',
			'sent:',
			'sent:',
		]);
		expect(out[0].json).toMatchObject({ customerId: 'c1', firstName: 'Ann', rfm: { segment: 'Champions' } });
		expect(d[0]).toMatchObject({ provider: 'sendgrid', attempts: 1, messageId: expect.stringMatching(/^sgmsg/), sendKey: expect.stringMatching(/^[0-9a-f]{32}$/) });
		expect(out.map((o) => o.pairedItem)).toEqual(out.map((_, i) => ({ item: i })));
		expect(sg.messages.map((m) => m.email).sort()).toEqual(['ann@example.com', 'fay@example.com', 'gus@example.com']);
		expect(sg.messages[0].campaign).toBe('champions-thanks');
		expect(summary).toHaveLength(1);
		expect(summary[0].json.summary).toMatchObject({
			provider: 'sendgrid',
			total: 7,
			sent: 3,
			skipped: 4,
			failed: 0,
			skippedByReason: { suppressed: 1, holdout: 1, no_consent: 1, no_address: 1 },
			requests: 1,
			retries: 0,
			ledger: 'journal',
			runKey: localDate(Date.now(), 'UTC'),
		});
		expect(logs.join('\n')).not.toMatch(/@example\.com|SG\.key/);
		// The file journal remembers manual runs too: no warning.
		expect((summary[0].json.summary as IDataObject).warning).toBeUndefined();
		// The rerun skips everyone already sent.
		const [again] = await sendgridRun(toItems(customers()), { staticData });
		expect(again.filter((o) => (o.json.delivery as IDataObject).reason === 'already_sent')).toHaveLength(3);
		expect(sg.messages).toHaveLength(3);
		// runNode runs in 'manual' mode: the static-data ledger is not saved by n8n there, and the summary says so.
		const [, staticSummary] = await sendgridRun(toItems(customers()), { parameters: { ledger: 'staticData', runKey: 'other' } });
		expect((staticSummary[0].json.summary as IDataObject).warning).toMatch(/Manual execution/);
	});

	test('campaign key from the Segment Router when left empty; custom run key; frequency cap', async () => {
		const items = [
			{ customerId: 'a', email: 'a@example.com', route: { campaignKey: 'winback', suppressed: false, holdout: false } },
			{ customerId: 'b', email: 'b@example.com', route: { campaignKey: 'winback', suppressed: false, holdout: false } },
		];
		const staticData: IDataObject = {};
		const [, s1] = await sendgridRun(toItems(items), { staticData, parameters: { campaignKey: '', runKey: 'week-1', frequencyCapMessages: 1, frequencyCapDays: 7 } });
		expect(s1[0].json.summary).toMatchObject({ campaignKey: 'winback', runKey: 'week-1', sent: 2 });
		const [out2] = await sendgridRun(toItems(items), { staticData, parameters: { campaignKey: 'other', frequencyCapMessages: 1, frequencyCapDays: 7 } });
		expect(out2.map((o) => (o.json.delivery as IDataObject).reason)).toEqual(['frequency_cap', 'frequency_cap']);
	});

	test('merged branches: one run and one summary per Segment Router campaign', async () => {
		const items = [
			{ customerId: 'a', email: 'a@example.com', route: { campaignKey: 'Champions: Early Access', segment: 'Champions' } },
			{ customerId: 'b', email: 'b@example.com', route: { campaignKey: 'At Risk: Win-Back', segment: 'At Risk' } },
			{ customerId: 'c', email: 'c@example.com', route: { campaignKey: 'Champions: Early Access', segment: 'Champions' } },
		];
		const [out, summary] = await sendgridRun(toItems(items), { parameters: { campaignKey: '' } });
		expect(out.map((o) => (o.json.delivery as IDataObject).status)).toEqual(['sent', 'sent', 'sent']);
		expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(summary.map((s) => (s.json.summary as IDataObject).campaignKey)).toEqual(['Champions: Early Access', 'At Risk: Win-Back']);
		expect(summary.map((s) => (s.json.summary as IDataObject).sent)).toEqual([2, 1]);
		expect(Object.fromEntries(sg.messages.map((m) => [m.email, m.campaign]))).toEqual({
			'a@example.com': 'Champions: Early Access',
			'b@example.com': 'At Risk: Win-Back',
			'c@example.com': 'Champions: Early Access',
		});
		expect(sg.messages.find((m) => m.email === 'b@example.com')!.segment).toBe('At Risk');
	});

	test('dry run: the Summary output lists the exact requests; nothing sent, nothing recorded', async () => {
		const staticData: IDataObject = {};
		const [out, summary] = await sendgridRun(toItems(customers()), { staticData, parameters: { dryRun: true } });
		expect(sg.log).toHaveLength(0);
		expect(out.filter((o) => (o.json.delivery as IDataObject).reason === 'dry_run')).toHaveLength(3);
		expect(summary).toHaveLength(2);
		const req = summary[1].json as IDataObject;
		expect(req).toMatchObject({ batch: 1, recipients: 3, request: { method: 'POST', url: `${sg.url}/v3/mail/send` } });
		const body = (req.request as IDataObject).body as { personalizations: { to: { email: string }[] }[]; template_id: string };
		expect(body.template_id).toBe(TEMPLATE);
		expect(body.personalizations.map((p) => p.to[0].email)).toEqual(['ann@example.com', 'FAY@example.com', 'gus@example.com']);
		expect(JSON.stringify(summary)).not.toContain('SG.key');
		expect(JSON.stringify(staticData)).not.toMatch(/[0-9a-f]{20}/);
	});

	test('a refused credential fails the node without leaking the key; continueOnFail reports every recipient', async () => {
		const credentials = { microSendGridApi: { apiKey: 'SG.wrong-secret', baseUrl: sg.url } };
		const opts = {
			credentials,
			httpRequest: httpVia(credentials),
			parameters: { provider: 'sendgrid', sendgridTemplateId: TEMPLATE, sendgridFromEmail: 'shop@example.com' },
		};
		const err = await runCampaignSend(toItems(customers()), opts).catch((e) => e);
		expect(err).toBeInstanceOf(NodeOperationError);
		expect(err.message).toContain('unauthorized');
		expect(err.message).not.toContain('SG.wrong-secret');
		const [out] = await runCampaignSend(toItems(customers()), { ...opts, continueOnFail: true });
		expect(out.filter((o) => (o.json.delivery as IDataObject).reason === 'unauthorized')).toHaveLength(3);
	});

	test('a provider echoing a short key (no known shape) in its 401: the node error and the items never show it', async () => {
		await sg.close();
		sg = new SendGridMock('SG.key', { faults: () => ({ status: 401, body: { errors: [{ field: null, message: 'Bad key k9Short: access denied' }] } }) });
		await sg.start();
		const credentials = { microSendGridApi: { apiKey: 'k9Short', baseUrl: sg.url } };
		const opts = { credentials, httpRequest: httpVia(credentials) };
		const err = await sendgridRun(toItems(customers()), opts).catch((e) => e);
		expect(err.message).toContain('Bad key [redacted]: access denied');
		expect(err.message).not.toContain('k9Short');
		const [out, summary] = await sendgridRun(toItems(customers()), { ...opts, continueOnFail: true });
		expect(JSON.stringify([out, summary])).not.toContain('k9Short');
	});

	test('with "On Error: Continue (using error output)" failed recipients are shaped for n8n\'s error output', async () => {
		const node = new CampaignSend();
		const withErrorOutput: INodeType = {
			description: node.description,
			async execute(this: { getNode: () => object }) {
				const original = this.getNode;
				this.getNode = () => ({ ...original(), onError: 'continueErrorOutput' });
				return node.execute.call(this as never);
			},
		};
		const credentials = { microSendGridApi: { apiKey: 'SG.key', baseUrl: sg.url } };
		const items = [
			{ customerId: 'a', email: 'a@example.com' },
			{ customerId: 'b', email: 'not an email' },
		];
		const [out] = await runNode(withErrorOutput, toItems(items), {
			storagePath: path.join(storage, 'n8n-nodes-microsegments.campaignSend'),
			credentials,
			httpRequest: httpVia(credentials),
			continueOnFail: true,
			parameters: { provider: 'sendgrid', sendgridTemplateId: TEMPLATE, sendgridFromEmail: 'shop@example.com' },
		});
		expect(out[0].json).toMatchObject({ customerId: 'a', delivery: { status: 'sent' } });
		// n8n's error-output format: only `error` (n8n merges the input item's fields back in).
		expect(Object.keys(out[1].json)).toEqual(['error']);
		expect(out[1].json.error).toMatchObject({ message: 'Not sent: invalid_address', status: 'failed', reason: 'invalid_address', provider: 'sendgrid' });
		expect(out[1].pairedItem).toEqual({ item: 1 });
	});

	test('a lost answer: those recipients leave through the Unconfirmed output, and a rerun holds them there', async () => {
		await sg.close();
		sg = new SendGridMock('SG.key', { faults: ['reset-after-accept'] });
		await sg.start();
		const staticData: IDataObject = {};
		const items = toItems(customers());
		const [out, summary, held] = await sendgridRun(items, { staticData });
		expect(out.map((o) => (o.json.customerId as string) ?? (o.json.customer_id as string) ?? '-')).toEqual(['c2', 'c3', 'c4', 'c5']);
		expect(held.map((o) => o.json.delivery as IDataObject).map((d) => `${d.status}:${d.reason}`)).toEqual(Array(3).fill('unconfirmed:connection_reset'));
		expect(held.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 5 }, { item: 6 }]);
		expect(held[0].json).toMatchObject({ customerId: 'c1', email: 'ann@example.com' });
		expect(summary[0].json.summary).toMatchObject({ sent: 0, unconfirmed: 3, unconfirmedByReason: { connection_reset: 3 } });
		expect(sg.messages).toHaveLength(3);
		const [, , again] = await sendgridRun(items, { staticData });
		expect(again.map((o) => (o.json.delivery as IDataObject).reason)).toEqual(['unconfirmed', 'unconfirmed', 'unconfirmed']);
		expect(sg.messages).toHaveLength(3);
		const [marked] = await sendgridRun(items, { staticData, parameters: { options: { unconfirmedSends: 'markSent' } } });
		expect(marked.filter((o) => (o.json.delivery as IDataObject).reason === 'marked_sent')).toHaveLength(3);
		expect(sg.messages).toHaveLength(3);
	});

	test("the default ledger is a journal in n8n's storage folder; a workflow's static-data history moves into it; queue mode is refused", async () => {
		const staticData: IDataObject = {};
		// Before: the workflow used the static-data ledger (the old default).
		await sendgridRun(toItems(customers()), { staticData, parameters: { ledger: 'staticData' } });
		expect(Object.keys((staticData.microsegmentsDeliveryLedger as { e: object }).e)).toHaveLength(3);
		expect(sg.messages).toHaveLength(3);
		// Now the same workflow, saved before the change (no ledger parameter): nothing is sent twice.
		const [out, summary] = await sendgridRun(toItems(customers()), { staticData });
		expect(out.filter((o) => (o.json.delivery as IDataObject).reason === 'already_sent')).toHaveLength(3);
		expect(summary[0].json.summary).toMatchObject({ ledger: 'journal', sent: 0 });
		expect(sg.messages).toHaveLength(3);
		expect(staticData.microsegmentsDeliveryLedger).toEqual({ v: 1, e: {}, movedTo: 'journal' });
		const file = path.join(storage, 'n8n-nodes-microsegments', 'send-ledger-test-workflow.jsonl');
		expect(fs.readFileSync(file, 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(4);
		process.env.EXECUTIONS_MODE = 'queue';
		try {
			await expect(sendgridRun(toItems(customers()), { staticData })).rejects.toThrow('queue mode');
		} finally {
			delete process.env.EXECUTIONS_MODE;
		}
	});

	test('bad settings are reported before anything is sent', async () => {
		await expect(sendgridRun(toItems(customers()), { parameters: { sendgridTemplateId: 'welcome' } })).rejects.toThrow('Dynamic Template ID');
		await expect(sendgridRun(toItems(customers()), { parameters: { sendgridFromEmail: 'nobody' } })).rejects.toThrow('From Email');
		await expect(sendgridRun(toItems(customers()), { parameters: { consent: 'field', consentField: ' ' } })).rejects.toThrow('Consent Field');
		expect(sg.log).toHaveLength(0);
	});

	test('custom consent field and opt-out values; 0 items', async () => {
		const items = [
			{ customerId: 'a', email: 'a@example.com', marketing: 'NO' },
			{ customerId: 'b', email: 'b@example.com', marketing: 'yes' },
		];
		const [out] = await sendgridRun(toItems(items), { parameters: { consent: 'field', consentField: 'marketing', consentOptOutValues: 'no, false' } });
		expect(out.map((o) => (o.json.delivery as IDataObject).status)).toEqual(['skipped', 'sent']);
		const [none, s] = await sendgridRun([], {});
		expect(none).toEqual([]);
		expect(s[0].json.summary).toMatchObject({ total: 0, sent: 0 });
	});
});

describe('Campaign Send node with Brevo and HubSpot', () => {
	test('Brevo: template params per customer, idempotency key per batch', async () => {
		const brevo = new BrevoMock('xkeysib-1');
		await brevo.start();
		try {
			const credentials = { microBrevoApi: { apiKey: 'xkeysib-1', baseUrl: brevo.url } };
			const [out] = await runCampaignSend(toItems(customers()), {
				credentials,
				httpRequest: httpVia(credentials),
				parameters: { provider: 'brevo', brevoTemplateId: 7, brevoParamFields: 'firstName, rfm.segment', campaignKey: 'thanks' },
			});
			expect(out.filter((o) => (o.json.delivery as IDataObject).status === 'sent')).toHaveLength(3);
			expect(brevo.messages.find((m) => m.email === 'ann@example.com')!.params).toEqual({ firstName: 'Ann', rfm: { segment: 'Champions' } });
			expect(brevo.messages[0].idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
		} finally {
			await brevo.close();
		}
	});

	test('HubSpot CRM: default mapping writes rfm_segment and rfm_score; opted-out customers are still updated, suppressed ones never', async () => {
		const hs = new HubSpotSendMock('pat-1');
		await hs.start();
		try {
			const credentials = { microHubSpotApi: { accessToken: 'pat-1', baseUrl: hs.url } };
			const [out, summary] = await runCampaignSend(toItems(customers()), {
				credentials,
				httpRequest: httpVia(credentials),
				parameters: { provider: 'hubspot', campaignKey: 'crm-sync', frequencyCapMessages: 1 },
			});
			const d = out.map((o) => `${(o.json.delivery as IDataObject).status}:${(o.json.delivery as IDataObject).reason ?? ''}`);
			expect(d).toEqual(['sent:', 'skipped:suppressed', 'skipped:holdout', 'sent:', 'skipped:no_address', 'sent:', 'sent:']);
			expect(hs.contacts.get('di@example.com')!.properties).toMatchObject({ rfm_segment: 'Champions', rfm_score: '445' });
			expect(summary[0].json.summary).toMatchObject({ provider: 'hubspot', sent: 4 });
		} finally {
			await hs.close();
		}
	});

	test('HubSpot list add needs a numeric list id', async () => {
		const credentials = { microHubSpotApi: { accessToken: 'pat-1', baseUrl: 'http://127.0.0.1:9' } };
		await expect(
			runCampaignSend(toItems(customers()), { credentials, httpRequest: httpVia(credentials), parameters: { provider: 'hubspot', hubspotAction: 'listAdd', hubspotListId: 'abc' } }),
		).rejects.toThrow('List ID');
	});
});

describe('Campaign Send node with the PostgreSQL ledger', () => {
	const url = process.env.MICRO_TEST_PG_URL;
	if (!url) {
		// jest's globalSetup (test/setup/) starts PostgreSQL and sets the URL: never skipped.
		test('needs MICRO_TEST_PG_URL', () => {
			throw new Error('MICRO_TEST_PG_URL is not set: run the tests through jest (its globalSetup starts PostgreSQL) or export the URL of your own server');
		});
		return;
	}
	const table = `node_ledger_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
	afterAll(async () => {
		const { Pool } = await import('pg');
		const pool = new Pool({ connectionString: url });
		await pool.query(`DROP TABLE IF EXISTS ${table}`);
		await pool.query(`DROP TABLE IF EXISTS ${table}_customers`);
		await pool.end();
	});

	test('two workflows sharing the table: the second skips what the first sent, and the cap spans both', async () => {
		const run = (campaignKey: string, staticData: IDataObject) =>
			sendgridRun(toItems(customers()), {
				staticData,
				credentials: { microSendGridApi: { apiKey: 'SG.key', baseUrl: sg.url }, microPostgresLedger: { connectionUrl: url, ssl: 'disable' } },
				parameters: { ledger: 'postgres', campaignKey, frequencyCapMessages: 1, options: { ledgerTable: table } },
			});
		const [a, sa] = await run('thanks', {});
		expect(sa[0].json.summary).toMatchObject({ ledger: 'postgres', sent: 3 });
		const [b] = await run('thanks', {});
		expect(b.filter((o) => (o.json.delivery as IDataObject).reason === 'already_sent')).toHaveLength(3);
		const [c] = await run('another-campaign', {});
		expect(c.filter((o) => (o.json.delivery as IDataObject).reason === 'frequency_cap')).toHaveLength(3);
		expect(sg.messages).toHaveLength(3);
		expect(a).toHaveLength(7);
	});

	test('credential test connects (and reports a bad password without echoing it)', async () => {
		const { testPostgresLedger } = await import('../../nodes/CampaignSend/ledger');
		const ok = await testPostgresLedger.call({} as never, { id: '1', name: 'pg', type: 'microPostgresLedger', data: { connectionUrl: url } });
		expect(ok.status).toBe('OK');
		const bad = await testPostgresLedger.call({} as never, { id: '1', name: 'pg', type: 'microPostgresLedger', data: { host: '127.0.0.1', port: 1, database: 'x', user: 'x', password: 'S3cret-pass' } });
		expect(bad.status).toBe('Error');
		expect(bad.message).not.toContain('S3cret-pass');
	});
});
