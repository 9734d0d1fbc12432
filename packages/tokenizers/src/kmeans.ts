/**
 * Spherical k-means on ℓ2-normalised patches (paper §5.5; paper.md Decision 6 and §8 row 9): Lloyd
 * iterations where the assignment is the tokenizer's own rule (argmax of dot product with unit
 * centroids) and the update is the ℓ2-normalised sum of each cluster's members.
 *
 * Assignment runs on the tfjs backend as chunked flag-free matmuls (`nearestCodewordWithScore`); sums
 * and bookkeeping run on the host in float64 over chunked Float32Array rows, so 3M × 192 patches fit in
 * ~2.3 GB with no giant tensor. Async, cancellable (AbortSignal), Node- and browser-safe.
 *
 * Inertia is sklearn's: Σ_i ‖x_i − c_a(i)‖² (= Σ 2 − 2·cos for unit vectors), computed at each
 * iteration's assignment step against that iteration's centroids.
 * Empty clusters are re-seeded from the points farthest from their centroid (lowest best score,
 * ties by index), one distinct point per empty cluster, in cluster order (as sklearn's relocation does).
 */
import { createRng, InvalidArgumentError, type Rng } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { nearestCodewordWithScore } from './codebook';
import type { RowStore } from './internal/row-store';

/** Per-iteration report passed to `onProgress`. */
export interface KMeansProgress {
  /** 0-based iteration index. */
  readonly iteration: number;
  readonly iterations: number;
  /** Σ‖x − c‖² of this iteration's assignment. */
  readonly inertia: number;
  /** Points whose cluster changed since the previous iteration (all points at iteration 0). */
  readonly changed: number;
  /** Clusters that received no point and were re-seeded. */
  readonly emptyClusters: number;
}

/** Options of `sphericalKMeans`. */
export interface SphericalKMeansOptions {
  /** Maximum Lloyd iterations; stops early once no assignment changes and no cluster is empty. */
  iterations: number;
  signal?: AbortSignal;
  onProgress?: (p: KMeansProgress) => void;
  /** Bound on the [rows, V] score matrix per matmul (default 2^22 elements). */
  maxScoreElements?: number;
}

/** Result of `sphericalKMeans`. */
export interface KMeansResult {
  /** Final unit centroids, rows [V, P]. */
  readonly centroids: Float32Array;
  /** Inertia per iteration. */
  readonly inertia: number[];
  /** Assignment of every point at the last iteration (against the centroids before its update). */
  readonly assignments: Int32Array;
  readonly iterationsRun: number;
  readonly emptyClustersReseeded: number;
}

function rowSq(a: ArrayLike<number>, o: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += a[o + j] * a[o + j];
  return s;
}

/** Uploads host centroid rows [V, P] as the codebook tensor [P, V]. */
function centroidTensor(c: Float32Array, v: number, d: number): tf.Tensor2D {
  return tf.tidy(() => tf.transpose(tf.tensor2d(c, [v, d]))) as tf.Tensor2D;
}

/** One assignment pass: per-point ids/scores and per-cluster float64 sums. */
async function assignAll(rows: RowStore, c: Float32Array, v: number, opts: SphericalKMeansOptions) {
  const d = rows.dim;
  const cT = centroidTensor(c, v, d);
  const ids = new Int32Array(rows.count);
  const scores = new Float32Array(rows.count);
  const sums = new Float64Array(v * d);
  const counts = new Int32Array(v);
  const csq = new Float64Array(v);
  for (let i = 0; i < v; i++) csq[i] = rowSq(c, i * d, d);
  let inertia = 0;
  try {
    for (let k = 0, base = 0; k < rows.numChunks; k++) {
      opts.signal?.throwIfAborted();
      const x = rows.chunk(k);
      const n = x.length / d;
      const xt = tf.tensor2d(x, [n, d]);
      let res: ReturnType<typeof nearestCodewordWithScore>;
      try {
        res = nearestCodewordWithScore(xt, cT, opts.maxScoreElements);
      } finally {
        xt.dispose();
      }
      const [a, s] = await Promise.all([res.ids.data(), res.scores.data()]);
      tf.dispose([res.ids, res.scores]);
      for (let i = 0; i < n; i++) {
        const cl = a[i];
        ids[base + i] = cl;
        scores[base + i] = s[i];
        counts[cl]++;
        const o = i * d;
        const so = cl * d;
        let xsq = 0;
        for (let j = 0; j < d; j++) {
          const xv = x[o + j];
          sums[so + j] += xv;
          xsq += xv * xv;
        }
        inertia += Math.max(0, xsq + csq[cl] - 2 * s[i]);
      }
      base += n;
    }
  } finally {
    cT.dispose();
  }
  return { ids, scores, sums, counts, inertia };
}

