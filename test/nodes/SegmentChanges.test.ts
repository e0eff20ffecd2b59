import * as n8nWorkflow from 'n8n-workflow';
import type { IDataObject, INodeExecutionData, INodeTypes } from 'n8n-workflow';
import { SegmentChanges } from '../../nodes/SegmentChanges/SegmentChanges.node';
import { changesInputs, changesOutputs } from '../../nodes/SegmentChanges/SegmentChanges.description';
import { CONFIRM_PREFIX, STATE_KEY, changesLayout } from '../../nodes/SegmentChanges/SegmentChanges.execute';
import { derivedSalt, snapshotKey } from '../../nodes/core/playbook/changes';
import { runNode, toItems } from '../helpers/runNode';

const node = new SegmentChanges();
const SEPARATE = ['New', 'Moved Up', 'Moved Down', 'Moved (Unranked)', 'Unchanged', 'Gone'];
const [NEW, UP, DOWN, UNRANKED, UNCHANGED, GONE] = [0, 1, 2, 3, 4, 5];

const customer = (id: string, segment: string, extra: IDataObject = {}): IDataObject => ({
	customerId: id,
	email: `${id}@shop.test`,
	firstName: `Name${id}`,
	rfm: { segment },
	...extra,
});
const ids = (items: INodeExecutionData[]) => items.map((it) => it.json.customerId);

const week1 = [
	customer('1', 'Champions'),
	customer('2', 'Loyal Customers'),
	customer('3', 'Hibernating'),
	customer('4', 'At Risk'),
	customer('5', 'Promising'),
	customer('6', 'Champions'),
];
const week2 = [
	customer('1', 'At Risk'), // down
	customer('2', 'Loyal Customers'), // unchanged
	customer('3', 'Champions'), // up
	customer('4', 'Other'), // unranked
	customer('7', 'New Customers'), // new
	customer('6', 'Need Attention'), // down
]; // 5 gone

describe('inputs and outputs on the canvas', () => {
	function ports(lib: typeof n8nWorkflow, parameters: IDataObject) {
		const nodeTypes = { getByName: () => node, getByNameAndVersion: () => node, getKnownTypes: () => ({}) } as unknown as INodeTypes;
		const wfNode = { id: '1', name: 'Segment Changes', type: 'n8n-nodes-microsegments.segmentChanges', typeVersion: 1, position: [0, 0] as [number, number], parameters: parameters as n8nWorkflow.INodeParameters };
		const wf = new lib.Workflow({ id: 'w', nodes: [wfNode], connections: {}, active: false, nodeTypes });
		const n = wf.getNode('Segment Changes') as n8nWorkflow.INode;
		const names = (list: Array<string | { displayName?: string }>) => list.map((o) => (typeof o === 'string' ? o : o.displayName));
		return { inputs: names(lib.NodeHelpers.getNodeInputs(wf, n, node.description) as never), outputs: names(lib.NodeHelpers.getNodeOutputs(wf, n, node.description) as never) };
	}
	const cases: Array<[string, IDataObject, string[], string[]]> = [
		['defaults', {}, ['Customers'], SEPARATE],
		['no gone output', { options: { includeGone: false } }, ['Customers'], SEPARATE.slice(0, 5)],
		['field mode', { outputMode: 'field' }, ['Customers'], ['Changes']],
		['snapshot from input', { snapshotSource: 'input' }, ['Customers', 'Previous Snapshot'], [...SEPARATE, 'Snapshot']],
		['field mode from input', { snapshotSource: 'input', outputMode: 'field' }, ['Customers', 'Previous Snapshot'], ['Changes', 'Snapshot']],
		['confirm snapshot', { operation: 'confirm', snapshotSource: 'input' }, [undefined as unknown as string], ['Items']],
	];
	it.each(cases)('n8n-workflow 2.x: %s', (_l, params, inputs, outputs) => {
		expect(ports(n8nWorkflow, params)).toEqual({ inputs, outputs });
	});
	// n8n 1.123 ships n8n-workflow 1.120.0: the devDependency alias n8n-workflow-v1 is that version.
	const v1 = require('n8n-workflow-v1') as typeof n8nWorkflow;
	it.each(cases)('n8n-workflow 1.x (n8n 1.123): %s', (_l, params, inputs, outputs) => {
		expect(ports(v1, params)).toEqual({ inputs, outputs });
	});
	it('matches the execute layout and stays self-contained', () => {
		for (const fn of [changesInputs, changesOutputs]) expect(String(fn)).not.toContain('}}');
		expect(changesOutputs({ snapshotSource: 'input', outputMode: 'separate', options: { includeGone: false } }).map((o) => o.displayName)).toEqual(
			changesLayout('separate', false, true).names,
		);
	});
});

