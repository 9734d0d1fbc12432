/**
 * RandomResizedCrop box sampling, exactly torchvision 0.14's `RandomResizedCrop.get_params` (used by
 * BEiT's `RandomResizedCropAndInterpolationWithTwoPic`): up to 10 tries of (area fraction ~ U(scale),
 * log aspect ~ U(log ratio)), `round` half-to-even like Python, then a centre-crop fallback.
 * torchvision draws in float32 tensors; `Math.fround` reproduces those roundings, so a given stream of
 * uniforms yields the same box as torchvision fed the same numbers (see tools/fixtures_datasets.py).
 */
import { checkArg } from '../errors';

/** The only randomness the sampler needs: uniform floats in [0, 1). Core's `Rng` satisfies it. */
export interface UniformSource {
  random(): number;
}

/** A crop box in pixels: rows [top, top + height), columns [left, left + width). */
export interface CropBox {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/** RandomResizedCrop ranges: `scale` of the image area, `ratio` = width / height. */
export interface CropBoxOptions {
  /** Default (0.08, 1.0) as torchvision and BEiT. */
  scale?: readonly [number, number];
  /** Default (3/4, 4/3). */
  ratio?: readonly [number, number];
}

/**
 * Python's `round(x)`: nearest integer, ties to even.
 * @example pyRound(2.5); // 2, pyRound(3.5) === 4
 */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `torch.randint(low, high)` driven by one uniform: low + floor(u·(high − low)). */
function randint(rng: UniformSource, low: number, high: number): number {
  return low + Math.min(high - low - 1, Math.floor(rng.random() * (high - low)));
}

/**
 * Samples one RandomResizedCrop box for an image of `width`×`height` pixels.
 * Consumes 2 uniforms per try and 2 more on success (top, left), none in the fallback.
 * @example const box = sampleCropBox(500, 375, { scale: [0.08, 1] }, createRng(0));
 */
export function sampleCropBox(
  width: number,
  height: number,
  options: CropBoxOptions,
  rng: UniformSource,
): CropBox {
  const [s0, s1] = options.scale ?? [0.08, 1.0];
  const [r0, r1] = options.ratio ?? [3 / 4, 4 / 3];
  checkArg(width > 0 && height > 0, `sampleCropBox: image size must be positive, got ${width}x${height}`);
  checkArg(
    0 < s0 && s0 <= s1 && s1 <= 1,
    `sampleCropBox: scale must satisfy 0 < a <= b <= 1, got [${s0}, ${s1}]`,
  );
  checkArg(0 < r0 && r0 <= r1, `sampleCropBox: ratio must satisfy 0 < a <= b, got [${r0}, ${r1}]`);
  const area = height * width;
  // torch.log(torch.tensor(ratio)) is float32.
  const logR0 = Math.fround(Math.log(Math.fround(r0)));
  const logR1 = Math.fround(Math.log(Math.fround(r1)));
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * Math.fround(s0 + (s1 - s0) * rng.random());
    const aspect = Math.fround(Math.exp(Math.fround(logR0 + (logR1 - logR0) * rng.random())));
    const w = pyRound(Math.sqrt(targetArea * aspect));
    const h = pyRound(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = randint(rng, 0, height - h + 1);
      const left = randint(rng, 0, width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  return centerFallback(width, height, r0, r1);
}

function centerFallback(width: number, height: number, r0: number, r1: number): CropBox {
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < Math.min(r0, r1)) h = pyRound(w / Math.min(r0, r1));
  else if (inRatio > Math.max(r0, r1)) w = pyRound(h * Math.max(r0, r1));
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}
