/**
 * Content keys of write-back providers (keys.ts sendKeyOf, triage.ts): under one run key, a
 * customer whose written content changed (moved segment, new scores) is written again, one whose
 * content did not is skipped with 0 requests; messages keep one send per campaign, customer and
 * run key. Engine runs on a virtual clock with an in-memory transport.
 */
import { runDelivery, type DeliveryInput } from '../../nodes/core/delivery/engine';
import { canonicalJson, sendKeyOf } from '../../nodes/core/delivery/keys';
import { StaticDataLedger } from '../../nodes/core/delivery/ledger';
import { membershipContent } from '../../nodes/core/delivery/membership';
import { createKlaviyoProvider } from '../../nodes/core/delivery/providers/klaviyo';
import { createMailchimpProvider } from '../../nodes/core/delivery/providers/mailchimp';
import { createShopifyWriteProvider } from '../../nodes/core/delivery/providers/shopify';
import type { Provider, Recipient } from '../../nodes/core/delivery/types';
import { virtualClock } from '../../nodes/core/net/clock';
import type { HttpRequest, HttpTransport } from '../../nodes/core/net/http';

const MEMBERSHIP = { segmentField: 'rfm.segment', prefix: 'rfm: ' };

/** A write-back provider (one request per batch) whose content key is the membership change and the score; `message` drops the content key. */
function fakeProvider(message = false): Provider {
	return {
		id: message ? 'fakeMessage' : 'fakeWrite',
		limits: { maxBatchSize: 100, requestsPerInterval: 1000, intervalMs: 1000, concurrency: 1 },
		idempotencyWindowMs: Infinity,
		...(message ? {} : { contentKey: (fields: Record<string, unknown>) => canonicalJson({ tags: membershipContent(fields, MEMBERSHIP), score: (fields.rfm as { score?: number })?.score ?? null }) }),
		plan: (batch: Recipient[]) => [{ method: 'POST', url: 'http://x/', body: batch.map((r) => r.customerId) }],
		async send(batch, ctx) {
			await ctx.transport({ method: 'POST', url: 'http://x/', body: batch.map((r) => r.customerId) });
			return { kind: 'done', outcomes: batch.map((recipient) => ({ recipient, status: 'sent' as const })) };
		},
	};
}

function inputs(segments: string[], extra: (i: number) => Record<string, unknown> = () => ({})): DeliveryInput[] {
	return segments.map((segment, i) => ({ itemIndex: i, customerId: `c${i}`, address: `c${i}@example.com`, fields: { rfm: { segment, score: 3 }, ...extra(i) } }));
}

async function run(provider: Provider, items: DeliveryInput[], container: Record<string, unknown>) {
	const bodies: unknown[] = [];
	const transport: HttpTransport = async (req: HttpRequest) => {
		bodies.push(req.body);
		return { status: 200, headers: {}, body: {} };
	};
	const res = await runDelivery(items, { provider, transport, ledger: new StaticDataLedger(container), campaignKey: 'weekly-sync', runKey: 'fixed', clock: virtualClock(Date.now()) });
	return { res, bodies };
}

