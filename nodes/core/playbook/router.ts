/**
 * Segment routing: which output an item goes to, with which playbook, and why.
 * Order of decisions for one item (documented in docs/nodes/SegmentRouter.md):
 *   1. the first segment rule that matches wins; no match -> Fallback (or dropped, when the
 *      Fallback output is off: such items are counted as unmatched, whatever their consent);
 *   2. consent for the branch's channel (the default channel for Fallback): an opted-out item goes
 *      to Suppressed (or is dropped) — it never reaches a campaign branch or the Fallback output,
 *      and is never in a control group;
 *   3. holdout: a matched, contactable item whose bucket (hash of campaign key + customer id) is
 *      under the segment's holdout share goes to Holdout (or stays in its branch, flagged).
 */
import { parseDate } from '../dates';
import { getPath, parseAmount } from '../fields';
import { checkConsent, consentText, normalizeChannel, CHANNELS, type Channel, type ConsentOptions } from './consent';
import { holdoutThreshold, isHeldOut } from './holdout';
import { parseList } from '../list';

/** The 10 segment names RFM Score emits (R+F map), in the order of the "RFM segments" preset. */
export const RFM_SEGMENT_NAMES: readonly string[] = [
	'Champions',
	'Loyal Customers',
	'Potential Loyalists',
	'New Customers',
	'Promising',
	'Need Attention',
	'About To Sleep',
	'At Risk',
	"Can't Lose Them",
	'Hibernating',
];

export type MatchBy = 'segmentIs' | 'segmentIn' | 'field' | 'expression';
export type Operator =
	| 'equals'
	| 'notEquals'
	| 'oneOf'
	| 'contains'
	| 'startsWith'
	| 'greaterThan'
	| 'greaterOrEqual'
	| 'lessThan'
	| 'lessOrEqual'
	| 'isEmpty'
	| 'isNotEmpty'
	| 'isTrue'
	| 'isFalse';

export interface SegmentRuleSpec {
	/** Segment (and output) name. */
	name: string;
	matchBy: MatchBy;
	/** segmentIn: accepted segment values. oneOf: accepted values. */
	values?: string[];
	/** field: dotted path to read. */
	field?: string;
	operator?: Operator;
	/** field: value to compare with (text; numbers and dates are recognised). */
	value?: string;
	/** expression: the value n8n resolved for this item. */
	expressionResult?: unknown;
}

export function textOf(value: unknown): string | null {
	return consentText(value);
}

/** Splits "a, b" or one value per line; keeps case (comparison lower-cases). */
export function splitList(text: string): string[] {
	return parseList(text);
}

function isEmptyValue(v: unknown): boolean {
	if (v === undefined || v === null) return true;
	if (typeof v === 'string') return v.trim() === '';
	if (Array.isArray(v)) return v.length === 0;
	if (typeof v === 'object') return Object.keys(v as object).length === 0;
	return false;
}

/** Numbers, and amounts written as text ("1,299.00", "$12.50", "12,50"); null otherwise. */
function asNumber(v: unknown): number | null {
	if (typeof v !== 'number' && typeof v !== 'string') return null;
	const n = parseAmount(v);
	return Number.isFinite(n) ? n : null;
}

/** -1 / 0 / 1, or null when the two values are neither both numbers nor both dates. */
export function compareValues(a: unknown, b: unknown): number | null {
	const na = asNumber(a);
	const nb = asNumber(b);
	if (na !== null && nb !== null) return na === nb ? 0 : na < nb ? -1 : 1;
	if (na === null && nb === null) {
		const da = parseDate(a);
		const db = parseDate(b);
		if (da !== null && db !== null) return da === db ? 0 : da < db ? -1 : 1;
	}
	return null;
}

function eqText(a: unknown, b: string): boolean {
	const ta = textOf(a);
	return ta !== null && ta === b.trim().toLowerCase();
}

