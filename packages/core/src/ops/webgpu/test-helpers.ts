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
