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
