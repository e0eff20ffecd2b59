/**
 * Customer write state of the Shopify Admin mock (test/mocks/shopify.ts): tags changed by
 * `tagsAdd` / `tagsRemove` and metafields set by `metafieldsSet`, as Shopify answers them.
 * - tagsAdd / tagsRemove(id: ID!, tags: [String!]!): payload `{ node { id } userErrors }`; an
 *   unknown customer id → `node: null` and a userError on `id`; more than 250 tags or a tag over
 *   255 characters → a userError on `tags`; adding a tag the customer has (any case) or removing
 *   one it lacks changes nothing.
 * - metafieldsSet(metafields: [MetafieldsSetInput!]!): at most 25 inputs; atomic (one invalid
 *   input sets none); userErrors carry `elementIndex` and a code (INVALID_VALUE for JSON that does
 *   not parse or an owner that does not exist, INVALID_TYPE, TOO_SHORT / TOO_LONG for
 *   namespace/key, LESS_THAN_OR_EQUAL_TO for > 25 inputs).
 * `writes` counts real state changes only, so a test can prove that a rerun changed nothing.
 */
type Json = Record<string, unknown>;

export interface MockMetafield {
	id: string;
	namespace: string;
	key: string;
	type: string;
	value: string;
	updatedAt: string;
}

export interface WriteStats {
	/** Mutation fields received (tagsAdd, tagsRemove, metafieldsSet). */
	mutations: number;
	tagsAdded: number;
	tagsRemoved: number;
	metafieldsChanged: number;
}

const TYPES = new Set(['json', 'single_line_text_field', 'multi_line_text_field', 'number_integer', 'number_decimal', 'boolean']);

export class ShopifyWriteState {
	readonly tags = new Map<number, string[]>();
	readonly metafields = new Map<number, Map<string, MockMetafield>>();
	readonly writes: WriteStats = { mutations: 0, tagsAdded: 0, tagsRemoved: 0, metafieldsChanged: 0 };
	private nextMetafield = 1;

	constructor(
		private readonly customerCount: () => number,
		private readonly baseTags: (c: number) => string[],
	) {}

	/** Customer index of a GID, or undefined when the shop has no such customer. */
	indexOf(gid: unknown): number | undefined {
		const m = typeof gid === 'string' ? /^gid:\/\/shopify\/Customer\/(\d+)$/.exec(gid) : null;
		if (!m) return undefined;
		const c = Number(m[1]) - 7000000;
		return c >= 0 && c < this.customerCount() ? c : undefined;
	}

	tagsOf(c: number): string[] {
		return this.tags.get(c) ?? this.baseTags(c);
	}

	metafield(c: number, namespace: unknown, key: unknown): MockMetafield | null {
		return this.metafields.get(c)?.get(`${String(namespace)}.${String(key)}`) ?? null;
	}

	tagsChange(op: 'tagsAdd' | 'tagsRemove', id: unknown, tags: unknown): Json {
		this.writes.mutations++;
		const c = this.indexOf(id);
		if (c === undefined) return { node: null, userErrors: [{ field: ['id'], message: 'Customer does not exist' }] };
		const list = (Array.isArray(tags) ? tags : typeof tags === 'string' ? tags.split(',') : []).map((t) => String(t).trim()).filter(Boolean);
		if (list.some((t) => t.length > 255)) return { node: { __typename: 'Customer', id }, userErrors: [{ field: ['tags'], message: 'Tags is too long (maximum is 255 characters)' }] };
		const current = [...this.tagsOf(c)];
		const lower = new Set(current.map((t) => t.toLowerCase()));
		if (op === 'tagsAdd') {
			const fresh = list.filter((t, k) => !lower.has(t.toLowerCase()) && list.findIndex((u) => u.toLowerCase() === t.toLowerCase()) === k);
			if (current.length + fresh.length > 250) return { node: { __typename: 'Customer', id }, userErrors: [{ field: ['tags'], message: 'Tags cannot exceed 250' }] };
			if (fresh.length) this.tags.set(c, [...current, ...fresh].sort((a, b) => a.localeCompare(b)));
			this.writes.tagsAdded += fresh.length;
		} else {
			const drop = new Set(list.map((t) => t.toLowerCase()));
			const kept = current.filter((t) => !drop.has(t.toLowerCase()));
			this.writes.tagsRemoved += current.length - kept.length;
			if (kept.length !== current.length) this.tags.set(c, kept);
		}
		return { node: { __typename: 'Customer', id }, userErrors: [] };
	}

	private inputError(m: Json, k: number): Json | undefined {
		const err = (field: string, code: string, message: string) => ({ field: ['metafields', String(k), field], code, message, elementIndex: k });
		const ns = String(m.namespace ?? '');
		const key = String(m.key ?? '');
		if (this.indexOf(m.ownerId) === undefined) return err('ownerId', 'INVALID_VALUE', 'Owner does not exist.');
		if (ns.length < 3) return err('namespace', 'TOO_SHORT', 'Namespace is too short (minimum is 3 characters)');
		if (key.length < 2) return err('key', 'TOO_SHORT', 'Key is too short (minimum is 2 characters)');
		if (key.length > 64) return err('key', 'TOO_LONG', 'Key is too long (maximum is 64 characters)');
		if (!TYPES.has(String(m.type))) return err('type', 'INVALID_TYPE', 'Type must be one of the following: ...');
		if (m.type === 'json') {
			try {
				JSON.parse(String(m.value));
			} catch {
				return err('value', 'INVALID_VALUE', 'Value is invalid JSON: unexpected token.');
			}
		}
		return undefined;
	}

	metafieldsSet(inputs: unknown): Json {
		this.writes.mutations++;
		const list = Array.isArray(inputs) ? (inputs as Json[]) : [];
		if (list.length > 25)
			return { metafields: [], userErrors: [{ field: ['metafields'], code: 'LESS_THAN_OR_EQUAL_TO', message: 'Exceeded the maximum metafields input limit of 25.', elementIndex: null }] };
		const errors = list.map((m, k) => this.inputError(m, k)).filter((e): e is Json => e !== undefined);
		if (errors.length) return { metafields: [], userErrors: errors };
		const out: Json[] = [];
		for (const m of list) {
			const c = this.indexOf(m.ownerId)!;
			const own = this.metafields.get(c) ?? new Map<string, MockMetafield>();
			this.metafields.set(c, own);
			const name = `${String(m.namespace)}.${String(m.key)}`;
			const prev = own.get(name);
			const value = String(m.value);
			if (!prev || prev.value !== value || prev.type !== m.type) {
				own.set(name, { id: prev?.id ?? `gid://shopify/Metafield/${900000 + this.nextMetafield++}`, namespace: String(m.namespace), key: String(m.key), type: String(m.type), value, updatedAt: new Date().toISOString() });
				this.writes.metafieldsChanged++;
			}
			out.push({ __typename: 'Metafield', ...own.get(name)! });
		}
		return { metafields: out, userErrors: [] };
	}
}
