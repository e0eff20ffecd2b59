/**
 * Segment transitions between runs and the compact snapshot that remembers the last run.
 *
 * Snapshot keys: by default a salted hash of the customer ID — HMAC-SHA256(salt, id), first 12
 * bytes in base64url (16 characters, 96 bits) — so no email, name or raw ID is stored. Collisions
 * need ~2^48 customers to become likely. The snapshot is packed into one string: each entry is the
 * 16-character key followed by the segment's index in `segments` written with `width` base64url
 * characters (1 character up to 64 distinct segments), entries sorted by key. That is 17 bytes per
 * customer in the JSON stored by n8n. With "customer ID as is" keys, `keys` is a list instead.
 */
import { createHash, createHmac } from 'node:crypto';

export type ChangeType = 'new' | 'moved' | 'unchanged' | 'gone';
export type Direction = 'up' | 'down' | 'same' | null;

export interface Change {
	type: ChangeType;
	from: string | null;
	to: string | null;
	direction: Direction;
	/** When the snapshot this run was compared with was taken (ISO), null on a first run. */
	comparedWith: string | null;
}

export type KeyMode = 'hash' | 'plain';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const HASH_KEY_LENGTH = 16;
export const SNAPSHOT_VERSION = 1;

export function snapshotKey(salt: string, customerId: string): string {
	return createHmac('sha256', salt).update(customerId, 'utf8').digest().subarray(0, 12).toString('base64url');
}

/** A short fingerprint of the salt and key mode, so a changed salt is detected (not a flood of "new"). */
export function keyFingerprint(mode: KeyMode, salt: string): string {
	if (mode === 'plain') return 'plain';
	return createHash('sha256').update(`microsegments-snapshot-salt:${salt}`, 'utf8').digest('hex').slice(0, 12);
}

/** Salt used when the marketer sets none: derived from the workflow ID, stable across runs. */
export function derivedSalt(workflowId: string | undefined): string {
	return createHash('sha256').update(`microsegments-snapshot:${workflowId ?? 'workflow'}`, 'utf8').digest('hex');
}

export interface Snapshot {
	v: number;
	takenAt: string;
	runKey: string;
	keyFingerprint: string;
	count: number;
	segments: string[];
	width: number;
	/** hash keys: packed entries (key + segment index). */
	data?: string;
	/** plain keys: the keys, and `seg` holds the packed segment indexes. */
	keys?: string[];
	seg?: string;
}

function widthFor(n: number): number {
	let w = 1;
	while (64 ** w < n) w++;
	return w;
}

function encodeIndex(i: number, width: number): string {
	let s = '';
	for (let k = 0; k < width; k++) {
		s = ALPHABET[i % 64] + s;
		i = Math.floor(i / 64);
	}
	return s;
}

function decodeIndex(s: string): number {
	let n = 0;
	for (const ch of s) {
		const d = ALPHABET.indexOf(ch);
		if (d < 0) throw new Error('corrupt snapshot');
		n = n * 64 + d;
	}
	return n;
}

export function packSnapshot(
	entries: ReadonlyMap<string, string>,
	meta: { takenAt: string; runKey: string; keyMode: KeyMode; keyFingerprint: string },
): Snapshot {
	const segments: string[] = [];
	const index = new Map<string, number>();
	const keys = [...entries.keys()].sort();
	for (const k of keys) {
		const s = entries.get(k) as string;
		if (!index.has(s)) {
			index.set(s, segments.length);
			segments.push(s);
		}
	}
	const width = widthFor(segments.length);
	const snap: Snapshot = {
		v: SNAPSHOT_VERSION,
		takenAt: meta.takenAt,
		runKey: meta.runKey,
		keyFingerprint: meta.keyFingerprint,
		count: keys.length,
		segments,
		width,
	};
	const parts: string[] = [];
	if (meta.keyMode === 'hash') {
		for (const k of keys) {
			if (k.length !== HASH_KEY_LENGTH) throw new Error('hash keys must be 16 characters');
			parts.push(k + encodeIndex(index.get(entries.get(k) as string) as number, width));
		}
		snap.data = parts.join('');
	} else {
		for (const k of keys) parts.push(encodeIndex(index.get(entries.get(k) as string) as number, width));
		snap.keys = keys;
		snap.seg = parts.join('');
	}
	return snap;
}

export function isSnapshot(value: unknown): value is Snapshot {
	if (value === null || typeof value !== 'object') return false;
	const s = value as Snapshot;
	return s.v === SNAPSHOT_VERSION && Array.isArray(s.segments) && typeof s.width === 'number' && (typeof s.data === 'string' || Array.isArray(s.keys));
}

export function unpackSnapshot(snap: Snapshot): Map<string, string> {
	const out = new Map<string, string>();
	const w = snap.width;
	if (typeof snap.data === 'string') {
		const step = HASH_KEY_LENGTH + w;
		if (snap.data.length % step !== 0) throw new Error('corrupt snapshot');
		for (let p = 0; p < snap.data.length; p += step) {
			const key = snap.data.slice(p, p + HASH_KEY_LENGTH);
			const seg = snap.segments[decodeIndex(snap.data.slice(p + HASH_KEY_LENGTH, p + step))];
			if (seg === undefined) throw new Error('corrupt snapshot');
			out.set(key, seg);
		}
	} else if (Array.isArray(snap.keys) && typeof snap.seg === 'string') {
		if (snap.seg.length !== snap.keys.length * w) throw new Error('corrupt snapshot');
		snap.keys.forEach((key, i) => {
			const seg = snap.segments[decodeIndex((snap.seg as string).slice(i * w, i * w + w))];
			if (seg === undefined) throw new Error('corrupt snapshot');
			out.set(key, seg);
		});
	}
	return out;
}

