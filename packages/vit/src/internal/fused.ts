/**
 * GELU and LayerNorm with hand-written gradients, for training memory. Core's `gelu` and `layerNorm`
 * are compositions of 5 and 9 primitive ops; tfjs keeps every intermediate of the forward on the tape
 * and every intermediate gradient until the end of the backward pass, so those two ops held about half
 * of a ViT block's training memory. These keep only their input and compute the backward in one tidy.
 * Forward values are computed by the same ops as core's (bit-identical); gradients are the closed forms.
 * TODO(integrate): move into @splitmask/core `gelu` / `layerNorm` when its owner agrees.
 */
import { gelu as geluCore, type LayerNormParams, layerNorm as layerNormCore } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';

type Grad = Parameters<typeof tf.customGrad>[0];

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

const geluGrad = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: geluCore(x),
    gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) =>
      tf.tidy(() => {
        // d/dx x·Φ(x) = Φ(x) + x·φ(x)
        const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(xs, Math.SQRT1_2))));
        const pdf = tf.mul(INV_SQRT_2PI, tf.exp(tf.mul(-0.5, tf.square(xs))));
        return tf.mul(dy, tf.add(cdf, tf.mul(xs, pdf)));
      }),
  };
}) as unknown as Grad) as unknown as (x: tf.Tensor) => tf.Tensor;

/** Exact GELU, x: any shape → same shape. */
export function gelu<T extends tf.Tensor>(x: T): T {
  return geluGrad(x) as T;
}

function makeLayerNorm(eps: number) {
  return tf.customGrad(((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: layerNormCore(x, { weight: w as tf.Tensor1D, bias: b as tf.Tensor1D }, eps),
      gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) =>
        tf.tidy(() => {
          const axis = xs.rank - 1;
          const d = xs.shape[axis];
          const centered = tf.sub(xs, tf.mean(xs, axis, true));
          const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), axis, true), eps));
          const xhat = tf.mul(centered, rstd);
          const flat = (t: tf.Tensor) => tf.reshape(t, [-1, d]);
          const dw = tf.sum(flat(tf.mul(dy, xhat)), 0);
          const db = tf.sum(flat(dy), 0);
          const g = tf.mul(dy, ws); // dL/dxhat
          const meanG = tf.mean(g, axis, true);
          const meanGx = tf.mean(tf.mul(g, xhat), axis, true);
          const dx = tf.mul(rstd, tf.sub(tf.sub(g, meanG), tf.mul(xhat, meanGx)));
          return [dx, dw, db];
        }),
    };
  }) as unknown as Grad) as unknown as (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;
}

const layerNorms = new Map<number, ReturnType<typeof makeLayerNorm>>();

/** LayerNorm over the last axis. x: [..., D] → [..., D]. */
export function layerNorm<T extends tf.Tensor>(x: T, p: LayerNormParams, eps: number): T {
  let f = layerNorms.get(eps);
  if (!f) {
    f = makeLayerNorm(eps);
    layerNorms.set(eps, f);
  }
  return f(x, p.weight, p.bias) as T;
}
