/** Synthetic image streams for fitting tests. */
import { createRng } from '@splitmask/core';
import type { ImageBatch } from '../src/sampling';

/**
 * `numBatches` batches of `b` smooth random images [b, size, size, c] in [0, 1] (seeded), so patches
 * have structure for k-means to find.
 */
export function* syntheticBatches(opts: {
  numBatches: number;
  b: number;
  size: number;
  channels?: number;
  seed?: number;
}): Generator<ImageBatch> {
  const c = opts.channels ?? 3;
  const rng = createRng(opts.seed ?? 0);
  for (let k = 0; k < opts.numBatches; k++) {
    const images = new Float32Array(opts.b * opts.size * opts.size * c);
    for (let n = 0; n < opts.b; n++) {
      const fx = rng.uniform(0.1, 1.5);
      const fy = rng.uniform(0.1, 1.5);
      const ph = Array.from({ length: c }, () => rng.uniform(0, 6.3));
      for (let y = 0; y < opts.size; y++)
        for (let x = 0; x < opts.size; x++)
          for (let ch = 0; ch < c; ch++)
            images[((n * opts.size + y) * opts.size + x) * c + ch] =
              0.5 + 0.45 * Math.sin(fx * x + fy * y + ph[ch]) * (rng.random() < 0.9 ? 1 : 0.5);
    }
    yield { images, shape: [opts.b, opts.size, opts.size, c] };
  }
}
