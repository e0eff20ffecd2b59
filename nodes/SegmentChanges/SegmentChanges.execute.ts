import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { getPath, idString, resolveField } from '../core/fields';
import {
	derivedSalt,
	diffSegments,
	isSnapshot,
	keyFingerprint,
	nextState,
	packSnapshot,
	selectPrevious,
	snapshotKey,
	unpackSnapshot,
	type Change,
	type KeyMode,
	type StoredState,
} from '../core/playbook/changes';
import { RFM_SEGMENT_NAMES, splitList } from '../core/playbook/router';

const ID_FALLBACKS = ['customerId', 'customer_id', 'id', 'email'];
/** Key of the node's static data that holds the snapshots. */
export const STATE_KEY = 'segmentSnapshots';
/** Prefix of the global static data keys used by "save when confirmed" (one per node name). */
export const CONFIRM_PREFIX = 'segmentChanges:';

interface ConfirmStore {
	state?: StoredState;
	pending?: { executionId: string; state: StoredState };
}
/** Size above which the node warns that the embedded snapshot is too large (see docs). */
export const SNAPSHOT_WARN_BYTES = 8_000_000;

export interface ChangesLayout {
	names: string[];
	index: { new: number; up: number; down: number; unranked: number; unchanged: number; gone: number; snapshot: number; all: number };
}

export function changesLayout(outputMode: string, includeGone: boolean, snapshotFromInput: boolean): ChangesLayout {
	const idx = { new: -1, up: -1, down: -1, unranked: -1, unchanged: -1, gone: -1, snapshot: -1, all: -1 };
	const names: string[] = [];
	if (outputMode === 'field') idx.all = names.push('Changes') - 1;
	else {
		idx.new = names.push('New') - 1;
		idx.up = names.push('Moved Up') - 1;
		idx.down = names.push('Moved Down') - 1;
		idx.unranked = names.push('Moved (Unranked)') - 1;
		idx.unchanged = names.push('Unchanged') - 1;
		if (includeGone) idx.gone = names.push('Gone') - 1;
	}
	if (snapshotFromInput) idx.snapshot = names.push('Snapshot') - 1;
	return { names, index: idx };
}

function outputFor(layout: ChangesLayout, change: Change): number {
	const i = layout.index;
	if (i.all >= 0) return i.all;
	if (change.type === 'new') return i.new;
	if (change.type === 'unchanged') return i.unchanged;
	if (change.type === 'gone') return i.gone;
	if (change.direction === 'up') return i.up;
	if (change.direction === 'down') return i.down;
	return i.unranked;
}

function segmentText(v: unknown): string | null {
	if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
	if (typeof v === 'number' || typeof v === 'boolean') return String(v);
	return null;
}

/** Confirm Snapshot: promotes the snapshots this execution left pending, passes items through. */
function confirmSnapshots(this: IExecuteFunctions): INodeExecutionData[][] {
	const items = this.getInputData(0);
	const global = this.getWorkflowStaticData('global');
	const executionId = String(this.getExecutionId());
	const confirmed: string[] = [];
	for (const key of Object.keys(global)) {
		if (!key.startsWith(CONFIRM_PREFIX)) continue;
		const store = global[key] as ConfirmStore | undefined;
		if (store?.pending && store.pending.executionId === executionId) {
			global[key] = { state: store.pending.state } as unknown as IDataObject;
			confirmed.push(key.slice(CONFIRM_PREFIX.length));
		}
	}
	const message = confirmed.length
		? `Saved the snapshot of ${confirmed.map((n) => `"${n}"`).join(', ')}`
		: 'Nothing to confirm: no Segment Changes node set to save its snapshot "When Confirmed at the End of the Run" ran in this execution';
	this.logger.info(`Segment Changes (confirm): ${message}`);
	if (typeof this.addExecutionHints === 'function') this.addExecutionHints({ message, type: confirmed.length ? 'info' : 'warning', location: 'outputPane' });
	return [items.map((it, i) => ({ json: it.json, binary: it.binary, pairedItem: { item: i } }))];
}

