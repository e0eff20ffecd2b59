import {
	classify,
	derivedSalt,
	diffSegments,
	isSnapshot,
	keyFingerprint,
	nextState,
	packSnapshot,
	rankLookup,
	selectPrevious,
	snapshotKey,
	unpackSnapshot,
	type Snapshot,
} from '../../nodes/core/playbook/changes';
import { RFM_SEGMENT_NAMES } from '../../nodes/core/playbook/router';

const order = [...RFM_SEGMENT_NAMES];
const meta = (over: Partial<{ takenAt: string; runKey: string }> = {}) => ({
	takenAt: '2024-05-06T08:00:00.000Z',
	runKey: '',
	keyMode: 'hash' as const,
	keyFingerprint: keyFingerprint('hash', 'pepper'),
	...over,
});

describe('snapshot keys', () => {
	it('are HMAC-SHA256(salt, id) truncated to 16 base64url characters (golden values from Python hmac)', () => {
		expect(snapshotKey('pepper', '00004')).toBe('G-5rDiF3c8HpzOjU');
		expect(snapshotKey('pepper', 'alice@example.com')).toBe('5Y5Tnr1vTio3BQgB');
	});
	it('depend on the salt and never contain the id', () => {
		expect(snapshotKey('other', '00004')).not.toBe(snapshotKey('pepper', '00004'));
		expect(snapshotKey('pepper', 'alice@example.com')).not.toContain('alice');
		expect(derivedSalt('wf1')).toBe(derivedSalt('wf1'));
		expect(derivedSalt('wf1')).not.toBe(derivedSalt('wf2'));
		expect(keyFingerprint('hash', 'a')).not.toBe(keyFingerprint('hash', 'b'));
		expect(keyFingerprint('plain', 'a')).toBe('plain');
	});
});

describe('packing', () => {
	it('round-trips hashed keys at 17 bytes per customer', () => {
		const entries = new Map<string, string>();
		for (let i = 0; i < 1000; i++) entries.set(snapshotKey('pepper', `c${i}`), order[i % 10]);
		const snap = packSnapshot(entries, meta());
		expect(snap.count).toBe(1000);
		expect(snap.width).toBe(1);
		expect((snap.data as string).length).toBe(17 * 1000);
		expect(unpackSnapshot(snap)).toEqual(entries);
		expect(isSnapshot(JSON.parse(JSON.stringify(snap)))).toBe(true);
		// The stored JSON: 17 bytes per customer plus a small header.
		expect(JSON.stringify(snap).length).toBeLessThan(17 * 1000 + 500);
	});

	it('is independent of insertion order', () => {
		const a = new Map([['AAAAAAAAAAAAAAAA', 'X'], ['BBBBBBBBBBBBBBBB', 'Y']]);
		const b = new Map([['BBBBBBBBBBBBBBBB', 'Y'], ['AAAAAAAAAAAAAAAA', 'X']]);
		expect(packSnapshot(a, meta())).toEqual(packSnapshot(b, meta()));
	});

	it('widens the segment index past 64 segments', () => {
		const entries = new Map<string, string>();
		for (let i = 0; i < 100; i++) entries.set(`k${i}`, `cluster ${i}`);
		const snap = packSnapshot(entries, { ...meta(), keyMode: 'plain', keyFingerprint: 'plain' });
		expect(snap.width).toBe(2);
		expect(unpackSnapshot(snap)).toEqual(entries);
	});

	it('round-trips plain keys of any characters', () => {
		const entries = new Map([['a@b.co', 'Champions'], ['id with spaces', 'At Risk'], ['ü/顧客', 'Champions']]);
		const snap = packSnapshot(entries, { ...meta(), keyMode: 'plain', keyFingerprint: 'plain' });
		expect(unpackSnapshot(snap)).toEqual(entries);
	});

	it('rejects corrupt snapshots and odd values', () => {
		const snap = packSnapshot(new Map([['AAAAAAAAAAAAAAAA', 'X']]), meta());
		expect(() => unpackSnapshot({ ...snap, data: (snap.data as string).slice(1) })).toThrow('corrupt');
		expect(() => unpackSnapshot({ ...snap, data: 'AAAAAAAAAAAAAAAAZ' })).toThrow('corrupt');
		expect(isSnapshot(null)).toBe(false);
		expect(isSnapshot({ v: 99 })).toBe(false);
		expect(() => packSnapshot(new Map([['short', 'X']]), meta())).toThrow();
	});
});

