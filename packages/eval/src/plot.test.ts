import { expect, test } from 'vitest';
import { PLOT_COLORS, plotConfusion, plotCurves } from './plot';

const px = (img: { width: number; data: Uint8Array }, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));

test('plotCurves (core plotSeries on a fixed axis) draws each series at the right height', () => {
  const img = plotCurves([{ name: 'a', values: [50, 50] }], { width: 120, height: 128 });
  expect(img.data.length).toBe(120 * 128 * 4);
  // plot area rows 28..100: y = 50% → row 64, x from 60 to 104
  expect(px(img, 80, 64)).toEqual([...(PLOT_COLORS[0] as readonly number[])]);
  expect(px(img, 80, 40)).not.toEqual([...(PLOT_COLORS[0] as readonly number[])]);
  const one = plotCurves([{ name: 'one epoch', values: [71] }], { width: 120, height: 128 });
  expect(one.data.some((v) => Number.isNaN(v))).toBe(false);
  expect(() => plotCurves([], { yMin: 1, yMax: 1 })).toThrow(/yMax must exceed yMin/);
});

test('plotConfusion: darker where a row puts more mass', () => {
  const img = plotConfusion(
    [
      [9, 1],
      [0, 4],
    ],
    10,
  );
  expect(img.width).toBe(21);
  const dark = px(img, 5, 5);
  const light = px(img, 15, 5);
  expect(dark[0] as number).toBeLessThan(light[0] as number);
  expect(px(img, 5, 15)).toEqual([255, 255, 255]); // zero count → white
});
