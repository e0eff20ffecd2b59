/**
 * Local outbox: instead of sending, each message is appended as one JSON line to
 * `<directory>/outbox-<YYYY-MM-DD>.jsonl` on the n8n server. For trying a playbook out end to end
 * (ledger, caps, consent and holdout skips all apply) and for the demo, which must never reach a
 * real provider. The file holds the addresses: keep the directory private.
 */
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- the Local Outbox writes files on the (self-hosted) n8n server by design
import { appendFileSync, mkdirSync } from 'node:fs';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- default outbox folder beside n8n's data
import { homedir } from 'node:os';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- file paths of the outbox
import { join } from 'node:path';
import type { HttpRequest } from '../../http';
import { assertSafePaths, getPath } from '../../fields';
import type { BatchResult, Provider, Recipient } from '../types';

/** Default directory: beside n8n's own data (`<N8N_USER_FOLDER or home>/.n8n/microsegments-outbox`). */
export function defaultOutboxDirectory(): string {
	return join(process.env.N8N_USER_FOLDER || homedir(), '.n8n', 'microsegments-outbox');
}

/** A folder typed by the marketer: `~` is the home folder, empty is the default. */
export function resolveOutboxDirectory(typed: string): string {
	const dir = typed.trim();
	if (!dir) return defaultOutboxDirectory();
	return dir.startsWith('~') ? join(homedir(), dir.slice(1)) : dir;
}

export interface OutboxOptions {
	directory: string;
	/** Fields copied from each item into its line (dotted paths). */
	fields: string[];
	now?: () => number;
}

function line(r: Recipient, campaignKey: string, runKey: string, fields: string[], at: number): Record<string, unknown> {
	const data: Record<string, unknown> = {};
	for (const f of fields) {
		const v = getPath(r.fields, f);
		if (v !== undefined) data[f] = v;
	}
	return { messageId: `outbox-${r.sendKey}`, at: new Date(at).toISOString(), campaignKey, runKey, customerId: r.customerId, to: r.address, data };
}

export function createOutboxProvider(options: OutboxOptions): Provider {
	assertSafePaths(options.fields, 'Fields to Write');
	const now = options.now ?? Date.now;
	const fileFor = (at: number) => join(options.directory, `outbox-${new Date(at).toISOString().slice(0, 10)}.jsonl`);
	return {
		id: 'outbox',
		limits: { maxBatchSize: 1000, requestsPerInterval: 1000, intervalMs: 1000, concurrency: 1 },
		plan(batch, ctx): HttpRequest[] {
			const at = ctx.now();
			return [
				{
					method: 'POST',
					url: 'file://' + fileFor(at),
					body: { messages: batch.map((r) => line(r, ctx.campaignKey, ctx.runKey, options.fields, at)) },
				},
			];
		},
		async send(batch, ctx): Promise<BatchResult> {
			const at = now();
			try {
				mkdirSync(options.directory, { recursive: true });
				appendFileSync(fileFor(at), batch.map((r) => JSON.stringify(line(r, ctx.campaignKey, ctx.runKey, options.fields, at)) + '\n').join(''));
			} catch (error) {
				return { kind: 'fatal', reason: 'outbox_not_writable', detail: `cannot write the outbox file: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, stopRun: true };
			}
			return { kind: 'done', outcomes: batch.map((recipient) => ({ recipient, status: 'sent', messageId: `outbox-${recipient.sendKey}` })) };
		},
	};
}
