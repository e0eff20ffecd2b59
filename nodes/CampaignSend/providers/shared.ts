/** Parameter helpers shared by the SendGrid, Brevo and HubSpot modules. */
import { parseList } from '../../core/list';

/** "a, b.c ,d" → ['a', 'b.c', 'd']; arrays pass through. */
export function fieldList(value: unknown): string[] {
	return typeof value === 'string' || Array.isArray(value) ? parseList(value) : [];
}
