import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';
import { providerModules } from './providers';

/**
 * One credential entry per provider credential type, shown for the providers that use it (the ledger credential is in the node).
 * The Local Outbox needs none: that also keeps `provider` an ordinary parameter in the editor (n8n treats a field as the node's
 * authentication selector, and hides it, when every one of its options has a credential).
 */
export function campaignSendCredentials(): INodeCredentialDescription[] {
	const byType = new Map<string, string[]>();
	for (const m of providerModules) if (m.credentialType) byType.set(m.credentialType, [...(byType.get(m.credentialType) ?? []), m.id]);
	const out: INodeCredentialDescription[] = [...byType].map(([name, ids]) => ({ name, required: true, displayOptions: { show: { provider: ids } } }));
	return out;
}

export const campaignSendProperties: INodeProperties[] = [
	{
		displayName: 'Provider',
		name: 'provider',
		type: 'options',
		noDataExpression: true,
		options: providerModules.map((m) => ({ name: m.displayName, value: m.id, description: m.description })),
		default: 'sendgrid',
		description: 'Where the messages go. Every provider gets batching, rate limits, retries, consent checks, frequency caps and the never-send-twice ledger.',
	},
	// Ledger comes right after Provider: n8n's editor draws the credential picker just before the last
	// parameter a credential depends on (Provider for the provider credentials, Ledger for PostgreSQL),
	// so this puts the picker under Provider instead of far down the list.
	{
		displayName: 'Ledger',
		name: 'ledger',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'File Journal on This Server',
				value: 'journal',
				description:
					"A journal file in n8n's storage folder, written to disk before every request: a crashed or killed run is never sent twice. One n8n server (not queue mode); no setup.",
			},
			{
				name: 'PostgreSQL',
				value: 'postgres',
				description: 'A table shared by every workflow and n8n worker: safe for concurrent runs, queue mode and caps across workflows',
			},
			{
				name: 'Workflow Static Data',
				value: 'staticData',
				description:
					'Kept with this workflow by n8n, saved only when an execution ends: a crashed run and manual test runs are forgotten (a rerun sends them again); at most 150,000 sends',
			},
		],
		default: 'journal',
		description: 'Where sends are recorded so that nobody gets a campaign twice',
	},
	...providerModules.flatMap((m) => m.properties),
	{
		displayName: 'Campaign Key',
		name: 'campaignKey',
		type: 'string',
		default: '',
		placeholder: 'e.g. winback-2025',
		description:
			"Names this campaign in the ledger: a customer gets a campaign at most once per run key. Leave empty to use each item's Segment Router campaign (route.campaignKey), else this node's name; items of several campaigns are then sent as one run per campaign. Changing it makes everyone eligible again.",
	},
	{
		displayName: 'Run Key',
		name: 'runKey',
		type: 'string',
		default: '',
		placeholder: "e.g. {{ $now.toFormat('kkkk-WW') }}",
		description:
			"Which run this is. A customer who was already sent this campaign with the same run key is skipped (already_sent), so reruns and retries never send twice. Leave empty for today's date in the workflow's time zone (one send per customer per day); use the ISO week for weekly campaigns, or a fixed text for a once-only campaign.",
	},
	{
		displayName: 'Customer ID Field',
		name: 'customerIdField',
		type: 'string',
		default: 'customerId',
		description:
			'Field with the customer ID (the ledger and the frequency cap are keyed by it; only a hash is stored). If it is missing, customer_id, ID and email are tried.',
	},
	{
		displayName: 'Address Field',
		name: 'addressField',
		type: 'string',
		default: '',
		placeholder: 'e.g. email',
		description:
			"Field with where the message goes: the email for email providers and HubSpot, the external ID for OneSignal, the FCM token, the web-push subscription. Leave empty for the provider's usual field. Customers without one are skipped (no_address).",
	},
	{
		displayName: 'Dry Run',
		name: 'dryRun',
		type: 'boolean',
		default: false,
		displayOptions: { hide: { '@tool': [true] } },
		description:
			'Whether to only show what would be sent: the Summary output lists exactly the requests (keys hidden), nothing is sent and nothing is recorded',
	},
	{
		// Only on the AI-agent tool variant (Campaign Send Tool): it plans unless the author turns this on.
		displayName: 'Send for Real',
		name: 'sendForReal',
		type: 'boolean',
		default: false,
		noDataExpression: true,
		displayOptions: { show: { '@tool': [true] } },
		description:
			'Whether the AI agent really sends. Off (the default): every call is a dry run that only reports what would be sent. The agent cannot change this.',
	},
	{
		displayName: 'Max Messages per Customer',
		name: 'frequencyCapMessages',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description:
			'Frequency cap across all campaigns that share the ledger: skip a customer who already got this many messages in the last days below (frequency_cap). 0 for no cap. CRM updates do not count.',
	},
	{
		displayName: 'Within Days',
		name: 'frequencyCapDays',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 7,
		displayOptions: { hide: { frequencyCapMessages: [0] } },
		description: 'Length of the frequency-cap window in calendar days (UTC), today included: 7 lets a customer get one message every Monday with a cap of 1',
	},
	{
		displayName:
			'Workflow Static Data is saved by n8n only when an execution ends: a run that crashes or is killed, and manual test runs in the editor, are forgotten and a rerun sends them again. It holds at most 150,000 sends within the retention (a run that would go past it is refused). Prefer the File Journal or PostgreSQL.',
		name: 'staticDataNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { ledger: ['staticData'] } },
	},
	{
		displayName: 'Consent Check',
		name: 'consent',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Standard Consent Fields',
				value: 'standard',
				description:
					"Skip customers whose consent fields say they opted out of this channel (consent.email, Shopify email_marketing_consent.state, HubSpot hs_email_optout, accepts_marketing...)",
			},
			{ name: 'Custom Field', value: 'field', description: 'Skip customers whose field below holds an opt-out value' },
			{ name: 'Off', value: 'off', description: 'Only the Segment Router suppression flag is checked' },
		],
		default: 'standard',
		description: 'Customers flagged suppressed by the Segment Router (route.suppressed) and holdout customers are never sent, whatever this says',
	},
	{
		displayName: 'Consent Field',
		name: 'consentField',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { consent: ['field'] } },
		placeholder: 'e.g. marketingOptIn',
		description: 'Field holding the consent value (dotted paths read nested fields)',
	},
	{
		displayName: 'Opt-Out Values',
		name: 'consentOptOutValues',
		type: 'string',
		default: 'unsubscribed, not_subscribed, opted_out, false, no, 0',
		displayOptions: { show: { consent: ['field'] } },
		description: 'Values meaning "do not contact", separated by commas (compared ignoring case)',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Batch Size',
				name: 'batchSize',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: "Customers per request; 0 for the provider's maximum (SendGrid and Brevo 1,000, HubSpot 100, OneSignal 20,000)",
			},
			{
				displayName: 'Concurrent Requests',
				name: 'concurrency',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: "Requests in flight at once; 0 for the provider's default",
			},
			{
				displayName: 'Ledger Lease (Minutes)',
				name: 'ledgerLeaseMinutes',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 15,
				description:
					'PostgreSQL ledger: how long a send reserved by another run counts as in progress. After that the run is considered dead and its unconfirmed sends are resolved (see Unconfirmed Sends).',
			},
			{
				displayName: 'Ledger Retention (Days)',
				name: 'ledgerRetentionDays',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 90,
				description: 'Sends older than this are forgotten. Keep it longer than the frequency-cap window and than any run key you reuse.',
			},
			{
				displayName: 'Ledger Table',
				name: 'ledgerTable',
				type: 'string',
				default: 'micro_send_ledger',
				description: 'PostgreSQL ledger: table name (lower-case letters, digits, underscores); created on first use',
			},
			{
				displayName: 'Max Attempts',
				name: 'maxAttempts',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 10 },
				default: 5,
				description: 'Tries per request when the provider is busy or unreachable (429, 5xx, timeouts), with growing pauses in between',
			},
			{
				displayName: 'Max Requests',
				name: 'rateLimitRequests',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: "Rate limit: at most this many requests per period below, for this credential; 0 for the provider's published limit",
			},
			{
				displayName: 'Per Seconds',
				name: 'rateLimitSeconds',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'Rate-limit period in seconds; 0 for the provider default',
			},
			{
				displayName: 'Recipients Output',
				name: 'recipientsOutput',
				type: 'options',
				options: [
					{ name: 'Items (One per Customer)', value: 'items', description: 'Each customer as an item with its delivery outcome' },
					{
						name: 'Customer Table (Large Runs)',
						value: 'table',
						description:
							'One item carrying every customer with its delivery outcome (delivery.* columns) as a customer table, the counts per status and a sample of each; unconfirmed customers still come as items',
					},
				],
				default: 'items',
				description:
					'What the Recipients output holds. A customer table in (Segment Router, One Customer Table per Output) always gives a customer table out. See docs/LARGE_RUNS.md.',
			},
			{
				displayName: 'Require Opt-In',
				name: 'requireOptIn',
				type: 'boolean',
				default: false,
				description: 'Whether to also skip customers without a recorded opt-in for this channel (strict GDPR mode)',
			},
			{
				displayName: 'Unconfirmed Sends',
				name: 'unconfirmedSends',
				type: 'options',
				options: [
					{
						name: "Hold (Don't Resend)",
						value: 'fail',
						description: 'Leave them on the Unconfirmed output again: a customer may miss the message but never gets it twice',
					},
					{
						name: 'Mark as Sent',
						value: 'markSent',
						description: "You checked the provider's log and they were delivered: record them as sent, send nothing",
					},
					{
						name: 'Resend (At Least Once)',
						value: 'resend',
						description: 'Send them again: nobody is missed, a few may get it twice',
					},
				],
				default: 'fail',
				description:
					'What a rerun does with the recipients an earlier run left unconfirmed (its answer was lost after the provider may have accepted the message, or the run died mid-request). They come out on the Unconfirmed output until you decide. Providers with a dedupe key (Brevo within 30 minutes, OneSignal, HubSpot) are re-sent safely either way.',
			},
		],
	},
];
