/** The Local Outbox provider: messages written to files, the ledger still prevents a second send. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { CampaignSend } from '../../nodes/CampaignSend/CampaignSend.node';
import { resolveOutboxDirectory } from '../../nodes/core/delivery/providers/outbox';
import { runNode, toItems, type RunNodeOptions } from '../helpers/runNode';

/** n8n's storage folder for nodes, fresh for every test (the File Journal ledger lives there). */
let storage = '';
beforeEach(() => (storage = fs.mkdtempSync(path.join(os.tmpdir(), 'campaign-send-storage-'))));
afterEach(() => fs.rmSync(storage, { recursive: true, force: true }));
const runCampaignSend = (items: INodeExecutionData[], opts: RunNodeOptions = {}) => runNode(new CampaignSend(), items, { storagePath: path.join(storage, 'n8n-nodes-microsegments.campaignSend'), ...opts });

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
		const [out] = await runCampaignSend(toItems(people), { parameters, staticData });
		expect(out.map((o) => `${(o.json.delivery as IDataObject).status}:${(o.json.delivery as IDataObject).reason ?? ''}`)).toEqual([
			'sent:',
			'skipped:suppressed',
			'skipped:no_address',
		]);
		const files = fs.readdirSync(dir);
		expect(files).toHaveLength(1);
		expect(files[0]).toMatch(/^outbox-\d{4}-\d{2}-\d{2}\.jsonl$/);
		const lines = fs.readFileSync(path.join(dir, files[0]), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
		expect(lines.map((l) => [l.customerId, l.to, l.campaignKey, l.runKey])).toEqual([['c1', 'ann@example.com', 'spring', '2026-W12']]);
		expect(lines[0].data).toEqual({ 'rfm.segment': 'Champions', playbook: { offerCode: 'VIP10' } });
		expect(lines[0].messageId).toBe((out[0].json.delivery as IDataObject).messageId);

		const [again] = await runCampaignSend(toItems(people), { parameters, staticData });
		expect(again.map((o) => (o.json.delivery as IDataObject).reason)).toEqual(['already_sent', 'suppressed', 'no_address']);
		expect(fs.readFileSync(path.join(dir, files[0]), 'utf8').trim().split('\n')).toHaveLength(1);
	});

	it('judges addresses like a real provider: not an address, no address, the same mailbox twice', async () => {
		const items = [
			{ customerId: 'a', email: 'a@x.com' },
			{ customerId: 'b', email: 'not-an-email' },
			{ customerId: 'c' },
			{ customerId: 'd', email: 'A@X.com' },
			{ customerId: 'e', email: 'A@x' },
			{ customerId: 'f', email: 'f@shop.example' },
		];
		const [out] = await runCampaignSend(toItems(items), { parameters: { provider: 'outbox', outboxDirectory: dir, campaignKey: 'k' } });
		expect(out.map((o) => `${(o.json.delivery as IDataObject).status}:${(o.json.delivery as IDataObject).reason ?? ''}`)).toEqual([
			'sent:',
			'failed:invalid_address',
			'skipped:no_address',
			'skipped:duplicate_address',
			'failed:invalid_address',
			'sent:',
		]);
		const lines = fs.readFileSync(path.join(dir, fs.readdirSync(dir)[0]), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
		expect(lines.map((l) => l.to)).toEqual(['a@x.com', 'f@shop.example']);
	});

	it("writes only inside the folders n8n lets nodes write to (n8n's own check), and never through a link", async () => {
		const allowed = path.join(dir, 'allowed');
		fs.mkdirSync(allowed);
		// n8n's helper (1.123: async, 2.8: sync on a resolved path): blocked outside N8N_RESTRICT_FILE_ACCESS_TO.
		const isFilePathBlocked = (p: string) => !p.startsWith(allowed + path.sep);
		const run = (outboxDirectory: string) =>
			runCampaignSend(toItems([{ customerId: 'a', email: 'a@x.com' }]), { helpers: { isFilePathBlocked }, parameters: { provider: 'outbox', outboxDirectory, campaignKey: 'k', runKey: outboxDirectory } });
		await expect(run(path.join(dir, 'elsewhere'))).rejects.toThrow('not allowed');
		expect(fs.existsSync(path.join(dir, 'elsewhere'))).toBe(false);
		await run(path.join(allowed, 'out'));
		expect(fs.readdirSync(path.join(allowed, 'out'))).toHaveLength(1);
		// Without n8n's helper (older n8n): the same rule from N8N_RESTRICT_FILE_ACCESS_TO.
		process.env.N8N_RESTRICT_FILE_ACCESS_TO = allowed;
		try {
			const bare = (outboxDirectory: string) =>
				runCampaignSend(toItems([{ customerId: 'b', email: 'b@x.com' }]), { parameters: { provider: 'outbox', outboxDirectory, campaignKey: 'k2' } });
			await expect(bare(path.join(dir, 'elsewhere'))).rejects.toThrow('not allowed');
			await expect(bare(path.join(allowed, '..', 'sneaky'))).rejects.toThrow('not allowed');
			// A day file that is a link to somewhere else is not followed.
			const linked = path.join(allowed, 'linked');
			fs.mkdirSync(linked);
			const target = path.join(dir, 'target.txt');
			fs.writeFileSync(target, '');
			const day = new Date().toISOString().slice(0, 10);
			fs.symlinkSync(target, path.join(linked, `outbox-${day}.jsonl`));
			await expect(bare(linked)).rejects.toThrow('outbox_not_writable');
			expect(fs.readFileSync(target, 'utf8')).toBe('');
		} finally {
			delete process.env.N8N_RESTRICT_FILE_ACCESS_TO;
		}
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
		// n8n 2's default folder for files (N8N_RESTRICT_FILE_ACCESS_TO=~/.n8n-files), never n8n's own folder.
		expect(resolveOutboxDirectory('')).toBe(path.join(os.homedir(), '.n8n-files', 'microsegments-outbox'));
	});
});
