import { inflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { PLOT_COLORS, plotConfusion, plotSeries } from './plot';
import { decodePng, encodePng } from './png-node';
import { createImage, drawLine, fillRect } from './raster';

const px = (img: { width: number; data: Uint8Array }, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));

function countColor(img: { data: Uint8Array }, c: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4)
    if (img.data[i] === c[0] && img.data[i + 1] === c[1] && img.data[i + 2] === c[2]) n++;
  return n;
}

describe('raster', () => {
  test('createImage, fillRect, drawLine clip to the image', () => {
    const img = createImage(4, 3, [1, 2, 3]);
    fillRect(img, 2, 1, 10, 10, [9, 9, 9]);
    drawLine(img, -5, 0, 1, 0, [7, 7, 7]);
    expect(px(img, 0, 0)).toEqual([7, 7, 7]);
    expect(px(img, 3, 2)).toEqual([9, 9, 9]);
    expect(px(img, 1, 2)).toEqual([1, 2, 3]);
  });
});

describe('plots', () => {
  test('plotSeries draws each series in its colour; NaN points are gaps', () => {
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
    expect(countColor(img, PLOT_COLORS[0])).toBeGreaterThan(50);
    expect(countColor(img, PLOT_COLORS[1])).toBeGreaterThan(5);
  });

  test.each([
    ['no points', []],
    ['one point', [[1, 2.5]]],
    [
      'a flat curve',
      [
        [1, 3],
        [2, 3],
      ],
    ],
  ] as const)('plotSeries with %s draws axes, no NaN coordinates', (_n, points) => {
    const img = plotSeries([{ name: 'x', points: points as unknown as [number, number][] }], {
      width: 120,
      height: 100,
    });
    expect(img.data.length).toBe(120 * 100 * 4);
    if (points.length) expect(countColor(img, PLOT_COLORS[0])).toBeGreaterThan(0);
  });

  test('a fixed y axis: values at the right height, clamped, grid lines; bad range refused', () => {
    const img = plotSeries(
      [
        {
          name: 'a',
          points: [
            [0, 50],
            [1, 50],
            [2, 150],
          ],
        },
      ],
      { width: 200, height: 128, yMin: 0, yMax: 100 },
    );
    // top 28, bottom 100: y = 50 → row 64
    expect(px(img, 80, 64)).toEqual([...PLOT_COLORS[0]]);
    expect(() => plotSeries([], { yMin: 1, yMax: 1 })).toThrow(/yMax must exceed yMin/);
  });

  test('plotConfusion: darker where a row puts more mass; zero counts white', () => {
    const img = plotConfusion(
      [
        [9, 1],
        [0, 4],
      ],
      10,
    );
    expect(img.width).toBe(21);
    expect((px(img, 5, 5)[0] as number) < (px(img, 15, 5)[0] as number)).toBe(true);
    expect(px(img, 5, 15)).toEqual([255, 255, 255]);
  });
});

describe('PNG (pngjs), checked against zlib and the PNG spec', () => {
  test('signature, IHDR RGBA8, pixels through inflate, and decodePng round trip', () => {
    const data = new Uint8Array(3 * 2 * 4).map((_, i) => (i * 37) % 256);
    const png = encodePng({ width: 3, height: 2, data });
    expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const dv = new DataView(png.buffer, png.byteOffset);
    let o = 8;
    const idat: Uint8Array[] = [];
    let ihdr: Uint8Array | undefined;
    while (o < png.length) {
      const len = dv.getUint32(o);
      const type = new TextDecoder().decode(png.subarray(o + 4, o + 8));
      if (type === 'IHDR') ihdr = png.slice(o + 8, o + 8 + len);
      if (type === 'IDAT') idat.push(png.subarray(o + 8, o + 8 + len));
      o += 12 + len;
    }
    const ih = new DataView((ihdr as Uint8Array).buffer);
    expect([ih.getUint32(0), ih.getUint32(4), ih.getUint8(8), ih.getUint8(9)]).toEqual([3, 2, 8, 6]);
    const raw = inflateSync(Buffer.concat(idat));
    expect(raw.length).toBe(2 * (1 + 12));
    // un-filter row by row (pngjs picks filters adaptively; decode them as the spec says)
    const out = new Uint8Array(24);
    for (let y = 0; y < 2; y++) {
      const f = raw[y * 13];
      for (let x = 0; x < 12; x++) {
        const v = raw[y * 13 + 1 + x];
        const a = x >= 4 ? out[y * 12 + x - 4] : 0;
        const b = y > 0 ? out[(y - 1) * 12 + x] : 0;
        const c = x >= 4 && y > 0 ? out[(y - 1) * 12 + x - 4] : 0;
        const p = a + b - c;
        const pr =
          Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
            ? a
            : Math.abs(p - b) <= Math.abs(p - c)
              ? b
              : c;
        const pred = [0, a, b, (a + b) >> 1, pr][f] as number;
        out[y * 12 + x] = (v + pred) & 255;
      }
    }
    expect(Array.from(out)).toEqual(Array.from(data));
    const back = decodePng(png);
    expect([back.width, back.height, Array.from(back.data)]).toEqual([3, 2, Array.from(data)]);
  });
});
