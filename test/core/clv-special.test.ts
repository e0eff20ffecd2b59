/**
 * Special functions of the Customer Value core against mpmath at 50 digits
 * (test/fixtures/clv/special_reference.py -> special-reference.json).
 */
import * as fs from 'fs';
import * as path from 'path';
import { digamma, lnGamma } from '../../nodes/core/clv/special';
import { growth } from '../../nodes/core/clv/bgnbd';

const ref = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/clv/special-reference.json'), 'utf8'));

/** |got - want| relative to max(1, |want|): the accuracy of double arithmetic over a few operations. */
const err = (got: number, want: number) => Math.abs(got - want) / Math.max(1, Math.abs(want));

describe('clv special functions', () => {
	test('lnGamma (simple-statistics Lanczos) is accurate to 1e-14 from 0.001 to 1e5', () => {
		for (const [x, want] of ref.lnGamma as [number, number][]) expect({ x, err: err(lnGamma(x), want) < 1e-14 }).toEqual({ x, err: true });
	});

	test('digamma is accurate to 1e-14, on both sides of the switch to the asymptotic series at 10', () => {
		for (const [x, want] of ref.digamma as [number, number][]) expect({ x, err: err(digamma(x), want) < 1e-14 }).toEqual({ x, err: true });
		expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 15);
	});

	test('BG/NBD expectation (Euler-transformed series) matches the published hypergeometric form', () => {
		for (const c of ref.growth) {
			const got = growth({ r: c.r, alpha: c.alpha, a: c.a, b: c.b }, c.x, c.T, c.t);
			// 1e-12 relative: the series is summed to 1e-16; the rest is rounding in the prefactors
			expect({ case: c, rel: Math.abs(got - c.value) / Math.abs(c.value) < 1e-12 }).toEqual({ case: c, rel: true });
		}
	});

	test('the expectation is continuous through a = 1 and zero at t = 0', () => {
		const p = { r: 0.3, alpha: 10, b: 2 };
		const at1 = growth({ ...p, a: 1 }, 3, 20, 30);
		expect(Math.abs(growth({ ...p, a: 1 + 1e-12 }, 3, 20, 30) - at1)).toBeLessThan(1e-10);
		expect(Math.abs(growth({ ...p, a: 1 - 1e-12 }, 3, 20, 30) - at1)).toBeLessThan(1e-10);
		expect(growth({ ...p, a: 0.8 }, 3, 20, 0)).toBe(0);
	});
});
