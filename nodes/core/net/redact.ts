/**
 * The package's one redactor, for every message built from what a provider or source said (error
 * details, stop reasons, SourceError messages, the nodes' errors). It removes
 * - the credential's own values, whatever their shape or length (the node adapters pass them in:
 *   nodes/shared/secrets.ts), also URL-encoded and as `Basic` user:password pairs,
 * - the known token shapes of the services we talk to (so a message is safe even without them),
 * - e-mail addresses (recipients are personal data),
 * and caps the length. Replacements read `[redacted]`.
 */

const MASK = '[redacted]';

const TOKEN_SHAPES: RegExp[] = [
	/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, // PEM keys (service accounts)
	/\b(sk|rk|pk)_(live|test)_[A-Za-z0-9*]{4,}/g, // Stripe (also its masked form)
	/\bshp(at|ca|pa|ss)_[A-Za-z0-9]{8,}/g, // Shopify
	/\bc[ks]_[A-Za-z0-9]{16,}/g, // WooCommerce consumer key / secret
	/\bpat-[a-z0-9]{2,4}-[A-Za-z0-9-]{8,}/g, // HubSpot private app tokens
	/\bSG\.[A-Za-z0-9_-]{8,}(\.[A-Za-z0-9_-]{8,})?/g, // SendGrid
	/\bx(key|smtp)sib-[A-Za-z0-9-]{8,}/g, // Brevo
	/\bos_v2_app_[A-Za-z0-9_]{8,}/g, // OneSignal
	/\bya29\.[A-Za-z0-9._-]{8,}/g, // Google OAuth access tokens
	/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, // JWTs (VAPID, service-account assertions)
	/\b(Bearer|Basic|vapid)\s+[A-Za-z0-9._~+/=-]{6,}/gi, // Authorization header values
	/\b(Key|Token)\s+(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{6,}/gi, // "Key …" / "Token …" followed by something key-like
	/\b(api[_-]?key|access[_-]?token|token|secret|password|consumer[_-]?(key|secret)|assertion|auth)=[^&\s"'<>]+/gi, // query / form values
	/(\/\/)[^\s/:@]+:[^\s/@]+@/g, // user:password@ in URLs
	/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, // e-mail addresses
	/\b[A-Za-z0-9_-]{40,}\b/g, // long opaque tokens
];

function keepPrefix(match: string, ...groups: unknown[]): string {
	// Keep the scheme word of header values and the name of query values ("Bearer [redacted]", "token=[redacted]").
	const m = /^(Bearer|Basic|Key|Token|vapid)\s+/i.exec(match) ?? /^[A-Za-z_-]+=/.exec(match);
	if (m) return `${m[0]}${MASK}`;
	if (groups[0] === '//') return `//${MASK}@`;
	return MASK;
}

/** The forms in which a secret value may appear in a message. */
function forms(secrets: readonly string[]): string[] {
	const values = secrets.map((s) => (typeof s === 'string' ? s.trim() : '')).filter((s) => s.length >= 3);
	const out = new Set<string>();
	for (const v of values) {
		out.add(v);
		out.add(encodeURIComponent(v));
	}
	// user:password pairs of Basic auth (a credential has a handful of values; lists of ids are not paired).
	if (values.length <= 8) for (const a of values) for (const b of values) if (a !== b) out.add(Buffer.from(`${a}:${b}`).toString('base64'));
	// Longest first, so a value containing another is removed whole.
	return [...out].sort((x, y) => y.length - x.length);
}

/** Removes secrets, token shapes and addresses from a message and caps its length. */
export function redact(text: string | undefined | null, secrets: readonly string[] = [], max = 300): string | undefined {
	if (text === undefined || text === null) return undefined;
	let out = String(text);
	for (const f of forms(secrets)) if (out.includes(f)) out = out.split(f).join(MASK);
	for (const re of TOKEN_SHAPES) out = out.replace(re, keepPrefix);
	return out.length > max ? `${out.slice(0, max)}…` : out;
}

/** Request headers that carry credentials; shown as `[redacted]` in dry runs. */
export const SECRET_HEADERS = /^(authorization|api-key|x-api-key|x-auth-token|x-shopify-access-token|cookie|proxy-authorization)$/i;

export function redactHeaders(headers: Record<string, string> | undefined): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of Object.entries(headers ?? {})) out[k] = SECRET_HEADERS.test(k) ? MASK : v;
	return out;
}
