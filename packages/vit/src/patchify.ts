/**
 * Patchify / unpatchify for channels-last images, pixel order (py, px, c) within a patch — MAE's
 * `patchify` order ('nchpwq->nhwpqc'). timm's conv patch embedding weight [D, C, p, p] maps onto the
 * equivalent Linear [P, D] by permuting to (py, px, c) (see `checkpoint.ts`), so both give identical
 * embeddings. Patches are numbered row-major over the (H/p)×(W/p) grid, as timm's `flatten(2)`.
 */
import { ShapeError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * images: [B, H, W, C] → [B, L, P] with L = (H/p)·(W/p), P = p·p·C.
 * @example const patches = patchify(images, 16); // [8, 196, 768] for 224px RGB
 */
export function patchify(images: tf.Tensor4D, p: number): tf.Tensor3D {
  const [b, hh, ww, c] = images.shape;
  if (images.rank !== 4 || hh % p !== 0 || ww % p !== 0) {
    throw new ShapeError(
      `patchify: expected images [B, H, W, C] with H and W divisible by patchSize=${p}, got [${images.shape}]`,
    );
  }
  const h = hh / p;
  const w = ww / p;
  return tf.tidy(() => {
    // Rank-4 transposes only: [B·h, p, w, p·C] → [B·h, w, p, p·C].
    const x = tf.reshape(images, [b * h, p, w, p * c]);
    return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, h * w, p * p * c]) as tf.Tensor3D;
  });
}

/**
 * Exact inverse of `patchify`. patches: [B, L, P] → [B, H, W, C] (grid h×w, default square).
 * @example const images = unpatchify(patchify(x, 4), 4, 3);
 */
export function unpatchify(
  patches: tf.Tensor3D,
  p: number,
  channels: number,
  grid?: [number, number],
): tf.Tensor4D {
  const [b, l, pp] = patches.shape;
  const side = Math.round(Math.sqrt(l));
  const [h, w] = grid ?? [side, side];
  if (patches.rank !== 3 || pp !== p * p * channels || h * w !== l) {
    throw new ShapeError(
      `unpatchify: expected patches [B, L=${grid ? `${h}·${w}` : 'h·h'}, P=${p}·${p}·${channels}], got [${patches.shape}]`,
    );
  }
  return tf.tidy(() => {
    const x = tf.reshape(patches, [b * h, w, p, p * channels]);
    return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, h * p, w * p, channels]) as tf.Tensor4D;
  });
}
