import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import type { HttpTransport } from '../core/net/http';
import { runDelivery, type DeliveryInput, type DeliveryRecord, type DeliveryResult } from '../core/delivery/engine';
import { sharedLimiter } from '../core/net/rateLimit';
import { redact } from '../core/net/redact';
import { credentialSecrets } from '../shared/secrets';
import { getPath } from '../core/fields';
import { stringValue } from '../core/delivery/providers/util';
import { checkConsent, consentText, DEFAULT_CONSENT_RULES, parseValueList, type Channel } from '../core/playbook/consent';
import { n8nTransport } from '../shared/n8nTransport';
import { closeLedger, openLedger, type LedgerKind } from './ledger';
import { findProviderModule, type ModuleProvider, type ProviderModule } from './providers';
import { isAgentToolVariant, isDryRun } from '../core/delivery/agentTool';
import { isTableInput, readTable } from '../shared/customerTable';
import { recipientsTableItem } from './CampaignSend.table';

const ID_FALLBACKS = ['customerId', 'customer_id', 'id', 'email'];

/** YYYY-MM-DD of `now` in the workflow's time zone (UTC when unknown). */
export function localDate(now: number, timeZone: string | undefined): string {
	try {
		const parts = new Intl.DateTimeFormat('en-CA', { timeZone: timeZone || 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(now));
		const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
		return `${get('year')}-${get('month')}-${get('day')}`;
	} catch {
		return new Date(now).toISOString().slice(0, 10);
	}
}

function firstPresent(json: IDataObject, paths: string[]): unknown {
	for (const p of paths) {
		const v = getPath(json, p);
		if (v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '')) return v;
	}
	return undefined;
}

function addressText(v: unknown): string | undefined {
	if (v === undefined || v === null) return undefined;
	if (typeof v === 'object') return JSON.stringify(v);
	return stringValue(v);
}

function numberOption(options: IDataObject, name: string): number | undefined {
	const n = Number(options[name]);
	return Number.isFinite(n) && n > 0 ? n : undefined;
}

interface ConsentRule {
	mode: 'standard' | 'field' | 'off';
	field?: string;
	values?: string[];
	requireOptIn: boolean;
}

function skipReasonFor(json: IDataObject, channel: ProviderModule['channel'], rule: ConsentRule): string | undefined {
	const route = json.route as IDataObject | undefined;
	if (route && typeof route === 'object') {
		if (route.suppressed === true) return 'suppressed';
		if (route.holdout === true) return 'holdout';
	}
	if (channel === 'crm' || rule.mode === 'off') return undefined;
	if (rule.mode === 'field') {
		const text = consentText(getPath(json, rule.field ?? ''));
		return text !== null && (rule.values ?? []).includes(text) ? 'no_consent' : undefined;
	}
	const verdict = checkConsent(json, channel as Channel, { rules: DEFAULT_CONSENT_RULES, requireOptIn: rule.requireOptIn });
	return verdict.allowed ? undefined : 'no_consent';
}

/**
 * A recipient's item on the Recipients output; with the node's error output a failed one leaves
 * there instead: n8n moves an item whose json is only `{ error }` to the error output and merges
 * the customer's input fields back in (an item-level `error` would replace the json instead).
 */
function recipientItem(r: DeliveryRecord, item: INodeExecutionData, errorOutput: boolean): INodeExecutionData {
	if (r.status !== 'failed' || !errorOutput) return item;
	return { json: { error: { message: `Not sent: ${r.reason}${r.detail ? ` (${r.detail})` : ''}`, ...deliveryJson(r) } }, pairedItem: item.pairedItem };
}

function deliveryJson(r: DeliveryRecord): IDataObject {
	const d: IDataObject = {
		status: r.status,
		reason: r.reason,
		messageId: r.messageId,
		provider: r.provider,
		sendKey: r.sendKey,
		attempts: r.attempts,
	};
	if (r.detail) d.detail = r.detail;
	return d;
}

