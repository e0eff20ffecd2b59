/**
 * A small deterministic quasi-Newton minimizer (BFGS, Nocedal & Wright 2006, algorithm 6.1) for the
 * model fits: a fixed starting point, an Armijo line search that backtracks by quadratic
 * interpolation (N&W section 3.5), no randomness, so the same data gives the same parameters on
 * every machine. The functions it minimizes work on log-parameters (every model parameter is
 * positive) and return NaN or Infinity outside their domain, which the line search treats as "too
 * far".
 */

export interface Objective {
	/** Writes the gradient into `grad` and returns the value at `theta`. */
	(theta: Float64Array, grad: Float64Array): number;
}

export interface MinimizeOptions {
	/** Stop when every gradient component is below this (default 1e-9). */
	gradientTolerance?: number;
	/** Iteration cap (default 1000). */
	maxIterations?: number;
	/** Largest move of one log-parameter in one step (default 3: a factor e^3 ≈ 20). */
	maxStep?: number;
}

export interface MinimizeResult {
	theta: Float64Array;
	value: number;
	gradient: Float64Array;
	iterations: number;
	evaluations: number;
	/** True when the gradient test was met (not merely the iteration cap or a stalled line search). */
	converged: boolean;
}

function dot(u: Float64Array, v: Float64Array): number {
	let s = 0;
	for (let i = 0; i < u.length; i++) s += u[i] * v[i];
	return s;
}

function maxAbs(u: Float64Array): number {
	let m = 0;
	for (let i = 0; i < u.length; i++) m = Math.max(m, Math.abs(u[i]));
	return m;
}

/** Inverse-Hessian update H <- (I - ρ s yᵀ) H (I - ρ y sᵀ) + ρ s sᵀ. */
function bfgsUpdate(H: Float64Array[], s: Float64Array, y: Float64Array, sy: number): void {
	const n = s.length;
	const rho = 1 / sy;
	const Hy = new Float64Array(n);
	for (let i = 0; i < n; i++) Hy[i] = dot(H[i], y);
	const yHy = dot(y, Hy);
	for (let i = 0; i < n; i++)
		for (let j = 0; j < n; j++) H[i][j] += rho * ((1 + rho * yHy) * s[i] * s[j] - Hy[i] * s[j] - s[i] * Hy[j]);
}

function identity(n: number, scale = 1): Float64Array[] {
	return Array.from({ length: n }, (_, i) => {
		const row = new Float64Array(n);
		row[i] = scale;
		return row;
	});
}

/**
 * The next trial step after a rejected one: the minimum of the quadratic through f(0), f'(0) and
 * f(step), kept within [0.1, 0.5] × step (a tenth when the trial was outside the domain).
 */
function backtrack(step: number, f0: number, slope: number, fStep: number): number {
	if (!Number.isFinite(fStep)) return 0.1 * step;
	const q = (-slope * step * step) / (2 * (fStep - f0 - slope * step));
	return Math.min(0.5 * step, Math.max(0.1 * step, q));
}

export function minimize(f: Objective, start: ArrayLike<number>, options: MinimizeOptions = {}): MinimizeResult {
	const gtol = options.gradientTolerance ?? 1e-9;
	const maxIterations = options.maxIterations ?? 1000;
	const maxStep = options.maxStep ?? 3;
	const n = start.length;
	let x = Float64Array.from(start);
	let g = new Float64Array(n);
	let fx = f(x, g);
	let evaluations = 1;
	if (!Number.isFinite(fx)) throw new Error('The starting point of the fit is outside the model\'s domain');
	let H = identity(n);
	let scaled = false;
	const p = new Float64Array(n);
	let iterations = 0;
	let converged = maxAbs(g) < gtol;
	while (!converged && iterations < maxIterations) {
		iterations++;
		for (let i = 0; i < n; i++) p[i] = -dot(H[i], g);
		let slope = dot(g, p);
		if (!(slope < 0)) {
			// not a descent direction (H lost positive definiteness): restart from steepest descent
			H = identity(n);
			for (let i = 0; i < n; i++) p[i] = -g[i];
			slope = dot(g, p);
		}
		let step = Math.min(1, maxStep / Math.max(maxAbs(p), 1e-300));
		const xNew = new Float64Array(n);
		const gNew = new Float64Array(n);
		let fNew = NaN;
		let accepted = false;
		for (let k = 0; k < 60; k++) {
			for (let i = 0; i < n; i++) xNew[i] = x[i] + step * p[i];
			fNew = f(xNew, gNew);
			evaluations++;
			if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * step * slope) {
				accepted = true;
				break;
			}
			step = backtrack(step, fx, slope, fNew);
		}
		if (!accepted) break; // no decrease possible at machine precision: as close as it gets
		const s = new Float64Array(n);
		const y = new Float64Array(n);
		for (let i = 0; i < n; i++) {
			s[i] = xNew[i] - x[i];
			y[i] = gNew[i] - g[i];
		}
		const sy = dot(s, y);
		if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
			if (!scaled) {
				// first update: scale the initial inverse Hessian to the curvature seen (N&W eq. 6.20)
				H = identity(n, sy / dot(y, y));
				scaled = true;
			}
			bfgsUpdate(H, s, y, sy);
		}
		const progress = fx - fNew;
		x = xNew;
		g = gNew;
		fx = fNew;
		converged = maxAbs(g) < gtol;
		if (!converged && progress <= 1e-16 * Math.max(1, Math.abs(fx)) && maxAbs(g) < 1e3 * gtol) converged = true;
	}
	return { theta: x, value: fx, gradient: g, iterations, evaluations, converged };
}