export function evaluateCondition(actual: unknown, operator: Operator, expected: string): boolean {
	switch (operator) {
		case 'isEmpty':
			return isEmptyValue(actual);
		case 'isNotEmpty':
			return !isEmptyValue(actual);
		case 'isTrue': {
			const t = textOf(actual);
			return t !== null && ['true', 'yes', 'y', '1'].includes(t);
		}
		case 'isFalse': {
			const t = textOf(actual);
			return t !== null && ['false', 'no', 'n', '0'].includes(t);
		}
		case 'equals':
			if (Array.isArray(actual)) return false;
			return eqText(actual, expected) || compareValues(actual, expected) === 0;
		case 'notEquals':
			if (Array.isArray(actual)) return true;
			return !(eqText(actual, expected) || compareValues(actual, expected) === 0);
		case 'oneOf': {
			const list = splitList(expected);
			return list.some((v) => eqText(actual, v) || compareValues(actual, v) === 0);
		}
		case 'contains': {
			const needle = expected.trim().toLowerCase();
			if (Array.isArray(actual)) return actual.some((x) => textOf(x) === needle);
			const t = textOf(actual);
			return t !== null && needle !== '' && t.includes(needle);
		}
		case 'startsWith': {
			const t = textOf(actual);
			const needle = expected.trim().toLowerCase();
			return t !== null && needle !== '' && t.startsWith(needle);
		}
		case 'greaterThan':
		case 'greaterOrEqual':
		case 'lessThan':
		case 'lessOrEqual': {
			const c = compareValues(actual, expected);
			if (c === null) return false;
			if (operator === 'greaterThan') return c > 0;
			if (operator === 'greaterOrEqual') return c >= 0;
			if (operator === 'lessThan') return c < 0;
			return c <= 0;
		}
		default:
			return false;
	}
}

export function isTruthyResult(v: unknown): boolean {
	if (v === true) return true;
	const t = textOf(v);
	return t === 'true';
}

/** Whether a rule matches an item; `segmentValue` is the item's value at the segment field. */
export function ruleMatches(rule: SegmentRuleSpec, item: unknown, segmentValue: unknown): boolean {
	switch (rule.matchBy) {
		case 'segmentIs':
			return eqText(segmentValue, rule.name);
		case 'segmentIn':
			return (rule.values ?? []).some((v) => eqText(segmentValue, v));
		case 'field':
			return evaluateCondition(getPath(item, rule.field ?? ''), rule.operator ?? 'equals', rule.value ?? '');
		case 'expression':
			return isTruthyResult(rule.expressionResult);
		default:
			return false;
	}
}

/** Index of the first matching rule, or -1. */
export function firstMatch(rules: readonly SegmentRuleSpec[], item: unknown, segmentValue: unknown): number {
	for (let i = 0; i < rules.length; i++) if (ruleMatches(rules[i], item, segmentValue)) return i;
	return -1;
}

export function describeMatch(rule: SegmentRuleSpec, segmentField: string, segmentValue: unknown): string {
	const shown = textOf(segmentValue) === null ? 'empty' : JSON.stringify(segmentValue);
	switch (rule.matchBy) {
		case 'segmentIs':
		case 'segmentIn':
			return `${segmentField} is ${shown}`;
		case 'field':
			return `condition on ${rule.field ?? ''} (${rule.operator ?? 'equals'})`;
		default:
			return 'expression is true';
	}
}

// ---------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------

export interface OutputOptions {
	holdout: 'output' | 'flag';
	suppressed: 'output' | 'drop';
	fallback: 'output' | 'drop';
}

export interface OutputLayout {
	names: string[];
	holdoutIndex: number;
	suppressedIndex: number;
	fallbackIndex: number;
}

export const HOLDOUT_OUTPUT = 'Holdout';
export const SUPPRESSED_OUTPUT = 'Suppressed';
export const FALLBACK_OUTPUT = 'Fallback';

/** Output names: one per segment rule, then Holdout, Suppressed, Fallback when enabled. */
export function outputLayout(segmentNames: readonly string[], options: OutputOptions): OutputLayout {
	const names = segmentNames.map((n, i) => (n.trim() === '' ? `Segment ${i + 1}` : n.trim()));
	const layout: OutputLayout = { names, holdoutIndex: -1, suppressedIndex: -1, fallbackIndex: -1 };
	if (options.holdout === 'output') layout.holdoutIndex = names.push(HOLDOUT_OUTPUT) - 1;
	if (options.suppressed === 'output') layout.suppressedIndex = names.push(SUPPRESSED_OUTPUT) - 1;
	if (options.fallback === 'output') layout.fallbackIndex = names.push(FALLBACK_OUTPUT) - 1;
	return layout;
}

// ---------------------------------------------------------------------------------------------
// One item's route
// ---------------------------------------------------------------------------------------------