describe('Segment Changes with the snapshot in static data', () => {
	it('reports everyone as new on the first run, then exactly the planted moves', async () => {
		const staticData: IDataObject = {};
		const first = await runNode(node, toItems(week1), { staticData });
		expect(first).toHaveLength(6);
		expect(ids(first[NEW])).toEqual(['1', '2', '3', '4', '5', '6']);
		expect(first[NEW][0].json.change).toEqual({ type: 'new', from: null, to: 'Champions', direction: null, comparedWith: null });
		expect(first[NEW][0].json.email).toBe('1@shop.test');
		expect(first[NEW][0].pairedItem).toEqual({ item: 0 });

		const second = await runNode(node, toItems(week2), { staticData });
		expect(ids(second[NEW])).toEqual(['7']);
		expect(ids(second[UP])).toEqual(['3']);
		expect(ids(second[DOWN])).toEqual(['1', '6']);
		expect(ids(second[UNRANKED])).toEqual(['4']);
		expect(ids(second[UNCHANGED])).toEqual(['2']);
		expect(second[DOWN][0].json.change).toMatchObject({ type: 'moved', from: 'Champions', to: 'At Risk', direction: 'down' });
		expect(second[DOWN][0].pairedItem).toEqual({ item: 0 });
		expect((second[DOWN][0].json.change as IDataObject).comparedWith).toMatch(/^\d{4}-\d\d-\d\dT/);
		expect(second[GONE]).toHaveLength(1);
		expect(second[GONE][0].json).toEqual({
			customerKey: snapshotKey(derivedSalt('test-workflow'), '5'),
			change: expect.objectContaining({ type: 'gone', from: 'Promising', to: null, direction: null }),
		});
	});

	it('stores no email, name or raw ID: only salted hashes and segment names', async () => {
		const staticData: IDataObject = {};
		await runNode(node, toItems([customer('alice@example.com', 'Champions'), customer('00004', 'At Risk')]), { staticData });
		const stored = JSON.stringify(staticData);
		expect(stored).not.toContain('alice');
		expect(stored).not.toContain('00004');
		expect(stored).not.toContain('Name');
		const state = staticData[STATE_KEY] as IDataObject;
		expect(Object.keys(state)).toEqual(['current']);
		expect((state.current as IDataObject).count).toBe(2);
		expect((state.current as IDataObject).data).toHaveLength(34);
	});

	it('leaves the snapshot untouched when the run fails', async () => {
		const staticData: IDataObject = {};
		await runNode(node, toItems(week1), { staticData });
		const before = JSON.stringify(staticData);
		await expect(runNode(node, toItems([...week2, { rfm: { segment: 'Champions' } }]), { staticData })).rejects.toThrow('Item 6 has no customer ID in the field "customerId"');
		await expect(runNode(node, toItems([customer('9', '')]), { staticData })).rejects.toThrow('Item 0 has no segment in the field "rfm.segment"');
		expect(JSON.stringify(staticData)).toBe(before);
	});

	it('with continue on fail, reports bad items on the first output and tracks the rest', async () => {
		const staticData: IDataObject = {};
		const out = await runNode(node, toItems([customer('1', 'Champions'), { rfm: { segment: 'Champions' } }]), { staticData, continueOnFail: true });
		expect(out[NEW]).toHaveLength(2);
		const failed = out[NEW].filter((it) => it.json.error !== undefined);
		expect(failed).toHaveLength(1);
		expect(failed[0].json.error).toBe('Item 1 has no customer ID in the field "customerId"');
		expect(failed[0].pairedItem).toEqual({ item: 1 });
		expect(((staticData[STATE_KEY] as IDataObject).current as IDataObject).count).toBe(1);
	});

	it('records a baseline only on the first run when asked', async () => {
		const staticData: IDataObject = {};
		const first = await runNode(node, toItems(week1), { staticData, parameters: { options: { firstRun: 'baseline' } } });
		expect(first.flat()).toEqual([]);
		const second = await runNode(node, toItems(week2), { staticData, parameters: { options: { firstRun: 'baseline' } } });
		expect(ids(second[DOWN])).toEqual(['1', '6']);
	});

	it('compares a rerun with the same baseline when a rerun key is set', async () => {
		const staticData: IDataObject = {};
		const opts = (rerunKey: string) => ({ staticData, parameters: { options: { rerunKey } } });
		await runNode(node, toItems(week1), opts('2024-W18'));
		const run = await runNode(node, toItems(week2), opts('2024-W19'));
		const rerun = await runNode(node, toItems(week2), opts('2024-W19'));
		expect(ids(rerun[DOWN])).toEqual(ids(run[DOWN]));
		expect(ids(rerun[DOWN])).toEqual(['1', '6']);
		const state = staticData[STATE_KEY] as IDataObject;
		expect(Object.keys(state).sort()).toEqual(['base', 'current']);
		// Without the key, the rerun would have seen no change.
		const noKey: IDataObject = {};
		await runNode(node, toItems(week1), { staticData: noKey });
		await runNode(node, toItems(week2), { staticData: noKey });
		const again = await runNode(node, toItems(week2), { staticData: noKey });
		expect(again[DOWN]).toEqual([]);
		expect(again[UNCHANGED]).toHaveLength(6);
	});

	it('starts a new baseline when the salt changes', async () => {
		const staticData: IDataObject = {};
		await runNode(node, toItems(week1), { staticData, parameters: { options: { salt: 's1' } } });
		const out = await runNode(node, toItems(week2), { staticData, parameters: { options: { salt: 's2' } } });
		expect(out[NEW]).toHaveLength(6);
		expect(out[GONE]).toHaveLength(0);
	});

	it('uses a custom segment order and the change field mode', async () => {
		const staticData: IDataObject = {};
		const parameters = { outputMode: 'field', segmentOrder: 'custom', customOrder: 'VIP\nRegular, Lapsed', segmentField: 'cluster.label' };
		const row = (id: string, label: string) => ({ customerId: id, cluster: { label } });
		await runNode(node, toItems([row('a', 'VIP'), row('b', 'Lapsed'), row('c', 'Regular')]), { staticData, parameters });
		const out = await runNode(node, toItems([row('a', 'regular'), row('b', 'VIP'), row('d', 'VIP')]), { staticData, parameters });
		expect(out).toHaveLength(1);
		expect(out[0].map((it) => [it.json.customerId ?? it.json.customerKey, (it.json.change as IDataObject).type, (it.json.change as IDataObject).direction])).toEqual([
			['a', 'moved', 'down'],
			['b', 'moved', 'up'],
			['d', 'new', null],
			[snapshotKey(derivedSalt('test-workflow'), 'c'), 'gone', null],
		]);
	});

	it('keeps plain customer IDs when asked, so gone customers are identifiable', async () => {
		const staticData: IDataObject = {};
		const parameters = { options: { keyMode: 'plain' } };
		await runNode(node, toItems(week1), { staticData, parameters });
		const out = await runNode(node, toItems(week2), { staticData, parameters });
		expect(out[GONE][0].json).toMatchObject({ customerKey: '5', customerId: '5' });
	});

	it('counts duplicates once and handles 0 and 1 items', async () => {
		const staticData: IDataObject = {};
		const out = await runNode(node, toItems([customer('1', 'Champions'), customer('1', 'At Risk')]), { staticData });
		expect(out[NEW]).toHaveLength(2);
		expect(((staticData[STATE_KEY] as IDataObject).current as IDataObject).count).toBe(1);
		const one = await runNode(node, toItems([customer('1', 'Champions')]), { staticData });
		expect(ids(one[UNCHANGED])).toEqual(['1']);
		const none = await runNode(node, [], { staticData });
		expect(none[GONE]).toHaveLength(1);
		expect(((staticData[STATE_KEY] as IDataObject).current as IDataObject).count).toBe(0);
	});
});

