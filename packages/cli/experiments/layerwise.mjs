// Layer-wise k-NN of saved encoders on the standard preset's validation split: for each block's output and the
// final (normed) output, mean-pooled and CLS features, DINO's weighted k-NN (k 20, T 0.07) with the train
// images as the bank. Used by docs/results/ssl-sweep.md to check that the probes read the best layer.
//   node packages/cli/experiments/layerwise.mjs [fashion-mnist|mnist|<folder>] <encoder.safetensors>...
// (encoders as the harness saves them with --encoders: timm names, config in the header).
import { initBackend } from '@splitmask/core';
import { extractFeatures, knnClassify } from '@splitmask/eval';
import { loadEncoderCheckpoint } from '@splitmask/eval/node';
import { createArraySource } from '@splitmask/splitmask';
import * as tf from '@tensorflow/tfjs-core';
import { loadSplitImages, PRESETS } from './fashion-mnist.mjs';

await initBackend('wasm');
const preset = PRESETS.standard;
const { train, val } = await loadSplitImages(process.argv[2] ?? 'fashion-mnist', preset);
const normalization = createArraySource(train.array, { imageSize: 28, seed: 0 }).normalization;
const src = (im, s, c) => ({
  length: im.count,
  read: (start, n) => im.pixels.subarray(start * s * s * c, (start + n) * s * s * c),
});
for (const file of process.argv.slice(3)) {
  const { params, cfg } = loadEncoderCheckpoint(file);
  const row = [];
  for (const layer of [...Array(cfg.depth).keys(), undefined]) {
    for (const pool of ['mean', 'cls']) {
      const o = { pool, layer, batchSize: 256, normalization };
      const a = await extractFeatures(params, cfg, src(train.images, cfg.imageSize, cfg.inChans), o);
      const b = await extractFeatures(params, cfg, src(val.images, cfg.imageSize, cfg.inChans), o);
      const r = await knnClassify(a, train.images.labels, b, val.images.labels, {
        numClasses: 10,
        k: 20,
        temperature: 0.07,
      });
      tf.dispose([a, b]);
      row.push(`${layer ?? 'final'}/${pool} ${r.top1.toFixed(1)}`);
    }
  }
  console.log(file.split('/').pop(), '|', row.join(' | '));
}
