import { DEFAULT_CONSENT_RULES } from '../../nodes/core/playbook/consent';
import { holdoutBucket } from '../../nodes/core/playbook/holdout';
import {
	RFM_SEGMENT_NAMES,
	compareValues,
	decideRoute,
	evaluateCondition,
	firstMatch,
	outputLayout,
	ruleMatches,
	splitList,
	type RouteConfig,
	type RouteInput,
	type SegmentRuleSpec,
} from '../../nodes/core/playbook/router';
import { SEGMENTS } from '../../nodes/core/rfm/segmentMaps';

describe('RFM preset', () => {
	it('has exactly the 10 segment names RFM Score emits', () => {
		expect([...RFM_SEGMENT_NAMES].sort()).toEqual(Object.values(SEGMENTS).sort());
		expect(RFM_SEGMENT_NAMES).toHaveLength(10);
	});
});

describe('rule matching', () => {
	const rule = (r: Partial<SegmentRuleSpec>): SegmentRuleSpec => ({ name: 'X', matchBy: 'segmentIs', ...r });

	it('segmentIs compares the segment name ignoring case and spaces', () => {
		expect(ruleMatches(rule({ name: "Can't Lose Them" }), {}, "can't lose them ")).toBe(true);
		expect(ruleMatches(rule({ name: 'Champions' }), {}, 'Champion')).toBe(false);
		expect(ruleMatches(rule({ name: 'Champions' }), {}, undefined)).toBe(false);
		expect(ruleMatches(rule({ name: 'Champions' }), {}, '')).toBe(false);
	});

	it('segmentIn accepts any listed value', () => {
		const r = rule({ matchBy: 'segmentIn', values: splitList("At Risk, Can't Lose Them\nHibernating") });
		expect(ruleMatches(r, {}, 'hibernating')).toBe(true);
		expect(ruleMatches(r, {}, "Can't Lose Them")).toBe(true);
		expect(ruleMatches(r, {}, 'Champions')).toBe(false);
	});

	it('field conditions read dotted paths and compare numbers, dates and text', () => {
		const item = { rfm: { monetary: 612.5, lastOrderDate: '2024-05-01' }, country: 'FR', tags: ['VIP', 'wholesale'], vip: 'yes' };
		const f = (field: string, operator: SegmentRuleSpec['operator'], value = '') => ruleMatches(rule({ matchBy: 'field', field, operator, value }), item, null);
		expect(f('rfm.monetary', 'greaterThan', '500')).toBe(true);
		expect(f('rfm.monetary', 'greaterThan', '612.5')).toBe(false);
		expect(f('rfm.monetary', 'greaterOrEqual', '612.5')).toBe(true);
		expect(f('rfm.monetary', 'lessThan', 'abc')).toBe(false);
		expect(f('rfm.lastOrderDate', 'lessThan', '2024-06-01')).toBe(true);
		expect(f('rfm.lastOrderDate', 'greaterThan', '2024-06-01')).toBe(false);
		expect(f('country', 'equals', 'fr')).toBe(true);
		expect(f('country', 'notEquals', 'FR')).toBe(false);
		expect(f('country', 'oneOf', 'DE, FR')).toBe(true);
		expect(f('tags', 'contains', 'vip')).toBe(true);
		expect(f('tags', 'contains', 'vi')).toBe(false);
		expect(f('country', 'startsWith', 'f')).toBe(true);
		expect(f('missing', 'isEmpty')).toBe(true);
		expect(f('tags', 'isNotEmpty')).toBe(true);
		expect(f('vip', 'isTrue')).toBe(true);
		expect(f('vip', 'isFalse')).toBe(false);
		expect(f('missing', 'equals', '')).toBe(false);
	});

	it('expression rules take what n8n resolved', () => {
		expect(ruleMatches(rule({ matchBy: 'expression', expressionResult: true }), {}, null)).toBe(true);
		expect(ruleMatches(rule({ matchBy: 'expression', expressionResult: 'true' }), {}, null)).toBe(true);
		expect(ruleMatches(rule({ matchBy: 'expression', expressionResult: 1 }), {}, null)).toBe(false);
		expect(ruleMatches(rule({ matchBy: 'expression', expressionResult: false }), {}, null)).toBe(false);
	});

	it('first match wins', () => {
		const rules: SegmentRuleSpec[] = [
			{ name: 'Big spenders', matchBy: 'field', field: 'm', operator: 'greaterThan', value: '1000' },
			{ name: 'Champions', matchBy: 'segmentIs' },
			{ name: 'Anyone', matchBy: 'expression', expressionResult: true },
		];
		expect(firstMatch(rules, { m: 5000 }, 'Champions')).toBe(0);
		expect(firstMatch(rules, { m: 50 }, 'Champions')).toBe(1);
		expect(firstMatch(rules, { m: 50 }, 'At Risk')).toBe(2);
		expect(firstMatch(rules.slice(0, 2), { m: 50 }, 'At Risk')).toBe(-1);
	});

	it('compares values only when both are numbers or both are dates', () => {
		expect(compareValues('10', 9)).toBe(1);
		expect(compareValues(' 2.5 ', '2.50')).toBe(0);
		expect(compareValues('$1,500.00', 1000)).toBe(1);
		expect(compareValues('2024-01-02', '2024-01-01T23:00:00Z')).toBe(1);
		expect(compareValues('abc', 'abd')).toBeNull();
		expect(compareValues(5, '2024-01-01')).toBeNull();
		expect(evaluateCondition(Number.NaN, 'lessThan', '5')).toBe(false);
	});
});

