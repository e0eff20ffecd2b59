/**
 * Cluster Customers, the whole computation on plain records (no n8n types):
 * read the numeric features (dotted paths), transform (log1p / none) and scale them, run k-means
 * for a fixed k or for every k of a range (best silhouette on a deterministic sample wins),
 * optionally separately inside each value of a group field (e.g. the RFM segment), then number
 * clusters by size, name them, and report per-cluster figures in the customers' own units.
 */
import { kmeans, type KMeansOptions, type KMeansResult } from './kmeans';
import { clusterLabels, featureKind } from './labels';
import { Random, mixSeed, sampleIndices } from './random';
import {
	applyScaler,
	applyTransform,
	fitScaler,
	invertTransform,
	unscale,
	type Scaler,
	type Scaling,
	type Transform,
} from './scaling';
import { silhouetteSample } from './silhouette';
import { getPath } from '../fields';

export type FeatureTransform = Transform | 'auto';

export interface FeatureSpec {
	/** Field to read; dotted paths read nested fields (`rfm.monetary`). */
	field: string;
	/** Default 'auto': none for recency, log1p for counts and money (see resolveTransform). */
	transform?: FeatureTransform;
}

export interface ClusterOptions {
	/** Default: RFM recency, frequency, monetary (+ average order value when every item has it). */
	features?: FeatureSpec[];
	scaling?: Scaling;
	/** 'auto' picks k in [kMin, kMax] by silhouette; 'fixed' uses k. Default 'auto'. */
	mode?: 'auto' | 'fixed';
	k?: number;
	kMin?: number;
	kMax?: number;
	/** k-means++ restarts; 0 or unset: 3 with a fixed k, 1 per k in auto mode. */
	nInit?: number;
	maxIter?: number;
	tol?: number;
	seed?: number;
	/** Points used for silhouette scores. Default 10,000. */
	sampleSize?: number;
	/**
	 * Silhouette scores with a fixed k (auto mode always scores, it chooses k by them). Default
	 * false: a fixed k needs no score, and scoring a 10,000-point sample costs O(sample² × d).
	 */
	silhouette?: boolean;
	/** Missing or non-numeric feature: throw (default) or leave the item unclustered and count it. */
	onInvalid?: 'error' | 'skip';
	/** Cluster separately inside each value of this field (e.g. 'rfm.segment'). */
	groupField?: string;
	/** Threads for k-means (see KMeansOptions.threads; same result for any number). Default min(2, cores). */
	threads?: number;
}

export interface ClusterTag {
	/** 1 = largest cluster (of its group). */
	index: number;
	label: string;
	/** Euclidean distance to the cluster centre, in the scaled feature space. */
	distance: number;
	/** With groups: "<group> · <index>", e.g. "Champions · 2". */
	key?: string;
	group?: string;
}

export interface SkippedItem {
	itemIndex: number;
	field: string;
	/** e.g. '"rfm.monetary" is missing' */
	reason: string;
	/** e.g. 'Item 3: "rfm.monetary" is missing' */
	message: string;
}

export interface ClusterSummary {
	group: string | null;
	index: number;
	label: string;
	key: string | null;
	size: number;
	/** size / all clustered customers */
	share: number;
	/** size / clustered customers of the group (equals share without groups) */
	shareOfGroup: number;
	/** The cluster centre mapped back to the original units (inverse scaling, then inverse log1p). */
	centroid: Record<string, number>;
	/** Plain average of the members' original values. */
	mean: Record<string, number>;
	/** Mean silhouette of the sampled members (null when none is in the sample or k = 1). */
	silhouette: number | null;
}

export interface KScore {
	k: number;
	silhouette: number | null;
	inertia: number;
}

export interface GroupRun {
	group: string | null;
	customers: number;
	k: number;
	/** Every k tried (auto mode) or the single k (fixed mode). */
	kTried: KScore[];
	silhouette: number | null;
	inertia: number;
	iterations: number;
	converged: boolean;
	sampleSize: number;
	notices: string[];
}

export interface ClusterReport {
	/** One entry per input record; null for a skipped record. */
	tags: (ClusterTag | null)[];
	skipped: SkippedItem[];
	clusters: ClusterSummary[];
	runs: GroupRun[];
	features: { field: string; transform: Transform }[];
	scaling: Scaling;
	mode: 'auto' | 'fixed';
	/** Run-level notices (skips, reduced k, AOV left out...). */
	notices: string[];
}

