/** Customers scored by RFM Score (`rfm` group): segment sizes and revenue, and the R×F grid. */
import { getPath, type Json } from '../../fields';
import { RFM_SEGMENT_NAMES } from '../../playbook/router';
import { compileMap, RF_MAP } from '../../rfm/segmentMaps';
import type { Grid, GridCell, ScoreRange, SegmentRow } from '../model';
import { foldRows, mean, otherLabel, ratio, round, roundOrNull } from './fold';
import { BoundedMap, Counter, displayName, field, MAX_KEYS, name, num } from './read';

const MAX_SCORE = 9;
const NO_SEGMENT = '(no segment)';

interface SegmentAcc {
	customers: number;
	revenue: number;
	withRevenue: number;
}

interface RangeAcc {
	customers: number;
	min: number;
	max: number;
}

export class CustomerAccumulator {
	customers = 0;
	revenue = 0;
	currency: string | null = null;
	readonly referenceDates = new Set<string>();
	readonly skipped = new Counter();
	private readonly segments = new BoundedMap<SegmentAcc>(() => ({ customers: 0, revenue: 0, withRevenue: 0 }), () => this.skipped.inc(`more than ${MAX_KEYS} different segments: the rest counted as "Other"`));
	/** Per cell (r, f): customers, revenue and customers per segment. */
	private readonly cells = new Map<number, { customers: number; revenue: number; segments: Map<string, number> }>();
	private readonly recency = new Map<number, RangeAcc>();
	private readonly frequency = new Map<number, RangeAcc>();
	private maxScore = 0;

	constructor(
		private readonly segmentField: string,
		currency: string | null,
	) {
		this.currency = currency ? currency.toUpperCase() : null;
	}

	add(json: Json, rfm: Json): void {
		this.customers++;
		const segment = name(getPath(json, this.segmentField)) ?? NO_SEGMENT;
		const seg = this.segments.get(segment);
		seg.customers++;
		const money = this.money(rfm);
		if (money !== undefined) {
			seg.revenue += money;
			seg.withRevenue++;
			this.revenue += money;
		}
		const ref = name(field(rfm, 'referenceDate'));
		if (ref) this.referenceDates.add(ref);
		this.addToGrid(rfm, segment, money ?? 0);
	}

	/** rfm.monetary in the report's currency (the first one seen); other currencies are left out and counted. */
	private money(rfm: Json): number | undefined {
		const value = num(field(rfm, 'monetary'));
		if (value === undefined) {
			this.skipped.inc('unreadable rfm.monetary');
			return undefined;
		}
		const currency = name(field(rfm, 'currency'));
		if (currency !== null) {
			const code = currency.toUpperCase();
			if (this.currency === null) this.currency = code;
			else if (code !== this.currency) {
				this.skipped.inc(`other currency (${code})`);
				return undefined;
			}
		}
		return value;
	}

	private addToGrid(rfm: Json, segment: string, money: number): void {
		const r = num(field(rfm, 'r'));
		const f = num(field(rfm, 'f'));
		const valid = (s: number | undefined): s is number => s !== undefined && Number.isInteger(s) && s >= 1 && s <= MAX_SCORE;
		if (!valid(r) || !valid(f)) {
			this.skipped.inc('no R and F scores (1-9)');
			return;
		}
		this.maxScore = Math.max(this.maxScore, r, f);
		const key = r * 16 + f;
		let cell = this.cells.get(key);
		if (!cell) this.cells.set(key, (cell = { customers: 0, revenue: 0, segments: new Map() }));
		cell.customers++;
		cell.revenue += money;
		if (cell.segments.size < 50 || cell.segments.has(segment)) cell.segments.set(segment, (cell.segments.get(segment) ?? 0) + 1);
		widen(this.recency, r, num(field(rfm, 'recencyDays')));
		widen(this.frequency, f, num(field(rfm, 'frequency')));
	}

