/**
 * What n8n's node picker shows and searches: each node's one-line description (description) and
 * its codex file (aliases, documentation link, node type). The ranking itself is proven in the
 * real editor (test/editor/editor-check.js types "rfm" and "segment" in the picker).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { INodeType } from 'n8n-workflow';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const folders = fs.readdirSync(path.join(root, 'nodes')).filter((d) => fs.existsSync(path.join(root, 'nodes', d, `${d}.node.ts`)));

function load(folder: string): { description: INodeType['description']; codex: Record<string, unknown> } {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const mod = require(path.join(root, 'nodes', folder, `${folder}.node.ts`)) as Record<string, new () => INodeType>;
	const description = new mod[folder]().description;
	const codex = JSON.parse(fs.readFileSync(path.join(root, 'nodes', folder, `${folder}.node.json`), 'utf8'));
	return { description, codex };
}

const aliasesOf = (folder: string) => (load(folder).codex.alias as string[]).map((a) => a.toLowerCase());

describe('node picker', () => {
	it('finds the nine nodes', () => {
		expect(folders.sort()).toEqual(['CampaignSend', 'ClusterCustomers', 'CustomerValue', 'FetchCustomers', 'RfmScore', 'SegmentChanges', 'SegmentReport', 'SegmentRouter', 'WarehouseRfm']);
	});

	it.each(folders)('%s: one-line marketer description, codex with our node type, docs page and aliases', (folder) => {
		const { description, codex } = load(folder);
		expect(description.description).toMatch(/^[A-Z]/);
		expect(description.description.length).toBeLessThanOrEqual(120);
		expect(description.description).not.toMatch(/\n|BG\/NBD|Gamma|silhouette|z-score|idempoten/i);
		expect(codex.node).toBe(`n8n-nodes-microsegments.${description.name}`);
		const docs = (codex.resources as { primaryDocumentation: Array<{ url: string }> }).primaryDocumentation;
		expect(docs).toEqual([{ url: `${pkg.homepage}/blob/main/docs/nodes/${folder}.md` }]);
		expect(fs.existsSync(path.join(root, 'docs', 'nodes', `${folder}.md`))).toBe(true);
		const alias = codex.alias as string[];
		expect(alias.length).toBeGreaterThanOrEqual(8);
		expect(new Set(alias.map((a) => a.toLowerCase())).size).toBe(alias.length);
	});

	it('the words marketers search for reach the right nodes', () => {
		const want: Record<string, string[]> = {
			rfm: ['RfmScore', 'WarehouseRfm', 'SegmentRouter', 'SegmentChanges', 'ClusterCustomers', 'FetchCustomers', 'CampaignSend', 'SegmentReport'],
			segment: ['RfmScore', 'ClusterCustomers', 'CustomerValue', 'SegmentRouter', 'SegmentChanges', 'CampaignSend', 'SegmentReport', 'WarehouseRfm', 'FetchCustomers'],
			segmentation: ['RfmScore', 'ClusterCustomers', 'SegmentRouter', 'SegmentChanges', 'WarehouseRfm'],
			churn: ['RfmScore', 'CustomerValue', 'SegmentRouter', 'SegmentChanges'],
			'k-means': ['ClusterCustomers'],
			campaign: ['SegmentRouter', 'CampaignSend', 'SegmentReport'],
			clv: ['CustomerValue', 'SegmentReport'],
			'lifetime value': ['CustomerValue'],
			'win-back': ['RfmScore', 'CustomerValue', 'SegmentRouter', 'SegmentChanges', 'CampaignSend'],
		};
		for (const [word, nodes] of Object.entries(want)) for (const folder of nodes) expect({ word, folder, has: aliasesOf(folder).includes(word) }).toEqual({ word, folder, has: true });
	});
});
