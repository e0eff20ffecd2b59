/**
 * The channels Segment Router offers for a playbook: those a Campaign Send provider serves
 * (email: SendGrid, Brevo, SMTP, HubSpot; push: OneSignal, FCM, Web Push). SMS has no sender in
 * this package, so it is not offered; a workflow saved with channel "sms" (or an expression giving
 * an SMS-like channel such as "text") gets a clear error instead of a branch nothing can serve.
 */
import { normalizeChannel, type Channel } from './consent';

export const OFFERED_CHANNELS: readonly Channel[] = ['email', 'push'];

/** The error for a channel no sender serves (`where` names the playbook or option), or null when it is served or is a custom label. */
export function unservedChannelError(value: unknown, where: string): string | null {
	const channel = normalizeChannel(value);
	if (channel === null || OFFERED_CHANNELS.includes(channel)) return null;
	return `${where}: channel ${JSON.stringify(value)} is no longer offered: no Campaign Send provider sends SMS. Choose Email or Push, or remove the channel to use the default.`;
}
