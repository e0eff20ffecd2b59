import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type ILoadOptionsFunctions,
	type INodeExecutionData,
	type INodePropertyOptions,
} from 'n8n-workflow';
import { getPath, idString, resolveField } from '../core/fields';
import { DEFAULT_CONSENT_RULES, parseValueList, type Channel, type ConsentOptions, type ConsentRule } from '../core/playbook/consent';
import { unservedChannelError } from '../core/playbook/channels';
import {
	RFM_SEGMENT_NAMES,
	describeMatch,
	decideRoute,
	firstMatch,
	outputLayout,
	splitList,
	textOf,
	type MatchBy,
	type Operator,
	type OutputOptions,
	type SegmentRuleSpec,
} from '../core/playbook/router';
import { isTableInput, readTable } from '../shared/customerTable';
import { outputTableItems, type OutputRows } from './SegmentRouter.table';

const ID_FALLBACKS = ['customerId', 'customer_id', 'id', 'email'];
const ALL_SEGMENTS = '*';

interface RawRule {
	name?: string;
	matchBy?: MatchBy;
	values?: string;
	field?: string;
	operator?: Operator;
	value?: string;
	condition?: unknown;
}

interface RawPlaybook {
	segment?: string;
	campaign?: string;
	channel?: string;
	templateId?: string;
	subject?: string;
	offerCode?: string;
	priority?: number;
	useDefaultHoldout?: boolean;
	holdoutPercent?: number;
	fields?: { field?: Array<{ name?: string; value?: unknown }> };
}

/** Whether a raw parameter value holds an n8n expression anywhere (then it is resolved per item). */
export function hasExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(hasExpression);
	if (value && typeof value === 'object') return Object.values(value).some(hasExpression);
	return false;
}

function toRuleSpecs(raw: RawRule[], names: string[]): SegmentRuleSpec[] {
	return raw.map((r, i) => ({
		name: names[i],
		matchBy: r.matchBy ?? 'segmentIs',
		values: splitList(String(r.values ?? '')),
		field: String(r.field ?? '').trim(),
		operator: r.operator ?? 'equals',
		value: r.value === undefined || r.value === null ? '' : String(r.value),
		expressionResult: r.condition,
	}));
}

function emptyToNull(v: unknown): unknown {
	if (v === undefined || v === null) return null;
	if (typeof v === 'string' && v.trim() === '') return null;
	return v;
}

interface ResolvedPlaybook {
	json: IDataObject;
	campaign: string | null;
	channel: unknown;
	holdoutPercent: number;
}

function buildPlaybook(
	segment: string,
	playbooks: RawPlaybook[],
	defaults: { channel: Channel; holdoutPercent: number },
): ResolvedPlaybook {
	const key = segment.trim().toLowerCase();
	const general = playbooks.filter((p) => (p.segment ?? ALL_SEGMENTS) === ALL_SEGMENTS);
	const specific = playbooks.filter((p) => (p.segment ?? ALL_SEGMENTS) !== ALL_SEGMENTS && String(p.segment).trim().toLowerCase() === key);
	const json: IDataObject = { campaign: null, channel: defaults.channel, templateId: null, subject: null, offerCode: null, priority: null };
	let holdoutPercent = defaults.holdoutPercent;
	for (const p of [...general, ...specific]) {
		for (const k of ['campaign', 'channel', 'templateId', 'subject', 'offerCode'] as const) {
			const v = emptyToNull(p[k]);
			if (v !== null) json[k] = typeof v === 'string' ? v.trim() : (v as IDataObject[string]);
		}
		if (typeof p.priority === 'number' && Number.isFinite(p.priority)) json.priority = p.priority;
		if (p.useDefaultHoldout === false) holdoutPercent = Number(p.holdoutPercent);
		for (const f of p.fields?.field ?? []) {
			const name = String(f.name ?? '').trim();
			if (name !== '') json[name] = f.value as IDataObject[string];
		}
	}
	const campaign = typeof json.campaign === 'string' ? json.campaign : null;
	if (json.campaign === null) json.campaign = segment;
	return { json, campaign, channel: json.channel, holdoutPercent };
}

