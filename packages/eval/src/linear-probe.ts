/**
 * Linear probe on frozen features (paper.md §4.2, BEiT App. D / MAE `main_linprobe.py`): the features are
 * standardised with the train set's mean and variance (MAE's `BatchNorm1d(affine=False)` in front of the
 * head, frozen at its train statistics), then a linear head is trained with cross-entropy, AdamW (BEiT:
 * lr 4e-3, wd 1e-4) or SGD with momentum, warmup + cosine, on seeded shuffles. Head init N(0, 0.01²)
 * (MAE's trunc_normal std 0.01), bias 0. Bias gets no weight decay.
 */
import {
  type AdamW,
  cosineSchedule,
  createAdamW,
  createRng,
  crossEntropyPerRow,
  InvalidArgumentError,
  linear,
  ShapeError,
} from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link trainLinearProbe}. */
export interface LinearProbeOptions {
  numClasses: number;
  /** Default 50 (BEiT App. D). */
  epochs?: number;
  /** Default 256. */
  batchSize?: number;
  /** Peak LR (default 4e-3, BEiT App. D with AdamW; use ~0.1 for SGD). */
  lr?: number;
  /** Final LR of the cosine (default 0). */
  minLr?: number;
  /** Default 0. */
  warmupEpochs?: number;
  /** Default 1e-4 (BEiT App. D). */
  weightDecay?: number;
  /** Default 'adamw'. */
  optimizer?: 'adamw' | 'sgd';
  /** SGD momentum (default 0.9). */
  momentum?: number;
  /** Variance epsilon of the standardisation (default 1e-6). */
  eps?: number;
  seed?: number;
  /** Called after each epoch with the mean train loss (a host read at the loop edge). */
  onEpoch?: (epoch: number, loss: number) => void;
}

/** A trained probe; `logits` standardises then applies the head. */
export interface LinearProbe {
  /** [D] train feature mean. */
  mean: tf.Tensor1D;
  /** [D] sqrt(train variance + eps). */
  std: tf.Tensor1D;
  /** [D, C] */
  weight: tf.Variable;
  /** [C] */
  bias: tf.Variable;
  /** Mean train loss per epoch. */
  losses: number[];
  /** features [B, D] → logits [B, C]. */
  logits(features: tf.Tensor2D): tf.Tensor2D;
  dispose(): void;
}

let probeCounter = 0;

function resolve(o: LinearProbeOptions) {
  const r = {
    epochs: 50,
    batchSize: 256,
    lr: 4e-3,
    minLr: 0,
    warmupEpochs: 0,
    weightDecay: 1e-4,
    optimizer: 'adamw' as 'adamw' | 'sgd',
    momentum: 0.9,
    eps: 1e-6,
    seed: 0,
    ...o,
  };
  const bad: string[] = [];
  const posInt = (k: 'epochs' | 'batchSize' | 'numClasses') => {
    if (!(Number.isInteger(r[k]) && r[k] > 0)) bad.push(`${k} must be a positive integer, got ${r[k]}`);
  };
  posInt('epochs');
  posInt('batchSize');
  posInt('numClasses');
  if (!(r.lr > 0)) bad.push(`lr must be > 0, got ${r.lr}`);
  if (!(r.weightDecay >= 0)) bad.push(`weightDecay must be >= 0, got ${r.weightDecay}`);
  if (r.optimizer !== 'adamw' && r.optimizer !== 'sgd')
    bad.push(`optimizer must be 'adamw' or 'sgd', got ${r.optimizer}`);
  if (bad.length) throw new InvalidArgumentError(`trainLinearProbe: ${bad.join('; ')}`);
  return r;
}

/** torch.optim.SGD(momentum, weight_decay) on the head; the moment buffers are Variables. */
function createSgd(vars: Record<string, tf.Variable>, momentum: number, decayed: Set<string>, role: string) {
  const bufs = Object.fromEntries(
    Object.entries(vars).map(([n, v]) => [
      n,
      tf.tidy(() => tf.variable(tf.zerosLike(v), false, `${role}/sgd_buf/${n}`)),
    ]),
  );
  return {
    step(grads: Record<string, tf.Tensor>, { lr, weightDecay }: { lr: number; weightDecay: number }) {
      tf.tidy(() => {
        for (const [n, v] of Object.entries(vars)) {
          const g0 = grads[n] ?? grads[v.name];
          if (!g0) continue;
          const g = decayed.has(n) && weightDecay > 0 ? tf.add(g0, tf.mul(v, weightDecay)) : g0;
          const b = bufs[n] as tf.Variable;
          b.assign(tf.add(tf.mul(b, momentum), g));
          v.assign(tf.sub(v, tf.mul(b, lr)));
        }
      });
    },
    dispose: () => tf.dispose(Object.values(bufs)),
  };
}

