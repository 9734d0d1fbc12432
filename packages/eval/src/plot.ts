/**
 * Minimal raster plots (no fonts; labels go in the accompanying markdown): line plots of accuracy curves
 * on a fixed [yMin, yMax] axis with light grid lines every 10%, and a confusion-matrix heat map (row-normalised,
 * white → dark blue). RGBA8 images, encoded by the Node entry's `encodePng`.
 */
import { InvalidArgumentError } from '@splitmask/core';

/** RGBA8 image, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One curve: y values at x = 0..n−1 (NaN = gap). */
export interface Series {
  name: string;
  values: readonly number[];
  color?: readonly [number, number, number];
}

/** Distinct colours (Tableau 10), assigned to series without one, in order. */
export const PLOT_COLORS: readonly (readonly [number, number, number])[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

function blank(width: number, height: number): RgbaImage {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
    throw new InvalidArgumentError(`plot: size must be positive integers, got ${width}x${height}`);
  return { width, height, data: new Uint8Array(width * height * 4).fill(255) };
}

function put(img: RgbaImage, x: number, y: number, c: readonly number[]): void {
  const xi = Math.round(x);
  const yi = Math.round(y);
  if (xi < 0 || yi < 0 || xi >= img.width || yi >= img.height) return;
  const o = (yi * img.width + xi) * 4;
  img.data[o] = c[0] as number;
  img.data[o + 1] = c[1] as number;
  img.data[o + 2] = c[2] as number;
  img.data[o + 3] = 255;
}

function line(
  img: RgbaImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  c: readonly number[],
  thick = 1,
): void {
  const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
  for (let i = 0; i <= n; i++) {
    const x = x0 + ((x1 - x0) * i) / n;
    const y = y0 + ((y1 - y0) * i) / n;
    for (let dx = 0; dx < thick; dx++) for (let dy = 0; dy < thick; dy++) put(img, x + dx, y + dy, c);
  }
}

/**
 * Line plot of `series` over x = 0..max(n)−1, y in [yMin, yMax] (default 0..100, i.e. percent).
 * @example const png = encodePng(plotCurves([{ name: 'top-1', values: [40, 60, 71] }]));
 */
export function plotCurves(
  series: readonly Series[],
  o: { width?: number; height?: number; yMin?: number; yMax?: number } = {},
): RgbaImage {
  const { width = 480, height = 320, yMin = 0, yMax = 100 } = o;
  if (!(yMax > yMin))
    throw new InvalidArgumentError(`plotCurves: yMax must exceed yMin, got ${yMin}..${yMax}`);
  const img = blank(width, height);
  const m = 20;
  const [w, h] = [width - 2 * m, height - 2 * m];
  const n = Math.max(2, ...series.map((s) => s.values.length));
  const px = (i: number) => m + (w * i) / (n - 1);
  const py = (v: number) => m + h * (1 - (Math.min(Math.max(v, yMin), yMax) - yMin) / (yMax - yMin));
  for (let k = 0; k <= 10; k++) line(img, m, m + (h * k) / 10, m + w, m + (h * k) / 10, [225, 225, 225]);
  line(img, m, m, m, m + h, [0, 0, 0]);
  line(img, m, m + h, m + w, m + h, [0, 0, 0]);
  series.forEach((s, si) => {
    const c = s.color ?? (PLOT_COLORS[si % PLOT_COLORS.length] as readonly number[]);
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i] as number;
      if (Number.isNaN(v)) continue;
      const prev = s.values[i - 1];
      if (i > 0 && prev !== undefined && !Number.isNaN(prev))
        line(img, px(i - 1), py(prev), px(i), py(v), c, 2);
      for (let d = -2; d <= 2; d++) line(img, px(i) - 2, py(v) + d, px(i) + 2, py(v) + d, c);
    }
  });
  return img;
}

/**
 * Heat map of a confusion matrix [C][C] (each row normalised by its count; darker = more), `cell` px per entry.
 * @example const png = encodePng(plotConfusion(metrics.confusion));
 */
export function plotConfusion(confusion: readonly (readonly number[])[], cell = 24): RgbaImage {
  const c = confusion.length;
  const img = blank(c * cell + 1, c * cell + 1);
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((v, j) => {
      const t = v / total;
      const col = [255 - t * (255 - 8), 255 - t * (255 - 48), 255 - t * (255 - 107)].map(Math.round);
      for (let y = 1; y < cell; y++) for (let x = 1; x < cell; x++) put(img, j * cell + x, i * cell + y, col);
    });
  });
  return img;
}
