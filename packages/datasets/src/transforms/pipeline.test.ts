import { createRng } from '@splitmask/core/rng';
import { describe, expect, test } from 'vitest';
import { IMAGENET_MEAN, IMAGENET_STD, normalize } from '../raw-image';
import type { FloatImage, RawImage } from '../types';
import { sampleCropBox } from './crop-box';
import { createEvalTransform, createTwoViewTransform } from './pipeline';

/** 64×48 RGB: left half black, right half white. */
const halves: RawImage = (() => {
  const w = 64;
  const h = 48;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = w / 2; x < w; x++) data.fill(255, (y * w + x) * 3, (y * w + x + 1) * 3);
  return { data, width: w, height: h, channels: 3 };
})();

const pixel = (v: FloatImage, x: number, y: number, c = 0) => v.data[(y * v.width + x) * v.channels + c];

describe('sampleCropBox statistics with core Rng', () => {
  test('area fraction within scale, aspect within ratio (up to rounding), box inside the image', () => {
    const rng = createRng(0);
    let meanArea = 0;
    let meanLogAspect = 0;
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const b = sampleCropBox(224, 224, {}, rng);
      const frac = (b.width * b.height) / (224 * 224);
      expect(frac).toBeGreaterThan(0.07);
      expect(frac).toBeLessThanOrEqual(1);
      expect(b.width / b.height).toBeGreaterThan(0.74);
      expect(b.width / b.height).toBeLessThan(1.35);
      expect(b.top + b.height).toBeLessThanOrEqual(224);
      expect(b.left + b.width).toBeLessThanOrEqual(224);
      meanArea += frac / n;
      meanLogAspect += Math.log(b.width / b.height) / n;
    }
    // U(0.08, 1) has mean 0.54; boxes that do not fit are rejected and re-drawn, lowering it a little.
    expect(meanArea).toBeGreaterThan(0.45);
    expect(meanArea).toBeLessThan(0.56);
    expect(Math.abs(meanLogAspect)).toBeLessThan(0.02);
  });
  test('centre-crop fallback for extreme aspect ratios', () => {
    expect(sampleCropBox(400, 10, {}, createRng(1))).toEqual({ top: 0, left: 193, height: 10, width: 13 });
  });
  test.each([
    [{ scale: [0.5, 0.1] as const }, /scale must satisfy 0 < a <= b <= 1/],
    [{ ratio: [0, 1] as const }, /ratio must satisfy 0 < a <= b/],
  ])('bad ranges %j', (o, msg) => expect(() => sampleCropBox(10, 10, o, createRng(0))).toThrow(msg));
});

