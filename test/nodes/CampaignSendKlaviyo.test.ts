import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
/**
 * Campaign Send with the Klaviyo provider, through the node's execute() with n8n-like request
 * helpers (the credential's Authorization header applied as n8n's `authenticate` block does)
 * against the local Klaviyo mock.
 */
import { NodeOperationError, type IDataObject, type IHttpRequestOptions, type INodeExecutionData } from 'n8n-workflow';
import { CampaignSend } from '../../nodes/CampaignSend/CampaignSend.node';
import { MicroKlaviyoApi } from '../../credentials/MicroKlaviyoApi.credentials';
import { credentialSecrets } from '../../nodes/shared/secrets';
import { runNode, toItems, type RunNodeOptions } from '../helpers/runNode';
import { KlaviyoMock } from '../mocks/klaviyo';

const KEY = 'pk_node_test_4f9a2c';
let storage = '';
let mock: KlaviyoMock;
beforeEach(async () => {
	storage = fs.mkdtempSync(path.join(os.tmpdir(), 'campaign-send-klaviyo-'));
	mock = new KlaviyoMock(KEY);
	await mock.start();
});
afterEach(async () => {
	fs.rmSync(storage, { recursive: true, force: true });
	await mock.close();
});

function http(credentials: Record<string, IDataObject>) {
	return async (o: IHttpRequestOptions, credentialType?: string) => {
		const headers: Record<string, string> = {};
		for (const [k, v] of Object.entries(o.headers ?? {})) headers[k] = String(v);
		if (credentialType === 'microKlaviyoApi') headers.Authorization = `Klaviyo-API-Key ${credentials.microKlaviyoApi.apiKey}`;
		const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
		const res = await fetch(o.url, { method: o.method, headers, body });
		const out: Record<string, string> = {};
		res.headers.forEach((v, k) => (out[k] = v));
		return { statusCode: res.status, headers: out, body: await res.text() };
	};
}

function run(items: INodeExecutionData[], parameters: IDataObject, apiKey = KEY) {
	const credentials = { microKlaviyoApi: { apiKey, baseUrl: mock.url } };
	const opts: RunNodeOptions = {
		credentials,
		httpRequest: http(credentials),
		parameters: { provider: 'klaviyo', campaignKey: 'klaviyo-sync', runKey: '2026-03-02', ...parameters },
		storagePath: path.join(storage, 'n8n-nodes-microsegments.campaignSend'),
	};
	return runNode(new CampaignSend(), items, opts);
}

const customers = (): IDataObject[] => [
	{ customerId: 'a', email: 'ann@example.com', rfm: { segment: 'Champions', score: 5, cell: '555' } },
	{ customerId: 'b', email: 'bob@example.com', rfm: { segment: 'At Risk', score: 2, cell: '244' }, consent: { email: 'unsubscribed' } },
	{ customerId: 'c', email: 'cy@example.com', rfm: { segment: 'Champions', score: 5, cell: '545' }, route: { suppressed: true } },
	{ customerId: 'd', rfm: { segment: 'Champions' } },
];

describe('Campaign Send node with Klaviyo', () => {
	test('profiles: default properties and segment lists; unsubscribed still updated (CRM), suppressed never; no email skipped', async () => {
		const [recipients, summary] = await run(toItems(customers()), {});
		expect(summary[0].json.summary).toMatchObject({ provider: 'klaviyo', sent: 2, skipped: 2 });
		expect(recipients.map((r) => (r.json.delivery as IDataObject).reason)).toEqual([null, null, 'suppressed', 'no_address']);
		expect(mock.profiles.get('ann@example.com')!.properties).toEqual({ rfm_segment: 'Champions', rfm_score: 5, rfm_cell: '555' });
		expect(mock.members('rfm: Champions')).toEqual(['ann@example.com']);
		expect(mock.members('rfm: At Risk')).toEqual(['bob@example.com']);
		const [, again] = await run(toItems(customers()), {});
		expect(again[0].json.summary).toMatchObject({ sent: 0, requests: 0 });
	});

	test('event: "VIP entered Champions" once per customer', async () => {
		const [, summary] = await run(toItems(customers()), { klaviyoAction: 'event', klaviyoEventPrefix: 'VIP entered ' });
		expect(summary[0].json.summary).toMatchObject({ sent: 2 });
		expect(mock.events.map((e) => e.metric).sort()).toEqual(['VIP entered At Risk', 'VIP entered Champions']);
	});

	test('a $ property name is refused with a clear error; the key is a secret the redactor knows', async () => {
		await expect(run(toItems(customers()), { klaviyoProperties: { property: [{ property: '$email', field: 'email' }] } })).rejects.toThrow(NodeOperationError);
		expect(credentialSecrets(new MicroKlaviyoApi().name, { apiKey: KEY, baseUrl: 'x' })).toContain(KEY);
	});

	test('a wrong key: the run is refused, the key is not in the message', async () => {
		mock.close();
		mock = new KlaviyoMock('pk_other');
		await mock.start();
		const p = run(toItems(customers()), { klaviyoSegmentLists: false }, 'pk_wrong_key_123456');
		await expect(p).rejects.toThrow(/klaviyo refused the run \(unauthorized\)/);
		await expect(run(toItems(customers()), { klaviyoSegmentLists: false }, 'pk_wrong_key_123456')).rejects.not.toThrow(/pk_wrong_key_123456/);
	});
});
