/**
 * Per-campaign delivery counts. Three sources:
 *   1. Campaign Send summary items `{ summary: { campaignKey, sent, skippedByReason, ... } }`;
 *   2. Campaign Send recipients (`delivery` group: sent, skipped, failed or unconfirmed, from its
 *      Recipients and Unconfirmed outputs), campaign from route.campaignKey / playbook.campaign;
 *   3. Segment Router items (`route` group, no `delivery`): customers held out, suppressed or not
 *      sent yet; added to the campaign's counts (they did not go through Campaign Send).
 */
import type { Json } from '../../fields';
import { DELIVERY_STATES, type CampaignRow, type Campaigns, type DeliveryState } from '../model';
import { foldRows, otherLabel } from './fold';
import { BoundedMap, Counter, displayName, field, group, MAX_KEYS, name, num } from './read';

type Counts = Record<DeliveryState, number> & { provider: string | null };
type Source = 'Campaign Send summary' | 'Campaign Send recipients' | 'Segment Router';

const blank = (): Counts => ({ ...(Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<DeliveryState, number>), provider: null });

/** What a skip reason of Campaign Send means on the chart. */
export function skipState(reason: string | null): DeliveryState {
	switch (reason) {
		case 'holdout':
			return 'heldOut';
		case 'suppressed':
		case 'no_consent':
			return 'suppressed';
		case 'frequency_cap':
			return 'capped';
		case 'already_sent':
			return 'alreadySent';
		case 'dry_run':
			return 'wouldSend';
		default:
			return 'otherSkipped';
	}
}

function campaignOf(json: Json): string | null {
	const route = group(json, 'route');
	const playbook = group(json, 'playbook');
	return (route && name(field(route, 'campaignKey'))) ?? (playbook && name(field(playbook, 'campaign'))) ?? (route && name(field(route, 'segment'))) ?? null;
}

export class CampaignAccumulator {
	readonly skipped = new Counter();
	summaries = 0;
	recipients = 0;
	routed = 0;
	private readonly sources: Record<Source, BoundedMap<Counts>> = {
		'Campaign Send summary': new BoundedMap(blank, () => this.skipped.inc(`more than ${MAX_KEYS} different campaigns: the rest counted as "Other"`)),
		'Campaign Send recipients': new BoundedMap(blank, () => this.skipped.inc(`more than ${MAX_KEYS} different campaigns: the rest counted as "Other"`)),
		'Segment Router': new BoundedMap(blank, () => this.skipped.inc(`more than ${MAX_KEYS} different campaigns: the rest counted as "Other"`)),
	};

	addSummary(summary: Json): void {
		const campaign = name(field(summary, 'campaignKey')) ?? '(no campaign key)';
		this.summaries++;
		const c = this.sources['Campaign Send summary'].get(campaign);
		c.provider ??= name(field(summary, 'provider'));
		const dry = field(summary, 'dryRun') === true;
		c[dry ? 'wouldSend' : 'sent'] += num(field(summary, 'sent')) ?? 0;
		c.failed += num(field(summary, 'failed')) ?? 0;
		c.unconfirmed += num(field(summary, 'unconfirmed')) ?? 0;
		const reasons = field(summary, 'skippedByReason');
		let byReason = 0;
		if (reasons !== null && typeof reasons === 'object')
			for (const [reason, n] of Object.entries(reasons as Json)) {
				const v = num(n) ?? 0;
				c[skipState(reason)] += v;
				byReason += v;
			}
		c.otherSkipped += Math.max(0, (num(field(summary, 'skipped')) ?? 0) - byReason);
	}

	addRecipient(json: Json, delivery: Json): void {
		const status = name(field(delivery, 'status'));
		if (status !== 'sent' && status !== 'skipped' && status !== 'failed' && status !== 'unconfirmed') {
			this.skipped.inc('unreadable delivery.status');
			return;
		}
		this.recipients++;
		const provider = name(field(delivery, 'provider'));
		const c = this.sources['Campaign Send recipients'].get(campaignOf(json) ?? `(${provider ?? 'campaign'})`);
		c.provider ??= provider;
		if (status === 'sent') c.sent++;
		else if (status === 'failed') c.failed++;
		else if (status === 'unconfirmed') c.unconfirmed++;
		else c[skipState(name(field(delivery, 'reason')))]++;
	}

	addRouted(json: Json, route: Json): void {
		const output = name(field(route, 'output'));
		if (output === 'Fallback' || name(field(route, 'segment')) === null) {
			this.skipped.inc('routed to Fallback (no campaign)');
			return;
		}
		this.routed++;
		const c = this.sources['Segment Router'].get(campaignOf(json) ?? output ?? '(campaign)');
		if (field(route, 'suppressed') === true || output === 'Suppressed') c.suppressed++;
		else if (field(route, 'holdout') === true || output === 'Holdout') c.heldOut++;
		else c.routed++;
	}

	result(maxRows: number): Campaigns | null {
		const summary = this.sources['Campaign Send summary'].map;
		const recipients = this.sources['Campaign Send recipients'].map;
		const router = this.sources['Segment Router'].map;
		const keys = [...new Set([...summary.keys(), ...recipients.keys(), ...router.keys()])];
		const rows: CampaignRow[] = keys.map((key) => {
			// A summary counts the same customers as the recipients: it wins. Router items are
			// customers that did not go through Campaign Send (holdout, suppressed, not sent yet).
			const sent = summary.get(key) ?? recipients.get(key);
			const routed = router.get(key);
			const sum = blank();
			for (const c of [sent, routed]) if (c) for (const s of DELIVERY_STATES) sum[s] += c[s];
			sum.provider = sent?.provider ?? null;
			const from = [summary.has(key) ? 'Campaign Send summary' : recipients.has(key) ? 'Campaign Send recipients' : null, routed ? 'Segment Router' : null];
			return campaignRow(displayName(key), from.filter((x) => x !== null).join(' + '), sum, 0);
		});
		if (rows.length === 0) return null;
		rows.sort((a, b) => b.total - a.total || (a.campaign < b.campaign ? -1 : a.campaign > b.campaign ? 1 : 0));
		const folded = foldRows(rows, maxRows, (r) => r.total, (rest) => {
			const sum = blank();
			for (const r of rest) for (const s of DELIVERY_STATES) sum[s] += r[s];
			return campaignRow(otherLabel(rest.length, 'campaigns'), [...new Set(rest.map((r) => r.source))].join(' + '), sum, rest.length);
		});
		const totals = { ...blank(), total: 0 } as Campaigns['totals'] & { provider?: unknown };
		delete totals.provider;
		for (const r of folded) {
			for (const s of DELIVERY_STATES) totals[s] += r[s];
			totals.total += r.total;
		}
		return { rows: folded, totals, maxTotal: Math.max(...folded.map((r) => r.total)) };
	}
}

function campaignRow(campaign: string, source: string, c: Counts, folded: number): CampaignRow {
	const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, c[s]])) as Record<DeliveryState, number>;
	const total = DELIVERY_STATES.reduce((n, s) => n + c[s], 0);
	return { campaign, provider: folded ? null : c.provider, source, ...counts, total, folded };
}