/** Indices of the `count` points with the lowest best score (ties by index). */
function farthestPoints(scores: Float32Array, count: number): number[] {
  if (count === 0) return []; // the common case: no sort of N scores
  const idx = Array.from(scores.keys());
  idx.sort((i, j) => scores[i] - scores[j] || i - j);
  return idx.slice(0, count);
}

/**
 * Runs spherical Lloyd iterations from `init` (rows [V, P], need not be unit).
 * rows: [N, P] ℓ2-normalised points → centroids [V, P], inertia per iteration, assignments [N].
 * @example const res = await sphericalKMeans(rows, await kmeansPlusPlus(rows, 1024, { seed: 0 }), { iterations: 10 });
 */
export async function sphericalKMeans(
  rows: RowStore,
  init: Float32Array,
  opts: SphericalKMeansOptions,
): Promise<KMeansResult> {
  const d = rows.dim;
  const v = init.length / d;
  if (!Number.isInteger(v) || v < 1)
    throw new InvalidArgumentError(`init must hold V rows of P=${d} values, got ${init.length} values`);
  if (rows.count < v)
    throw new InvalidArgumentError(`k-means: need at least V=${v} points, got ${rows.count}`);
  if (!Number.isInteger(opts.iterations) || opts.iterations < 1)
    throw new InvalidArgumentError(`iterations must be a positive integer, got ${opts.iterations}`);
  const c = Float32Array.from(init);
  const inertia: number[] = [];
  let prev: Int32Array | undefined;
  let assignments = new Int32Array(rows.count);
  let reseeded = 0;
  let it = 0;
  while (it < opts.iterations) {
    const r = await assignAll(rows, c, v, opts);
    let changed = 0;
    for (let i = 0; i < r.ids.length; i++) if (!prev || prev[i] !== r.ids[i]) changed++;
    const empty: number[] = [];
    for (let cl = 0; cl < v; cl++) {
      if (r.counts[cl] === 0) {
        empty.push(cl);
        continue;
      }
      const so = cl * d;
      const norm = Math.sqrt(rowSq(r.sums, so, d));
      if (norm > 0) for (let j = 0; j < d; j++) c[so + j] = r.sums[so + j] / norm;
    }
    const far = farthestPoints(r.scores, empty.length);
    for (let e = 0; e < empty.length; e++) c.set(rows.row(far[e]), empty[e] * d);
    reseeded += empty.length;
    inertia.push(r.inertia);
    assignments = r.ids;
    it++;
    opts.onProgress?.({
      iteration: it - 1,
      iterations: opts.iterations,
      inertia: r.inertia,
      changed,
      emptyClusters: empty.length,
    });
    if (prev && changed === 0 && empty.length === 0) break;
    prev = r.ids;
    await new Promise((resolve) => setTimeout(resolve, 0)); // let a UI (and abort handlers) run
  }
  return { centroids: c, inertia, assignments, iterationsRun: it, emptyClustersReseeded: reseeded };
}

/** Options of `kmeansPlusPlus`. */
export interface KMeansPlusPlusOptions {
  seed: number;
  /**
   * Seed from a uniform random subset of this many points (default min(N, 4·V)): plain k-means++ costs
   * V passes over the data (4.7 TFLOP for 8192 centroids on 3M patches). The Lloyd iterations that
   * follow see every point.
   */
  sampleSize?: number;
  /**
   * Centres drawn per round (default ceil(V / 128), so at most 128 rounds). Within a round, centres are
   * D²-sampled without replacement from the distances of the previous round; then the distances are
   * updated by one [m, P]·[P, perRound] matmul (the fast path) instead of `perRound` matrix-vector
   * products. 1 is exact k-means++; 8192 centroids at 1 per round would take minutes on wasm.
   */
  perRound?: number;
  signal?: AbortSignal;
}

/**
 * k-means++ seeding (Arthur & Vassilvitskii 2007; D² sampling, one candidate per draw) on a random
 * subset of the points, drawing `perRound` centres per distance update (see the option).
 * rows: [N, P] → initial centroids [V, P] (copies of distinct points).
 * @example const init = await kmeansPlusPlus(sample.rows, 8192, { seed: 0 });
 */
