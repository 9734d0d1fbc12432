/** Labelled 16 px test images shared by the fine-tuning suites. */
import { createRng } from '@splitmask/core';
import type { LabeledImages } from '../src/finetune';

/**
 * 4 textures (flat, horizontal stripes, vertical stripes, checkerboard) plus noise: every patch shows its
 * class, so mean-pooled patch tokens separate them (a position-only cue would not survive mean pooling).
 * @example const train = textures(32, 3); // 32 images, labels 0..3 in turn
 */
export function textures(n: number, seed: number): LabeledImages {
  const rng = createRng(seed);
  const pixels = new Float32Array(n * 256);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = i % 4;
    labels[i] = y;
    for (let r = 0; r < 16; r++)
      for (let c = 0; c < 16; c++) {
        const on = [true, r % 2 === 0, c % 2 === 0, (r + c) % 2 === 0][y];
        pixels[i * 256 + r * 16 + c] = (on ? 0.7 : 0.1) + 0.3 * rng.random();
      }
  }
  return { pixels, labels, count: n };
}
