/**
 * DINO's student/teacher network (main_dino.py `MultiCropWrapper` @ 7c446df): the backbone runs once
 * per crop resolution on the concatenated crops of that resolution, its CLS tokens (after the final
 * LayerNorm) are concatenated and go through the head once, then the output is split back per crop.
 * Local crops use the position embedding resampled to their grid (vit's `interpolatePosEmbed`:
 * bicubic to the target grid size; DINO passes a scale factor with a +0.1 offset, equivalent up to
 * rounding of the sampling positions).
 */
import type { Rng } from '@splitmask/core';
import {
  initVitParams,
  interpolatePosEmbed,
  resolveVitConfig,
  type VitConfig,
  type VitParams,
  vitEncode,
} from '@splitmask/vit';
import * as tf from '@tensorflow/tfjs-core';
import type { DinoConfig } from './config';
import {
  type DinoHeadConfig,
  type DinoHeadParams,
  dinoHead,
  initDinoHeadParams,
  resolveDinoHeadConfig,
} from './head';

/** Student or teacher parameters (DINO's names: `backbone.*`, `head.*`). */
export interface DinoParams {
  backbone: VitParams;
  head: DinoHeadParams;
}

/** Resolved architecture of a DINO run. */
export interface DinoArch {
  vit: VitConfig;
  /** The same ViT at the local-crop size (for the position-embedding grid). */
  vitLocal: VitConfig;
  head: DinoHeadConfig;
}

/**
 * Backbone and head configs of a DINO config.
 * @example const arch = dinoArch(DINO_TINY_CONFIG);
 */
export function dinoArch(cfg: DinoConfig): DinoArch {
  const vit = resolveVitConfig({ ...cfg.model, numClasses: 0, pool: 'cls' });
  const vitLocal = resolveVitConfig(vit, { imageSize: cfg.crops.localSize });
  const head = resolveDinoHeadConfig({ inDim: cfg.model.embedDim, ...cfg.head });
  return { vit, vitLocal, head };
}

/**
 * Student initialisation (the teacher starts as a copy). Caller owns the tensors.
 * @example const p = initDinoParams(dinoArch(cfg), createRng(cfg.seed));
 */
export function initDinoParams(arch: DinoArch, rng: Rng): DinoParams {
  return {
    backbone: initVitParams(arch.vit, rng.split(0)),
    head: initDinoHeadParams(arch.head, rng.split(1)),
  };
}

/** Options of `dinoForward`. */
export interface DinoForwardOptions {
  /** Student: drop-path on (DINO 0.1); teacher: off. */
  training?: boolean;
  /** Drop-path seed (derive from the step). */
  seed?: number;
  /**
   * Data-parallel shard: these B rows are rows lo.. of a global batch of `total`, so drop-path masks
   * are drawn per global row (any worker count draws what one process draws).
   */
  shard?: { lo: number; total: number };
}

function encodeCls(
  params: VitParams,
  crops: tf.Tensor4D[],
  cfg: VitConfig,
  opts: DinoForwardOptions,
): tf.Tensor2D {
  const x = crops.length === 1 ? crops[0] : (tf.concat(crops, 0) as tf.Tensor4D);
  let dropPathRows: { total: number; rows: Int32Array } | undefined;
  if (opts.shard) {
    // Views are stacked view-major: row v·B + i of this shard is row v·total + lo + i of the global batch.
    const b = crops[0].shape[0];
    const rows = new Int32Array(crops.length * b);
    for (let v = 0; v < crops.length; v++)
      for (let i = 0; i < b; i++) rows[v * b + i] = v * opts.shard.total + opts.shard.lo + i;
    dropPathRows = { total: crops.length * opts.shard.total, rows };
  }
  const tokens = vitEncode(params, x, cfg, { training: opts.training, seed: opts.seed, dropPathRows }); // [n·B, N, D]
  return tf.reshape(tf.slice(tokens, [0, 0, 0], [-1, 1, -1]), [x.shape[0], cfg.embedDim]) as tf.Tensor2D;
}

/**
 * Multi-crop forward: globals G × [B, Hg, Hg, C] and locals L × [B, Hl, Hl, C] → G + L outputs [B, K],
 * globals first (the order `dinoLoss` expects).
 * @example const [t1, t2] = dinoForward(teacher, [g1, g2], [], arch);
 */
export function dinoForward(
  params: DinoParams,
  globals: tf.Tensor4D[],
  locals: tf.Tensor4D[],
  arch: DinoArch,
  opts: DinoForwardOptions = {},
): tf.Tensor2D[] {
  return tf.tidy(() => {
    const cls = [encodeCls(params.backbone, globals, arch.vit, opts)];
    if (locals.length > 0) {
      const grid = arch.vitLocal.imageSize / arch.vitLocal.patchSize;
      const localParams: VitParams = params.backbone.pos_embed
        ? {
            ...params.backbone,
            // DINO's `interpolate_pos_encoding`: F.interpolate(mode='bicubic') without antialias (timm's
            // default since 0.9 is antialias=True; DINO predates it).
            pos_embed: interpolatePosEmbed(params.backbone.pos_embed, grid, { antialias: false }),
          }
        : params.backbone; // sin-cos: vit builds the table for the local grid
      const seed = opts.seed === undefined ? undefined : opts.seed + 0x9e37;
      cls.push(encodeCls(localParams, locals, arch.vitLocal, { ...opts, seed }));
    }
    const out = dinoHead(
      params.head,
      cls.length === 1 ? cls[0] : (tf.concat(cls, 0) as tf.Tensor2D),
      arch.head,
    );
    return tf.split(out, globals.length + locals.length, 0) as tf.Tensor2D[];
  });
}