	segmentRows(maxRows: number): SegmentRow[] | null {
		if (this.customers === 0) return null;
		const names = [...this.segments.map.keys()];
		const standard = names.every((n) => RFM_SEGMENT_NAMES.includes(n));
		const ordered = standard
			? [...RFM_SEGMENT_NAMES]
			: names.sort((a, b) => this.segments.map.get(b)!.customers - this.segments.map.get(a)!.customers || (a < b ? -1 : a > b ? 1 : 0));
		const rows = ordered.map((segment) => this.row(displayName(segment), this.segments.map.get(segment) ?? { customers: 0, revenue: 0, withRevenue: 0 }, 0));
		return foldRows(rows, maxRows, (r) => r.customers, (rest) =>
			this.row(otherLabel(rest.reduce((n, r) => n + Math.max(1, r.folded), 0), 'segments'), {
				customers: rest.reduce((n, r) => n + r.customers, 0),
				revenue: rest.reduce((n, r) => n + r.revenue, 0),
				withRevenue: rest.reduce((n, r) => n + r.customers, 0),
			}, rest.reduce((n, r) => n + Math.max(1, r.folded), 0)),
		);
	}

	private row(segment: string, acc: SegmentAcc, folded: number): SegmentRow {
		return {
			segment,
			customers: acc.customers,
			share: round(ratio(acc.customers, this.customers), 6),
			revenue: round(acc.revenue, 2),
			revenueShare: round(ratio(acc.revenue, this.revenue), 6),
			averageRevenue: roundOrNull(mean(acc.revenue, acc.withRevenue), 2),
			folded,
		};
	}

	grid(): Grid | null {
		if (this.cells.size === 0) return null;
		const n = Math.max(3, this.maxScore);
		const standard = n <= 5 && this.agreesWithStandardMap(n);
		const lookup = standard ? compileMap(RF_MAP, n) : null;
		const cells: GridCell[] = [];
		for (let r = n; r >= 1; r--)
			for (let f = 1; f <= n; f++) {
				const c = this.cells.get(r * 16 + f);
				cells.push({ r, f, segment: lookup ? lookup(r, f, 1) : majority(c?.segments), customers: c?.customers ?? 0, revenue: round(c?.revenue ?? 0, 2) });
			}
		return {
			scores: n,
			segmentsFrom: standard ? 'standard R+F map' : 'customers',
			maxCustomers: Math.max(...cells.map((c) => c.customers)),
			cells,
			recency: ranges(this.recency, n),
			frequency: ranges(this.frequency, n),
		};
	}

	private agreesWithStandardMap(n: number): boolean {
		const lookup = compileMap(RF_MAP, n);
		for (const [key, cell] of this.cells) {
			const expected = lookup(Math.floor(key / 16), key % 16, 1);
			for (const segment of cell.segments.keys()) if (segment !== expected) return false;
		}
		return true;
	}
}

function widen(ranges: Map<number, RangeAcc>, score: number, value: number | undefined): void {
	let acc = ranges.get(score);
	if (!acc) ranges.set(score, (acc = { customers: 0, min: Infinity, max: -Infinity }));
	acc.customers++;
	if (value !== undefined) {
		if (value < acc.min) acc.min = value;
		if (value > acc.max) acc.max = value;
	}
}

function ranges(map: Map<number, RangeAcc>, n: number): ScoreRange[] {
	const out: ScoreRange[] = [];
	for (let s = 1; s <= n; s++) {
		const acc = map.get(s);
		const has = acc !== undefined && acc.min <= acc.max;
		out.push({ score: s, customers: acc?.customers ?? 0, min: has ? round(acc.min, 2) : null, max: has ? round(acc.max, 2) : null });
	}
	return out;
}

/** The segment most customers of a cell are in (ties: the name first in alphabetical order). */
function majority(segments: Map<string, number> | undefined): string | null {
	if (!segments || segments.size === 0) return null;
	let best: string | null = null;
	let bestCount = -1;
	for (const [segment, count] of segments)
		if (count > bestCount || (count === bestCount && best !== null && segment < best)) {
			best = segment;
			bestCount = count;
		}
	return best;
}
