import type { INodeProperties } from 'n8n-workflow';

/**
 * Inputs and outputs of the node, computed from its parameters by n8n. These functions are turned
 * into text and evaluated in n8n's expression sandbox: self-contained, no imports, and no closing
 * double brace in their text. Keep in step with SegmentChanges.execute.ts `changesLayout`.
 */
export const changesInputs = (parameters: Record<string, unknown>) => {
	if (parameters.operation === 'confirm') return [{ type: 'main' }];
	if (parameters.snapshotSource === 'input') {
		return [
			{ type: 'main', displayName: 'Customers' },
			{ type: 'main', displayName: 'Previous Snapshot' },
		];
	}
	return [{ type: 'main', displayName: 'Customers' }];
};

export const changesOutputs = (parameters: Record<string, unknown>) => {
	if (parameters.operation === 'confirm') return [{ type: 'main', displayName: 'Items' }];
	const options = (parameters.options || {}) as Record<string, unknown>;
	let names = ['Changes'];
	if (parameters.outputMode !== 'field') {
		names = ['New', 'Moved Up', 'Moved Down', 'Moved (Unranked)', 'Unchanged'];
		if (options.includeGone !== false) names.push('Gone');
	}
	if (parameters.snapshotSource === 'input') names.push('Snapshot');
	return names.map((name) => ({ type: 'main', displayName: name }));
};

const compareOnly = { show: { operation: ['compare'] } };

