/**
 * Parameter initialisation as BEiT (`modeling_finetune.py` `_init_weights` + `fix_init_weight`) and timm:
 * Linear weights, `pos_embed` and `cls_token` trunc-normal std 0.02 (timm's `trunc_normal_` bounds are
 * absolute ±2, i.e. ±100σ: effectively a normal); biases 0; LayerNorm 1/0; the conv patch embedding
 * keeps PyTorch's Conv2d default (kaiming-uniform a=√5 → U(±1/√fan_in), bias likewise), as neither
 * timm nor BEiT re-initialises it; attention `proj` and MLP `fc2` weights of block i (0-based) are
 * divided by √(2·(i+1)). Values are drawn host-side from a seeded `Rng`, so every backend gets the same
 * numbers.
 */
import type { Rng } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { type VitConfig, vitDims } from './config';
import type { BlockParams, LinearParams, VitParams } from './types';

const HEAD_STREAM = 0x7fff;

/** Fills n values with timm's `trunc_normal_(std, a=-2, b=2)` (rejection sampling). */
function truncNormal(rng: Rng, n: number, std: number, bound = 2): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = rng.normal() * std;
    while (v < -bound || v > bound) v = rng.normal() * std;
    out[i] = v;
  }
  return out;
}

function uniform(rng: Rng, n: number, limit: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}

function initLinear(rng: Rng, fanIn: number, fanOut: number, bias: boolean, scale = 1): LinearParams {
  const w = truncNormal(rng, fanIn * fanOut, 0.02);
  if (scale !== 1) for (let i = 0; i < w.length; i++) w[i] *= scale;
  const p: LinearParams = { weight: tf.tensor2d(w, [fanIn, fanOut]) };
  if (bias) p.bias = tf.zeros([fanOut]);
  return p;
}

function initLayerNorm(d: number) {
  return { weight: tf.ones([d]) as tf.Tensor1D, bias: tf.zeros([d]) as tf.Tensor1D };
}

/**
 * Parameters of transformer block `layerIndex` (0-based; BEiT's layer_id = layerIndex + 1 sets the
 * 1/√(2·layer_id) rescale of `attn.proj` and `mlp.fc2`). Reused by the SplitMask decoder.
 * @example const blk = initBlockParams(cfg, createRng(0).split(1), 0);
 */
export function initBlockParams(
  cfg: Pick<VitConfig, 'embedDim' | 'mlpRatio' | 'qkvBias' | 'layerScaleInit'>,
  rng: Rng,
  layerIndex: number,
): BlockParams {
  const d = cfg.embedDim;
  const hidden = Math.round(d * cfg.mlpRatio);
  const rescale = 1 / Math.sqrt(2 * (layerIndex + 1));
  const p: BlockParams = {
    norm1: initLayerNorm(d),
    attn: { qkv: initLinear(rng, d, 3 * d, cfg.qkvBias), proj: initLinear(rng, d, d, true, rescale) },
    norm2: initLayerNorm(d),
    mlp: { fc1: initLinear(rng, d, hidden, true), fc2: initLinear(rng, hidden, d, true, rescale) },
  };
  if (cfg.layerScaleInit > 0) {
    p.ls1 = { gamma: tf.fill([d], cfg.layerScaleInit) as tf.Tensor1D };
    p.ls2 = { gamma: tf.fill([d], cfg.layerScaleInit) as tf.Tensor1D };
  }
  return p;
}

/**
 * Allocates a fresh ViT parameter tree (plain tensors; wrap with core's `toVariables(params, role)` to
 * train). Deterministic in `rng`'s seed: streams are split per part (0: embeddings, 1+i: block i,
 * HEAD_STREAM: head), so changing the depth leaves the other parts' values unchanged.
 * @example const params = toVariables(initVitParams(cfg, createRng(0)), 'student');
 */
export function initVitParams(cfg: VitConfig, rng: Rng): VitParams {
  const { numPatches, patchDim } = vitDims(cfg);
  const d = cfg.embedDim;
  const er = rng.split(0);
  const limit = 1 / Math.sqrt(patchDim);
  const params: VitParams = {
    patch_embed: {
      proj: {
        weight: tf.tensor2d(uniform(er, patchDim * d, limit), [patchDim, d]),
        bias: tf.tensor1d(uniform(er, d, limit)),
      },
    },
    cls_token: tf.tensor3d(truncNormal(er, d, 0.02), [1, 1, d]),
    blocks: [],
  };
  if (cfg.posEmbed === 'learned') {
    params.pos_embed = tf.tensor3d(truncNormal(er, (1 + numPatches) * d, 0.02), [1, 1 + numPatches, d]);
  }
  for (let i = 0; i < cfg.depth; i++) params.blocks.push(initBlockParams(cfg, rng.split(1 + i), i));
  if (cfg.fcNorm) params.fc_norm = initLayerNorm(d);
  else params.norm = initLayerNorm(d);
  if (cfg.numClasses > 0) params.head = initLinear(rng.split(HEAD_STREAM), d, cfg.numClasses, true);
  return params;
}
