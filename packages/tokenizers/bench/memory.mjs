// The paper's k-means scale on the host: reservoir-sample 3M normalised 8×8×3 patches from a stream of
// 112px images, report time and memory, then seed 8192 centroids with batched k-means++.
// Usage: pnpm build && node bench/memory.mjs   (BENCH_PATCHES=300000 for a smaller run)
import { mkdirSync, writeFileSync } from 'node:fs';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { kmeansPlusPlus, samplePatches } from '../dist/index.js';

await tf.setBackend('wasm');
await tf.ready();
const numPatches = Number(process.env.BENCH_PATCHES ?? 3_000_000);
const size = 112;
const perImage = (size / 8) ** 2;
const numImages = Math.ceil((numPatches * 1.25) / perImage); // 25% more patches than kept

async function* stream() {
  const rng = createRng(0);
  for (let done = 0; done < numImages; done += 256) {
    const b = Math.min(256, numImages - done);
    const images = new Float32Array(b * size * size * 3);
    for (let i = 0; i < images.length; i++) images[i] = rng.random();
    yield { images, shape: [b, size, size, 3] };
  }
}

const mb = (x) => Math.round(x / 2 ** 20);
const t0 = performance.now();
const sample = await samplePatches(stream(), { numPatches, patchSize: 8, channels: 3, seed: 0 });
const sampleMs = performance.now() - t0;
const mem = process.memoryUsage();
const t1 = performance.now();
await kmeansPlusPlus(sample.rows, 8192, { seed: 1 });
const seedMs = performance.now() - t1;
const out = {
  numPatches: sample.rows.count,
  patchesSeen: sample.patchesSeen,
  imagesSeen: sample.imagesSeen,
  chunks: sample.rows.numChunks,
  sampleSeconds: sampleMs / 1000,
  rssMiB: mb(mem.rss),
  arrayBuffersMiB: mb(mem.arrayBuffers),
  heapUsedMiB: mb(mem.heapUsed),
  kmeansPlusPlusV8192Seconds: seedMs / 1000,
  peakRssMiB: mb(process.resourceUsage().maxRSS * 1024),
};
console.log(JSON.stringify(out, null, 2));
mkdirSync(new URL('../bench-results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../bench-results/memory.json', import.meta.url), JSON.stringify(out, null, 2));
