/**
 * Test helpers for the PyTorch fixtures written by tools/fixtures_losses.py and for finite-difference
 * gradient checks.
 */
import { join } from 'node:path';
import { expectClose, loadJsonFixture } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

export interface FxTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: number[];
}

export interface FxCase {
  name: string;
  options: Record<string, number | boolean>;
  inputs: Record<string, FxTensor>;
  outputs: Record<string, FxTensor>;
  grads: Record<string, FxTensor>;
}

const PACKAGE_DIR = join(import.meta.dirname, '..');

/** The cases of `test/fixtures/<file>`. */
export function loadCases(file: string): FxCase[] {
  return loadJsonFixture<{ cases: FxCase[] }>(PACKAGE_DIR, file).cases;
}

/** JSON fixture from this package. */
export function loadFixtureJson<T>(file: string): T {
  return loadJsonFixture<T>(PACKAGE_DIR, file);
}

/** Fixture tensor → tfjs tensor (float32 values are exact float32 numbers). */
export function toTensor<T extends tf.Tensor = tf.Tensor>(fx: FxTensor): T {
  return tf.tensor(fx.data, fx.shape, fx.dtype) as T;
}

/** All float inputs of a case as tensors, by name. */
export function inputsOf(c: FxCase): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, toTensor(v)]));
}

/** Compares a tensor with a float64 reference: |a − e| ≤ atol + rtol·|e|, atol relative to max |e|. */
export function expectMatches(actual: tf.Tensor, expected: FxTensor, label: string, rtol = 1e-5): void {
  expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  const scale = Math.max(1e-3, ...expected.data.map(Math.abs));
  expectClose(actual, expected.data, { rtol, atol: rtol * 1e-1 * scale, label });
}

/**
 * Directional-derivative check in float32: for a few random unit directions u,
 * (f(x + εu) − f(x − εu)) / 2ε ≈ ⟨∇f(x), u⟩. ε = 1e-2 keeps float32 rounding (~1e-7·|f|/ε) small;
 * the central difference's truncation error is O(ε²).
 */
export function expectDirectionalGrads(
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  xs: tf.Tensor[],
  { eps = 1e-2, rtol = 2e-3, directions = 3, seed = 7 } = {},
): void {
  tf.tidy(() => {
    const grads = tf.grads((...a: tf.Tensor[]) => f(...a))(xs);
    for (let d = 0; d < directions; d++) {
      const us = xs.map((x, i) => tf.randomNormal(x.shape, 0, 1, 'float32', seed + 31 * d + i));
      const norm = Math.sqrt(us.reduce((s, u) => s + tf.sum(tf.square(u)).dataSync()[0], 0));
      const unit = us.map((u) => tf.div(u, norm));
      const analytic = grads.reduce((s, g, i) => s + tf.sum(tf.mul(g, unit[i])).dataSync()[0], 0);
      const plus = f(...xs.map((x, i) => tf.add(x, tf.mul(unit[i], eps)))).dataSync()[0];
      const minus = f(...xs.map((x, i) => tf.sub(x, tf.mul(unit[i], eps)))).dataSync()[0];
      const numeric = (plus - minus) / (2 * eps);
      const tol = rtol * Math.max(1, Math.abs(analytic));
      expect(
        Math.abs(numeric - analytic),
        `direction ${d}: numeric ${numeric} vs analytic ${analytic}`,
      ).toBeLessThan(tol);
    }
  });
}

/** Every element finite and at least one non-zero (gradient coverage). */
export function expectFiniteNonZero(x: tf.Tensor, label: string): void {
  const v = x.dataSync();
  expect(
    Array.from(v).every((e) => Number.isFinite(e)),
    `${label} has non-finite elements`,
  ).toBe(true);
  expect(
    Array.from(v).some((e) => e !== 0),
    `${label} is all zeros`,
  ).toBe(true);
}
