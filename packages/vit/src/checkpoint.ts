/**
 * timm state-dict interop (`vit_small_patch16_224` etc.; DeiT, DINO and BEiT checkpoints use the same
 * names). Names are identical in memory and in timm; only layouts differ, and every difference is in
 * the list below (nanoGPT's `transposed = [...]`, timm's `checkpoint_filter_fn`):
 *   - Linear weights: ours [in, out], timm [out, in] → transpose.
 *   - patch_embed.proj.weight: ours a Linear [P, D] over (py, px, c)-ordered pixels, timm a Conv2d
 *     [D, C, p, p] → permute + reshape.
 * Import aliases: BEiT's `gamma_1`/`gamma_2` (= timm `ls1.gamma`/`ls2.gamma`) and BEiT's split
 * `q_bias`/`v_bias` (k bias fixed at zero) → `qkv.bias`. A sin-cos model has no `pos_embed` parameter;
 * export writes the fixed table (as MAE does) and import ignores it.
 */
import { flattenParams, SplitmaskError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { type VitConfig, vitDims } from './config';
import { interpolatePosEmbed, sincosPosEmbed2d } from './pos-embed';
import type { VitParams } from './types';

type Layout = 'linear' | 'conv';

/** The exceptions to "same tensor, same layout". First match wins. */
const LAYOUT_EXCEPTIONS: readonly [RegExp, Layout][] = [
  [/^patch_embed\.proj\.weight$/, 'conv'],
  [/(^|\.)(qkv|proj|fc1|fc2|head)\.weight$/, 'linear'],
];

function layoutOf(name: string): Layout | undefined {
  return LAYOUT_EXCEPTIONS.find(([re]) => re.test(name))?.[1];
}

/** A state dict does not fit the config: every missing, unexpected and mis-shaped key is listed. */
export class CheckpointMismatchError extends SplitmaskError {
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
  readonly mismatched: readonly string[];
  constructor(missing: string[], unexpected: string[], mismatched: string[]) {
    const parts = [
      missing.length ? `missing ${missing.length}: ${missing.join(', ')}` : '',
      unexpected.length ? `unexpected ${unexpected.length}: ${unexpected.join(', ')}` : '',
      mismatched.length ? `wrong shape ${mismatched.length}: ${mismatched.join(', ')}` : '',
    ].filter(Boolean);
    super('CHECKPOINT_MISMATCH', `State dict does not match the ViT config: ${parts.join('; ')}`);
    this.missing = missing;
    this.unexpected = unexpected;
    this.mismatched = mismatched;
  }
}

/**
 * Expected timm names and shapes for a config (timm layout).
 * @example timmShapes(resolveVitConfig('S/16'))['blocks.0.attn.qkv.weight'] // [1152, 384]
 */
export function timmShapes(cfg: VitConfig): Record<string, number[]> {
  const { numPatches, mlpHidden } = vitDims(cfg);
  const d = cfg.embedDim;
  const p = cfg.patchSize;
  const s: Record<string, number[]> = {
    'patch_embed.proj.weight': [d, cfg.inChans, p, p],
    'patch_embed.proj.bias': [d],
    cls_token: [1, 1, d],
  };
  if (cfg.posEmbed === 'learned') s.pos_embed = [1, 1 + numPatches, d];
  for (let i = 0; i < cfg.depth; i++) {
    const b = `blocks.${i}.`;
    const lin = (n: string, out: number, inp: number, bias = true) => {
      s[`${b}${n}.weight`] = [out, inp];
      if (bias) s[`${b}${n}.bias`] = [out];
    };
    s[`${b}norm1.weight`] = [d];
    s[`${b}norm1.bias`] = [d];
    lin('attn.qkv', 3 * d, d, cfg.qkvBias);
    lin('attn.proj', d, d);
    s[`${b}norm2.weight`] = [d];
    s[`${b}norm2.bias`] = [d];
    lin('mlp.fc1', mlpHidden, d);
    lin('mlp.fc2', d, mlpHidden);
    if (cfg.layerScaleInit > 0) {
      s[`${b}ls1.gamma`] = [d];
      s[`${b}ls2.gamma`] = [d];
    }
  }
  const n = cfg.fcNorm ? 'fc_norm' : 'norm';
  s[`${n}.weight`] = [d];
  s[`${n}.bias`] = [d];
  if (cfg.numClasses > 0) {
    s['head.weight'] = [cfg.numClasses, d];
    s['head.bias'] = [cfg.numClasses];
  }
  return s;
}

function setPath(root: Record<string, unknown>, name: string, t: tf.Tensor): void {
  const parts = name.split('.');
  let node: Record<string, unknown> = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = /^\d+$/.test(parts[i + 1]) ? [] : {};
    node[parts[i]] ??= next;
    node = node[parts[i]] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = t;
}

function toTimmLayout(name: string, t: tf.Tensor, cfg: VitConfig): tf.Tensor {
  const layout = layoutOf(name);
  if (layout === 'linear') return tf.transpose(t);
  if (layout === 'conv') {
    const p = cfg.patchSize;
    return tf.transpose(tf.reshape(t, [p, p, cfg.inChans, cfg.embedDim]), [3, 2, 0, 1]); // [D, C, p, p]
  }
  return tf.clone(t);
}

function fromTimmLayout(name: string, t: tf.Tensor, cfg: VitConfig): tf.Tensor {
  const layout = layoutOf(name);
  if (layout === 'linear') return tf.transpose(t);
  if (layout === 'conv') {
    const { patchDim } = vitDims(cfg);
    return tf.reshape(tf.transpose(t, [2, 3, 1, 0]), [patchDim, cfg.embedDim]); // [p, p, C, D] → [P, D]
  }
  return tf.clone(t);
}

/**
 * Params → timm state dict (fresh tensors, timm layouts; caller disposes).
 * Save with core's safetensors writer to get a file `timm.create_model(..., pretrained_cfg_overlay=...)` loads.
 * @example const sd = toTimmStateDict(params, cfg); // { 'blocks.0.attn.qkv.weight': [3D, D], ... }
 */
export function toTimmStateDict(params: VitParams, cfg: VitConfig): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const flat = flattenParams(params);
    const out: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(flat)) out[name] = toTimmLayout(name, t, cfg);
    if (cfg.posEmbed === 'sincos') {
      const { gridSize, numPatches } = vitDims(cfg);
      out.pos_embed = tf.tensor3d(sincosPosEmbed2d(cfg.embedDim, gridSize), [
        1,
        1 + numPatches,
        cfg.embedDim,
      ]);
    }
    return out;
  });
}

