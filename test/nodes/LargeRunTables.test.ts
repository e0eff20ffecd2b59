/**
 * The largest runs with no item per customer: Segment Router › One Customer Table per Output hands
 * each playbook segment on as one table item, and Campaign Send answers a table (or, with Options ›
 * Recipients Output: Customer Table, items) with one item carrying every customer's outcome.
 * Compared with the items the same nodes give, customer for customer.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { CampaignSend } from '../../nodes/CampaignSend/CampaignSend.node';
import { SegmentRouter } from '../../nodes/SegmentRouter/SegmentRouter.node';
import { RFM_SEGMENT_NAMES } from '../../nodes/core/playbook/router';
import { CustomerTable, TABLE_MIME, tableFromRecords } from '../../nodes/core/table/table';
import { runNode, toItems } from '../helpers/runNode';

const SEGMENTS = ['Champions', 'At Risk', 'Hibernating', 'Promising'];
/** 400 customers: a segment each, some opted out, a few without an email. */
const customers: IDataObject[] = Array.from({ length: 400 }, (_, i) => ({
	customerId: `C${i}`,
	email: i % 53 === 7 ? null : `c${i}@shop.test`,
	acceptsMarketing: i % 31 !== 5,
	ordersCount: 1 + (i % 9),
	rfm: { segment: SEGMENTS[i % SEGMENTS.length], score: 3 + (i % 12) },
}));
const routerParams = {
	holdoutPercent: 10,
	playbooks: { playbook: [{ segment: 'Champions', campaign: 'VIP' }, { segment: 'At Risk', campaign: 'Win back', offerCode: 'BACK15' }] },
};
const PLAYBOOK_OUTPUTS = [RFM_SEGMENT_NAMES.indexOf('Champions'), RFM_SEGMENT_NAMES.indexOf('At Risk')];

let storage = '';
let outbox = '';
beforeEach(() => {
	storage = fs.mkdtempSync(path.join(os.tmpdir(), 'large-run-storage-'));
	outbox = fs.mkdtempSync(path.join(os.tmpdir(), 'large-run-outbox-'));
});
afterEach(() => {
	fs.rmSync(storage, { recursive: true, force: true });
	fs.rmSync(outbox, { recursive: true, force: true });
});

/** One item carrying `records` as a customer table "on disk" (n8n's filesystem mode). */
function tableInput(records: IDataObject[], files: Record<string, Buffer>): INodeExecutionData[] {
	files['filesystem-v2:input'] = tableFromRecords(records).encode();
	return [{ json: {}, binary: { customers: { id: 'filesystem-v2:input', data: 'filesystem-v2', mimeType: TABLE_MIME, fileName: 'customers.mstable' } }, pairedItem: { item: 0 } }];
}
const rowsOf = (item: INodeExecutionData, files: Record<string, Buffer>): IDataObject[] => {
	const table = CustomerTable.decode(files[item.binary?.customers.id as string]);
	return Array.from({ length: table.rows }, (_, k) => table.row(k) as IDataObject);
};
const send = (items: INodeExecutionData[], files: Record<string, Buffer> | undefined, runKey: string, options: IDataObject = {}) =>
	runNode(new CampaignSend(), items, {
		parameters: { provider: 'outbox', outboxDirectory: outbox, campaignKey: '', runKey, options },
		storagePath: path.join(storage, 'n8n-nodes-microsegments.campaignSend'),
		binaryFiles: files,
	});

