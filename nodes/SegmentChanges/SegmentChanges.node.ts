import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { changesInputs, changesOutputs, segmentChangesProperties } from './SegmentChanges.description';
import { executeSegmentChanges } from './SegmentChanges.execute';

export class SegmentChanges implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Segment Changes',
		name: 'segmentChanges',
		icon: 'file:segmentChanges.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] === "confirm" ? "confirm snapshot" : $parameter["outputMode"] === "field" ? "change field" : "separate outputs"}}',
		description: 'See who changed segment since the last run: new, moved up, moved down or gone',
		defaults: { name: 'Segment Changes' },
		usableAsTool: true,
		inputs: `={{(${changesInputs})($parameter)}}`,
		outputs: `={{(${changesOutputs})($parameter)}}`,
		properties: segmentChangesProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeSegmentChanges.call(this);
	}
}