// ---------------------------------------------------------------------------------------------
// State kept in the workflow's static data: the latest snapshot and, when a rerun key is used,
// the one before it (so a rerun in the same period compares with the same baseline).
// ---------------------------------------------------------------------------------------------

export interface StoredState {
	current?: Snapshot;
	base?: Snapshot;
}

export interface PreviousSelection {
	previous: Snapshot | null;
	/** True when this run repeats the run key of the stored snapshot. */
	rerun: boolean;
}

export function selectPrevious(state: StoredState | undefined, runKey: string): PreviousSelection {
	const current = state && isSnapshot(state.current) ? state.current : null;
	const base = state && isSnapshot(state.base) ? state.base : null;
	if (runKey !== '' && current && current.runKey === runKey) return { previous: base, rerun: true };
	return { previous: current, rerun: false };
}

export function nextState(state: StoredState | undefined, runKey: string, snapshot: Snapshot): StoredState {
	if (runKey === '') return { current: snapshot };
	// A new period keeps the snapshot it is compared with as the base; a rerun keeps the same base.
	const { previous } = selectPrevious(state, runKey);
	return previous ? { current: snapshot, base: previous } : { current: snapshot };
}

// ---------------------------------------------------------------------------------------------
// Ranking and transitions
// ---------------------------------------------------------------------------------------------

/** Rank lookup (0 = best) over a best-first list, case-insensitive. */
export function rankLookup(order: readonly string[]): (segment: string) => number | null {
	const m = new Map<string, number>();
	order.forEach((s, i) => {
		const k = s.trim().toLowerCase();
		if (k !== '' && !m.has(k)) m.set(k, i);
	});
	return (segment) => {
		const r = m.get(segment.trim().toLowerCase());
		return r === undefined ? null : r;
	};
}

export function classify(
	previous: string | undefined,
	current: string,
	rank: (s: string) => number | null,
	comparedWith: string | null,
): Change {
	if (previous === undefined) return { type: 'new', from: null, to: current, direction: null, comparedWith };
	if (previous.trim().toLowerCase() === current.trim().toLowerCase()) return { type: 'unchanged', from: previous, to: current, direction: 'same', comparedWith };
	const a = rank(previous);
	const b = rank(current);
	let direction: Direction = null;
	if (a !== null && b !== null) direction = b < a ? 'up' : b > a ? 'down' : 'same';
	return { type: 'moved', from: previous, to: current, direction, comparedWith };
}

export interface DiffResult {
	/** One change per current entry, in input order. */
	changes: Change[];
	/** Keys in the previous snapshot and not in this run, sorted by key. */
	gone: { key: string; segment: string; change: Change }[];
	/** Indexes of current entries whose key appeared earlier in this run. */
	duplicates: number[];
	/** The snapshot entries of this run (first occurrence of each key wins). */
	entries: Map<string, string>;
	counts: Record<'new' | 'movedUp' | 'movedDown' | 'movedUnranked' | 'unchanged' | 'gone', number>;
	/** Segments seen in a move that are not in the order. */
	unranked: string[];
}

export function diffSegments(
	previous: ReadonlyMap<string, string> | null,
	current: readonly { key: string; segment: string }[],
	order: readonly string[],
	comparedWith: string | null,
): DiffResult {
	const rank = rankLookup(order);
	const entries = new Map<string, string>();
	const duplicates: number[] = [];
	const changes: Change[] = [];
	const counts = { new: 0, movedUp: 0, movedDown: 0, movedUnranked: 0, unchanged: 0, gone: 0 };
	const unranked = new Set<string>();
	current.forEach(({ key, segment }, i) => {
		const duplicate = entries.has(key);
		if (duplicate) duplicates.push(i);
		else entries.set(key, segment);
		const change = classify(previous ? previous.get(key) : undefined, segment, rank, comparedWith);
		changes.push(change);
		if (duplicate) return;
		if (change.type === 'new') counts.new++;
		else if (change.type === 'unchanged') counts.unchanged++;
		else if (change.direction === 'up') counts.movedUp++;
		else if (change.direction === 'down') counts.movedDown++;
		else {
			counts.movedUnranked++;
			for (const s of [change.from as string, change.to as string]) if (rank(s) === null) unranked.add(s);
		}
	});
	const gone: DiffResult['gone'] = [];
	if (previous) {
		for (const key of [...previous.keys()].sort()) {
			if (entries.has(key)) continue;
			const segment = previous.get(key) as string;
			gone.push({ key, segment, change: { type: 'gone', from: segment, to: null, direction: null, comparedWith } });
		}
	}
	counts.gone = gone.length;
	return { changes, gone, duplicates, entries, counts, unranked: [...unranked].sort() };
}
