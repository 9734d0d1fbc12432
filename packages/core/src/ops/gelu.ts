/**
 * GELU, exact form x·Φ(x) = 0.5·x·(1 + erf(x/√2)) as PyTorch's nn.GELU() default (timm ViT).
 * tfjs-core has Erf on cpu, wasm, webgl and webgpu, with a registered gradient.
 */
import * as tf from '@tensorflow/tfjs-core';

/** x: any shape → same shape. @example const h = gelu(linear(x, w, b)); */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as T);
}

/** tanh approximation (PyTorch `approximate='tanh'`), for backends without Erf. */
export function geluTanh<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner))) as T;
  });
}