/** The node's settings, read once (item 0): per-recipient data comes from each item. */
interface Settings {
	module: ProviderModule;
	customerIdField: string;
	addressField: string;
	dryRun: boolean;
	cap: { maxMessages: number; days: number } | null;
	ledgerKind: LedgerKind;
	consent: ConsentRule;
	options: IDataObject;
	fixedCampaignKey: string;
	runKey: string;
	now: number;
}

function readSettings(ctx: IExecuteFunctions): Settings {
	const node = ctx.getNode();
	const providerId = ctx.getNodeParameter('provider', 0) as string;
	const module = findProviderModule(providerId);
	if (!module) throw new NodeOperationError(node, `Unknown provider "${providerId}"`);
	const options = ctx.getNodeParameter('options', 0, {}) as IDataObject;
	const consentMode = ctx.getNodeParameter('consent', 0, 'standard') as ConsentRule['mode'];
	const consent: ConsentRule = {
		mode: consentMode,
		field: consentMode === 'field' ? String(ctx.getNodeParameter('consentField', 0, '')).trim() : undefined,
		values: consentMode === 'field' ? parseValueList(String(ctx.getNodeParameter('consentOptOutValues', 0, ''))) : undefined,
		requireOptIn: options.requireOptIn === true,
	};
	if (consent.mode === 'field' && !consent.field) throw new NodeOperationError(node, 'Consent Field is empty: name the field that holds the consent value');
	const capMessages = Math.floor(Number(ctx.getNodeParameter('frequencyCapMessages', 0, 0)) || 0);
	if (capMessages < 0) throw new NodeOperationError(node, 'Max Messages per Customer cannot be negative');
	const now = Date.now();
	return {
		module,
		customerIdField: String(ctx.getNodeParameter('customerIdField', 0, 'customerId') ?? '').trim() || 'customerId',
		addressField: String(ctx.getNodeParameter('addressField', 0, '') ?? '').trim(),
		dryRun: isDryRun({
			nodeType: node.type,
			dryRun: ctx.getNodeParameter('dryRun', 0, false),
			sendForReal: isAgentToolVariant(node.type) ? ctx.getNodeParameter('sendForReal', 0, false) : undefined,
		}),
		cap: capMessages > 0 ? { maxMessages: capMessages, days: Math.floor(Number(ctx.getNodeParameter('frequencyCapDays', 0, 7)) || 7) } : null,
		ledgerKind: ctx.getNodeParameter('ledger', 0, 'journal') as LedgerKind,
		consent,
		options,
		fixedCampaignKey: String(ctx.getNodeParameter('campaignKey', 0, '') ?? '').trim(),
		runKey: String(ctx.getNodeParameter('runKey', 0, '') ?? '').trim() || localDate(now, ctx.getTimezone()),
		now,
	};
}

/**
 * One delivery input per item, grouped by campaign key: the parameter, else each item's Segment
 * Router campaign (route.campaignKey), else the node's name. Items of several campaigns (merged
 * branches) are sent as one run per campaign.
 */
function campaignGroups(items: INodeExecutionData[], s: Settings, nodeName: string): Map<string, DeliveryInput[]> {
	const { module } = s;
	const addressPaths = s.addressField ? [s.addressField] : [module.addressField, ...(module.addressFallbacks ?? [])];
	const idPaths = [s.customerIdField, ...ID_FALLBACKS.filter((f) => f !== s.customerIdField)];
	const groups = new Map<string, DeliveryInput[]>();
	items.forEach((item, i) => {
		const json = (item.json ?? {}) as IDataObject;
		const key = s.fixedCampaignKey || stringValue(getPath(json, 'route.campaignKey')) || nodeName;
		const input: DeliveryInput = {
			itemIndex: i,
			customerId: stringValue(firstPresent(json, idPaths)),
			address: addressText(firstPresent(json, addressPaths)),
			fields: json,
			skipReason: skipReasonFor(json, module.channel, s.consent),
		};
		const g = groups.get(key);
		if (g) g.push(input);
		else groups.set(key, [input]);
	});
	if (groups.size === 0) groups.set(s.fixedCampaignKey || nodeName, []);
	return groups;
}

