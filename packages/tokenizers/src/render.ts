/**
 * Token maps as pictures, for the CLI and the browser app: paint each cell of a token grid with a stable
 * colour per id, or with its vocabulary element (codebook tokenizers). Output is RGBA bytes, ready for
 * `new ImageData(data, width, height)` or a PNG encoder. Host-side, no tfjs.
 */
import { InvalidArgumentError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Tokenizer } from './types';

/** An RGBA picture: data [height, width, 4] row-major. */
export interface RgbaImage {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

/**
 * A stable, well-spread colour for a token id (golden-ratio hue, alternating lightness). → [r, g, b] 0..255
 * @example tokenColor(42) // the same colour in every run, app and backend
 */
export function tokenColor(id: number): [number, number, number] {
  const h = (id * 0.618033988749895) % 1;
  const l = id % 2 === 0 ? 0.55 : 0.4;
  const s = 0.75;
  const f = (n: number) => {
    const k = (n + h * 12) % 12;
    return Math.round(255 * (l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

function checkGrid(ids: ArrayLike<number>, h: number, w: number): void {
  if (ids.length !== h * w)
    throw new InvalidArgumentError(`token grid: expected h·w = ${h}·${w} = ${h * w} ids, got ${ids.length}`);
}

/**
 * Paints cell (r, c) of a token grid with `tokenColor(id)`. ids [h, w] → RGBA [h·cell, w·cell].
 * @example const img = renderTokenColors(await ids.data(), 14, 14, 8); // 112×112
 */
export function renderTokenColors(ids: ArrayLike<number>, h: number, w: number, cell = 8): RgbaImage {
  checkGrid(ids, h, w);
  const width = w * cell;
  const data = new Uint8ClampedArray(h * cell * width * 4);
  for (let y = 0; y < h * cell; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = tokenColor(ids[Math.floor(y / cell) * w + Math.floor(x / cell)]);
      data.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return { data, width, height: h * cell };
}

/**
 * Paints cell (r, c) with vocabulary element ids[r, c]. patches: [V, p, p, C] in [0, 1] (from
 * `codewordPatches`); C = 1 is grey, C = 3 RGB. ids [h, w] → RGBA [h·p, w·p].
 * @example const img = renderTokenPatches(await ids.data(), 14, 14, await codewordPatches(tok), 8, 3);
 */
export function renderTokenPatches(
  ids: ArrayLike<number>,
  h: number,
  w: number,
  patches: Float32Array,
  patchSize: number,
  channels: number,
): RgbaImage {
  checkGrid(ids, h, w);
  const p = patchSize;
  const per = p * p * channels;
  const v = patches.length / per;
  const width = w * p;
  const data = new Uint8ClampedArray(h * p * width * 4);
  for (let i = 0; i < h * w; i++) {
    const id = ids[i];
    if (!(id >= 0 && id < v))
      throw new InvalidArgumentError(`token grid: id ${id} at cell ${i} is outside [0, ${v})`);
    const [r0, c0] = [Math.floor(i / w) * p, (i % w) * p];
    for (let y = 0; y < p; y++)
      for (let x = 0; x < p; x++) {
        const src = id * per + (y * p + x) * channels;
        const o = ((r0 + y) * width + c0 + x) * 4;
        for (let k = 0; k < 3; k++) data[o + k] = 255 * patches[src + (channels === 3 ? k : 0)];
        data[o + 3] = 255;
      }
  }
  return { data, width, height: h * p };
}

/**
 * The vocabulary of a codebook tokenizer as pictures: each unit vector, contrast-stretched to
 * max |e| = 1 in normalised space, mapped back through the per-channel normalisation and clipped.
 * → [V, p, p, C] in [0, 1]. Throws for the DALL-E tokenizer (its vocabulary is not patches).
 * @example const patches = await codewordPatches(tok); // [V·p·p·C]
 */
export async function codewordPatches(tok: Tokenizer): Promise<Float32Array> {
  if (tok.config.kind === 'dalle')
    throw new InvalidArgumentError(
      'codewordPatches: the dalle tokenizer has no patch vocabulary; use renderTokenColors',
    );
  const { normalization, channels, vocabSize } = tok.config;
  const rows = (await tf.tidy(() => tf.transpose(tok.toTensors().codebook)).data()) as Float32Array; // [V, P]
  const per = rows.length / vocabSize;
  const out = new Float32Array(rows.length);
  for (let v = 0; v < vocabSize; v++) {
    let m = 0;
    for (let j = 0; j < per; j++) m = Math.max(m, Math.abs(rows[v * per + j]));
    for (let j = 0; j < per; j++) {
      const c = j % channels;
      const x = normalization.mean[c] + normalization.std[c] * (m > 0 ? rows[v * per + j] / m : 0);
      out[v * per + j] = Math.min(1, Math.max(0, x));
    }
  }
  return out;
}
