/** Per-campaign delivery: sent, held out, suppressed, capped... as one stacked bar per campaign. */
import { formatCount } from '../format';
import { DELIVERY_STATES, type DeliveryState, type ReportData } from '../model';
import { label, MUTED, n, PALETTE, rect, text, type Part } from '../svg';
import { legend, type Chart } from './common';

const LABEL = 150;
const ROW = 40;

export const STATE_STYLE: Record<DeliveryState, { color: string; name: string; short: string }> = {
	sent: { color: PALETTE.blue, name: 'Sent', short: 'sent' },
	wouldSend: { color: PALETTE.sky, name: 'Would be sent (dry run)', short: 'would be sent' },
	routed: { color: '#9ecae1', name: 'Routed, not sent yet', short: 'routed' },
	alreadySent: { color: PALETTE.green, name: 'Already sent earlier', short: 'already sent' },
	heldOut: { color: PALETTE.orange, name: 'Held out (control group)', short: 'held out' },
	suppressed: { color: PALETTE.vermillion, name: 'Suppressed (no consent)', short: 'suppressed' },
	capped: { color: PALETTE.purple, name: 'Capped (frequency cap)', short: 'capped' },
	otherSkipped: { color: PALETTE.grey, name: 'Skipped (other reasons)', short: 'skipped' },
	unconfirmed: { color: PALETTE.yellow, name: 'Unconfirmed (answer lost: check the provider)', short: 'unconfirmed' },
	failed: { color: PALETTE.black, name: 'Failed', short: 'failed' },
};

export function campaignsChart(data: ReportData, width: number): Chart | null {
	const c = data.campaigns;
	if (!c || c.rows.length === 0) return null;
	const used = DELIVERY_STATES.filter((s) => c.totals[s] > 0);
	const key = legend(
		used.map((s) => ({ color: STATE_STYLE[s].color, text: STATE_STYLE[s].name })),
		width,
	);
	const top = key.height + 8;
	const full = width - LABEL - 56;
	const out: string[] = [key.svg];
	c.rows.forEach((r, i) => {
		const y = top + i * ROW;
		const path = `campaigns.rows.${i}`;
		out.push(text(0, y + 14, label(`${path}.campaign`, r.campaign, LABEL - 10, 12), { size: 12 }));
		let x = LABEL;
		const counts: Part[] = [];
		for (const s of used) {
			if (r[s] === 0) continue;
			const w = c.maxTotal > 0 ? (r[s] / c.maxTotal) * full : 0;
			out.push(rect(x, y + 3, w, 14, STATE_STYLE[s].color));
			x += w;
			counts.push(counts.length ? ' · ' : '', n(`${path}.${s}`, formatCount(r[s])), ` ${STATE_STYLE[s].short}`);
		}
		out.push(text(x + 5, y + 14, n(`${path}.total`, formatCount(r.total)), { size: 11, weight: 600 }));
		out.push(text(LABEL, y + 31, counts.length ? counts : ['nobody'], { size: 10, fill: MUTED }));
	});
	return {
		id: 'campaigns',
		title: 'Campaign delivery',
		subtitle: 'What happened to each campaign’s customers in Campaign Send (or Segment Router, before sending).',
		height: top + c.rows.length * ROW,
		body: out.join(''),
	};
}
