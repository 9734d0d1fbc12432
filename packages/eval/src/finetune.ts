/**
 * Full fine-tuning for classification, BEiT's recipe (paper.md §4.1 Table 9, §6.4, Decision 8): the
 * pretrained encoder on all patches, mean-pooled patch tokens + a fresh `fc_norm` LayerNorm + a linear head
 * (vit's head init × 0.001, BEiT's `init_scale`; the pretrained final `norm` is dropped as
 * BEiT's `use_mean_pooling` does), AdamW with layer-wise LR decay (core's `layerDecayScales`) and no
 * weight decay on biases/norms/pos_embed/cls_token, linear warmup + cosine per step, drop-path, mixup/cutmix
 * (timm 'batch' mode) with label smoothing folded into the soft targets, random horizontal flips; train
 * batches of fixed size (timm's drop_last). All randomness derives from `seed`.
 */
import {
  type AdamW,
  cloneParams,
  createAdamW,
  createRng,
  disposeParams,
  InvalidArgumentError,
  layerDecayScales,
  ShapeError,
  toVariables,
} from '@splitmask/core';
import { labelSmoothingCrossEntropy, softTargetCrossEntropy } from '@splitmask/losses';
import { createSession, type ImageSource, type Parallelism } from '@splitmask/splitmask';
import { initVitParams, resolveVitConfig, type VitConfig, type VitParams, vitClassify } from '@splitmask/vit';
import * as tf from '@tensorflow/tfjs-core';
import { gatherAugmented } from './augment';
import type { Normalization } from './features';
import { type ClassificationMetrics, metricsFromLogits } from './metrics';
import { createSupervisedMethod, type SupervisedMethodOptions } from './supervised';

/** Images in memory with labels: pixels [N·S·S·C] in [0, 1], labels [N]. */
export interface LabeledImages {
  pixels: Float32Array;
  labels: ArrayLike<number>;
  count: number;
}

/** Options of {@link finetune}; defaults follow Decision 8 / Table 9 except the LR (small batches here). */
export interface FinetuneOptions {
  numClasses: number;
  epochs?: number;
  /** Default 64 (clamped to the train set size). */
  batchSize?: number;
  /** Peak LR (default 1e-3). */
  lr?: number;
  /** Default 1e-6 (BEiT `min_lr`). */
  minLr?: number;
  /** Default 1, capped at 10% of the run. */
  warmupEpochs?: number;
  /** Default 0.05. */
  weightDecay?: number;
  /** Default 0.65. */
  layerDecay?: number;
  /** Default 0.1. */
  labelSmoothing?: number;
  /** Default 0.8. */
  mixupAlpha?: number;
  /** Default 1.0. */
  cutmixAlpha?: number;
  /** Default 1.0. */
  mixupProb?: number;
  /** Default 0.5. */
  switchProb?: number;
  /** Drop-path rate (default 0.1). */
  dropPath?: number;
  /** Random horizontal flips (default true). */
  hflip?: boolean;
  /**
   * Random translation: torchvision's `RandomCrop(S, padding=cropPadding)` with zero fill, before the
   * flip (default 0 = off; 2–4 px is the usual small-image setting).
   */
  cropPadding?: number;
  /**
   * PatchDropout: fraction of patch tokens each training image drops (default 0 = none; evaluation always
   * sees every patch). Lets an encoder pretrained on token subsets (SplitMask, MAE) fine-tune on subsets.
   */
  patchDropRate?: number;
  normalization?: Normalization;
  seed?: number;
  /** Test set evaluated after every `evalEvery` epochs (and the last). */
  evalEvery?: number;
  /** Called after each epoch (host reads happen here, at the loop edge). */
  onEpoch?: (e: FinetuneEpoch) => void;
  /** Data-parallel worker threads (`workerThreads(n)` from `@splitmask/splitmask/node`); default this thread. */
  parallel?: Parallelism;
  /** URL of this package's ES module for the workers (default: `import.meta.resolve('@splitmask/eval')`). */
  methodModule?: string;
}

/** One epoch's record. */
export interface FinetuneEpoch {
  epoch: number;
  loss: number;
  lr: number;
  eval?: ClassificationMetrics;
}

/** A fine-tuned classifier: Variables (caller disposes with `dispose`). */
export interface FinetuneResult {
  /** The classifier's params; leaves are Variables (role `finetune<n>/`). */
  params: VitParams;
  cfg: VitConfig;
  history: FinetuneEpoch[];
  dispose(): void;
}

let ftCounter = 0;

