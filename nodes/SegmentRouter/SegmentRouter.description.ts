import type { INodeProperties } from 'n8n-workflow';

/**
 * Output list of the node, computed from its parameters by n8n (editor canvas and engine) through
 * the `outputs` expression. It is turned into text and evaluated inside n8n's expression sandbox,
 * so it must stay self-contained: no imports, no helpers, no closing double brace in its text.
 * Keep in step with core/playbook/router.ts `outputLayout` (a unit test compares them).
 */
export const routerOutputs = (parameters: Record<string, unknown>) => {
	const standard = [
		'Champions',
		'Loyal Customers',
		'Potential Loyalists',
		'New Customers',
		'Promising',
		'Need Attention',
		'About To Sleep',
		'At Risk',
		"Can't Lose Them",
		'Hibernating',
	];
	let names: string[] = standard;
	if (parameters.segmentsFrom === 'custom') {
		const collection = (parameters.rules || {}) as Record<string, unknown>;
		const rules = (Array.isArray(collection.rule) ? collection.rule : []) as Array<Record<string, unknown>>;
		names = rules.map((rule, index) => {
			const name = typeof rule.name === 'string' ? rule.name.trim() : '';
			return name === '' ? 'Segment ' + (index + 1) : name;
		});
	}
	const options = (parameters.options || {}) as Record<string, unknown>;
	const outputs = names.map((name) => ({ type: 'main', displayName: name }));
	if (options.holdoutHandling !== 'flag') outputs.push({ type: 'main', displayName: 'Holdout' });
	if (options.suppressedHandling !== 'drop') outputs.push({ type: 'main', displayName: 'Suppressed' });
	if (options.fallbackHandling !== 'drop') outputs.push({ type: 'main', displayName: 'Fallback' });
	return outputs;
};

const customOnly = { show: { segmentsFrom: ['custom'] } };

