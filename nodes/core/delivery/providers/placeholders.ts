/**
 * `{{field}}` placeholders for the providers that render their own messages (SMTP, FCM, Web Push).
 * Syntax: `{{ path }}` (or n8n's `{{ $json.path }}`) reads a field of the recipient's item, dotted
 * paths read nested fields (`{{rfm.segment}}`), `{{ firstName | there }}` gives a fallback used
 * when the field is missing or empty. Missing fields render as '' (or the fallback). Objects
 * render as JSON. Anything else between braces is handed to an optional resolver (the node's n8n
 * expression evaluator for the recipient's item). In HTML bodies the values are HTML-escaped (the
 * template itself is not). Pure and deterministic.
 */

import { getPath } from '../../fields';

const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;
/** `path`, `$json.path` or `path | fallback` (a single pipe; `||` is an expression). */
const SIMPLE = /^\s*(?:\$json\.)?([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*(?:\|\s*([^|]*?)\s*)?$/;

export function escapeHtml(text: string): string {
	return text
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

function valueText(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value === 'string') return value;
	if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
	if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
	try {
		return JSON.stringify(value);
	} catch {
		return undefined;
	}
}

export interface RenderOptions {
	/** Escape the substituted values for HTML (the template text itself is kept). */
	html?: boolean;
	/**
	 * Evaluates what is not a plain field path (`{{ $now.toISODate() }}`, `{{ $json.a || 'x' }}`):
	 * in n8n the node passes its expression evaluator for the recipient's item. Without it such
	 * placeholders render as ''.
	 */
	resolve?: (expression: string) => unknown;
}

/** Renders the placeholders of `template` from `fields` (a leading n8n expression `=` is ignored). */
export function renderPlaceholders(
	template: string,
	fields: Record<string, unknown>,
	options: RenderOptions = {},
): string {
	if (!template) return '';
	const text = template.startsWith('=') ? template.slice(1) : template;
	if (!text.includes('{{')) return text;
	return text.replace(PLACEHOLDER, (_match, inner: string) => {
		const simple = SIMPLE.exec(inner);
		let value: string | undefined;
		if (simple) {
			value = valueText(getPath(fields, simple[1]));
			if (value === undefined || value.trim() === '') value = simple[2] ?? '';
		} else {
			let resolved: unknown;
			try {
				resolved = options.resolve ? options.resolve(inner.trim()) : undefined;
			} catch {
				resolved = undefined;
			}
			value = valueText(resolved) ?? '';
		}
		return options.html ? escapeHtml(value) : value;
	});
}

/** The field paths a template refers to (for documentation, dry runs and validation). */
export function placeholderPaths(template: string): string[] {
	const out = new Set<string>();
	for (const m of (template ?? '').matchAll(PLACEHOLDER)) {
		const simple = SIMPLE.exec(m[1]);
		if (simple) out.add(simple[1]);
	}
	return [...out];
}

/** Renders every string value of a flat record (FCM/Web Push data payloads). */
export function renderRecord(
	record: Record<string, unknown> | undefined,
	fields: Record<string, unknown>,
	options: RenderOptions = {},
): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(record ?? {})) {
		const text = typeof v === 'string' ? v : (valueText(v) ?? '');
		out[k] = renderPlaceholders(text, fields, options);
	}
	return out;
}
