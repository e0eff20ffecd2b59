import type { INodeProperties } from 'n8n-workflow';
import { rfmScoreProperties } from '../RfmScore/RfmScore.description';

const customersOnly = { show: { '/input': ['customers'] } };

/** RFM Score's options for reading orders, shared so that both nodes read the same data the same way. */
const READING_OPTIONS = ['excludedStatuses', 'refundedStatuses', 'keepCurrency', 'keepLatestOrderFields', 'skipInvalid', 'dateFormat'];

function rfmProperty(name: string): INodeProperties {
	const p = rfmScoreProperties.find((q) => q.name === name);
	if (!p) throw new Error(`RFM Score has no parameter "${name}"`);
	return p;
}

function rfmOption(name: string): INodeProperties {
	const p = ((rfmProperty('options').options ?? []) as INodeProperties[]).find((q) => q.name === name);
	if (!p) throw new Error(`RFM Score has no option "${name}"`);
	return p;
}

/** Descriptions that differ from RFM Score's for the same field (the model uses them otherwise). */
const MAPPING_DESCRIPTIONS: Record<string, string> = {
	amount: 'Order value. Negative values are refunds and lower the spend of the order they belong to.',
	orderId: 'Used to match refund lines to their order (orders on the same day are one purchase whatever their IDs)',
};

/**
 * The Field Mapping of RFM Score (one list of fields, placeholders and guesses for both nodes), with
 * the first order date the model needs in customers mode.
 */
function mappingOptions(): INodeProperties[] {
	const options = ((rfmProperty('fieldMapping').options ?? []) as INodeProperties[]).map((o) => (MAPPING_DESCRIPTIONS[o.name] ? { ...o, description: MAPPING_DESCRIPTIONS[o.name] } : o));
	const first: INodeProperties = {
		displayName: 'First Order Date Field',
		name: 'firstOrderDate',
		type: 'string',
		default: '',
		placeholder: 'firstOrderDate',
		displayOptions: customersOnly,
		description: 'Date of the customer\'s first order: the model needs how long each customer has been one',
	};
	return [...options, first].sort((u, w) => u.displayName.localeCompare(w.displayName));
}

const FIXED_EXAMPLE = `{
  "unit": "weeks",
  "bgnbd": { "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426 },
  "gammaGamma": { "p": 6.25, "q": 3.74, "v": 15.44 }
}`;

export const customerValueProperties: INodeProperties[] = [
	{
		displayName: 'Input',
		name: 'input',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Orders',
				value: 'orders',
				description: 'One item per order (or order line), read like RFM Score reads them: the most exact input',
			},
			{
				name: 'Customers',
				value: 'customers',
				description: 'One item per customer with first and last order date, order count and total spent (for example the output of RFM Score)',
			},
		],
		default: 'orders',
		description: 'What each incoming item is',
	},
	{
		displayName: 'Field Mapping',
		name: 'fieldMapping',
		type: 'collection',
		placeholder: 'Map a Field',
		default: {},
		description: 'Leave empty to let the node find common field names (the same guesses as RFM Score; after RFM Score the rfm fields are found on their own). Dotted paths such as customer.ID read nested fields.',
		options: mappingOptions(),
	},
	{
		displayName: 'Predict From',
		name: 'calibrationEnd',
		type: 'options',
		options: [
			{
				name: 'Day After the Latest Order',
				value: 'dayAfterLatest',
				description: 'Learn from every order; predictions start the day after the newest one (same result on every rerun of the same data)',
			},
			{ name: 'Today', value: 'now', description: 'Predictions start today (UTC); orders placed today count' },
			{
				name: 'Fixed Date',
				value: 'fixed',
				description: 'Learn from orders up to this day; with orders as input, later orders become a holdout period the summary checks the predictions against',
			},
		],
		default: 'dayAfterLatest',
		description: 'The day the model stops learning and starts predicting (the calibration end)',
	},
	{
		displayName: 'Predict From Date',
		name: 'fixedDate',
		type: 'dateTime',
		default: '',
		required: true,
		displayOptions: { show: { calibrationEnd: ['fixed'] } },
		description: 'Last day (UTC) whose orders the model learns from; customers\' ages are counted up to it',
	},
	{
		displayName: 'Predict for the Next (Days)',
		name: 'horizonDays',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 365,
		description: 'How far ahead expected orders and predicted value are counted (the horizon)',
	},
	{
		displayName: 'Monthly Discount Rate (%)',
		name: 'monthlyDiscountRate',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 2 },
		default: 1,
		description: 'Money expected next month is worth this much less than money today (1 % a month is about 12.7 % a year); 0 for no discounting',
	},
	{
		displayName: 'Time Unit',
		name: 'timeUnit',
		type: 'options',
		options: [
			{ name: 'Weeks', value: 'weeks', description: 'As in the published CDNOW figures' },
			{ name: 'Days', value: 'days' },
		],
		default: 'weeks',
		description: 'Unit of the fitted parameter alpha. Predictions do not depend on it; fixed parameters must say which unit they were fitted in.',
	},
	{
		displayName: 'Model',
		name: 'model',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Learn From These Customers', value: 'fit', description: 'Fit the BG/NBD and Gamma-Gamma models on the incoming customers' },
			{ name: 'Reuse an Earlier Model', value: 'fixed', description: 'Score with parameters from an earlier run (for example last quarter\'s fit) without fitting again' },
		],
		default: 'fit',
		description: 'Whether to fit the model on the incoming data or reuse known parameters',
	},
	{
		displayName: 'Minimum Repeat Customers',
		name: 'minRepeatCustomers',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 100,
		displayOptions: { show: { model: ['fit'] } },
		description: 'The node stops with an error when fewer customers than this bought again on a later day: the model cannot learn churn from too few',
	},
	{
		displayName: 'Fixed Parameters',
		name: 'fixedParameters',
		type: 'json',
		default: '',
		placeholder: FIXED_EXAMPLE,
		displayOptions: { show: { model: ['fixed'] } },
		description: 'The "model" field of an earlier run\'s summary item (or an expression that reads it), e.g. {"unit": "weeks", "bgnbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, "gammaGamma": {"p": 6.25, "q": 3.74, "v": 15.44}}. The unit says in which time unit alpha was fitted.',
	},
	rfmProperty('customerFields'),
	{
		displayName: 'Output Fields',
		name: 'outputFields',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Nested', value: 'nested', description: 'All fields under one "clv" field (the default)' },
			{
				name: 'Flat Columns',
				value: 'flat',
				description: 'One column per field (clv_predicted_value, clv_churn_risk, clv_segment, ...) and a short summary item with the rest under "details": best for the table view, Google Sheets and CSV',
			},
		],
		default: 'nested',
		description: 'How the fields this node adds are written',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: ([
			{
				displayName: 'Mark At Risk From Churn Risk',
				name: 'riskThreshold',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.5,
				description: 'Customers whose churn risk (1 - probability alive) is at least this get " At Risk" added to their segment, e.g. "High Value At Risk"',
			},
			{
				displayName: 'High Tier Share (%)',
				name: 'highShare',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 100 },
				default: 10,
				description: 'Share of customers with the highest predicted value in tier High',
			},
			{
				displayName: 'Medium Tier Share (%)',
				name: 'mediumShare',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 100 },
				default: 30,
				description: 'Share of customers in tier Medium (after High); the rest are Low',
			},
			...READING_OPTIONS.map(rfmOption),
		] as INodeProperties[]).sort((u, w) => u.displayName.localeCompare(w.displayName)),
	},
];
