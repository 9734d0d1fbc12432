/**
 * Evaluation plots on core's one raster and plot function (`@splitmask/core`): accuracy curves on a fixed
 * [yMin, yMax] axis (values at x = 0..n−1, NaN = gap) and the confusion-matrix heat map. RGBA8 images,
 * written as PNG by `@splitmask/core/node`'s `encodePng`/`writePng`.
 */
import { type Color, PLOT_COLORS, plotConfusion, plotSeries, type RgbaImage } from '@splitmask/core';

export type { RgbaImage };
export { PLOT_COLORS, plotConfusion };

/** One curve: y values at x = 0..n−1 (NaN = gap). */
export interface Series {
  name: string;
  values: readonly number[];
  color?: Color;
}

/**
 * Line plot of `series` over x = 0..max(n)−1, y in [yMin, yMax] (default 0..100, i.e. percent), each
 * point marked.
 * @example const png = encodePng(plotCurves([{ name: 'top-1', values: [40, 60, 71] }]));
 */
export function plotCurves(
  series: readonly Series[],
  o: { width?: number; height?: number; yMin?: number; yMax?: number; title?: string } = {},
): RgbaImage {
  const { width = 480, height = 320, yMin = 0, yMax = 100, title } = o;
  return plotSeries(
    series.map((s) => ({
      name: s.name,
      color: s.color,
      points: s.values.map((v, i) => [i, v] as const),
    })),
    { width, height, yMin, yMax, title, markers: true },
  );
}
