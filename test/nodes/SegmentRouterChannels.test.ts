/**
 * Segment Router offers only the channels a Campaign Send provider serves (email, push). SMS has
 * no sender in this package: it is not offered, and a workflow saved with "sms" gets a clear error
 * naming the segment (or the option) instead of a branch nothing can serve.
 */
import { NodeOperationError, type IDataObject, type INodeProperties, type INodePropertyCollection, type INodePropertyOptions } from 'n8n-workflow';
import { SegmentRouter } from '../../nodes/SegmentRouter/SegmentRouter.node';
import { OFFERED_CHANNELS, unservedChannelError } from '../../nodes/core/playbook/channels';
import { runNode, toItems } from '../helpers/runNode';

const node = new SegmentRouter();
const rows: IDataObject[] = [
	{ customerId: 'a', rfm: { segment: 'Champions' } },
	{ customerId: 'b', rfm: { segment: 'At Risk' } },
];

/** Every option value offered under a parameter called `channel` or `defaultChannel`, at any depth. */
function channelValues(items: ReadonlyArray<INodeProperties | INodePropertyCollection | INodePropertyOptions>, out: string[] = []): string[] {
	for (const it of items) {
		const p = it as INodeProperties;
		if ((p.name === 'channel' || p.name === 'defaultChannel') && Array.isArray(p.options)) out.push(...(p.options as INodePropertyOptions[]).map((o) => String(o.value)));
		const nested = p.options ?? (it as INodePropertyCollection).values;
		if (Array.isArray(nested)) channelValues(nested as INodeProperties[], out);
	}
	return out;
}

describe('Segment Router channels', () => {
	it('offers email and push only (the playbook, the default channel, the consent rules)', () => {
		const values = channelValues(node.description.properties);
		expect(values.length).toBeGreaterThanOrEqual(6);
		expect([...new Set(values)].sort()).toEqual(['all', 'email', 'push']);
		expect(OFFERED_CHANNELS).toEqual(['email', 'push']);
	});

	it('the rule: SMS-like channels are refused, served channels and custom labels pass', () => {
		expect(unservedChannelError('sms', 'X')).toBe('X: channel "sms" is no longer offered: no Campaign Send provider sends SMS. Choose Email or Push, or remove the channel to use the default.');
		expect(unservedChannelError('Text', 'X')).toMatch(/channel "Text" is no longer offered/);
		expect([unservedChannelError('email', 'X'), unservedChannelError('push', 'X'), unservedChannelError('postcard', 'X'), unservedChannelError(null, 'X')]).toEqual([null, null, null, null]);
	});

	it('a saved playbook with channel "sms": a clear error naming the segment; other segments route as before', async () => {
		const parameters = { playbooks: { playbook: [{ segment: 'At Risk', campaign: 'Win back', channel: 'sms', useDefaultHoldout: true }] }, holdoutPercent: 0 };
		const err = await runNode(node, toItems(rows), { parameters }).catch((e) => e);
		expect(err).toBeInstanceOf(NodeOperationError);
		expect(err.message).toBe('Playbook of segment "At Risk": channel "sms" is no longer offered: no Campaign Send provider sends SMS. Choose Email or Push, or remove the channel to use the default.');
		const out = await runNode(node, toItems(rows), { parameters, continueOnFail: true });
		const champions = out.flat().find((o) => o.json.customerId === 'a');
		expect((champions?.json.playbook as IDataObject).channel).toBe('email');
		const atRisk = out.flat().find((o) => o.json.customerId === 'b');
		expect(String(atRisk?.json.error)).toMatch(/^Playbook of segment "At Risk": channel "sms"/);
	});

	it('a saved Default Channel "sms": a clear error naming the option', async () => {
		const err = await runNode(node, toItems(rows), { parameters: { options: { defaultChannel: 'sms' } } }).catch((e) => e);
		expect(err).toBeInstanceOf(NodeOperationError);
		expect(err.message).toMatch(/^Options › Default Channel: channel "sms" is no longer offered/);
	});
});
