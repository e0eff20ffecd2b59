/**
 * Per-feature transforms and scaling applied before k-means, and their inverses (to report
 * centres in the customers' own units).
 *
 * - `log1p` is the signed form sign(x)·ln(1 + |x|): equal to ln(1 + x) for the usual non-negative
 *   counts and amounts, and still defined (and monotonic) for a negative net spend after refunds.
 * - Scalers follow scikit-learn: StandardScaler (population standard deviation), MinMaxScaler
 *   (to [0, 1]), RobustScaler (median and interquartile range, linear-interpolation quantiles);
 *   a feature that does not vary gets scale 1, so it becomes a constant and never a NaN.
 */

export type Transform = 'none' | 'log1p';
export type Scaling = 'zscore' | 'minmax' | 'robust' | 'none';

export const TRANSFORMS: readonly Transform[] = ['none', 'log1p'];
export const SCALINGS: readonly Scaling[] = ['zscore', 'minmax', 'robust', 'none'];

export function signedLog1p(x: number): number {
	return x < 0 ? -Math.log1p(-x) : Math.log1p(x);
}

export function inverseSignedLog1p(y: number): number {
	return y < 0 ? -Math.expm1(-y) : Math.expm1(y);
}

export function applyTransform(value: number, transform: Transform): number {
	return transform === 'log1p' ? signedLog1p(value) : value;
}

export function invertTransform(value: number, transform: Transform): number {
	return transform === 'log1p' ? inverseSignedLog1p(value) : value;
}

/** `x_scaled = (x - center) / scale`, per feature. */
export interface Scaler {
	scaling: Scaling;
	center: Float64Array;
	scale: Float64Array;
}

/** Linear-interpolation quantile of ascending-sorted values (numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
	const n = sorted.length;
	if (n === 0) return NaN;
	const h = (n - 1) * p;
	const lo = Math.floor(h);
	const hi = Math.min(n - 1, lo + 1);
	return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function fitScaler(X: Float64Array, n: number, d: number, scaling: Scaling): Scaler {
	const center = new Float64Array(d);
	const scale = new Float64Array(d).fill(1);
	if (n === 0 || scaling === 'none') return { scaling, center, scale };
	const col = new Float64Array(n);
	for (let j = 0; j < d; j++) {
		for (let i = 0; i < n; i++) col[i] = X[i * d + j];
		let c = 0;
		let s = 1;
		if (scaling === 'zscore') {
			let mean = 0;
			for (let i = 0; i < n; i++) mean += col[i];
			mean /= n;
			let ss = 0;
			for (let i = 0; i < n; i++) {
				const v = col[i] - mean;
				ss += v * v;
			}
			c = mean;
			s = Math.sqrt(ss / n);
		} else if (scaling === 'minmax') {
			let lo = Infinity;
			let hi = -Infinity;
			for (let i = 0; i < n; i++) {
				if (col[i] < lo) lo = col[i];
				if (col[i] > hi) hi = col[i];
			}
			c = lo;
			s = hi - lo;
		} else {
			col.sort();
			c = quantileSorted(col, 0.5);
			s = quantileSorted(col, 0.75) - quantileSorted(col, 0.25);
		}
		center[j] = c;
		// a constant feature (or one below rounding noise) is left unscaled, as scikit-learn does
		scale[j] = s > 10 * Number.EPSILON * Math.max(1, Math.abs(c)) ? s : 1;
	}
	return { scaling, center, scale };
}

export function applyScaler(X: Float64Array, n: number, d: number, scaler: Scaler): void {
	for (let i = 0; i < n; i++) {
		for (let j = 0; j < d; j++) X[i * d + j] = (X[i * d + j] - scaler.center[j]) / scaler.scale[j];
	}
}

export function unscale(value: number, j: number, scaler: Scaler): number {
	return value * scaler.scale[j] + scaler.center[j];
}
