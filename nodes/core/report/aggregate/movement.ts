/** Segment Changes items (`change` group): who moved from which segment to which since the last run. */
import type { Json } from '../../fields';
import { isoDay } from '../format';
import { RFM_SEGMENT_NAMES } from '../../playbook/router';
import type { MoveKind, Movement, MovementCell } from '../model';
import { otherLabel } from './fold';
import { Counter, field, MAX_KEYS, name } from './read';

const SEP = '\u0001';

export class MovementAccumulator {
	count = 0;
	readonly skipped = new Counter();
	private readonly pairs = new Map<string, { customers: number; kind: MoveKind }>();
	private readonly sizes = new Map<string, number>();
	private comparedWith: string | null = null;

	add(change: Json): void {
		const type = name(field(change, 'type'));
		const from = name(field(change, 'from'));
		const to = name(field(change, 'to'));
		const kind = kindOf(type, name(field(change, 'direction')));
		if (kind === null || (from === null && kind !== 'new') || (to === null && kind !== 'gone')) {
			this.skipped.inc('unreadable change group');
			return;
		}
		const key = `${from ?? ''}${SEP}${to ?? ''}`;
		let pair = this.pairs.get(key);
		if (!pair) {
			if (this.pairs.size >= MAX_KEYS) {
				this.skipped.inc(`more than ${MAX_KEYS} different moves`);
				return;
			}
			this.pairs.set(key, (pair = { customers: 0, kind }));
		}
		this.count++;
		const at = name(field(change, 'comparedWith'));
		if (at !== null && (this.comparedWith === null || at > this.comparedWith)) this.comparedWith = at;
		pair.customers++;
		pair.kind = kind;
		for (const s of [from, to]) if (s !== null) this.sizes.set(s, (this.sizes.get(s) ?? 0) + 1);
	}

	result(maxRows: number): Movement | null {
		if (this.count === 0) return null;
		const names = [...this.sizes.keys()];
		const standard = names.every((n) => RFM_SEGMENT_NAMES.includes(n));
		let order = standard
			? RFM_SEGMENT_NAMES.filter((n) => this.sizes.has(n))
			: names.sort((a, b) => this.sizes.get(b)! - this.sizes.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
		// Beyond the row limit the smallest segments share one row and column.
		let other: string | null = null;
		if (order.length > maxRows) {
			const bySize = [...order].sort((a, b) => this.sizes.get(b)! - this.sizes.get(a)!);
			const keep = new Set(bySize.slice(0, maxRows - 1));
			other = otherLabel(order.length - keep.size, 'segments');
			order = [...order.filter((n) => keep.has(n)), other];
		}
		const inOrder = new Set(order);
		const cells = new Map<string, MovementCell>();
		const totals = { new: 0, movedUp: 0, movedDown: 0, movedUnranked: 0, unchanged: 0, gone: 0 };
		for (const [key, acc] of this.pairs) {
			const [rawFrom, rawTo] = key.split(SEP);
			const from = rawFrom === '' ? null : inOrder.has(rawFrom) ? rawFrom : other;
			const to = rawTo === '' ? null : inOrder.has(rawTo) ? rawTo : other;
			const kind = from !== null && from === to && acc.kind !== 'same' ? 'unranked' : acc.kind;
			const cellKey = `${from ?? ''}${SEP}${to ?? ''}`;
			const cell = cells.get(cellKey) ?? { from, to, kind, customers: 0 };
			cell.customers += acc.customers;
			if (cell.kind !== kind) cell.kind = 'unranked';
			cells.set(cellKey, cell);
			addTotal(totals, acc.kind, acc.customers);
		}
		const rank = (s: string | null, end: number) => (s === null ? end : order.indexOf(s));
		const list = [...cells.values()].sort((a, b) => rank(a.from, order.length) - rank(b.from, order.length) || rank(a.to, order.length) - rank(b.to, order.length));
		return { comparedWith: this.comparedWith, previousRun: isoDay(this.comparedWith), segments: order, cells: list, maxCustomers: Math.max(...list.map((c) => c.customers)), totals };
	}
}

function kindOf(type: string | null, direction: string | null): MoveKind | null {
	if (type === 'new') return 'new';
	if (type === 'gone') return 'gone';
	if (type === 'unchanged') return 'same';
	if (type !== 'moved') return null;
	return direction === 'up' ? 'up' : direction === 'down' ? 'down' : 'unranked';
}

function addTotal(t: Movement['totals'], kind: MoveKind, n: number): void {
	if (kind === 'new') t.new += n;
	else if (kind === 'gone') t.gone += n;
	else if (kind === 'same') t.unchanged += n;
	else if (kind === 'up') t.movedUp += n;
	else if (kind === 'down') t.movedDown += n;
	else t.movedUnranked += n;
}
