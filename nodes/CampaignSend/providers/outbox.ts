import type { INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { allowedMessage, createOutboxProvider, outboxFolderProblem, realPathOf, resolveOutboxDirectory } from '../../core/delivery/providers/outbox';
import type { ProviderModule } from './module';
import { parseList } from '../../core/list';

const show = { show: { provider: ['outbox'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Outbox Folder',
		name: 'outboxDirectory',
		type: 'string',
		default: '',
		placeholder: '~/.n8n-files/microsegments-outbox',
		displayOptions: show,
		description:
			'Folder on the n8n server where the messages are written, one JSON line each, in a file per day (outbox-YYYY-MM-DD.jsonl). It must be a folder n8n lets nodes write to (N8N_RESTRICT_FILE_ACCESS_TO). Empty: ~/.n8n-files/microsegments-outbox.',
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
	transport: 'none',
	properties,
	async create(ctx, itemIndex) {
		const dir = String(ctx.getNodeParameter('outboxDirectory', itemIndex, '') || '').trim();
		const fields = parseList(ctx.getNodeParameter('outboxFields', itemIndex, ''));
		const directory = resolveOutboxDirectory(dir);
		// n8n's own rule for files written by nodes (1.x: async on the path; 2.x: on the resolved path).
		const blocked = (ctx.helpers as unknown as { isFilePathBlocked?: (path: string) => boolean | Promise<boolean> }).isFilePathBlocked;
		const probe = realPathOf(`${directory}/outbox.jsonl`);
		const problem = typeof blocked === 'function' ? ((await blocked(probe)) ? allowedMessage(directory) : undefined) : outboxFolderProblem(directory);
		if (problem) throw new NodeOperationError(ctx.getNode(), problem, { itemIndex });
		return createOutboxProvider({ directory, fields });
	},
};
