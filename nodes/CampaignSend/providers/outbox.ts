import type { INodeProperties } from 'n8n-workflow';
import { createOutboxProvider, resolveOutboxDirectory } from '../../core/delivery/providers/outbox';
import type { ProviderModule } from './module';

const show = { show: { provider: ['outbox'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Outbox Folder',
		name: 'outboxDirectory',
		type: 'string',
		default: '',
		placeholder: '~/.n8n/microsegments-outbox',
		displayOptions: show,
		description:
			'Folder on the n8n server where the messages are written, one JSON line each, in a file per day (outbox-YYYY-MM-DD.jsonl). Empty: microsegments-outbox in n8n\'s data folder.',
	},
	{
		displayName: 'Fields to Write',
		name: 'outboxFields',
		type: 'string',
		default: 'rfm.segment, playbook, route.campaignKey',
		displayOptions: show,
		description: 'Comma-separated fields of each item copied into its line (dotted paths), e.g. the playbook the email would use',
	},
];

export const outboxModule: ProviderModule = {
	id: 'outbox',
	displayName: 'Local Outbox (Files, for Testing)',
	description: 'Writes each message to a file on the n8n server instead of sending it: try a playbook end to end without any provider account',
	credentialType: '',
	channel: 'email',
	addressField: 'email',
	addressFallbacks: ['customerId'],
	transport: 'none',
	properties,
	async create(ctx, itemIndex) {
		const dir = String(ctx.getNodeParameter('outboxDirectory', itemIndex, '') || '').trim();
		const fields = String(ctx.getNodeParameter('outboxFields', itemIndex, '') || '')
			.split(',')
			.map((s) => s.trim())
			.filter(Boolean);
		return createOutboxProvider({ directory: resolveOutboxDirectory(dir), fields });
	},
};
