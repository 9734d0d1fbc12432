/**
 * SplitMask (El-Nouby et al. 2021, arXiv 2112.10740 §4, Fig. 4): split → encode → inpaint → match.
 *
 * Per image the patches are split into disjoint halves A and B (paper.md Decision 1). A shared ViT
 * encoder sees only a branch's visible patches (+ CLS); a shared 2-block decoder of the encoder's width
 * gets the encoder's patch outputs at their positions and `mask_token + pos_embed` at the missing ones,
 * then a final LayerNorm and a Linear(D, V) head predict the missing patches' visual tokens
 * (cross-entropy, mean over every predicted position of both branches). Each branch's decoder outputs
 * (after the LayerNorm, before the head) are mean-pooled over all L positions and matched across
 * branches with a symmetric InfoNCE (τ = 0.2). Total = MIM + w·InfoNCE.
 *
 * Both branches run as ONE batch of 2B rows (A rows then B rows): |A| = |B| gives equal shapes, so the
 * encoder and decoder each run once. No official code exists; this follows paper.md §1.7.
 */
import type { LayerNormParams, Rng } from '@splitmask/core';
import { gatherRows2d, layerNorm, linear } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from './config';
import {
  type BlockParams,
  type DropPathRows,
  initBlockParams,
  initVitParams,
  type LinearParams,
  maskedCrossEntropy,
  placeTokens,
  resolveVitConfig,
  selectTokens,
  splitMask,
  transformerBlock,
  type VitConfig,
  type VitParams,
  vitEncode,
  vitPosEmbed,
} from './deps';
import { truncNormal } from './init';
import { type Collective, localCollective } from './train/collective';
import { gatheredInfoNCE } from './train/gathered-info-nce';

/** The SplitMask decoder: mask token, blocks, final norm, vocabulary head. */
export interface SplitMaskDecoderParams {
  mask_token: tf.Tensor3D;
  blocks: BlockParams[];
  norm: LayerNormParams;
  head: LinearParams;
}

/** Encoder (timm names) + decoder. */
export interface SplitMaskParams {
  encoder: VitParams;
  decoder: SplitMaskDecoderParams;
}

/** The ViT config of the encoder described by a ModelConfig. */
export function toVitConfig(m: ModelConfig): VitConfig {
  return resolveVitConfig({
    imageSize: m.imageSize,
    patchSize: m.patchSize,
    inChans: m.inChans,
    embedDim: m.embedDim,
    depth: m.depth,
    numHeads: m.numHeads,
    mlpRatio: m.mlpRatio,
    qkvBias: true,
    dropPathRate: m.dropPathRate,
    posEmbed: 'learned',
    pool: 'cls', // final `norm` on tokens (no fc_norm): the decoder reads normalised patch tokens
  });
}

/**
 * Initialises encoder and decoder (BEiT init: trunc-normal 0.02, output projections rescaled per layer).
 * @example const params = toVariables(initSplitMaskParams(cfg.model, 256, createRng(0)), 'splitmask');
 */
export function initSplitMaskParams(m: ModelConfig, vocabSize: number, rng: Rng): SplitMaskParams {
  const vit = toVitConfig(m);
  const encoder = initVitParams(vit, rng.split(1));
  const drng = rng.split(2);
  const d = m.embedDim;
  return {
    encoder,
    decoder: {
      mask_token: truncNormal([1, 1, d], 0.02, drng) as tf.Tensor3D,
      blocks: Array.from({ length: m.decoderDepth }, (_, i) => initBlockParams(vit, drng.split(i), i)),
      norm: { weight: tf.ones([d]) as tf.Tensor1D, bias: tf.zeros([d]) as tf.Tensor1D },
      head: {
        weight: truncNormal([d, vocabSize], 0.02, drng.split(1000)) as tf.Tensor2D,
        bias: tf.zeros([vocabSize]) as tf.Tensor1D,
      },
    },
  };
}

/** Host-side split of a batch: index rows for the 2B branch rows (A rows first, then B rows). */
export interface SplitIndices {
  /** [2B·K] visible patch indices (sorted per row). */
  visible: Int32Array;
  /** [2B·M] missing patch indices, M = L − K. */
  missing: Int32Array;
  k: number;
  m: number;
  /** Per image, the A half (for pictures). */
  visibleA: Int32Array[];
}

/**
 * Draws one split per image (Decision 1) and lays out the 2B rows.
 * @example const s = drawSplits(64, 8, rng, { mode: 'block' });
 */
export function drawSplitIndices(
  batch: number,
  grid: number,
  rng: Rng,
  opts: { mode: 'block' | 'random'; visibleFraction: number },
): SplitIndices {
  const splits = Array.from({ length: batch }, () =>
    splitMask({ height: grid, width: grid }, rng, { mode: opts.mode, visibleFraction: opts.visibleFraction }),
  );
  const k = splits[0].a.visible.length;
  const m = splits[0].a.masked.length;
  const visible = new Int32Array(2 * batch * k);
  const missing = new Int32Array(2 * batch * m);
  splits.forEach((s, i) => {
    visible.set(s.a.visible, i * k);
    visible.set(s.b.visible, (batch + i) * k);
    missing.set(s.a.masked, i * m);
    missing.set(s.b.masked, (batch + i) * m);
  });
  return { visible, missing, k, m, visibleA: splits.map((s) => s.a.visible) };
}

/** Tensors of one SplitMask step (caller disposes). */
export interface SplitMaskInputs {
  /** [B, H, W, C], normalised. */
  images: tf.Tensor4D;
  /** [2B, K] int32 visible indices. */
  visible: tf.Tensor2D;
  /** [2B, M] int32 missing indices. */
  missing: tf.Tensor2D;
  /** [2B, L, 1] float32: 1 at missing positions. */
  missingWeight: tf.Tensor3D;
  /** [2B, M] int32 token ids at the missing positions. */
  targets: tf.Tensor2D;
}

