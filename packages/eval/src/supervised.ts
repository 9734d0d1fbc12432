/**
 * Supervised classification training (fine-tuning a pretrained encoder, or training from scratch) as a
 * `TrainMethod` of @splitmask/splitmask's one training loop, so it gets the loop's checkpoints, NaN check
 * and data-parallel workers like the pretraining methods.
 *
 * BEiT's recipe (see finetune.ts): soft-target cross-entropy on mixup/cutmix-mixed batches with label
 * smoothing folded into the targets, AdamW with layer-wise LR decay, warmup + cosine per step, drop-path.
 * Mixup pairs row i with row B−1−i of the *global* batch (timm's `x.flip(0)`), so the method asks for the
 * whole micro-batch on every worker (`fullBatchInputs`) and keeps its own rows after mixing; drop-path
 * masks are drawn per global row. Randomness: mixup from `rng(seed).split(1).split(step)`, drop-path from
 * `seed·7919 + step` — the same draws as the single-thread loop this replaces.
 */
import { cosineSchedule, createRng, flattenParams, type Schedule, toVariables } from '@splitmask/core';
import type { StepContext, TrainMethod } from '@splitmask/splitmask';
import { initVitParams, resolveVitConfig, type VitConfig, type VitParams, vitDims } from '@splitmask/vit';
import * as tf from '@tensorflow/tfjs-core';
import type { Normalization } from './features';
import { createFinetuneOptimizer, finetuneLoss, initClassifierParams } from './finetune';
import { applyMixup, type MixupOptions, sampleMixup } from './mixup';

/** Options of `createSupervisedMethod` (all plain data, so a worker can rebuild the method). */
export interface SupervisedMethodOptions {
  /** Classifier config (numClasses > 0, pool, fcNorm, dropPathRate). */
  cfg: VitConfig;
  totalSteps: number;
  warmupSteps: number;
  lr: number;
  minLr: number;
  weightDecay: number;
  layerDecay: number;
  labelSmoothing: number;
  mixup: MixupOptions;
  normalization?: Normalization;
  seed: number;
  /** Fraction of patch tokens dropped per training image (PatchDropout); 0 or absent = all tokens. */
  patchDropRate?: number;
}

interface SupervisedInputs {
  images: tf.Tensor4D;
  targets: tf.Tensor2D;
  seed: number;
  rows: { total: number; rows: Int32Array };
  /** Kept patch indices [size, K] when patch dropout is on. */
  visible?: tf.Tensor2D;
}

/**
 * PatchDropout (Liu et al. 2022; timm's `patch_drop_rate`): each training image keeps a random subset of
 * K = round(L·(1 − rate)) patches (at least 1), drawn per *global* row from `rng` so a data-parallel shard
 * keeps the same tokens as one worker would. Indices sorted ascending (timm's `ordered=True`; the set, not
 * the order, matters with absolute position embeddings). → Int32Array [rows·K], K.
 */
export function samplePatchKeep(
  rng: ReturnType<typeof createRng>,
  rows: number,
  numPatches: number,
  rate: number,
): { indices: Int32Array; keep: number } {
  const keep = Math.max(1, Math.round(numPatches * (1 - rate)));
  const indices = new Int32Array(rows * keep);
  for (let r = 0; r < rows; r++) {
    const kept = rng.split(r).permutation(numPatches).subarray(0, keep).sort();
    indices.set(kept, r * keep);
  }
  return { indices, keep };
}

/** A classifier with the same parameter names as `initClassifierParams` gives (a worker's placeholder). */
function randomClassifier(cfg: VitConfig, seed: number): VitParams {
  const encCfg = resolveVitConfig(cfg, { numClasses: 0, fcNorm: false, pool: 'cls' });
  const encoder = initVitParams(encCfg, createRng(seed).split(4));
  const { params } = initClassifierParams(
    encoder,
    encCfg,
    { numClasses: cfg.numClasses, dropPath: cfg.dropPathRate },
    createRng(seed).split(3),
  );
  tf.dispose(Object.values(flattenParams(encoder)));
  return params;
}

