/**
 * Local outbox: instead of sending, each message is appended as one JSON line to
 * `<directory>/outbox-<YYYY-MM-DD>.jsonl` on the n8n server. For trying a playbook out end to end
 * (ledger, caps, consent and holdout skips all apply) and for the demo, which must never reach a
 * real provider. Addresses are judged as an email provider would (an address, one per mailbox).
 * The files hold the addresses: keep the folder private. The folder must be one n8n lets nodes
 * write to (N8N_RESTRICT_FILE_ACCESS_TO; never n8n's own folder): the node checks it with n8n's
 * own rule, outboxFolderProblem() is the same rule for an n8n without that helper.
 */
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- the Local Outbox writes files on the (self-hosted) n8n server by design
import { closeSync, constants, existsSync, mkdirSync, openSync, realpathSync, writeSync } from 'node:fs';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- default outbox folder in the home folder, as n8n's own default for files
import { homedir } from 'node:os';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- file paths of the outbox
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { HttpRequest } from '../../net/http';
import { assertSafePaths, getPath } from '../../fields';
import type { BatchResult, Provider, Recipient } from '../types';
import { isEmail } from './util';

const expandHome = (p: string) => (p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p);

/** Default folder: in `~/.n8n-files`, the folder n8n 2 lets nodes use by default (N8N_RESTRICT_FILE_ACCESS_TO). */
export function defaultOutboxDirectory(): string {
	return join(homedir(), '.n8n-files', 'microsegments-outbox');
}

/** A folder typed by the marketer: `~` is the home folder, empty is the default. */
export function resolveOutboxDirectory(typed: string): string {
	const dir = typed.trim();
	return dir ? resolve(expandHome(dir)) : defaultOutboxDirectory();
}

/** A path with its existing part resolved through links (what it will really be once created). */
export function realPathOf(path: string): string {
	const rest: string[] = [];
	let p = resolve(path);
	while (!existsSync(p) && dirname(p) !== p) {
		rest.unshift(basename(p));
		p = dirname(p);
	}
	return join(realpathSync(p), ...rest);
}

const within = (root: string, p: string) => {
	const r = relative(root, p);
	return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

/**
 * n8n's rule for the files a node writes, for an n8n that does not give nodes its
 * isFilePathBlocked helper: never n8n's own folder; inside N8N_RESTRICT_FILE_ACCESS_TO when it is set.
 */
export function outboxFolderProblem(folder: string): string | undefined {
	const real = realPathOf(folder);
	const n8nFolder = join(process.env.N8N_USER_FOLDER || homedir(), '.n8n');
	if (process.env.N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES !== 'false' && within(realPathOf(n8nFolder), real)) return allowedMessage(folder);
	const roots = (process.env.N8N_RESTRICT_FILE_ACCESS_TO ?? '')
		.split(';')
		.map((p) => p.trim())
		.filter(Boolean)
		.map((p) => realPathOf(expandHome(p)));
	if (roots.length && !roots.some((r) => within(r, real))) return allowedMessage(folder);
	return undefined;
}

export function allowedMessage(folder: string): string {
	const roots = process.env.N8N_RESTRICT_FILE_ACCESS_TO;
	return `Writing to the outbox folder ${folder} is not allowed on this n8n server${roots ? ` (allowed folders: ${roots.split(';').join(', ')})` : ' (n8n\'s own folder is reserved)'}: choose an Outbox Folder inside one of them.`;
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

/** Appends to a day file, never through a link (a link placed in the folder could point anywhere). */
function append(file: string, text: string): void {
	const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
	try {
		writeSync(fd, text);
	} finally {
		closeSync(fd);
	}
}

export function createOutboxProvider(options: OutboxOptions): Provider {
	assertSafePaths(options.fields, 'Fields to Write');
	const now = options.now ?? Date.now;
	const fileFor = (at: number) => join(options.directory, `outbox-${new Date(at).toISOString().slice(0, 10)}.jsonl`);
	return {
		id: 'outbox',
		limits: { maxBatchSize: 1000, requestsPerInterval: 1000, intervalMs: 1000, concurrency: 1 },
		addressKey: (address) => address.trim().toLowerCase(),
		validate: (r) => (isEmail(r.address) ? undefined : 'invalid_address'),
		plan(batch, ctx): HttpRequest[] {
			const at = ctx.now();
			return [{ method: 'POST', url: 'file://' + fileFor(at), body: { messages: batch.map((r) => line(r, ctx.campaignKey, ctx.runKey, options.fields, at)) } }];
		},
		async send(batch, ctx): Promise<BatchResult> {
			const at = now();
			try {
				mkdirSync(options.directory, { recursive: true, mode: 0o700 });
				append(fileFor(at), batch.map((r) => JSON.stringify(line(r, ctx.campaignKey, ctx.runKey, options.fields, at)) + '\n').join(''));
			} catch (error) {
				return { kind: 'fatal', reason: 'outbox_not_writable', detail: `cannot write the outbox file: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, stopRun: true };
			}
			return { kind: 'done', outcomes: batch.map((recipient) => ({ recipient, status: 'sent', messageId: `outbox-${recipient.sendKey}` })) };
		},
	};
}
