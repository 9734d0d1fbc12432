/**
 * SplitMask and BEiT as `TrainMethod`s: encoder (+ decoder / LM head) as Variables, AdamW with BEiT's
 * parameter groups, warmup + cosine LR, global-norm clipping, a frozen tokenizer for the targets.
 *
 * Host randomness of micro-batch `dataIndex`: masks from `createRng(seed).split(1 + dataIndex)` drawn
 * for the whole global micro-batch in row order (then this shard's rows are taken), drop-path from
 * seed·7919 + dataIndex with per-row masks of the global batch — so any worker count draws exactly what
 * one process draws.
 */
import {
  type AdamW,
  CLIP_EPS,
  cosineSchedule,
  createAdamW,
  createRng,
  flattenParams,
  type Schedule,
  toVariables,
} from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { type BeitInputs, beitLoss, drawBeitMasks, initBeitParams, makeBeitInputs } from '../beit';
import type { PretrainConfig } from '../config';
import type { Tokenizer } from '../deps';
import type { Normalization } from '../source';
import {
  drawSplitIndices,
  initSplitMaskParams,
  makeSplitMaskInputs,
  type SplitIndices,
  type SplitMaskInputs,
  splitMaskLoss,
  toVitConfig,
} from '../splitmask';
import type { StepContext, TrainMethod } from '../train/method';

/** What a masked-image-modelling method needs besides its config. */
export interface MaskedMethodOptions {
  config: PretrainConfig;
  tokenizer: Tokenizer;
  normalization: Normalization;
  /** Variable-name prefix (tfjs variable names are process-global). */
  role: string;
}

/** Rows [lo, lo+size) of a split drawn for `total` images (A rows then B rows, as drawSplitIndices lays them). */
function sliceSplit(s: SplitIndices, lo: number, size: number, total: number): SplitIndices {
  if (lo === 0 && size === total) return s;
  const rows = (src: Int32Array, width: number) => {
    const out = new Int32Array(2 * size * width);
    out.set(src.subarray(lo * width, (lo + size) * width), 0);
    out.set(src.subarray((total + lo) * width, (total + lo + size) * width), size * width);
    return out;
  };
  return {
    visible: rows(s.visible, s.k),
    missing: rows(s.missing, s.m),
    k: s.k,
    m: s.m,
    visibleA: s.visibleA.slice(lo, lo + size),
  };
}

/** Global row ids [lo..lo+size) (and, for two branches, total+lo..) for drop-path masks. */
function shardRows(lo: number, size: number, total: number, branches: 1 | 2) {
  const rows = new Int32Array(branches * size);
  for (let i = 0; i < size; i++) {
    rows[i] = lo + i;
    if (branches === 2) rows[size + i] = total + lo + i;
  }
  return { total: branches * total, rows };
}

interface MaskedInputs {
  tensors: SplitMaskInputs | BeitInputs;
  seed: number;
  dropPathRows: { total: number; rows: Int32Array };
}

/**
 * The SplitMask or BEiT method of `config.method`.
 * @example const m = createMaskedMethod({ config, tokenizer, normalization: source.normalization, role: 'sm0' });
 */
export function createMaskedMethod(o: MaskedMethodOptions): TrainMethod {
  const cfg = o.config;
  const vit = toVitConfig(cfg.model);
  const grid = cfg.model.imageSize / cfg.model.patchSize;
  const isBeit = cfg.method === 'beit';
  const init = isBeit ? initBeitParams : initSplitMaskParams;
  const tree = toVariables(init(cfg.model, o.tokenizer.vocabSize, createRng(cfg.seed)), o.role);
  const params = flattenParams<tf.Variable>(tree);
  // BEiT parameter groups: core's default no-decay rule (1-D, biases, norms, pos_embed, cls/mask tokens).
  const optimizer: AdamW = createAdamW(params, {
    beta1: cfg.optim.beta1,
    beta2: cfg.optim.beta2,
    eps: cfg.optim.eps,
    weightDecay: cfg.optim.weightDecay,
  });
  const lr: Schedule = cosineSchedule({
    base: cfg.optim.lr,
    final: cfg.optim.minLr,
    warmupSteps: cfg.optim.warmupSteps,
    totalSteps: cfg.train.steps,
  });
  const { mean, std } = o.normalization;

  return {
    name: cfg.method,
    parts: isBeit ? ['total', 'mim'] : ['total', 'mim', 'nce', 'nceAcc'],
    tree,
    params,
    buffers: {},
    optimizer,
    extraTensors: Object.fromEntries(
      Object.entries(o.tokenizer.toTensors()).map(([k, t]) => [`tokenizer.${k}`, t]),
    ),
    extraState: { tokenizer: o.tokenizer.config },
    scalars: (step) => ({ lr: lr(step) }),
    inputs(pixels, ctx: StepContext): MaskedInputs {
      const { lo, size, total } = ctx.collective.shard;
      const tokens = o.tokenizer.tokenize(pixels, { checkFinite: false }); // no host read inside the step
      const images = tf.div(tf.sub(pixels, mean), std) as tf.Tensor4D;
      const rng = createRng(cfg.seed).split(1 + ctx.dataIndex);
      const seed = (cfg.seed * 7919 + ctx.dataIndex) % 2147483647;
      if (isBeit) {
        const all = drawBeitMasks(total, grid, cfg.masking.beitMaskRatio, rng);
        const L = grid * grid;
        const masks = {
          m: all.m,
          masked: all.masked.slice(lo * all.m, (lo + size) * all.m),
          weight: all.weight.slice(lo * L, (lo + size) * L),
        };
        return {
          tensors: makeBeitInputs(images, tokens, masks),
          seed,
          dropPathRows: shardRows(lo, size, total, 1),
        };
      }
      const split = sliceSplit(drawSplitIndices(total, grid, rng, cfg.masking), lo, size, total);
      return {
        tensors: makeSplitMaskInputs(images, tokens, split),
        seed,
        dropPathRows: shardRows(lo, size, total, 2),
      };
    },
    loss(inputs, ctx) {
      const x = inputs as MaskedInputs;
      const opts = {
        training: true,
        seed: x.seed,
        collective: ctx.collective,
        dropPathRows: x.dropPathRows,
        temperature: cfg.loss.temperature,
        nceWeight: cfg.loss.nceWeight,
      };
      return isBeit
        ? beitLoss(tree as never, x.tensors as BeitInputs, vit, opts)
        : splitMaskLoss(tree as never, x.tensors as SplitMaskInputs, vit, opts);
    },
    update(grads, step, _extras, gradNorm) {
      tf.tidy(() => {
        // torch's clip_grad_norm_: scale by min(1, max / (norm + 1e-6)), with the global norm the trainer
        // already read for its finite check (not recomputed here); a factor of 1 changes nothing, so skip it.
        const coef = cfg.optim.clipGrad > 0 ? Math.min(1, cfg.optim.clipGrad / (gradNorm + CLIP_EPS)) : 1;
        const g =
          coef < 1 ? Object.fromEntries(Object.entries(grads).map(([k, t]) => [k, tf.mul(t, coef)])) : grads;
        optimizer.step(g, { lr: lr(step) });
      });
    },
    dispose() {
      tf.dispose(Object.values(params));
      optimizer.dispose();
    },
  };
}
