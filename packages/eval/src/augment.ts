/**
 * Fine-tuning's host-side augmentation of a batch: torchvision's `RandomCrop(S, padding=p)` (zero fill)
 * then `RandomHorizontalFlip`, the standard small-image recipe (CIFAR/Fashion-MNIST ResNets and ViTs
 * trained from scratch, e.g. timm's CIFAR configs), done while copying the rows, so an augmented batch
 * costs one pass. Images are NHWC float rows [S·S·C] in [0, 1].
 */

/** Per-image augmentation: horizontal flip, and the crop's offset from the centre in pixels. */
export interface RowAugment {
  flip?: boolean;
  /** Vertical / horizontal offset in [−padding, padding]: output(y, x) = input(y + dy, x + dx), 0 outside. */
  dy?: number;
  dx?: number;
}

/**
 * Copies images `idx` of `pixels` into one batch [idx.length·S·S·C], cropping (shifting with zero fill)
 * and then flipping each row as `augment[j]` says.
 * @example const batch = gatherAugmented(train.pixels, [4, 9], 28, 1, [{ flip: true, dy: -2, dx: 1 }, {}]);
 */
export function gatherAugmented(
  pixels: Float32Array,
  idx: ArrayLike<number>,
  s: number,
  c: number,
  augment?: ArrayLike<RowAugment | undefined>,
): Float32Array {
  const per = s * s * c;
  const out = new Float32Array(idx.length * per);
  for (let j = 0; j < idx.length; j++) {
    const src = pixels.subarray((idx[j] as number) * per, ((idx[j] as number) + 1) * per);
    const a = augment?.[j];
    const dy = a?.dy ?? 0;
    const dx = a?.dx ?? 0;
    if (!a?.flip && dy === 0 && dx === 0) {
      out.set(src, j * per);
      continue;
    }
    const base = j * per;
    for (let y = 0; y < s; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= s) continue; // zero fill (out is zeroed)
      for (let x = 0; x < s; x++) {
        // flip after the crop: output column x reads the cropped column s − 1 − x
        const sx = (a?.flip ? s - 1 - x : x) + dx;
        if (sx < 0 || sx >= s) continue;
        const o = base + (y * s + x) * c;
        const i = (sy * s + sx) * c;
        for (let ch = 0; ch < c; ch++) out[o + ch] = src[i + ch] as number;
      }
    }
  }
  return out;
}
