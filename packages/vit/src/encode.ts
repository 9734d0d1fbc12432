/**
 * ViT encoder forward in the paper's steps (paper.md §1.3, Decision 2): patchify → (select the visible
 * patches) → linear patch embedding + absolute position embedding → prepend CLS (+ its position
 * embedding) → pre-norm blocks → final LayerNorm.
 *
 * Subset encoding (SplitMask/MAE): with `visible` [B, K] only those patches are selected — before the
 * patch embedding, so every step after patchify costs O(K), not O(L). Position embeddings are those of
 * the selected positions, so the result equals the full encoder run on the gathered tokens.
 */
import { createRng, InvalidArgumentError, layerNorm, linear, ShapeError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import type { DropPathRows } from './block';
import { transformerBlock, transformerBlockCheckpointed, transformerBlockWithAttention } from './block';
import { type VitConfig, vitDims } from './config';
import { patchify } from './patchify';
import { sincosPosEmbed2d } from './pos-embed';
import { gatherRows, selectTokens } from './tokens';
import type { VitParams } from './types';

/** Options of `vitEncode`. */
export interface VitEncodeOptions {
  /** Patch indices to encode per image, [B, K] int32 in [0, L); all L patches when absent. */
  visible?: tf.Tensor2D;
  /** Training mode (enables drop-path when cfg.dropPathRate > 0). */
  training?: boolean;
  /** Seed of the drop-path masks; required when training with drop-path. */
  seed?: number;
  /**
   * Activation checkpointing: recompute each block in the backward pass instead of keeping its
   * intermediates (≈ +1 forward of compute; training memory per block drops to one [B, N, D] tensor).
   * Blocks whose attention maps are requested are not checkpointed.
   */
  checkpoint?: boolean;
  /** Global rows of this batch for drop-path masks (data-parallel shards); see `BlockOptions.dropPathRows`. */
  dropPathRows?: DropPathRows;
}

/** Options of `vitEncodeWithIntermediates`. */
export interface VitIntermediateOptions extends VitEncodeOptions {
  /** Block indices whose outputs (before the final norm) to return; negative counts from the end. */
  layers?: number[];
  /** Block indices whose attention maps [B, H, N, N] to return; negative counts from the end. */
  attentionLayers?: number[];
}

/** Result of `vitEncodeWithIntermediates`. */
export interface VitIntermediates {
  /** Final tokens [B, 1 + K, D] (CLS first; final norm applied when the model has one). */
  tokens: tf.Tensor3D;
  /** Outputs of the requested blocks, in request order, each [B, 1 + K, D]. */
  layers: tf.Tensor3D[];
  /** Attention probabilities of the requested blocks, in request order, each [B, H, 1 + K, 1 + K]. */
  attention: tf.Tensor4D[];
}

const sincosCache = new Map<string, Float32Array>();

/**
 * The position embedding table [1, 1 + L, D] as a fresh tensor (caller disposes): the learned parameter
 * (differentiable) or the fixed sin-cos table.
 * @example const pe = vitPosEmbed(params, cfg); // SplitMask's decoder reuses the encoder's table
 */
export function vitPosEmbed(params: VitParams, cfg: VitConfig): tf.Tensor3D {
  const { gridSize, numPatches } = vitDims(cfg);
  if (cfg.posEmbed === 'learned') {
    if (!params.pos_embed) {
      throw new InvalidArgumentError("vitPosEmbed: cfg.posEmbed is 'learned' but params have no pos_embed");
    }
    return tf.clone(params.pos_embed);
  }
  const key = `${cfg.embedDim}/${gridSize}`;
  let table = sincosCache.get(key);
  if (!table) {
    table = sincosPosEmbed2d(cfg.embedDim, gridSize);
    sincosCache.set(key, table);
  }
  return tf.tensor3d(table, [1, 1 + numPatches, cfg.embedDim]);
}

function checkInputs(images: tf.Tensor, cfg: VitConfig, visible?: tf.Tensor) {
  const s = images.shape;
  if (images.rank !== 4 || s[1] !== cfg.imageSize || s[2] !== cfg.imageSize || s[3] !== cfg.inChans) {
    throw new ShapeError(
      `vitEncode: expected images [B, ${cfg.imageSize}, ${cfg.imageSize}, ${cfg.inChans}] (imageSize, inChans of the config), got [${s}]`,
    );
  }
  const { numPatches } = vitDims(cfg);
  if (
    visible &&
    (visible.rank !== 2 ||
      visible.shape[0] !== s[0] ||
      visible.dtype !== 'int32' ||
      (visible.shape[1] ?? 0) > numPatches)
  ) {
    throw new ShapeError(
      `vitEncode: expected visible [B=${s[0]}, K<=${numPatches}] int32, got [${visible?.shape}] ${visible?.dtype}`,
    );
  }
}

/**
 * Patch embedding + position embedding + CLS. images: [B, H, W, C], visible?: [B, K] → [B, 1 + K, D].
 * @example const x = vitEmbed(params, images, cfg, visibleIdx);
 */
export function vitEmbed(
  params: VitParams,
  images: tf.Tensor4D,
  cfg: VitConfig,
  visible?: tf.Tensor2D,
): tf.Tensor3D {
  checkInputs(images, cfg, visible);
  return tf.tidy(() => {
    const { numPatches: l } = vitDims(cfg);
    const d = cfg.embedDim;
    const b = images.shape[0];
    const pos = vitPosEmbed(params, cfg);
    const posPatches = tf.reshape(tf.slice(pos, [0, 1, 0], [1, l, d]), [l, d]) as tf.Tensor2D;
    let patches = patchify(images, cfg.patchSize); // [B, L, P]
    let posSel: tf.Tensor = posPatches; // broadcasts over B
    if (visible) {
      patches = selectTokens(patches, visible); // [B, K, P]
      posSel = gatherRows(posPatches, visible); // [B, K, D]
    }
    const proj = params.patch_embed.proj;
    const x = tf.add(linear(patches, proj.weight, proj.bias), posSel);
    const cls = tf.tile(tf.add(params.cls_token, tf.slice(pos, [0, 0, 0], [1, 1, d])), [b, 1, 1]); // [B, 1, D]
    return tf.concat([cls, x], 1) as tf.Tensor3D;
  });
}

function resolveLayers(list: number[] | undefined, depth: number): number[] {
  return (list ?? []).map((i) => {
    const j = i < 0 ? depth + i : i;
    if (!Number.isInteger(j) || j < 0 || j >= depth) {
      throw new InvalidArgumentError(`vitEncode: layer index ${i} out of range for depth ${depth}`);
    }
    return j;
  });
}

function run(
  params: VitParams,
  images: tf.Tensor4D,
  cfg: VitConfig,
  opts: VitIntermediateOptions,
): VitIntermediates {
  const layerIds = resolveLayers(opts.layers, cfg.depth);
  const attnIds = resolveLayers(opts.attentionLayers, cfg.depth);
  const training = opts.training ?? false;
  if (training && cfg.dropPathRate > 0 && opts.seed === undefined) {
    throw new InvalidArgumentError(
      `vitEncode: training with dropPathRate=${cfg.dropPathRate} needs opts.seed`,
    );
  }
  const rng = createRng(opts.seed ?? 0);
  let x = vitEmbed(params, images, cfg, opts.visible);
  const outs = new Map<number, tf.Tensor3D>();
  const attns = new Map<number, tf.Tensor4D>();
  for (let i = 0; i < cfg.depth; i++) {
    // timm/BEiT: drop-path rate grows linearly over depth, linspace(0, rate, depth).
    const dropPath = cfg.depth > 1 ? (cfg.dropPathRate * i) / (cfg.depth - 1) : 0;
    const blockOpts = {
      training,
      dropPath,
      seed: rng.split(i).nextUint32(),
      dropPathRows: opts.dropPathRows,
    };
    if (opts.checkpoint && !attnIds.includes(i)) {
      x = transformerBlockCheckpointed(params.blocks[i], x, cfg, blockOpts);
    } else if (!attnIds.includes(i)) {
      // no attention map wanted: the block may use core's fused attention kernel
      x = transformerBlock(params.blocks[i], x, cfg, blockOpts);
    } else {
      const r = transformerBlockWithAttention(params.blocks[i], x, cfg, blockOpts);
      x = r.x;
      attns.set(i, r.attn);
    }
    outs.set(i, x);
  }
  const tokens = params.norm ? layerNorm(x, params.norm, cfg.layerNormEps) : x;
  return { tokens, layers: layerIds.map((i) => outs.get(i)!), attention: attnIds.map((i) => attns.get(i)!) };
}

/**
 * Encodes all patches, or only `visible` ones per image. images: [B, H, W, C] → [B, 1 + K, D] (CLS first,
 * final norm applied; K = L without `visible`).
 * @example const z = vitEncode(params, images, cfg, { visible: idsA, training: true, seed: step });
 */
export function vitEncode(
  params: VitParams,
  images: tf.Tensor4D,
  cfg: VitConfig,
  opts: VitEncodeOptions = {},
): tf.Tensor3D {
  return tf.tidy(() => run(params, images, cfg, opts).tokens);
}

/**
 * `vitEncode` that also returns chosen block outputs and attention maps.
 * images: [B, H, W, C] → { tokens [B, 1+K, D], layers [B, 1+K, D][], attention [B, H, 1+K, 1+K][] }
 * @example const { attention } = vitEncodeWithIntermediates(params, x, cfg, { attentionLayers: [-1] });
 */
export function vitEncodeWithIntermediates(
  params: VitParams,
  images: tf.Tensor4D,
  cfg: VitConfig,
  opts: VitIntermediateOptions = {},
): VitIntermediates {
  return tf.tidy(
    () => run(params, images, cfg, opts) as unknown as tf.TensorContainer,
  ) as unknown as VitIntermediates;
}
