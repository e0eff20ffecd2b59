import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { aggregateReport, drawReport } from '../core/report';

function text(value: unknown, fallback: string): string {
	const s = typeof value === 'string' ? value.trim() : '';
	return s === '' ? fallback : s;
}

/** A file name without folders or characters that mail clients and file systems refuse. */
function baseName(value: unknown): string {
	const safe = Array.from(text(value, 'segment-report'))
		.map((ch) => (ch.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(ch) ? '-' : ch))
		.join('');
	return safe.slice(0, 120);
}

export async function executeSegmentReport(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const items = this.getInputData();
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const reportField = text(options.reportField, 'report');
	const imageField = text(options.imageField, 'image');
	if (reportField === imageField)
		throw new NodeOperationError(node, `Report Field and Image Field are both "${reportField}"`, { description: 'Give the HTML page and the PNG image different binary fields' });

	const data = aggregateReport(
		items.map((item) => item.json),
		{
			title: this.getNodeParameter('title', 0, '') as string,
			segmentField: this.getNodeParameter('segmentField', 0, 'rfm.segment') as string,
			maxRows: Number(options.maxRows ?? 12),
		},
	);
	if (items.length > 0 && data.summary.unrecognized === items.length)
		throw new NodeOperationError(node, `None of the ${items.length} items carries a field group the report reads`, {
			description:
				'Segment Report reads the customers of RFM Score (rfm), Cluster Customers (cluster), Segment Changes (change), Customer Value (clv), Segment Router (route) and Campaign Send (delivery, or its summary). Put one of them before this node. ' +
				(data.notices.find((n) => n.includes('summary output')) ?? ''),
		});

	const includeImage = options.includeImage !== false;
	const drawn = await drawReport(data, { png: includeImage, imageScale: Number(options.imageScale ?? 2) });
	const name = baseName(options.fileName);
	const binary: INodeExecutionData['binary'] = {
		[reportField]: await this.helpers.prepareBinaryData(Buffer.from(drawn.html, 'utf8'), `${name}.html`, 'text/html'),
	};
	if (drawn.png) binary[imageField] = await this.helpers.prepareBinaryData(drawn.png.data, `${name}.png`, 'image/png');

	const addHints = (this as unknown as { addExecutionHints?: (...h: { message: string; location?: string }[]) => void }).addExecutionHints;
	if (data.notices.length > 0 && typeof addHints === 'function') addHints.call(this, ...data.notices.map((message) => ({ message, location: 'outputPane' })));

	const pairedItem = items.length > 0 ? items.map((_, i) => ({ item: i })) : undefined;
	return [[{ json: data as unknown as IDataObject, binary, ...(pairedItem ? { pairedItem } : {}) }]];
}