describe('transitions', () => {
	const rank = rankLookup(order);

	it('ranks the RFM order best first, ignoring case', () => {
		expect(rank('champions')).toBe(0);
		expect(rank('Hibernating')).toBe(9);
		expect(rank('Other')).toBeNull();
	});

	it('classifies new, unchanged, up, down and unranked moves', () => {
		expect(classify(undefined, 'Champions', rank, null)).toEqual({ type: 'new', from: null, to: 'Champions', direction: null, comparedWith: null });
		expect(classify('At Risk', 'at risk', rank, 't')).toMatchObject({ type: 'unchanged', direction: 'same' });
		expect(classify('Champions', 'At Risk', rank, 't')).toMatchObject({ type: 'moved', from: 'Champions', to: 'At Risk', direction: 'down' });
		expect(classify('Hibernating', 'Promising', rank, 't')).toMatchObject({ type: 'moved', direction: 'up' });
		expect(classify('Other', 'Champions', rank, 't')).toMatchObject({ type: 'moved', direction: null });
	});

	it('reports exactly the planted changes, gone customers sorted by key, duplicates once', () => {
		const previous = new Map([
			['a', 'Champions'],
			['b', 'Loyal Customers'],
			['c', 'Hibernating'],
			['d', 'At Risk'],
			['z', 'Promising'],
			['y', 'Champions'],
		]);
		const current = [
			{ key: 'a', segment: 'At Risk' },
			{ key: 'b', segment: 'Loyal Customers' },
			{ key: 'c', segment: 'Champions' },
			{ key: 'd', segment: 'Other' },
			{ key: 'e', segment: 'New Customers' },
			{ key: 'a', segment: 'Champions' },
		];
		const diff = diffSegments(previous, current, order, '2024-05-06');
		expect(diff.changes.map((c) => [c.type, c.direction])).toEqual([
			['moved', 'down'],
			['unchanged', 'same'],
			['moved', 'up'],
			['moved', null],
			['new', null],
			['unchanged', 'same'],
		]);
		expect(diff.duplicates).toEqual([5]);
		expect(diff.entries.get('a')).toBe('At Risk');
		expect(diff.gone.map((g) => [g.key, g.segment])).toEqual([
			['y', 'Champions'],
			['z', 'Promising'],
		]);
		expect(diff.gone[0].change).toEqual({ type: 'gone', from: 'Champions', to: null, direction: null, comparedWith: '2024-05-06' });
		expect(diff.counts).toEqual({ new: 1, movedUp: 1, movedDown: 1, movedUnranked: 1, unchanged: 1, gone: 2 });
		expect(diff.unranked).toEqual(['Other']);
	});

	it('calls everyone new on a first run and nobody gone', () => {
		const diff = diffSegments(null, [{ key: 'a', segment: 'Champions' }], order, null);
		expect(diff.counts).toMatchObject({ new: 1, gone: 0 });
	});

	it('handles 0 customers', () => {
		const diff = diffSegments(new Map([['a', 'Champions']]), [], order, 't');
		expect(diff.counts.gone).toBe(1);
		expect(diff.changes).toEqual([]);
	});
});

describe('stored state and rerun keys', () => {
	const snap = (runKey: string, takenAt: string): Snapshot =>
		packSnapshot(new Map([['AAAAAAAAAAAAAAAA', takenAt]]), meta({ runKey, takenAt }));

	it('without a key, each run compares with the run before and keeps one snapshot', () => {
		const s1 = snap('', 'w1');
		const state1 = nextState(undefined, '', s1);
		expect(state1).toEqual({ current: s1 });
		expect(selectPrevious(state1, '').previous).toBe(s1);
		const s2 = snap('', 'w2');
		expect(nextState(state1, '', s2)).toEqual({ current: s2 });
	});

	it('with a key, a rerun in the same period compares with the same baseline', () => {
		const w1 = snap('2024-W18', 'w1');
		let state = nextState(undefined, '2024-W18', w1);
		const w2 = snap('2024-W19', 'w2');
		expect(selectPrevious(state, '2024-W19')).toEqual({ previous: w1, rerun: false });
		state = nextState(state, '2024-W19', w2);
		expect(state).toEqual({ current: w2, base: w1 });
		// Rerun of week 19: compared with week 18 again, and week 18 stays the base.
		expect(selectPrevious(state, '2024-W19')).toEqual({ previous: w1, rerun: true });
		const w2b = snap('2024-W19', 'w2-rerun');
		state = nextState(state, '2024-W19', w2b);
		expect(state).toEqual({ current: w2b, base: w1 });
		// Next week compares with the rerun's snapshot.
		expect(selectPrevious(state, '2024-W20')).toEqual({ previous: w2b, rerun: false });
	});

	it('a rerun of the very first period has no baseline', () => {
		const state = nextState(undefined, 'K', snap('K', 'w1'));
		expect(selectPrevious(state, 'K')).toEqual({ previous: null, rerun: true });
	});

	it('ignores junk in static data', () => {
		expect(selectPrevious({ current: { v: 1 } as unknown as Snapshot }, '')).toEqual({ previous: null, rerun: false });
		expect(selectPrevious(undefined, '')).toEqual({ previous: null, rerun: false });
	});
});
