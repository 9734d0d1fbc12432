/**
 * The tokenizer behind random projection, random patches and k-means: normalise p×p patches per
 * channel, then take the argmax of the dot product with a unit codebook [P, V] (paper §3.3, eq. 1).
 * Patches are not ℓ2-normalised here: the argmax of xᵀe_i does not depend on ‖x‖.
 */
import { InvalidArgumentError, ShapeError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { nearestCodeword } from './codebook';
import { checkFiniteImages, checkImages, checkPatchSize, extractPatches, shouldCheckFinite } from './patches';
import type { CodebookTokenizerConfig, TokenizeOptions, Tokenizer } from './types';

/** Validates and freezes a codebook tokenizer config (errors name the bad field). */
export function resolveCodebookConfig(cfg: CodebookTokenizerConfig): CodebookTokenizerConfig {
  checkPatchSize(cfg.patchSize);
  if (!Number.isInteger(cfg.vocabSize) || cfg.vocabSize < 1)
    throw new InvalidArgumentError(`vocabSize must be a positive integer, got ${cfg.vocabSize}`);
  if (!Number.isInteger(cfg.channels) || cfg.channels < 1)
    throw new InvalidArgumentError(`channels must be a positive integer, got ${cfg.channels}`);
  if (!Number.isFinite(cfg.seed))
    throw new InvalidArgumentError(`seed must be a finite number, got ${cfg.seed}`);
  return Object.freeze({ ...cfg });
}

/**
 * Wraps a unit codebook [P, V] (P = p·p·C) as a Tokenizer; the tokenizer takes ownership of it.
 * @example const tok = createCodebookTokenizer(cfg, tf.keep(codebook));
 */
export function createCodebookTokenizer(config: CodebookTokenizerConfig, codebook: tf.Tensor2D): Tokenizer {
  const cfg = resolveCodebookConfig(config);
  const dim = cfg.patchSize * cfg.patchSize * cfg.channels;
  if (codebook.rank !== 2 || codebook.shape[0] !== dim || codebook.shape[1] !== cfg.vocabSize) {
    throw new ShapeError(
      `Expected codebook [P, V] = [${dim}, ${cfg.vocabSize}] for patchSize=${cfg.patchSize}, channels=${cfg.channels}, got [${codebook.shape.join(', ')}]`,
    );
  }
  let disposed = false;
  return {
    kind: cfg.kind,
    vocabSize: cfg.vocabSize,
    patchSize: cfg.patchSize,
    channels: cfg.channels,
    config: cfg,
    tokenize(images: tf.Tensor4D, options: TokenizeOptions = {}): tf.Tensor3D {
      if (disposed) throw new InvalidArgumentError(`tokenize: this ${cfg.kind} tokenizer was disposed`);
      checkImages(images, cfg.patchSize, cfg.channels);
      if (shouldCheckFinite(options.checkFinite)) checkFiniteImages(images);
      return tf.tidy(() => {
        const [b, h, w] = images.shape;
        const x = extractPatches(images, cfg.patchSize, cfg.normalization); // [B·L, P]
        const ids = nearestCodeword(x, codebook); // [B·L]
        return tf.reshape(ids, [b, h / cfg.patchSize, w / cfg.patchSize]) as tf.Tensor3D;
      });
    },
    toTensors: () => ({ codebook }),
    dispose(): void {
      if (!disposed) codebook.dispose();
      disposed = true;
    },
  };
}
