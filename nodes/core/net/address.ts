/**
 * Where a request may go when the address comes from data (a customer's web-push subscription):
 * never to this machine or a private network. Addresses are checked after DNS resolution too, so
 * a public-looking name that resolves to 127.0.0.1, 10.x or 169.254.169.254 is refused as well.
 * (The HTTP client resolves the name again when it connects; the allow-list of hosts is what makes
 * a later, different DNS answer irrelevant for the default push services.)
 */
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- address ranges (BlockList) and IP literals: the SSRF guard of data-given URLs
import { BlockList, isIP } from 'node:net';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- resolves a data-given host to check every address it points to
import { promises as dns } from 'node:dns';

/** Loopback, private, link-local, shared, reserved, multicast and documentation ranges (IPv4 and IPv6). */
const NOT_PUBLIC = (() => {
	const b = new BlockList();
	for (const [net, bits] of [
		['0.0.0.0', 8],
		['10.0.0.0', 8],
		['100.64.0.0', 10],
		['127.0.0.0', 8],
		['169.254.0.0', 16],
		['172.16.0.0', 12],
		['192.0.0.0', 24],
		['192.0.2.0', 24],
		['192.168.0.0', 16],
		['198.18.0.0', 15],
		['198.51.100.0', 24],
		['203.0.113.0', 24],
		['224.0.0.0', 4],
		['240.0.0.0', 4],
	] as const)
		b.addSubnet(net, bits, 'ipv4');
	for (const [net, bits] of [
		['::', 128],
		['::1', 128],
		['64:ff9b::', 96],
		['100::', 64],
		['2001:db8::', 32],
		['fc00::', 7],
		['fe80::', 10],
		['ff00::', 8],
	] as const)
		b.addSubnet(net, bits, 'ipv6');
	return b;
})();

/** True for a public unicast IP address; false for private, loopback, link-local... or not an IP at all. */
export function isPublicAddress(ip: string): boolean {
	const bare = ip.replace(/^\[|\]$/g, '');
	const family = isIP(bare);
	if (family === 0) return false;
	if (family === 6) {
		const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
		if (mapped) return isPublicAddress(mapped[1]);
		// ::ffff:7f00:1 (hex form of a mapped IPv4 address)
		const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
		if (hex) {
			const n = (parseInt(hex[1], 16) << 16) | parseInt(hex[2], 16);
			return isPublicAddress([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'));
		}
		return !NOT_PUBLIC.check(bare, 'ipv6');
	}
	return !NOT_PUBLIC.check(bare, 'ipv4');
}

/** `fcm.googleapis.com` matches itself; `*.notify.windows.com` matches its subdomains only. */
export function hostMatches(host: string, patterns: readonly string[]): boolean {
	const h = host.toLowerCase().replace(/\.$/, '');
	return patterns.some((raw) => {
		const p = raw.trim().toLowerCase().replace(/\.$/, '');
		if (!p) return false;
		if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
		return h === p;
	});
}

export type Resolver = (hostname: string) => Promise<string[]>;

/** Every address the system resolver gives for a name. */
export const systemResolver: Resolver = async (hostname) => (await dns.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Resolves a host name (an IP literal is its own answer) and says whether every address is public.
 * A name that does not resolve is not public (nothing to connect to).
 */
export async function resolvesToPublic(hostname: string, resolve: Resolver = systemResolver): Promise<boolean> {
	const bare = hostname.replace(/^\[|\]$/g, '');
	if (isIP(bare)) return isPublicAddress(bare);
	let addresses: string[];
	try {
		addresses = await resolve(bare);
	} catch {
		return false;
	}
	return addresses.length > 0 && addresses.every(isPublicAddress);
}

/**
 * Whether the n8n admin allowed loopback/private push services on this server (test servers):
 * MICROSEGMENTS_WEBPUSH_ALLOW_PRIVATE=true in n8n's environment. A workflow cannot switch it on.
 */
export function privatePushAllowedByAdmin(): boolean {
	return process.env.MICROSEGMENTS_WEBPUSH_ALLOW_PRIVATE === 'true';
}
