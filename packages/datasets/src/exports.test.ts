// Snapshot of the public API (both entries), and the browser-safety of the main entry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SplitmaskError } from '@splitmask/core/rng';
import { expect, test } from 'vitest';
import * as api from './index';
import * as nodeApi from './node';

test('public exports (main, browser-safe)', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CIFAR10_CLASS_NAMES",
      "DatasetError",
      "EMBEDDED_SPLIT_SEED",
      "FASHION_MNIST_CLASS_NAMES",
      "IMAGENET_MEAN",
      "IMAGENET_STD",
      "INCEPTION_MEAN",
      "INCEPTION_STD",
      "MNIST_CLASS_NAMES",
      "SYNTHETIC_CLASS_NAMES",
      "adjustBrightness",
      "adjustContrast",
      "adjustHue",
      "adjustSaturation",
      "centerCrop",
      "cifarFromBytes",
      "classJsonToBytes",
      "createBatchLoader",
      "createBrowserDecoder",
      "createEmbeddedDataset",
      "createEvalTransform",
      "createPortExecutor",
      "createRawImage",
      "createTwoViewTransform",
      "crop",
      "embeddedTestIndices",
      "encodedImages",
      "gaussianBlur",
      "groupWebDataset",
      "hflip",
      "normalize",
      "pyRound",
      "readTar",
      "resize",
      "resizeShorterSide",
      "rgbaToRgb",
      "sampleCropBox",
      "serveTransforms",
      "solarize",
      "splitKey",
      "syntheticShapes",
      "toChannels",
      "toGreyscale",
      "transformFromSpec",
      "webDataset",
    ]
  `);
});

test('public exports (node)', () => {
  expect(Object.keys(nodeApi).sort()).toMatchInlineSnapshot(`
    [
      "IMAGE_EXTENSIONS",
      "cifarBinary",
      "createWorkerPool",
      "imageFileList",
      "imageFolder",
      "loadFashionMnist",
      "loadMnist",
      "sharpDecoder",
      "webDatasetShards",
    ]
  `);
});

test('DatasetError is a SplitmaskError with a stable code', () => {
  const e = new api.DatasetError('MISSING_FILE', 'x.png does not exist', { path: 'x.png' });
  expect(e).toBeInstanceOf(SplitmaskError);
  expect([e.name, e.code, e.reason, e.path]).toEqual([
    'DatasetError',
    'DATASET_MISSING_FILE',
    'MISSING_FILE',
    'x.png',
  ]);
});

test('the main entry imports no node built-ins, sharp or tfjs (transitively through src)', () => {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)) {
      const spec = m[1];
      expect(spec, `${file} imports ${spec}`).not.toMatch(/^(node:|sharp$|fs$|path$|@tensorflow\/)/);
      if (spec.startsWith('@splitmask/')) expect(spec).toBe('@splitmask/core/rng');
      if (spec.startsWith('.')) visit(join(file, '..', `${spec}.ts`));
    }
  };
  visit(join(import.meta.dirname, 'index.ts'));
  expect(seen.size).toBeGreaterThan(10);
});
