import * as n8nWorkflow from 'n8n-workflow';
import type { IDataObject, INodeExecutionData, INodeTypes } from 'n8n-workflow';
import { SegmentRouter } from '../../nodes/SegmentRouter/SegmentRouter.node';
import { routerOutputs } from '../../nodes/SegmentRouter/SegmentRouter.description';
import { hasExpression } from '../../nodes/SegmentRouter/SegmentRouter.execute';
import { holdoutBucket } from '../../nodes/core/playbook/holdout';
import { RFM_SEGMENT_NAMES, outputLayout } from '../../nodes/core/playbook/router';
import { runNode, toItems } from '../helpers/runNode';

const node = new SegmentRouter();
const RFM_OUTPUTS = [...RFM_SEGMENT_NAMES, 'Holdout', 'Suppressed', 'Fallback'];

/** 5 customers per RFM segment: ids "<segment index>-<n>". */
function rfmCustomers(extra: (i: number, n: number) => IDataObject = () => ({})): IDataObject[] {
	const rows: IDataObject[] = [];
	RFM_SEGMENT_NAMES.forEach((segment, i) => {
		for (let n = 0; n < 5; n++) rows.push({ customerId: `${i}-${n}`, email: `c${i}${n}@shop.test`, rfm: { segment, score: 15 - i }, ...extra(i, n) });
	});
	return rows;
}

const ids = (items: INodeExecutionData[]) => items.map((it) => it.json.customerId);

// ---------------------------------------------------------------------------------------------
// Outputs as n8n computes them (the editor and the engine evaluate the `outputs` expression)
// ---------------------------------------------------------------------------------------------

type WorkflowModule = typeof n8nWorkflow;
function outputsWith(lib: WorkflowModule, parameters: IDataObject): string[] {
	const nodeTypes = { getByName: () => node, getByNameAndVersion: () => node, getKnownTypes: () => ({}) } as unknown as INodeTypes;
	const wfNode = { id: '1', name: 'Segment Router', type: 'n8n-nodes-microsegments.segmentRouter', typeVersion: 1, position: [0, 0] as [number, number], parameters: parameters as n8nWorkflow.INodeParameters };
	const wf = new lib.Workflow({ id: 'w', nodes: [wfNode], connections: {}, active: false, nodeTypes });
	const outs = lib.NodeHelpers.getNodeOutputs(wf, wf.getNode('Segment Router') as n8nWorkflow.INode, node.description);
	return outs.map((o) => (typeof o === 'string' ? o : (o.displayName as string)));
}

const CASES: Array<[string, IDataObject, string[]]> = [
	['defaults (RFM preset)', {}, RFM_OUTPUTS],
	['RFM preset with holdout flagged and drops', { segmentsFrom: 'rfm', options: { holdoutHandling: 'flag', suppressedHandling: 'drop', fallbackHandling: 'drop' } }, [...RFM_SEGMENT_NAMES]],
	[
		'custom rules',
		{ segmentsFrom: 'custom', rules: { rule: [{ name: 'VIP' }, { name: '  ' }, { name: "Can't Lose Them" }] }, options: { suppressedHandling: 'drop' } },
		['VIP', 'Segment 2', "Can't Lose Them", 'Holdout', 'Fallback'],
	],
	['custom mode without rules', { segmentsFrom: 'custom' }, ['Holdout', 'Suppressed', 'Fallback']],
];