describe('content keys: write-back under an unchanged run key', () => {
	test('a send key without content is the campaign/customer/run key; content changes it, deterministically', () => {
		const plain = sendKeyOf('weekly-sync', 'c1', 'fixed');
		expect(plain).toMatch(/^[0-9a-f]{32}$/);
		expect(sendKeyOf('weekly-sync', 'c1', 'fixed', undefined)).toBe(plain);
		const champions = sendKeyOf('weekly-sync', 'c1', 'fixed', '{"segment":"Champions"}');
		expect(champions).not.toBe(plain);
		expect(sendKeyOf('weekly-sync', 'c1', 'fixed', '{"segment":"Champions"}')).toBe(champions);
		expect(sendKeyOf('weekly-sync', 'c1', 'fixed', '{"segment":"At Risk"}')).not.toBe(champions);
		expect(sendKeyOf('weekly-sync', 'c2', 'fixed', '{"segment":"Champions"}')).not.toBe(champions);
		expect(canonicalJson({ b: [1, { y: 2, x: 1 }], a: null })).toBe(canonicalJson({ a: null, b: [1, { x: 1, y: 2 }] }));
	});

	test('same run key: unchanged customers cost 0 requests, a moved customer is written again, alone', async () => {
		const container = {};
		const p = fakeProvider();
		const first = await run(p, inputs(['Champions', 'At Risk', 'Hibernating']), container);
		expect(first.res.summary).toMatchObject({ sent: 3, requests: 1 });
		const again = await run(p, inputs(['Champions', 'At Risk', 'Hibernating']), container);
		expect(again.res.summary).toMatchObject({ sent: 0, requests: 0 });
		expect(again.res.summary.skippedByReason).toEqual({ already_sent: 3 });
		const moved = inputs(['At Risk', 'At Risk', 'Hibernating'], (i) => (i === 0 ? { change: { type: 'moved', from: 'Champions', to: 'At Risk' } } : {}));
		const third = await run(p, moved, container);
		expect(third.res.summary).toMatchObject({ sent: 1, requests: 1, skipped: 2 });
		expect(third.bodies).toEqual([['c0']]);
		expect(third.res.records[0].sendKey).not.toBe(first.res.records[0].sendKey);
		expect(third.res.records[1].sendKey).toBe(first.res.records[1].sendKey);
		// A changed score is content too; a rerun of the same input changes nothing.
		const rescored = moved.map((m, i) => (i === 2 ? { ...m, fields: { ...m.fields, rfm: { segment: 'Hibernating', score: 1 } } } : m));
		expect((await run(p, rescored, container)).bodies).toEqual([['c2']]);
		expect((await run(p, rescored, container)).res.summary).toMatchObject({ sent: 0, requests: 0 });
	});

	test('a customer moving A → B → A → B week after week (Segment Changes) is written at every move, and not in between', async () => {
		const container = {};
		const p = fakeProvider();
		const week = (n: number, segment: string, from?: string) =>
			inputs([segment], () => ({ change: from ? { type: 'moved', from, to: segment, comparedWith: `2026-01-0${n - 1}T08:00:00Z` } : { type: n === 1 ? 'new' : 'unchanged', from: n === 1 ? null : segment, to: segment } }));
		const sent = async (items: DeliveryInput[]) => (await run(p, items, container)).res.summary.sent;
		expect(await sent(week(1, 'A'))).toBe(1);
		expect(await sent(week(2, 'B', 'A'))).toBe(1);
		// The week after a move: the move's removal is no longer part of the content, one (idempotent) rewrite.
		expect(await sent(week(3, 'B'))).toBe(1);
		expect(await sent(week(4, 'A', 'B'))).toBe(1);
		expect(await sent(week(5, 'A'))).toBe(0);
		expect(await sent(week(6, 'B', 'A'))).toBe(1);
		expect(await sent(week(7, 'B'))).toBe(0);
		expect(await sent(week(7, 'B'))).toBe(0);
	});

	test('messages keep one send per campaign, customer and run key, whatever changed', async () => {
		const container = {};
		const p = fakeProvider(true);
		expect((await run(p, inputs(['Champions', 'At Risk']), container)).res.summary.sent).toBe(2);
		const moved = await run(p, inputs(['At Risk', 'Champions']), container);
		expect(moved.res.summary).toMatchObject({ sent: 0, requests: 0 });
		expect(moved.res.summary.skippedByReason).toEqual({ already_sent: 2 });
	});

	test('the same customer twice in one run is written once, even with different content', async () => {
		const items = inputs(['Champions', 'At Risk']).map((x) => ({ ...x, customerId: 'same', address: 'same@example.com' }));
		const { res, bodies } = await run(fakeProvider(), items, {});
		expect(res.summary).toMatchObject({ sent: 1, requests: 1 });
		expect(res.summary.skippedByReason).toEqual({ duplicate: 1 });
		expect(bodies).toEqual([['same']]);
	});

	test('Klaviyo profiles, Shopify and Mailchimp name what they write; Klaviyo events have no content key', () => {
		const a = { rfm: { segment: 'Champions', score: 5 }, note: 'x' };
		const unrelated = { ...a, note: 'y' };
		const moved = { rfm: { segment: 'At Risk', score: 5 }, change: { type: 'moved', from: 'Champions', to: 'At Risk' } };
		const rescored = { rfm: { segment: 'Champions', score: 4 } };
		const providers = [
			createKlaviyoProvider({ action: 'profiles', properties: [{ property: 'rfm_score', field: 'rfm.score' }], segmentLists: true }),
			createShopifyWriteProvider({ baseUrl: 'http://x', apiVersion: '2025-01', membership: MEMBERSHIP, metafield: { namespace: 'micro', key: 'rfm', fields: ['rfm.score'] } }),
			createMailchimpProvider({ baseUrl: 'http://x', listId: 'l1', statusIfNew: 'subscribed', membership: MEMBERSHIP, mergeFields: [{ tag: 'RFMSCORE', field: 'rfm.score' }] }),
		];
		for (const p of providers) {
			const key = p.contentKey!;
			expect([p.id, key(unrelated)]).toEqual([p.id, key(a)]);
			expect([p.id, key(moved) === key(a)]).toEqual([p.id, false]);
			expect([p.id, key(rescored) === key(a)]).toEqual([p.id, false]);
		}
		expect(providers[0].contentKey!(moved)).toBe(canonicalJson({ properties: { rfm_score: 5 }, lists: { add: ['rfm: At Risk'], remove: ['rfm: Champions'] } }));
		const since = { ...moved, change: { ...moved.change, comparedWith: '2026-03-02T08:00:00.000Z' } };
		expect(providers[0].contentKey!(since)).toBe(
			canonicalJson({ properties: { rfm_score: 5 }, lists: { add: ['rfm: At Risk'], remove: ['rfm: Champions'], comparedWith: '2026-03-02T08:00:00.000Z' } }),
		);
		// Who stayed is written once, whatever snapshot Segment Changes compared with.
		const stayed = (at: string) => ({ rfm: { segment: 'Champions', score: 5 }, change: { type: 'unchanged', from: 'Champions', to: 'Champions', comparedWith: at } });
		for (const p of providers) expect([p.id, p.contentKey!(stayed('2026-03-02'))]).toEqual([p.id, p.contentKey!(stayed('2026-03-09'))]);
		expect(createKlaviyoProvider({ action: 'event' }).contentKey).toBeUndefined();
	});
});
