import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

type Numeric = tf.Tensor | ArrayLike<number> | number;

function toArray(x: Numeric): Float64Array {
  if (typeof x === 'number') return Float64Array.of(x);
  if (x instanceof tf.Tensor) return Float64Array.from(x.dataSync() as ArrayLike<number>);
  return Float64Array.from(x);
}

/** max |a - b| over all elements (shapes must have equal sizes). */
export function maxAbsDiff(a: Numeric, b: Numeric): number {
  const x = toArray(a);
  const y = toArray(b);
  if (x.length !== y.length) throw new Error(`maxAbsDiff: sizes differ (${x.length} vs ${y.length})`);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/**
 * Asserts |actual - expected| <= atol + rtol·|expected| elementwise (numpy.allclose semantics), and
 * that shapes agree when both are tensors. Reports the worst element.
 */
export function expectClose(
  actual: Numeric,
  expected: Numeric,
  { rtol = 1e-5, atol = 1e-6, label = 'value' }: { rtol?: number; atol?: number; label?: string } = {},
): void {
  if (actual instanceof tf.Tensor && expected instanceof tf.Tensor) {
    expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  }
  const x = toArray(actual);
  const y = toArray(expected);
  expect(x.length, `${label} size`).toBe(y.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < x.length; i++) {
    const excess = Math.abs(x[i] - y[i]) - (atol + rtol * Math.abs(y[i]));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${label}: element ${worst} is ${x[worst]}, expected ${y[worst]} (rtol ${rtol}, atol ${atol}; max abs diff ${maxAbsDiff(x, y)})`,
    );
  }
}
