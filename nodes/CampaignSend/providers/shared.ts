/** Parameter helpers shared by the SendGrid, Brevo and HubSpot modules. */

/** "a, b.c ,d" → ['a', 'b.c', 'd']; arrays pass through. */
export function fieldList(value: unknown): string[] {
	const parts = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(/[,\n]/) : [];
	return parts.map((s) => s.trim()).filter((s) => s !== '');
}
