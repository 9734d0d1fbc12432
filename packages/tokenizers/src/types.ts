/**
 * The tokenizer interface shared by every visual tokenizer (paper §3.3, Table 2): images in, one token
 * id per patch out, aligned with the encoder's patch grid (8px patches of the 112px view ↔ 16px patches
 * of the 224px view).
 */
import type * as tf from '@tensorflow/tfjs-core';

/** The four tokenizers of the paper's Table 2. */
export type TokenizerKind = 'random-projection' | 'random-patches' | 'kmeans' | 'dalle';

/**
 * Per-channel pixel normalisation applied before the dot product: `(x - mean[c]) / std[c]`.
 * The default `{ mean: [0.5, ...], std: [0.5, ...] }` maps [0, 1] pixels to [-1, 1] (docs/method.md: tokenizer normalisation).
 */
export interface PatchNormalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Fields every tokenizer config carries (JSON-serialisable). */
export interface TokenizerConfigBase {
  readonly kind: TokenizerKind;
  /** V: number of token ids. */
  readonly vocabSize: number;
  /** p: patch side in pixels; one token per p×p cell. */
  readonly patchSize: number;
  /** C: image channels. */
  readonly channels: number;
}

/** How a k-means codebook was fitted (kept in the config for provenance). */
export interface KMeansFitInfo {
  readonly iterations: number;
  readonly numPatches: number;
  readonly inertia: readonly number[];
  readonly emptyClustersReseeded: number;
  readonly init: 'kmeans++' | 'given';
  readonly initSampleSize: number;
}

/** Config of the three codebook tokenizers: tokens = argmax over a unit codebook [P, V]. */
export interface CodebookTokenizerConfig extends TokenizerConfigBase {
  readonly kind: 'random-projection' | 'random-patches' | 'kmeans';
  readonly normalization: PatchNormalization;
  /** Seed the codebook was drawn or fitted with. */
  readonly seed: number;
  /** Present for k-means codebooks. */
  readonly fit?: KMeansFitInfo;
}

/** Architecture of the DALL-E dVAE encoder (`openai/DALL-E` `dall_e/encoder.py`), parametric for tests. */
export interface DalleEncoderConfig {
  /** Number of groups; the encoder downsamples by 2^(groupCount-1). Reference: 4. */
  readonly groupCount: number;
  /** Width of group 1; group g has width 2^(g-1)·nHid. Reference: 256. */
  readonly nHid: number;
  /** Encoder blocks per group. Reference: 2. */
  readonly nBlkPerGroup: number;
  /** C: input channels. Reference: 3. */
  readonly inputChannels: number;
  /** V: logits per cell. Reference: 8192. */
  readonly vocabSize: number;
}

/** Config of the DALL-E dVAE tokenizer. */
export interface DalleTokenizerConfig extends TokenizerConfigBase {
  readonly kind: 'dalle';
  readonly encoder: DalleEncoderConfig;
  /** `logit_laplace_eps` of `map_pixels`: x ↦ (1 − 2·eps)·x + eps. Reference: 0.1. */
  readonly logitLaplaceEps: number;
}

/** Any tokenizer config. */
export type TokenizerConfig = CodebookTokenizerConfig | DalleTokenizerConfig;

/** Options of `Tokenizer.tokenize`. */
export interface TokenizeOptions {
  /**
   * Reject images containing NaN or ±Infinity. The check reads one boolean back synchronously, so it
   * defaults to true only on backends whose data lives on the host (cpu, wasm, tensorflow) and to false
   * on GPU backends (a stall there, and impossible for webgpu in Node, which has no sync readback).
   */
  readonly checkFinite?: boolean;
}

/**
 * A visual tokenizer: images [B, H, W, C] in [0, 1] → token ids [B, H/p, W/p] int32 in [0, V).
 * Owns its tensors (codebook or weights) until `dispose()`.
 * @example
 * const tok = createRandomProjectionTokenizer({ vocabSize: 8192, patchSize: 8, channels: 3, seed: 0 });
 * const ids = tok.tokenize(images112); // [B, 14, 14] int32
 */
export interface Tokenizer {
  readonly kind: TokenizerKind;
  /** V */
  readonly vocabSize: number;
  /** p */
  readonly patchSize: number;
  /** C */
  readonly channels: number;
  /** JSON-serialisable config (everything needed to rebuild it together with `toTensors()`). */
  readonly config: TokenizerConfig;
  /** images [B, H, W, C] in [0, 1] → ids [B, H/p, W/p] int32. The caller owns the result. */
  tokenize(images: tf.Tensor4D, options?: TokenizeOptions): tf.Tensor3D;
  /** The tensors that, with `config`, define the tokenizer (not copies: do not dispose them). */
  toTensors(): Record<string, tf.Tensor>;
  /** Frees the tokenizer's tensors. Idempotent. */
  dispose(): void;
}