describe('createTwoViewTransform', () => {
  const full = { scale: [1, 1] as const, ratio: [4 / 3, 4 / 3] as const };

  test.each([
    [0, 'left'],
    [1, 'right'],
  ])('one box, two sizes: both views agree (hflip p=%i → dark half on the %s)', (p, side) => {
    const t = createTwoViewTransform({ size: 32, secondSize: 16, hflip: p, ...full });
    const { image, tokenizer } = t(halves, createRng(3));
    expect([image.width, image.height, tokenizer?.width, tokenizer?.height]).toEqual([32, 32, 16, 16]);
    const dark = side === 'left' ? [2, 29] : [29, 2];
    expect(pixel(image, dark[0], 10)).toBe(0);
    expect(pixel(image, dark[1], 10)).toBe(1);
    const tdark = side === 'left' ? [1, 14] : [14, 1];
    expect(pixel(tokenizer!, tdark[0], 5)).toBe(0);
    expect(pixel(tokenizer!, tdark[1], 5)).toBe(1);
  });

  test('deterministic per rng state; different states give different crops', () => {
    const t = createTwoViewTransform({ size: 16, secondSize: 8 });
    const img = { ...halves, data: halves.data.map((v, i) => (v + i * 7) % 256) };
    expect(t(img, createRng(5)).image.data).toEqual(t(img, createRng(5)).image.data);
    expect(t(img, createRng(5)).image.data).not.toEqual(t(img, createRng(6)).image.data);
  });

  test('small grey images are upscaled and expanded to 3 channels', () => {
    const grey: RawImage = {
      data: new Uint8Array(28 * 28).map((_, i) => i % 256),
      width: 28,
      height: 28,
      channels: 1,
    };
    const { image, tokenizer } = createTwoViewTransform({ size: 32, secondSize: 16, channels: 3 })(
      grey,
      createRng(0),
    );
    expect([image.height, image.width, image.channels, tokenizer?.channels]).toEqual([32, 32, 3, 3]);
    for (let i = 0; i < image.data.length; i += 3) expect(image.data[i + 1]).toBe(image.data[i]);
  });

  test('DINO photometric ops: same decisions on both views (greyscale p=1 makes both grey)', () => {
    const colourful: RawImage = {
      data: new Uint8Array(40 * 40 * 3).map((_, i) => (i * 37) % 256),
      width: 40,
      height: 40,
      channels: 3,
    };
    const t = createTwoViewTransform({
      size: 20,
      secondSize: 10,
      colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, p: 0.8 },
      grayscale: 1,
      blur: { p: 1 },
      solarize: 0.2,
    });
    const { image, tokenizer } = t(colourful, createRng(11));
    for (const v of [image, tokenizer!])
      for (let i = 0; i < v.data.length; i += 3)
        expect([v.data[i + 1], v.data[i + 2]]).toEqual([v.data[i], v.data[i]]);
    const plain = createTwoViewTransform({ size: 20, secondSize: 10 })(colourful, createRng(11));
    expect(plain.image.data).not.toEqual(image.data);
  });

  test('normalisation with ImageNet statistics', () => {
    const t = createTwoViewTransform({ size: 8, ...full, hflip: 0, mean: IMAGENET_MEAN, std: IMAGENET_STD });
    const { image } = t(halves, createRng(0));
    expect(pixel(image, 7, 0, 1)).toBeCloseTo((1 - 0.456) / 0.224, 5);
    expect(pixel(image, 0, 0, 2)).toBeCloseTo(-0.406 / 0.225, 5);
  });

  test('writes into caller buffers', () => {
    const out = new Float32Array(8 * 8 * 3);
    const { image } = createTwoViewTransform({ size: 8 })(halves, createRng(0), { image: out });
    expect(image.data).toBe(out);
  });
});

describe('createEvalTransform', () => {
  test('28px grey upscaled to 32 (resize to 36, centre crop)', () => {
    const grey: RawImage = { data: new Uint8Array(28 * 28).fill(100), width: 28, height: 28, channels: 1 };
    const { image } = createEvalTransform({ size: 32 })(grey, createRng(0));
    expect([image.width, image.height, image.channels]).toEqual([32, 32, 1]);
    expect(image.data.every((v) => Math.abs(v - 100 / 255) < 1e-6)).toBe(true);
  });
  test('image smaller than the crop after resizing is impossible; bad cropPct is rejected', () => {
    expect(() => createEvalTransform({ size: 32, cropPct: 1.5 })).toThrow(
      /cropPct must be in \(0, 1\], got 1.5/,
    );
  });
});

describe('normalize', () => {
  test.each([
    [[0.5, 0.5], [1], /mean\/std need 1 or 3 entries, got 2\/1/],
    [[0.5], [0], /std must be positive/],
  ])('rejects mean %j std %j', (mean, std, msg) => expect(() => normalize(halves, mean, std)).toThrow(msg));
});

describe('normalize(mirror)', () => {
  test('equals hflip then normalize', async () => {
    const { hflip } = await import('./color');
    const img: RawImage = {
      data: new Uint8Array(5 * 3 * 3).map((_, i) => (i * 29) % 256),
      width: 5,
      height: 3,
      channels: 3,
    };
    expect(normalize(img, IMAGENET_MEAN, IMAGENET_STD, undefined, true).data).toEqual(
      normalize(hflip(img), IMAGENET_MEAN, IMAGENET_STD).data,
    );
  });
});
