/**
 * BEiT baseline (Bao et al. 2021, paper.md §6.3): the encoder sees every patch, with the patch
 * embeddings at masked positions replaced by a learned `mask_token` (before pos_embed is added);
 * block masking at 40%; the final LayerNorm'd outputs go through `lm_head = Linear(D, V)` and
 * cross-entropy is taken on the masked positions (mean). No relative position bias, no LayerScale
 * (the plain "ViT used in this paper" setting), so the encoder is the same one SplitMask trains.
 */
import type { Rng } from '@splitmask/core';
import { createRng, gatherRows2d, layerNorm, linear } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config';
import {
  blockMask,
  initVitParams,
  type LinearParams,
  maskedCrossEntropy,
  patchify,
  scaledBlockLimits,
  selectTokens,
  topUpMask,
  transformerBlock,
  type VitConfig,
  type VitParams,
  vitPosEmbed,
} from './deps';
import { truncNormal } from './init';
import { type ForwardOptions, type LossParts, toVitConfig } from './splitmask';

/** Encoder + mask token + LM head. */
export interface BeitParams {
  encoder: VitParams;
  mask_token: tf.Tensor3D;
  lm_head: LinearParams;
}

/** Initialises BEiT's pretraining model. */
export function initBeitParams(m: ModelConfig, vocabSize: number, rng: Rng): BeitParams {
  const encoder = initVitParams(toVitConfig(m), rng.split(1));
  const hrng = rng.split(2);
  return {
    encoder,
    mask_token: truncNormal([1, 1, m.embedDim], 0.02, hrng) as tf.Tensor3D,
    lm_head: {
      weight: truncNormal([m.embedDim, vocabSize], 0.02, hrng) as tf.Tensor2D,
      bias: tf.zeros([vocabSize]),
    },
  };
}

/** Host-side BEiT masks for a batch: masked indices [B·M] and the float mask [B·L]. */
export function drawBeitMasks(batch: number, grid: number, ratio: number, rng: Rng) {
  const L = grid * grid;
  const m = Math.max(1, Math.round(ratio * L));
  const limits = scaledBlockLimits(L);
  const masked = new Int32Array(batch * m);
  const weight = new Float32Array(batch * L);
  for (let i = 0; i < batch; i++) {
    // BEiT's generator can stop short of its target: top up to exactly m (fixed shapes).
    const mask = topUpMask(blockMask({ height: grid, width: grid, numMasking: m, ...limits }, rng), m, rng);
    let j = 0;
    mask.forEach((v, p) => {
      if (v) {
        masked[i * m + j++] = p;
        weight[i * L + p] = 1;
      }
    });
  }
  return { masked, weight, m };
}

/** Tensors of one BEiT step. */
export interface BeitInputs {
  images: tf.Tensor4D;
  /** [B, M] int32 masked positions. */
  masked: tf.Tensor2D;
  /** [B, L, 1] float32: 1 at masked positions. */
  maskWeight: tf.Tensor3D;
  /** [B, M] int32 token ids at masked positions. */
  targets: tf.Tensor2D;
}

/** Builds BEiT's step tensors from masks and the token map [B, h, w]. */
export function makeBeitInputs(
  images: tf.Tensor4D,
  tokens: tf.Tensor3D,
  masks: ReturnType<typeof drawBeitMasks>,
): BeitInputs {
  const b = images.shape[0];
  const L = tokens.shape[1] * tokens.shape[2];
  const flat = masks.masked.map((p, i) => Math.floor(i / masks.m) * L + p);
  return {
    images,
    masked: tf.tensor2d(masks.masked, [b, masks.m], 'int32'),
    maskWeight: tf.tensor3d(masks.weight, [b, L, 1]),
    targets: tf.tidy(
      () =>
        tf.reshape(gatherRows2d(tf.reshape(tokens, [-1, 1]) as tf.Tensor2D, tf.tensor1d(flat, 'int32')), [
          b,
          masks.m,
        ]) as tf.Tensor2D,
    ),
  };
}

/** Encoder with mask tokens: images [B, H, W, C] → [B, 1 + L, D] (final LayerNorm applied). */
export function beitEncode(
  params: BeitParams,
  inputs: Pick<BeitInputs, 'images' | 'maskWeight'>,
  vit: VitConfig,
  opts: ForwardOptions = {},
): tf.Tensor3D {
  return tf.tidy(() => {
    const e = params.encoder;
    const b = inputs.images.shape[0];
    const x = linear(
      patchify(inputs.images, vit.patchSize),
      e.patch_embed.proj.weight,
      e.patch_embed.proj.bias,
    );
    const w = inputs.maskWeight;
    const mixed = tf.add(tf.mul(x, tf.sub(1, w)), tf.mul(params.mask_token, w)); // mask_token replaces the embedding
    const cls = tf.tile(e.cls_token, [b, 1, 1]);
    let h = tf.add(tf.concat([cls, mixed], 1), vitPosEmbed(e, vit)) as tf.Tensor3D;
    // Same drop-path schedule and per-block seeds as @splitmask/vit's encoder.
    const rng = createRng(opts.seed ?? 0);
    e.blocks.forEach((bp, i) => {
      const rate = vit.depth > 1 ? (vit.dropPathRate * i) / (vit.depth - 1) : 0;
      h = transformerBlock(bp, h, vit, {
        dropPath: rate,
        seed: rng.split(i).nextUint32(),
        training: opts.training,
        dropPathRows: opts.dropPathRows,
      });
    });
    return e.norm ? layerNorm(h, e.norm, vit.layerNormEps) : h;
  });
}

/**
 * BEiT loss: cross-entropy of lm_head on the masked positions.
 * @example const { total } = beitLoss(params, inputs, toVitConfig(cfg.model));
 */
export function beitLoss(
  params: BeitParams,
  inputs: BeitInputs,
  vit: VitConfig,
  opts: ForwardOptions = {},
): LossParts {
  return tf.tidy(() => {
    const h = tf.slice(beitEncode(params, inputs, vit, opts), [0, 1, 0], [-1, -1, -1]) as tf.Tensor3D; // [B, L, D]
    const logits = linear(selectTokens(h, inputs.masked), params.lm_head.weight, params.lm_head.bias);
    // A data-parallel shard returns its share of the batch mean (every row has M masked tokens).
    const share = opts.collective ? inputs.images.shape[0] / opts.collective.shard.total : 1;
    const mim = tf.mul(maskedCrossEntropy(logits as tf.Tensor3D, inputs.targets), share) as tf.Scalar;
    return { total: mim, mim };
  });
}
