/**
 * Campaign Send → Mailchimp through the fake IExecuteFunctions against the Mailchimp mock, the
 * credential applied as its `authenticate` block does (Basic anystring:key).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { IDataObject, IHttpRequestOptions, INodeExecutionData } from 'n8n-workflow';
import { CampaignSend } from '../../nodes/CampaignSend/CampaignSend.node';
import { mailchimpBaseUrl } from '../../nodes/CampaignSend/providers/mailchimp';
import { credentialSecrets } from '../../nodes/shared/secrets';
import { runNode, toItems, type RunNodeOptions } from '../helpers/runNode';
import { MailchimpMock, md5 } from '../mocks/mailchimp';

const KEY = 'fedcba9876543210fedcba9876543210-us21';
const LIST = 'a1b2c3d4e5';
let storage = '';
let mock: MailchimpMock;
beforeEach(async () => {
	storage = fs.mkdtempSync(path.join(os.tmpdir(), 'campaign-send-mailchimp-'));
	mock = new MailchimpMock(KEY);
	await mock.start();
});
afterEach(async () => {
	fs.rmSync(storage, { recursive: true, force: true });
	await mock.close();
});

function http(credentials: IDataObject) {
	return async (o: IHttpRequestOptions) => {
		const headers: Record<string, string> = { authorization: `Basic ${Buffer.from(`anystring:${String(credentials.apiKey)}`).toString('base64')}` };
		for (const [k, v] of Object.entries(o.headers ?? {})) headers[k] = String(v);
		const res = await fetch(o.url, { method: o.method, headers, body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) });
		const outHeaders: Record<string, string> = {};
		res.headers.forEach((v, k) => (outHeaders[k] = v));
		return { statusCode: res.status, headers: outHeaders, body: await res.text() };
	};
}

function run(items: INodeExecutionData[], parameters: IDataObject = {}, extra: Partial<RunNodeOptions> = {}) {
	const cred = { apiKey: KEY, baseUrl: `${mock.url}/3.0` };
	return runNode(new CampaignSend(), items, {
		storagePath: path.join(storage, 'n8n-nodes-microsegments.campaignSend'),
		credentials: { microMailchimpApi: cred },
		httpRequest: http(cred),
		parameters: { provider: 'mailchimp', mailchimpListId: LIST, campaignKey: 'mailchimp-segments', ...parameters },
		...extra,
	});
}

const rows = (): IDataObject[] => [
	{ customerId: 'c1', email: 'Ann@Example.com', rfm: { segment: 'Champions', cell: '555', score: 15 } },
	{ customerId: 'c2', email: 'bob@example.com', rfm: { segment: 'Loyal', cell: '444', score: 12 }, change: { type: 'moved', from: 'Champions', to: 'Loyal' } },
	{ customerId: 'c3', rfm: { segment: 'Loyal' } },
	{ customerId: 'c4', email: 'cy@example.com', rfm: { segment: 'Loyal' }, consent: { email: 'unsubscribed' } },
];

describe('Campaign Send → Mailchimp', () => {
	test('members upserted with the default merge fields and segment tags; unsubscribed customers updated too (crm channel); a rerun sends nothing', async () => {
		mock.lists.get(LIST)!.members.set(md5('bob@example.com'), { email: 'bob@example.com', status: 'subscribed', mergeFields: {}, tags: new Set(['rfm: Champions']) });
		const [out, summary] = await run(toItems(rows()));
		expect(out.map((o) => `${(o.json.delivery as IDataObject).status}:${(o.json.delivery as IDataObject).reason ?? ''}`)).toEqual(['sent:', 'sent:', 'skipped:no_address', 'sent:']);
		expect(mock.member(LIST, 'ann@example.com')).toMatchObject({ status: 'transactional', mergeFields: { RFM_SEG: 'Champions', RFM_CELL: '555', RFM_SCORE: 15 } });
		expect([...mock.member(LIST, 'bob@example.com')!.tags]).toEqual(['rfm: Loyal']);
		expect(summary[0].json.summary).toMatchObject({ provider: 'mailchimp', sent: 3, requests: 2 });
		const before = JSON.stringify(mock.changes);
		const [, summary2] = await run(toItems(rows()));
		expect(summary2[0].json.summary).toMatchObject({ sent: 0, requests: 0 });
		expect(JSON.stringify(mock.changes)).toBe(before);
	});

	test('bad settings are clear errors before any request', async () => {
		await expect(run(toItems(rows()), { mailchimpListId: 'a b' })).rejects.toThrow(/Audience \(List\) ID/);
		await expect(run(toItems(rows()), { mailchimpMergeFields: { field: [{ tag: 'rfm segment', field: 'rfm.segment' }] } })).rejects.toThrow(/merge tag/);
		expect(mock.log).toHaveLength(0);
	});

	test('base URL from the key data center; the key is a secret for the redactor', () => {
		expect(mailchimpBaseUrl(KEY, '')).toBe('https://us21.api.mailchimp.com/3.0');
		expect(mailchimpBaseUrl('nodc', '')).toBeUndefined();
		expect(mailchimpBaseUrl(KEY, 'http://127.0.0.1:9/3.0/')).toBe('http://127.0.0.1:9/3.0');
		expect(credentialSecrets('microMailchimpApi', { apiKey: KEY, baseUrl: '' })).toEqual([KEY]);
	});
});
