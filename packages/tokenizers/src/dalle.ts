/**
 * The DALL-E dVAE encoder (Ramesh et al. 2021; `openai/DALL-E` `dall_e/encoder.py`, identical to
 * `unilm/beit/dall_e/encoder.py`), used by BEiT as its tokenizer (paper.md §6.2):
 *
 *   input: conv 7×7 (C → n_hid)
 *   group g = 1..G: n_blk_per_group EncoderBlocks to width 2^(g-1)·n_hid, then max-pool 2 (not after G)
 *   output: ReLU, conv 1×1 (2^(G-1)·n_hid → V) = logits per 2^(G-1)-pixel cell
 *   EncoderBlock(n_in, n_out): id_path (conv 1×1 if n_in ≠ n_out) + post_gain · res_path,
 *     res_path = ReLU, conv3×3 → n_out/4, ReLU, conv3×3, ReLU, conv3×3, ReLU, conv1×1 → n_out,
 *     post_gain = 1 / (G · n_blk_per_group)²
 *   pixels pass through `map_pixels`: x ↦ (1 − 2·0.1)·x + 0.1 first; token = argmax of the logits.
 *
 * Changes: NHWC layout with HWIO conv weights (tfjs's `conv2d`; tools/convert_dalle.py transposes the
 * OIHW checkpoint), timm-style `weight`/`bias` names for torch's `w`/`b`, and the reference's validators
 * (n_hid ≥ 64, V ≥ 512) are relaxed so tests can use tiny widths. Always float32 (the reference runs
 * fp16 on CUDA except the output conv).
 */
import { createRng, flattenParams, InvalidArgumentError, type Rng, ShapeError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkFiniteImages, checkImages, shouldCheckFinite } from './patches';
import type { DalleEncoderConfig, DalleTokenizerConfig, TokenizeOptions, Tokenizer } from './types';

/** The released encoder: 4 groups, n_hid 256, 2 blocks per group, RGB, V = 8192 (53.8M parameters). */
export const DALLE_ENCODER_CONFIG: DalleEncoderConfig = Object.freeze({
  groupCount: 4,
  nHid: 256,
  nBlkPerGroup: 2,
  inputChannels: 3,
  vocabSize: 8192,
});

/** `logit_laplace_eps` of `dall_e/utils.py`. */
export const LOGIT_LAPLACE_EPS = 0.1;

/** A convolution: weight [kh, kw, in, out] (HWIO), bias [out]. */
export interface ConvParams {
  weight: tf.Tensor4D;
  bias: tf.Tensor1D;
}

/** One EncoderBlock. */
export interface DalleBlockParams {
  id_path?: ConvParams;
  res_path: { conv_1: ConvParams; conv_2: ConvParams; conv_3: ConvParams; conv_4: ConvParams };
}

/** The encoder's parameter tree; flat names are `input.weight`, `group_1.block_1.res_path.conv_1.bias`, ... */
export interface DalleEncoderParams {
  input: ConvParams;
  [group: `group_${number}`]: Record<`block_${number}`, DalleBlockParams>;
  output: { conv: ConvParams };
}

/**
 * Merges `partial` over the released architecture and validates it.
 * @example resolveDalleEncoderConfig({ nHid: 16, vocabSize: 64, nBlkPerGroup: 1 })
 */
export function resolveDalleEncoderConfig(partial: Partial<DalleEncoderConfig> = {}): DalleEncoderConfig {
  const cfg = { ...DALLE_ENCODER_CONFIG, ...partial };
  for (const [k, v] of Object.entries(cfg)) {
    if (!Number.isInteger(v) || v < 1)
      throw new InvalidArgumentError(`DALL-E encoder: ${k} must be a positive integer, got ${v}`);
  }
  if (cfg.nHid % 4 !== 0)
    throw new InvalidArgumentError(
      `DALL-E encoder: nHid must be a multiple of 4 (block width / 4), got ${cfg.nHid}`,
    );
  return Object.freeze(cfg);
}