/**
 * The classifier's params and config from a pretrained encoder: blocks/embeddings copied, `norm` dropped,
 * fresh `fc_norm` and a head scaled by 0.001. encoder → { params, cfg } (plain tensors; caller disposes).
 * @example const { params, cfg } = initClassifierParams(encoder, encCfg, { numClasses: 10, dropPath: 0.1 }, createRng(0));
 */
export function initClassifierParams(
  encoder: VitParams,
  encoderCfg: VitConfig,
  o: { numClasses: number; dropPath?: number },
  rng: ReturnType<typeof createRng>,
): { params: VitParams; cfg: VitConfig } {
  const cfg = resolveVitConfig(encoderCfg, {
    pool: 'mean',
    fcNorm: true,
    numClasses: o.numClasses,
    dropPathRate: o.dropPath ?? 0.1,
  });
  const fresh = initVitParams(resolveVitConfig(cfg, { depth: 1 }), rng);
  const { norm: _norm, fc_norm: _fcNorm, head: _head, ...rest } = encoder;
  const head = fresh.head as NonNullable<VitParams['head']>;
  const fcNorm = fresh.fc_norm as NonNullable<VitParams['fc_norm']>;
  const params: VitParams = {
    ...cloneParams(rest),
    fc_norm: cloneParams(fcNorm),
    head: { weight: tf.mul(head.weight, 0.001), bias: tf.zerosLike(head.bias as tf.Tensor1D) },
  };
  disposeParams(fresh);
  return { params, cfg };
}

/**
 * BEiT's fine-tuning AdamW: LR scale decay^(L + 1 − layer id) per parameter (core's `layerDecayScales`)
 * and weight decay on all but biases, norms, `pos_embed` and `cls_token` (core's default rule).
 * @example const opt = createFinetuneOptimizer(flattenParams(vars), cfg, { weightDecay: 0.05, layerDecay: 0.65 });
 */
export function createFinetuneOptimizer(
  vars: Record<string, tf.Variable>,
  cfg: VitConfig,
  o: { weightDecay: number; layerDecay: number; role?: string },
): AdamW {
  return createAdamW(vars, {
    weightDecay: o.weightDecay,
    lrScale: layerDecayScales(Object.keys(vars), cfg.depth, o.layerDecay),
    ...(o.role !== undefined && { role: o.role }),
  });
}

/**
 * Fine-tuning loss of one batch: soft-target cross-entropy on (mixed) targets, or label-smoothing CE when
 * `targets` are int labels. images [B, S, S, C] → Scalar.
 * @example const loss = finetuneLoss(params, x, targets, cfg, { seed: step });
 */
export function finetuneLoss(
  params: VitParams,
  images: tf.Tensor4D,
  targets: tf.Tensor2D | tf.Tensor1D,
  cfg: VitConfig,
  o: {
    seed: number;
    smoothing?: number;
    training?: boolean;
    /** Global rows of this batch for drop-path masks (a data-parallel shard). */
    dropPathRows?: { total: number; rows: Int32Array };
    /** Patch indices to keep per image [B, K] (PatchDropout); all patches when absent. */
    visible?: tf.Tensor2D;
  },
): tf.Scalar {
  return tf.tidy(() => {
    const logits = vitClassify(params, images, cfg, {
      training: o.training ?? true,
      seed: o.seed,
      dropPathRows: o.dropPathRows,
      visible: o.visible,
    });
    return targets.rank === 2
      ? softTargetCrossEntropy(logits, targets as tf.Tensor2D)
      : labelSmoothingCrossEntropy(logits, targets as tf.Tensor1D, o.smoothing ?? 0.1);
  });
}

function resolve(o: FinetuneOptions) {
  const r = {
    epochs: 10,
    batchSize: 64,
    lr: 1e-3,
    minLr: 1e-6,
    warmupEpochs: 1,
    weightDecay: 0.05,
    layerDecay: 0.65,
    labelSmoothing: 0.1,
    mixupAlpha: 0.8,
    cutmixAlpha: 1.0,
    mixupProb: 1.0,
    switchProb: 0.5,
    dropPath: 0.1,
    hflip: true,
    patchDropRate: 0,
    cropPadding: 0,
    seed: 0,
    evalEvery: 1,
    ...o,
  };
  const bad: string[] = [];
  for (const k of ['epochs', 'batchSize', 'numClasses', 'evalEvery'] as const)
    if (!(Number.isInteger(r[k]) && r[k] > 0)) bad.push(`${k} must be a positive integer, got ${r[k]}`);
  if (!(r.lr > 0)) bad.push(`lr must be > 0, got ${r.lr}`);
  if (!(r.layerDecay > 0 && r.layerDecay <= 1)) bad.push(`layerDecay must be in (0, 1], got ${r.layerDecay}`);
  if (!(r.labelSmoothing >= 0 && r.labelSmoothing < 1))
    bad.push(`labelSmoothing must be in [0, 1), got ${r.labelSmoothing}`);
  if (!(r.dropPath >= 0 && r.dropPath < 1)) bad.push(`dropPath must be in [0, 1), got ${r.dropPath}`);
  if (!(Number.isInteger(r.cropPadding) && r.cropPadding >= 0))
    bad.push(`cropPadding must be a non-negative integer number of pixels, got ${r.cropPadding}`);
  if (!(r.patchDropRate >= 0 && r.patchDropRate < 1))
    bad.push(`patchDropRate must be in [0, 1), got ${r.patchDropRate}`);
  if (bad.length) throw new InvalidArgumentError(`finetune: ${bad.join('; ')}`);
  return r;
}

