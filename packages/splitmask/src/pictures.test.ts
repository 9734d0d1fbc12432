import { expect, test } from 'vitest';
import { drawSplits, plotSeries, tokenColor } from './pictures';
import { decodePng, encodePng } from './png';

function countColor(img: { data: Uint8Array }, c: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    if (img.data[i] === c[0] && img.data[i + 1] === c[1] && img.data[i + 2] === c[2]) n++;
  }
  return n;
}

test('plotSeries draws each series in its colour and round-trips through PNG', () => {
  const img = plotSeries(
    [
      {
        name: 'mim',
        points: [
          [1, 5],
          [2, 4],
          [3, 3],
        ],
      },
      {
        name: 'nce',
        points: [
          [1, 2],
          [2, Number.NaN],
          [3, 1],
        ],
      },
    ],
    { width: 200, height: 120, title: 'loss' },
  );
  const back = decodePng(encodePng(img));
  expect([back.width, back.height]).toEqual([200, 120]);
  expect(countColor(back, [31, 119, 180])).toBeGreaterThan(50);
  expect(countColor(back, [255, 127, 14])).toBeGreaterThan(50);
});

test('drawSplits: A and B hide complementary patches', () => {
  const size = 8;
  const image = new Float32Array(size * size).fill(1);
  const visibleA = Int32Array.from([0, 3]);
  const img = drawSplits([{ image, visibleA, tokens: Int32Array.from([0, 1, 2, 3]) }], {
    imageSize: size,
    patchSize: 4,
    channels: 1,
    scale: 1,
  });
  // Panel origin: x = 8 + k * 16, y = 22 + 8. Patch 1 (top-right) is hidden for A, visible for B.
  const px = (x: number, y: number) =>
    Array.from(img.data.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));
  expect(px(8 + 16 + 5, 30)).not.toEqual([255, 255, 255]);
  expect(px(8 + 16 + 1, 30)).toEqual([255, 255, 255]);
  expect(px(8 + 32 + 5, 30)).toEqual([255, 255, 255]);
  expect(px(8 + 32 + 1, 30)).not.toEqual([255, 255, 255]);
  expect(px(8 + 48 + 5, 30)).toEqual([...tokenColor(1)]);
});
