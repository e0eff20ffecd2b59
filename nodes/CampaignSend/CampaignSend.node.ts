import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { campaignSendProperties } from './CampaignSend.description';
import { executeCampaignSend } from './CampaignSend.execute';
import { testPostgresLedger } from './ledger';
import { microSmtpConnectionTest } from './providers/smtp';
import { microWebPushVapidApiTest } from './providers/webpush';

export class CampaignSend implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Campaign Send',
		name: 'campaignSend',
		icon: 'file:campaignSend.svg',
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["dryRun"] || $parameter["sendForReal"] === false ? "dry run: " : ""}}{{$parameter["provider"]}}',
		description: 'Send each customer their campaign by email, push or HubSpot: consent-checked, capped, never twice',
		defaults: { name: 'Campaign Send' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		// Unconfirmed: recipients whose provider may have the message but whose answer was lost; they are
		// held (never re-sent by default) until a person decides (option Unconfirmed Sends).
		outputNames: ['Recipients', 'Summary', 'Unconfirmed'],
		// Literal (the n8n lint rules read it statically); a unit test checks it matches the provider registry.
		credentials: [
			{ name: 'microSendGridApi', required: true, displayOptions: { show: { provider: ['sendgrid'] } } },
			{ name: 'microBrevoApi', required: true, displayOptions: { show: { provider: ['brevo'] } } },
			// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed -- SMTP server login (named like n8n's own "smtp" credential), not an API
			{ name: 'microSmtp', required: true, testedBy: 'microSmtpConnectionTest', displayOptions: { show: { provider: ['smtp'] } } },
			{ name: 'microHubSpotApi', required: true, displayOptions: { show: { provider: ['hubspotEmail', 'hubspot'] } } },
			{ name: 'microKlaviyoApi', required: true, displayOptions: { show: { provider: ['klaviyo'] } } },
			{ name: 'microShopifyApi', required: true, displayOptions: { show: { provider: ['shopify'] } } },
			{ name: 'microMailchimpApi', required: true, displayOptions: { show: { provider: ['mailchimp'] } } },
			{ name: 'microOneSignalApi', required: true, displayOptions: { show: { provider: ['onesignal'] } } },
			{ name: 'microFcmServiceAccountApi', required: true, displayOptions: { show: { provider: ['fcm'] } } },
			{ name: 'microWebPushVapidApi', required: true, testedBy: 'microWebPushVapidApiTest', displayOptions: { show: { provider: ['webpush'] } } },
			{
				name: 'microPostgresLedger',
				required: true,
				testedBy: 'microPostgresLedgerTest',
				displayOptions: { show: { ledger: ['postgres'] } },
			},
		],
		properties: campaignSendProperties,
	};

	methods = {
		credentialTest: { microPostgresLedgerTest: testPostgresLedger, microSmtpConnectionTest, microWebPushVapidApiTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeCampaignSend.call(this);
	}
}
