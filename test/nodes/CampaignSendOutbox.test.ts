/** The Local Outbox provider: messages written to files, the ledger still prevents a second send. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { IDataObject } from 'n8n-workflow';
import { CampaignSend } from '../../nodes/CampaignSend/CampaignSend.node';
import { resolveOutboxDirectory } from '../../nodes/core/delivery/providers/outbox';
import { runNode, toItems } from '../helpers/runNode';

const people: IDataObject[] = [
	{ customerId: 'c1', email: 'ann@example.com', rfm: { segment: 'Champions' }, playbook: { offerCode: 'VIP10' } },
	{ customerId: 'c2', email: 'bob@example.com', rfm: { segment: 'At Risk' }, route: { suppressed: true, segment: 'At Risk' } },
	{ customerId: 'c3', rfm: { segment: 'Hibernating' } },
];

describe('Campaign Send: Local Outbox', () => {
	let dir: string;
	beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-'))));
	afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

	it('writes one JSON line per message, skips the suppressed, and never writes twice for a rerun', async () => {
		const staticData: IDataObject = {};
		const parameters = { provider: 'outbox', outboxDirectory: dir, campaignKey: 'spring', runKey: '2026-W12' };
		const [out] = await runNode(new CampaignSend(), toItems(people), { parameters, staticData });
		expect(out.map((o) => `${(o.json.delivery as IDataObject).status}:${(o.json.delivery as IDataObject).reason ?? ''}`)).toEqual([
			'sent:',
			'skipped:suppressed',
			'sent:',
		]);
		const files = fs.readdirSync(dir);
		expect(files).toHaveLength(1);
		expect(files[0]).toMatch(/^outbox-\d{4}-\d{2}-\d{2}\.jsonl$/);
		const lines = fs.readFileSync(path.join(dir, files[0]), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
		expect(lines.map((l) => [l.customerId, l.to, l.campaignKey, l.runKey])).toEqual([
			['c1', 'ann@example.com', 'spring', '2026-W12'],
			['c3', 'c3', 'spring', '2026-W12'],
		]);
		expect(lines[0].data).toEqual({ 'rfm.segment': 'Champions', playbook: { offerCode: 'VIP10' } });
		expect(lines[0].messageId).toBe((out[0].json.delivery as IDataObject).messageId);

		const [again] = await runNode(new CampaignSend(), toItems(people), { parameters, staticData });
		expect(again.map((o) => (o.json.delivery as IDataObject).reason)).toEqual(['already_sent', 'suppressed', 'already_sent']);
		expect(fs.readFileSync(path.join(dir, files[0]), 'utf8').trim().split('\n')).toHaveLength(2);
	});

	it('keeps the provider an ordinary parameter (not the editor\'s authentication field)', () => {
		const d = new CampaignSend().description;
		const withCredential = new Set((d.credentials ?? []).flatMap((c) => ((c.displayOptions?.show?.provider as string[]) ?? [])));
		const options = (d.properties.find((p) => p.name === 'provider')!.options as { value: string }[]).map((o) => o.value);
		expect(options.filter((v) => !withCredential.has(v))).toEqual(['outbox']);
	});

	it('puts the credential picker under Provider (n8n draws it before the last parameter a credential depends on)', () => {
		const d = new CampaignSend().description;
		const names = d.properties.map((p) => p.name);
		const dependsOn = new Set((d.credentials ?? []).flatMap((c) => Object.keys(c.displayOptions?.show ?? {})));
		expect([...dependsOn].sort()).toEqual(['ledger', 'provider']);
		expect(names.indexOf('ledger')).toBe(names.indexOf('provider') + 1);
	});

	it('resolves the folder', () => {
		expect(resolveOutboxDirectory('~/x')).toBe(path.join(os.homedir(), 'x'));
		expect(resolveOutboxDirectory('')).toMatch(/\.n8n[\\/]microsegments-outbox$/);
	});
});
