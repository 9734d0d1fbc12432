import { describeEachBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { createCodebookTokenizer } from './codebook-tokenizer';
import { createRandomProjectionTokenizer } from './random-projection';
import { codewordPatches, renderTokenColors, renderTokenPatches, tokenColor } from './render';

describe('renderTokenColors', () => {
  test('paints each cell with the colour of its id', () => {
    const img = renderTokenColors([0, 1, 2, 3, 4, 5], 2, 3, 2);
    expect([img.width, img.height]).toEqual([6, 4]);
    const px = (x: number, y: number) => Array.from(img.data.subarray((y * 6 + x) * 4, (y * 6 + x) * 4 + 4));
    expect(px(5, 3)).toEqual([...tokenColor(5), 255]);
    expect(px(4, 2)).toEqual([...tokenColor(5), 255]);
    expect(px(0, 0)).toEqual([...tokenColor(0), 255]);
  });
  test('neighbouring ids get distinct colours', () => {
    const seen = new Set(Array.from({ length: 64 }, (_, i) => tokenColor(i).join()));
    expect(seen.size).toBe(64);
  });
  test('rejects a grid of the wrong size', () => {
    expect(() => renderTokenColors([1, 2, 3], 2, 2)).toThrow(/expected h·w = 2·2 = 4 ids, got 3/);
  });
});

describeEachBackend('codewordPatches / renderTokenPatches', () => {
  test('a codeword is drawn back as the patch it came from (up to contrast)', async () => {
    // Codeword 1 is the normalised patch of a half-black half-white image: drawn back exactly.
    const patch = [0, 0, 1, 1].map((v) => (v - 0.5) / 0.5); // 2×2×1, rows (0,0) and (1,1)
    const n = Math.hypot(...patch);
    const cb = tf.tensor2d(
      [1, 0.5, 0, 0.5, 0, -0.5, 0, -0.5].map((v, i) => (i % 2 ? patch[(i - 1) / 2] / n : v)),
      [4, 2],
    );
    const tok = createCodebookTokenizer(
      {
        kind: 'random-patches',
        vocabSize: 2,
        patchSize: 2,
        channels: 1,
        normalization: { mean: [0.5], std: [0.5] },
        seed: 0,
      },
      cb,
    );
    const patches = await codewordPatches(tok);
    expect(Array.from(patches.subarray(4, 8))).toEqual([0, 0, 1, 1]);
    const img = renderTokenPatches([1], 1, 1, patches, 2, 1);
    expect(Array.from(img.data)).toEqual([
      0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    ]);
    expect(() => renderTokenPatches([2], 1, 1, patches, 2, 1)).toThrow(/id 2 at cell 0 is outside \[0, 2\)/);
    tok.dispose();
  });
  test('RGB vocabularies render at p× the grid size', async () => {
    const tok = createRandomProjectionTokenizer({ vocabSize: 10, patchSize: 4, seed: 0 });
    const img = renderTokenPatches([0, 9, 3, 4], 2, 2, await codewordPatches(tok), 4, 3);
    expect([img.width, img.height, img.data.length]).toEqual([8, 8, 256]);
    tok.dispose();
  });
});