/** The provider of the module, its transport (n8n's request helpers) and the credential's secret values. */
async function openProvider(ctx: IExecuteFunctions, module: ProviderModule): Promise<{ provider: ModuleProvider; transport: HttpTransport; secrets: string[] }> {
	const secrets = module.credentialType ? credentialSecrets(module.credentialType, (await ctx.getCredentials(module.credentialType, 0)) as IDataObject) : [];
	let provider: ModuleProvider;
	try {
		provider = await module.create(ctx, 0);
	} catch (error) {
		throw error instanceof NodeOperationError
			? error
			: new NodeOperationError(ctx.getNode(), redact((error as Error).message, secrets, 1000) ?? 'The provider settings are not valid', { itemIndex: 0 });
	}
	const transport: HttpTransport =
		module.transport === 'credential'
			? n8nTransport(ctx, module.credentialType)
			: module.transport === 'plain'
				? n8nTransport(ctx)
				: async () => {
						throw new Error('This provider does not use HTTP');
					};
	return { provider, transport, secrets };
}

/** The options' overrides of the provider's limits, and the limiter shared by the runs of this credential. */
function limitsOf(ctx: IExecuteFunctions, s: Settings, provider: ModuleProvider) {
	const o = s.options;
	const limits = {
		maxBatchSize: numberOption(o, 'batchSize'),
		requestsPerInterval: numberOption(o, 'rateLimitRequests'),
		intervalMs: numberOption(o, 'rateLimitSeconds') !== undefined ? numberOption(o, 'rateLimitSeconds')! * 1000 : undefined,
		concurrency: numberOption(o, 'concurrency'),
	};
	const effective = { ...provider.limits, ...Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) };
	const credentialId = (ctx.getNode().credentials?.[s.module.credentialType] as { id?: string | null } | undefined)?.id ?? 'default';
	return { limits, limiter: sharedLimiter(`${provider.id}:${credentialId}`, effective.requestsPerInterval, effective.intervalMs) };
}

/** One delivery run per campaign key, on one ledger; the ledger and the provider are closed after. */
async function deliver(ctx: IExecuteFunctions, s: Settings, groups: Map<string, DeliveryInput[]>): Promise<{ results: DeliveryResult[]; provider: ModuleProvider }> {
	const node = ctx.getNode();
	const { provider, transport, secrets } = await openProvider(ctx, s.module);
	const ledger = await openLedger(ctx, s.ledgerKind, s.options, s.now, secrets);
	const { limits, limiter } = limitsOf(ctx, s, provider);
	const unconfirmed = s.options.unconfirmedSends === 'resend' || s.options.unconfirmedSends === 'markSent' ? s.options.unconfirmedSends : 'fail';
	const results: DeliveryResult[] = [];
	try {
		for (const [campaignKey, group] of groups)
			results.push(
				await runDelivery(group, {
					provider,
					transport,
					ledger,
					campaignKey,
					runKey: s.runKey,
					dryRun: s.dryRun,
					limits,
					limiter,
					frequencyCap: s.cap,
					countsTowardCap: s.module.channel !== 'crm',
					retry: { maxAttempts: numberOption(s.options, 'maxAttempts') },
					unconfirmed,
					secrets,
					log: (message) => ctx.logger.info(message, { node: node.name }),
				}),
			);
	} catch (error) {
		const code = (error as { code?: string }).code;
		const message =
			s.ledgerKind === 'postgres'
				? `The PostgreSQL ledger could not be used${code ? ` (${code})` : ''}: ${redact((error as Error).message, secrets, 1000) ?? 'unknown error'}`
				: (redact((error as Error).message, secrets, 1000) ?? 'Delivery failed');
		throw new NodeOperationError(node, message);
	} finally {
		await closeLedger(ledger, s.options, s.now, s.dryRun);
		if (provider.close) await provider.close().catch(() => undefined);
	}
	return { results, provider };
}

