/**
 * Campaign Send as an AI-agent tool. n8n builds the tool variant of a `usableAsTool` node with the
 * node type `<type>Tool` (here `n8n-nodes-microsegments.campaignSendTool`): that variant plans only
 * (a dry run) unless the workflow author turned on "Send for Real". The SendGrid mock is the
 * witness: it records every request that reached it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { IDataObject, IHttpRequestOptions, INodeExecutionData, INodeProperties, INodeType } from 'n8n-workflow';
import { CampaignSend } from '../../nodes/CampaignSend/CampaignSend.node';
import { isAgentToolVariant, isDryRun } from '../../nodes/core/delivery/agentTool';
import { runNode, toItems } from '../helpers/runNode';
import { SendGridMock } from '../mocks/sendgrid';

const TEMPLATE = 'd-0123456789abcdef0123456789abcdef';
let storage = '';
let sg: SendGridMock;
beforeEach(async () => {
	storage = fs.mkdtempSync(path.join(os.tmpdir(), 'campaign-send-tool-'));
	sg = new SendGridMock('SG.key');
	await sg.start();
});
afterEach(async () => {
	await sg.close();
	fs.rmSync(storage, { recursive: true, force: true });
});

/** The node as n8n offers it to an agent: same class, description renamed `campaignSendTool`. */
function toolVariant(): INodeType {
	const node = new CampaignSend();
	return { description: { ...node.description, name: `${node.description.name}Tool`, displayName: `${node.description.displayName} Tool` }, execute: node.execute } as INodeType;
}

async function run(nodeType: INodeType, parameters: IDataObject) {
	const credentials = { microSendGridApi: { apiKey: 'SG.key', baseUrl: sg.url } };
	const httpRequest = async (o: IHttpRequestOptions) => {
		const res = await fetch(o.url, { method: o.method, headers: { Authorization: 'Bearer SG.key', 'content-type': 'application/json' }, body: JSON.stringify(o.body) });
		const headers: Record<string, string> = {};
		res.headers.forEach((v, k) => (headers[k] = v));
		return { statusCode: res.status, headers, body: await res.text() };
	};
	const items: INodeExecutionData[] = toItems([
		{ customerId: 'c1', email: 'ann@example.com' },
		{ customerId: 'c2', email: 'bob@example.com' },
	]);
	return runNode(nodeType, items, {
		credentials,
		httpRequest,
		storagePath: path.join(storage, 'n8n-nodes-microsegments.campaignSend'),
		parameters: { provider: 'sendgrid', sendgridTemplateId: TEMPLATE, sendgridFromEmail: 'shop@example.com', campaignKey: 'tool-test', ...parameters },
	});
}
const statuses = (out: INodeExecutionData[]) => out.map((o) => `${(o.json.delivery as IDataObject).status}/${(o.json.delivery as IDataObject).reason ?? ''}`);

describe('Campaign Send as an AI-agent tool', () => {
	it('the rule: the tool variant plans unless Send for Real is exactly true; the node sends unless Dry Run is on', () => {
		expect(isAgentToolVariant('n8n-nodes-microsegments.campaignSendTool')).toBe(true);
		expect(isAgentToolVariant('n8n-nodes-microsegments.campaignSend')).toBe(false);
		const tool = 'n8n-nodes-microsegments.campaignSendTool';
		expect([undefined, false, 'true', 1, '={{ $fromAI("send") }}'].map((sendForReal) => isDryRun({ nodeType: tool, dryRun: false, sendForReal }))).toEqual([true, true, true, true, true]);
		expect(isDryRun({ nodeType: tool, dryRun: true, sendForReal: true })).toBe(false);
		expect(isDryRun({ nodeType: 'n8n-nodes-microsegments.campaignSend', dryRun: false, sendForReal: false })).toBe(false);
		expect(isDryRun({ nodeType: 'n8n-nodes-microsegments.campaignSend', dryRun: true, sendForReal: true })).toBe(true);
	});

	it('the description: Send for Real only on the tool variant (fixed value, default off), Dry Run only on the node', () => {
		const props = new CampaignSend().description.properties;
		const real = props.find((p) => p.name === 'sendForReal') as INodeProperties;
		expect(real).toMatchObject({ type: 'boolean', default: false, noDataExpression: true, displayOptions: { show: { '@tool': [true] } } });
		expect((props.find((p) => p.name === 'dryRun') as INodeProperties).displayOptions).toEqual({ hide: { '@tool': [true] } });
		expect(new CampaignSend().description.usableAsTool).toBe(true);
	});

	it('called by an agent with the defaults: a dry run, nothing reaches the provider', async () => {
		const [out, summary] = await run(toolVariant(), {});
		expect(sg.log).toHaveLength(0);
		expect(statuses(out)).toEqual(['skipped/dry_run', 'skipped/dry_run']);
		expect(summary.length).toBeGreaterThan(0);
	});

	it('a Dry Run value left from the ordinary node does not make the tool send', async () => {
		const [out] = await run(toolVariant(), { dryRun: false, sendForReal: false });
		expect(sg.log).toHaveLength(0);
		expect(statuses(out)).toEqual(['skipped/dry_run', 'skipped/dry_run']);
	});

	it('the author turned Send for Real on: the tool sends', async () => {
		const [out] = await run(toolVariant(), { sendForReal: true });
		expect(statuses(out)).toEqual(['sent/', 'sent/']);
		expect(sg.messages.map((m) => m.email)).toEqual(['ann@example.com', 'bob@example.com']);
	});

	it('the ordinary node is unchanged: it sends by default and Send for Real (hidden there) has no effect', async () => {
		const [out] = await run(new CampaignSend(), { sendForReal: false });
		expect(statuses(out)).toEqual(['sent/', 'sent/']);
		expect(sg.messages).toHaveLength(2);
	});
});