/**
 * The supervised method. `params` (plain tensors, copied) are the starting weights; without them the
 * classifier is initialised from `seed` (a worker's replica, which the trainer then overwrites).
 * @example const m = createSupervisedMethod(opts, 'finetune0', classifierParams);
 */
export function createSupervisedMethod(
  o: SupervisedMethodOptions,
  role: string,
  params?: VitParams,
): TrainMethod {
  const cfg = resolveVitConfig(o.cfg);
  const init = params ?? randomClassifier(cfg, o.seed);
  const tree = toVariables(init, role) as unknown as VitParams;
  if (!params) tf.dispose(Object.values(flattenParams(init)));
  const vars = flattenParams<tf.Variable>(tree);
  const optimizer = createFinetuneOptimizer(vars, cfg, { ...o, role: `${role}/optim` });
  const lr: Schedule = cosineSchedule({
    base: o.lr,
    final: o.minLr,
    warmupSteps: o.warmupSteps,
    totalSteps: o.totalSteps,
  });
  const rng = createRng(o.seed);
  const { imageSize: s, numClasses } = cfg;
  const { numPatches } = vitDims(cfg);
  const norm = o.normalization;
  return {
    name: 'supervised',
    parts: ['total'],
    tree,
    params: vars,
    buffers: {},
    optimizer,
    fullBatchInputs: true,
    extraTensors: {},
    extraState: {},
    scalars: (step) => ({ lr: lr(step) }),
    inputs(pixels, ctx: StepContext): SupervisedInputs {
      const { lo, size, total } = ctx.collective.shard;
      if (!ctx.labels) throw new RangeError('supervised method: the source gives no labels');
      const x = norm
        ? (tf.div(tf.sub(pixels, tf.tensor1d([...norm.mean])), tf.tensor1d([...norm.std])) as tf.Tensor4D)
        : pixels;
      const y = tf.tensor1d(ctx.labels, 'int32');
      const sample = sampleMixup(rng.split(1).split(ctx.dataIndex), o.mixup, s, s);
      const mixed = applyMixup(x, y, numClasses, sample, o.labelSmoothing);
      const rows = Int32Array.from({ length: size }, (_, i) => lo + i);
      let visible: tf.Tensor2D | undefined;
      if (o.patchDropRate) {
        // drawn for all `total` rows, this shard keeps its own: independent of the worker count
        const { indices, keep } = samplePatchKeep(
          rng.split(5).split(ctx.dataIndex),
          total,
          numPatches,
          o.patchDropRate,
        );
        visible = tf.tensor2d(indices.subarray(lo * keep, (lo + size) * keep), [size, keep], 'int32');
      }
      return {
        images: tf.slice(mixed.images, [lo, 0, 0, 0], [size, -1, -1, -1]),
        targets: tf.slice(mixed.targets, [lo, 0], [size, -1]),
        seed: (o.seed * 7919 + ctx.dataIndex) % 2147483647,
        rows: { total, rows },
        ...(visible && { visible }),
      };
    },
    loss(inputs, ctx) {
      const x = inputs as SupervisedInputs;
      const { size, total } = ctx.collective.shard;
      const ce = finetuneLoss(tree, x.images, x.targets, cfg, {
        seed: x.seed,
        dropPathRows: x.rows,
        visible: x.visible,
      });
      return { total: tf.mul(ce, size / total) as tf.Scalar };
    },
    update(grads, step) {
      optimizer.step(grads, { lr: lr(step) });
    },
    dispose() {
      tf.dispose(Object.values(vars));
      optimizer.dispose();
    },
  };
}

/** The worker-side factory (`MethodSpec.module`): rebuilds the method; its weights come from the main thread. */
export function supervisedMethodFactory(options: SupervisedMethodOptions, role: string): TrainMethod {
  return createSupervisedMethod(options, role);
}
