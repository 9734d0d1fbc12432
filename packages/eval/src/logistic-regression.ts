/**
 * Multinomial logistic regression with an L2 penalty, fitted to convergence by full-batch L-BFGS — the
 * baseline a scikit-learn user runs first (`StandardScaler` + `LogisticRegression(C=…)`), here on
 * tfjs so the experiment harness computes it on its own split (raw pixels, or any frozen features).
 *
 * Objective (scikit-learn's `lbfgs` multinomial solver, divided by N): mean cross-entropy +
 * ‖W‖² / (2·C·N), the intercept unpenalised. Features are standardised first with the train set's mean
 * and standard deviation, zero-variance features scaled by 1 (`StandardScaler`'s rule: a pixel that is
 * always 0 in train stays 0-centred instead of blowing up on test). The loss and gradient are computed
 * on the backend in float32; the L-BFGS two-loop recursion (memory 10, scipy's default) and the
 * backtracking line search (Armijo, or the approximate Wolfe condition of
 * Hager & Zhang once float32 rounding hides the decrease) run on the host in float64. The problem is strictly convex, so the
 * optimum is unique and the fit needs no seed: starting from zero it is deterministic.
 */
import { InvalidArgumentError, ShapeError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link fitLogisticRegression}. */
export interface LogisticRegressionOptions {
  numClasses: number;
  /** Inverse L2 strength, scikit-learn's `C` (default 1). */
  C?: number;
  /** Iteration cap (default 1000). */
  maxIter?: number;
  /** Stop when max |gradient| of the mean objective is below this (default 1e-5). */
  tol?: number;
  /** L-BFGS memory (default 10). */
  history?: number;
  /** Standardise the features with the train statistics (default true). */
  standardize?: boolean;
}

/** A fitted model; `logits`/`probabilities` standardise their input as the fit did. */
export interface LogisticRegression {
  /** [D] train feature mean (zeros without standardisation). */
  mean: tf.Tensor1D;
  /** [D] train feature standard deviation, 1 where it is 0 (ones without standardisation). */
  std: tf.Tensor1D;
  /** [D, C] */
  weight: tf.Tensor2D;
  /** [C] */
  bias: tf.Tensor1D;
  /** L-BFGS iterations run. */
  iterations: number;
  /** Whether the gradient tolerance was reached (false: maxIter, or float32 precision ran out first). */
  converged: boolean;
  /** Final value of the mean objective. */
  loss: number;
  /** features [B, D] → logits [B, C]. */
  logits(features: tf.Tensor2D): tf.Tensor2D;
  /** features [B, D] → softmax probabilities [B, C]. */
  probabilities(features: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

function resolve(o: LogisticRegressionOptions) {
  const r = { C: 1, maxIter: 1000, tol: 1e-5, history: 10, standardize: true, ...o };
  const bad: string[] = [];
  for (const k of ['numClasses', 'maxIter', 'history'] as const)
    if (!(Number.isInteger(r[k]) && r[k] > 0)) bad.push(`${k} must be a positive integer, got ${r[k]}`);
  if (!(r.C > 0)) bad.push(`C must be > 0, got ${r.C}`);
  if (!(r.tol > 0)) bad.push(`tol must be > 0, got ${r.tol}`);
  if (bad.length) throw new InvalidArgumentError(`fitLogisticRegression: ${bad.join('; ')}`);
  return r;
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

/** L-BFGS direction −H·g from the (s, y) pairs, oldest first (Nocedal & Wright Alg. 7.4). */
function lbfgsDirection(g: Float64Array, pairs: { s: Float64Array; y: Float64Array; rho: number }[]) {
  const q = Float64Array.from(g);
  const alpha = new Array<number>(pairs.length);
  for (let i = pairs.length - 1; i >= 0; i--) {
    const p = pairs[i] as (typeof pairs)[number];
    const a = p.rho * dot(p.s, q);
    alpha[i] = a;
    for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) - a * (p.y[j] as number);
  }
  const last = pairs.at(-1);
  const gamma = last ? dot(last.s, last.y) / dot(last.y, last.y) : 1;
  for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) * gamma;
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i] as (typeof pairs)[number];
    const b = p.rho * dot(p.y, q);
    const c = (alpha[i] as number) - b;
    for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) + c * (p.s[j] as number);
  }
  for (let j = 0; j < q.length; j++) q[j] = -(q[j] as number);
  return q;
}

/**
 * Fits the model. features [N, D], labels [N] → LogisticRegression (caller disposes).
 * @example
 * const lr = await fitLogisticRegression(trainPixels, trainY, { numClasses: 10, C: 0.1 });
 * const p = lr.probabilities(testPixels); lr.dispose();
 */