describe('outputs on the canvas', () => {
	it.each(CASES)('n8n-workflow 2.x computes the outputs: %s', (_label, params, expected) => {
		expect(outputsWith(n8nWorkflow, params)).toEqual(expected);
	});

	// n8n 1.123 ships n8n-workflow 1.120.0: the devDependency alias n8n-workflow-v1 is that version.
	const v1 = require('n8n-workflow-v1') as WorkflowModule;
	it.each(CASES)('n8n-workflow 1.x (n8n 1.123) computes the outputs: %s', (_label, params, expected) => {
		expect(outputsWith(v1, params)).toEqual(expected);
	});

	it('agrees with the core layout and stays a self-contained expression', () => {
		const text = String(routerOutputs);
		expect(text).not.toContain('}}');
		expect(text).not.toMatch(/require\(|_1\.|import\(/);
		const params = { segmentsFrom: 'custom', rules: { rule: [{ name: 'A' }, { name: 'B' }] }, options: { holdoutHandling: 'flag' } };
		expect(routerOutputs(params).map((o) => o.displayName)).toEqual(
			outputLayout(['A', 'B'], { holdout: 'flag', suppressed: 'output', fallback: 'output' }).names,
		);
		expect(routerOutputs({}).slice(0, 10).map((o) => o.displayName)).toEqual([...RFM_SEGMENT_NAMES]);
	});
});

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

describe('Segment Router: RFM preset', () => {
	it('sends each customer to its segment, keeps fields and pairedItem, explains the route', async () => {
		const rows = rfmCustomers();
		const out = await runNode(node, toItems(rows), { parameters: { holdoutPercent: 0 } });
		expect(out).toHaveLength(13);
		RFM_SEGMENT_NAMES.forEach((segment, i) => {
			expect(ids(out[i])).toEqual([0, 1, 2, 3, 4].map((n) => `${i}-${n}`));
		});
		expect(out[10]).toEqual([]);
		expect(out[11]).toEqual([]);
		expect(out[12]).toEqual([]);
		const first = out[0][0];
		expect(first.pairedItem).toEqual({ item: 0 });
		expect(first.json).toEqual({
			...rows[0],
			route: {
				output: 'Champions',
				segment: 'Champions',
				holdout: false,
				suppressed: false,
				reason: 'segment Champions (rfm.segment is "Champions")',
				campaignKey: 'Champions',
				channel: 'email',
				holdoutPercent: 0,
			},
			playbook: { campaign: 'Champions', channel: 'email', templateId: null, subject: null, offerCode: null, priority: null },
		});
		const hibernating = out[9][4];
		expect(hibernating.pairedItem).toEqual({ item: 49 });
		// the items of one segment share one playbook object (n8n holds it once, not once per customer)
		expect(out[0][1].json.playbook).toBe(first.json.playbook);
		expect(out[9][0].json.playbook).not.toBe(first.json.playbook);
	});

	it('withholds the default 10 % deterministically, by campaign + customer ID', async () => {
		const rows: IDataObject[] = Array.from({ length: 400 }, (_, n) => ({ customerId: `cust-${n}`, rfm: { segment: 'At Risk' } }));
		const run = () => runNode(node, toItems(rows));
		const [a, b] = [await run(), await run()];
		const held = ids(a[10]);
		expect(ids(b[10])).toEqual(held);
		const expected = rows.filter((r) => holdoutBucket('At Risk', String(r.customerId)) < 1000).map((r) => r.customerId);
		expect(held).toEqual(expected);
		expect(held.length).toBeGreaterThan(20);
		expect(held.length).toBeLessThan(60);
		expect(a[7]).toHaveLength(400 - held.length);
		expect(a[10][0].json.route).toMatchObject({ output: 'Holdout', segment: 'At Risk', holdout: true, holdoutPercent: 10, campaignKey: 'At Risk' });
		expect(a[10][0].json.playbook).toMatchObject({ campaign: 'At Risk' });
	});

	it('flags holdout customers in their branch when asked', async () => {
		const rows: IDataObject[] = Array.from({ length: 200 }, (_, n) => ({ customerId: `cust-${n}`, rfm: { segment: 'Champions' } }));
		const out = await runNode(node, toItems(rows), { parameters: { options: { holdoutHandling: 'flag' } } });
		expect(out).toHaveLength(12);
		expect(out[0]).toHaveLength(200);
		const flagged = out[0].filter((it) => (it.json.route as IDataObject).holdout === true);
		expect(flagged.length).toBe(rows.filter((r) => holdoutBucket('Champions', String(r.customerId)) < 1000).length);
	});

	it('suppresses opted-out customers with the reason, before any holdout', async () => {
		const rows = rfmCustomers((i, n) =>
			n === 0 ? { accepts_marketing: false } : n === 1 ? { emailMarketingConsent: { marketingState: 'UNSUBSCRIBED' } } : n === 2 ? { hs_email_optout: 'true' } : {},
		);
		const out = await runNode(node, toItems(rows), { parameters: { holdoutPercent: 100 } });
		expect(out[11]).toHaveLength(30);
		expect(out[10]).toHaveLength(20);
		expect(out[11].map((it) => (it.json.route as IDataObject).reason).slice(0, 3)).toEqual([
			'suppressed: opted out of email: accepts_marketing is false',
			'suppressed: opted out of email: emailMarketingConsent.marketingState is "UNSUBSCRIBED"',
			'suppressed: opted out of email: hs_email_optout is "true"',
		]);
		expect(out[11][0].json.route).toMatchObject({ output: 'Suppressed', segment: 'Champions', suppressed: true, holdout: false });
		for (let i = 0; i < 10; i++) expect(out[i]).toEqual([]);
	});

	it('sends unknown segments to Fallback, or drops and counts them', async () => {
		const rows: IDataObject[] = [
			{ customerId: 'a', rfm: { segment: 'Other' } },
			{ customerId: 'b', rfm: {} },
			{ customerId: 'c', rfm: { segment: 'Champions' } },
		];
		const out = await runNode(node, toItems(rows), { parameters: { holdoutPercent: 0 } });
		expect(ids(out[12])).toEqual(['a', 'b']);
		expect((out[12][0].json.route as IDataObject).reason).toBe('no segment rule matched (rfm.segment is "Other")');
		expect((out[12][1].json.route as IDataObject).reason).toBe('no segment rule matched (rfm.segment is empty)');
		expect(out[12][0].json.playbook).toBeNull();
		const logs: string[] = [];
		const dropped = await runNode(node, toItems(rows), { parameters: { holdoutPercent: 0, options: { fallbackHandling: 'drop' } }, logs });
		expect(dropped).toHaveLength(12);
		expect(ids(dropped[0])).toEqual(['c']);
		expect(logs).toContain('info: Segment Router: Routed 3 items: Champions 1, dropped (no segment matched) 2');
	});

	it('returns empty outputs for 0 items', async () => {
		const out = await runNode(node, []);
		expect(out).toEqual(RFM_OUTPUTS.map(() => []));
	});

	it('stops with a clear error when no item has the segment field', async () => {
		const rows = [{ customerId: 'a', segment: 'Champions' }];
		await expect(runNode(node, toItems(rows))).rejects.toThrow('None of the 1 items has a segment in the field "rfm.segment"');
		const out = await runNode(node, toItems(rows), { parameters: { segmentField: 'segment', holdoutPercent: 0 } });
		expect(ids(out[0])).toEqual(['a']);
		const tolerant = await runNode(node, toItems(rows), { continueOnFail: true });
		expect(ids(tolerant[12])).toEqual(['a']);
	});

	it('finds the customer ID in customer_id when customerId is absent, and routes id-less items without a holdout', async () => {
		const rows: IDataObject[] = Array.from({ length: 50 }, (_, n) => ({ customer_id: n, rfm: { segment: 'Promising' } }));
		rows.push({ rfm: { segment: 'Promising' } });
		const out = await runNode(node, toItems(rows), { parameters: { holdoutPercent: 50 } });
		const held = out[10].map((it) => it.json.customer_id);
		expect(held).toEqual(rows.filter((r) => r.customer_id !== undefined && holdoutBucket('Promising', String(r.customer_id)) < 5000).map((r) => r.customer_id));
		const idless = out[4].find((it) => it.json.customer_id === undefined) as INodeExecutionData;
		expect((idless.json.route as IDataObject).reason).toContain('no customer ID');
	});
});

describe('Segment Router: playbooks', () => {
	it('writes the All Segments defaults and each segment\'s own fields, with per-segment holdouts', async () => {
		const rows: IDataObject[] = [];
		for (let n = 0; n < 100; n++) rows.push({ customerId: `c${n}`, rfm: { segment: n % 2 ? 'Champions' : 'At Risk' }, consent: { email: 'subscribed', push: 'unsubscribed' } });
		const out = await runNode(node, toItems(rows), {
			parameters: {
				holdoutPercent: 20,
				playbooks: {
					playbook: [
						{ segment: '*', channel: 'email', templateId: 'tpl-default', priority: 1, useDefaultHoldout: true, fields: { field: [{ name: 'utmSource', value: 'n8n' }] } },
						{ segment: 'Champions', campaign: 'VIP preview', templateId: 'tpl-vip', subject: 'Early access', offerCode: 'VIP15', priority: 5, useDefaultHoldout: false, holdoutPercent: 0 },
						{ segment: 'At Risk', campaign: 'We miss you', channel: 'push', useDefaultHoldout: true, fields: { field: [{ name: 'discountPercent', value: '20' }, { name: ' ', value: 'ignored' }] } },
					],
				},
			},
		});
		// Champions: no holdout (0 %), email allowed.
		expect(out[0]).toHaveLength(50);
		expect(out[0][0].json.playbook).toEqual({
			campaign: 'VIP preview',
			channel: 'email',
			templateId: 'tpl-vip',
			subject: 'Early access',
			offerCode: 'VIP15',
			priority: 5,
			utmSource: 'n8n',
		});
		expect(out[0][0].json.route).toMatchObject({ campaignKey: 'VIP preview', holdoutPercent: 0 });
		// At Risk: push, but these customers unsubscribed from push -> all suppressed, none held out.
		expect(out[7]).toHaveLength(0);
		expect(out[10]).toHaveLength(0);
		expect(out[11]).toHaveLength(50);
		expect(out[11][0].json.playbook).toEqual({
			campaign: 'We miss you',
			channel: 'push',
			templateId: 'tpl-default',
			subject: null,
			offerCode: null,
			priority: 1,
			utmSource: 'n8n',
			discountPercent: '20',
		});
		expect((out[11][0].json.route as IDataObject).reason).toBe('suppressed: opted out of push: consent.push is "unsubscribed"');
	});

	it('resolves expressions per item', async () => {
		const rows: IDataObject[] = [
			{ customerId: 'a', firstName: 'Ada', rfm: { segment: 'Champions', monetary: 900 } },
			{ customerId: 'b', firstName: 'Bo', rfm: { segment: 'Champions', monetary: 120 } },
		];
		const parameters: IDataObject = {
			holdoutPercent: 0,
			playbooks: { playbook: [{ segment: 'Champions', subject: '={{ $json.firstName }}, thank you', useDefaultHoldout: true }] },
		};
		const out = await runWithExpressions(rows, parameters);
		expect(out[0].map((it) => (it.json.playbook as IDataObject).subject)).toEqual(['Ada, thank you', 'Bo, thank you']);
	});

	it('detects expressions in raw parameters', () => {
		expect(hasExpression({ a: [{ b: '={{ 1 }}' }] })).toBe(true);
		expect(hasExpression({ a: [{ b: 'plain = text' }], n: 3 })).toBe(false);
	});
});

describe('Segment Router: custom rules', () => {
	const parameters: IDataObject = {
		segmentsFrom: 'custom',
		holdoutPercent: 0,
		rules: {
			rule: [
				{ name: 'Whales', matchBy: 'field', field: 'rfm.monetary', operator: 'greaterThan', value: '1000' },
				{ name: 'Slipping', matchBy: 'segmentIn', values: "At Risk, Can't Lose Them" },
				{ name: 'Champions', matchBy: 'segmentIs' },
			],
		},
	};
	const rows: IDataObject[] = [
		{ customerId: '1', rfm: { segment: 'Champions', monetary: 5000 } },
		{ customerId: '2', rfm: { segment: 'Champions', monetary: 50 } },
		{ customerId: '3', rfm: { segment: "can't lose them", monetary: 800 } },
		{ customerId: '4', rfm: { segment: 'Hibernating', monetary: '1,500' } },
		{ customerId: '5', rfm: { segment: 'At Risk', monetary: 'n/a' } },
		{ customerId: '6', rfm: { segment: 'Hibernating', monetary: 10 } },
	];

	it('routes by the first matching rule and names outputs after the rules', async () => {
		const out = await runNode(node, toItems(rows), { parameters });
		expect(out).toHaveLength(6);
		expect(ids(out[0])).toEqual(['1', '4']);
		expect(ids(out[1])).toEqual(['3', '5']);
		expect(ids(out[2])).toEqual(['2']);
		expect(ids(out[5])).toEqual(['6']);
		expect((out[0][0].json.route as IDataObject).reason).toBe('segment Whales (condition on rfm.monetary (greaterThan))');
		expect(out[1][0].json.playbook).toMatchObject({ campaign: 'Slipping' });
	});

	it('lists the rule names (plus All Segments) for playbooks', async () => {
		const { getSegmentNames } = await import('../../nodes/SegmentRouter/SegmentRouter.execute');
		const ctx = { getCurrentNodeParameter: (name: string) => (name === 'segmentsFrom' ? 'custom' : name === 'rules' ? parameters.rules : undefined) };
		const options = await getSegmentNames.call(ctx as never);
		expect(options.map((o) => o.value)).toEqual(['*', 'Whales', 'Slipping', 'Champions']);
		const rfmCtx = { getCurrentNodeParameter: () => undefined };
		expect((await getSegmentNames.call(rfmCtx as never)).map((o) => o.value)).toEqual(['*', ...RFM_SEGMENT_NAMES]);
	});
});

/**
 * Runs the node with a context whose getNodeParameter resolves `={{ $json.<path> }}` templates
 * against the item at the requested index, as n8n does for expressions.
 */
async function runWithExpressions(rows: IDataObject[], parameters: IDataObject): Promise<INodeExecutionData[][]> {
	const items = toItems(rows);
	const resolve = (value: unknown, json: IDataObject): unknown => {
		if (typeof value === 'string' && value.startsWith('=')) {
			return value.slice(1).replace(/\{\{\s*\$json\.([\w.]+)\s*\}\}/g, (_m, p: string) => String(p.split('.').reduce<unknown>((o, k) => (o as IDataObject)?.[k], json)));
		}
		if (Array.isArray(value)) return value.map((v) => resolve(v, json));
		if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, json)]));
		return value;
	};
	const wrapped = {
		description: node.description,
		execute: async function (this: IDataObject) {
			const base = this as unknown as { getNodeParameter: (n: string, i: number, f?: unknown) => unknown };
			const original = base.getNodeParameter;
			base.getNodeParameter = (n: string, i: number, f?: unknown) => resolve(original(n, i, f), items[i].json);
			return node.execute.call(this as never);
		},
	};
	return runNode(wrapped as never, items, { parameters });
}
