/**
 * DINO multi-crop (paper.md §7.5; main_dino.py `DataAugmentationDINO` @ 7c446df), composed from
 * @splitmask/datasets' single-view RandomResizedCrop + photometric transform:
 * - global 1: RRC(size, scale 0.4–1), flip .5, ColorJitter(.4, .4, .2, .1) p .8, greyscale .2, blur p 1;
 * - global 2: the same with blur p .1 and solarize p .2;
 * - N locals: RRC(localSize, scale 0.05–0.4), flip, jitter, greyscale, blur p .5.
 * Every view is normalised with the source's mean/std. Randomness is a pure function of
 * (seed, step, image, view), so a resumed run sees the same crops.
 */
import { createRng, InvalidArgumentError, type Rng } from '@splitmask/core';
import { createRawImage, createTwoViewTransform, type ImageTransform } from '@splitmask/datasets';
import type { Normalization } from '../source';

/** Multi-crop options (sizes in pixels). */
export interface MultiCropOptions {
  globalSize: number;
  localSize: number;
  localCrops: number;
  globalScale?: readonly [number, number];
  localScale?: readonly [number, number];
  /** Blur radius range (PIL radius, DINO [0.1, 2.0] at 224 px). */
  blurRadius?: readonly [number, number];
  normalization?: Normalization;
}

/** Host-side crops of one batch: `globals` 2 × [B·G·G·C], `locals` N × [B·S·S·C] (normalised). */
export interface MultiCropBatch {
  globals: Float32Array[];
  locals: Float32Array[];
}

/**
 * DINO's three view transforms (global 1, global 2, local) from datasets' `createTwoViewTransform`.
 * @example const [g1, g2, local] = createDinoTransforms({ globalSize: 224, localSize: 96, localCrops: 8 });
 */
export function createDinoTransforms(o: MultiCropOptions): [ImageTransform, ImageTransform, ImageTransform] {
  const common = {
    hflip: 0.5,
    interpolation: 'bicubic' as const,
    colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, p: 0.8 },
    grayscale: 0.2,
    mean: o.normalization?.mean,
    std: o.normalization?.std,
  };
  const radius = o.blurRadius ?? [0.1, 2.0];
  const g = { ...common, size: o.globalSize, scale: o.globalScale ?? [0.4, 1] } as const;
  return [
    createTwoViewTransform({ ...g, blur: { p: 1, radius } }),
    createTwoViewTransform({ ...g, blur: { p: 0.1, radius }, solarize: 0.2 }),
    createTwoViewTransform({
      ...common,
      size: o.localSize,
      scale: o.localScale ?? [0.05, 0.4],
      blur: { p: 0.5, radius },
    }),
  ];
}

/**
 * Creates the multi-crop function: images [B·H·H·C] floats in [0, 1] → 2 global + N local views.
 * Views of one image use `rng.split(image).split(view)`.
 * @example
 * const crop = createMultiCrop({ globalSize: 16, localSize: 8, localCrops: 2 });
 * const { globals, locals } = crop(pixels, 4, 16, 1, createRng(seed).split(step));
 */
export function createMultiCrop(
  options: MultiCropOptions,
): (images: Float32Array, batch: number, size: number, channels: number, rng: Rng) => MultiCropBatch {
  if (!(Number.isInteger(options.localCrops) && options.localCrops >= 0)) {
    throw new InvalidArgumentError(
      `createMultiCrop: localCrops must be a non-negative integer, got ${options.localCrops}`,
    );
  }
  const [g1, g2, local] = createDinoTransforms(options);
  const gs = options.globalSize;
  const ls = options.localSize;
  return (images, batch, size, channels, rng) => {
    const per = size * size * channels;
    if (images.length !== batch * per) {
      throw new InvalidArgumentError(
        `multiCrop: expected ${batch}·${size}·${size}·${channels} = ${batch * per} values, got ${images.length}`,
      );
    }
    const globals = [0, 1].map(() => new Float32Array(batch * gs * gs * channels));
    const locals = Array.from(
      { length: options.localCrops },
      () => new Float32Array(batch * ls * ls * channels),
    );
    for (let b = 0; b < batch; b++) {
      const u8 = new Uint8Array(per);
      for (let i = 0; i < per; i++) u8[i] = Math.round(Math.min(1, Math.max(0, images[b * per + i])) * 255);
      const raw = createRawImage(u8, size, size, channels);
      const r = rng.split(b);
      [g1, g2].forEach((t, v) => {
        globals[v].set(t(raw, r.split(v)).image.data, b * gs * gs * channels);
      });
      locals.forEach((dst, v) => {
        dst.set(local(raw, r.split(2 + v)).image.data, b * ls * ls * channels);
      });
    }
    return { globals, locals };
  };
}

/**
 * The crop RNG of a training step: `createRng(seed).split(step)`.
 * @example const crops = multiCrop(pixels, b, size, c, cropRng(cfg.seed, step));
 */
export function cropRng(seed: number, step: number): Rng {
  return createRng(seed).split(step);
}
