/**
 * Composed, seeded transforms that a loader applies per sample: `(image, rng) → TransformedViews`.
 *
 * - `createTwoViewTransform`: BEiT's `RandomHorizontalFlip(0.5)` + `RandomResizedCropAndInterpolationWithTwoPic`
 *   (paper §6.6): ONE crop box resized twice, 224 bicubic for the encoder and 112 Lanczos for the
 *   tokenizer. Optional DINO/BYOL photometric augmentations (paper §3.4, §7.5) for small datasets.
 *   Their parameters are drawn once per sample and applied to both views so the tokenizer targets describe
 *   the pixels the encoder sees (blur radius scaled by each view's size). Changed from the references:
 *   photometric ops run after resizing (same result for pointwise ops up to rounding, less work).
 * - `createEvalTransform`: Resize(floor(size / cropPct), bicubic) of the shorter side + CenterCrop(size).
 */
import type { Rng } from '@splitmask/core/rng';
import { checkArg, DatasetError } from '../errors';
import { normalize, toChannels } from '../raw-image';
import type { FloatImage, RawImage, TransformedViews } from '../types';
import { gaussianBlur } from './blur';
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  solarize,
  toGreyscale,
} from './color';
import { type CropBoxOptions, pyRound, sampleCropBox } from './crop-box';
import { type Interpolation, resize } from './resample';

/**
 * A per-sample transform run by the loader. `out` buffers, when given, receive the normalised views.
 * Transforms made by the factories here carry a serialisable `spec`, so worker threads can rebuild them
 * (`transformFromSpec`).
 */
export interface ImageTransform {
  (image: RawImage, rng: Rng, out?: { image?: Float32Array; tokenizer?: Float32Array }): TransformedViews;
  readonly spec?: TransformSpec;
}

/** Plain-data description of a built-in transform (structured-cloneable). */
export type TransformSpec =
  | { kind: 'twoView'; options: TwoViewOptions }
  | { kind: 'eval'; options: EvalOptions };

/**
 * Rebuilds a transform from its `spec` (in a worker thread or Web Worker).
 * @example const t = transformFromSpec(createTwoViewTransform({ size: 32 }).spec!);
 */
export function transformFromSpec(spec: TransformSpec): ImageTransform {
  if (spec.kind === 'twoView') return createTwoViewTransform(spec.options);
  if (spec.kind === 'eval') return createEvalTransform(spec.options);
  throw new DatasetError(
    'INVALID_ARGUMENT',
    `transformFromSpec: unknown kind '${(spec as { kind: string }).kind}'`,
  );
}

const withSpec = (fn: ImageTransform, spec: TransformSpec): ImageTransform => Object.assign(fn, { spec });

/** torchvision `ColorJitter` strengths; factors ~ U(max(0, 1 − s), 1 + s), hue ~ U(−h, h). */
export interface ColorJitterOptions {
  brightness?: number;
  contrast?: number;
  saturation?: number;
  hue?: number;
  /** Probability of applying the jitter (DINO: 0.8). Default 1. */
  p?: number;
}

/** Photometric augmentations with their probabilities (DINO global view 2: jitter .8, grey .2, blur .1, solarize .2). */
export interface PhotometricOptions {
  colorJitter?: ColorJitterOptions;
  /** RandomGrayscale probability. */
  grayscale?: number;
  /** GaussianBlur probability and radius range (default [0.1, 2.0], Pillow radius). */
  blur?: { p: number; radius?: readonly [number, number] };
  /** Solarization probability (threshold 128). */
  solarize?: number;
}

/** Options of `createTwoViewTransform`. Sizes are square side lengths in pixels. */
export interface TwoViewOptions extends CropBoxOptions, PhotometricOptions {
  /** Encoder view size (BEiT: 224). */
  size: number;
  /** Tokenizer view size (BEiT: 112); omit for a single view. */
  secondSize?: number;
  /** Default 'bicubic'. */
  interpolation?: Interpolation;
  /** Default 'lanczos'. */
  secondInterpolation?: Interpolation;
  /** Horizontal flip probability, default 0.5. */
  hflip?: number;
  /** Output channels: 3 replicates grey images (default: keep the input's). */
  channels?: 1 | 3;
  /** Encoder-view normalisation (default mean 0, std 1: [0, 1]). */
  mean?: readonly number[];
  std?: readonly number[];
  /** Tokenizer-view normalisation (default [0, 1]; tokenizers normalise themselves). */
  secondMean?: readonly number[];
  secondStd?: readonly number[];
}

type Photometric = (view: RawImage, scale: number) => RawImage;

/** Draws every photometric decision and factor for one sample; returns the op to apply to each view. */
function samplePhotometric(o: PhotometricOptions, rng: Rng): Photometric {
  const ops: Photometric[] = [];
  const cj = o.colorJitter;
  if (cj && rng.random() < (cj.p ?? 1)) {
    const order = rng.permutation(4);
    const f = (s = 0) => (s > 0 ? rng.uniform(Math.max(0, 1 - s), 1 + s) : undefined);
    const factors = [f(cj.brightness), f(cj.contrast), f(cj.saturation)];
    const hue = cj.hue && cj.hue > 0 ? rng.uniform(-cj.hue, cj.hue) : undefined;
    const fns = [adjustBrightness, adjustContrast, adjustSaturation];
    for (const k of order) {
      if (k < 3 && factors[k] !== undefined) ops.push((v) => fns[k](v, factors[k] as number));
      if (k === 3 && hue !== undefined) ops.push((v) => adjustHue(v, hue));
    }
  }
  if (o.grayscale && rng.random() < o.grayscale) ops.push((v) => toGreyscale(v));
  if (o.blur && rng.random() < o.blur.p) {
    const [r0, r1] = o.blur.radius ?? [0.1, 2.0];
    const radius = rng.uniform(r0, r1);
    ops.push((v, scale) => gaussianBlur(v, radius * scale));
  }
  if (o.solarize && rng.random() < o.solarize) ops.push((v) => solarize(v));
  return (view, scale) => ops.reduce((v, op) => op(v, scale), view);
}

