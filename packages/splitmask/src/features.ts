/**
 * Frozen-encoder features for evaluation: all patches, mean-pooled patch tokens after the final
 * LayerNorm (Decision 8's pooling; SplitMask never trains the CLS output, so CLS is not used).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type VitConfig, type VitParams, vitEncode } from './deps';
import type { Normalization } from './source';

/**
 * images: [N·S·S·C] in [0, 1] → features [N, D], computed in chunks.
 * @example const f = encodeFeatures(params.encoder, pixels, n, vit, source.normalization);
 */
export function encodeFeatures(
  encoder: VitParams,
  pixels: Float32Array,
  count: number,
  vit: VitConfig,
  norm: Normalization,
  chunk = 256,
): tf.Tensor2D {
  const s = vit.imageSize;
  const per = s * s * vit.inChans;
  const parts: tf.Tensor2D[] = [];
  for (let i = 0; i < count; i += chunk) {
    const n = Math.min(chunk, count - i);
    parts.push(
      tf.tidy(() => {
        const x = tf.tensor4d(pixels.subarray(i * per, (i + n) * per), [n, s, s, vit.inChans]);
        const h = vitEncode(encoder, tf.div(tf.sub(x, norm.mean), norm.std) as tf.Tensor4D, vit, {
          training: false,
        });
        return tf.mean(tf.slice(h, [0, 1, 0], [-1, -1, -1]), 1) as tf.Tensor2D; // [n, D]
      }),
    );
  }
  const out = tf.concat(parts, 0) as tf.Tensor2D;
  tf.dispose(parts);
  return out;
}
