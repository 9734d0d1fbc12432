/**
 * The contract every `TrainMethod` passes to run on the one training loop (in this thread and on
 * workers): parts start with `total`; every trainable parameter gets a finite, non-zero gradient; a
 * step leaks no tensor; two instances of one spec take identical steps; snapshot → restore continues
 * bit-exactly; a non-finite batch stops before the update and changes nothing. A new method adds one
 * `methodContract(...)` call.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { localCollective } from '../src/train/collective';
import {
  applyStep,
  checkFinite,
  computeStep,
  NonFiniteLossError,
  type ShardShape,
} from '../src/train/engine';
import { restoreInto, snapshotOf } from '../src/train/executor';
import type { TrainMethod } from '../src/train/method';

/** What a contract run needs: a fresh method instance (same spec every call) and its batches. */
export interface ContractSubject {
  create(): TrainMethod;
  /** Raw pixels of micro-batch `index` for `shape` (deterministic). */
  batch(index: number): Float32Array;
  /** Labels of micro-batch `index` (supervised methods). */
  labels?(index: number): Int32Array;
  shape: ShardShape;
}

async function values(vars: Record<string, tf.Tensor>): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = (await v.data()) as Float32Array;
  return out;
}

async function step(method: TrainMethod, s: ContractSubject, index: number): Promise<number[]> {
  const c = await computeStep(
    method,
    [{ pixels: s.batch(index), labels: s.labels?.(index) }],
    s.shape,
    index,
    localCollective(s.shape[0]),
  );
  checkFinite(method, c, index, 1);
  applyStep(method, c, index);
  return Array.from(c.parts);
}

/**
 * Registers the contract tests of one method (inside the caller's describe / describeEachBackend).
 * @example methodContract('splitmask', { create, batch, shape: [4, 8, 8, 1] });
 */
export function methodContract(name: string, s: ContractSubject): void {
  test(`${name}: parts start with total and are finite; scalars have a finite lr`, async () => {
    const m = s.create();
    try {
      expect(m.parts[0]).toBe('total');
      expect(new Set(m.parts).size).toBe(m.parts.length);
      const parts = await step(m, s, 0);
      for (const v of parts) expect(Number.isFinite(v)).toBe(true);
      expect(Number.isFinite(m.scalars(0).lr)).toBe(true);
    } finally {
      m.dispose();
    }
  });

  test(`${name}: gradient coverage — every parameter gets a finite, non-zero gradient`, async () => {
    const m = s.create();
    try {
      const c = await computeStep(
        m,
        [{ pixels: s.batch(0), labels: s.labels?.(0) }],
        s.shape,
        0,
        localCollective(s.shape[0]),
      );
      const norms = await values(
        Object.fromEntries(Object.entries(c.grads).map(([k, g]) => [k, tf.tidy(() => tf.norm(g))])),
      );
      tf.dispose(Object.values(c.grads));
      expect(Object.keys(norms).sort()).toEqual(Object.keys(m.params).sort());
      for (const [k, [n]] of Object.entries(norms)) {
        expect(Number.isFinite(n), k).toBe(true);
        expect(n, k).toBeGreaterThan(0);
      }
      expect(Number.isFinite(c.gradNorm)).toBe(true);
    } finally {
      m.dispose();
    }
  });

  test(`${name}: no tensor leaks — a step keeps the count, dispose frees everything`, async () => {
    const warm = s.create(); // one-off module caches (position tables, kernels) settle here
    await step(warm, s, 0);
    warm.dispose();
    const before = tf.memory().numTensors;
    const m = s.create();
    await step(m, s, 0);
    const settled = tf.memory().numTensors;
    await step(m, s, 1);
    await step(m, s, 2);
    expect(tf.memory().numTensors).toBe(settled);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test(`${name}: determinism — two instances of one spec take identical steps`, async () => {
    const a = s.create();
    const b = s.create();
    try {
      for (let i = 0; i < 2; i++) expect(await step(b, s, i)).toEqual(await step(a, s, i));
      expect(await values(b.params)).toEqual(await values(a.params));
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test(`${name}: snapshot → restore into a fresh instance continues bit-exactly`, async () => {
    const a = s.create();
    const b = s.create();
    try {
      await step(a, s, 0);
      await step(a, s, 1);
      const snap = snapshotOf(a);
      restoreInto(b, snap.tensors, snap.optimizer);
      tf.dispose(Object.values(snap.tensors));
      expect(await step(b, s, 2)).toEqual(await step(a, s, 2));
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test(`${name}: a NaN in the weights stops the step before the update and changes nothing`, async () => {
    const m = s.create();
    try {
      await step(m, s, 0);
      // Poison one weight (method-agnostic: some methods clamp pixels, so NaN inputs may never reach the loss).
      const [poisoned, v] = Object.entries(m.params)[0];
      v.assign(tf.fill(v.shape, Number.NaN));
      const before = await values(m.params);
      const steps = m.optimizer.getState();
      tf.dispose(Object.values(steps.tensors));
      const c = await computeStep(
        m,
        [{ pixels: s.batch(1), labels: s.labels?.(1) }],
        s.shape,
        1,
        localCollective(s.shape[0]),
      );
      expect(() => checkFinite(m, c, 1, 1), `NaN in ${poisoned}`).toThrow(NonFiniteLossError);
      expect(await values(m.params)).toEqual(before);
      const after = m.optimizer.getState();
      tf.dispose(Object.values(after.tensors));
      expect(after.stepCount).toBe(steps.stepCount);
    } finally {
      m.dispose();
    }
  });
}