function normalize(x: tf.Tensor4D, norm?: Normalization): tf.Tensor4D {
  if (!norm) return x;
  return tf.div(tf.sub(x, tf.tensor1d([...norm.mean])), tf.tensor1d([...norm.std])) as tf.Tensor4D;
}

function checkData(data: LabeledImages, cfg: VitConfig, numClasses: number, what: string): void {
  const per = cfg.imageSize * cfg.imageSize * cfg.inChans;
  if (data.pixels.length !== data.count * per || data.labels.length !== data.count)
    throw new ShapeError(
      `finetune: ${what} has ${data.pixels.length} pixels and ${data.labels.length} labels for count=${data.count} ` +
        `images of ${cfg.imageSize}x${cfg.imageSize}x${cfg.inChans}`,
    );
  for (let i = 0; i < data.count; i++) {
    const y = data.labels[i] as number;
    if (!(Number.isInteger(y) && y >= 0 && y < numClasses))
      throw new InvalidArgumentError(`finetune: ${what} label ${i} is ${y}, outside [0, ${numClasses})`);
  }
}

/**
 * Classifier metrics over a labelled set, in batches. → top-1/top-5/per-class/confusion.
 * @example const m = await evaluateClassifier(res.params, res.cfg, test, { batchSize: 256 });
 */
export async function evaluateClassifier(
  params: VitParams,
  cfg: VitConfig,
  data: LabeledImages,
  o: { batchSize?: number; normalization?: Normalization } = {},
): Promise<ClassificationMetrics> {
  checkData(data, cfg, cfg.numClasses, 'eval set');
  const bs = o.batchSize ?? 256;
  const s = cfg.imageSize;
  const parts: tf.Tensor2D[] = [];
  for (let i = 0; i < data.count; i += bs) {
    const n = Math.min(bs, data.count - i);
    const per = s * s * cfg.inChans;
    const logits = tf.tidy(() => {
      const x = tf.tensor4d(data.pixels.subarray(i * per, (i + n) * per), [n, s, s, cfg.inChans]);
      return vitClassify(params, normalize(x, o.normalization), cfg, { training: false });
    });
    await logits.data(); // bounds queued work on async backends
    parts.push(logits);
  }
  const all = tf.concat(parts, 0) as tf.Tensor2D;
  tf.dispose(parts);
  try {
    return await metricsFromLogits(all, data.labels);
  } finally {
    all.dispose();
  }
}

/**
 * The labelled training images as a loop source: epoch permutations, random crops (shifts) and horizontal
 * flips (separate streams, so turning one on leaves the other's draws unchanged), labels.
 */
function labeledSource(
  train: LabeledImages,
  cfg: VitConfig,
  bs: number,
  stepsPerEpoch: number,
  o: { seed: number; hflip: boolean; cropPadding: number },
): ImageSource {
  const rng = createRng(o.seed);
  const { imageSize: s, inChans: c } = cfg;
  let cached: { epoch: number; perm: Int32Array } | undefined;
  const rowsOf = (index: number) => {
    const epoch = Math.floor(index / stepsPerEpoch);
    if (cached?.epoch !== epoch) cached = { epoch, perm: rng.split(0).split(epoch).permutation(train.count) };
    const k = index % stepsPerEpoch;
    return cached.perm.subarray(k * bs, (k + 1) * bs);
  };
  return {
    imageSize: s,
    channels: c,
    length: train.count,
    normalization: { mean: Array(c).fill(0), std: Array(c).fill(1) }, // the method normalises
    batch(index) {
      const idx = rowsOf(index);
      const frng = rng.split(2).split(index);
      const crng = rng.split(4).split(index);
      const p = o.cropPadding;
      const augment = Array.from(idx, () => ({
        flip: o.hflip && frng.random() < 0.5,
        dy: p ? crng.int(2 * p + 1) - p : 0,
        dx: p ? crng.int(2 * p + 1) - p : 0,
      }));
      return gatherAugmented(train.pixels, idx, s, c, augment);
    },
    labels: (index) => Int32Array.from(rowsOf(index), (i) => train.labels[i] as number),
  };
}

