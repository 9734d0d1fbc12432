// Parity with torchvision 0.14 / Pillow 9.4 (fixtures from tools/fixtures_datasets.py).
import { createRng } from '@splitmask/core/rng';
import { describe, expect, test } from 'vitest';
import { type FixtureImage, fromFixture, loadTransformFixtures, maxAbsDiff } from '../internal/fixtures';
import { gaussianBlur } from './blur';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  hflip,
  solarize,
  toGreyscale,
} from './color';
import { type CropBox, sampleCropBox } from './crop-box';
import { createEvalTransform } from './pipeline';
import { type Interpolation, resize } from './resample';

interface Fixtures {
  cropBoxes: {
    width: number;
    height: number;
    scale: [number, number];
    ratio: [number, number];
    uniforms: number[];
    used: number;
    box: CropBox;
  }[];
  cropStatistics: {
    width: number;
    height: number;
    scale: [number, number];
    ratio: [number, number];
    n: number;
    mean: Record<string, number>;
    std: Record<string, number>;
  }[];
  resizeInputs: Record<string, FixtureImage>;
  resizes: {
    input: string;
    box: CropBox;
    size: [number, number];
    filter: Interpolation;
    output: FixtureImage;
  }[];
  photometricInputs: Record<string, FixtureImage>;
  photometric: { op: string; arg: number | null; input: string; output: FixtureImage }[];
  eval: { input: FixtureImage; size: number; output: FixtureImage }[];
}

const fx = loadTransformFixtures<Fixtures>();

describe('sampleCropBox vs torchvision RandomResizedCrop.get_params fed the same uniforms', () => {
  test.each(fx.cropBoxes.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    let k = 0;
    const rng = { random: () => c.uniforms[k++] };
    const box = sampleCropBox(c.width, c.height, { scale: c.scale, ratio: c.ratio }, rng);
    expect(box).toEqual(c.box);
    expect(k).toBe(c.used);
  });
});

describe('sampleCropBox statistics vs torchvision get_params with torch RNG (20,000 boxes each)', () => {
  test.each(fx.cropStatistics.map((c) => [`${c.width}x${c.height} scale ${c.scale}`, c] as const))(
    '%s',
    (_n, c) => {
      const rng = createRng(123);
      const sums: Record<string, number> = {};
      for (let k = 0; k < c.n; k++) {
        const b = sampleCropBox(c.width, c.height, { scale: c.scale, ratio: c.ratio }, rng);
        const f: Record<string, number> = {
          wFrac: b.width / c.width,
          hFrac: b.height / c.height,
          area: (b.width * b.height) / (c.width * c.height),
          logAspect: Math.log(b.width / b.height),
          cx: (b.left + b.width / 2) / c.width,
          cy: (b.top + b.height / 2) / c.height,
        };
        for (const key in f) sums[key] = (sums[key] ?? 0) + f[key];
      }
      for (const key of Object.keys(c.mean)) {
        // Two independent means of n draws: 5 standard errors of their difference.
        const tol = (5 * Math.SQRT2 * c.std[key]) / Math.sqrt(c.n) + 1e-9;
        expect(Math.abs(sums[key] / c.n - c.mean[key]), key).toBeLessThan(tol);
      }
    },
  );
});

describe('resize vs Pillow (F.resized_crop on PIL images)', () => {
  test.each(
    fx.resizes.map((r) => [`${r.input} ${JSON.stringify(r.box)} -> ${r.size} ${r.filter}`, r] as const),
  )('%s', (_name, r) => {
    const src = fromFixture(fx.resizeInputs[r.input]);
    const out = resize(src, r.size[0], r.size[1], r.filter, r.box);
    const ref = fromFixture(r.output);
    // Bit-exact (the brief allows ±1; the fixed-point port reproduces Pillow exactly).
    expect(maxAbsDiff(out, ref)).toBe(0);
  });
});

const OPS: Record<
  string,
  (img: ReturnType<typeof fromFixture>, arg: number) => ReturnType<typeof fromFixture>
> = {
  brightness: adjustBrightness,
  contrast: adjustContrast,
  saturation: adjustSaturation,
  hue: adjustHue,
  grayscale: (im) => toGreyscale(im),
  solarize: (im, t) => solarize(im, t),
  hflip: (im) => hflip(im),
  blur: (im, r) => gaussianBlur(im, r),
};

describe('photometric ops vs torchvision functional / Pillow', () => {
  test.each(fx.photometric.map((p) => [`${p.op}(${p.arg}) ${p.input}`, p] as const))('%s', (_name, p) => {
    const out = OPS[p.op](fromFixture(fx.photometricInputs[p.input]), p.arg ?? 0);
    const ref = fromFixture(p.output);
    expect(maxAbsDiff(out, ref)).toBe(0);
  });
});

describe('eval transform vs Resize(floor(size/0.875), bicubic) + CenterCrop', () => {
  test.each(fx.eval.map((e) => [`${e.input.width}x${e.input.height} -> ${e.size}`, e] as const))(
    '%s',
    (_n, e) => {
      const t = createEvalTransform({ size: e.size });
      const { image } = t(fromFixture(e.input), { random: () => 0 } as never);
      const ref = fromFixture(e.output);
      expect([image.width, image.height, image.channels]).toEqual([ref.width, ref.height, ref.channels]);
      let worst = 0;
      for (let i = 0; i < ref.data.length; i++)
        worst = Math.max(worst, Math.abs(image.data[i] * 255 - ref.data[i]));
      expect(worst).toBeLessThan(1e-3); // exact uint8, up to float32 rounding of p/255
    },
  );
});
