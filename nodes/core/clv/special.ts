/**
 * Special functions of the Customer Value models, written for their numerical care:
 * - lnGamma: simple-statistics' Lanczos gammaln (relative error about 1e-16 for x > 0, checked in
 *   test/core/clv-special.test.ts against Python's math.lgamma);
 * - digamma: recurrence up to x ≥ 10, then the asymptotic series (error below 1e-14);
 * - bgnbdGrowth: the hypergeometric part of the BG/NBD conditional expectation, after Euler's
 *   transformation so that its series converges fast whatever the number of purchases (below).
 */
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- runtime dependency of this package: Lanczos log-gamma
import { gammaln } from 'simple-statistics';

export function lnGamma(x: number): number {
	return gammaln(x);
}

export function digamma(x: number): number {
	let acc = 0;
	let y = x;
	while (y < 10) {
		acc -= 1 / y;
		y += 1;
	}
	const f = 1 / (y * y);
	// ln y - 1/(2y) - Σ B_2n / (2n y^2n), B_2n = 1/6, -1/30, 1/42, -1/30, 5/66, -691/2730, 7/6;
	// the first term left out is below 5e-17 for y ≥ 10
	const tail = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132 - f * (691 / 32760 - f / 12))))));
	return acc + Math.log(y) - 0.5 / y - tail;
}

/** Terms added at most by the series below (reached only when z is within 1e-5 of 1). */
const MAX_TERMS = 2_000_000;
const TOLERANCE = 1e-16;

/**
 * The BG/NBD conditional expectation (Fader, Hardie & Lee 2005, eq. 10) is
 *   E[Y(t) | x, t_x, T] = P(alive) * N,
 *   N = (a+b+x-1)/(a-1) * [1 - ((α+T)/(α+T+t))^(r+x) * 2F1(r+x, b+x; a+b+x-1; z)],  z = t/(α+T+t).
 * Euler's transformation 2F1(A,B;C;z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z) turns the hypergeometric
 * factor into (1-z)^(a-1) * 2F1(a+b-1-r, a-1; a+b+x-1; z): its upper parameters no longer grow with
 * x, so the series converges in a few terms for frequent buyers (the direct series needs hundreds).
 * With ε = a-1 and 2F1(A', ε; c; z) = 1 + ε G, where G = Σ_{n≥1} (A')_n (1+ε)_{n-1} / ((c)_n n!) z^n,
 *   N = c * [ -expm1(ε L)/ε - exp(ε L) G ],  L = ln(1-z) = -ln(1 + t/(α+T)),
 * which stays accurate as a → 1 (where the published form is 0/0; the limit is -L - G).
 *
 * `lnOneMinusZ` is L (≤ 0) and `z` = -expm1(L), passed both so that callers compute them once.
 */
export function bgnbdGrowth(r: number, a: number, b: number, x: number, z: number, lnOneMinusZ: number): number {
	const eps = a - 1;
	const c = a + b + x - 1;
	const A = a + b - 1 - r;
	const first = eps === 0 ? -lnOneMinusZ : -Math.expm1(eps * lnOneMinusZ) / eps;
	let term = (A / c) * z;
	let sum = term;
	for (let n = 1; n < MAX_TERMS; n++) {
		const ratio = ((A + n) * (eps + n) * z) / ((c + n) * (n + 1));
		term *= ratio;
		sum += term;
		// the ratio tends to z; a tail after this term is bounded by |term| q / (1 - q), q = max(|ratio|, z)
		const ar = Math.abs(ratio);
		const q = ar > z ? ar : z;
		if (q < 1 && Math.abs(term) * q <= TOLERANCE * (1 - q) * Math.abs(sum)) break;
		if (term === 0) break;
	}
	return c * (first - Math.exp(eps * lnOneMinusZ) * sum);
}
