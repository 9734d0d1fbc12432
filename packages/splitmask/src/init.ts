/**
 * Host-side seeded initialisers for the parameters this package adds on top of the ViT (mask token,
 * vocabulary heads): BEiT's trunc-normal(0, 0.02).
 */
import type { Rng } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Trunc-normal(0, std) samples cut at ±2·std (timm `trunc_normal_(std=.02)` with a = −2σ, b = 2σ by
 * rejection), drawn from `rng` so the same seed gives the same values on every backend.
 * @example const maskToken = truncNormal([1, 1, 64], 0.02, rng);
 */
export function truncNormal(shape: number[], std: number, rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = rng.normal();
    while (Math.abs(v) > 2) v = rng.normal();
    data[i] = v * std;
  }
  return tf.tensor(data, shape);
}
