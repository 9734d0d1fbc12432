/**
 * The CLI's pictures: loss curves, and a grid of images with their A/B split and their token maps.
 */
import {
  blit,
  type Color,
  createImage,
  drawLine,
  drawText,
  fillRect,
  type RgbaImage,
  textWidth,
} from './raster';

/** One curve: a name and (x, y) points. */
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

const PALETTE: Color[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
];

function fmt(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.01) return v.toExponential(1).replace('e+', 'e');
  return a >= 10 ? v.toFixed(0) : v.toFixed(2);
}

/**
 * Draws curves on shared axes, with min/max tick labels and a legend.
 * @example encodePng(plotSeries([{ name: 'loss', points: [[1, 5], [2, 4]] }], { title: 'loss' }))
 */
export function plotSeries(
  series: readonly Series[],
  { width = 640, height = 360, title = '' }: { width?: number; height?: number; title?: string } = {},
): RgbaImage {
  const img = createImage(width, height);
  const left = 60;
  const right = width - 16;
  const top = 28;
  const bottom = height - 28;
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const black: Color = [0, 0, 0];
  drawText(img, title, left, 8, black);
  drawLine(img, left, top, left, bottom, black);
  drawLine(img, left, bottom, right, bottom, black);
  if (pts.length === 0) return img;
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const py = (y: number) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);
  const grey: Color = [90, 90, 90];
  drawText(img, fmt(y1), left - 6 - textWidth(fmt(y1)), top, grey);
  drawText(img, fmt(y0), left - 6 - textWidth(fmt(y0)), bottom - 10, grey);
  drawText(img, fmt(x0), left, bottom + 8, grey);
  drawText(img, fmt(x1), right - textWidth(fmt(x1)), bottom + 8, grey);
  series.forEach((s, k) => {
    const c = PALETTE[k % PALETTE.length];
    const ok = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    for (let i = 1; i < ok.length; i++) {
      drawLine(img, px(ok[i - 1][0]), py(ok[i - 1][1]), px(ok[i][0]), py(ok[i][1]), c);
    }
    const lx = right - 120;
    const ly = top + 4 + k * 14;
    fillRect(img, lx, ly + 2, 10, 6, c);
    drawText(img, s.name, lx + 14, ly, black);
  });
  return img;
}

/** Deterministic distinct-ish colour for a token id (golden-ratio hue walk). */
export function tokenColor(id: number): Color {
  const h = (id * 0.618033988749895) % 1;
  const s = 0.65;
  const v = 0.95;
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const [r, g, b] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][i % 6];
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/** One row of the split picture. */
export interface SplitRow {
  /** [H, W, C] in [0, 1], C = 1 or 3. */
  image: Float32Array;
  /** Patch indices seen by branch A (B sees the complement). */
  visibleA: Int32Array;
  /** Token ids [h·w] (row-major), or undefined. */
  tokens?: Int32Array;
}

function toRgba(image: Float32Array, size: number, channels: number, dim?: Uint8Array, patch = 1): RgbaImage {
  const img = createImage(size, size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * channels;
      const cell = Math.floor(y / patch) * (size / patch) + Math.floor(x / patch);
      const hidden = dim?.[cell] === 1;
      const c = [0, 1, 2].map((k) =>
        Math.round(255 * Math.min(1, Math.max(0, image[o + (channels === 1 ? 0 : k)]))),
      );
      setRgb(
        img,
        x,
        y,
        hidden ? [40 + c[0] * 0.15, 60 + c[1] * 0.15, 110 + c[2] * 0.15] : [c[0], c[1], c[2]],
      );
    }
  }
  return img;
}

function setRgb(img: RgbaImage, x: number, y: number, c: readonly number[]): void {
  const o = (y * img.width + x) * 4;
  img.data[o] = c[0];
  img.data[o + 1] = c[1];
  img.data[o + 2] = c[2];
}

/**
 * Rows of [image | what A sees | what B sees | token map]: hidden patches are drawn dark blue.
 * @example encodePng(drawSplits(rows, { imageSize: 28, patchSize: 4, channels: 1 }))
 */
export function drawSplits(
  rows: readonly SplitRow[],
  {
    imageSize,
    patchSize,
    channels,
    scale = 4,
  }: { imageSize: number; patchSize: number; channels: number; scale?: number },
): RgbaImage {
  const grid = imageSize / patchSize;
  const cell = imageSize * scale;
  const pad = 8;
  const header = 22;
  const img = createImage(4 * (cell + pad) + pad, rows.length * (cell + pad) + pad + header);
  ['image', 'A sees', 'B sees', 'tokens'].forEach((t, k) => {
    drawText(img, t, pad + k * (cell + pad), 6, [0, 0, 0]);
  });
  rows.forEach((row, r) => {
    const y = header + pad + r * (cell + pad);
    const inA = new Uint8Array(grid * grid);
    for (const i of row.visibleA) inA[i] = 1;
    const hiddenForA = inA.map((v) => 1 - v);
    blit(img, toRgba(row.image, imageSize, channels), pad, y, scale);
    blit(img, toRgba(row.image, imageSize, channels, hiddenForA, patchSize), pad + (cell + pad), y, scale);
    blit(img, toRgba(row.image, imageSize, channels, inA, patchSize), pad + 2 * (cell + pad), y, scale);
    if (row.tokens) {
      const side = patchSize * scale;
      row.tokens.forEach((id, i) => {
        const gx = i % grid;
        const gy = Math.floor(i / grid);
        fillRect(img, pad + 3 * (cell + pad) + gx * side, y + gy * side, side, side, tokenColor(id));
      });
    }
  });
  return img;
}