describe('Large runs: tables from Segment Router to Campaign Send', () => {
	test('One Customer Table per Output: the customers the items option routes there, route and playbook included', async () => {
		const files: Record<string, Buffer> = {};
		const input = tableInput(customers, files);
		const asItems = await runNode(new SegmentRouter(), input, { parameters: routerParams, binaryFiles: files });
		const logs: string[] = [];
		const asTables = await runNode(new SegmentRouter(), input, { parameters: { ...routerParams, options: { tableItems: 'tables' } }, binaryFiles: files, logs });
		expect(asTables).toHaveLength(asItems.length);
		asTables.forEach((out, k) => {
			if (!PLAYBOOK_OUTPUTS.includes(k)) return expect(out).toEqual([]);
			expect(out).toHaveLength(1);
			const [item] = out;
			const expected = asItems[k].map((i) => i.json);
			expect(expected.length).toBeGreaterThan(50);
			expect(item.json).toMatchObject({ output: RFM_SEGMENT_NAMES[k], customers: expected.length, table: { customers: expected.length, storedOnDisk: true } });
			expect(item.json.sample).toEqual(expected.slice(0, 20));
			expect(item.pairedItem).toEqual({ item: 0 });
			expect(rowsOf(item, files)).toEqual(expected);
		});
		expect((asTables[PLAYBOOK_OUTPUTS[1]][0].json.sample as IDataObject[])[0].playbook).toMatchObject({ campaign: 'Win back', offerCode: 'BACK15' });
		expect(logs.find((l) => l.includes('Segment Router: Routed'))).toMatch(/Routed 400 customers of the table: .*Champions \d+.*counted only \(no items\)$/);
	});

	test('Campaign Send answers a table with one table of every outcome; the same messages as from items', async () => {
		const files: Record<string, Buffer> = {};
		const routed = await runNode(new SegmentRouter(), tableInput(customers, files), { parameters: { ...routerParams, options: { tableItems: 'tables' } }, binaryFiles: files });
		const champions = routed[PLAYBOOK_OUTPUTS[0]];
		const rows = rowsOf(champions[0], files);
		// the same customers sent as items, on another run key (the ledger would skip them otherwise)
		const [itemsOut] = await send(toItems(rows), undefined, 'items');
		const [recipients, summary, unconfirmed] = await send(champions, files, 'tables');
		expect(recipients).toHaveLength(1);
		expect(unconfirmed).toEqual([]);
		const [item] = recipients;
		expect(item.pairedItem).toEqual({ item: 0 });
		const outcome = rowsOf(item, files);
		const strip = (d: IDataObject) => ({ ...d, sendKey: undefined, messageId: undefined });
		expect(outcome.map((r) => strip(r.delivery as IDataObject))).toEqual(itemsOut.map((i) => strip(i.json.delivery as IDataObject)));
		expect(outcome.map((r) => ({ ...r, delivery: undefined }))).toEqual(rows.map((r) => ({ ...r, delivery: undefined })));
		const byStatus: Record<string, number> = {};
		for (const i of itemsOut) byStatus[(i.json.delivery as IDataObject).status as string] = (byStatus[(i.json.delivery as IDataObject).status as string] ?? 0) + 1;
		expect(item.json).toMatchObject({ customers: rows.length, byStatus });
		expect(Object.keys(byStatus).sort()).toEqual(['sent', 'skipped']);
		// the sample shows every status
		const sampleStatuses = new Set((item.json.sample as IDataObject[]).map((s) => (s.delivery as IDataObject).status));
		expect([...sampleStatuses].sort()).toEqual(['sent', 'skipped']);
		expect(item.json.sample).toHaveLength(20);
		expect(summary).toHaveLength(1);
		expect(summary[0].json.summary).toMatchObject({ campaignKey: 'VIP', total: rows.length, sent: byStatus.sent });
		expect(summary[0].pairedItem).toEqual({ item: 0 });
		const lines = fs.readdirSync(outbox).flatMap((f) => fs.readFileSync(path.join(outbox, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
		const byRun = (runKey: string) => lines.filter((l) => l.runKey === runKey).map((l) => `${l.customerId} ${l.to} ${JSON.stringify(l.data)}`);
		expect(byRun('tables')).toEqual(byRun('items'));
		expect(byRun('tables')).toHaveLength(byStatus.sent);
	});

	test('Recipients Output: Customer Table turns items into one table item; the default stays one item per customer', async () => {
		const items = toItems([
			{ customerId: 'a', email: 'a@shop.test' },
			{ customerId: 'b', email: 'b@shop.test', route: { suppressed: true } },
			{ customerId: 'c' },
			{ customerId: 'd', email: 'd@shop.test', route: { holdout: true } },
		]);
		const [asItems] = await send(items, undefined, 'one');
		expect(asItems.map((i) => (i.json.delivery as IDataObject).reason ?? 'sent')).toEqual(['sent', 'suppressed', 'no_address', 'holdout']);
		const files: Record<string, Buffer> = {};
		const [recipients, summary] = await send(items, files, 'two', { recipientsOutput: 'table' });
		expect(recipients).toHaveLength(1);
		expect(recipients[0].json).toMatchObject({
			customers: 4,
			byStatus: { sent: 1, skipped: 3 },
			byReason: { 'skipped: suppressed': 1, 'skipped: no_address': 1, 'skipped: holdout': 1 },
		});
		// items in: the table item pairs with each of them
		expect(recipients[0].pairedItem).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(rowsOf(recipients[0], files).map((r) => `${r.customerId} ${(r.delivery as IDataObject).status} ${(r.delivery as IDataObject).reason}`)).toEqual([
			'a sent null',
			'b skipped suppressed',
			'c skipped no_address',
			'd skipped holdout',
		]);
		expect(summary[0].json.summary).toMatchObject({ total: 4, sent: 1 });
	});
});