/**
 * BEiT's two-view RandomResizedCrop (+ optional DINO photometric ops), normalised to float.
 * image [H, W, C] uint8 → { image: [size, size, C'], tokenizer?: [secondSize, secondSize, C'] } float32.
 * @example
 * const t = createTwoViewTransform({ size: 224, secondSize: 112, mean: INCEPTION_MEAN, std: INCEPTION_STD });
 * const { image, tokenizer } = t(raw, createRng(0));
 */
export function createTwoViewTransform(options: TwoViewOptions): ImageTransform {
  const { size, secondSize } = options;
  checkArg(
    Number.isInteger(size) && size > 0,
    `createTwoViewTransform: size must be a positive integer, got ${size}`,
  );
  checkArg(
    secondSize === undefined || (Number.isInteger(secondSize) && secondSize > 0),
    `createTwoViewTransform: secondSize must be a positive integer, got ${secondSize}`,
  );
  const pFlip = options.hflip ?? 0.5;
  const interp = options.interpolation ?? 'bicubic';
  const interp2 = options.secondInterpolation ?? 'lanczos';
  const cropOpts = { scale: options.scale, ratio: options.ratio };
  const transform: ImageTransform = (input, rng, out) => {
    const src = options.channels ? toChannels(input, options.channels) : input;
    const flip = rng.random() < pFlip;
    const box = sampleCropBox(src.width, src.height, cropOpts, rng);
    const photometric = samplePhotometric(options, rng);
    // Flip last, fused into normalisation (flips commute with the pointwise ops and the symmetric blur).
    const view = (s: number, ip: Interpolation) => photometric(resize(src, s, s, ip, box), s / size);
    const image = normalize(view(size, interp), options.mean, options.std, out?.image, flip);
    if (secondSize === undefined) return { image };
    const tokenizer = normalize(
      view(secondSize, interp2),
      options.secondMean,
      options.secondStd,
      out?.tokenizer,
      flip,
    );
    return { image, tokenizer };
  };
  return withSpec(transform, { kind: 'twoView', options: structuredClone(options) });
}

/** Options of `createEvalTransform`. */
export interface EvalOptions {
  /** Output side length. */
  size: number;
  /** Centre-crop fraction (timm/DeiT/BEiT default 0.875: resize to floor(size / 0.875), crop size). */
  cropPct?: number;
  interpolation?: Interpolation;
  channels?: 1 | 3;
  mean?: readonly number[];
  std?: readonly number[];
}

/**
 * Evaluation transform: shorter side → floor(size / cropPct) (torchvision `Resize(int)`), then centre crop.
 * Deterministic; the rng argument is ignored. [H, W, C] uint8 → [size, size, C'] float32.
 * @example const t = createEvalTransform({ size: 224, mean: IMAGENET_MEAN, std: IMAGENET_STD });
 */
export function createEvalTransform(options: EvalOptions): ImageTransform {
  const { size } = options;
  const cropPct = options.cropPct ?? 0.875;
  checkArg(
    Number.isInteger(size) && size > 0,
    `createEvalTransform: size must be a positive integer, got ${size}`,
  );
  checkArg(cropPct > 0 && cropPct <= 1, `createEvalTransform: cropPct must be in (0, 1], got ${cropPct}`);
  const scaleSize = Math.floor(size / cropPct);
  const transform: ImageTransform = (input, _rng, out) => {
    const src = options.channels ? toChannels(input, options.channels) : input;
    const resized = resizeShorterSide(src, scaleSize, options.interpolation ?? 'bicubic');
    return { image: normalize(centerCrop(resized, size), options.mean, options.std, out?.image) };
  };
  return withSpec(transform, { kind: 'eval', options: structuredClone(options) });
}

/**
 * torchvision `Resize(int)`: shorter side → `short`, longer side → int(short · long / shorter).
 * [H, W, C] → [H', W', C] uint8.
 * @example resizeShorterSide(img, 256, 'bicubic'); // 500×375 → 341×256
 */
export function resizeShorterSide(image: RawImage, short: number, interpolation: Interpolation): RawImage {
  const { width: w, height: h } = image;
  if ((w <= h && w === short) || (h <= w && h === short)) return image;
  const [ow, oh] = w <= h ? [short, Math.trunc((short * h) / w)] : [Math.trunc((short * w) / h), short];
  return resize(image, ow, oh, interpolation);
}

/**
 * torchvision `CenterCrop(size)` (offsets rounded half-to-even); images smaller than `size` are an error.
 * [H, W, C] → [size, size, C] uint8.
 * @example centerCrop(resizeShorterSide(img, 256, 'bicubic'), 224)
 */
export function centerCrop(image: RawImage, size: number): RawImage {
  checkArg(
    image.width >= size && image.height >= size,
    () => `centerCrop: image ${image.width}x${image.height} is smaller than ${size}`,
  );
  const top = pyRound((image.height - size) / 2);
  const left = pyRound((image.width - size) / 2);
  return resize(image, size, size, 'bilinear', { top, left, height: size, width: size });
}

/** Re-exported for callers composing their own views. */
export type { FloatImage };