/** This module's URL for workers (`MethodSpec.module`); undefined where `import.meta.resolve` is missing. */
function ownModuleUrl(): string | undefined {
  try {
    return (import.meta as { resolve?: (s: string) => string }).resolve?.('@splitmask/eval');
  } catch {
    return undefined;
  }
}

/**
 * Fine-tunes `encoder` on `train` on @splitmask/splitmask's training loop (in this thread, or on
 * `parallel` worker threads); evaluates on `test` when given. → FinetuneResult (caller disposes).
 * @example
 * const res = await finetune(encoder, encCfg, train, { numClasses: 10, epochs: 10, seed: 0 }, test);
 * console.log(res.history.at(-1)?.eval?.top1); res.dispose();
 */
export async function finetune(
  encoder: VitParams,
  encoderCfg: VitConfig,
  train: LabeledImages,
  options: FinetuneOptions,
  test?: LabeledImages,
): Promise<FinetuneResult> {
  const o = resolve(options);
  const rng = createRng(o.seed);
  const { params: init, cfg } = initClassifierParams(encoder, encoderCfg, o, rng.split(3));
  try {
    checkData(train, cfg, o.numClasses, 'train set');
    if (test) checkData(test, cfg, o.numClasses, 'test set');
    if (o.cropPadding >= cfg.imageSize)
      throw new InvalidArgumentError(
        `finetune: cropPadding ${o.cropPadding} must be below the image size ${cfg.imageSize}`,
      );
  } catch (e) {
    disposeParams(init);
    throw e;
  }
  const role = `finetune${ftCounter++}`;
  const bs = Math.min(o.batchSize, train.count);
  const stepsPerEpoch = Math.floor(train.count / bs);
  const total = o.epochs * stepsPerEpoch;
  const methodOptions: SupervisedMethodOptions = {
    cfg,
    totalSteps: total,
    warmupSteps: Math.min(o.warmupEpochs * stepsPerEpoch, Math.floor(0.1 * total)),
    lr: o.lr,
    minLr: o.minLr,
    weightDecay: o.weightDecay,
    layerDecay: o.layerDecay,
    labelSmoothing: o.labelSmoothing,
    mixup: {
      mixupAlpha: o.mixupAlpha,
      cutmixAlpha: o.cutmixAlpha,
      prob: o.mixupProb,
      switchProb: o.switchProb,
    },
    normalization: o.normalization,
    seed: o.seed,
    patchDropRate: o.patchDropRate,
  };
  const method = createSupervisedMethod(methodOptions, role, init);
  disposeParams(init);
  const params = method.tree as VitParams; // leaves are Variables
  const source = labeledSource(train, cfg, bs, stepsPerEpoch, o);
  let url: string | undefined;
  if (o.parallel && o.parallel.workers > 1) {
    url = o.methodModule ?? ownModuleUrl();
    if (!url) {
      method.dispose();
      throw new InvalidArgumentError(
        "finetune: workers need this package's module URL; pass methodModule (e.g. import.meta.resolve('@splitmask/eval'))",
      );
    }
  }
  const session = await createSession({
    method,
    spec: {
      normalization: source.normalization,
      module: url ? { url, export: 'supervisedMethodFactory', options: methodOptions } : undefined,
    },
    train: { steps: total, batchSize: bs, checkpointEvery: 0 },
    source,
    role,
    parallel: o.parallel,
    gatherFloats: bs * cfg.embedDim,
  });
  const history: FinetuneEpoch[] = [];
  let sum = 0;
  try {
    for await (const ev of session.run()) {
      sum += ev.loss;
      if (ev.step % stepsPerEpoch !== 0) continue;
      const epoch = ev.step / stepsPerEpoch - 1;
      const rec: FinetuneEpoch = { epoch, loss: sum / stepsPerEpoch, lr: ev.lr };
      sum = 0;
      if (test && ((epoch + 1) % o.evalEvery === 0 || epoch === o.epochs - 1)) {
        await session.syncParams();
        rec.eval = await evaluateClassifier(params, cfg, test, { normalization: o.normalization });
      }
      history.push(rec);
      o.onEpoch?.(rec);
    }
  } catch (e) {
    await session.dispose();
    throw e;
  }
  // The classifier outlives the session (which frees the method, its optimizer and the workers).
  const trained = cloneParams(params);
  await session.dispose();
  const kept = toVariables(trained, role) as unknown as VitParams; // leaves are Variables
  disposeParams(trained);
  return { params: kept, cfg, history, dispose: () => disposeParams(kept) };
}
