import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { warehouseRfmProperties } from './WarehouseRfm.description';
import { executeWarehouseRfm, testPostgresWarehouse } from './WarehouseRfm.execute';

export class WarehouseRfm implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Warehouse RFM',
		name: 'warehouseRfm',
		icon: 'file:warehouseRfm.svg',
		group: ['input'],
		version: 1,
		subtitle: '={{ {"duckdb": "embedded, local files", "postgres": "PostgreSQL", "bigquery": "BigQuery SQL", "snowflake": "Snowflake SQL"}[$parameter["engine"]] }}',
		description: 'RFM segments computed inside your database (PostgreSQL, DuckDB, BigQuery, Snowflake) for millions of customers',
		defaults: { name: 'Warehouse RFM' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{ $parameter["output"] === "both" && ["duckdb", "postgres"].includes($parameter["engine"]) ? [{ "type": "main", "displayName": "Customers" }, { "type": "main", "displayName": "Summary" }] : [{ "type": "main" }] }}`,
		credentials: [
			// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed -- a database login (like n8n's own "postgres" credential), not an API
			{ name: 'microPostgresWarehouse', required: true, testedBy: 'microPostgresWarehouseTest', displayOptions: { show: { engine: ['postgres'] } } },
		],
		properties: warehouseRfmProperties,
	};

	methods = {
		credentialTest: { microPostgresWarehouseTest: testPostgresWarehouse },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeWarehouseRfm.call(this);
	}
}
