import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { fetchCustomersProperties } from './FetchCustomers.description';
import { executeFetchCustomers } from './FetchCustomers.execute';

export class FetchCustomers implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Fetch Customers',
		name: 'fetchCustomers',
		icon: 'file:fetchCustomers.svg',
		group: ['input'],
		version: 1,
		subtitle: '={{$parameter["output"] === "orders" ? "orders" : "customers"}} from {{$parameter["source"]}}',
		description: 'Get your customers or orders from Shopify, WooCommerce, HubSpot, Stripe or a CSV file',
		defaults: { name: 'Fetch Customers' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'microShopifyApi', required: true, displayOptions: { show: { source: ['shopify'] } } },
			{ name: 'microWooCommerceApi', required: true, displayOptions: { show: { source: ['wooCommerce'] } } },
			{ name: 'microHubSpotApi', required: true, displayOptions: { show: { source: ['hubSpot'] } } },
			{ name: 'microStripeApi', required: true, displayOptions: { show: { source: ['stripe'] } } },
		],
		properties: fetchCustomersProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeFetchCustomers.call(this);
	}
}
