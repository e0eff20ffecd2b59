/**
 * Shopify Admin GraphQL documents and cost pacing for the Shopify write-back provider
 * (shopify.ts). One batch is at most two documents:
 * - a lookup query: one aliased field per customer, `customer(id:)` for a Shopify id or
 *   `customers(first: 1, query: "email:...")` for an email, reading its tags and the metafield;
 * - a mutation: aliased `tagsAdd` / `tagsRemove` per customer that needs them and one
 *   `metafieldsSet` for every metafield that differs (≤ 25 per call, atomic in Shopify).
 * Values travel as GraphQL variables; only the validated metafield namespace/key are literals.
 * Pacing follows Shopify's calculated query cost: a leaky bucket (`maximumAvailable`,
 * `currentlyAvailable`, `restoreRate` in `extensions.cost.throttleStatus`), estimated before each
 * document and corrected from every answer.
 */
import type { Clock } from '../../net/clock';

/** A customer reference: a Shopify customer GID or an email to look up. */
export type ShopifyRef = { kind: 'id'; gid: string } | { kind: 'email'; email: string };

const ID_RE = /^(?:gid:\/\/shopify\/Customer\/)?(\d{1,20})$/;

/** `123`, `gid://shopify/Customer/123` → id ref; an email → email ref; anything else → undefined. */
export function shopifyRef(address: string): ShopifyRef | undefined {
	const a = address.trim();
	const m = ID_RE.exec(a);
	if (m) return { kind: 'id', gid: `gid://shopify/Customer/${m[1]}` };
	if (/^[^\s@"\\,;<>()[\]]+@[^\s@"\\,;<>()[\]]+\.[^\s@"\\,;<>()[\].]{2,}$/.test(a)) return { kind: 'email', email: a.toLowerCase() };
	return undefined;
}

/** Shopify: namespace 3-255, key 2-64 characters; letters, digits, hyphens and underscores. */
export function validMetafieldName(namespace: string, key: string): boolean {
	return /^[A-Za-z0-9_-]{3,255}$/.test(namespace) && /^[A-Za-z0-9_-]{2,64}$/.test(key);
}

export interface MetafieldRef {
	namespace: string;
	key: string;
}

/** The lookup query of a batch, with its variables and an upper estimate of its cost. */
export function lookupDocument(refs: ShopifyRef[], mf: MetafieldRef | undefined): { query: string; variables: Record<string, unknown>; cost: number } {
	const fields = `id tags${mf ? ` metafield(namespace: "${mf.namespace}", key: "${mf.key}") { value }` : ''}`;
	const defs: string[] = [];
	const parts: string[] = [];
	const variables: Record<string, unknown> = {};
	let cost = 0;
	refs.forEach((ref, i) => {
		if (ref.kind === 'id') {
			defs.push(`$id${i}: ID!`);
			variables[`id${i}`] = ref.gid;
			parts.push(`c${i}: customer(id: $id${i}) { ${fields} }`);
			cost += 2;
		} else {
			defs.push(`$q${i}: String!`);
			variables[`q${i}`] = `email:"${ref.email}"`;
			parts.push(`c${i}: customers(first: 1, query: $q${i}) { nodes { ${fields} } }`);
			cost += 4;
		}
	});
	return { query: `query MicroLookup(${defs.join(', ')}) { ${parts.join(' ')} }`, variables, cost };
}

/** What one customer needs written. */
export interface CustomerWrite {
	gid: string;
	add: string[];
	remove: string[];
	/** JSON text of the metafield, when it differs from Shopify's. */
	metafield?: string;
}

/** The write mutation of a batch (aliases a{i} / r{i} per customer index, `m` for metafieldsSet). */
export function mutationDocument(writes: (CustomerWrite | undefined)[], mf: MetafieldRef | undefined): { query: string; variables: Record<string, unknown>; cost: number } | undefined {
	const defs: string[] = [];
	const parts: string[] = [];
	const variables: Record<string, unknown> = {};
	const metafields: Record<string, string>[] = [];
	writes.forEach((w, i) => {
		if (!w) return;
		if (w.add.length || w.remove.length) {
			defs.push(`$id${i}: ID!`);
			variables[`id${i}`] = w.gid;
		}
		if (w.add.length) {
			defs.push(`$add${i}: [String!]!`);
			variables[`add${i}`] = w.add;
			parts.push(`a${i}: tagsAdd(id: $id${i}, tags: $add${i}) { node { id } userErrors { field message } }`);
		}
		if (w.remove.length) {
			defs.push(`$rm${i}: [String!]!`);
			variables[`rm${i}`] = w.remove;
			parts.push(`r${i}: tagsRemove(id: $id${i}, tags: $rm${i}) { node { id } userErrors { field message } }`);
		}
		if (w.metafield !== undefined && mf) metafields.push({ ownerId: w.gid, namespace: mf.namespace, key: mf.key, type: 'json', value: w.metafield });
	});
	if (metafields.length) {
		defs.push('$mf: [MetafieldsSetInput!]!');
		variables.mf = metafields;
		parts.push('m: metafieldsSet(metafields: $mf) { metafields { id } userErrors { field message code elementIndex } }');
	}
	if (parts.length === 0) return undefined;
	// Shopify: 10 points per mutation field, plus 1 per object selected in its payload (3 here).
	return { query: `mutation MicroWriteBack(${defs.join(', ')}) { ${parts.join(' ')} }`, variables, cost: parts.length * 13 };
}

export interface ThrottleStatus {
	maximumAvailable: number;
	currentlyAvailable: number;
	restoreRate: number;
}

/** Reads `extensions.cost.throttleStatus` from a GraphQL answer. */
export function throttleStatusOf(body: unknown): ThrottleStatus | undefined {
	const t = (body as { extensions?: { cost?: { throttleStatus?: Partial<ThrottleStatus> } } } | undefined)?.extensions?.cost?.throttleStatus;
	if (!t) return undefined;
	const max = Number(t.maximumAvailable);
	const cur = Number(t.currentlyAvailable);
	const rate = Number(t.restoreRate);
	return Number.isFinite(max) && Number.isFinite(cur) && Number.isFinite(rate) && rate > 0 ? { maximumAvailable: max, currentlyAvailable: cur, restoreRate: rate } : undefined;
}

/** Milliseconds until `cost` points are available, from a throttle status read at `at`. */
export function waitForCost(status: ThrottleStatus, at: number, now: number, cost: number): number {
	const available = Math.min(status.maximumAvailable, status.currentlyAvailable + ((now - at) / 1000) * status.restoreRate);
	return available >= cost ? 0 : Math.ceil(((cost - available) / status.restoreRate) * 1000);
}

/**
 * The bucket as this run last saw it: before a document, wait until its estimated cost is
 * available; after an answer, take Shopify's figures. Shared by the batches of one run.
 */
export class CostPacer {
	private status: ThrottleStatus | undefined;
	private at = 0;
	/** Time spent waiting for points (ms). */
	waitedMs = 0;

	constructor(private readonly clock: Clock) {}

	async reserve(cost: number): Promise<void> {
		if (!this.status) return;
		const now = this.clock.now();
		const wait = waitForCost(this.status, this.at, now, Math.min(cost, this.status.maximumAvailable));
		if (wait > 0) {
			this.waitedMs += wait;
			await this.clock.sleep(wait);
		}
		const after = this.clock.now();
		const available = Math.min(this.status.maximumAvailable, this.status.currentlyAvailable + ((after - this.at) / 1000) * this.status.restoreRate);
		this.status = { ...this.status, currentlyAvailable: available - cost };
		this.at = after;
	}

	observe(body: unknown): ThrottleStatus | undefined {
		const s = throttleStatusOf(body);
		if (s) {
			this.status = s;
			this.at = this.clock.now();
		}
		return s;
	}
}