export async function kmeansPlusPlus(
  rows: RowStore,
  k: number,
  opts: KMeansPlusPlusOptions,
): Promise<Float32Array> {
  const d = rows.dim;
  const n = rows.count;
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new InvalidArgumentError(`k-means++: k must be an integer in [1, N=${n}], got ${k}`);
  const perRound = opts.perRound ?? Math.ceil(k / 128);
  if (!Number.isInteger(perRound) || perRound < 1)
    throw new InvalidArgumentError(`k-means++: perRound must be a positive integer, got ${perRound}`);
  const rng = createRng(opts.seed);
  const { sub, xsq } = gatherSubset(rows, Math.max(k, Math.min(n, opts.sampleSize ?? 4 * k)), rng);
  const m = xsq.length;
  const out = new Float32Array(k * d);
  const minD = new Float64Array(m).fill(Number.POSITIVE_INFINITY);
  const chosen = new Uint8Array(m);
  const x = tf.tensor2d(sub, [m, d]);
  try {
    let round = [rng.int(m)];
    for (let c = 0; ; ) {
      opts.signal?.throwIfAborted();
      for (const i of round) {
        out.set(sub.subarray(i * d, (i + 1) * d), c++ * d);
        chosen[i] = 1;
      }
      if (c === k) break;
      const total = await updateMinDistances(x, sub, xsq, round, minD, chosen);
      round = drawRound(minD, total, Math.min(perRound, k - c), chosen, rng);
    }
  } finally {
    x.dispose();
  }
  return out;
}

/** Copies `m` uniformly chosen rows (all rows, in order, when m = N) and their squared norms. */
function gatherSubset(rows: RowStore, m: number, rng: Rng): { sub: Float32Array; xsq: Float64Array } {
  const d = rows.dim;
  const pick = m === rows.count ? null : rng.permutation(rows.count).subarray(0, m);
  const sub = new Float32Array(m * d);
  const xsq = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    sub.set(rows.row(pick ? pick[i] : i), i * d);
    xsq[i] = rowSq(sub, i * d, d);
  }
  return { sub, xsq };
}

/**
 * minD[i] ← min(minD[i], ‖x_i − c‖²) over the new centres (one [m, P]·[P, r] matmul); chosen points get
 * 0. Returns Σ minD.
 */
async function updateMinDistances(
  x: tf.Tensor2D,
  sub: Float32Array,
  xsq: Float64Array,
  round: number[],
  minD: Float64Array,
  chosen: Uint8Array,
): Promise<number> {
  const d = x.shape[1];
  const r = round.length;
  const centers = new Float32Array(d * r); // [P, r]
  round.forEach((i, k) => {
    for (let j = 0; j < d; j++) centers[j * r + k] = sub[i * d + j];
  });
  const s = tf.tidy(() => tf.matMul(x, tf.tensor2d(centers, [d, r])));
  const dots = await s.data(); // [m, r]
  s.dispose();
  let total = 0;
  for (let i = 0; i < minD.length; i++) {
    for (let k = 0; k < r; k++) {
      const dist = Math.max(0, xsq[i] + xsq[round[k]] - 2 * dots[i * r + k]);
      if (dist < minD[i]) minD[i] = dist;
    }
    if (chosen[i]) minD[i] = 0;
    total += minD[i];
  }
  return total;
}

/** D²-samples `count` distinct unchosen indices (uniformly among unchosen ones once all weights are 0). */
function drawRound(minD: Float64Array, total: number, count: number, chosen: Uint8Array, rng: Rng): number[] {
  const w = Float64Array.from(minD);
  const picked: number[] = [];
  for (let t = 0; t < count; t++) {
    let i = total > 0 ? sampleIndex(w, total, rng.random()) : -1;
    if (i < 0) {
      const free: number[] = [];
      for (let j = 0; j < w.length; j++) if (!chosen[j] && !picked.includes(j)) free.push(j);
      i = free[rng.int(free.length)];
    }
    picked.push(i);
    total -= w[i];
    w[i] = 0;
  }
  return picked;
}

function sampleIndex(w: Float64Array, total: number, u: number): number {
  let target = u * total;
  for (let i = 0; i < w.length; i++) {
    target -= w[i];
    if (target < 0 && w[i] > 0) return i;
  }
  for (let i = w.length - 1; i >= 0; i--) if (w[i] > 0) return i;
  return -1;
}
