/**
 * Shopify write-back (Admin GraphQL): each customer carries the tag of the current segment, loses
 * the previous segment's tag when Segment Changes says the customer moved or is gone
 * (membership.ts), and gets a JSON metafield (e.g. `microsegments.rfm`) with the scores, so
 * Shopify's own segments and flows can use them.
 * Per batch (≤ 25 customers, the metafieldsSet limit): one lookup query reads each customer's
 * tags and metafield (by id, or by email), then one mutation writes only what differs
 * (aliased tagsAdd / tagsRemove, one metafieldsSet). A customer already up to date costs no
 * mutation, so a rerun changes nothing; the writes are idempotent, so a batch whose answer was
 * lost is simply looked up and written again (idempotencyWindowMs = Infinity).
 * Pacing: Shopify's calculated query cost (shopifyGraphql.ts CostPacer); a THROTTLED answer waits
 * for the missing points. userErrors become per-customer failures; metafieldsSet is atomic, so the
 * other customers of a refused metafieldsSet are retried.
 */
import type { Clock } from '../../net/clock';
import { realClock } from '../../net/clock';
import type { HttpRequest, HttpResponse } from '../../net/http';
import { redact } from '../../net/redact';
import { assertSafePaths } from '../../fields';
import { canonicalJson } from '../keys';
import { membershipChange, membershipContent, type MembershipOptions } from '../membership';
import { resultForStatus } from '../status';
import type { BatchResult, Provider, ProviderLimits, Recipient, RecipientOutcome, SendContext } from '../types';
import { CostPacer, lookupDocument, mutationDocument, shopifyRef, validMetafieldName, waitForCost, throttleStatusOf, type CustomerWrite, type MetafieldRef } from './shopifyGraphql';
import { pickTemplateData } from './util';

export interface ShopifyWriteOptions {
	/** https://{shop}.myshopify.com (or a mock), without a trailing slash. */
	baseUrl: string;
	apiVersion: string;
	/** Only when the transport does not authenticate (tests, benches). */
	accessToken?: string;
	membership: MembershipOptions;
	/** The JSON metafield and the item fields it holds; undefined: no metafield. */
	metafield?: MetafieldRef & { fields: string[] };
	limits?: Partial<ProviderLimits>;
	clock?: Clock;
}

export const SHOPIFY_WRITE_LIMITS: ProviderLimits = { maxBatchSize: 25, requestsPerInterval: 40, intervalMs: 1000, concurrency: 1 };

interface Current {
	gid: string;
	tags: string[];
	metafield: string | null;
}

export { canonicalJson };

function sameJson(text: string | null, wanted: string): boolean {
	if (text === null) return false;
	try {
		return canonicalJson(JSON.parse(text)) === wanted;
	} catch {
		return false;
	}
}

/** What must be written for one customer, from what Shopify has now (undefined: nothing). */
export function shopifyWriteFor(r: Recipient, current: Current, o: Pick<ShopifyWriteOptions, 'membership' | 'metafield'>): CustomerWrite | undefined {
	const change = membershipChange(r.fields, o.membership);
	const has = new Map(current.tags.map((t) => [t.toLowerCase(), t]));
	const add = change.add.filter((t) => !has.has(t.toLowerCase()));
	const remove = change.remove.map((t) => has.get(t.toLowerCase())).filter((t): t is string => t !== undefined);
	let metafield: string | undefined;
	if (o.metafield) {
		const wanted = canonicalJson(pickTemplateData(r.fields, o.metafield.fields));
		if (!sameJson(current.metafield, wanted)) metafield = wanted;
	}
	if (!add.length && !remove.length && metafield === undefined) return undefined;
	return { gid: current.gid, add, remove, metafield };
}

type GqlBody = { data?: Record<string, unknown> | null; errors?: { message?: string; extensions?: { code?: string } }[] };

