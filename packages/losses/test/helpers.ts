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

/** Values of `x` read asynchronously (webgpu in Node has no synchronous readback). */
export async function read(x: tf.Tensor): Promise<number[]> {
  return Array.from((await x.data()) as Float32Array);
}

/** First element of `x`, read asynchronously. */
export async function scalarOf(x: tf.Tensor): Promise<number> {
  return (await read(x))[0];
}

/** Compares a tensor with a float64 reference: |a − e| ≤ atol + rtol·|e|, atol = 0.1·rtol·max |e|. */
export async function expectMatches(
  actual: tf.Tensor,
  expected: FxTensor,
  label: string,
  rtol = 1e-5,
): Promise<void> {
  expect(actual.shape, `${label} shape`).toEqual(expected.shape);
  const scale = Math.max(1e-3, ...expected.data.map(Math.abs));
  expectClose(await read(actual), expected.data, { rtol, atol: rtol * 1e-1 * scale, label });
}

/**
 * Directional-derivative check in float32: for a few random unit directions u,
 * (f(x + εu) − f(x − εu)) / 2ε ≈ ⟨∇f(x), u⟩. ε = 1e-2 keeps float32 rounding (~1e-7·|f|/ε) small;
 * the central difference's truncation error is O(ε²).
 */
export async function expectDirectionalGrads(
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  xs: tf.Tensor[],
  { eps = 1e-2, rtol = 2e-3, directions = 3, seed = 7 } = {},
): Promise<void> {
  const grads = tf.grads((...a: tf.Tensor[]) => f(...a))(xs);
  for (let d = 0; d < directions; d++) {
    const [analyticT, plusT, minusT] = tf.tidy(() => {
      const us = xs.map((x, i) => tf.randomNormal(x.shape, 0, 1, 'float32', seed + 31 * d + i));
      const norm = tf.sqrt(tf.addN(us.map((u) => tf.sum(tf.square(u)))));
      const unit = us.map((u) => tf.div(u, norm));
      const analytic = tf.addN(grads.map((g, i) => tf.sum(tf.mul(g, unit[i]))));
      const plus = f(...xs.map((x, i) => tf.add(x, tf.mul(unit[i], eps))));
      const minus = f(...xs.map((x, i) => tf.sub(x, tf.mul(unit[i], eps))));
      return [analytic, plus, minus];
    });
    const analytic = await scalarOf(analyticT);
    const numeric = ((await scalarOf(plusT)) - (await scalarOf(minusT))) / (2 * eps);
    tf.dispose([analyticT, plusT, minusT]);
    const tol = rtol * Math.max(1, Math.abs(analytic));
    expect(
      Math.abs(numeric - analytic),
      `direction ${d}: numeric ${numeric} vs analytic ${analytic}`,
    ).toBeLessThan(tol);
  }
  tf.dispose(grads);
}

/** Every element finite and at least one non-zero (gradient coverage). */
export async function expectFiniteNonZero(x: tf.Tensor, label: string): Promise<void> {
  const v = await read(x);
  expect(v.every(Number.isFinite), `${label} has non-finite elements`).toBe(true);
  expect(
    v.some((e) => e !== 0),
    `${label} is all zeros`,
  ).toBe(true);
}

/** Every element finite. */
export async function expectAllFinite(x: tf.Tensor, label: string): Promise<void> {
  expect((await read(x)).every(Number.isFinite), `${label} has non-finite elements`).toBe(true);
}

/** Every element exactly 0. */
export async function expectAllZero(x: tf.Tensor, label: string): Promise<void> {
  expect(
    (await read(x)).every((e) => e === 0),
    `${label} is not all zeros`,
  ).toBe(true);
}
