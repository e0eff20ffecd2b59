/** Small helpers shared by the SendGrid, Brevo and HubSpot providers. */
import { assertSafePaths, getPath, setPath, unsafePathPart } from '../../fields';

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
