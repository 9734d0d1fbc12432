/**
 * A pretraining method as the trainer sees it: init params, draw host-side masks, build a step's
 * inputs, compute the loss parts. SplitMask and BEiT share the encoder, tokenizer and trainer.
 */
import type { Rng } from '@splitmask/core';
import type * as tf from '@tensorflow/tfjs-core';
import { beitLoss, drawBeitMasks, initBeitParams, makeBeitInputs } from './beit';
import type { PretrainConfig } from './config';
import {
  drawSplitIndices,
  initSplitMaskParams,
  type LossParts,
  makeSplitMaskInputs,
  splitMaskLoss,
  toVitConfig,
} from './splitmask';

/** The per-method hooks of the trainer. */
export interface PretrainMethodImpl {
  name: PretrainConfig['method'];
  /** Names of the loss parts, `total` first, in the order the trainer reports them. */
  parts: readonly string[];
  init(vocabSize: number, rng: Rng): object;
  /** Draws masks (host rng) and builds the step tensors; `images` normalised, `tokens` [B, h, w]. */
  inputs(images: tf.Tensor4D, tokens: tf.Tensor3D, rng: Rng): { tensors: object; visibleA?: Int32Array[] };
  loss(params: object, inputs: object, opts: { training: boolean; seed: number }): LossParts;
}

/**
 * The method selected by `cfg.method`.
 * @example const method = createMethod(cfg); const params = method.init(256, createRng(0));
 */
export function createMethod(cfg: PretrainConfig): PretrainMethodImpl {
  const vit = toVitConfig(cfg.model);
  const grid = cfg.model.imageSize / cfg.model.patchSize;
  if (cfg.method === 'beit') {
    return {
      name: 'beit',
      parts: ['total', 'mim'],
      init: (v, rng) => initBeitParams(cfg.model, v, rng),
      inputs: (images, tokens, rng) => ({
        tensors: makeBeitInputs(
          images,
          tokens,
          drawBeitMasks(images.shape[0], grid, cfg.masking.beitMaskRatio, rng),
        ),
      }),
      loss: (p, inputs, opts) => beitLoss(p as never, inputs as never, vit, opts),
    };
  }
  return {
    name: 'splitmask',
    parts: ['total', 'mim', 'nce', 'nceAcc'],
    init: (v, rng) => initSplitMaskParams(cfg.model, v, rng),
    inputs: (images, tokens, rng) => {
      const s = drawSplitIndices(images.shape[0], grid, rng, cfg.masking);
      return { tensors: makeSplitMaskInputs(images, tokens, s), visibleA: s.visibleA };
    },
    loss: (p, inputs, opts) =>
      splitMaskLoss(p as never, inputs as never, vit, {
        ...opts,
        temperature: cfg.loss.temperature,
        nceWeight: cfg.loss.nceWeight,
      }),
  };
}
