/**
 * DINO projection head (paper.md §7.3; facebookresearch/dino `DINOHead` @ 7c446df, use_bn=False):
 * MLP (Linear → GELU → … → Linear to the bottleneck), ℓ2 normalisation, then a weight-normalised
 * bias-free last layer `w = g · v / ‖v‖` (torch `weight_norm`, dim=0: one norm per output unit).
 *
 * Names are DINO's (`mlp.0.weight`, `mlp.2.weight`, `mlp.4.weight`, `last_layer.weight_v`,
 * `last_layer.weight_g`); layouts are this project's: Linear weights `[in, out]`, `weight_v`
 * `[bottleneck, K]` (torch `[K, bottleneck]`), `weight_g` `[1, K]` (torch `[K, 1]`). With
 * `normLastLayer` (DINO's default, always on for the teacher) `weight_g` is fixed to 1 and is simply not
 * in the tree, so it cannot receive gradients or weight decay.
 */
import { gelu, InvalidArgumentError, linear, type Rng, ShapeError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';

/** DINO head sizes. Full size: hidden 2048, bottleneck 256, out 65,536, 3 layers. */
export interface DinoHeadConfig {
  /** Input width (the backbone's D). */
  inDim: number;
  /** Output width K (DINO: 65,536). */
  outDim: number;
  /** MLP hidden width (DINO: 2048). */
  hiddenDim: number;
  /** Bottleneck width before ℓ2 normalisation (DINO: 256). */
  bottleneckDim: number;
  /** MLP layers (DINO: 3), at least 1. */
  nLayers: number;
  /** Fix `weight_g` to 1 (DINO default `true`; its README uses `false` for ViT-S). */
  normLastLayer: boolean;
}

/** One Linear layer, weight [in, out]. */
export interface DinoLinearParams {
  weight: tf.Tensor2D;
  bias: tf.Tensor1D;
}

/** Parameters of the DINO head (DINO's names; MLP layers keyed by their `nn.Sequential` index). */
export interface DinoHeadParams {
  mlp: Record<string, DinoLinearParams>;
  last_layer: { weight_v: tf.Tensor2D; weight_g?: tf.Tensor2D };
}

/**
 * Default head sizes (DINO's).
 * @example DINO_HEAD_DEFAULTS.outDim // 65536
 */
export const DINO_HEAD_DEFAULTS: Readonly<Omit<DinoHeadConfig, 'inDim'>> = Object.freeze({
  outDim: 65536,
  hiddenDim: 2048,
  bottleneckDim: 256,
  nLayers: 3,
  normLastLayer: true,
});

/**
 * Merges defaults and validates (every bad field named at once).
 * @example resolveDinoHeadConfig({ inDim: 384, outDim: 65536 })
 */
export function resolveDinoHeadConfig(
  partial: Partial<DinoHeadConfig> & { inDim: number },
): Readonly<DinoHeadConfig> {
  const cfg = { ...DINO_HEAD_DEFAULTS, ...partial };
  const bad = (['inDim', 'outDim', 'hiddenDim', 'bottleneckDim', 'nLayers'] as const)
    .filter((k) => !(Number.isInteger(cfg[k]) && cfg[k] >= 1))
    .map((k) => `${k}=${cfg[k]} (must be a positive integer)`);
  if (typeof cfg.normLastLayer !== 'boolean')
    bad.push(`normLastLayer=${cfg.normLastLayer} (must be boolean)`);
  if (bad.length > 0) throw new InvalidArgumentError(`resolveDinoHeadConfig: ${bad.join('; ')}`);
  return Object.freeze(cfg);
}

/**
 * `nn.Sequential` indices of the MLP's Linear layers: 0, 2, 4, … (GELUs sit in between).
 * @example dinoMlpIndices(3) // ['0', '2', '4']
 */
export function dinoMlpIndices(nLayers: number): string[] {
  return Array.from({ length: nLayers }, (_, i) => String(2 * i));
}

/** DINO's `trunc_normal_(std=.02)`: normal(0, std) rejected outside [−2, 2] (absolute bounds, as DINO). */
function dinoTruncNormal(shape: [number, number], std: number, rng: Rng): tf.Tensor2D {
  const data = new Float32Array(shape[0] * shape[1]);
  for (let i = 0; i < data.length; i++) {
    let v = rng.normal() * std;
    while (Math.abs(v) > 2) v = rng.normal() * std;
    data[i] = v;
  }
  return tf.tensor2d(data, shape);
}

/**
 * Initialises the head as DINO: MLP weights trunc-normal(0.02), zero biases; `weight_v` as torch's
 * default Linear init (kaiming-uniform, U(−1/√in, 1/√in)); `weight_g` = 1 (only when trainable).
 * Caller owns the tensors.
 * @example const head = initDinoHeadParams(resolveDinoHeadConfig({ inDim: 32, outDim: 64 }), createRng(0));
 */
export function initDinoHeadParams(cfg: DinoHeadConfig, rng: Rng): DinoHeadParams {
  const dims = [cfg.inDim, ...Array(cfg.nLayers - 1).fill(cfg.hiddenDim), cfg.bottleneckDim];
  const mlp: Record<string, DinoLinearParams> = {};
  dinoMlpIndices(cfg.nLayers).forEach((key, i) => {
    mlp[key] = {
      weight: dinoTruncNormal([dims[i], dims[i + 1]], 0.02, rng.split(i)),
      bias: tf.zeros([dims[i + 1]]),
    };
  });
  const bound = 1 / Math.sqrt(cfg.bottleneckDim);
  const vRng = rng.split(cfg.nLayers);
  const v = new Float32Array(cfg.bottleneckDim * cfg.outDim);
  for (let i = 0; i < v.length; i++) v[i] = vRng.uniform(-bound, bound);
  const last_layer: DinoHeadParams['last_layer'] = {
    weight_v: tf.tensor2d(v, [cfg.bottleneckDim, cfg.outDim]),
  };
  if (!cfg.normLastLayer) last_layer.weight_g = tf.ones([1, cfg.outDim]);
  return { mlp, last_layer };
}

/**
 * The weight-normalised last-layer weight `g · v / ‖v‖` (norm over the bottleneck axis).
 * weight_v: [bottleneck, K], weight_g?: [1, K] → [bottleneck, K]
 * @example const w = weightNormWeight(params.last_layer.weight_v);
 */
export function weightNormWeight(weightV: tf.Tensor2D, weightG?: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.square(weightV), 0, true)); // [1, K]
    const w = tf.div(weightV, norm);
    return (weightG ? tf.mul(w, weightG) : w) as tf.Tensor2D;
  });
}

