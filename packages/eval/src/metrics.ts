/**
 * Classification metrics from ranked predictions: top-1/top-5 (percent), per-class accuracy (percent of
 * each true class predicted right; NaN for a class without test rows) and the confusion matrix
 * (rows = true class, columns = top-1 prediction).
 */
import { InvalidArgumentError, ShapeError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';

/** Metrics of one evaluation. */
export interface ClassificationMetrics {
  numClasses: number;
  count: number;
  top1: number;
  /** Top-min(5, C) accuracy in percent. */
  top5: number;
  /** [C] accuracy per true class in percent (NaN when the class has no rows). */
  perClass: number[];
  /** [C][C] counts, confusion[true][predicted]. */
  confusion: number[][];
}

/**
 * Metrics from ranked classes. ranked: [T, W] row-major (best first), labels: [T].
 * @example const m = metricsFromRanked(knn.ranked, knn.rankWidth, testLabels, 10);
 */
export function metricsFromRanked(
  ranked: ArrayLike<number>,
  width: number,
  labels: ArrayLike<number>,
  numClasses: number,
): ClassificationMetrics {
  const t = labels.length;
  if (ranked.length !== t * width)
    throw new ShapeError(`metricsFromRanked: ranked has ${ranked.length} values, expected ${t}x${width}`);
  if (t === 0) throw new InvalidArgumentError('metricsFromRanked: no rows');
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  let c1 = 0;
  let c5 = 0;
  for (let r = 0; r < t; r++) {
    const y = labels[r] as number;
    const p = ranked[r * width] as number;
    if (!(Number.isInteger(y) && y >= 0 && y < numClasses))
      throw new InvalidArgumentError(`metricsFromRanked: label ${r} is ${y}, outside [0, ${numClasses})`);
    (confusion[y] as number[])[p] = ((confusion[y] as number[])[p] as number) + 1;
    if (p === y) c1++;
    for (let j = 0; j < Math.min(width, 5); j++) if (ranked[r * width + j] === y) c5++;
  }
  const perClass = confusion.map((row, y) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n === 0 ? Number.NaN : (100 * (row[y] as number)) / n;
  });
  return { numClasses, count: t, top1: (100 * c1) / t, top5: (100 * c5) / t, perClass, confusion };
}

/**
 * Metrics from logits [T, C] (ties go to the lower class index).
 * @example const m = await metricsFromLogits(logits, labels);
 */
export async function metricsFromLogits(
  logits: tf.Tensor2D,
  labels: ArrayLike<number>,
): Promise<ClassificationMetrics> {
  const [t, c] = logits.shape;
  if (logits.rank !== 2 || t !== labels.length)
    throw new ShapeError(`metricsFromLogits: expected logits [${labels.length}, C], got [${logits.shape}]`);
  const width = Math.min(5, c);
  const idx = tf.tidy(() => tf.topk(logits, width, true).indices);
  const ranked = await idx.data();
  idx.dispose();
  return metricsFromRanked(ranked, width, labels, c);
}
