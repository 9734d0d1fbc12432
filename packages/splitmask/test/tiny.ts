/** Tiny configs and synthetic data shared by this package's tests. */
import { createRng } from '@splitmask/core';
import { type PretrainConfigInput, resolvePretrainConfig } from '../src/config';
import { createArraySource, type ImageArray } from '../src/source';

/** A mu-size config: 8px images, patch 2 (16 patches), width 16, depth 1, V = 16, batch 4. */
export function tinyConfig(overrides: PretrainConfigInput = {}) {
  const base: PretrainConfigInput = {
    model: {
      imageSize: 8,
      patchSize: 2,
      inChans: 1,
      embedDim: 16,
      depth: 1,
      numHeads: 2,
      mlpRatio: 2,
      dropPathRate: 0.1,
      decoderDepth: 2,
    },
    tokenizer: { kind: 'random-projection', vocabSize: 16, seed: 1, fitImages: 16, fitIterations: 2 },
    optim: { lr: 3e-3, warmupSteps: 1 },
    train: { batchSize: 4, accumSteps: 1, steps: 20, logEvery: 1, checkpointEvery: 0, keepCheckpoints: 2 },
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    merged[k] = typeof v === 'object' ? { ...(base[k as keyof PretrainConfigInput] as object), ...v } : v;
  }
  return resolvePretrainConfig(merged);
}

/** `count` random 6x6 single-channel images with smooth structure (blocks), and labels. */
export function syntheticImages(count = 32, seed = 0): ImageArray {
  const rng = createRng(seed);
  const size = 6;
  const pixels = new Uint8Array(count * size * size);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 2;
    const bright = 60 + rng.int(150);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const on = labels[i] === 0 ? x < size / 2 : y < size / 2;
        pixels[i * size * size + y * size + x] = on ? bright : rng.int(30);
      }
    }
  }
  return { pixels, count, size, channels: 1, labels };
}

/** The synthetic images as a trainer source at 8px. */
export function tinySource(seed = 0) {
  return createArraySource(syntheticImages(32, 3), { imageSize: 8, seed, jitter: 1 });
}
