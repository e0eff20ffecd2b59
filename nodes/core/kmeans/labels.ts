/**
 * Readable cluster names from the centres, e.g. "High spend · Frequent · Recent".
 *
 * Each feature of a centre is compared with the whole clustered population on the transformed
 * scale (after log1p, before scaling): z = (centre − mean) / standard deviation, and put in one of
 * five tiers: z ≤ −1.28 "very low", ≤ −0.43 "low", below 0.43 "mid", below 1.28 "high", else "very
 * high" (±0.43 and ±1.28 are the 33rd/67th and 10th/90th percentiles of a normal distribution).
 * RFM-like fields get marketing words (spend, frequency, recency, basket size; for recency a low
 * number of days is "Recent"); any other field gets "Low/Mid/High <field name>".
 *
 * Names are unique within a run: clusters that would share a name are told apart on the feature
 * where they differ most ("(higher spend)" / "(lower spend)", or "(spend 2/3)" for three or
 * more), and as a last resort by a number. The same centres always give the same names.
 */

export type FeatureKind = 'monetary' | 'frequency' | 'recency' | 'basket' | 'other';

interface Words {
	kind: FeatureKind;
	/** very low, low, mid, high, very high */
	levels: [string, string, string, string, string];
	lower: string;
	higher: string;
	noun: string;
}

const SEP = ' · ';
export const LEVEL_Z = 0.43;
export const VERY_Z = 1.28;

function squash(field: string): string {
	const last = field.split('.').pop() ?? field;
	return last.toLowerCase().replace(/[^a-z]/g, '');
}

/** What an RFM-like field measures, from its name (last path segment). */
export function featureKind(field: string): FeatureKind {
	const f = squash(field);
	if (/^(averageordervalue|avgordervalue|aov|averageorder|avgorder|basketsize|averagebasket)/.test(f)) return 'basket';
	if (/recency|dayssincelast|sincelastorder|sincelastpurchase|lastorderdays|lastpurchasedays/.test(f)) return 'recency';
	if (/^(frequency|orderscount|ordercount|numberoforders|orders|purchases|purchasecount|transactions|transactioncount)$/.test(f))
		return 'frequency';
	if (/^(monetary|totalspent|spent|amountspent|totalspend|spend|revenue|totalrevenue|ltv|clv|lifetimevalue|sales|totalsales)$/.test(f))
		return 'monetary';
	return 'other';
}

/** "tenureDays" -> "tenure days", "items_per_order" -> "items per order". */
export function humanize(field: string): string {
	const last = field.split('.').pop() || field;
	const words = last
		.replace(/([a-z0-9])([A-Z])/g, '$1 $2')
		.replace(/[_\-\s]+/g, ' ')
		.trim()
		.toLowerCase();
	return words || field;
}

function wordsFor(field: string): Words {
	const kind = featureKind(field);
	switch (kind) {
		case 'monetary':
			return { kind, levels: ['Very low spend', 'Low spend', 'Mid spend', 'High spend', 'Top spend'], lower: 'lower spend', higher: 'higher spend', noun: 'spend' };
		case 'frequency':
			return { kind, levels: ['Very infrequent', 'Infrequent', 'Occasional', 'Frequent', 'Very frequent'], lower: 'less frequent', higher: 'more frequent', noun: 'frequency' };
		case 'recency':
			return { kind, levels: ['Very recent', 'Recent', 'Cooling', 'Lapsed', 'Long lapsed'], lower: 'more recent', higher: 'less recent', noun: 'recency' };
		case 'basket':
			return {
				kind,
				levels: ['Very small baskets', 'Small baskets', 'Mid baskets', 'Big baskets', 'Very big baskets'],
				lower: 'smaller baskets',
				higher: 'bigger baskets',
				noun: 'basket size',
			};
		default: {
			const name = humanize(field);
			return {
				kind,
				levels: [`Very low ${name}`, `Low ${name}`, `Mid ${name}`, `High ${name}`, `Very high ${name}`],
				lower: `lower ${name}`,
				higher: `higher ${name}`,
				noun: name,
			};
		}
	}
}

const KIND_ORDER: Record<FeatureKind, number> = { monetary: 0, frequency: 1, recency: 2, basket: 3, other: 4 };

/**
 * @param fields feature names, in feature order
 * @param z z[c][f]: standardized position of cluster c's centre on feature f
 * @returns one unique name per cluster
 */
export function clusterLabels(fields: readonly string[], z: readonly (readonly number[])[]): string[] {
	const k = z.length;
	if (k === 0) return [];
	if (k === 1) return ['All customers'];
	const words = fields.map(wordsFor);
	const order = fields.map((_, f) => f).sort((a, b) => KIND_ORDER[words[a].kind] - KIND_ORDER[words[b].kind] || a - b);
	const level = (v: number) => (v >= VERY_Z ? 4 : v >= LEVEL_Z ? 3 : v > -LEVEL_Z ? 2 : v > -VERY_Z ? 1 : 0);
	const labels = z.map((row) => order.map((f) => words[f].levels[level(row[f])]).join(SEP));
	// tell apart clusters that got the same words
	const groups = new Map<string, number[]>();
	labels.forEach((l, c) => groups.set(l, [...(groups.get(l) ?? []), c]));
	for (const [base, members] of groups) {
		if (members.length < 2) continue;
		let best = order[0];
		let bestSpread = -1;
		for (const f of order) {
			let lo = Infinity;
			let hi = -Infinity;
			for (const c of members) {
				lo = Math.min(lo, z[c][f]);
				hi = Math.max(hi, z[c][f]);
			}
			if (hi - lo > bestSpread) {
				bestSpread = hi - lo;
				best = f;
			}
		}
		const ranked = [...members].sort((a, b) => z[a][best] - z[b][best] || a - b);
		const w = words[best];
		ranked.forEach((c, r) => {
			const tag = ranked.length === 2 ? (r === 0 ? w.lower : w.higher) : `${w.noun} ${r + 1}/${ranked.length}`;
			labels[c] = `${base} (${tag})`;
		});
	}
	// last resort (equal centres on every feature): number them
	const seen = new Set<string>();
	for (let c = 0; c < k; c++) {
		let l = labels[c];
		for (let n = 2; seen.has(l); n++) l = `${labels[c]} #${n}`;
		labels[c] = l;
		seen.add(l);
	}
	return labels;
}
