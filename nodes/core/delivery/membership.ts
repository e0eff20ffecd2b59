/**
 * Segment membership for write-back providers (Klaviyo lists, Mailchimp tags, Shopify customer
 * tags): which names a customer must carry now and which to drop because the customer left a
 * segment. One rule for every provider:
 * - the current segment comes from the Segment Field (default `rfm.segment`; Segment Changes'
 *   `change.to` when the field is empty);
 * - a customer who moved (Segment Changes `change.type` = `moved`) drops the previous segment's
 *   name (`change.from`); a gone customer (`gone`) drops it and gets nothing new;
 * - names are the prefix plus the segment (`rfm: Champions` with prefix `rfm: `), trimmed; a
 *   segment name equal to the new one, ignoring case, is never removed.
 */
import { getPath, type Json } from '../fields';

export interface MembershipOptions {
	/** Dotted path of the current segment. */
	segmentField: string;
	/** Put before the segment name (e.g. `rfm: `); may be empty. */
	prefix: string;
}

export interface MembershipChange {
	/** Names the customer must carry (0 or 1). */
	add: string[];
	/** Names the customer must no longer carry (0 or 1). */
	remove: string[];
}

function text(value: unknown): string | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const s = String(value).trim();
	return s === '' ? undefined : s;
}

/** The name of a segment's tag or list: prefix + segment. */
export function membershipName(prefix: string, segment: string): string {
	return `${prefix}${segment.trim()}`.trim();
}

/** What must change for this customer (see the module comment). */
export function membershipChange(json: Json, opts: MembershipOptions): MembershipChange {
	const change = getPath(json, 'change') as Json | undefined;
	const type = change && typeof change === 'object' ? text(change.type) : undefined;
	const from = change && typeof change === 'object' ? text(change.from) : undefined;
	const current = type === 'gone' ? undefined : (text(getPath(json, opts.segmentField)) ?? (change && typeof change === 'object' ? text(change.to) : undefined));
	const add = current === undefined ? [] : [membershipName(opts.prefix, current)];
	const leaving = (type === 'moved' || type === 'gone') && from !== undefined && from.toLowerCase() !== current?.toLowerCase();
	const remove = leaving ? [membershipName(opts.prefix, from)] : [];
	return { add, remove };
}

/**
 * The membership part of a write-back provider's content key (Provider.contentKey): the names
 * added and removed and, with a removal, when the snapshot it was compared with was taken
 * (Segment Changes `change.comparedWith`). So under one run key a customer who moves A → B, back,
 * and A → B again weeks later is written at every move (each move compares with another snapshot),
 * and a customer who stayed is not written again.
 */
export function membershipContent(json: Json, opts: MembershipOptions): MembershipChange & { comparedWith?: string } {
	const change = membershipChange(json, opts);
	if (change.remove.length === 0) return change;
	const since = text(getPath(json, 'change.comparedWith'));
	return since === undefined ? change : { ...change, comparedWith: since };
}
