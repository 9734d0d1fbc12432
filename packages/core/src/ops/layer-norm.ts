/**
 * LayerNorm over the last axis with eps 1e-6 (BEiT/timm ViT; tfjs's default would be 1e-3).
 * Composed from primitive ops so every backend has the kernels and the gradient.
 */
import * as tf from '@tensorflow/tfjs-core';

/** LayerNorm parameters: gamma `weight` [D] and beta `bias` [D] (timm names). */
export interface LayerNormParams {
  weight: tf.Tensor1D;
  bias: tf.Tensor1D;
}

/** Default epsilon of ViT LayerNorms (timm `partial(nn.LayerNorm, eps=1e-6)`). */
export const LAYER_NORM_EPS = 1e-6;

/**
 * x: [..., D] → [..., D]
 * @example const h = layerNorm(x, params.norm1);
 */
export function layerNorm<T extends tf.Tensor>(x: T, p: LayerNormParams, eps = LAYER_NORM_EPS): T {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    const mean = tf.mean(x, axis, true);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), axis, true);
    const normed = tf.mul(centered, tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(normed, p.weight), p.bias) as T;
  });
}