/**
 * Cell size in pixels: the encoder pools 2× after every group but the last.
 * @example dalleCellSize(DALLE_ENCODER_CONFIG) // 8
 */
export function dalleCellSize(cfg: DalleEncoderConfig): number {
  return 2 ** (cfg.groupCount - 1);
}

type Leaf = (name: string, shape: number[]) => tf.Tensor;

/** Builds the parameter tree, creating each leaf with `leaf(flatName, shape)`. */
function buildTree(cfg: DalleEncoderConfig, leaf: Leaf): DalleEncoderParams {
  const conv = (name: string, nIn: number, nOut: number, kw: number): ConvParams => ({
    weight: leaf(`${name}.weight`, [kw, kw, nIn, nOut]) as tf.Tensor4D,
    bias: leaf(`${name}.bias`, [nOut]) as tf.Tensor1D,
  });
  const tree: Record<string, unknown> = { input: conv('input', cfg.inputChannels, cfg.nHid, 7) };
  let width = cfg.nHid;
  for (let g = 1; g <= cfg.groupCount; g++) {
    const out = 2 ** (g - 1) * cfg.nHid;
    const group: Record<string, DalleBlockParams> = {};
    for (let b = 1; b <= cfg.nBlkPerGroup; b++) {
      const nIn = b === 1 ? width : out;
      const p = `group_${g}.block_${b}`;
      const hid = out / 4;
      group[`block_${b}`] = {
        ...(nIn !== out ? { id_path: conv(`${p}.id_path`, nIn, out, 1) } : {}),
        res_path: {
          conv_1: conv(`${p}.res_path.conv_1`, nIn, hid, 3),
          conv_2: conv(`${p}.res_path.conv_2`, hid, hid, 3),
          conv_3: conv(`${p}.res_path.conv_3`, hid, hid, 3),
          conv_4: conv(`${p}.res_path.conv_4`, hid, out, 1),
        },
      };
    }
    tree[`group_${g}`] = group;
    width = out;
  }
  tree.output = { conv: conv('output.conv', width, cfg.vocabSize, 1) };
  return tree as unknown as DalleEncoderParams;
}

/**
 * Random weights as `dall_e/utils.py` draws them: N(0, 1/√(n_in·kw²)), zero bias (seeded, host RNG).
 * @example const params = initDalleEncoderParams(resolveDalleEncoderConfig({ nHid: 16, vocabSize: 64 }), createRng(0));
 */
export function initDalleEncoderParams(cfg: DalleEncoderConfig, rng: Rng = createRng(0)): DalleEncoderParams {
  return buildTree(cfg, (name, shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (name.endsWith('.bias')) return tf.zeros(shape);
    const std = 1 / Math.sqrt(shape[2] * shape[0] * shape[1]);
    const w = new Float32Array(size);
    for (let i = 0; i < size; i++) w[i] = std * rng.normal();
    return tf.tensor(w, shape);
  });
}

/**
 * Rebuilds the tree from flat tensors (e.g. a converted `encoder.pkl`), checking every name and shape.
 * The tree references the given tensors (no copies).
 * @example const params = dalleParamsFromTensors(cfg, toTfTensors(file.tensors));
 */
export function dalleParamsFromTensors(
  cfg: DalleEncoderConfig,
  flat: Record<string, tf.Tensor>,
): DalleEncoderParams {
  const used = new Set<string>();
  const problems: string[] = [];
  const tree = buildTree(cfg, (name, shape) => {
    used.add(name);
    const t = flat[name];
    if (!t) problems.push(`missing ${name} [${shape}]`);
    else if (t.shape.join() !== shape.join()) problems.push(`${name} is [${t.shape}], expected [${shape}]`);
    return t;
  });
  for (const name of Object.keys(flat)) if (!used.has(name)) problems.push(`unexpected ${name}`);
  if (problems.length)
    throw new ShapeError(
      `DALL-E encoder weights do not match ${JSON.stringify(cfg)}: ${problems.join('; ')}`,
    );
  return tree;
}

