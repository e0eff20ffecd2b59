/**
 * The one list parser of the package: a parameter typed as "a, b, c" or one value per line (or
 * given as an array by an expression) becomes trimmed, non-empty strings, in order, duplicates
 * kept. Options: other separators (e.g. `;` in Shopify tags) and lower-casing for values compared
 * ignoring case.
 */
export interface ListOptions {
	/** Default: comma or new line. */
	separators?: RegExp;
	/** Lower-case every value. */
	lowerCase?: boolean;
}

const DEFAULT_SEPARATORS = /[,\n]/;

export function parseList(value: unknown, options: ListOptions = {}): string[] {
	let parts: string[];
	if (Array.isArray(value)) parts = value.filter((v) => v !== null && v !== undefined).map(String);
	else if (value === null || value === undefined) parts = [];
	else parts = String(value).split(options.separators ?? DEFAULT_SEPARATORS);
	const out: string[] = [];
	for (const raw of parts) {
		const s = raw.trim();
		if (s !== '') out.push(options.lowerCase ? s.toLowerCase() : s);
	}
	return out;
}
