import { decodeSafetensors, toTfTensors } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak, loadFixture } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { bicubicAntialiasMatrix, bicubicMatrix, interpolatePosEmbed } from './pos-embed';

// tools/fixtures_pos_embed.py: torch 1.13 F.interpolate(mode='bicubic', align_corners=False) with
// antialias=True (timm's resample_abs_pos_embed) and antialias=False (DeiT/BEiT/DINO), CLS row kept.
const file = decodeSafetensors(loadFixture(`${import.meta.dirname}/..`, 'pos_embed_resize.safetensors'));
const CASES = (JSON.parse(file.metadata.cases) as [number, [number, number]][]).map(
  ([side, [gh, gw]]) => [`${side}x${side} → ${gh}x${gw}`, side, gh, gw] as const,
);
const TOL = { rtol: 1e-5, atol: 1e-5 };

describeEachBackend('interpolatePosEmbed', () => {
  let fx: Record<string, tf.Tensor>;
  beforeAll(() => {
    fx = toTfTensors(file.tensors);
  });
  afterAll(() => tf.dispose(Object.values(fx)));

  test.each(CASES)('%s: default (antialias) matches torch antialias=True (timm)', (_, side, gh, gw) => {
    const src = fx[`src.${side}`] as tf.Tensor3D;
    expectClose(interpolatePosEmbed(src, [gh, gw]), fx[`aa.${side}_${gh}x${gw}`], TOL);
    expectNoLeak(() => interpolatePosEmbed(src, [gh, gw]), 'interpolatePosEmbed');
  });

  test.each(CASES)(
    '%s: antialias: false matches torch antialias=False (DeiT/BEiT/DINO)',
    (_, side, gh, gw) => {
      const src = fx[`src.${side}`] as tf.Tensor3D;
      expectClose(
        interpolatePosEmbed(src, [gh, gw], { antialias: false }),
        fx[`noaa.${side}_${gh}x${gw}`],
        TOL,
      );
    },
  );

  test('the two conventions differ on 14 → 16 and 14 → 7 (so the option matters)', async () => {
    for (const g of [16, 7]) {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(fx[`aa.14_${g}x${g}`], fx[`noaa.14_${g}x${g}`]))));
      expect((await diff.data())[0]).toBeGreaterThan(0.05);
      diff.dispose();
    }
  });
});

test.each([
  [14, 7],
  [14, 16],
  [5, 2],
  [3, 8],
  [1, 4],
])('resampling matrices %i → %i: every row sums to 1', (inSize, outSize) => {
  for (const m of [bicubicAntialiasMatrix(inSize, outSize), bicubicMatrix(inSize, outSize)]) {
    for (let o = 0; o < outSize; o++) {
      const row = m.subarray(o * inSize, (o + 1) * inSize);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  }
});
