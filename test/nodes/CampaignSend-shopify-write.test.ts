/**
 * Campaign Send → Shopify (tags and metafield) through the fake IExecuteFunctions against the
 * Shopify Admin mock, with the credential applied as its `authenticate` block does
 * (X-Shopify-Access-Token) and the base URL built from the credential.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { IDataObject, IHttpRequestOptions, INodeExecutionData } from 'n8n-workflow';
import { CampaignSend } from '../../nodes/CampaignSend/CampaignSend.node';
import { runNode, toItems, type RunNodeOptions } from '../helpers/runNode';
import { startShopifyMock, type ShopifyMock } from '../mocks/shopify';

const TOKEN = 'shpat_node_test_0123456789';
let storage = '';
let mock: ShopifyMock;
beforeEach(async () => {
	storage = fs.mkdtempSync(path.join(os.tmpdir(), 'campaign-send-shopify-'));
	mock = await startShopifyMock({ token: TOKEN, dataOptions: { customers: 10, orders: 5, seed: 5 } });
});
afterEach(async () => {
	fs.rmSync(storage, { recursive: true, force: true });
	await mock.close();
});

function http(credentials: IDataObject) {
	return async (o: IHttpRequestOptions) => {
		const headers: Record<string, string> = { 'X-Shopify-Access-Token': String(credentials.accessToken) };
		for (const [k, v] of Object.entries(o.headers ?? {})) headers[k] = String(v);
		const res = await fetch(o.url, { method: o.method, headers, body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) });
		const outHeaders: Record<string, string> = {};
		res.headers.forEach((v, k) => (outHeaders[k] = v));
		return { statusCode: res.status, headers: outHeaders, body: await res.text() };
	};
}

function run(items: INodeExecutionData[], parameters: IDataObject = {}, extra: Partial<RunNodeOptions> = {}) {
	const cred = { shopDomain: 'mock-shop.myshopify.com', accessToken: TOKEN, apiVersion: '2026-01', baseUrl: mock.url };
	return runNode(new CampaignSend(), items, {
		storagePath: path.join(storage, 'n8n-nodes-microsegments.campaignSend'),
		credentials: { microShopifyApi: cred },
		httpRequest: http(cred),
		parameters: { provider: 'shopify', campaignKey: 'shopify-segments', ...parameters },
		...extra,
	});
}

const rows = (): IDataObject[] => [
	{ customerId: '7000000', email: 'x@example.com', rfm: { segment: 'Champions', r: 5, f: 5, m: 5, cell: '555', score: 15 } },
	{ customerId: 'C-17', email: mock.data.customer(1).email, rfm: { segment: 'At Risk', r: 1, f: 3, m: 4, cell: '134', score: 8 } },
	{ customerId: '7000002', rfm: { segment: 'Loyal', r: 4, f: 4, m: 3 }, change: { type: 'moved', from: 'Champions', to: 'Loyal' } },
	{ customerId: 'C-18', rfm: { segment: 'Loyal' } },
];

describe('Campaign Send → Shopify', () => {
	test('tags and metafield by id, by email (Address Field), the old tag removed; a rerun sends nothing', async () => {
		mock.write.tags.set(2, ['vip', 'rfm: Champions']);
		const [out, summary] = await run(toItems(rows()));
		const d = out.map((o) => o.json.delivery as IDataObject);
		expect(d.map((x) => `${x.status}:${x.reason ?? ''}`)).toEqual(['sent:', 'failed:invalid_address', 'sent:', 'failed:invalid_address']);
		expect(mock.write.tagsOf(0)).toContain('rfm: Champions');
		expect(mock.write.tagsOf(2)).toEqual(['rfm: Loyal', 'vip']);
		expect(JSON.parse(mock.write.metafield(0, 'microsegments', 'rfm')!.value)).toEqual({ rfm: { segment: 'Champions', r: 5, f: 5, m: 5, cell: '555', score: 15 } });
		expect(summary[0].json.summary).toMatchObject({ provider: 'shopify', sent: 2, failed: 2, requests: 2 });

		// Customers from a CSV have no Shopify id: Address Field = email looks them up.
		const [byEmail] = await run(toItems(rows().slice(1, 2)), { addressField: 'email', campaignKey: 'shopify-by-email' });
		expect((byEmail[0].json.delivery as IDataObject).status).toBe('sent');
		expect(mock.write.tagsOf(1)).toContain('rfm: At Risk');

		const before = JSON.stringify(mock.write.writes);
		const [again, summary2] = await run(toItems(rows()));
		expect(again.map((o) => (o.json.delivery as IDataObject).reason)).toEqual(['already_sent', 'invalid_address', 'already_sent', 'invalid_address']);
		expect(summary2[0].json.summary).toMatchObject({ requests: 0 });
		expect(JSON.stringify(mock.write.writes)).toBe(before);
	});

	test('a bad metafield key is a clear error before any request', async () => {
		await expect(run(toItems(rows()), { shopifyMetafieldKey: 'rfm score' })).rejects.toThrow(/Metafield Key/);
		expect(mock.stats.dataRequests).toBe(0);
	});

	test('metafield off: tags only, no metafieldsSet', async () => {
		await run(toItems(rows().slice(0, 1)), { shopifyMetafield: false, shopifyTagPrefix: '' });
		expect(mock.write.tagsOf(0)).toContain('Champions');
		expect(mock.stats.byRoot.metafieldsSet ?? 0).toBe(0);
	});
});