export async function getSegmentNames(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const mode = this.getCurrentNodeParameter('segmentsFrom') as string | undefined;
	let names: string[] = [...RFM_SEGMENT_NAMES];
	if (mode === 'custom') {
		const rules = ((this.getCurrentNodeParameter('rules') as IDataObject | undefined)?.rule ?? []) as RawRule[];
		names = rules.map((r, i) => (typeof r.name === 'string' && r.name.trim() !== '' ? r.name.trim() : `Segment ${i + 1}`));
	}
	return [
		{ name: 'All Segments (Defaults)', value: ALL_SEGMENTS, description: 'Applies to every segment; a segment\'s own playbook overrides it' },
		...names.map((n) => ({ name: n, value: n })),
	];
}

/**
 * Which outputs get items when the customers come as a table: the segments that have a playbook of
 * their own (the ones a campaign will be sent to; all segments when none has), and with
 * "All Outputs" every output. The others are counted in the node's notice.
 */
function tableOutputs(names: string[], segments: string[], playbooks: RawPlaybook[], all: boolean): boolean[] {
	if (all) return names.map(() => true);
	const own = new Set(playbooks.map((p) => String(p.segment ?? ALL_SEGMENTS).trim().toLowerCase()).filter((s) => s !== ALL_SEGMENTS));
	const any = segments.some((s) => own.has(s.trim().toLowerCase()));
	return names.map((n, k) => k < segments.length && (!any || own.has(n.trim().toLowerCase())));
}