export const segmentChangesProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Compare With the Previous Run',
				value: 'compare',
				description: 'Tell who is new, who moved up or down, who stayed and who is gone since the last run',
				action: 'Compare with the previous run',
			},
			{
				name: 'Confirm Snapshot',
				value: 'confirm',
				description:
					'Put at the very end of the workflow: saves the snapshots of Segment Changes nodes set to save "When Confirmed", so a run that fails before this step leaves the previous snapshot in place',
				action: 'Confirm the snapshot',
			},
		],
		default: 'compare',
	},
	{
		displayName: 'Output',
		name: 'outputMode',
		displayOptions: compareOnly,
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Separate Outputs',
				value: 'separate',
				description: 'New, Moved Up, Moved Down, Moved (Unranked), Unchanged and Gone outputs',
			},
			{
				name: 'One Output With a Change Field',
				value: 'field',
				description: 'Every customer (and every gone one) on one output; read change.type and change.direction',
			},
		],
		default: 'separate',
		description: 'How the changes since the previous run are delivered. Every item gets a "change" field either way.',
	},
	{
		displayName: 'Segment Field',
		name: 'segmentField',
		displayOptions: compareOnly,
		type: 'string',
		default: 'rfm.segment',
		placeholder: 'rfm.segment',
		description: 'Field that holds the segment of each customer (RFM Score: rfm.segment; Cluster Customers: cluster.label)',
	},
	{
		displayName: 'Customer ID Field',
		name: 'customerIdField',
		displayOptions: compareOnly,
		type: 'string',
		default: 'customerId',
		placeholder: 'customerId',
		description: 'Field that identifies the customer across runs. When absent the node tries customer_id, ID and email.',
	},
	{
		displayName: 'Segment Order',
		name: 'segmentOrder',
		displayOptions: compareOnly,
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'RFM Segments (Best First)',
				value: 'rfm',
				description:
					"Champions, Loyal Customers, Potential Loyalists, New Customers, Promising, Need Attention, About To Sleep, At Risk, Can't Lose Them, Hibernating",
			},
			{ name: 'Custom Order', value: 'custom', description: 'Your own list, best segment first' },
		],
		default: 'rfm',
		description: 'Ranking that decides whether a move is up or down. Moves involving a segment that is not in the list go to Moved (Unranked).',
	},
	{
		displayName: 'Custom Order',
		name: 'customOrder',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		placeholder: 'VIP, Regular, Occasional, Lapsed',
		displayOptions: { show: { operation: ['compare'], segmentOrder: ['custom'] } },
		description: 'Segment names, best first, separated by commas or new lines (compared ignoring case)',
	},
	{
		displayName: 'Previous Snapshot',
		name: 'snapshotSource',
		displayOptions: compareOnly,
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Kept in This Workflow (Zero Setup)',
				value: 'staticData',
				description:
					'The node remembers each customer\'s segment in the workflow\'s static data, keyed by a salted hash of the customer ID. Production runs (schedule, webhook, CLI) update it; manual test runs in the editor never do.',
			},
			{
				name: 'From a Second Input',
				value: 'input',
				description:
					'Read the previous snapshot ({ key, segment } items) from a second input, e.g. your database, and emit the new one on a Snapshot output to write back',
			},
		],
		default: 'staticData',
		description: 'Where the segments of the previous run come from',
	},
	{
		displayName: 'Save Snapshot',
		name: 'saveSnapshot',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { operation: ['compare'], snapshotSource: ['staticData'] } },
		options: [
			{
				name: 'When This Node Succeeds',
				value: 'immediately',
				description:
					'Zero setup. n8n stores it at the end of the run even if a later node fails; set a Rerun Key so a rerun reports the same changes.',
			},
			{
				name: 'When Confirmed at the End of the Run',
				value: 'onConfirm',
				description: 'Add a Segment Changes node with the Confirm Snapshot operation as the last step: a run that fails before it keeps the previous snapshot',
			},
		],
		default: 'immediately',
		description: 'When this run\'s segments replace the stored snapshot',
	},
	{
		displayName: 'Options',
		name: 'options',
		displayOptions: compareOnly,
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'First Run',
				name: 'firstRun',
				type: 'options',
				options: [
					{ name: 'Report Everyone as New', value: 'new' },
					{ name: 'Record a Baseline Only (No Output)', value: 'baseline', description: 'Useful when New triggers a welcome campaign you do not want to send to the whole base' },
				],
				default: 'new',
				description: 'What the node emits when there is no previous snapshot yet',
			},
			{
				displayName: 'Include Gone Customers',
				name: 'includeGone',
				type: 'boolean',
				default: true,
				description: 'Whether to emit customers present in the previous snapshot but missing from this run (with only their snapshot key and previous segment)',
			},
			{
				displayName: 'Previous Key Field',
				name: 'previousKeyField',
				type: 'string',
				default: 'key',
				displayOptions: { show: { '/snapshotSource': ['input'] } },
				description: 'Field of the Previous Snapshot items that holds the snapshot key',
			},
			{
				displayName: 'Previous Segment Field',
				name: 'previousSegmentField',
				type: 'string',
				default: 'segment',
				displayOptions: { show: { '/snapshotSource': ['input'] } },
				description: 'Field of the Previous Snapshot items that holds the segment (empty or null means the customer was gone)',
			},
			{
				displayName: 'Rerun Key',
				name: 'rerunKey',
				type: 'string',
				default: '',
				placeholder: "{{ $now.toFormat(\"kkkk-'W'WW\") }}",
				description:
					'Runs with the same key compare with the same earlier snapshot, so rerunning a failed weekly run reports the same changes again. Set it to the week (see placeholder) for a weekly schedule. Empty: every run compares with the run before.',
			},
			{
				displayName: 'Salt',
				name: 'salt',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description:
					'Secret mixed into the hashed keys. Empty: derived from the workflow ID. Changing it makes every stored key unknown (the node then starts a new baseline).',
			},
			{
				displayName: 'Snapshot Keys',
				name: 'keyMode',
				type: 'options',
				options: [
					{ name: 'Salted Hash of the Customer ID (No Personal Data)', value: 'hash' },
					{ name: 'Customer ID as Is', value: 'plain', description: 'Gone customers can then be identified; the IDs are stored' },
				],
				default: 'hash',
				description: 'What identifies a customer in the stored snapshot',
			},
		],
	},
];
