/** Small helpers shared by the SendGrid, Brevo and HubSpot providers. */
import { assertSafePaths, getPath, setPath, unsafePathPart } from '../../fields';
import { isAmbiguousTransportReason, transportReason } from '../../net/retry';
import type { BatchResult, Recipient, RecipientOutcome } from '../types';

/** A scalar as a trimmed string; undefined for null/empty/objects/NaN. */
export function stringValue(v: unknown): string | undefined {
	if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
	if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
	if (typeof v === 'boolean') return v ? 'true' : 'false';
	return undefined;
}

/** Pragmatic address check: one @, no spaces or list separators, a dot in the domain. */
export function isEmail(address: string): boolean {
	const a = address.trim();
	return a.length <= 254 && /^[^\s@,;<>()[\]"]+@[^\s@,;<>()[\]"]+\.[^\s@,;<>()[\]".]{2,}$/.test(a);
}

/**
 * Template data for one recipient: the listed fields (dotted paths rebuilt as nested objects, so
 * `{{rfm.segment}}` works in Handlebars and Brevo templates), or every field of the item when the
 * list is empty. The Campaign Send `delivery` group is never included.
 */
export function pickTemplateData(fields: Record<string, unknown>, list: readonly string[] | undefined): Record<string, unknown> {
	const wanted = (list ?? []).map((f) => f.trim()).filter((f) => f !== '');
	if (wanted.length === 0) {
		const out: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(fields)) if (k !== 'delivery' && v !== undefined && !unsafePathPart(k)) out[k] = v;
		return out;
	}
	assertSafePaths(wanted, 'Template fields');
	const out: Record<string, unknown> = {};
	for (const f of wanted) {
		const v = getPath(fields, f);
		if (v !== undefined) setPath(out, f, v);
	}
	return out;
}

/**
 * For providers that send one message per request (SMTP, FCM, Web Push): a batch of one is sent
 * as is; a larger batch (a user-set batch size) is sent one by one and every result becomes that
 * recipient's outcome, so the recipients already sent keep their outcome. A transport error on one
 * request is `unknown` when the provider may have accepted it (timeout, reset), else retryable.
 */
export async function sendEach(batch: Recipient[], sendOne: (r: Recipient) => Promise<BatchResult>): Promise<BatchResult> {
	if (batch.length === 1) return sendOne(batch[0]);
	const outcomes: RecipientOutcome[] = [];
	for (const recipient of batch) {
		let res: BatchResult;
		try {
			res = await sendOne(recipient);
		} catch (error) {
			if (typeof (error as { code?: unknown })?.code !== 'string') throw error;
			const reason = transportReason(error);
			outcomes.push(isAmbiguousTransportReason(reason) ? { recipient, status: 'unknown', reason } : { recipient, status: 'failed', reason, retryable: true });
			continue;
		}
		if (res.kind === 'done') outcomes.push(...res.outcomes);
		else outcomes.push({ recipient, status: 'failed', reason: res.reason, detail: res.kind === 'fatal' ? res.detail : undefined, retryable: res.kind === 'retry' });
	}
	return { kind: 'done', outcomes };
}
