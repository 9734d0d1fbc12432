/**
 * Mixup / CutMix as timm's `Mixup` in 'batch' mode (paper.md §4.1: mixup α 0.8, cutmix α 1.0, prob 1.0,
 * switch prob 0.5): one λ per batch, drawn host-side from a seeded Rng (Beta via two Gammas,
 * Marsaglia–Tsang), the batch mixed with its reverse (`x.flip(0)`); CutMix pastes a box of side
 * ⌊S·√(1−λ)⌋ centred at a uniform pixel, clipped to the image, and corrects λ to the pasted area
 * (`correct_lam=True`). Targets are `mixupTargets` (smoothed one-hots mixed with the same λ).
 */
import { InvalidArgumentError, type Rng, ShapeError } from '@splitmask/core';
import { mixupTargets } from '@splitmask/losses';
import * as tf from '@tensorflow/tfjs-core';

/** timm Mixup arguments. */
export interface MixupOptions {
  /** Beta α of mixup (0 = off). */
  mixupAlpha: number;
  /** Beta α of cutmix (0 = off). */
  cutmixAlpha: number;
  /** Probability of mixing a batch at all (timm `prob`, default 1). */
  prob?: number;
  /** Probability of cutmix when both are on (timm `switch_prob`, default 0.5). */
  switchProb?: number;
}

/** One batch's draw: λ and, for cutmix, the pasted box [y0, y1) × [x0, x1). */
export interface MixupSample {
  lam: number;
  box?: { y0: number; y1: number; x0: number; x1: number };
}

/** Gamma(shape, 1) by Marsaglia–Tsang (shape < 1 boosted with U^(1/shape)). */
export function sampleGamma(rng: Rng, shape: number): number {
  if (!(shape > 0)) throw new InvalidArgumentError(`sampleGamma: shape must be > 0, got ${shape}`);
  if (shape < 1) return sampleGamma(rng, shape + 1) * (1 - rng.random()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.random(); // (0, 1]
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Beta(a, b) = X / (X + Y), X ~ Gamma(a), Y ~ Gamma(b). */
export function sampleBeta(rng: Rng, a: number, b: number): number {
  const x = sampleGamma(rng, a);
  const y = sampleGamma(rng, b);
  return x / (x + y);
}

/**
 * timm `_params_per_batch` + `cutmix_bbox_and_lam` for an H×W image.
 * @example const s = sampleMixup(rng.split(step), { mixupAlpha: 0.8, cutmixAlpha: 1 }, 28, 28);
 */
export function sampleMixup(rng: Rng, o: MixupOptions, height: number, width: number): MixupSample {
  const prob = o.prob ?? 1;
  const switchProb = o.switchProb ?? 0.5;
  if (!(o.mixupAlpha >= 0 && o.cutmixAlpha >= 0))
    throw new InvalidArgumentError(
      `sampleMixup: alphas must be >= 0, got mixup ${o.mixupAlpha}, cutmix ${o.cutmixAlpha}`,
    );
  if (!(o.mixupAlpha > 0 || o.cutmixAlpha > 0) || !(rng.random() < prob)) return { lam: 1 };
  let useCutmix: boolean;
  if (o.mixupAlpha > 0 && o.cutmixAlpha > 0) useCutmix = rng.random() < switchProb;
  else useCutmix = o.cutmixAlpha > 0;
  const alpha = useCutmix ? o.cutmixAlpha : o.mixupAlpha;
  const lam = sampleBeta(rng, alpha, alpha);
  if (!useCutmix) return { lam };
  const ratio = Math.sqrt(1 - lam);
  const cutH = Math.floor(height * ratio);
  const cutW = Math.floor(width * ratio);
  const cy = rng.int(height);
  const cx = rng.int(width);
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const box = {
    y0: clip(cy - Math.floor(cutH / 2), height),
    y1: clip(cy + Math.floor(cutH / 2), height),
    x0: clip(cx - Math.floor(cutW / 2), width),
    x1: clip(cx + Math.floor(cutW / 2), width),
  };
  return { lam: 1 - ((box.y1 - box.y0) * (box.x1 - box.x0)) / (height * width), box };
}

/**
 * Mixes a batch with its reverse. images [B, H, W, C], labels [B] int32 → { images [B, H, W, C], targets [B, C] }.
 * @example const { images: xm, targets } = applyMixup(x, y, 10, sampleMixup(rng, opts, 28, 28), 0.1);
 */
export function applyMixup(
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  numClasses: number,
  sample: MixupSample,
  smoothing: number,
): { images: tf.Tensor4D; targets: tf.Tensor2D } {
  const [b, h, w] = images.shape;
  if (images.rank !== 4 || labels.shape[0] !== b)
    throw new ShapeError(
      `applyMixup: expected images [B, H, W, C] and labels [B], got [${images.shape}] and [${labels.shape}]`,
    );
  return tf.tidy(() => {
    const targets = mixupTargets(labels, numClasses, { lam: sample.lam, smoothing });
    if (sample.lam === 1) return { images: tf.clone(images), targets };
    const flipped = tf.reverse(images, 0);
    if (!sample.box)
      return {
        images: tf.add(tf.mul(images, sample.lam), tf.mul(flipped, 1 - sample.lam)) as tf.Tensor4D,
        targets,
      };
    const { y0, y1, x0, x1 } = sample.box;
    const m = new Float32Array(h * w);
    for (let y = y0; y < y1; y++) m.fill(1, y * w + x0, y * w + x1);
    const mask = tf.tensor4d(m, [1, h, w, 1]);
    return { images: tf.add(tf.mul(images, tf.sub(1, mask)), tf.mul(flipped, mask)) as tf.Tensor4D, targets };
  });
}