function readCurrent(node: unknown): Current | undefined {
	const n = node as { id?: unknown; tags?: unknown; metafield?: { value?: unknown } | null } | null;
	if (!n || typeof n.id !== 'string') return undefined;
	const tags = Array.isArray(n.tags) ? n.tags.map(String) : typeof n.tags === 'string' ? n.tags.split(',').map((t) => t.trim()).filter(Boolean) : [];
	return { gid: n.id, tags, metafield: typeof n.metafield?.value === 'string' ? n.metafield.value : null };
}

/** A GraphQL answer that is not data: THROTTLED waits, scope or cost problems stop the run. */
function graphqlProblem(res: HttpResponse, ctx: SendContext): BatchResult | undefined {
	if (res.status !== 200) return resultForStatus(res);
	const body = (res.body ?? {}) as GqlBody;
	const errors = body.errors ?? [];
	const codes = errors.map((e) => e.extensions?.code ?? '');
	if (codes.includes('THROTTLED')) {
		const status = throttleStatusOf(body);
		const cost = Number((body as { extensions?: { cost?: { requestedQueryCost?: unknown } } }).extensions?.cost?.requestedQueryCost);
		const afterMs = status && Number.isFinite(cost) ? Math.max(1000, waitForCost(status, ctx.now(), ctx.now(), cost)) : undefined;
		return { kind: 'retry', reason: 'throttled', afterMs };
	}
	if (codes.includes('ACCESS_DENIED'))
		return { kind: 'fatal', reason: 'access_denied', detail: `${redact(errors[0]?.message) ?? 'Access denied'} (the app needs the read_customers and write_customers scopes)`, stopRun: true };
	if (!body.data) return { kind: 'fatal', reason: codes[0] ? codes[0].toLowerCase() : 'graphql_error', detail: redact(errors[0]?.message), stopRun: true };
	return undefined;
}

export function createShopifyWriteProvider(o: ShopifyWriteOptions): Provider {
	assertSafePaths([o.membership.segmentField, ...(o.metafield?.fields ?? [])], 'Shopify fields');
	if (o.metafield && !validMetafieldName(o.metafield.namespace, o.metafield.key))
		throw new Error('Metafield namespace (3-255) and key (2-64) may hold only letters, digits, hyphens and underscores');
	const url = `${o.baseUrl.replace(/\/+$/, '')}/admin/api/${encodeURIComponent(o.apiVersion)}/graphql.json`;
	const limits = { ...SHOPIFY_WRITE_LIMITS, ...(o.limits ?? {}) };
	limits.maxBatchSize = Math.min(25, Math.max(1, limits.maxBatchSize));
	const pacer = new CostPacer(o.clock ?? realClock);
	const mf = o.metafield ? { namespace: o.metafield.namespace, key: o.metafield.key } : undefined;
	const request = (doc: { query: string; variables: Record<string, unknown> }): HttpRequest => ({
		method: 'POST',
		url,
		headers: { 'content-type': 'application/json', ...(o.accessToken ? { 'x-shopify-access-token': o.accessToken } : {}) },
		body: { query: doc.query, variables: doc.variables },
		timeoutMs: 30000,
	});
	const post = async (doc: { query: string; variables: Record<string, unknown>; cost: number }, ctx: SendContext) => {
		await pacer.reserve(doc.cost);
		const res = await ctx.transport(request(doc));
		pacer.observe(res.body);
		return res;
	};
	const refsOf = (batch: Recipient[]) => batch.map((r) => shopifyRef(r.address)!);

	async function send(batch: Recipient[], ctx: SendContext): Promise<BatchResult> {
		const looked = await post(lookupDocument(refsOf(batch), mf), ctx);
		const problem = graphqlProblem(looked, ctx);
		if (problem) return problem;
		const data = (looked.body as GqlBody).data ?? {};
		const outcomes: RecipientOutcome[] = [];
		const writes: (CustomerWrite | undefined)[] = [];
		const pending: number[] = [];
		batch.forEach((r, i) => {
			const node = refsOf([r])[0].kind === 'id' ? data[`c${i}`] : (data[`c${i}`] as { nodes?: unknown[] } | null)?.nodes?.[0];
			const current = readCurrent(node);
			if (!current) return void outcomes.push({ recipient: r, status: 'failed', reason: 'not_found', detail: 'No Shopify customer with this id or email' });
			const w = shopifyWriteFor(r, current, o);
			writes[i] = w;
			if (w) pending.push(i);
			else outcomes.push({ recipient: r, status: 'sent', messageId: current.gid, detail: 'unchanged' });
		});
		if (pending.length === 0) return { kind: 'done', outcomes };
		const doc = mutationDocument(writes, mf)!;
		const res = await post(doc, ctx);
		const mproblem = graphqlProblem(res, ctx);
		if (mproblem) return mproblem;
		return { kind: 'done', outcomes: [...outcomes, ...mutationOutcomes(batch, pending, writes, (res.body as GqlBody).data ?? {})] };
	}

	return {
		id: 'shopify',
		limits,
		idempotencyWindowMs: Infinity,
		// What a customer gets: the tag added, the tag removed, the metafield's fields.
		contentKey: (fields) =>
			canonicalJson({ tags: membershipContent(fields, o.membership), metafield: o.metafield ? pickTemplateData(fields, o.metafield.fields) : null }),
		addressKey: (a) => {
			const ref = shopifyRef(a);
			return ref ? (ref.kind === 'id' ? ref.gid : ref.email) : a;
		},
		validate: (r) => {
			if (!shopifyRef(r.address)) return 'invalid_address';
			const change = membershipChange(r.fields, o.membership);
			if ([...change.add, ...change.remove].some((t) => t.includes(',') || t.length > 255)) return 'invalid_tag';
			return undefined;
		},
		plan(batch) {
			const refs = refsOf(batch);
			const guess = batch.map((r, i) => shopifyWriteFor(r, { gid: refs[i].kind === 'id' ? (refs[i] as { gid: string }).gid : `<id of item ${r.itemIndex}>`, tags: membershipChange(r.fields, o.membership).remove, metafield: null }, o));
			const m = mutationDocument(guess, mf);
			return m ? [request(lookupDocument(refs, mf)), request(m)] : [request(lookupDocument(refs, mf))];
		},
		send,
	};
}

