/**
 * GELU, exact form x·Φ(x) = 0.5·x·(1 + erf(x/√2)) as PyTorch's nn.GELU() default (timm ViT).
 * tfjs-core has Erf on cpu, wasm, webgl and webgpu; on wasm its kernel is so slow that `gelu` uses
 * one-pass kernels next to core's wasm GEMM there (wasm-gemm/gemm.c), or a rational erf (erf.ts) when
 * that GEMM module is off. On webgpu one WGSL pass each (webgpu/elementwise.ts) replaces tfjs's
 * composition of erf.
 */
import * as tf from '@tensorflow/tfjs-core';
import { erfFast } from './erf';
import { wasmGelu, wasmGeluGrad } from './wasm-gemm/wasm-gemm';
import { webgpuGelu, webgpuGeluGrad } from './webgpu/ops';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Φ(x) = 0.5·(1 + erf(x/√2)), with the rational erf on wasm. */
function normalCdf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.add(1, erfFast(tf.mul(x, Math.SQRT1_2))), 0.5);
}

// Closed-form gradient GELU'(x) = Φ(x) + x·φ(x): 7 backward kernels plus Φ instead of the ~12 of
// autodiff through erf. Only x is kept for the backward pass and Φ is recomputed there by the same ops
// (bit-identical gradient): saving Φ would hold one more tensor the size of the MLP hidden activation [B, N, 4D]
// per block between forward and backward (measured on wasm, [4096, 1536]: 25 MB more held).
const geluExact = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: wasmGelu(x) ?? webgpuGelu(x) ?? tf.mul(x, normalCdf(x)),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [xs] = saved;
        const fused = wasmGeluGrad(xs, dy as tf.Tensor) ?? webgpuGeluGrad(xs, dy as tf.Tensor);
        if (fused) return [fused];
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(xs), -0.5)), INV_SQRT_2PI); // φ(x)
        return [tf.mul(dy as tf.Tensor, tf.add(normalCdf(xs), tf.mul(xs, pdf)))];
      }),
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * x: any shape → same shape.
 * @example const h = gelu(linear(x, w, b));
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => geluExact(x) as T);
}

/**
 * The autodiff formulation 0.5·x·(1 + erf(x/√2)) with tfjs's gradients, kept for benchmarks.
 * x: any shape → same shape.
 * @example const h = geluNaive(x);
 */
export function geluNaive<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as T);
}

/**
 * tanh approximation (PyTorch `approximate='tanh'`), for backends without Erf.
 * x: any shape → same shape.
 * @example const h = geluTanh(x);
 */
export function geluTanh<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner))) as T;
  });
}