export async function executeSegmentRouter(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const node = this.getNode();
	const mode = this.getNodeParameter('segmentsFrom', 0, 'rfm') as string;
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const outputs: OutputOptions = {
		holdout: options.holdoutHandling === 'flag' ? 'flag' : 'output',
		suppressed: options.suppressedHandling === 'drop' ? 'drop' : 'output',
		fallback: options.fallbackHandling === 'drop' ? 'drop' : 'output',
	};
	// a customer table (large runs): its rows are routed, parameters are read once (item 0)
	const table = isTableInput(items) ? await readTable(this) : undefined;
	const count = table ? table.rows : items.length;
	const jsonAt = (i: number): IDataObject => (table ? (table.row(i) as IDataObject) : items[i].json);
	const rawRulesParam = (node.parameters.rules as IDataObject | undefined)?.rule;
	const rulesPerItem = !table && mode === 'custom' && hasExpression(rawRulesParam);
	const readRules = (i: number): RawRule[] =>
		mode === 'custom' ? ((this.getNodeParameter('rules.rule', i, []) as RawRule[]) ?? []) : RFM_SEGMENT_NAMES.map((name) => ({ name, matchBy: 'segmentIs' as MatchBy }));
	const firstRules = readRules(0);
	const layout = outputLayout(
		firstRules.map((r) => (typeof r.name === 'string' ? r.name : '')),
		outputs,
	);
	const segmentNames = layout.names.slice(0, firstRules.length);
	const returnData: INodeExecutionData[][] = layout.names.map(() => []);
	if (items.length === 0) return returnData;

	const segmentField = String(this.getNodeParameter('segmentField', 0, 'rfm.segment')).trim() || 'rfm.segment';
	const records = table ? Array.from({ length: Math.min(count, 1000) }, (_, k) => jsonAt(k)) : items.map((it) => it.json);
	const idParam = String(this.getNodeParameter('customerIdField', 0, 'customerId')).trim();
	const idField =
		idParam === '' || idParam === 'customerId' ? resolveField(records, undefined, ID_FALLBACKS) : idParam;

	const usesSegmentField = mode !== 'custom' || firstRules.some((r) => (r.matchBy ?? 'segmentIs') === 'segmentIs' || r.matchBy === 'segmentIn');
	if (usesSegmentField && !rulesPerItem && !records.some((r) => textOf(getPath(r, segmentField)) !== null) && !this.continueOnFail()) {
		throw new NodeOperationError(node, `None of the ${table ? `${records.length} first customers of the table` : `${items.length} items`} has a segment in the field "${segmentField}"`, {
			description:
				'Put an RFM Score (or Cluster Customers) node before this one, or set Segment Field to the field that holds the segment name (after Cluster Customers: cluster.label).',
		});
	}

	const consentOn = this.getNodeParameter('suppressOptedOut', 0, true) as boolean;
	let consent: ConsentOptions | null = null;
	if (consentOn) {
		const rules: ConsentRule[] = options.useDefaultConsentRules === false ? [] : [...DEFAULT_CONSENT_RULES];
		const custom = ((options.consentRules as IDataObject | undefined)?.rule ?? []) as Array<{ field?: string; channel?: string; values?: string }>;
		for (const r of custom) {
			const field = String(r.field ?? '').trim();
			const values = parseValueList(String(r.values ?? ''));
			if (field === '' || values.length === 0) continue;
			rules.push({ field, channel: (['email', 'sms', 'push'].includes(String(r.channel)) ? r.channel : 'all') as ConsentRule['channel'], values });
		}
		consent = { rules, requireOptIn: options.requireOptIn === true };
	}
	const defaultChannelProblem = unservedChannelError(options.defaultChannel, 'Options › Default Channel');
	if (defaultChannelProblem) throw new NodeOperationError(node, defaultChannelProblem);
	const defaultChannel = (['email', 'push'].includes(String(options.defaultChannel)) ? options.defaultChannel : 'email') as Channel;

	const playbooksPerItem = !table && (hasExpression((node.parameters.playbooks as IDataObject | undefined)?.playbook) || hasExpression(node.parameters.holdoutPercent));
	const readPlaybooks = (i: number): RawPlaybook[] => (this.getNodeParameter('playbooks.playbook', i, []) as RawPlaybook[]) ?? [];
	const readHoldout = (i: number): number => Number(this.getNodeParameter('holdoutPercent', i, 10));
	let cachedPlaybooks = readPlaybooks(0);
	let cachedHoldout = readHoldout(0);
	const specsFor = (raw: RawRule[]) => toRuleSpecs(raw, segmentNames.length === raw.length ? segmentNames : raw.map((r, k) => String(r.name ?? `Segment ${k + 1}`)));
	let cachedSpecs = specsFor(firstRules);

	const emit = table ? tableOutputs(layout.names, segmentNames, cachedPlaybooks, options.tableItems === 'all') : undefined;
	// One Customer Table per Output: the routed rows are collected per output, no item per customer
	const perOutput: OutputRows[] | undefined = table && options.tableItems === 'tables' ? layout.names.map(() => ({ rows: [], routed: [] })) : undefined;
	const playbookCache = new Map<number, ResolvedPlaybook>();
	const counts = new Map<string, number>();
	let droppedFallback = 0;
	let droppedSuppressed = 0;
	let noId = 0;
	let notEmitted = 0;
	// table rows of a segment whose output gets no items (nor do Holdout / Suppressed) need no routing
	const segmentOnly = table && emit && mode !== 'custom' && !emit[layout.holdoutIndex] && !emit[layout.suppressedIndex] && table.get(segmentField) !== undefined;
	let unsent = 0;
	for (let i = 0; i < count; i++) {
		if (segmentOnly) {
			const r = firstMatch(cachedSpecs, null, table.valueAt(segmentField, i));
			if (r >= 0 && !emit[r]) {
				unsent++;
				continue;
			}
		}
		const json = jsonAt(i);
		const paired = { item: table ? 0 : i };
		try {
			if (rulesPerItem && i > 0) cachedSpecs = specsFor(readRules(i));
			if (playbooksPerItem && i > 0) {
				cachedPlaybooks = readPlaybooks(i);
				cachedHoldout = readHoldout(i);
			}
			const segmentValue = getPath(json, segmentField);
			const ruleIndex = firstMatch(cachedSpecs, json, segmentValue);
			const matchNote =
				ruleIndex >= 0 ? describeMatch(cachedSpecs[ruleIndex], segmentField, segmentValue) : `${segmentField} is ${textOf(segmentValue) === null ? 'empty' : JSON.stringify(segmentValue)}`;
			const customerId = idField ? idString(getPath(json, idField)) : undefined;
			let playbook: ResolvedPlaybook | null = null;
			if (ruleIndex >= 0) {
				// one playbook object per segment, shared by its items (unless playbooks are expressions)
				playbook = playbooksPerItem ? null : (playbookCache.get(ruleIndex) ?? null);
				if (!playbook) {
					playbook = buildPlaybook(segmentNames[ruleIndex], cachedPlaybooks, { channel: defaultChannel, holdoutPercent: cachedHoldout });
					const channelProblem = unservedChannelError(playbook.channel, `Playbook of segment "${segmentNames[ruleIndex]}"`);
					if (channelProblem) throw new Error(channelProblem);
					if (!playbooksPerItem) playbookCache.set(ruleIndex, playbook);
				}
			}
			const decision = decideRoute(
				{
					item: json,
					customerId,
					ruleIndex,
					matchNote,
					campaign: playbook ? playbook.campaign : null,
					channel: playbook ? playbook.channel : null,
					holdoutPercent: playbook ? playbook.holdoutPercent : 0,
				},
				{ layout, outputs, consent, defaultChannel },
			);
			if (customerId === undefined && ruleIndex >= 0 && decision.route.holdoutPercent > 0 && !decision.route.suppressed) noId++;
			if (decision.dropped === 'fallback') droppedFallback++;
			else if (decision.dropped === 'suppressed') droppedSuppressed++;
			if (decision.outputIndex < 0) continue;
			const name = layout.names[decision.outputIndex];
			counts.set(name, (counts.get(name) ?? 0) + 1);
			if (emit && !emit[decision.outputIndex]) {
				notEmitted++;
				continue;
			}
			if (perOutput) {
				perOutput[decision.outputIndex].rows.push(i);
				perOutput[decision.outputIndex].routed.push({ route: decision.route as unknown as IDataObject, playbook: playbook ? playbook.json : null });
				continue;
			}
			// a table row is a fresh object: completed in place; an input item is copied
			const out = table ? json : { ...json };
			out.route = decision.route as unknown as IDataObject;
			out.playbook = playbook ? playbook.json : null;
			returnData[decision.outputIndex].push({ json: out, pairedItem: paired });
		} catch (error) {
			if (this.continueOnFail()) {
				const target = layout.fallbackIndex >= 0 ? layout.fallbackIndex : 0;
				returnData[target].push({ json: { ...json, error: (error as Error).message }, pairedItem: paired });
				continue;
			}
			throw new NodeOperationError(node, error as Error, { itemIndex: paired.item });
		}
	}

	const parts = layout.names.filter((n) => counts.has(n)).map((n) => `${n} ${counts.get(n)}`);
	if (droppedFallback) parts.push(`dropped (no segment matched) ${droppedFallback}`);
	if (droppedSuppressed) parts.push(`dropped (opted out) ${droppedSuppressed}`);
	const what = table ? `${count} customers of the table` : `${count} items`;
	if (unsent) parts.push(`segments without a playbook ${unsent}`);
	const summary = `Routed ${what}: ${parts.join(', ') || 'none'}${notEmitted + unsent ? `; ${notEmitted + unsent} of them to outputs without a playbook, counted only (no items)` : ''}`;
	this.logger.info(`Segment Router: ${summary}`);
	const hints: Array<{ message: string; type?: 'info' | 'warning'; location: 'outputPane' }> = [];
	hints.push({ message: summary, type: 'info', location: 'outputPane' });
	if (noId) {
		hints.push({
			message: `${noId} items have no customer ID (field "${idField ?? idParam}"), so no holdout could be drawn for them; they were routed to their segment`,
			type: 'warning',
			location: 'outputPane',
		});
	}
	if (hints.length && typeof this.addExecutionHints === 'function') this.addExecutionHints(...hints);
	if (table && perOutput) {
		const tables = await outputTableItems(this, table, layout.names, perOutput);
		// continue-on-fail error items (no table row) stay items beside the tables
		return tables.map((t, k) => [...t, ...returnData[k]]);
	}
	return returnData;
}