/** Per-customer outcomes of the write mutation (userErrors of its aliases, metafieldsSet atomic). */
function mutationOutcomes(batch: Recipient[], pending: number[], writes: (CustomerWrite | undefined)[], data: Record<string, unknown>): RecipientOutcome[] {
	type Payload = { userErrors?: { field?: string[] | null; message?: string; elementIndex?: number | null }[] } | null;
	const m = data.m as Payload | undefined;
	const mfErrors = m?.userErrors ?? [];
	// elementIndex counts the metafields of the call, in the order of the customers written.
	const mfOrder = pending.filter((i) => writes[i]!.metafield !== undefined);
	const mfFailed = new Map<number, string>();
	for (const e of mfErrors) {
		const idx = typeof e.elementIndex === 'number' ? mfOrder[e.elementIndex] : undefined;
		if (idx !== undefined) mfFailed.set(idx, e.message ?? 'refused');
	}
	return pending.map((i): RecipientOutcome => {
		const r = batch[i];
		const w = writes[i]!;
		const errs = [data[`a${i}`], data[`r${i}`]].flatMap((p) => (p as Payload)?.userErrors ?? []).map((e) => e.message ?? 'refused');
		if (errs.length) return { recipient: r, status: 'failed', reason: 'user_error', detail: redact(errs.join('; ')) };
		if (mfFailed.has(i)) return { recipient: r, status: 'failed', reason: 'metafield_error', detail: redact(mfFailed.get(i)) };
		if (w.metafield !== undefined && mfErrors.length > 0)
			return { recipient: r, status: 'failed', reason: 'metafield_batch_refused', detail: 'Shopify refused the metafields of another customer in the same call (nothing was set): retried', retryable: true };
		const done = [w.add.length ? `+${w.add.join('|')}` : '', w.remove.length ? `-${w.remove.join('|')}` : '', w.metafield !== undefined ? 'metafield' : ''].filter(Boolean).join(' ');
		return { recipient: r, status: 'sent', messageId: w.gid, detail: done };
	});
}
