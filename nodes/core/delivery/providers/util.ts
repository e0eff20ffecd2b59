/** Small helpers shared by the SendGrid, Brevo and HubSpot providers. */

/** Reads `a.b.c` from an item; a key that itself contains dots wins over the path. */
export function readField(obj: unknown, path: string): unknown {
	if (obj === null || typeof obj !== 'object') return undefined;
	const o = obj as Record<string, unknown>;
	if (path in o) return o[path];
	if (!path.includes('.')) return undefined;
	let cur: unknown = obj;
	for (const part of path.split('.')) {
		if (cur === null || typeof cur !== 'object') return undefined;
		cur = (cur as Record<string, unknown>)[part];
	}
	return cur;
}

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

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
	const parts = path.split('.');
	let cur = target;
	for (let i = 0; i < parts.length - 1; i++) {
		const next = cur[parts[i]];
		if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[parts[i]] = {};
		cur = cur[parts[i]] as Record<string, unknown>;
	}
	cur[parts[parts.length - 1]] = value;
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
		for (const [k, v] of Object.entries(fields)) if (k !== 'delivery' && v !== undefined) out[k] = v;
		return out;
	}
	const out: Record<string, unknown> = {};
	for (const f of wanted) {
		const v = readField(fields, f);
		if (v !== undefined) setPath(out, f, v);
	}
	return out;
}
