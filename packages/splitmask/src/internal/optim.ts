/**
 * AdamW with BEiT's parameter groups, warmup + cosine schedule, global-norm clipping.
 * TODO(integrate): replace with @splitmask/core createAdamW / cosineSchedule / clipByGlobalNorm when
 * "core-state" lands.
 */
import * as tf from '@tensorflow/tfjs-core';

/** AdamW hyper-parameters. */
export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Whether a parameter (by flat name and shape) gets weight decay. */
  decay: (name: string, shape: readonly number[]) => boolean;
}

/**
 * BEiT's rule: no decay for 1-D params, biases, pos_embed, cls_token, mask_token.
 * @example noDecay('blocks.0.norm1.weight', [64]) // true
 */
export function noWeightDecay(name: string, shape: readonly number[]): boolean {
  return shape.length <= 1 || name.endsWith('.bias') || /(^|\.)(pos_embed|cls_token|mask_token)$/.test(name);
}

/** Creates AdamW over named Variables; `step(grads, lr)` updates in place (call inside a tidy). */
export function createAdamW(params: Record<string, tf.Variable>, o: AdamWOptions) {
  const names = Object.keys(params);
  const m: Record<string, tf.Variable> = {};
  const v: Record<string, tf.Variable> = {};
  for (const n of names) {
    const zeros = tf.zerosLike(params[n]);
    m[n] = tf.variable(zeros, false);
    v[n] = tf.variable(zeros, false);
    zeros.dispose(); // the Variables hold their own references to the data
  }
  let t = 0;
  return {
    get count() {
      return t;
    },
    step(grads: Record<string, tf.Tensor>, lr: number): void {
      t++;
      const bc1 = 1 - o.beta1 ** t;
      const bc2 = 1 - o.beta2 ** t;
      tf.tidy(() => {
        for (const n of names) {
          const g = grads[n];
          const p = params[n];
          const mn = tf.add(tf.mul(m[n], o.beta1), tf.mul(g, 1 - o.beta1));
          const vn = tf.add(tf.mul(v[n], o.beta2), tf.mul(tf.square(g), 1 - o.beta2));
          m[n].assign(mn);
          v[n].assign(vn);
          const update = tf.div(tf.div(mn, bc1), tf.add(tf.sqrt(tf.div(vn, bc2)), o.eps));
          const wd = o.decay(n, p.shape) ? o.weightDecay : 0;
          const decayed = wd > 0 ? tf.mul(p, 1 - lr * wd) : p;
          p.assign(tf.sub(decayed, tf.mul(update, lr)));
        }
      });
    },
    /** Moments as named tensors (for checkpoints) and the step count. */
    getState(): { tensors: Record<string, tf.Tensor>; count: number } {
      const tensors: Record<string, tf.Tensor> = {};
      for (const n of names) {
        tensors[`m.${n}`] = m[n];
        tensors[`v.${n}`] = v[n];
      }
      return { tensors, count: t };
    },
    setState(tensors: Record<string, tf.Tensor>, count: number): void {
      for (const n of names) {
        m[n].assign(tensors[`m.${n}`]);
        v[n].assign(tensors[`v.${n}`]);
      }
      t = count;
    },
    dispose(): void {
      for (const n of names) {
        m[n].dispose();
        v[n].dispose();
      }
    },
  };
}

/** The optimiser returned by createAdamW. */
export type AdamW = ReturnType<typeof createAdamW>;

/** Linear warmup from 0 to `base` over warmupSteps, then cosine to `final` at totalSteps (BEiT utils). */
export function cosineSchedule({
  base,
  final,
  warmupSteps,
  totalSteps,
}: {
  base: number;
  final: number;
  warmupSteps: number;
  totalSteps: number;
}) {
  return (step: number): number => {
    if (step < warmupSteps) return warmupSteps <= 1 ? base : (base * step) / (warmupSteps - 1);
    const n = Math.max(1, totalSteps - warmupSteps);
    const i = Math.min(step - warmupSteps, n);
    return final + 0.5 * (base - final) * (1 + Math.cos((Math.PI * i) / n));
  };
}

/** Scales grads so their global ℓ2 norm is at most maxNorm; returns the pre-clip norm (Scalar). */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: tf.Scalar } {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
    if (!(maxNorm > 0)) return { grads: { ...grads }, norm };
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    const out: Record<string, tf.Tensor> = {};
    for (const [n, g] of Object.entries(grads)) out[n] = tf.mul(g, scale);
    return { grads: out, norm };
  });
}