describe('Segment Changes with the snapshot from a second input', () => {
	const parameters = { snapshotSource: 'input' };

	it('emits everyone as new plus the snapshot to store when the table is empty', async () => {
		const staticData: IDataObject = {};
		const out = await runNode(node, toItems(week1), { parameters, inputs: [[]], staticData });
		expect(out).toHaveLength(7);
		expect(out[NEW]).toHaveLength(6);
		expect(out[6]).toHaveLength(6);
		expect(out[6][0].json).toEqual({ key: snapshotKey(derivedSalt('test-workflow'), '1'), segment: 'Champions', seenAt: expect.any(String) });
		expect(staticData).toEqual({});
	});

	it('compares with the rows it is given and marks gone rows with a null segment', async () => {
		const first = await runNode(node, toItems(week1), { parameters, inputs: [[]] });
		const stored = first[6].map((it) => ({ json: { ...it.json }, pairedItem: { item: 0 } }));
		stored.push({ json: { key: 'someone-gone-earlier', segment: null as unknown as string, seenAt: '2020-01-01' }, pairedItem: { item: 0 } });
		const out = await runNode(node, toItems(week2), { parameters, inputs: [stored] });
		expect(ids(out[DOWN])).toEqual(['1', '6']);
		expect(ids(out[UP])).toEqual(['3']);
		expect(ids(out[NEW])).toEqual(['7']);
		expect(out[GONE]).toHaveLength(1);
		expect(out[GONE][0].pairedItem).toEqual({ item: 4, input: 1 });
		const snapshot = out[6].map((it) => it.json);
		expect(snapshot).toHaveLength(7);
		expect(snapshot[6]).toMatchObject({ key: snapshotKey(derivedSalt('test-workflow'), '5'), segment: null });
	});
});