/** Manual executions in the editor do not save workflow static data: say so where it is seen. */
function manualRunWarning(ctx: IExecuteFunctions, s: Settings, totalSent: number): string | undefined {
	if (s.ledgerKind !== 'staticData' || s.dryRun || ctx.getMode() !== 'manual' || totalSent === 0) return undefined;
	const warning =
		'Manual execution: n8n does not save workflow static data, so the ledger will not remember these sends and a second manual run would send again. Use Dry Run while testing, or the File Journal or PostgreSQL ledger.';
	const hints = (ctx as unknown as { addExecutionHints?: (...h: Array<{ message: string; location?: string }>) => void }).addExecutionHints;
	if (typeof hints === 'function') hints.call(ctx, { message: warning, location: 'outputPane' });
	return warning;
}

/**
 * One summary item per campaign, then (dry run) one item per request that would be sent. Paired
 * with the items of their recipients; `fromTable`: with the one item that carried the table.
 */
function summaryItems(results: DeliveryResult[], warning: string | undefined, dryRun: boolean, fromTable: boolean): INodeExecutionData[] {
	const pair = (indexes: number[]) => (fromTable ? { item: 0 } : indexes.map((i) => ({ item: i })));
	const out: INodeExecutionData[] = results.map((r) => ({
		json: { summary: (warning ? { ...r.summary, warning } : r.summary) as unknown as IDataObject },
		pairedItem: pair(r.records.map((rec) => rec.itemIndex)),
	}));
	if (dryRun)
		for (const r of results)
			for (const req of r.plannedRequests ?? [])
				out.push({
					json: {
						campaignKey: r.summary.campaignKey,
						request: { method: req.method, url: req.url, headers: req.headers ?? {}, body: req.body as IDataObject } as IDataObject,
						batch: req.batch,
						recipients: req.itemIndexes.length,
					},
					pairedItem: pair(req.itemIndexes),
				});
	return out;
}

export async function executeCampaignSend(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const input = this.getInputData();
	const node = this.getNode();
	const settings = readSettings(this);
	// a customer table (large runs): its rows are the recipients, and the Recipients output a table
	const table = isTableInput(input) ? await readTable(this) : undefined;
	const items: INodeExecutionData[] = table ? Array.from({ length: table.rows }, (_, k) => ({ json: table.row(k) as IDataObject })) : input;
	const asTable = table !== undefined || settings.options.recipientsOutput === 'table';
	const { results, provider } = await deliver(this, settings, campaignGroups(items, settings, node.name));

	const totalSent = results.reduce((n, r) => n + r.summary.sent, 0);
	const totalUnconfirmed = results.reduce((n, r) => n + r.summary.unconfirmed, 0);
	const stopped = results.map((r) => r.summary.stopped).find((x) => x !== undefined);
	if (stopped && totalSent === 0 && totalUnconfirmed === 0 && !this.continueOnFail()) {
		throw new NodeOperationError(node, `${provider.id} refused the run (${stopped.reason})${stopped.detail ? `: ${stopped.detail}` : ''}`, {
			description: 'Nothing was sent. Check the credential and the provider settings; a rerun sends everything (nothing was recorded).',
		});
	}
	const errorOutput = node.onError === 'continueErrorOutput' && !asTable;
	const recipients: INodeExecutionData[] = [];
	const unconfirmed: INodeExecutionData[] = [];
	const records = results.flatMap((x) => x.records).sort((a, b) => a.itemIndex - b.itemIndex);
	for (const r of records) {
		// as a table every outcome is a row of the table; unconfirmed ones are also items (to decide on)
		if (asTable && r.status !== 'unconfirmed') continue;
		const item = { json: { ...items[r.itemIndex].json, delivery: deliveryJson(r) }, pairedItem: { item: table ? 0 : r.itemIndex } };
		if (r.status === 'unconfirmed') unconfirmed.push(item);
		else recipients.push(recipientItem(r, item, errorOutput));
	}
	if (asTable) recipients.push(await recipientsTableItem(this, items, table, records));
	return [recipients, summaryItems(results, manualRunWarning(this, settings, totalSent), settings.dryRun, table !== undefined), unconfirmed];
}
