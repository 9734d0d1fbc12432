/**
 * Minimal plain ViT (pre-norm, learned absolute pos-embed, CLS, final LayerNorm) with `visible`-subset
 * encoding, the pieces SplitMask and BEiT need.
 * TODO(integrate): replace with @splitmask/vit (resolveVitConfig, initVitParams, vitEncode,
 * initBlockParams, transformerBlock, selectTokens, placeTokens, patchify) when it lands.
 */
import {
  batchedMatMul,
  gelu,
  type LayerNormParams,
  layerNorm,
  linear,
  type Rng,
  scaledDotAttention,
} from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';

/** Architecture of a ViT encoder. */
export interface VitConfig {
  imageSize: number;
  patchSize: number;
  inChans: number;
  embedDim: number;
  depth: number;
  numHeads: number;
  mlpRatio: number;
  qkvBias: boolean;
  dropPathRate: number;
}

/** A Linear layer, weight [in, out]. */
export interface LinearParams {
  weight: tf.Tensor2D;
  bias: tf.Tensor1D;
}

/** One pre-norm transformer block (timm names). */
export interface BlockParams {
  norm1: LayerNormParams;
  attn: { qkv: LinearParams; proj: LinearParams };
  norm2: LayerNormParams;
  mlp: { fc1: LinearParams; fc2: LinearParams };
}

/** Encoder parameters (timm names). */
export interface VitParams {
  patch_embed: { proj: LinearParams };
  cls_token: tf.Tensor3D;
  pos_embed: tf.Tensor3D;
  blocks: BlockParams[];
  norm: LayerNormParams;
}

/** Options of a forward pass. */
export interface EncodeOptions {
  visible?: tf.Tensor2D;
  training?: boolean;
  seed?: number;
}

/** Trunc-normal(0, std) truncated at ±2·std, host-side and seeded (BEiT init). */
export function truncNormal(shape: number[], std: number, rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = rng.normal();
    while (Math.abs(v) > 2) v = rng.normal();
    data[i] = v * std;
  }
  return tf.tensor(data, shape);
}

function initLinear(inDim: number, outDim: number, rng: Rng, scale = 1): LinearParams {
  return {
    weight: tf.tidy(() => tf.mul(truncNormal([inDim, outDim], 0.02, rng), scale)) as tf.Tensor2D,
    bias: tf.zeros([outDim]),
  };
}

function initNorm(d: number): LayerNormParams {
  return { weight: tf.ones([d]), bias: tf.zeros([d]) };
}

/** Number of patch tokens L. */
export function numPatches(cfg: Pick<VitConfig, 'imageSize' | 'patchSize'>): number {
  return (cfg.imageSize / cfg.patchSize) ** 2;
}

/** Block parameters; attn.proj and mlp.fc2 scaled by 1/√(2·layerId) (BEiT), layerId from 1. */
export function initBlockParams(cfg: VitConfig, rng: Rng, layerId: number): BlockParams {
  const d = cfg.embedDim;
  const hidden = Math.round(d * cfg.mlpRatio);
  const rescale = 1 / Math.sqrt(2 * layerId);
  return {
    norm1: initNorm(d),
    attn: { qkv: initLinear(d, 3 * d, rng), proj: initLinear(d, d, rng, rescale) },
    norm2: initNorm(d),
    mlp: { fc1: initLinear(d, hidden, rng), fc2: initLinear(hidden, d, rng, rescale) },
  };
}

/** Encoder parameters (plain tensors). */
export function initVitParams(cfg: VitConfig, rng: Rng): VitParams {
  const d = cfg.embedDim;
  const p = cfg.patchSize * cfg.patchSize * cfg.inChans;
  return {
    patch_embed: { proj: initLinear(p, d, rng) },
    cls_token: truncNormal([1, 1, d], 0.02, rng) as tf.Tensor3D,
    pos_embed: truncNormal([1, 1 + numPatches(cfg), d], 0.02, rng) as tf.Tensor3D,
    blocks: Array.from({ length: cfg.depth }, (_, i) => initBlockParams(cfg, rng, i + 1)),
    norm: initNorm(d),
  };
}

/** images [B, H, W, C] → patches [B, L, p·p·C] (row-major grid, (py, px, c) inside a patch). */
export function patchify(images: tf.Tensor4D, p: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, h, w, c] = images.shape;
    const x = tf.reshape(images, [b, h / p, p, w / p, p, c]);
    return tf.reshape(tf.transpose(x, [0, 1, 3, 2, 4, 5]), [b, (h / p) * (w / p), p * p * c]) as tf.Tensor3D;
  });
}

/** One-hot [B, K, L] of index rows (a constant: no gradient flows into indices). */
function oneHotRows(idx: tf.Tensor2D, L: number): tf.Tensor3D {
  return tf.cast(tf.oneHot(tf.cast(idx, 'int32'), L), 'float32') as unknown as tf.Tensor3D;
}