/**
 * DINO head forward. x: [B, D] → [B, K].
 * @example const logits = dinoHead(params, cls, cfg); // cls = encoder output token 0
 */
export function dinoHead(params: DinoHeadParams, x: tf.Tensor2D, cfg: DinoHeadConfig): tf.Tensor2D {
  if (x.rank !== 2 || x.shape[1] !== cfg.inDim) {
    throw new ShapeError(`dinoHead: expected x [B, D=${cfg.inDim}], got [${x.shape}]`);
  }
  const keys = dinoMlpIndices(cfg.nLayers);
  return tf.tidy(() => {
    let h: tf.Tensor2D = x;
    keys.forEach((key, i) => {
      const layer = params.mlp[key];
      h = linear(h, layer.weight, layer.bias) as tf.Tensor2D;
      if (i < keys.length - 1) h = gelu(h) as tf.Tensor2D;
    });
    // F.normalize(x, dim=-1, p=2): x / max(‖x‖, 1e-12)
    const norm = tf.maximum(tf.sqrt(tf.sum(tf.square(h), -1, true)), 1e-12);
    const z = tf.div(h, norm) as tf.Tensor2D; // [B, bottleneck]
    const { weight_v, weight_g } = params.last_layer;
    return linear(z, weightNormWeight(weight_v, weight_g)) as tf.Tensor2D;
  });
}