/**
 * x ↦ (1 − 2·eps)·x + eps: [0, 1] pixels → [eps, 1 − eps] (`map_pixels`). Any shape.
 * @example const logits = dalleEncoderLogits(params, mapPixels(images), cfg);
 */
export function mapPixels<T extends tf.Tensor>(x: T, eps = LOGIT_LAPLACE_EPS): T {
  return tf.tidy(() => tf.add(tf.mul(x, 1 - 2 * eps), eps));
}

function conv(p: ConvParams, x: tf.Tensor4D): tf.Tensor4D {
  return tf.add(tf.conv2d(x, p.weight, 1, 'same'), p.bias);
}

function encoderBlock(p: DalleBlockParams, x: tf.Tensor4D, postGain: number): tf.Tensor4D {
  const id = p.id_path ? conv(p.id_path, x) : x;
  const r = p.res_path;
  let h = conv(r.conv_1, tf.relu(x));
  h = conv(r.conv_2, tf.relu(h));
  h = conv(r.conv_3, tf.relu(h));
  h = conv(r.conv_4, tf.relu(h));
  return tf.add(id, tf.mul(h, postGain));
}

/**
 * Encoder forward on mapped pixels. x: [B, H, W, C] (already `mapPixels`) → logits [B, H/s, W/s, V],
 * s = 2^(G−1) (8 for the released encoder).
 * @example const logits = dalleEncoderLogits(params, mapPixels(images), cfg); // [B, 14, 14, 8192] at 112px
 */
export function dalleEncoderLogits(
  params: DalleEncoderParams,
  x: tf.Tensor4D,
  cfg: DalleEncoderConfig,
): tf.Tensor4D {
  return tf.tidy(() => {
    const postGain = 1 / (cfg.groupCount * cfg.nBlkPerGroup) ** 2;
    let h = conv(params.input, x);
    for (let g = 1; g <= cfg.groupCount; g++) {
      const group = params[`group_${g}`];
      for (let b = 1; b <= cfg.nBlkPerGroup; b++) h = encoderBlock(group[`block_${b}`], h, postGain);
      if (g < cfg.groupCount) h = tf.maxPool(h, 2, 2, 'valid');
    }
    return conv(params.output.conv, tf.relu(h));
  });
}

/**
 * Wraps encoder params as a Tokenizer (takes ownership of the params): images [B, H, W, C] in [0, 1] →
 * ids [B, H/s, W/s] = argmax of the logits of `map_pixels(images)`.
 * @example const tok = createDalleTokenizer(params, cfg); tok.tokenize(images112); // [B, 14, 14]
 */
export function createDalleTokenizer(
  params: DalleEncoderParams,
  encoder: DalleEncoderConfig = DALLE_ENCODER_CONFIG,
  logitLaplaceEps = LOGIT_LAPLACE_EPS,
): Tokenizer {
  const cfg = resolveDalleEncoderConfig(encoder);
  const config: DalleTokenizerConfig = Object.freeze({
    kind: 'dalle',
    vocabSize: cfg.vocabSize,
    patchSize: dalleCellSize(cfg),
    channels: cfg.inputChannels,
    encoder: cfg,
    logitLaplaceEps,
  });
  const flat = flattenParams(params);
  let disposed = false;
  return {
    kind: 'dalle',
    vocabSize: config.vocabSize,
    patchSize: config.patchSize,
    channels: config.channels,
    config,
    tokenize(images: tf.Tensor4D, options: TokenizeOptions = {}): tf.Tensor3D {
      if (disposed) throw new InvalidArgumentError('tokenize: this dalle tokenizer was disposed');
      checkImages(images, config.patchSize, config.channels);
      if (shouldCheckFinite(options.checkFinite)) checkFiniteImages(images);
      return tf.tidy(
        () =>
          tf.argMax(dalleEncoderLogits(params, mapPixels(images, logitLaplaceEps), cfg), 3) as tf.Tensor3D,
      );
    },
    toTensors: () => flat,
    dispose(): void {
      if (!disposed) tf.dispose(Object.values(flat));
      disposed = true;
    },
  };
}
