import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { rfmScoreProperties } from './RfmScore.description';
import { executeRfmScore } from './RfmScore.execute';

export class RfmScore implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'RFM Score',
		name: 'rfmScore',
		icon: 'file:rfmScore.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["input"] === "customers" ? "from customers" : "from orders"}}',
		description: 'Score customers on how recently, how often and how much they buy, and name their segment (Champions, At Risk...)',
		defaults: { name: 'RFM Score' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{ $parameter["output"] === "both" ? [{ "type": "main", "displayName": "Customers" }, { "type": "main", "displayName": "Summary" }] : [{ "type": "main" }] }}`,
		properties: rfmScoreProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeRfmScore.call(this);
	}
}