export const segmentRouterProperties: INodeProperties[] = [
	{
		displayName: 'Segments',
		name: 'segmentsFrom',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'RFM Segments (10 Standard Outputs)',
				value: 'rfm',
				description:
					"One output per RFM Score segment: Champions, Loyal Customers, Potential Loyalists, New Customers, Promising, Need Attention, About To Sleep, At Risk, Can't Lose Them, Hibernating",
			},
			{
				name: 'Custom Rules',
				value: 'custom',
				description: 'List your own segments: each rule becomes an output named after it',
			},
		],
		default: 'rfm',
		description: 'Which outputs the node has. Each item goes to the first segment that matches it.',
	},
	{
		displayName: 'Segment Field',
		name: 'segmentField',
		type: 'string',
		default: 'rfm.segment',
		placeholder: 'rfm.segment',
		description:
			'Field that holds the segment name of each customer. RFM Score writes rfm.segment; after Cluster Customers use cluster.label. Dotted paths read nested fields. Names are compared ignoring case and surrounding spaces.',
	},
	{
		displayName: 'Segment Rules',
		name: 'rules',
		placeholder: 'Add Segment',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		displayOptions: customOnly,
		default: {},
		description: 'Rules are tried from top to bottom; the first one that matches an item wins. Each rule adds an output with its name.',
		options: [
			{
				name: 'rule',
				displayName: 'Segment',
				// eslint-disable-next-line n8n-nodes-base/node-param-fixed-collection-type-unsorted-items -- fields follow the order a marketer fills them in: name, how to match, then the match details
				values: [
					{
						displayName: 'Segment Name',
						name: 'name',
						type: 'string',
						noDataExpression: true,
						default: '',
						placeholder: 'VIP',
						description: 'Name of the segment and of its output on the canvas. Playbooks refer to it by this name.',
					},
					{
						displayName: 'Match When',
						name: 'matchBy',
						type: 'options',
						noDataExpression: true,
						options: [
							{
								name: 'Segment Field Equals the Segment Name',
								value: 'segmentIs',
								description: 'The item\'s segment field has exactly this segment\'s name',
							},
							{
								name: 'Segment Field Is One Of',
								value: 'segmentIn',
								description: 'The item\'s segment field is one of a list of values (to merge several segments into one branch)',
							},
							{
								name: 'Field Condition',
								value: 'field',
								description: 'Any field compared with a value, e.g. rfm.monetary greater than 500',
							},
							{
								name: 'Expression Is True',
								value: 'expression',
								description: 'An expression that returns true for the items of this segment',
							},
						],
						default: 'segmentIs',
						description: 'How the node decides that an item belongs to this segment',
					},
					{
						displayName: 'Segment Values',
						name: 'values',
						type: 'string',
						default: '',
						placeholder: "At Risk, Can't Lose Them",
						displayOptions: { show: { matchBy: ['segmentIn'] } },
						description: 'Segment names separated by commas or new lines',
					},
					{
						displayName: 'Field',
						name: 'field',
						type: 'string',
						default: '',
						placeholder: 'rfm.monetary',
						displayOptions: { show: { matchBy: ['field'] } },
						description: 'Field to test; dotted paths read nested fields',
					},
					{
						displayName: 'Operator',
						name: 'operator',
						type: 'options',
						noDataExpression: true,
						displayOptions: { show: { matchBy: ['field'] } },
						options: [
							{ name: 'Contains', value: 'contains', description: 'Text contains the value, or a list (such as tags) holds it' },
							{ name: 'Equals', value: 'equals' },
							{ name: 'Greater Than', value: 'greaterThan', description: 'Numbers, or dates' },
							{ name: 'Greater Than or Equal', value: 'greaterOrEqual' },
							{ name: 'Is Empty', value: 'isEmpty' },
							{ name: 'Is False', value: 'isFalse', description: 'False, "false", "no" or 0' },
							{ name: 'Is Not Empty', value: 'isNotEmpty' },
							{ name: 'Is One Of', value: 'oneOf', description: 'One of a comma-separated list' },
							{ name: 'Is True', value: 'isTrue', description: 'True, "true", "yes" or 1' },
							{ name: 'Less Than', value: 'lessThan', description: 'Numbers, or dates' },
							{ name: 'Less Than or Equal', value: 'lessOrEqual' },
							{ name: 'Not Equals', value: 'notEquals' },
							{ name: 'Starts With', value: 'startsWith' },
						],
						default: 'equals',
						description: 'Comparison to make. Text is compared ignoring case.',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						displayOptions: { show: { matchBy: ['field'], operator: ['equals', 'notEquals', 'oneOf', 'contains', 'startsWith', 'greaterThan', 'greaterOrEqual', 'lessThan', 'lessOrEqual'] } },
						description: 'Value to compare with. Numbers and dates (2024-05-01) are compared as such.',
					},
					{
						displayName: 'Condition',
						name: 'condition',
						type: 'boolean',
						default: false,
						displayOptions: { show: { matchBy: ['expression'] } },
						description: 'Whether the item belongs to this segment. Switch this field to an expression that returns true or false for each item, for example one that checks rfm.monetary above 500 and country FR.',
					},
				],
			},
		],
	},
	{
		displayName: 'Playbooks',
		name: 'playbooks',
		placeholder: 'Add Playbook',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		description:
			'What to do with each segment. The fields are written to "playbook" on every item of the branch, so a send node needs no Set node. An "All Segments" playbook gives defaults that segment playbooks override. Expressions are resolved per item.',
		options: [
			{
				name: 'playbook',
				displayName: 'Playbook',
				// eslint-disable-next-line n8n-nodes-base/node-param-fixed-collection-type-unsorted-items -- the segment comes first, then the campaign fields in the order they are read
				values: [
					{
						displayName: 'Segment Name or ID',
						name: 'segment',
						type: 'options',
						typeOptions: {
							loadOptionsMethod: 'getSegmentNames',
							loadOptionsDependsOn: ['/segmentsFrom', '/rules', '/rules.rule'],
						},
						default: '*',
						description:
							'Segment this playbook is for. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
					},
					{
						displayName: 'Campaign',
						name: 'campaign',
						type: 'string',
						default: '',
						placeholder: 'Champions VIP preview',
						description:
							'Campaign name. It also keys the holdout: the same customer stays in (or out of) the control group of a campaign on every run; a new name draws a new control group. Empty: the segment name.',
					},
					{
						displayName: 'Channel',
						name: 'channel',
						type: 'options',
						options: [
							{ name: 'Email', value: 'email' },
							{ name: 'Push', value: 'push' },
						],
						default: 'email',
						description: 'Channel of the campaign: the ones Campaign Send delivers (SMS is not offered: no sender serves it). Consent is checked for this channel.',
					},
					{
						displayName: 'Template ID',
						name: 'templateId',
						type: 'string',
						default: '',
						placeholder: 'd-1234567890abcdef',
						description: 'Template of your email or push provider',
					},
					{
						displayName: 'Subject',
						name: 'subject',
						type: 'string',
						default: '',
						placeholder: 'A thank-you gift for {{ $json.firstName }}',
						description: 'Subject line or push title',
					},
					{
						displayName: 'Offer Code',
						name: 'offerCode',
						type: 'string',
						default: '',
						placeholder: 'VIP15',
						description: 'Discount or offer code for this segment',
					},
					{
						displayName: 'Priority',
						name: 'priority',
						type: 'number',
						default: 0,
						description: 'Priority of the campaign (higher first) for send nodes that cap messages per customer',
					},
					{
						displayName: 'Use Default Control Group',
						name: 'useDefaultHoldout',
						type: 'boolean',
						default: true,
						description: 'Whether this segment keeps the node\'s Default Holdout share; turn off to set its own',
					},
					{
						displayName: 'Control Group (%)',
						name: 'holdoutPercent',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 100, numberPrecision: 2 },
						default: 10,
						displayOptions: { show: { useDefaultHoldout: [false] } },
						description: 'Share of this segment kept as a control group (not contacted) to measure lift',
					},
					{
						displayName: 'More Fields',
						name: 'fields',
						placeholder: 'Add Field',
						type: 'fixedCollection',
						typeOptions: { multipleValues: true },
						default: {},
						description: 'Any other key written to the playbook (e.g. landingPage, utmCampaign, discountPercent)',
						options: [
							{
								name: 'field',
								displayName: 'Field',
								values: [
									{ displayName: 'Name', name: 'name', type: 'string', default: '', placeholder: 'utmCampaign', description: 'Key in the playbook' },
									{ displayName: 'Value', name: 'value', type: 'string', default: '', description: 'Value (expressions allowed)' },
								],
							},
						],
					},
				],
			},
		],
	},
	{
		displayName: 'Default Control Group (%)',
		name: 'holdoutPercent',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 100, numberPrecision: 2 },
		default: 10,
		description:
			'Share of every segment kept as a control group to measure lift: these customers are not contacted. Chosen by a hash of campaign + customer ID, so the same customers stay in the group on every run. 0 turns holdouts off.',
	},
	{
		displayName: 'Customer ID Field',
		name: 'customerIdField',
		type: 'string',
		default: 'customerId',
		placeholder: 'customerId',
		description: 'Field that identifies the customer, used for the holdout. When absent the node tries customer_id, ID and email.',
	},
	{
		displayName: 'Suppress Opted-Out Customers',
		name: 'suppressOptedOut',
		type: 'boolean',
		default: true,
		description:
			'Whether customers who opted out of the branch\'s channel go to the Suppressed output instead of their segment. The default checks read Shopify, HubSpot, Klaviyo and Fetch Customers consent fields (accepts_marketing false, unsubscribed, opted_out, marketingState UNSUBSCRIBED...).',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Additional Consent Rules',
				name: 'consentRules',
				placeholder: 'Add Consent Rule',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				description: 'Your own "do not contact" fields, checked with (or instead of) the default ones',
				options: [
					{
						name: 'rule',
						displayName: 'Consent Rule',
						values: [
							{ displayName: 'Field', name: 'field', type: 'string', default: '', placeholder: 'newsletter_status', description: 'Field to read; dotted paths read nested fields' },
							{
								displayName: 'Channel',
								name: 'channel',
								type: 'options',
								options: [
									{ name: 'All Channels', value: 'all' },
									{ name: 'Email', value: 'email' },
									{ name: 'Push', value: 'push' },
								],
								default: 'all',
								description: 'Channel the opt-out applies to',
							},
							{
								displayName: 'Do Not Contact When Value Is',
								name: 'values',
								type: 'string',
								default: '',
								placeholder: 'unsubscribed, bounced, false',
								description: 'Values separated by commas, compared ignoring case (true and "true" are the same)',
							},
						],
					},
				],
			},
			{
				displayName: 'Control Group Customers',
				name: 'holdoutHandling',
				type: 'options',
				options: [
					{ name: 'Send to Holdout Output', value: 'output', description: 'Control-group customers leave their branch (route.segment keeps their segment)' },
					{ name: 'Keep in Segment Output, Flagged', value: 'flag', description: 'They stay in their branch with route.holdout = true; the send node must skip them' },
				],
				default: 'output',
				description: 'Where control-group customers go',
			},
			{
				displayName: 'Default Channel',
				name: 'defaultChannel',
				type: 'options',
				options: [
					{ name: 'Email', value: 'email' },
					{ name: 'Push', value: 'push' },
				],
				default: 'email',
				description: 'Channel whose consent is checked for segments without a playbook and for Fallback items',
			},
			{
				displayName: 'Fallback',
				name: 'fallbackHandling',
				type: 'options',
				options: [
					{ name: 'Send to Fallback Output', value: 'output' },
					{ name: 'Drop (Counted in the Run Notice)', value: 'drop' },
				],
				default: 'output',
				description: 'What happens to items that match no segment',
			},
			{
				displayName: 'Items From a Customer Table',
				name: 'tableItems',
				type: 'options',
				options: [
					{
						name: 'Playbook Segments Only',
						value: 'playbook',
						description: 'Items only on the outputs of segments with a playbook of their own (all segments when none has one); the others are counted',
					},
					{ name: 'All Outputs', value: 'all', description: 'An item on its output for every customer of the table' },
					{
						name: 'One Customer Table per Output',
						value: 'tables',
						description:
							'No customer items: each playbook segment output gets one item carrying its customers (with route and playbook) as a customer table, a summary and a sample; Campaign Send reads it (the largest runs)',
					},
				],
				default: 'playbook',
				description:
					'When the input is a customer table (large runs, from Fetch Customers): which customers become items. Customers routed elsewhere are counted in the run notice.',
			},
			{
				displayName: 'Opted-Out Customers',
				name: 'suppressedHandling',
				type: 'options',
				options: [
					{ name: 'Send to Suppressed Output', value: 'output' },
					{ name: 'Drop (Counted in the Run Notice)', value: 'drop' },
				],
				default: 'output',
				description: 'Where opted-out customers go. They never reach a segment output.',
			},
			{
				displayName: 'Require Explicit Opt-In',
				name: 'requireOptIn',
				type: 'boolean',
				default: false,
				description:
					'Whether to suppress customers with no recorded opt-in for the channel (consent.email "subscribed", Shopify SUBSCRIBED, accepts_marketing true...). Use it for audiences where only opted-in customers may be contacted, as under GDPR.',
			},
			{
				displayName: 'Use Default Consent Checks',
				name: 'useDefaultConsentRules',
				type: 'boolean',
				default: true,
				description: 'Whether to apply the built-in opt-out fields (see the docs) in addition to your own consent rules',
			},
		],
	},
];
