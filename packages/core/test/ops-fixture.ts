/** Loads tools/fixtures_core_ops.py's PyTorch reference cases (test/fixtures/ops.json). */
import { join } from 'node:path';
import { loadJsonFixture } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';

interface Arr {
  shape: number[];
  data: number[];
}
interface OpsCase {
  inputs: Record<string, Arr>;
  out: Arr;
  cot: Arr;
  grads: Record<string, Arr>;
  targets?: Arr;
}
interface OpsFixture {
  cases: Record<string, OpsCase>;
}

let cache: OpsFixture | undefined;

/** The case `name` as tensors (caller disposes). */
export function opsCase(name: string): {
  inputs: Record<string, tf.Tensor>;
  out: tf.Tensor;
  cot: tf.Tensor;
  grads: Record<string, tf.Tensor>;
  targets?: tf.Tensor;
} {
  cache ??= loadJsonFixture<OpsFixture>(join(import.meta.dirname, '..'), 'ops.json');
  const c = cache.cases[name];
  if (!c) throw new Error(`ops.json has no case '${name}'`);
  const f = (a: Arr) => tf.tensor(a.data, a.shape, 'float32');
  const map = (r: Record<string, Arr>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f(v)]));
  return {
    inputs: map(c.inputs),
    out: f(c.out),
    cot: f(c.cot),
    grads: map(c.grads),
    targets: c.targets && tf.tensor(c.targets.data, c.targets.shape, 'int32'),
  };
}
