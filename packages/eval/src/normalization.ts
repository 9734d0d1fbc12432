/**
 * Per-channel mean/std of images in [0, 1] (over at most `maxImages`, default 5000, the first ones), as
 * the SplitMask trainer computes its input normalisation, so evaluation sees the inputs pretraining saw.
 */
import { InvalidArgumentError } from '@splitmask/core';
import type { Normalization } from './features';

/**
 * pixels [N·S·S·C] in [0, 1] → { mean [C], std [C] } (std floored at 1e-4).
 * @example const norm = pixelNormalization(train.pixels, train.count, 1);
 */
export function pixelNormalization(
  pixels: Float32Array,
  count: number,
  channels: number,
  maxImages = 5000,
): Normalization {
  if (!(count > 0 && pixels.length % (count * channels) === 0))
    throw new InvalidArgumentError(
      `pixelNormalization: ${pixels.length} values is not ${count} images x ${channels} channels`,
    );
  const per = pixels.length / count;
  const n = (Math.min(count, maxImages) * per) / channels;
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < channels; k++) {
      const v = pixels[i * channels + k] as number;
      sum[k] = (sum[k] as number) + v;
      sq[k] = (sq[k] as number) + v * v;
    }
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (s, k) => Math.sqrt(Math.max(1e-8, s / n - (mean[k] as number) ** 2)));
  return { mean, std };
}
