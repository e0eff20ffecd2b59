import type { IBinaryData, IDataObject, INodeExecutionData, INodeType } from 'n8n-workflow';
import { SegmentReport } from '../../nodes/SegmentReport/SegmentReport.node';
import { aggregateReport } from '../../nodes/core/report';
import { runNode, toItems, type RunNodeOptions } from '../helpers/runNode';
import { rfmCustomers } from '../core/report-items';

const node = new SegmentReport();

/**
 * runNode's context has no prepareBinaryData: this wrapper adds one that behaves like n8n's
 * in-memory binary mode (base64 data, mime type, file name and extension, size).
 */
function withBinaryHelpers(nodeType: INodeType): INodeType {
	return {
		description: nodeType.description,
		async execute(this: { helpers: Record<string, unknown> }) {
			this.helpers.prepareBinaryData = async (data: Buffer, fileName?: string, mimeType?: string): Promise<IBinaryData> => ({
				data: data.toString('base64'),
				mimeType: mimeType ?? 'application/octet-stream',
				fileName,
				fileExtension: fileName?.split('.').pop(),
				fileSize: `${data.length} B`,
			});
			return (nodeType.execute as unknown as (this: unknown) => Promise<INodeExecutionData[][]>).call(this);
		},
	} as unknown as INodeType;
}

const run = (items: INodeExecutionData[], opts: RunNodeOptions = {}) => runNode(withBinaryHelpers(node), items, opts);
const bytes = (b: IBinaryData) => Buffer.from(b.data, 'base64');

describe('Segment Report node', () => {
	it('describes itself as n8n expects', () => {
		const d = node.description;
		expect(d.name).toBe('segmentReport');
		expect(d.displayName).toBe('Segment Report');
		expect(d.icon).toBe('file:segmentReport.svg');
		expect(d.usableAsTool).toBe(true);
		for (const p of d.properties) expect(p.description ?? p.displayName).toBeTruthy();
	});

	it('one item: the HTML page and the PNG image as binary fields, the numbers as json, paired with every input', async () => {
		const customers = await rfmCustomers();
		const [out] = await run(toItems(customers), { parameters: { title: 'CDNOW weekly' } });
		expect(out).toHaveLength(1);
		const item = out[0];
		expect(item.json).toEqual(JSON.parse(JSON.stringify(aggregateReport(customers, { title: 'CDNOW weekly' }))));
		expect(item.json.title).toBe('CDNOW weekly');
		expect((item.json.summary as IDataObject).customers).toBe(2357);
		expect(item.binary!.report).toMatchObject({ mimeType: 'text/html', fileName: 'segment-report.html', fileExtension: 'html' });
		expect(item.binary!.image).toMatchObject({ mimeType: 'image/png', fileName: 'segment-report.png', fileExtension: 'png' });
		const html = bytes(item.binary!.report).toString('utf8');
		expect(html.startsWith('<!doctype html>')).toBe(true);
		expect(html).toContain('<title>CDNOW weekly</title>');
		const png = bytes(item.binary!.image);
		expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
		expect(png.readUInt32BE(16)).toBe(2400);
		expect(item.pairedItem).toHaveLength(2357);
		expect((item.pairedItem as { item: number }[])[2356]).toEqual({ item: 2356 });
	});

	it('options: field names, file name, image size, no image, rows per chart', async () => {
		const customers = (await rfmCustomers()).slice(0, 300);
		const [out] = await run(toItems(customers), {
			parameters: { options: { reportField: 'page', imageField: 'picture', fileName: 'weekly/../report: June', imageScale: 1, maxRows: 4 } },
		});
		const b = out[0].binary!;
		expect(Object.keys(b).sort()).toEqual(['page', 'picture']);
		expect(b.page.fileName).toBe('weekly-..-report- June.html');
		expect(bytes(b.picture).readUInt32BE(16)).toBe(1200);
		expect((out[0].json.segments as IDataObject[]).length).toBe(4);
		const [noImage] = await run(toItems(customers), { parameters: { options: { includeImage: false } } });
		expect(Object.keys(noImage[0].binary!)).toEqual(['report']);
		await expect(run(toItems(customers), { parameters: { options: { reportField: 'x', imageField: 'x' } } })).rejects.toThrow('Report Field and Image Field are both "x"');
	});

	it('items the report cannot read: a clear error naming the groups; a summary output is recognised', async () => {
		await expect(run(toItems([{ customer_id: '1', amount: 3 }, { customer_id: '2', amount: 4 }]))).rejects.toThrow('None of the 2 items carries a field group the report reads');
		const err = await run(toItems([{ segment: 'Champions', customers: 3, revenueShare: 0.5 }])).catch((e) => e);
		expect(err.description).toContain('summary output of RFM Score');
	});

	it('0 items: an empty report that says no items reached it', async () => {
		const [out] = await run([]);
		expect(out).toHaveLength(1);
		expect(out[0].json.notices).toEqual(['No items reached the report']);
		expect(bytes(out[0].binary!.report).toString('utf8')).toContain('Nothing to chart yet');
		expect(out[0].pairedItem).toBeUndefined();
	});

	it('notices become execution hints', async () => {
		const hints: string[] = [];
		const recording: INodeType = {
			description: node.description,
			async execute(this: IDataObject) {
				this.addExecutionHints = (...h: { message: string }[]) => hints.push(...h.map((x) => x.message));
				return (withBinaryHelpers(node).execute as unknown as (this: unknown) => Promise<INodeExecutionData[][]>).call(this);
			},
		} as unknown as INodeType;
		await runNode(recording, toItems([{ rfm: { r: 1, f: 1, monetary: 'n/a', segment: 'Hibernating' } }, { other: 1 }]));
		expect(hints).toEqual(['1 customer: unreadable rfm.monetary', '1 of 2 items carry none of the groups the report reads (rfm, cluster, change, clv, route, delivery) and were not counted']);
	});
});