describe('output layout', () => {
	it('puts segments first, then Holdout, Suppressed and Fallback when enabled', () => {
		expect(outputLayout(['A', 'B'], { holdout: 'output', suppressed: 'output', fallback: 'output' })).toEqual({
			names: ['A', 'B', 'Holdout', 'Suppressed', 'Fallback'],
			holdoutIndex: 2,
			suppressedIndex: 3,
			fallbackIndex: 4,
		});
		expect(outputLayout(['A', ' '], { holdout: 'flag', suppressed: 'drop', fallback: 'output' })).toEqual({
			names: ['A', 'Segment 2', 'Fallback'],
			holdoutIndex: -1,
			suppressedIndex: -1,
			fallbackIndex: 2,
		});
	});
});

describe('decideRoute', () => {
	const layout = outputLayout(['Champions', 'At Risk'], { holdout: 'output', suppressed: 'output', fallback: 'output' });
	const config: RouteConfig = {
		layout,
		outputs: { holdout: 'output', suppressed: 'output', fallback: 'output' },
		consent: { rules: DEFAULT_CONSENT_RULES },
		defaultChannel: 'email',
	};
	const input = (over: Partial<RouteInput>): RouteInput => ({
		item: {},
		customerId: 'c1',
		ruleIndex: 0,
		matchNote: 'rfm.segment is "Champions"',
		campaign: null,
		channel: 'email',
		holdoutPercent: 0,
		...over,
	});
	// Ids whose bucket for campaign "Champions" is under / over 10 %.
	const ids = Array.from({ length: 200 }, (_, i) => `c${i}`);
	const heldId = ids.find((id) => holdoutBucket('Champions', id) < 1000) as string;
	const sentId = ids.find((id) => holdoutBucket('Champions', id) >= 1000) as string;

	it('routes a matched, contactable customer to its segment', () => {
		const d = decideRoute(input({ customerId: sentId, holdoutPercent: 10 }), config);
		expect(d.outputIndex).toBe(0);
		expect(d.route).toEqual({
			output: 'Champions',
			segment: 'Champions',
			holdout: false,
			suppressed: false,
			reason: 'segment Champions (rfm.segment is "Champions")',
			campaignKey: 'Champions',
			channel: 'email',
			holdoutPercent: 10,
		});
	});

	it('sends a control-group customer to Holdout, keeping the segment', () => {
		const d = decideRoute(input({ customerId: heldId, holdoutPercent: 10 }), config);
		expect(d.outputIndex).toBe(layout.holdoutIndex);
		expect(d.route.output).toBe('Holdout');
		expect(d.route.segment).toBe('Champions');
		expect(d.route.holdout).toBe(true);
		expect(d.route.reason).toMatch(/^holdout: control group of 10% for campaign "Champions" \(bucket \d+\)$/);
	});

	it('flags the holdout in the segment output when asked', () => {
		const d = decideRoute(input({ customerId: heldId, holdoutPercent: 10 }), { ...config, outputs: { ...config.outputs, holdout: 'flag' } });
		expect(d.outputIndex).toBe(0);
		expect(d.route.output).toBe('Champions');
		expect(d.route.holdout).toBe(true);
	});

	it('uses the playbook campaign as the holdout key', () => {
		const campaign = 'VIP preview';
		const id = ids.find((x) => holdoutBucket(campaign, x) < 1000) as string;
		const d = decideRoute(input({ customerId: id, campaign, holdoutPercent: 10 }), config);
		expect(d.route.campaignKey).toBe('VIP preview');
		expect(d.route.holdout).toBe(true);
	});

	it('suppresses opted-out customers before the holdout, even those in the control group', () => {
		const d = decideRoute(input({ item: { accepts_marketing: false }, customerId: heldId, holdoutPercent: 10 }), config);
		expect(d.outputIndex).toBe(layout.suppressedIndex);
		expect(d.route).toMatchObject({ output: 'Suppressed', segment: 'Champions', suppressed: true, holdout: false });
		expect(d.route.reason).toBe('suppressed: opted out of email: accepts_marketing is false');
	});

	it('checks the branch channel: an email opt-out still gets SMS', () => {
		const item = { consent: { email: 'unsubscribed', sms: 'subscribed' } };
		expect(decideRoute(input({ item, channel: 'sms' }), config).route.suppressed).toBe(false);
		expect(decideRoute(input({ item, channel: 'email' }), config).route.suppressed).toBe(true);
	});

	it('checks every channel when the playbook channel is not recognised', () => {
		const d = decideRoute(input({ item: { consent: { push: 'unsubscribed' } }, channel: 'carrier pigeon' }), config);
		expect(d.route.suppressed).toBe(true);
		expect(d.route.channel).toBe('carrier pigeon');
	});

	it('uses the default channel when the playbook sets none', () => {
		const d = decideRoute(input({ item: { smsOptOut: true }, channel: null }), { ...config, defaultChannel: 'sms' });
		expect(d.route.suppressed).toBe(true);
		expect(d.route.channel).toBe('sms');
	});

	it('drops suppressed items when asked', () => {
		const d = decideRoute(input({ item: { unsubscribed: true } }), { ...config, outputs: { ...config.outputs, suppressed: 'drop' } });
		expect(d.outputIndex).toBe(-1);
		expect(d.dropped).toBe('suppressed');
		expect(d.route.output).toBeNull();
	});

	it('sends unmatched items to Fallback or drops them', () => {
		const d = decideRoute(input({ ruleIndex: -1, matchNote: 'rfm.segment is "Other"', holdoutPercent: 50 }), config);
		expect(d.outputIndex).toBe(layout.fallbackIndex);
		expect(d.route).toMatchObject({ output: 'Fallback', segment: null, holdout: false, campaignKey: null, holdoutPercent: 0 });
		expect(d.route.reason).toBe('no segment rule matched (rfm.segment is "Other")');
		const dropped = decideRoute(input({ ruleIndex: -1 }), { ...config, outputs: { ...config.outputs, fallback: 'drop' } });
		expect(dropped).toMatchObject({ outputIndex: -1, dropped: 'fallback' });
	});

	it('suppresses opted-out unmatched items when Fallback is an output, drops them as unmatched otherwise', () => {
		const item = { unsubscribed: true };
		expect(decideRoute(input({ item, ruleIndex: -1 }), config)).toMatchObject({ outputIndex: layout.suppressedIndex, route: { output: 'Suppressed', segment: null } });
		const drop = { ...config, outputs: { ...config.outputs, fallback: 'drop' as const } };
		expect(decideRoute(input({ item, ruleIndex: -1 }), drop)).toMatchObject({ outputIndex: -1, dropped: 'fallback', route: { suppressed: false } });
	});

	it('cannot draw a holdout without a customer ID and says so', () => {
		const d = decideRoute(input({ customerId: undefined, holdoutPercent: 100 }), config);
		expect(d.outputIndex).toBe(0);
		expect(d.route.holdout).toBe(false);
		expect(d.route.reason).toContain('no customer ID, so the holdout could not be applied');
	});

	it('ignores consent when switched off', () => {
		const d = decideRoute(input({ item: { unsubscribed: true } }), { ...config, consent: null });
		expect(d.route.suppressed).toBe(false);
	});

	it('clamps odd holdout shares', () => {
		expect(decideRoute(input({ holdoutPercent: Number.NaN }), config).route.holdoutPercent).toBe(0);
		expect(decideRoute(input({ holdoutPercent: 400 }), config).route).toMatchObject({ holdoutPercent: 100, holdout: true });
	});
});
