import { expect, test } from 'vitest';
import { pixelNormalization } from './normalization';

test('per-channel mean/std over the first maxImages images', () => {
  // 3 images of 2 pixels x 2 channels; channel 0 = 0,1 pattern, channel 1 constant 0.5; image 2 ignored
  const px = Float32Array.of(0, 0.5, 1, 0.5, 0, 0.5, 1, 0.5, 9, 9, 9, 9);
  const n = pixelNormalization(px, 3, 2, 2);
  expect(n.mean).toEqual([0.5, 0.5]);
  expect(n.std[0]).toBeCloseTo(0.5, 12);
  expect(n.std[1]).toBeCloseTo(1e-4, 12); // variance floored at 1e-8
  expect(() => pixelNormalization(px, 5, 2)).toThrow(/12 values is not 5 images x 2 channels/);
});
