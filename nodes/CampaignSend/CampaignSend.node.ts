import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { campaignSendCredentials, campaignSendProperties } from './CampaignSend.description';
import { executeCampaignSend, testPostgresLedger } from './CampaignSend.execute';

export class CampaignSend implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Campaign Send',
		name: 'campaignSend',
		icon: 'file:campaignSend.svg',
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["dryRun"] ? "dry run: " : ""}}{{$parameter["provider"]}}',
		description: 'Send each customer a campaign by email, push or HubSpot: batched, rate-limited, retried, consent-checked, capped, and never twice',
		defaults: { name: 'Campaign Send' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Recipients', 'Summary'],
		credentials: [
			...campaignSendCredentials(),
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
		credentialTest: { microPostgresLedgerTest: testPostgresLedger },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeCampaignSend.call(this);
	}
}