/** Options of `fromTimmStateDict`. */
export interface FromTimmOptions {
  /** Ignore keys the config has no place for (DINO heads, MAE decoders) instead of throwing. */
  allowUnexpected?: boolean;
  /**
   * Resample a `pos_embed` of another grid bicubically to the config's grid (e.g. 224 → 384 px), with
   * `interpolatePosEmbed`: timm's convention (antialiased) unless `posEmbedAntialias: false`.
   */
  resizePosEmbed?: boolean;
  /** Antialiased resampling as timm (default true); false for DeiT/BEiT/DINO's plain bicubic. */
  posEmbedAntialias?: boolean;
}

/** BEiT/older-timm spellings → timm names (q_bias/v_bias are handled separately). */
function canonicalName(k: string): string {
  return k.replace(/\.gamma_1$/, '.ls1.gamma').replace(/\.gamma_2$/, '.ls2.gamma');
}

function mergeBeitQkvBias(dict: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, t] of Object.entries(dict)) {
    const m = /^(blocks\.\d+\.attn)\.(q_bias|v_bias)$/.exec(k);
    if (!m) out[canonicalName(k)] = t;
    else if (m[2] === 'q_bias') {
      const v = dict[`${m[1]}.v_bias`];
      if (v) out[`${m[1]}.qkv.bias`] = tf.concat([t, tf.zerosLike(t), v]);
    }
  }
  return out;
}

/**
 * timm/DeiT/DINO/BEiT state dict → params in our layout (fresh tensors; the dict is not consumed).
 * Throws `CheckpointMismatchError` listing every missing, unexpected and mis-shaped key.
 * @example const params = fromTimmStateDict(decodeSafetensors(bytes).tensors, resolveVitConfig('S/16'));
 */
export function fromTimmStateDict(
  dict: Record<string, tf.Tensor>,
  cfg: VitConfig,
  opts: FromTimmOptions = {},
): VitParams {
  const tidied = tf.tidy(() => {
    const sd = mergeBeitQkvBias(dict);
    const expected = timmShapes(cfg);
    const { gridSize } = vitDims(cfg);
    if (cfg.posEmbed === 'sincos') delete sd.pos_embed;
    else if (opts.resizePosEmbed && sd.pos_embed && sd.pos_embed.shape[1] !== expected.pos_embed[1]) {
      sd.pos_embed = interpolatePosEmbed(sd.pos_embed as tf.Tensor3D, gridSize, {
        antialias: opts.posEmbedAntialias ?? true,
      });
    }
    const missing = Object.keys(expected).filter((k) => !(k in sd));
    const unexpected = opts.allowUnexpected ? [] : Object.keys(sd).filter((k) => !(k in expected));
    const mismatched = Object.keys(expected)
      .filter((k) => k in sd && !tf.util.arraysEqual(sd[k].shape, expected[k]))
      .map((k) => `${k} [${sd[k].shape}] (expected [${expected[k]}])`);
    if (missing.length || unexpected.length || mismatched.length) {
      throw new CheckpointMismatchError(missing, unexpected, mismatched);
    }
    const root: Record<string, unknown> = {};
    for (const k of Object.keys(expected))
      setPath(root, k, fromTimmLayout(k, tf.cast(sd[k], 'float32'), cfg));
    if (!root.blocks) root.blocks = [];
    return root as tf.TensorContainer;
  });
  return tidied as unknown as VitParams;
}
