import { createRng, InvalidArgumentError } from '@splitmask/core';
import { expect, test } from 'vitest';
import { createDinoTransforms, createMultiCrop, cropRng } from './multi-crop';

function images(b: number, size: number, c: number, seed = 0): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: b * size * size * c }, () => rng.random());
}

test('shapes: 2 globals [B·G·G·C] and N locals [B·S·S·C]', () => {
  const crop = createMultiCrop({ globalSize: 16, localSize: 8, localCrops: 3 });
  const out = crop(images(4, 20, 1), 4, 20, 1, createRng(0));
  expect(out.globals.map((g) => g.length)).toEqual([4 * 16 * 16, 4 * 16 * 16]);
  expect(out.locals.map((l) => l.length)).toEqual([4 * 64, 4 * 64, 4 * 64]);
  for (const v of [...out.globals, ...out.locals]) for (const x of v) expect(x >= 0 && x <= 1).toBe(true);
});

test('deterministic under the rng, different across views and steps', () => {
  const crop = createMultiCrop({ globalSize: 16, localSize: 8, localCrops: 2 });
  const x = images(2, 16, 3, 1);
  const a = crop(x, 2, 16, 3, cropRng(7, 3));
  const b = crop(x, 2, 16, 3, cropRng(7, 3));
  const c = crop(x, 2, 16, 3, cropRng(7, 4));
  expect(a).toEqual(b);
  expect(a.globals[0]).not.toEqual(c.globals[0]);
  expect(a.globals[0]).not.toEqual(a.globals[1]);
  expect(a.locals[0]).not.toEqual(a.locals[1]);
});

test('normalisation uses the given mean/std', () => {
  const x = new Float32Array(16 * 16).fill(0.5);
  const crop = createMultiCrop({
    globalSize: 8,
    localSize: 4,
    localCrops: 1,
    normalization: { mean: [0.5], std: [0.25] },
  });
  const out = crop(x, 1, 16, 1, createRng(0));
  // a constant image stays constant under crops/jitter-free ops; (128/255 − 0.5)/0.25 unless solarized/jittered
  const vals = new Set(Array.from(out.locals[0]).map((v) => v.toFixed(4)));
  expect(vals.size).toBe(1);
});

test("DINO's per-view policy: blur 1 / .1 + solarize .2 / .5, scales 0.4–1 and 0.05–0.4", () => {
  const [g1, g2, local] = createDinoTransforms({ globalSize: 224, localSize: 96, localCrops: 8 });
  const opts = (t: typeof g1) => (t.spec as unknown as { options: Record<string, unknown> }).options;
  expect(opts(g1)).toMatchObject({ size: 224, scale: [0.4, 1], blur: { p: 1 }, grayscale: 0.2, hflip: 0.5 });
  expect(opts(g1).solarize).toBeUndefined();
  expect(opts(g2)).toMatchObject({ size: 224, scale: [0.4, 1], blur: { p: 0.1 }, solarize: 0.2 });
  expect(opts(local)).toMatchObject({ size: 96, scale: [0.05, 0.4], blur: { p: 0.5 } });
  expect(opts(local).solarize).toBeUndefined();
  for (const t of [g1, g2, local]) {
    expect(opts(t).colorJitter).toEqual({
      brightness: 0.4,
      contrast: 0.4,
      saturation: 0.2,
      hue: 0.1,
      p: 0.8,
    });
  }
});

test('bad sizes are named', () => {
  const crop = createMultiCrop({ globalSize: 8, localSize: 4, localCrops: 1 });
  expect(() => crop(new Float32Array(10), 1, 16, 1, createRng(0))).toThrow(/1·16·16·1 = 256 values, got 10/);
  expect(() => createMultiCrop({ globalSize: 8, localSize: 4, localCrops: -1 })).toThrow(
    InvalidArgumentError,
  );
});
