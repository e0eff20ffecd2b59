/**
 * The message inside a service's error body, for reading and sending alike: SendGrid
 * `errors[{message}]`, Shopify `errors: "..."`, Brevo / HubSpot `message`, OAuth
 * `error_description`, Stripe `error.message`, plain text. Not redacted: callers pass it through
 * the redactor (redact.ts) before it reaches a message.
 */

function textOf(value: unknown): string | undefined {
	if (typeof value === 'string') return value.trim() ? value.trim() : undefined;
	if (Array.isArray(value)) return value.length ? textOf(value[0]) : undefined;
	if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') return (value as { message: string }).message;
	return undefined;
}

export function errorMessage(body: unknown): string | undefined {
	if (typeof body === 'string') return body.trim() ? body.trim().slice(0, 300) : undefined;
	if (!body || typeof body !== 'object') return undefined;
	const b = body as Record<string, unknown>;
	for (const candidate of [b.errors, b.message, b.error_description, b.error]) {
		const text = textOf(candidate);
		if (text) return text;
	}
	return undefined;
}
