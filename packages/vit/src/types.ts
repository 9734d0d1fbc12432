/**
 * Parameter trees of the ViT with timm's names (`blocks.3.attn.qkv.weight`), in the fastest in-memory
 * layout: Linear weights `[in, out]` (timm stores `[out, in]`; `checkpoint.ts` converts).
 */
import type { LayerNormParams } from '@splitmask/core';
import type * as tf from '@tensorflow/tfjs-core';

/** A Linear layer: weight [in, out], optional bias [out]. */
export interface LinearParams {
  weight: tf.Tensor2D;
  bias?: tf.Tensor1D;
}

/** LayerScale (timm `ls1`/`ls2`, BEiT `gamma_1`/`gamma_2`): per-channel gain [D]. */
export interface LayerScaleParams {
  gamma: tf.Tensor1D;
}

/** One pre-norm transformer block. */
export interface BlockParams {
  norm1: LayerNormParams;
  attn: { qkv: LinearParams; proj: LinearParams };
  ls1?: LayerScaleParams;
  norm2: LayerNormParams;
  mlp: { fc1: LinearParams; fc2: LinearParams };
  ls2?: LayerScaleParams;
}

/**
 * Full ViT parameters.
 * - `patch_embed.proj`: a Linear over patchified pixels, weight [P, D] (timm: conv [D, C, p, p]).
 * - `cls_token` [1, 1, D]; `pos_embed` [1, 1 + L, D] (absent when posEmbed is 'sincos': it is fixed).
 * - `norm`: final LayerNorm on tokens (absent when cfg.fcNorm); `fc_norm`: LayerNorm after pooling.
 * - `head`: Linear [D, numClasses] when cfg.numClasses > 0.
 */
export interface VitParams {
  patch_embed: { proj: LinearParams };
  cls_token: tf.Tensor3D;
  pos_embed?: tf.Tensor3D;
  blocks: BlockParams[];
  norm?: LayerNormParams;
  fc_norm?: LayerNormParams;
  head?: LinearParams;
}
