import { initBackend } from '@splitmask/core';
import {
  createArraySource,
  createPretrainer,
  resolvePretrainConfig,
} from '/work/main/packages/splitmask/dist/index.js';

const [embed, depth, heads, bs, method] = process.argv.slice(2).map((x, i) => (i < 4 ? Number(x) : x));
await initBackend('wasm');
const n = 512,
  size = 28;
const pixels = new Uint8Array(n * size * size);
for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 251;
const data = { pixels, count: n, size, channels: 1 };
const config = resolvePretrainConfig({
  method,
  model: { embedDim: embed, depth, numHeads: heads, mlpRatio: 4, imageSize: 32, patchSize: 4, inChans: 1 },
  tokenizer: { kind: 'random-projection', vocabSize: 128 },
  train: { batchSize: bs, steps: 100 },
  optim: { warmupSteps: 5 },
});
const t = await createPretrainer({ config, source: createArraySource(data, { imageSize: 32, seed: 0 }) });
await t.trainStep();
await t.trainStep();
const t0 = Date.now();
const N = 6;
for (let i = 0; i < N; i++) await t.trainStep();
const s = (Date.now() - t0) / 1000;
console.log(
  method,
  embed,
  depth,
  heads,
  bs,
  'imgs/s',
  ((N * bs) / s).toFixed(1),
  'step ms',
  ((1000 * s) / N).toFixed(0),
  'rss MB',
  (process.memoryUsage().rss / 1e6).toFixed(0),
);
