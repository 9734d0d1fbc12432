/**
 * Plots on the one raster (`raster.ts`): curves of (x, y) points on shared axes with tick labels and a
 * legend (training losses, evaluation accuracy per epoch), and a confusion-matrix heat map. They work for
 * any number of points, including none or one (a flat or single-point curve gets a unit-wide axis).
 */
import { InvalidArgumentError } from '../errors';
import { type Color, createImage, drawLine, drawText, fillRect, type RgbaImage, textWidth } from './raster';

/** One curve: a name, (x, y) points (non-finite ones are gaps) and an optional colour. */
export interface PlotSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  color?: Color;
}

/** Options of {@link plotSeries}. */
export interface PlotOptions {
  width?: number;
  height?: number;
  title?: string;
  /** A fixed y axis (values outside are clamped, grid lines every tenth); default: the data's range. */
  yMin?: number;
  yMax?: number;
  /** Mark each point with a small square (for short curves such as per-epoch accuracy). */
  markers?: boolean;
}

/** Distinct colours (Tableau 10), assigned in order to series without one. */
export const PLOT_COLORS: readonly Color[] = Object.freeze([
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
] as const);

function fmt(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.01) return v.toExponential(1).replace('e+', 'e');
  return a >= 10 ? v.toFixed(0) : v.toFixed(2);
}

function finite(p: readonly [number, number]): boolean {
  return Number.isFinite(p[0]) && Number.isFinite(p[1]);
}

/** [lo, hi] of `values`, widened when empty or flat so that an axis always has a positive span. */
function span(values: number[], pad: number): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = values[0];
  let hi = values[0];
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi > lo ? [lo, hi] : [lo - pad, hi + pad];
}

/**
 * Draws curves on shared axes, with min/max tick labels and a legend.
 * @example encodePng(plotSeries([{ name: 'loss', points: [[1, 5], [2, 4]] }], { title: 'loss' }))
 */
export function plotSeries(series: readonly PlotSeries[], options: PlotOptions = {}): RgbaImage {
  const { width = 640, height = 360, title = '', markers = false } = options;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 80 && height > 60))
    throw new InvalidArgumentError(`plotSeries: size must be integers above 80x60, got ${width}x${height}`);
  const fixed = options.yMin !== undefined || options.yMax !== undefined;
  if (fixed && !((options.yMax ?? Number.NaN) > (options.yMin ?? Number.NaN)))
    throw new InvalidArgumentError(`plotSeries: yMax must exceed yMin, got ${options.yMin}..${options.yMax}`);
  const img = createImage(width, height);
  const [left, right, top, bottom] = [60, width - 16, 28, height - 28];
  const pts = series.flatMap((s) => s.points.filter(finite));
  const black: Color = [0, 0, 0];
  const grey: Color = [90, 90, 90];
  drawText(img, title, left, 8, black);
  const [x0, x1] = span(
    pts.map((p) => p[0]),
    0.5,
  );
  const [y0, y1] = fixed
    ? [options.yMin as number, options.yMax as number]
    : span(
        pts.map((p) => p[1]),
        0.5,
      );
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const py = (y: number) => bottom - ((Math.min(Math.max(y, y0), y1) - y0) / (y1 - y0)) * (bottom - top);
  if (fixed)
    for (let k = 1; k < 10; k++)
      drawLine(
        img,
        left,
        py(y0 + ((y1 - y0) * k) / 10),
        right,
        py(y0 + ((y1 - y0) * k) / 10),
        [225, 225, 225],
      );
  drawLine(img, left, top, left, bottom, black);
  drawLine(img, left, bottom, right, bottom, black);
  if (pts.length === 0 && !fixed) return img;
  drawText(img, fmt(y1), left - 6 - textWidth(fmt(y1)), top, grey);
  drawText(img, fmt(y0), left - 6 - textWidth(fmt(y0)), bottom - 10, grey);
  drawText(img, fmt(x0), left, bottom + 8, grey);
  drawText(img, fmt(x1), right - textWidth(fmt(x1)), bottom + 8, grey);
  series.forEach((s, k) => {
    const c = s.color ?? PLOT_COLORS[k % PLOT_COLORS.length];
    let prev: readonly [number, number] | undefined;
    for (const p of s.points) {
      if (!finite(p)) {
        prev = undefined;
        continue;
      }
      if (prev) drawLine(img, px(prev[0]), py(prev[1]), px(p[0]), py(p[1]), c);
      if (markers || s.points.length === 1)
        fillRect(img, Math.round(px(p[0])) - 2, Math.round(py(p[1])) - 2, 5, 5, c);
      prev = p;
    }
    const lx = right - 120;
    const ly = top + 4 + k * 14;
    fillRect(img, lx, ly + 2, 10, 6, c);
    drawText(img, s.name, lx + 14, ly, black);
  });
  return img;
}

/**
 * Heat map of a confusion matrix [C][C] (each row normalised by its count; white → dark blue), `cell` px
 * per entry.
 * @example const png = encodePng(plotConfusion(metrics.confusion));
 */
export function plotConfusion(confusion: readonly (readonly number[])[], cell = 24): RgbaImage {
  const c = confusion.length;
  if (c === 0 || !Number.isInteger(cell) || cell < 2)
    throw new InvalidArgumentError(
      `plotConfusion: need a non-empty matrix and cell >= 2, got ${c}x${c}, cell ${cell}`,
    );
  const img = createImage(c * cell + 1, c * cell + 1);
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((v, j) => {
      const t = v / total;
      const col: Color = [
        Math.round(255 - t * (255 - 8)),
        Math.round(255 - t * (255 - 48)),
        Math.round(255 - t * (255 - 107)),
      ];
      fillRect(img, j * cell + 1, i * cell + 1, cell - 1, cell - 1, col);
    });
  });
  return img;
}
