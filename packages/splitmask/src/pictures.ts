/**
 * The CLI's pictures: a grid of images with their A/B split and their token maps, drawn on core's one
 * raster (`@splitmask/core`: `RgbaImage`, `plotSeries` for the loss curves).
 */
import {
  blit,
  type Color,
  createImage,
  drawText,
  fillRect,
  type PlotSeries,
  plotSeries,
  type RgbaImage,
} from '@splitmask/core';

/** One curve of a plot (core's `PlotSeries`: a name and (x, y) points). */
export type Series = PlotSeries;
/** Loss curves are core's one plot function. */
export { plotSeries };

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
