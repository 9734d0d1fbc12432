/**
 * Gradient clipping with `torch.nn.utils.clip_grad_norm_` semantics (PyTorch 1.13): the global L2 norm is
 * the norm of the per-tensor norms, every gradient is multiplied by `min(1, maxNorm / (norm + 1e-6))`
 * (always, so a norm under the limit still scales by exactly 1), and a non-finite norm propagates
 * (torch's `error_if_nonfinite=False`). Everything stays on device: the norm comes back as a Scalar.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';

/** torch's epsilon in `max_norm / (total_norm + 1e-6)`. */
export const CLIP_EPS = 1e-6;

function checkMaxNorm(maxNorm: number): void {
  if (!(maxNorm > 0)) throw new InvalidArgumentError(`clip: maxNorm must be > 0, got ${maxNorm}`);
}

function clipCoef(norm: tf.Scalar, maxNorm: number): tf.Scalar {
  return tf.minimum(tf.div(tf.scalar(maxNorm), tf.add(norm, tf.scalar(CLIP_EPS))), tf.scalar(1)) as tf.Scalar;
}

/** L2 norm of one tensor as a Scalar (sqrt of the sum of squares). */
function l2(t: tf.Tensor): tf.Scalar {
  return tf.sqrt(tf.sum(tf.square(t))) as tf.Scalar;
}

/**
 * Scales all gradients together so their global L2 norm is at most `maxNorm`. Returns fresh tensors
 * (the inputs are not disposed) and the pre-clipping norm.
 * grads: { name: any shape } → { grads: same shapes, norm: Scalar }
 * @example
 * const { grads: clipped, norm } = clipByGlobalNorm(grads, 3.0); // BEiT --clip_grad 3.0
 */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: tf.Scalar } {
  checkMaxNorm(maxNorm);
  return tf.tidy(() => {
    const entries = Object.entries(grads);
    const norm = entries.length === 0 ? tf.scalar(0) : l2(tf.stack(entries.map(([, g]) => l2(g))));
    const coef = clipCoef(norm, maxNorm);
    const out: Record<string, tf.Tensor> = {};
    for (const [name, g] of entries) out[name] = tf.mul(g, coef);
    return { grads: out, norm };
  });
}

/**
 * Clips each gradient separately to L2 norm `maxNorm` (the global rule applied to one tensor at a time).
 * grads: { name: any shape } → { grads: same shapes, norms: { name: Scalar } } (pre-clipping norms)
 * @example const { grads: clipped } = clipPerTensor(grads, 1.0);
 */
export function clipPerTensor(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norms: Record<string, tf.Scalar> } {
  checkMaxNorm(maxNorm);
  return tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {};
    const norms: Record<string, tf.Scalar> = {};
    for (const [name, g] of Object.entries(grads)) {
      norms[name] = l2(g);
      out[name] = tf.mul(g, clipCoef(norms[name], maxNorm));
    }
    return { grads: out, norms };
  });
}
