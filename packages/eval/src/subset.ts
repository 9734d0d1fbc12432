/**
 * Labeled subsets by fraction (the 1% / 10% / 100% fine-tuning runs): class-balanced and seeded. Each class
 * keeps max(1, round(fraction · n_c)) of its examples, drawn by a per-class seeded permutation, so a smaller
 * fraction's subset is a prefix-per-class of a larger one under the same seed (nested subsets).
 */
import { createRng, InvalidArgumentError } from '@splitmask/core';

/**
 * Indices (sorted) of a class-balanced `fraction` of `labels`.
 * @example const idx = classBalancedSubset(trainLabels, 0.01, 0); // 1% of the labels, 60 for Fashion-MNIST
 */
export function classBalancedSubset(labels: ArrayLike<number>, fraction: number, seed: number): Int32Array {
  if (!(fraction > 0 && fraction <= 1))
    throw new InvalidArgumentError(`classBalancedSubset: fraction must be in (0, 1], got ${fraction}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (!(Number.isInteger(y) && y >= 0))
      throw new InvalidArgumentError(
        `classBalancedSubset: label ${i} is ${y}, expected a non-negative integer`,
      );
    const list = byClass.get(y);
    if (list) list.push(i);
    else byClass.set(y, [i]);
  }
  const rng = createRng(seed);
  const out: number[] = [];
  for (const [y, idx] of byClass) {
    const take = Math.max(1, Math.round(fraction * idx.length));
    const perm = rng.split(y).permutation(idx.length);
    for (let j = 0; j < take; j++) out.push(idx[perm[j] as number] as number);
  }
  return Int32Array.from(out.sort((a, b) => a - b));
}

/**
 * The images `indices` of an in-memory labelled set (pixels [N·P] → [K·P], labels [N] → [K]).
 * @example const train1pc = selectImages(train, classBalancedSubset(train.labels, 0.01, 0));
 */
export function selectImages(
  data: { pixels: Float32Array; labels: ArrayLike<number>; count: number },
  indices: ArrayLike<number>,
): { pixels: Float32Array; labels: Int32Array; count: number } {
  const per = data.pixels.length / data.count;
  const pixels = new Float32Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j] as number;
    if (!(Number.isInteger(i) && i >= 0 && i < data.count))
      throw new InvalidArgumentError(`selectImages: index ${j} is ${i}, outside [0, ${data.count})`);
    pixels.set(data.pixels.subarray(i * per, (i + 1) * per), j * per);
    labels[j] = data.labels[i] as number;
  }
  return { pixels, labels, count: indices.length };
}
