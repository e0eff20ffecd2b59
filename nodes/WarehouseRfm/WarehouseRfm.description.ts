import type { INodeProperties } from 'n8n-workflow';
import { rfmScoreProperties } from '../RfmScore/RfmScore.description';

const runs = { show: { engine: ['duckdb', 'postgres'] } };
const sqlOnly = { show: { engine: ['bigquery', 'snowflake'] } };

/** RFM Score's own parameter (same name, text and default), without its orders/customers switch. */
function fromRfmScore(name: string, extra: Partial<INodeProperties> = {}): INodeProperties {
	const p = rfmScoreProperties.find((x) => x.name === name);
	if (!p) throw new Error(`RFM Score has no parameter ${name}`);
	const copy = { ...p, ...extra };
	const show = copy.displayOptions?.show;
	if (show && '/input' in show) delete copy.displayOptions;
	return copy;
}

/** RFM Score's option of that name (Options collection), without display conditions. */
function rfmOption(name: string): INodeProperties {
	const options = (rfmScoreProperties.find((x) => x.name === 'options')?.options ?? []) as INodeProperties[];
	const p = options.find((x) => x.name === name);
	if (!p) throw new Error(`RFM Score has no option ${name}`);
	const copy = { ...p };
	delete copy.displayOptions;
	return copy;
}

const column = (displayName: string, name: string, placeholder: string, description: string): INodeProperties => ({
	displayName,
	name,
	type: 'string',
	default: '',
	placeholder,
	description,
});

export const warehouseRfmProperties: INodeProperties[] = [
	{
		displayName: 'Engine',
		name: 'engine',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Embedded (DuckDB on Local Files)',
				value: 'duckdb',
				description: 'CSV or Parquet files on the n8n server, read by an embedded engine: no database server needed',
			},
			{ name: 'PostgreSQL', value: 'postgres', description: 'Runs the SQL in your PostgreSQL database' },
			{
				name: 'BigQuery (SQL to Run in the Google BigQuery Node)',
				value: 'bigquery',
				description: 'Writes the SQL for n8n\'s Google BigQuery node (Execute Query) instead of running it',
			},
			{
				name: 'Snowflake (SQL to Run in the Snowflake Node)',
				value: 'snowflake',
				description: 'Writes the SQL for n8n\'s Snowflake node (Execute Query) instead of running it',
			},
		],
		default: 'duckdb',
		description: 'Where the orders are. The aggregation and the scoring run there; n8n only receives the scored customers.',
	},
	{
		displayName: 'File Paths',
		name: 'filePaths',
		type: 'string',
		default: '',
		required: true,
		placeholder: '/data/exports/orders-*.parquet',
		displayOptions: { show: { engine: ['duckdb'] } },
		description:
			'Orders files on the n8n server, separated by commas or new lines; * and ** patterns allowed. They must be in a folder n8n may read (N8N_RESTRICT_FILE_ACCESS_TO).',
	},
	{
		displayName: 'File Format',
		name: 'fileFormat',
		type: 'options',
		options: [
			{ name: 'From the File Extension', value: 'auto' },
			{ name: 'CSV (Header Row)', value: 'csv' },
			{ name: 'Parquet', value: 'parquet' },
		],
		default: 'auto',
		displayOptions: { show: { engine: ['duckdb'] } },
		description: 'CSV files need a header row; the delimiter, quoting and column types are detected',
	},
	{
		displayName: 'Orders Table',
		name: 'table',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'public.orders',
		displayOptions: { show: { engine: ['postgres', 'bigquery', 'snowflake'] } },
		description: 'Table or view with one row per order (or order line): table, schema.table, or project.dataset.table in BigQuery',
	},
	{
		displayName: 'Columns',
		name: 'columns',
		type: 'collection',
		placeholder: 'Name a Column',
		default: {},
		description:
			'Leave empty to let the node find common column names (customer_id, order_id, created_at, total...) in the table or file. BigQuery and Snowflake: name customer ID, order date and amount.',
		options: [
			column('Amount Column', 'amount', 'total', 'Order value. Negative values are refunds and are subtracted from the customer\'s total.'),
			column('Currency Column', 'currency', 'currency', 'Currency code of the amount; with several currencies the node stops unless you pick one under Options'),
			column('Customer ID Column', 'customerId', 'customer_id', 'Column that identifies the customer (an ID or an email address)'),
			column('Order Date Column', 'date', 'created_at', 'DATE or TIMESTAMP column (a timestamp without time zone is read as UTC); in CSV files ISO dates'),
			column('Order ID Column', 'orderId', 'order_id', 'Rows with the same order ID are lines of one order and count once in frequency'),
			column('Status Column', 'status', 'status', 'Order status; cancelled and fully refunded orders are left out (see Options)'),
		],
	},
	fromRfmScore('referenceDate'),
	fromRfmScore('fixedDate'),
	fromRfmScore('windowDays'),
	fromRfmScore('scoring'),
	fromRfmScore('bins'),
	fromRfmScore('recencyThresholds'),
	fromRfmScore('frequencyThresholds'),
	fromRfmScore('monetaryThresholds'),
	fromRfmScore('segmentMap'),
	fromRfmScore('customSegments'),
	fromRfmScore('fallbackSegment'),
	{
		displayName: 'Only These Segments',
		name: 'onlySegments',
		type: 'string',
		default: '',
		placeholder: 'At Risk, Can\'t Lose Them, Hibernating',
		description:
			'Comma-separated segment names: only customers of these segments are returned (the summary still counts everyone). Empty: all customers.',
	},
	{ ...fromRfmScore('output'), displayOptions: runs },
	{
		displayName: 'Max Customers',
		name: 'maxCustomers',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description:
			'Stop after this many customers (in customer ID order); 0 returns all. The summary\'s nextCursor tells where the next run starts (Start After Customer ID).',
	},
	{
		displayName: 'Start After Customer ID',
		name: 'startAfter',
		type: 'string',
		default: '',
		placeholder: '={{ $json.details.nextCursor }}',
		description: 'Return only customers whose ID sorts after this one (byte order): continue where an earlier run stopped',
	},
	{
		displayName: 'Page Size',
		name: 'pageSize',
		type: 'number',
		typeOptions: { minValue: 100 },
		default: 10000,
		displayOptions: runs,
		description: 'Customers read from the database at a time (memory used while reading)',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			rfmOption('excludedStatuses'),
			rfmOption('keepCurrency'),
			{
				displayName: 'Embedded Engine Memory Limit',
				name: 'memoryLimit',
				type: 'string',
				default: '',
				placeholder: '2GB',
				description: 'Most memory the embedded engine may use (e.g. 2GB); empty: 80% of the server\'s memory',
			},
			rfmOption('refundedStatuses'),
			rfmOption('nonPositiveMonetary'),
			{
				displayName: 'Query Timeout (Seconds)',
				name: 'queryTimeout',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'PostgreSQL: cancel a statement that runs longer than this; 0 = no limit',
			},
			{
				displayName: 'Skip Invalid Rows',
				name: 'skipInvalid',
				type: 'boolean',
				default: false,
				description:
					'Whether to skip rows with an empty customer ID, date or amount (they are counted in the summary) instead of stopping with an error naming the column and the number of rows',
			},
		],
	},
	{
		displayName:
			'This engine does not run anything: the node outputs the SQL (customersSql, summarySql) for n8n\'s own database node. Map its Query field to {{ $json.customersSql }}.',
		name: 'sqlOnlyNotice',
		type: 'notice',
		default: '',
		displayOptions: sqlOnly,
	},
];
