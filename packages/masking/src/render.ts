/**
 * Rendering of masks and splits for the CLI (ASCII) and the browser app / PNG files (RGBA buffers in
 * the `ImageData` layout: width, height, data = Uint8ClampedArray [H·W·4]).
 */
import { InvalidArgumentError } from '@splitmask/core/rng';
import { checkGrid, checkMaskLength } from './internal/validate';
import type { Grid, SplitPair } from './types';

/** An RGBA image buffer (same layout as the DOM's `ImageData`; PNG-encoder ready). */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** Uint8ClampedArray [height·width·4], row-major RGBA. */
  readonly data: Uint8ClampedArray;
}

/** An image to draw under the mask: uint8 in [0, 255] or float in [0, 1], channels-last. */
export interface ImageLike {
  readonly data: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3 | 4;
}

/** Options shared by the RGBA renderers. */
export interface RenderOptions {
  /** Background image; its size must be the grid times a whole patch size. */
  readonly image?: ImageLike;
  /** Pixels per patch when there is no image (default 8). */
  readonly patchSize?: number;
  /** Opacity of the tint over a patch, in [0, 1] (default 0.6; 1 hides the image). */
  readonly alpha?: number;
}

type Rgb = readonly [number, number, number];

/** Pixels per patch and a function giving the background RGB of pixel (x, y). */
function background(grid: Grid, options: RenderOptions): { p: number; rgb: (x: number, y: number) => Rgb } {
  const { image } = options;
  if (!image) {
    const p = options.patchSize ?? 8;
    if (!Number.isInteger(p) || p < 1)
      throw new InvalidArgumentError(`render: patchSize must be an integer >= 1, got ${p}`);
    return { p, rgb: () => [200, 200, 200] };
  }
  const p = image.width / grid.width;
  if (!Number.isInteger(p) || image.height !== p * grid.height) {
    throw new InvalidArgumentError(
      `render: image ${image.width}x${image.height} is not the grid ${grid.width}x${grid.height} times a whole patch size`,
    );
  }
  if (image.data.length !== image.width * image.height * image.channels) {
    throw new InvalidArgumentError(
      `render: image data has ${image.data.length} values, expected ${image.width}*${image.height}*${image.channels}`,
    );
  }
  const scale = image.data instanceof Float32Array || image.data instanceof Float64Array ? 255 : 1;
  const c = image.channels;
  return {
    p,
    rgb: (x, y) => {
      const o = (y * image.width + x) * c;
      const d = image.data;
      return c === 1
        ? [d[o] * scale, d[o] * scale, d[o] * scale]
        : [d[o] * scale, d[o + 1] * scale, d[o + 2] * scale];
    },
  };
}

/** Draws `tintOf(patch)` (or nothing for null) over the background. */
function renderPatches(grid: Grid, options: RenderOptions, tintOf: (patch: number) => Rgb | null): RgbaImage {
  const alpha = options.alpha ?? 0.6;
  if (!(alpha >= 0 && alpha <= 1))
    throw new InvalidArgumentError(`render: alpha must be in [0, 1], got ${alpha}`);
  const { p, rgb } = background(grid, options);
  const width = grid.width * p;
  const height = grid.height * p;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const tint = tintOf(Math.floor(y / p) * grid.width + Math.floor(x / p));
      const [r, g, b] = rgb(x, y);
      const o = (y * width + x) * 4;
      data[o] = tint ? (1 - alpha) * r + alpha * tint[0] : r;
      data[o + 1] = tint ? (1 - alpha) * g + alpha * tint[1] : g;
      data[o + 2] = tint ? (1 - alpha) * b + alpha * tint[2] : b;
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}

/**
 * A mask over an image (or over a plain grid) as RGBA: masked patches tinted (default dark grey).
 * mask: [L] 0/1 → RGBA [grid.height·p, grid.width·p].
 * @example const png = renderMask(mask, { height: 14, width: 14 }, { image, alpha: 0.8 });
 */
export function renderMask(
  mask: ArrayLike<number>,
  grid: Grid,
  options: RenderOptions & { color?: Rgb } = {},
): RgbaImage {
  checkMaskLength('renderMask', mask, checkGrid('renderMask', grid));
  const color = options.color ?? [40, 40, 40];
  return renderPatches(grid, options, (i) => (mask[i] ? color : null));
}

/** Which branch sees each patch: 'A', 'B' or null (odd L: the patch no branch sees). */
function branchOf(pair: SplitPair, numPatches: number): ('A' | 'B' | null)[] {
  if (pair.a.restore.length !== numPatches || pair.b.restore.length !== numPatches) {
    throw new InvalidArgumentError(
      `render: split is over L=${pair.a.restore.length}/${pair.b.restore.length} patches, grid has L=${numPatches}`,
    );
  }
  const owner: ('A' | 'B' | null)[] = new Array(numPatches).fill(null);
  for (const i of pair.a.visible) owner[i] = 'A';
  for (const i of pair.b.visible) {
    if (owner[i] === 'A') throw new InvalidArgumentError(`render: patch ${i} is visible to both branches`);
    owner[i] = 'B';
  }
  return owner;
}

/**
 * A SplitMask pair over an image as RGBA: A's patches tinted `colorA` (orange), B's `colorB` (blue),
 * patches no branch sees black.
 * @example const png = renderSplit(splitMask(grid, rng), grid, { image });
 */
export function renderSplit(
  pair: SplitPair,
  grid: Grid,
  options: RenderOptions & { colorA?: Rgb; colorB?: Rgb } = {},
): RgbaImage {
  const owner = branchOf(pair, checkGrid('renderSplit', grid));
  const colorA = options.colorA ?? [255, 140, 0];
  const colorB = options.colorB ?? [30, 110, 255];
  const none: Rgb = [0, 0, 0];
  return renderPatches(grid, options, (i) => (owner[i] === 'A' ? colorA : owner[i] === 'B' ? colorB : none));
}

/**
 * A mask as text, one grid row per line (default '#' masked, '.' visible).
 * @example console.log(maskToAscii(mask, { height: 14, width: 14 }));
 */
export function maskToAscii(
  mask: ArrayLike<number>,
  grid: Grid,
  chars: { masked?: string; visible?: string } = {},
): string {
  checkMaskLength('maskToAscii', mask, checkGrid('maskToAscii', grid));
  const masked = chars.masked ?? '#';
  const visible = chars.visible ?? '.';
  const rows: string[] = [];
  for (let r = 0; r < grid.height; r++) {
    let line = '';
    for (let c = 0; c < grid.width; c++) line += mask[r * grid.width + c] ? masked : visible;
    rows.push(line);
  }
  return rows.join('\n');
}

/**
 * A split as text: 'A' / 'B' for the branch that sees each patch, '.' for none.
 * @example console.log(splitToAscii(splitMask(grid, rng), grid));
 */
export function splitToAscii(pair: SplitPair, grid: Grid): string {
  const owner = branchOf(pair, checkGrid('splitToAscii', grid));
  const rows: string[] = [];
  for (let r = 0; r < grid.height; r++) {
    rows.push(
      owner
        .slice(r * grid.width, (r + 1) * grid.width)
        .map((o) => o ?? '.')
        .join(''),
    );
  }
  return rows.join('\n');
}