export async function executeSegmentChanges(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	if (this.getNodeParameter('operation', 0, 'compare') === 'confirm') return confirmSnapshots.call(this);
	const node = this.getNode();
	const items = this.getInputData(0);
	const outputMode = this.getNodeParameter('outputMode', 0, 'separate') as string;
	const source = this.getNodeParameter('snapshotSource', 0, 'staticData') as string;
	const fromInput = source === 'input';
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const includeGone = options.includeGone !== false;
	const layout = changesLayout(outputMode, includeGone, fromInput);
	const out: INodeExecutionData[][] = layout.names.map(() => []);

	const segmentField = String(this.getNodeParameter('segmentField', 0, 'rfm.segment')).trim() || 'rfm.segment';
	const records = items.map((it) => it.json);
	const idParam = String(this.getNodeParameter('customerIdField', 0, 'customerId')).trim();
	const idField = idParam === '' || idParam === 'customerId' ? resolveField(records, undefined, ID_FALLBACKS) ?? 'customerId' : idParam;
	const order =
		this.getNodeParameter('segmentOrder', 0, 'rfm') === 'custom'
			? splitList(String(this.getNodeParameter('customOrder', 0, '')))
			: [...RFM_SEGMENT_NAMES];
	const keyMode: KeyMode = options.keyMode === 'plain' ? 'plain' : 'hash';
	const saltOption = String(options.salt ?? '');
	const salt = saltOption !== '' ? saltOption : derivedSalt(this.getWorkflow().id);
	const fingerprint = keyFingerprint(keyMode, salt);
	const runKey = String(options.rerunKey ?? '').trim();
	const now = new Date().toISOString();

	// Current customers
	const current: { key: string; segment: string; index: number }[] = [];
	const failed: number[] = [];
	for (let i = 0; i < items.length; i++) {
		const id = idString(getPath(items[i].json, idField));
		const segment = segmentText(getPath(items[i].json, segmentField));
		if (id === undefined || segment === null) {
			const message =
				id === undefined ? `Item ${i} has no customer ID in the field "${idField}"` : `Item ${i} has no segment in the field "${segmentField}"`;
			if (this.continueOnFail()) {
				failed.push(i);
				out[0].push({ json: { ...items[i].json, error: message }, pairedItem: { item: i } });
				continue;
			}
			throw new NodeOperationError(node, message, {
				itemIndex: i,
				description:
					id === undefined
						? 'Every customer needs an ID to be followed from run to run. Set Customer ID Field, or remove the items without one before this node.'
						: 'Put an RFM Score (or Cluster Customers) node before this one, or set Segment Field to the field that holds the segment.',
			});
		}
		current.push({ key: keyMode === 'hash' ? snapshotKey(salt, id) : id, segment, index: i });
	}

	// Previous snapshot
	let previous: Map<string, string> | null = null;
	let comparedWith: string | null = null;
	const notes: string[] = [];
	const saveOnConfirm = !fromInput && this.getNodeParameter('saveSnapshot', 0, 'immediately') === 'onConfirm';
	const staticData = fromInput ? null : this.getWorkflowStaticData(saveOnConfirm ? 'global' : 'node');
	const confirmKey = `${CONFIRM_PREFIX}${node.name}`;
	const readState = (): StoredState | undefined =>
		staticData ? (saveOnConfirm ? (staticData[confirmKey] as ConfirmStore | undefined)?.state : (staticData[STATE_KEY] as StoredState | undefined)) : undefined;
	const previousRowIndex = new Map<string, number>();
	if (staticData) {
		const state = readState();
		const { previous: snap, rerun } = selectPrevious(state, runKey);
		if (snap) {
			if (snap.keyFingerprint !== fingerprint) {
				notes.push('The salt or the snapshot key setting changed since the last run, so the stored snapshot could not be read: this run starts a new baseline.');
			} else {
				try {
					previous = unpackSnapshot(snap);
					comparedWith = snap.takenAt;
				} catch {
					notes.push('The stored snapshot was unreadable and was replaced: this run starts a new baseline.');
				}
			}
		}
		if (rerun) notes.push(`Rerun of "${runKey}": compared with the snapshot taken before it${comparedWith ? ` (${comparedWith})` : ''}.`);
	} else {
		const prevItems = this.getInputData(1) ?? [];
		const keyField = String(options.previousKeyField ?? 'key').trim() || 'key';
		const segField = String(options.previousSegmentField ?? 'segment').trim() || 'segment';
		let latest: string | null = null;
		prevItems.forEach((it, j) => {
			const key = idString(getPath(it.json, keyField));
			const segment = segmentText(getPath(it.json, segField));
			if (key === undefined || segment === null) return;
			if (!previous) previous = new Map();
			if (!previous.has(key)) {
				previous.set(key, segment);
				previousRowIndex.set(key, j);
			}
			const seen = it.json.seenAt;
			if (typeof seen === 'string' && (latest === null || seen > latest)) latest = seen;
		});
		comparedWith = latest;
	}

	const diff = diffSegments(previous, current, order, comparedWith);
	const firstRun = previous === null;
	const baselineOnly = firstRun && options.firstRun === 'baseline';

	if (!baselineOnly) {
		current.forEach((c, n) => {
			const change = diff.changes[n];
			const target = outputFor(layout, change);
			if (target < 0) return;
			out[target].push({ json: { ...items[c.index].json, change: change as unknown as IDataObject }, pairedItem: { item: c.index } });
		});
		if (includeGone) {
			const target = layout.index.all >= 0 ? layout.index.all : layout.index.gone;
			for (const g of diff.gone) {
				const json: IDataObject = { customerKey: g.key, change: g.change as unknown as IDataObject };
				if (keyMode === 'plain') json.customerId = g.key;
				const j = previousRowIndex.get(g.key);
				out[target].push(j === undefined ? { json } : { json, pairedItem: { item: j, input: 1 } });
			}
		}
	}

	if (fromInput) {
		const seen = new Set<string>();
		for (const c of current) {
			if (seen.has(c.key)) continue;
			seen.add(c.key);
			out[layout.index.snapshot].push({ json: { key: c.key, segment: c.segment, seenAt: now }, pairedItem: { item: c.index } });
		}
		for (const g of diff.gone) {
			const j = previousRowIndex.get(g.key);
			const json = { key: g.key, segment: null, seenAt: now };
			out[layout.index.snapshot].push(j === undefined ? { json } : { json, pairedItem: { item: j, input: 1 } });
		}
	}

	// Summary
	const c = diff.counts;
	const head = firstRun
		? baselineOnly
			? `First run: recorded ${diff.entries.size} customers as the baseline (nothing emitted)`
			: `First run: ${c.new} customers reported as new`
		: `Compared ${diff.entries.size} customers with the snapshot of ${comparedWith ?? 'the previous run'}: ${c.new} new, ${c.movedUp} moved up, ${c.movedDown} moved down, ${c.movedUnranked} moved between unranked segments, ${c.unchanged} unchanged, ${c.gone} gone`;
	const hints: Array<{ message: string; type: 'info' | 'warning'; location: 'outputPane' }> = [{ message: head, type: 'info', location: 'outputPane' }];
	if (diff.duplicates.length) {
		hints.push({ message: `${diff.duplicates.length} items repeat a customer already seen in this run; the first one's segment is recorded`, type: 'warning', location: 'outputPane' });
	}
	if (diff.unranked.length) {
		hints.push({ message: `Segments not in the segment order: ${diff.unranked.join(', ')}. Moves involving them went to Moved (Unranked).`, type: 'warning', location: 'outputPane' });
	}
	if (failed.length) hints.push({ message: `${failed.length} items without customer ID or segment were not tracked`, type: 'warning', location: 'outputPane' });
	for (const n of notes) hints.push({ message: n, type: 'warning', location: 'outputPane' });

	// The snapshot is written last, only once everything above succeeded.
	if (staticData) {
		const snapshot = packSnapshot(diff.entries, { takenAt: now, runKey, keyMode, keyFingerprint: fingerprint });
		const state = readState();
		const readable = state && isSnapshot(state.current) && state.current.keyFingerprint === fingerprint ? state : undefined;
		const next = nextState(readable, runKey, snapshot);
		if (saveOnConfirm) {
			const store: ConfirmStore = { pending: { executionId: String(this.getExecutionId()), state: next } };
			if (state) store.state = state;
			staticData[confirmKey] = store as unknown as IDataObject;
		} else {
			staticData[STATE_KEY] = next as unknown as IDataObject;
		}
		const bytes = JSON.stringify(next).length;
		if (bytes > SNAPSHOT_WARN_BYTES) {
			hints.push({
				message: `The stored snapshot is ${(bytes / 1e6).toFixed(1)} MB (about 17 bytes per customer). Above ${SNAPSHOT_WARN_BYTES / 1e6} MB, keep the snapshot in a database instead: set Previous Snapshot to "From a Second Input".`,
				type: 'warning',
				location: 'outputPane',
			});
		}
	}
	this.logger.info(`Segment Changes: ${head}`);
	if (typeof this.addExecutionHints === 'function') this.addExecutionHints(...hints);
	return out;
}