export async function fitLogisticRegression(
  features: tf.Tensor2D,
  labels: ArrayLike<number>,
  options: LogisticRegressionOptions,
): Promise<LogisticRegression> {
  const o = resolve(options);
  if (features.rank !== 2 || labels.length !== features.shape[0])
    throw new ShapeError(
      `fitLogisticRegression: expected features [${labels.length}, D], got [${features.shape}]`,
    );
  const [n, d] = features.shape;
  const c = o.numClasses;
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    if (!(Number.isInteger(y) && y >= 0 && y < c))
      throw new InvalidArgumentError(`fitLogisticRegression: label ${i} is ${y}, outside [0, ${c})`);
  }
  const { mean, std } = tf.tidy(() => {
    if (!o.standardize) return { mean: tf.zeros([d]) as tf.Tensor1D, std: tf.ones([d]) as tf.Tensor1D };
    const m = tf.moments(features, 0);
    const sd = tf.sqrt(m.variance);
    return {
      mean: m.mean as tf.Tensor1D,
      std: tf.where(tf.greater(sd, 0), sd, tf.onesLike(sd)) as tf.Tensor1D,
    };
  });
  const x = tf.tidy(() => tf.div(tf.sub(features, mean), std) as tf.Tensor2D); // [N, D]
  const xt = tf.tidy(() => tf.transpose(x) as tf.Tensor2D); // [D, N]: a plain matmul for the gradient
  const onehot = tf.tidy(() =>
    tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), c), 'float32'),
  );
  const lambda = 1 / (o.C * n); // the mean objective's L2 coefficient
  const nw = d * c;

  /** Mean objective and its gradient at theta = [W (row-major D×C), b (C)]. */
  const evaluate = async (theta: Float64Array): Promise<{ f: number; g: Float64Array }> => {
    const [lossT, gw, gb] = tf.tidy(() => {
      const w = tf.tensor2d(Float32Array.from(theta.subarray(0, nw)), [d, c]);
      const b = tf.tensor1d(Float32Array.from(theta.subarray(nw)));
      const z = tf.add(tf.matMul(x, w), b); // [N, C]
      const logp = tf.logSoftmax(z);
      const ce = tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1)));
      const err = tf.div(tf.sub(tf.exp(logp), onehot), n); // [N, C]
      return [ce, tf.matMul(xt, err), tf.sum(err, 0)];
    });
    const [lv, gwv, gbv] = await Promise.all([lossT.data(), gw.data(), gb.data()]);
    tf.dispose([lossT, gw, gb]);
    const g = new Float64Array(nw + c);
    let reg = 0;
    for (let i = 0; i < nw; i++) {
      const t = theta[i] as number;
      reg += t * t;
      g[i] = (gwv[i] as number) + lambda * t;
    }
    g.set(gbv, nw);
    return { f: (lv[0] as number) + 0.5 * lambda * reg, g };
  };

  let theta = new Float64Array(nw + c);
  let iterations = 0;
  let converged = false;
  let cur: { f: number; g: Float64Array };
  try {
    cur = await evaluate(theta);
    const pairs: { s: Float64Array; y: Float64Array; rho: number }[] = [];
    const gmax = (g: Float64Array) => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    while (iterations < o.maxIter) {
      if (gmax(cur.g) <= o.tol) {
        converged = true;
        break;
      }
      let dir = lbfgsDirection(cur.g, pairs);
      let slope = dot(cur.g, dir);
      if (!(slope < 0)) {
        pairs.length = 0; // not a descent direction (float32 noise): restart from steepest descent
        dir = lbfgsDirection(cur.g, pairs);
        slope = dot(cur.g, dir);
      }
      // first step: unit length along −g (no curvature known yet); then the quasi-Newton step 1
      let t = pairs.length ? 1 : 1 / Math.sqrt(-slope);
      let next: { f: number; g: Float64Array } | undefined;
      let cand = theta;
      for (let k = 0; k < 30; k++) {
        cand = theta.map((v, i) => v + t * (dir[i] as number));
        const e = await evaluate(cand);
        // Armijo, or Hager & Zhang's approximate Wolfe condition (δ 0.1, σ 0.9, ε 1e-6·|f|): near the
        // optimum float32 losses differ by less than their rounding, and the directional derivative decides.
        const dslope = dot(e.g, dir);
        const approxWolfe =
          e.f <= cur.f + 1e-6 * Math.abs(cur.f) && dslope >= 0.9 * slope && dslope <= -0.8 * slope;
        if (e.f <= cur.f + 1e-4 * t * slope || approxWolfe) {
          next = e;
          break;
        }
        t *= 0.5;
      }
      if (!next) break; // no decrease found: float32 precision reached before the tolerance
      const s = cand.map((v, i) => v - (theta[i] as number));
      const y = next.g.map((v, i) => v - (cur.g[i] as number));
      const sy = dot(s, y);
      if (sy > 1e-12) {
        pairs.push({ s, y, rho: 1 / sy });
        if (pairs.length > o.history) pairs.shift();
      }
      theta = cand;
      cur = next;
      iterations++;
    }
    if (!converged && gmax(cur.g) <= o.tol) converged = true;
  } finally {
    tf.dispose([x, xt, onehot]);
  }
  const weight = tf.tensor2d(Float32Array.from(theta.subarray(0, nw)), [d, c]);
  const bias = tf.tensor1d(Float32Array.from(theta.subarray(nw)));
  const logits = (f: tf.Tensor2D) =>
    tf.tidy(() => tf.add(tf.matMul(tf.div(tf.sub(f, mean), std), weight), bias) as tf.Tensor2D);
  return {
    mean,
    std,
    weight,
    bias,
    iterations,
    converged,
    loss: cur.f,
    logits,
    probabilities: (f) => tf.tidy(() => tf.softmax(logits(f))),
    dispose: () => tf.dispose([mean, std, weight, bias]),
  };
}