/**
 * Trains a linear probe. features: [N, D], labels: [N] → LinearProbe (caller disposes).
 * @example
 * const probe = await trainLinearProbe(trainF, trainY, { numClasses: 10, epochs: 50, seed: 0 });
 * const logits = probe.logits(testF); probe.dispose();
 */
export async function trainLinearProbe(
  features: tf.Tensor2D,
  labels: ArrayLike<number>,
  options: LinearProbeOptions,
): Promise<LinearProbe> {
  const o = resolve(options);
  const [n, d] = features.shape;
  if (features.rank !== 2 || labels.length !== n)
    throw new ShapeError(
      `trainLinearProbe: expected features [${labels.length}, D], got [${features.shape}]`,
    );
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    if (!(Number.isInteger(y) && y >= 0 && y < o.numClasses))
      throw new InvalidArgumentError(`trainLinearProbe: label ${i} is ${y}, outside [0, ${o.numClasses})`);
  }
  const role = `linear_probe${probeCounter++}`;
  const rng = createRng(o.seed);
  const init = rng.split(0);
  const w0 = new Float32Array(d * o.numClasses).map(() => 0.01 * init.normal());
  const weight = tf.tidy(() => tf.variable(tf.tensor2d(w0, [d, o.numClasses]), true, `${role}/head.weight`));
  const bias = tf.tidy(() => tf.variable(tf.zeros([o.numClasses]), true, `${role}/head.bias`));
  const { mean, std } = tf.tidy(() => {
    const m = tf.moments(features, 0);
    return { mean: m.mean as tf.Tensor1D, std: tf.sqrt(tf.add(m.variance, o.eps)) as tf.Tensor1D };
  });
  const x = tf.tidy(() => tf.div(tf.sub(features, mean), std) as tf.Tensor2D); // [N, D]
  const y = tf.tensor1d(Int32Array.from(labels), 'int32');
  const vars = { 'head.weight': weight, 'head.bias': bias };
  const stepsPerEpoch = Math.ceil(n / o.batchSize);
  const total = o.epochs * stepsPerEpoch;
  const schedule = cosineSchedule({
    base: o.lr,
    final: o.minLr,
    warmupSteps: Math.min(o.warmupEpochs * stepsPerEpoch, total - 1),
    totalSteps: total,
  });
  const opt: AdamW | ReturnType<typeof createSgd> =
    o.optimizer === 'adamw'
      ? createAdamW(vars, { weightDecay: o.weightDecay, role })
      : createSgd(vars, o.momentum, new Set(['head.weight']), role);
  const losses: number[] = [];
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const perm = rng.split(1 + epoch).permutation(n);
      const batchLosses: tf.Scalar[] = [];
      for (let s = 0; s < stepsPerEpoch; s++) {
        const idx = perm.subarray(s * o.batchSize, Math.min(n, (s + 1) * o.batchSize));
        const step = epoch * stepsPerEpoch + s;
        batchLosses.push(
          tf.tidy(() => {
            const it = tf.tensor1d(idx, 'int32');
            const xb = tf.gather(x, it) as tf.Tensor2D;
            const yb = tf.gather(y, it) as tf.Tensor1D;
            const { value, grads } = tf.variableGrads(
              () => tf.mean(crossEntropyPerRow(linear(xb, weight, bias), yb)) as tf.Scalar,
              [weight, bias],
            );
            opt.step(grads, { lr: schedule(step), weightDecay: o.weightDecay });
            return value;
          }),
        );
      }
      const mean = tf.tidy(() => tf.mean(tf.stack(batchLosses)));
      losses.push((await mean.data())[0] as number);
      tf.dispose([mean, ...batchLosses]);
      o.onEpoch?.(epoch, losses[epoch] as number);
    }
  } finally {
    opt.dispose();
    tf.dispose([x, y]);
  }
  return {
    mean,
    std,
    weight,
    bias,
    losses,
    logits: (f) =>
      tf.tidy(() => linear(tf.div(tf.sub(f, mean), std) as tf.Tensor2D, weight, bias) as tf.Tensor2D),
    dispose: () => tf.dispose([mean, std, weight, bias]),
  };
}
