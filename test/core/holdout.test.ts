import { HOLDOUT_BUCKETS, holdoutBucket, holdoutThreshold, isHeldOut } from '../../nodes/core/playbook/holdout';

/**
 * Golden buckets, computed independently with Python's hashlib:
 *   int.from_bytes(sha256((key + '\x1f' + id).encode()).digest()[:6], 'big') % 10000
 * If any of these changes, customers would silently switch between control and treatment groups.
 */
const GOLDEN: Record<string, Array<[string, number]>> = {
	'Champions VIP': [
		['1', 7920], ['2', 6230], ['3', 3653], ['42', 7916], ['1001', 8901], ['00004', 7875], ['cust_7', 2862],
		['C-123456', 9297], ['alice@example.com', 1989], ['9999999', 7114], ['émile', 4395], ['顧客-88', 3124],
		['0', 6097], ['00017', 2938], ['123456789012345678901234', 8496], ['x', 6212], ['y', 2131], ['z', 4838],
		['shop/1/2', 6698], ['Zoë', 7298],
	],
	'Win-back Q3': [
		['1', 9659], ['2', 3311], ['3', 1165], ['42', 1868], ['1001', 5042], ['00004', 13], ['cust_7', 230],
		['C-123456', 8427], ['alice@example.com', 1851], ['9999999', 6161], ['émile', 7371], ['顧客-88', 1484],
		['0', 5008], ['00017', 8819], ['123456789012345678901234', 7256], ['x', 3166], ['y', 5963], ['z', 2469],
		['shop/1/2', 2632], ['Zoë', 3178],
	],
};

describe('holdout bucket', () => {
	it.each(Object.keys(GOLDEN))('matches the golden list for campaign %s (stable across runs and machines)', (key) => {
		for (const [id, bucket] of GOLDEN[key]) expect([id, holdoutBucket(key, id)]).toEqual([id, bucket]);
	});

	it('gives the golden holdout members at 10 % (bucket < 1000)', () => {
		const members = GOLDEN['Win-back Q3'].filter(([id]) => isHeldOut('Win-back Q3', id, 10).holdout).map(([id]) => id);
		expect(members).toEqual(['00004', 'cust_7']);
	});

	it('reads composed and decomposed accents the same', () => {
		expect(holdoutBucket('K', 'e\u0301mile')).toBe(holdoutBucket('K', '\u00e9mile'));
	});

	it('keeps every bucket in [0, 10000)', () => {
		for (let i = 0; i < 5000; i++) {
			const b = holdoutBucket('c', `id-${i}`);
			expect(Number.isInteger(b) && b >= 0 && b < HOLDOUT_BUCKETS).toBe(true);
		}
	});
});

/**
 * The rule itself (bucket < threshold), through isHeldOut only: ids whose bucket is exactly a
 * threshold or its neighbour, and exact counts on a fixed id list. Figures from
 * test/fixtures/holdout/holdout_reference.py (Python hashlib, independent of the package).
 */
describe('who is held out', () => {
	const KEY = 'Champions VIP';
	const held = (id: string, percent: number) => isHeldOut(KEY, id, percent);

	it.each([
		// [id, its bucket, percent, held out]
		['171883', 999, 10, true],
		['176363', 999, 10, true],
		['156546', 1000, 10, false],
		['207520', 1000, 10, false],
		['125970', 1001, 10, false],
		['117843', 0, 0.01, true],
		['276904', 1, 0.01, false],
		['219105', 2500, 25, false],
		['219105', 2500, 25.01, true],
		['146900', 9999, 99.99, false],
		['146900', 9999, 100, true],
		['117843', 0, 0, false],
	])('id %s (bucket %d) at %d %%: held out = %s', (id, bucket, percent, holdout) => {
		expect(held(id as string, percent as number)).toEqual({ holdout, bucket });
	});

	const ids = Array.from({ length: 100000 }, (_, i) => String(100000 + i * 7));
	const count = (percent: number) => ids.reduce((n, id) => n + (held(id, percent).holdout ? 1 : 0), 0);

	it.each([
		[0.01, 7],
		[1, 1006],
		[5, 4949],
		[10, 9880],
		[25, 25022],
		[50, 50016],
		[90, 89941],
		[99.99, 99994],
	])('holds out exactly the reference count of 100,000 fixed ids at %d %% (%d)', (percent, expected) => {
		expect(count(percent)).toBe(expected);
	});

	it('raising the share only adds customers to the control group', () => {
		const at10 = ids.filter((id) => held(id, 10).holdout);
		const at20 = new Set(ids.filter((id) => held(id, 20).holdout));
		expect(at10).toHaveLength(9880);
		expect(at10.filter((id) => !at20.has(id))).toEqual([]);
	});

	it('another campaign key draws an independent group (overlap ≈ 10 % × 10 %)', () => {
		const a = ids.filter((id) => held(id, 10).holdout);
		const other = new Set(ids.filter((id) => isHeldOut('Win-back Q3', id, 10).holdout));
		const overlap = a.filter((id) => other.has(id)).length / ids.length;
		expect(overlap).toBeGreaterThan(0.007);
		expect(overlap).toBeLessThan(0.013);
	});
});

describe('holdoutThreshold', () => {
	it('maps percentages to bucket thresholds with 0.01 % steps and clamps bad values', () => {
		expect(holdoutThreshold(10)).toBe(1000);
		expect(holdoutThreshold(0.01)).toBe(1);
		expect(holdoutThreshold(12.345)).toBe(1235);
		expect(holdoutThreshold(0)).toBe(0);
		expect(holdoutThreshold(-5)).toBe(0);
		expect(holdoutThreshold(Number.NaN)).toBe(0);
		expect(holdoutThreshold(100)).toBe(10000);
		expect(holdoutThreshold(250)).toBe(10000);
	});

	it('holds out nobody at 0 % and everybody at 100 %', () => {
		expect(isHeldOut('k', '00004', 0).holdout).toBe(false);
		expect(isHeldOut('k', '00004', 100).holdout).toBe(true);
	});
});
