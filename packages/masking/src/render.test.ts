import { createRng, InvalidArgumentError } from '@splitmask/core/rng';
import { describe, expect, test } from 'vitest';
import { maskToIndices } from './indices';
import { maskToAscii, renderMask, renderSplit, splitToAscii } from './render';
import { splitMask } from './split-mask';

const GRID = { height: 2, width: 3 };
const MASK = Uint8Array.of(1, 0, 0, 0, 1, 1);

describe('ASCII', () => {
  test('maskToAscii: one row per line, custom characters', () => {
    expect(maskToAscii(MASK, GRID)).toBe('#..\n.##');
    expect(maskToAscii(MASK, GRID, { masked: 'X', visible: ' ' })).toBe('X  \n XX');
  });
  test('splitToAscii marks the branch that sees each patch; odd L leaves one "."', () => {
    const pair = { a: maskToIndices(MASK), b: maskToIndices(MASK.map((v) => 1 - v)) };
    expect(splitToAscii(pair, GRID)).toBe('BAA\nABB');
    const odd = splitToAscii(splitMask({ height: 3, width: 3 }, createRng(0)), { height: 3, width: 3 });
    expect([...odd].filter((c) => c === '.').length).toBe(1);
    expect([...odd].filter((c) => c === 'A').length).toBe(4);
  });
});

describe('RGBA', () => {
  test('renderMask without an image: patchSize pixels per patch, masked patches tinted', () => {
    const img = renderMask(MASK, GRID, { patchSize: 2, alpha: 1, color: [10, 20, 30] });
    expect([img.width, img.height, img.data.length]).toEqual([6, 4, 96]);
    const px = (x: number, y: number) => Array.from(img.data.subarray((y * 6 + x) * 4, (y * 6 + x) * 4 + 4));
    expect(px(1, 1)).toEqual([10, 20, 30, 255]); // patch 0: masked
    expect(px(2, 0)).toEqual([200, 200, 200, 255]); // patch 1: visible, plain background
    expect(px(5, 3)).toEqual([10, 20, 30, 255]); // patch 5: masked
  });
  test('renderMask over a uint8 grey image blends with alpha; float images are scaled by 255', () => {
    const data = new Uint8Array(6 * 4).fill(100);
    const img = renderMask(MASK, GRID, {
      image: { data, width: 6, height: 4, channels: 1 },
      alpha: 0.5,
      color: [0, 0, 0],
    });
    expect(Array.from(img.data.subarray(0, 4))).toEqual([50, 50, 50, 255]);
    expect(Array.from(img.data.subarray(8, 12))).toEqual([100, 100, 100, 255]);
    const f = new Float32Array(6 * 4 * 3).fill(0.5);
    const imgF = renderMask(MASK, GRID, { image: { data: f, width: 6, height: 4, channels: 3 }, alpha: 0 });
    expect(Array.from(imgF.data.subarray(0, 4))).toEqual([128, 128, 128, 255]);
  });
  test('renderSplit tints A and B differently', () => {
    const pair = { a: maskToIndices(MASK), b: maskToIndices(MASK.map((v) => 1 - v)) };
    const img = renderSplit(pair, GRID, { patchSize: 1, alpha: 1, colorA: [1, 2, 3], colorB: [4, 5, 6] });
    expect(Array.from(img.data.subarray(0, 8))).toEqual([4, 5, 6, 255, 1, 2, 3, 255]);
  });
  test.each([
    [
      'image not a whole multiple of the grid',
      () => renderMask(MASK, GRID, { image: { data: new Uint8Array(35), width: 7, height: 5, channels: 1 } }),
      /image 7x5 is not the grid 3x2/,
    ],
    [
      'image data of the wrong length',
      () => renderMask(MASK, GRID, { image: { data: new Uint8Array(5), width: 6, height: 4, channels: 3 } }),
      /has 5 values, expected 6\*4\*3/,
    ],
    ['mask of the wrong length', () => renderMask(Uint8Array.of(1, 0), GRID), /L=6, got 2/],
    ['alpha out of range', () => renderMask(MASK, GRID, { alpha: 2 }), /alpha must be in \[0, 1\], got 2/],
    [
      'patchSize 0',
      () => renderMask(MASK, GRID, { patchSize: 0 }),
      /patchSize must be an integer >= 1, got 0/,
    ],
    [
      'overlapping split',
      () => splitToAscii({ a: maskToIndices(MASK), b: maskToIndices(MASK) }, GRID),
      /patch 1 is visible to both/,
    ],
  ])('%s throws InvalidArgumentError naming the value', (_n, fn, message) => {
    expect(fn).toThrow(InvalidArgumentError);
    expect(fn).toThrow(message);
  });
});
