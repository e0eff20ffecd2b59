import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { clusterCustomersProperties } from './ClusterCustomers.description';
import { executeClusterCustomers } from './ClusterCustomers.execute';

export class ClusterCustomers implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Cluster Customers',
		name: 'clusterCustomers',
		icon: 'file:clusterCustomers.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["clusterCount"] === "fixed" ? $parameter["numberOfClusters"] + " clusters" : "automatic number of clusters"}}',
		description: 'Find groups of customers who buy alike (k-means) and give each group a readable name',
		defaults: { name: 'Cluster Customers' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{ $parameter["output"] === "both" ? [{ "type": "main", "displayName": "Customers" }, { "type": "main", "displayName": "Summary" }] : [{ "type": "main" }] }}`,
		properties: clusterCustomersProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeClusterCustomers.call(this);
	}
}