/** x [B, L, D], idx [B, K] → [B, K, D] (one-hot matmul: differentiable on every backend). */
export function selectTokens(x: tf.Tensor3D, idx: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => batchedMatMul(oneHotRows(idx, x.shape[1]), x) as tf.Tensor3D);
}

/** x [B, K, D], idx [B, K] → [B, L, D] with zeros at the positions not in idx. */
export function placeTokens(x: tf.Tensor3D, idx: tf.Tensor2D, L: number): tf.Tensor3D {
  return tf.tidy(() => batchedMatMul(tf.transpose(oneHotRows(idx, L), [0, 2, 1]), x) as tf.Tensor3D);
}

/** Per-sample drop-path: x [B, N, D] scaled by Bernoulli(keep)/keep per sample. */
function dropPath(x: tf.Tensor3D, rate: number, seed: number): tf.Tensor3D {
  if (rate <= 0) return x;
  return tf.tidy(() => {
    const keep = 1 - rate;
    const mask = tf.floor(tf.add(tf.randomUniform([x.shape[0], 1, 1], 0, 1, 'float32', seed), keep));
    return tf.mul(x, tf.div(mask, keep)) as tf.Tensor3D;
  });
}

/** Block options: drop-path rate of this block and a seed (training only). */
export interface BlockOptions {
  dropPath?: number;
  seed?: number;
  training?: boolean;
}

function attention(p: BlockParams['attn'], x: tf.Tensor3D, numHeads: number): tf.Tensor3D {
  const [b, n, d] = x.shape;
  const dh = d / numHeads;
  const qkv = linear(x, p.qkv.weight, p.qkv.bias); // [B, N, 3D]
  const heads = tf
    .split(qkv, 3, 2)
    .map((t) => tf.transpose(tf.reshape(t, [b, n, numHeads, dh]), [0, 2, 1, 3]));
  const o = scaledDotAttention(heads[0], heads[1], heads[2]); // [B, H, N, Dh]
  return linear(
    tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [b, n, d]) as tf.Tensor3D,
    p.proj.weight,
    p.proj.bias,
  );
}

/** Pre-norm transformer block. x: [B, N, D] → [B, N, D] */
export function transformerBlock(
  p: BlockParams,
  x: tf.Tensor3D,
  cfg: VitConfig,
  opts: BlockOptions = {},
): tf.Tensor3D {
  return tf.tidy(() => {
    const rate = opts.training ? (opts.dropPath ?? 0) : 0;
    const seed = opts.seed ?? 0;
    const a = attention(p.attn, layerNorm(x, p.norm1), cfg.numHeads);
    const y = tf.add(x, dropPath(a, rate, seed)) as tf.Tensor3D;
    const h = linear(
      gelu(linear(layerNorm(y, p.norm2), p.mlp.fc1.weight, p.mlp.fc1.bias)),
      p.mlp.fc2.weight,
      p.mlp.fc2.bias,
    );
    return tf.add(y, dropPath(h as tf.Tensor3D, rate, seed + 7919)) as tf.Tensor3D;
  });
}

/** Patch embeddings + pos_embed[1:] (before any split): images [B, H, W, C] → [B, L, D]. */
export function embedPatches(params: VitParams, images: tf.Tensor4D, cfg: VitConfig): tf.Tensor3D {
  return tf.tidy(() => {
    const x = linear(
      patchify(images, cfg.patchSize),
      params.patch_embed.proj.weight,
      params.patch_embed.proj.bias,
    );
    return tf.add(x, tf.slice(params.pos_embed, [0, 1, 0], [1, -1, -1])) as tf.Tensor3D;
  });
}

/** Runs CLS + tokens [B, K, D] through the blocks and the final norm → [B, 1 + K, D]. */
export function encodeTokens(
  params: VitParams,
  tokens: tf.Tensor3D,
  cfg: VitConfig,
  opts: EncodeOptions = {},
): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, , d] = tokens.shape;
    const cls = tf.add(params.cls_token, tf.slice(params.pos_embed, [0, 0, 0], [1, 1, -1]));
    let x = tf.concat([tf.tile(cls, [b, 1, 1]), tokens], 1) as tf.Tensor3D;
    params.blocks.forEach((bp, i) => {
      const rate = cfg.depth > 1 ? (cfg.dropPathRate * i) / (cfg.depth - 1) : cfg.dropPathRate;
      x = transformerBlock(bp, x, cfg, {
        dropPath: rate,
        seed: (opts.seed ?? 0) * 1009 + i * 2,
        training: opts.training,
      });
    });
    void d;
    return layerNorm(x, params.norm);
  });
}

/**
 * images [B, H, W, C] → [B, 1 + K, D] (CLS first, final LayerNorm); `visible` [B, K] int32 keeps only
 * those patches (K = L when absent).
 */
export function vitEncode(
  params: VitParams,
  images: tf.Tensor4D,
  cfg: VitConfig,
  opts: EncodeOptions = {},
): tf.Tensor3D {
  return tf.tidy(() => {
    let x = embedPatches(params, images, cfg);
    if (opts.visible) x = selectTokens(x, opts.visible);
    return encodeTokens(params, x, cfg, opts);
  });
}
