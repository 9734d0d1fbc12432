/** Float64 host references and helpers shared by the WGSL kernel suites (test-only module). */
import type * as tf from '@tensorflow/tfjs-core';
import { disableWebgpuKernels, installWebgpuKernels } from './context';

/** op(a)·op(b) in float64: a [M, K] (stored [K, M] when tA), b [K, N] (stored [N, K] when tB). */
export function hostGemm(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  n: number,
  k: number,
  tA: boolean,
  tB: boolean,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[tA ? p * m + i : i * k + p] * b[tB ? j * k + p : p * n + j];
      out[i * n + j] = s;
    }
  return out;
}

/**
 * erf in float64: Maclaurin series for |x| < 3, beyond it the continued fraction of erfc (the series
 * would cancel catastrophically there).
 */
export function hostErf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 3) {
    let k = ax;
    for (let n = 80; n >= 1; n--) k = ax + n / 2 / k;
    return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / k);
  }
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Exact GELU x·Φ(x) in float64. */
export const hostGelu = (x: number): number => 0.5 * x * (1 + hostErf(x / Math.SQRT2));

/** GELU'(x) = Φ(x) + x·φ(x) in float64. */
export const hostGeluGrad = (x: number): number =>
  0.5 * (1 + hostErf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);

/** max |got − want| / (1 + |want|). */
export function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  return worst;
}

/** Runs `fn` with core's WGSL kernels off (tfjs's own webgpu kernels), then turns them back on. */
export function unfused<T extends tf.TensorContainer>(fn: () => T): T {
  disableWebgpuKernels();
  try {
    return fn();
  } finally {
    installWebgpuKernels();
  }
}

/**
 * Multi-head self-attention on timm's qkv layout in float64, with the gradient of Σ out·cot:
 * qkv [B, N, 3·H·Dh], cot [B, N, H·Dh] → out [B, N, H·Dh], dqkv [B, N, 3·H·Dh].
 */
export function hostSelfAttention(
  qkv: ArrayLike<number>,
  cot: ArrayLike<number>,
  [b, n, h, dh]: [number, number, number, number],
  scale = dh ** -0.5,
): { out: Float64Array; dqkv: Float64Array } {
  const d = h * dh;
  const out = new Float64Array(b * n * d);
  const dqkv = new Float64Array(b * n * 3 * d);
  const at = (bb: number, t: number, part: number, hh: number, e: number) =>
    ((bb * n + t) * 3 + part) * d + hh * dh + e;
  for (let bb = 0; bb < b; bb++)
    for (let hh = 0; hh < h; hh++) {
      const p = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        let mx = -Infinity;
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let e = 0; e < dh; e++) s += qkv[at(bb, i, 0, hh, e)] * qkv[at(bb, j, 1, hh, e)];
          p[i * n + j] = s * scale;
          mx = Math.max(mx, s * scale);
        }
        let sum = 0;
        for (let j = 0; j < n; j++) sum += p[i * n + j] = Math.exp(p[i * n + j] - mx);
        for (let j = 0; j < n; j++) p[i * n + j] /= sum;
        for (let e = 0; e < dh; e++) {
          let o = 0;
          for (let j = 0; j < n; j++) o += p[i * n + j] * qkv[at(bb, j, 2, hh, e)];
          out[(bb * n + i) * d + hh * dh + e] = o;
        }
      }
      const g = (t: number, e: number) => cot[(bb * n + t) * d + hh * dh + e];
      for (let i = 0; i < n; i++) {
        const dp = new Float64Array(n);
        let di = 0;
        for (let j = 0; j < n; j++) {
          for (let e = 0; e < dh; e++) dp[j] += g(i, e) * qkv[at(bb, j, 2, hh, e)];
          di += p[i * n + j] * dp[j];
        }
        for (let j = 0; j < n; j++) {
          const ds = p[i * n + j] * (dp[j] - di) * scale;
          for (let e = 0; e < dh; e++) {
            dqkv[at(bb, i, 0, hh, e)] += ds * qkv[at(bb, j, 1, hh, e)];
            dqkv[at(bb, j, 1, hh, e)] += ds * qkv[at(bb, i, 0, hh, e)];
            dqkv[at(bb, j, 2, hh, e)] += p[i * n + j] * g(i, e);
          }
        }
      }
    }
  return { out, dqkv };
}
