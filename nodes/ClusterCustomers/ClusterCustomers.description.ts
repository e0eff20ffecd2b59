import type { INodeProperties } from 'n8n-workflow';

const customOnly = { show: { features: ['custom'] } };

export const clusterCustomersProperties: INodeProperties[] = [
	{
		displayName: 'Compare Customers On',
		name: 'features',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Recency, Frequency and Spend (From RFM Score)',
				value: 'rfm',
				description:
					'Recency days, frequency and monetary from the RFM Score node, plus average order value when every customer has one',
			},
			{ name: 'Fields You Choose', value: 'custom', description: 'Pick the numeric fields yourself (the k-means features)' },
		],
		default: 'rfm',
		description: 'The numbers that describe each customer (the k-means features); customers with similar numbers end up in the same group',
	},
	{
		displayName: 'Fields to Compare',
		name: 'customFeatures',
		type: 'fixedCollection',
		placeholder: 'Add Field',
		typeOptions: { multipleValues: true, sortable: true },
		displayOptions: customOnly,
		default: {
			feature: [
				{ field: 'rfm.recencyDays', transform: 'auto' },
				{ field: 'rfm.frequency', transform: 'auto' },
				{ field: 'rfm.monetary', transform: 'auto' },
			],
		},
		description: 'Numeric fields to cluster on. Dotted paths such as rfm.monetary read nested fields.',
		options: [
			{
				displayName: 'Field',
				name: 'feature',
				values: [
					{
						displayName: 'Field',
						name: 'field',
						type: 'string',
						default: '',
						required: true,
						placeholder: 'rfm.monetary',
						description: 'Field holding a number (numbers written as text, like "12.50", are read too)',
					},
					{
						displayName: 'Transform',
						name: 'transform',
						type: 'options',
						options: [
							{
								name: 'Automatic',
								value: 'auto',
								description:
									'None for recency (days), log for order counts and money, and for other fields log when the values are all positive and a few customers have very large values',
							},
							{
								name: 'Tame Very Large Values',
								value: 'log1p',
								description: 'Logarithm (log1p: natural logarithm of 1 + value): tames a long tail so a few big spenders do not decide the clusters alone',
							},
							{ name: 'None', value: 'none', description: 'Use the value as it is' },
						],
						default: 'auto',
						description: 'How the value is reshaped before scaling',
					},
				],
			},
		],
	},
	{
		displayName: 'Weighting of Fields',
		name: 'scaling',
		type: 'options',
		options: [
			{
				name: 'Balanced (Recommended)',
				value: 'zscore',
				description: 'Z-score scaling: subtract the mean, divide by the standard deviation, so every field counts about equally',
			},
			{ name: 'Stretch to 0–1', value: 'minmax', description: 'Min-max scaling: rescale every field to 0–1' },
			{
				name: 'Balanced, Ignoring Outliers',
				value: 'robust',
				description: 'Robust scaling: subtract the median, divide by the interquartile range; least affected by a few extreme customers',
			},
			{ name: 'As They Are', value: 'none', description: 'No scaling: the field with the biggest numbers dominates' },
		],
		default: 'zscore',
		description: 'How the fields are put on a common scale (feature scaling), so that days and dollars can be compared',
	},
	{
		displayName: 'Number of Groups',
		name: 'clusterCount',
		type: 'options',
		options: [
			{
				name: 'Automatic (Best Fit)',
				value: 'auto',
				description: 'Try every number in a range and keep the one whose groups are best separated (highest silhouette score)',
			},
			{ name: 'Fixed Number', value: 'fixed', description: 'Always make the number of groups you type' },
		],
		default: 'auto',
		description: 'How many groups of customers to make',
	},
	{
		displayName: 'Groups',
		name: 'numberOfClusters',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 50 },
		default: 4,
		displayOptions: { show: { clusterCount: ['fixed'] } },
		description: 'How many groups (k-means clusters) to make. Fewer customers than this stops the node (within groups, small groups get fewer clusters).',
	},
	{
		displayName: 'Fewest Groups',
		name: 'minClusters',
		type: 'number',
		typeOptions: { minValue: 2, maxValue: 50 },
		default: 2,
		displayOptions: { show: { clusterCount: ['auto'] } },
		description: 'Smallest number of groups (clusters) to try. Use 3 or more if two broad groups are not useful to you.',
	},
	{
		displayName: 'Most Groups',
		name: 'maxClusters',
		type: 'number',
		typeOptions: { minValue: 2, maxValue: 50 },
		default: 8,
		displayOptions: { show: { clusterCount: ['auto'] } },
		description: 'Largest number of groups (clusters) to try. Lowered automatically when there are too few customers.',
	},
	{
		displayName: 'Group Within Each Segment',
		name: 'withinGroups',
		type: 'boolean',
		default: false,
		description:
			'Whether to cluster separately inside each value of a field, e.g. inside each RFM segment, to get micro-segments such as "Champions · 2"',
	},
	{
		displayName: 'Group Field',
		name: 'groupField',
		type: 'string',
		default: 'rfm.segment',
		required: true,
		displayOptions: { show: { withinGroups: [true] } },
		description: 'Field whose values define the groups (dotted paths allowed). Customers without a value form the group "(empty)".',
	},
	{
		displayName: 'Output',
		name: 'output',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Customers', value: 'customers', description: 'Every customer item with a cluster group of fields added' },
			{
				name: 'Group Summary',
				value: 'summary',
				description: 'One item per group: size, share, typical values and how well it is separated (silhouette)',
			},
			{ name: 'Customers and Summary', value: 'both', description: 'Customers on the first output, the summary on a second output' },
		],
		default: 'customers',
		description: 'What the node emits',
	},
	{
		displayName: 'Output Fields',
		name: 'outputFields',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Nested', value: 'nested', description: 'All fields under one "cluster" field (the default)' },
			{
				name: 'Flat Columns',
				value: 'flat',
				description: 'One column per field (cluster_label, cluster_index, cluster_distance, ...) and a short summary item with the rest under "details": best for the table view, Google Sheets and CSV',
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
		options: [
			{
				displayName: 'Max Refinement Rounds',
				name: 'maxIterations',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 300,
				description: 'Upper limit of k-means iterations per run (it usually settles in 10–60)',
			},
			{
				displayName: 'Measure Separation of a Fixed Number',
				name: 'silhouette',
				type: 'boolean',
				default: false,
				displayOptions: { show: { '/clusterCount': ['fixed'] } },
				description:
					'Whether to compute the silhouette (how well the clusters are separated) when the number of clusters is fixed. Automatic always computes it, to choose the number.',
			},
			{
				displayName: 'Restarts',
				name: 'restarts',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description:
					'How many times to start over from different seeds and keep the tightest clusters. 0 = automatic: 3 for a fixed number of clusters, 1 per number tried in automatic mode.',
			},
			{
				displayName: 'Seed',
				name: 'seed',
				type: 'number',
				default: 42,
				description: 'The same customers and seed always give the same clusters and names; change it to try another starting point',
			},
			{
				displayName: 'Separation Check Sample Size',
				name: 'sampleSize',
				type: 'number',
				typeOptions: { minValue: 2 },
				default: 10000,
				description:
					'Customers (picked the same way on every run) used to score how well groups are separated (silhouette). Larger is more precise and slower.',
			},
			{
				displayName: 'Skip Invalid Items',
				name: 'skipInvalid',
				type: 'boolean',
				default: false,
				description:
					'Whether to pass customers with a missing or non-numeric feature through without a cluster (and count them) instead of stopping the workflow',
			},
			{
				displayName: 'Stop When Groups Settle Within',
				name: 'tolerance',
				type: 'number',
				typeOptions: { minValue: 0, numberPrecision: 6 },
				default: 0.0001,
				description: 'Convergence tolerance: stop refining when the group centres move less than this (relative to the spread of the data)',
			},
			{
				displayName: 'Threads',
				name: 'threads',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description:
					'CPU threads for large inputs. 0 = automatic (up to 2). The clusters are exactly the same for any number; only the speed changes.',
			},
		],
	},
];