describe('Segment Changes: save when confirmed at the end of the run', () => {
	const compare = { saveSnapshot: 'onConfirm' };
	const confirm = { operation: 'confirm' };

	it('keeps the previous snapshot when the run stops before the Confirm step', async () => {
		const staticData: IDataObject = {};
		await runNode(node, toItems(week1), { staticData, parameters: compare });
		const passed = await runNode(node, toItems([{ anything: 1 }]), { staticData, parameters: confirm });
		expect(passed).toEqual([[{ json: { anything: 1 }, binary: undefined, pairedItem: { item: 0 } }]]);
		const key = `${CONFIRM_PREFIX}Segment Changes`;
		expect(Object.keys(staticData[key] as IDataObject)).toEqual(['state']);

		// Week 2 run that fails after Segment Changes: no confirm.
		const failed = await runNode(node, toItems(week2), { staticData, parameters: compare });
		expect(ids(failed[DOWN])).toEqual(['1', '6']);
		expect(Object.keys(staticData[key] as IDataObject).sort()).toEqual(['pending', 'state']);
		// The rerun still compares with week 1 and reports the same moves; then it is confirmed.
		const rerun = await runNode(node, toItems(week2), { staticData, parameters: compare });
		expect(ids(rerun[DOWN])).toEqual(['1', '6']);
		await runNode(node, [], { staticData, parameters: confirm });
		const after = await runNode(node, toItems(week2), { staticData, parameters: compare });
		expect(after[UNCHANGED]).toHaveLength(6);
		expect(staticData[STATE_KEY]).toBeUndefined();
	});

	it('confirms only what this execution left pending', async () => {
		const staticData: IDataObject = {
			[`${CONFIRM_PREFIX}Other Node`]: { pending: { executionId: 'an-earlier-failed-run', state: {} } },
		};
		const logs: string[] = [];
		await runNode(node, [], { staticData, parameters: confirm, logs });
		expect(staticData[`${CONFIRM_PREFIX}Other Node`]).toEqual({ pending: { executionId: 'an-earlier-failed-run', state: {} } });
		expect(logs[0]).toContain('Nothing to confirm');
	});
});

