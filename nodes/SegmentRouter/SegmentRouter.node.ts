import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { routerOutputs, segmentRouterProperties } from './SegmentRouter.description';
import { executeSegmentRouter, getSegmentNames } from './SegmentRouter.execute';

export class SegmentRouter implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Segment Router',
		name: 'segmentRouter',
		icon: 'file:segmentRouter.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["segmentsFrom"] === "custom" ? "custom segments" : "RFM segments"}}',
		description: 'Send each segment down its own branch with its campaign, a control group and opt-outs removed',
		defaults: { name: 'Segment Router' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{(${routerOutputs})($parameter)}}`,
		properties: segmentRouterProperties,
	};

	methods = {
		loadOptions: { getSegmentNames },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeSegmentRouter.call(this);
	}
}
