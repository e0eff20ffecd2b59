import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { segmentReportProperties } from './SegmentReport.description';
import { executeSegmentReport } from './SegmentReport.execute';

export class SegmentReport implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Segment Report',
		name: 'segmentReport',
		icon: 'file:segmentReport.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["title"]}}',
		description: 'Charts of your segments, movements, predicted value and campaigns as a web page and an image',
		defaults: { name: 'Segment Report' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: segmentReportProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeSegmentReport.call(this);
	}
}
