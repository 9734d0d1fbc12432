/**
 * Pooling and classification: CLS token, or BEiT fine-tuning's mean of patch tokens followed by
 * `fc_norm` (timm `global_pool='avg'`), then the linear head.
 */
import { InvalidArgumentError, type LayerNormParams, layerNorm, linear, ShapeError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import type { VitConfig, VitPool } from './config';
import { type VitEncodeOptions, vitEncode } from './encode';
import type { VitParams } from './types';

/**
 * tokens: [B, N, D] (CLS first) → [B, D]: the CLS token, or the mean of the patch tokens; then `fcNorm`
 * when given.
 * @example const feats = poolFeatures(tokens, 'mean', params.fc_norm);
 */
export function poolFeatures(
  tokens: tf.Tensor3D,
  pool: VitPool,
  fcNorm?: LayerNormParams,
  eps = 1e-6,
): tf.Tensor2D {
  const [b, n, d] = tokens.shape;
  if (tokens.rank !== 3 || n < 2)
    throw new ShapeError(`poolFeatures: expected tokens [B, N>=2, D], got [${tokens.shape}]`);
  return tf.tidy(() => {
    const f =
      pool === 'cls'
        ? tf.reshape(tf.slice(tokens, [0, 0, 0], [b, 1, d]), [b, d])
        : tf.mean(tf.slice(tokens, [0, 1, 0], [b, n - 1, d]), 1);
    return (fcNorm ? layerNorm(f, fcNorm, eps) : f) as tf.Tensor2D;
  });
}

/**
 * Image features as the config pools them (cfg.pool, fc_norm when cfg.fcNorm). images → [B, D].
 * @example const feats = vitFeatures(params, images, cfg); // linear-probe features
 */
export function vitFeatures(
  params: VitParams,
  images: tf.Tensor4D,
  cfg: VitConfig,
  opts: VitEncodeOptions = {},
): tf.Tensor2D {
  return tf.tidy(() =>
    poolFeatures(vitEncode(params, images, cfg, opts), cfg.pool, params.fc_norm, cfg.layerNormEps),
  );
}

/**
 * Classification logits. images: [B, H, W, C] → [B, numClasses].
 * @example const logits = vitClassify(params, images, cfg, { training: true, seed: step });
 */
export function vitClassify(
  params: VitParams,
  images: tf.Tensor4D,
  cfg: VitConfig,
  opts: VitEncodeOptions = {},
): tf.Tensor2D {
  const head = params.head;
  if (!head)
    throw new InvalidArgumentError(`vitClassify: the model has no head (numClasses=${cfg.numClasses})`);
  return tf.tidy(() => linear(vitFeatures(params, images, cfg, opts), head.weight, head.bias));
}