/** A feature value that cannot be used (error mode). */
export class ClusterInputError extends Error {
	constructor(
		message: string,
		readonly itemIndex: number,
		readonly field: string,
	) {
		super(message);
		this.name = 'ClusterInputError';
	}
}

/** Settings that cannot work with the data (e.g. more clusters than customers). */
export class ClusterConfigError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ClusterConfigError';
	}
}

export const RFM_FEATURES: readonly string[] = ['rfm.recencyDays', 'rfm.frequency', 'rfm.monetary'];
export const AOV_FEATURE = 'rfm.averageOrderValue';

export { getPath };

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A finite number, or a string holding one ("12.5"); otherwise why not. */
export function readNumber(value: unknown): number | { problem: string } {
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return { problem: 'is missing' };
	if (typeof value === 'number') return Number.isFinite(value) ? value : { problem: `is not a finite number (${String(value)})` };
	if (typeof value === 'string') {
		const s = value.trim();
		if (NUMERIC.test(s)) return Number(s);
		return { problem: 'is not a number (got text)' };
	}
	return { problem: `is not a number (got ${Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`})` };
}

/**
 * Where the features come from: items (`records`, read with getPath) or columns (a customer
 * table of a large run), as `value(i, field)`.
 */
export interface FieldSource {
	length: number;
	value(i: number, field: string): unknown;
}

function asSource(records: readonly unknown[] | FieldSource): FieldSource {
	if (!Array.isArray(records)) return records as FieldSource;
	return { length: records.length, value: (i, field) => getPath(records[i], field) };
}

/** RFM recency, frequency, monetary, plus average order value when every record has it. */
export function defaultFeatures(records: readonly unknown[] | FieldSource): FeatureSpec[] {
	const src = asSource(records);
	const out: FeatureSpec[] = RFM_FEATURES.map((field) => ({ field, transform: 'auto' as const }));
	let all = src.length > 0;
	for (let i = 0; i < src.length && all; i++) all = typeof readNumber(src.value(i, AOV_FEATURE)) === 'number';
	if (all) out.push({ field: AOV_FEATURE, transform: 'auto' });
	return out;
}

/**
 * 'auto' transform: none for recency (bounded by the shop's age, no long tail; days stay
 * readable), log1p for counts and money (long right tail: one big spender would dominate the
 * scale), and for any other field log1p when its values are all ≥ 0 and right-skewed (sample
 * skewness > 1), none otherwise.
 */
export function resolveTransform(field: string, transform: FeatureTransform | undefined, values: Float64Array): Transform {
	if (transform === 'none' || transform === 'log1p') return transform;
	const kind = featureKind(field);
	if (kind === 'recency') return 'none';
	if (kind !== 'other') return 'log1p';
	const n = values.length;
	if (n < 3) return 'none';
	let mean = 0;
	let min = Infinity;
	for (let i = 0; i < n; i++) {
		mean += values[i];
		if (values[i] < min) min = values[i];
	}
	if (min < 0) return 'none';
	mean /= n;
	let m2 = 0;
	let m3 = 0;
	for (let i = 0; i < n; i++) {
		const v = values[i] - mean;
		m2 += v * v;
		m3 += v * v * v;
	}
	m2 /= n;
	m3 /= n;
	if (!(m2 > 0)) return 'none';
	return m3 / Math.pow(m2, 1.5) > 1 ? 'log1p' : 'none';
}

export interface MatrixOptions {
	mode: 'auto' | 'fixed';
	k: number;
	kMin: number;
	kMax: number;
	nInit: number;
	maxIter: number;
	tol: number;
	seed: number;
	sampleSize: number;
	/** Fixed mode: throw when there are fewer points than k (else k is reduced with a notice). */
	strictK: boolean;
	/** Threads for k-means; unset = default (KMeansOptions.threads). */
	threads?: number;
	/** Score a fixed k by silhouette too (auto mode always does). */
	silhouette?: boolean;
}

export interface MatrixResult {
	result: KMeansResult;
	kTried: KScore[];
	silhouette: number | null;
	/** silhouette of each sampled point and the sample itself */
	sample: Int32Array;
	sampleValues: Float64Array;
	notices: string[];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * k-means runs the computation needs next. They are independent of each other; runSteps runs them
 * one after the other, each spread over the worker threads of kmeans() (its loops over points run
 * in fixed chunks on a small pool, so a run gives the same result on any number of threads).
 * Running whole k-means runs on separate threads was tried first and gave nothing on the loaded
 * 2-core bench machine; splitting every run's point loops does.
 */
export interface KMeansBatch {
	X: Float64Array;
	n: number;
	d: number;
	jobs: KMeansOptions[];
}

/** A computation that asks for k-means batches and finally returns T. */
export type Steps<T> = Generator<KMeansBatch, T, KMeansResult[]>;

/** Runs the batches of a computation here, one k-means after the other. */
export function runSteps<T>(steps: Steps<T>): T {
	let step = steps.next(undefined as unknown as KMeansResult[]);
	while (!step.done) {
		const b = step.value;
		step = steps.next(b.jobs.map((job) => kmeans(b.X, b.n, b.d, job)));
	}
	return step.value;
}

/** k-means (fixed k or auto-k by silhouette) on an already scaled n × d matrix with n ≥ 1. */
export function clusterMatrix(X: Float64Array, n: number, d: number, o: MatrixOptions): MatrixResult {
	return runSteps(matrixSteps(X, n, d, o));
}

/** clusterMatrix as steps: every k of the range is one job of a single batch. */
export function* matrixSteps(X: Float64Array, n: number, d: number, o: MatrixOptions): Steps<MatrixResult> {
	const notices: string[] = [];
	const scores = o.mode === 'auto' || o.silhouette === true;
	const sample = scores ? sampleIndices(n, Math.max(2, Math.floor(o.sampleSize)), new Random(mixSeed(o.seed, 0x51a3))) : new Int32Array(0);
	const m = sample.length;
	const score = (results: KMeansResult[]) =>
		silhouetteSample(
			X,
			d,
			sample,
			results.map((r) => ({ labels: r.labels, k: r.k })),
		);

	let candidates: number[];
	if (o.mode === 'fixed') {
		let k = Math.max(1, Math.floor(o.k));
		if (n < k) {
			if (o.strictK)
				throw new ClusterConfigError(
					`Number of Clusters is ${k} but only ${plural(n, 'customer')} can be clustered: lower the number of clusters or use Automatic`,
				);
			notices.push(`Only ${plural(n, 'customer')}: ${k} clusters reduced to ${n}`);
			k = n;
		}
		candidates = [k];
	} else {
		const lo = Math.max(2, Math.floor(o.kMin));
		const hiWanted = Math.max(lo, Math.floor(o.kMax));
		// silhouette needs 2 <= k <= points - 1 (in the sample)
		const hi = Math.min(hiWanted, n - 1, m - 1);
		if (hi < 2) {
			notices.push(`Only ${plural(n, 'customer')}: too few to compare cluster counts, all put in one cluster`);
			candidates = [1];
		} else {
			if (hi < hiWanted || lo > hi)
				notices.push(`Only ${plural(n, 'customer')}: cluster counts tried reduced to ${Math.min(lo, hi)}–${hi} (asked ${lo}–${hiWanted})`);
			candidates = [];
			for (let k = Math.min(lo, hi); k <= hi; k++) candidates.push(k);
		}
	}

	const all: KMeansResult[] = yield {
		X,
		n,
		d,
		jobs: candidates.map((k) => ({ k, nInit: o.nInit, maxIter: o.maxIter, tol: o.tol, seed: o.seed, threads: o.threads })),
	};
	const results: KMeansResult[] = [];
	for (let i = 0; i < candidates.length; i++) {
		const k = candidates[i];
		const r = all[i];
		if (r.k === k || !results.some((p) => p.k === r.k)) results.push(r);
		if (r.k < k) {
			notices.push(
				r.k === 1
					? 'All customers have the same feature values: one cluster'
					: `Only ${r.k} distinct customer profiles: ${k} clusters reduced to ${r.k}`,
			);
			break; // larger k cannot find more distinct points
		}
	}
	const scored = scores ? results.filter((r) => r.k >= 2) : [];
	const sil = score(scored);
	const kTried: KScore[] = results.map((r) => {
		const i = scored.indexOf(r);
		return { k: r.k, silhouette: i >= 0 ? sil[i].mean : null, inertia: r.inertia };
	});
	let best = 0;
	if (o.mode === 'auto') {
		for (let i = 1; i < results.length; i++) {
			const a = kTried[i].silhouette;
			const b = kTried[best].silhouette;
			if (a !== null && (b === null || a > b)) best = i;
		}
	} else best = results.length - 1;
	const chosen = results[best];
	const si = scored.indexOf(chosen);
	return {
		result: chosen,
		kTried,
		silhouette: si >= 0 ? sil[si].mean : null,
		sample,
		sampleValues: si >= 0 ? sil[si].values : new Float64Array(m),
		notices,
	};
}

const round = (v: number, digits: number) => {
	const f = 10 ** digits;
	const r = Math.round(v * f) / f;
	return r === 0 ? 0 : r; // no -0
};

function resolveOptions(options: ClusterOptions): MatrixOptions & { scaling: Scaling; onInvalid: 'error' | 'skip' } {
	const int = (v: number | undefined, def: number, min: number) => {
		const x = v === undefined || v === null || !Number.isFinite(v) ? def : Math.floor(v);
		return Math.max(min, x);
	};
	const mode = options.mode ?? 'auto';
	const kMin = int(options.kMin, 2, 2);
	return {
		mode,
		k: int(options.k, 4, 1),
		kMin,
		kMax: Math.max(kMin, int(options.kMax, 8, 2)),
		// 0 / unset = automatic: 3 restarts for a fixed k, 1 per k in automatic mode
		nInit: options.nInit && options.nInit >= 1 ? Math.floor(options.nInit) : mode === 'fixed' ? 3 : 1,
		maxIter: int(options.maxIter, 300, 1),
		tol: options.tol !== undefined && Number.isFinite(options.tol) && options.tol >= 0 ? options.tol : 1e-4,
		seed: int(options.seed, 42, -2147483648) | 0,
		sampleSize: int(options.sampleSize, 10000, 2),
		silhouette: options.silhouette === true,
		strictK: mode === 'fixed' && !options.groupField,
		threads: options.threads !== undefined && Number.isFinite(options.threads) && options.threads >= 1 ? Math.floor(options.threads) : undefined,
		scaling: options.scaling ?? 'zscore',
		onInvalid: options.onInvalid ?? 'error',
	};
}

/** Runs Cluster Customers on records; see the file comment. */
export function clusterRecords(records: readonly unknown[] | FieldSource, options: ClusterOptions = {}): ClusterReport {
	return runSteps(recordSteps(records, options));
}

/** clusterRecords as steps (one batch of k-means runs per group). */
export function* recordSteps(records: readonly unknown[] | FieldSource, options: ClusterOptions = {}): Steps<ClusterReport> {
	const o = resolveOptions(options);
	const src = asSource(records);
	const specs = options.features && options.features.length > 0 ? options.features : defaultFeatures(src);
	const fields = specs.map((s) => s.field.trim());
	fields.forEach((f, j) => {
		if (!f) throw new ClusterConfigError(`Feature ${j + 1} has no field name`);
	});
	const d = fields.length;
	const notices: string[] = [];
	const N = src.length;

	// read every feature of every record
	const raw = new Float64Array(N * d);
	const valid = new Uint8Array(N);
	const skipped: SkippedItem[] = [];
	for (let i = 0; i < N; i++) {
		let ok = true;
		for (let j = 0; j < d; j++) {
			const v = readNumber(src.value(i, fields[j]));
			if (typeof v === 'number') raw[i * d + j] = v;
			else {
				const reason = `"${fields[j]}" ${v.problem}`;
				const message = `Item ${i}: ${reason}`;
				if (o.onInvalid === 'error') throw new ClusterInputError(message, i, fields[j]);
				skipped.push({ itemIndex: i, field: fields[j], reason, message });
				ok = false;
				break;
			}
		}
		valid[i] = ok ? 1 : 0;
	}
	if (skipped.length > 0) notices.push(`${plural(skipped.length, 'item')} skipped (missing or non-numeric feature values)`);

	// transforms are decided on all valid records, so every group uses the same ones
	const validIdx: number[] = [];
	for (let i = 0; i < N; i++) if (valid[i]) validIdx.push(i);
	const transforms: Transform[] = fields.map((f, j) => {
		const col = new Float64Array(validIdx.length);
		validIdx.forEach((i, r) => (col[r] = raw[i * d + j]));
		return resolveTransform(f, specs[j].transform, col);
	});

	// groups, in order of first appearance
	const groupOf = (i: number): string | null => {
		if (!options.groupField) return null;
		const v = src.value(i, options.groupField);
		if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return '(empty)';
		return typeof v === 'object' ? JSON.stringify(v) : String(v);
	};
	const groups = new Map<string | null, number[]>();
	for (const i of validIdx) {
		const g = groupOf(i);
		const list = groups.get(g);
		if (list) list.push(i);
		else groups.set(g, [i]);
	}

	const tags: (ClusterTag | null)[] = new Array(N).fill(null);
	const clusters: ClusterSummary[] = [];
	const runs: GroupRun[] = [];
	const total = validIdx.length;
	for (const [group, members] of groups) {
		const n = members.length;
		const X = new Float64Array(n * d);
		for (let r = 0; r < n; r++)
			for (let j = 0; j < d; j++) X[r * d + j] = applyTransform(raw[members[r] * d + j], transforms[j]);
		const T = X.slice(); // transformed, unscaled (for names)
		const scaler: Scaler = fitScaler(X, n, d, o.scaling);
		applyScaler(X, n, d, scaler);
		const mr = yield* matrixSteps(X, n, d, o);
		const res = mr.result;
		const k = res.k;

		// number clusters by size (largest first; ties keep the algorithm's order)
		const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => res.sizes[b] - res.sizes[a] || a - b);
		const rank = new Int32Array(k);
		order.forEach((c, r) => (rank[c] = r));

		// names: centre vs the group's distribution, on the transformed scale
		const mean = new Float64Array(d);
		const sd = new Float64Array(d);
		for (let j = 0; j < d; j++) {
			let s = 0;
			for (let r = 0; r < n; r++) s += T[r * d + j];
			mean[j] = s / n;
			let ss = 0;
			for (let r = 0; r < n; r++) ss += (T[r * d + j] - mean[j]) ** 2;
			sd[j] = Math.sqrt(ss / n);
		}
		const centreT = order.map((c) => fields.map((_, j) => unscale(res.centers[c * d + j], j, scaler)));
		const z = centreT.map((row) => row.map((v, j) => (sd[j] > 1e-12 * Math.max(1, Math.abs(mean[j])) ? (v - mean[j]) / sd[j] : 0)));
		const profiles = clusterLabels(fields, z);
		const labels = profiles.map((p) => (group === null ? p : `${group} · ${p}`));

		// per-cluster sums of original values and silhouettes
		const sums = new Float64Array(k * d);
		for (let r = 0; r < n; r++) {
			const c = res.labels[r];
			for (let j = 0; j < d; j++) sums[c * d + j] += raw[members[r] * d + j];
		}
		const silSum = new Float64Array(k);
		const silCount = new Int32Array(k);
		if (mr.silhouette !== null) {
			mr.sample.forEach((r, s) => {
				silSum[res.labels[r]] += mr.sampleValues[s];
				silCount[res.labels[r]]++;
			});
		}

		for (let r = 0; r < n; r++) {
			const c = res.labels[r];
			const index = rank[c] + 1;
			const tag: ClusterTag = { index, label: labels[rank[c]], distance: round(res.distances[r], 6) };
			if (group !== null) {
				tag.key = `${group} · ${index}`;
				tag.group = group;
			}
			tags[members[r]] = tag;
		}
		order.forEach((c, r) => {
			const size = res.sizes[c];
			const centroid: Record<string, number> = {};
			const avg: Record<string, number> = {};
			fields.forEach((f, j) => {
				centroid[f] = round(invertTransform(centreT[r][j], transforms[j]), 4);
				avg[f] = round(sums[c * d + j] / size, 4);
			});
			clusters.push({
				group,
				index: r + 1,
				label: labels[r],
				key: group === null ? null : `${group} · ${r + 1}`,
				size,
				share: round(size / total, 6),
				shareOfGroup: round(size / n, 6),
				centroid,
				mean: avg,
				silhouette: mr.silhouette === null || silCount[c] === 0 ? null : round(silSum[c] / silCount[c], 6),
			});
		});
		runs.push({
			group,
			customers: n,
			k,
			kTried: mr.kTried.map((s) => ({
				k: s.k,
				silhouette: s.silhouette === null ? null : round(s.silhouette, 6),
				inertia: round(s.inertia, 6),
			})),
			silhouette: mr.silhouette === null ? null : round(mr.silhouette, 6),
			inertia: round(res.inertia, 6),
			iterations: res.iterations,
			converged: res.converged,
			sampleSize: mr.sample.length,
			notices: mr.notices,
		});
		for (const nt of mr.notices) notices.push(group === null ? nt : `${group}: ${nt}`);
	}
	return {
		tags,
		skipped,
		clusters,
		runs,
		features: fields.map((field, j) => ({ field, transform: transforms[j] })),
		scaling: o.scaling,
		mode: o.mode,
		notices,
	};
}