export interface Route {
	/** Output name the item went to; null when the item was dropped. */
	output: string | null;
	/** Segment rule that matched (its name), or null when none did. */
	segment: string | null;
	holdout: boolean;
	suppressed: boolean;
	reason: string;
	/** Campaign key the holdout hash used (playbook campaign, else the segment name). */
	campaignKey: string | null;
	/** Channel consent was checked for. */
	channel: string;
	/** Holdout share (percent) that applied to the segment. */
	holdoutPercent: number;
}

export interface RouteDecision {
	route: Route;
	/** Output index, or -1 when dropped. */
	outputIndex: number;
	dropped: 'fallback' | 'suppressed' | null;
}

export interface RouteInput {
	item: unknown;
	customerId: string | undefined;
	/** Index of the matched rule, -1 for none. */
	ruleIndex: number;
	/** Human text of what matched or why nothing did. */
	matchNote: string;
	campaign: string | null;
	/** Channel from the playbook (any text) or null for the default channel. */
	channel: unknown;
	holdoutPercent: number;
}

export interface RouteConfig {
	layout: OutputLayout;
	outputs: OutputOptions;
	/** null switches consent checks off. */
	consent: ConsentOptions | null;
	defaultChannel: Channel;
}

export function decideRoute(input: RouteInput, config: RouteConfig): RouteDecision {
	const { layout, outputs } = config;
	const matched = input.ruleIndex >= 0;
	const segment = matched ? layout.names[input.ruleIndex] : null;
	const channelText = textOf(input.channel);
	const channel = channelText === null ? config.defaultChannel : normalizeChannel(channelText);
	const channelLabel = channel ?? channelText ?? config.defaultChannel;
	const campaignKey = matched ? (input.campaign && input.campaign.trim() !== '' ? input.campaign.trim() : (segment as string)) : null;
	const percent = matched ? Math.min(100, Math.max(0, Number.isFinite(input.holdoutPercent) ? input.holdoutPercent : 0)) : 0;
	const route: Route = {
		output: null,
		segment,
		holdout: false,
		suppressed: false,
		reason: '',
		campaignKey,
		channel: channelLabel,
		holdoutPercent: percent,
	};

	// Unmatched items that are dropped anyway are not campaign candidates: counted as unmatched.
	if (!matched && outputs.fallback === 'drop') {
		route.reason = `no segment rule matched (${input.matchNote})`;
		return { route, outputIndex: -1, dropped: 'fallback' };
	}

	// 2. consent (before holdout: a suppressed customer is never part of a control group). The
	//    Fallback output may feed a campaign too, so its items are checked as well.
	if (config.consent) {
		// An unrecognised channel is checked against every channel: the strictest reading.
		const channels: readonly Channel[] = channel ? [channel] : CHANNELS;
		for (const ch of channels) {
			const verdict = checkConsent(input.item, ch, config.consent);
			if (!verdict.allowed) {
				route.suppressed = true;
				route.reason = `suppressed: ${verdict.reason}`;
				if (outputs.suppressed === 'output') {
					route.output = SUPPRESSED_OUTPUT;
					return { route, outputIndex: layout.suppressedIndex, dropped: null };
				}
				return { route, outputIndex: -1, dropped: 'suppressed' };
			}
		}
	}

	// 1. no rule matched
	if (!matched) {
		route.reason = `no segment rule matched (${input.matchNote})`;
		if (outputs.fallback === 'output') {
			route.output = FALLBACK_OUTPUT;
			return { route, outputIndex: layout.fallbackIndex, dropped: null };
		}
		return { route, outputIndex: -1, dropped: 'fallback' };
	}

	// 3. holdout
	let reason = `segment ${segment} (${input.matchNote})`;
	if (holdoutThreshold(percent) > 0) {
		if (input.customerId === undefined) {
			reason += '; no customer ID, so the holdout could not be applied';
		} else {
			const { holdout, bucket } = isHeldOut(campaignKey as string, input.customerId, percent);
			if (holdout) {
				route.holdout = true;
				route.reason = `holdout: control group of ${percent}% for campaign "${campaignKey}" (bucket ${bucket})`;
				if (outputs.holdout === 'output') {
					route.output = HOLDOUT_OUTPUT;
					return { route, outputIndex: layout.holdoutIndex, dropped: null };
				}
				route.output = segment;
				return { route, outputIndex: input.ruleIndex, dropped: null };
			}
		}
	}
	route.output = segment;
	route.reason = reason;
	return { route, outputIndex: input.ruleIndex, dropped: null };
}