/**
 * Builds the step's index tensors and token targets from a split and the token map.
 * tokens: [B, h, w] int32 → targets [2B, M] (a forward-only gather: no gradient needed).
 */
export function makeSplitMaskInputs(
  images: tf.Tensor4D,
  tokens: tf.Tensor3D,
  s: SplitIndices,
): SplitMaskInputs {
  const b = images.shape[0];
  const L = tokens.shape[1] * tokens.shape[2];
  const flatMissing = new Int32Array(s.missing.length);
  const weight = new Float32Array(2 * b * L);
  for (let r = 0; r < 2 * b; r++) {
    for (let j = 0; j < s.m; j++) {
      const pos = s.missing[r * s.m + j];
      flatMissing[r * s.m + j] = (r % b) * L + pos;
      weight[r * L + pos] = 1;
    }
  }
  return {
    images,
    visible: tf.tensor2d(s.visible, [2 * b, s.k], 'int32'),
    missing: tf.tensor2d(s.missing, [2 * b, s.m], 'int32'),
    missingWeight: tf.tensor3d(weight, [2 * b, L, 1]),
    targets: tf.tidy(
      () =>
        tf.reshape(
          gatherRows2d(tf.reshape(tokens, [-1, 1]) as tf.Tensor2D, tf.tensor1d(flatMissing, 'int32')),
          [2 * b, s.m],
        ) as tf.Tensor2D,
    ),
  };
}

/** Loss parts of one step. */
export interface LossParts {
  total: tf.Scalar;
  [part: string]: tf.Scalar;
}

/** Options of a forward pass. */
export interface ForwardOptions {
  training?: boolean;
  seed?: number;
  temperature?: number;
  nceWeight?: number;
  /**
   * Data-parallel shard of the batch: every part becomes this shard's share (summed over shards it is
   * the global batch's value) and InfoNCE takes its negatives from every shard. Default: one shard.
   */
  collective?: Collective;
  /** Global rows of this batch's encoder rows, for drop-path masks (see @splitmask/vit). */
  dropPathRows?: DropPathRows;
}

/**
 * Inpaint: decoder over encoder patch outputs h [2B, K, D] placed at `visible`, with mask_token +
 * pos_embed at the missing positions → normalised decoder outputs [2B, L, D].
 */
export function splitMaskDecode(
  params: SplitMaskParams,
  h: tf.Tensor3D,
  inputs: Pick<SplitMaskInputs, 'visible' | 'missingWeight'>,
  vit: VitConfig,
): tf.Tensor3D {
  return tf.tidy(() => {
    const L = inputs.missingWeight.shape[1];
    const posPatch = tf.slice(vitPosEmbed(params.encoder, vit), [0, 1, 0], [1, L, -1]); // [1, L, D]
    const fill = tf.add(params.decoder.mask_token, posPatch); // [1, L, D]
    let x = tf.add(placeTokens(h, inputs.visible, L), tf.mul(inputs.missingWeight, fill)) as tf.Tensor3D;
    for (const bp of params.decoder.blocks) x = transformerBlock(bp, x, vit, { training: false });
    return layerNorm(x, params.decoder.norm, vit.layerNormEps);
  });
}

/**
 * One SplitMask forward: split (given) → encode → inpaint → match. Returns total, mim, nce, nceAcc.
 * @example const { total } = splitMaskLoss(params, inputs, toVitConfig(cfg.model), { training: true, seed: 3 });
 */
export function splitMaskLoss(
  params: SplitMaskParams,
  inputs: SplitMaskInputs,
  vit: VitConfig,
  opts: ForwardOptions = {},
): LossParts {
  return tf.tidy(() => {
    const b = inputs.images.shape[0];
    // Encode: both branches as one batch of 2B (A rows, then B rows); visible patches + CLS only.
    const images2 = tf.concat([inputs.images, inputs.images], 0) as tf.Tensor4D;
    const enc = vitEncode(params.encoder, images2, vit, {
      visible: inputs.visible,
      training: opts.training,
      seed: opts.seed,
      dropPathRows: opts.dropPathRows,
    });
    const h = tf.slice(enc, [0, 1, 0], [-1, -1, -1]) as tf.Tensor3D; // [2B, K, D], CLS dropped
    // Inpaint: predict the tokens of each branch's missing patches.
    const d = splitMaskDecode(params, h, inputs, vit); // [2B, L, D]
    const logits = linear(
      selectTokens(d, inputs.missing),
      params.decoder.head.weight,
      params.decoder.head.bias,
    );
    const collective = opts.collective ?? localCollective(b);
    // Every row predicts M tokens, so the shard's share of the batch mean is its mean · rows/total.
    const mim = tf.mul(
      maskedCrossEntropy(logits as tf.Tensor3D, inputs.targets),
      b / collective.shard.total,
    ) as tf.Scalar;
    // Match: mean-pooled decoder outputs of A vs B, symmetric InfoNCE against every shard's images.
    const pooled = tf.mean(d, 1) as tf.Tensor2D; // [2B, D]
    const za = tf.slice(pooled, [0, 0], [b, -1]);
    const zb = tf.slice(pooled, [b, 0], [b, -1]);
    const nce = gatheredInfoNCE(za, zb, collective, opts.temperature ?? 0.2);
    const total = tf.add(mim, tf.mul(nce.loss, opts.nceWeight ?? 1)) as tf.Scalar;
    return { total, mim, nce: nce.loss, nceAcc: nce.accuracy };
  });
}
