import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { customerValueProperties } from './CustomerValue.description';
import { executeCustomerValue } from './CustomerValue.execute';

export class CustomerValue implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Customer Value',
		name: 'customerValue',
		icon: 'file:customerValue.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["model"] === "fixed" ? "fixed parameters" : "fit BG/NBD + Gamma-Gamma"}}',
		description: 'Predict each customer\'s lifetime value, future orders and churn risk',
		defaults: { name: 'Customer Value' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [
			{ type: NodeConnectionTypes.Main, displayName: 'Customers' },
			{ type: NodeConnectionTypes.Main, displayName: 'Summary' },
		],
		properties: customerValueProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeCustomerValue.call(this);
	}
}
