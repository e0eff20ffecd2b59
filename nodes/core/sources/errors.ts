/**
 * Errors raised by the source clients. Messages are written for the marketer reading the n8n
 * error panel: they name the service and the credential and say what to check. They never
 * contain a secret, a request URL with credentials, or a customer's email address.
 */
export type SourceErrorKind =
	| 'auth'
	| 'forbidden'
	| 'notFound'
	| 'rateLimit'
	| 'server'
	| 'network'
	| 'badRequest'
	| 'badResponse'
	| 'invalidRecord'
	| 'config';

export class SourceError extends Error {
	constructor(
		public readonly kind: SourceErrorKind,
		message: string,
		public readonly details: { status?: number; recordId?: string; description?: string } = {},
	) {
		super(message);
		this.name = 'SourceError';
	}

	get status(): number | undefined {
		return this.details.status;
	}

	get description(): string | undefined {
		return this.details.description;
	}
}

const SECRET_PATTERNS: RegExp[] = [
	/\b(sk|rk|pk)_(live|test)_[A-Za-z0-9*]{4,}/g, // Stripe keys (also Stripe's own masked form)
	/\bshp(at|ca|pa|ss)_[A-Za-z0-9]{8,}/g, // Shopify tokens
	/\bc[ks]_[A-Fa-f0-9]{16,}/g, // WooCommerce consumer key/secret
	/\bpat-[a-z0-9]{2,4}-[A-Za-z0-9-]{8,}/g, // HubSpot private app tokens
	/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
	/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, // email addresses
];

/** Removes anything that looks like a key, token or email address from a provider message. */
export function redact(text: string): string {
	let out = text;
	for (const re of SECRET_PATTERNS) out = out.replace(re, '[redacted]');
	return out.length > 500 ? out.slice(0, 500) + '…' : out;
}
