/**
 * The demo configurations the page offers: model sizes and tokenizers, resolved through
 * `@splitmask/splitmask`'s config schema so every field is validated the same way as the CLI's.
 */
import { type PretrainConfig, resolvePretrainConfig } from '@splitmask/splitmask';

/** Model sizes offered in the page. */
export const MODEL_SIZES = ['tiny', 'small'] as const;
export type ModelSize = (typeof MODEL_SIZES)[number];

/** Tokenizers offered in the page (k-means is fitted in the tab on the chosen images). */
export const TOKENIZERS = ['kmeans', 'random-projection'] as const;
export type TokenizerKind = (typeof TOKENIZERS)[number];

/** What the page's form chooses. */
export interface DemoChoice {
  size: ModelSize;
  tokenizer: TokenizerKind;
  /** Optimiser steps to run. */
  steps: number;
  batchSize: number;
  seed?: number;
}

const MODELS: Record<ModelSize, { embedDim: number; depth: number; numHeads: number; mlpRatio: number }> = {
  // 28 px, patch 7 → 4×4 = 16 patches: a step takes well under a second even on SwiftShader WebGL.
  tiny: { embedDim: 32, depth: 2, numHeads: 2, mlpRatio: 2 },
  // the CLI demo's model (28 px, patch 4 → 49 patches, D = 64, depth 4).
  small: { embedDim: 64, depth: 4, numHeads: 4, mlpRatio: 2 },
};

/**
 * The full pretraining config for a page choice (28 px grayscale Fashion-MNIST-sized images).
 * @example const cfg = demoConfig({ size: 'tiny', tokenizer: 'kmeans', steps: 20, batchSize: 16 });
 */
export function demoConfig(choice: DemoChoice): PretrainConfig {
  const m = MODELS[choice.size];
  return resolvePretrainConfig({
    method: 'splitmask',
    seed: choice.seed ?? 0,
    model: {
      imageSize: 28,
      patchSize: choice.size === 'tiny' ? 7 : 4,
      inChans: 1,
      ...m,
      dropPathRate: 0,
      decoderDepth: choice.size === 'tiny' ? 1 : 2,
    },
    tokenizer: {
      kind: choice.tokenizer,
      vocabSize: choice.size === 'tiny' ? 32 : 128,
      seed: 0,
      fitImages: 256,
      fitIterations: 5,
    },
    optim: { lr: 2e-3, minLr: 1e-5, warmupSteps: Math.min(5, Math.floor(choice.steps / 10)), clipGrad: 3 },
    train: {
      batchSize: choice.batchSize,
      accumSteps: 1,
      steps: choice.steps,
      checkpointEvery: 0,
      logEvery: 1,
    },
  });
}
