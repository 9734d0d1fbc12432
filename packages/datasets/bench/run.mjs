#!/usr/bin/env node
// Throughput of the data pipeline (decode + BEiT two-view crop), single Node thread for the transforms
// (sharp decodes on libuv's pool), next to PIL + torchvision doing the same work
// (tools/bench_datasets_torch.py, run with /usr/bin/python3 when it has torch). Build first (`pnpm build`).
// Usage: pnpm bench [--seconds 3]   → bench-results/bench.json
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '@splitmask/core/rng';
import sharp from 'sharp';
import { createBatchLoader, createTwoViewTransform, INCEPTION_MEAN, INCEPTION_STD } from '../dist/index.js';
import { createWorkerPool, imageFolder, loadFashionMnist, sharpDecoder } from '../dist/node.js';

const here = dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 3;

/**
 * Images per second of wall time and per second of this process's CPU time (all its threads). The
 * machine may be shared, so ratios use CPU time (Python side: time.process_time()).
 */
async function rate(fn, min = seconds) {
  let n = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const e0 = performance.eventLoopUtilization();
  while (performance.now() - t0 < min * 1000) n += await fn();
  const c = process.cpuUsage(c0);
  // Share of the main thread's time spent busy: what the loader takes from a training step on that thread.
  const mainThreadBusy = performance.eventLoopUtilization(e0).utilization;
  return {
    wall: (n * 1000) / (performance.now() - t0),
    cpu: (n * 1e6) / (c.user + c.system),
    mainThreadBusy,
  };
}

/** 64 "photo-like" 500×375 JPEGs (smooth colour fields + noise), written once. */
async function makeJpegs(dir) {
  mkdirSync(dir, { recursive: true });
  const rng = createRng(0);
  for (let k = 0; k < 64; k++) {
    const path = join(dir, `${String(k).padStart(3, '0')}.jpg`);
    if (existsSync(path)) continue;
    const w = 500;
    const h = 375;
    const data = new Uint8Array(w * h * 3);
    const f = [rng.uniform(2, 9), rng.uniform(2, 9), rng.uniform(0, 6)];
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let c = 0; c < 3; c++)
          data[(y * w + x) * 3 + c] = Math.max(
            0,
            Math.min(
              255,
              128 +
                100 * Math.sin((x / w) * f[0] + c + f[2]) * Math.cos((y / h) * f[1] - c) +
                20 * rng.normal(),
            ),
          );
    await sharp(data, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(path);
  }
}

async function loaderRate(ds, transform, batchSize, executor) {
  const loader = createBatchLoader(ds, { batchSize, seed: 0, transform, prefetch: 2, executor });
  await loader.next(); // warm-up
  return rate(async () => (await loader.next()).shape[0]);
}

const results = {
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  loadavg: loadavg(),
  seconds,
  note: 'img/s: wall = per wall-clock second, cpu = per CPU-second of the process (all threads)',
  cases: {},
};

// 1. Fashion-MNIST 28 → 32 (bicubic, encoder) + 16 (Lanczos, tokenizer), grey → RGB.
const fm = await loadFashionMnist({ split: 'train' });
const t32 = createTwoViewTransform({
  size: 32,
  secondSize: 16,
  channels: 3,
  mean: INCEPTION_MEAN,
  std: INCEPTION_STD,
});
const fmImgs = await Promise.all(Array.from({ length: 256 }, (_, i) => fm.get(i).then((s) => s.image)));
const rng = createRng(1);
results.cases['fmnist-32-transform'] = await rate(async () => {
  for (const im of fmImgs) t32(im, rng);
  return fmImgs.length;
});
results.cases['fmnist-32-loader'] = await loaderRate(fm, t32, 256);
const pool = createWorkerPool({ workers: 2 });
results.cases['fmnist-32-loader-2-workers'] = await loaderRate(fm, t32, 256, pool);

// 2. 500×375 JPEGs → 224 bicubic + 112 Lanczos (BEiT), decoded with sharp.
const jpegDir = join(tmpdir(), 'splitmask-bench-jpegs');
await makeJpegs(jpegDir);
const folder = await imageFolder(jpegDir);
const bytes = folder.files.map((f) => readFileSync(f));
results.cases['jpeg-decode-sharp'] = await rate(async () => {
  await Promise.all(bytes.map((b) => sharpDecoder(b)));
  return bytes.length;
});
const decoded = await Promise.all(bytes.map((b) => sharpDecoder(b)));
const t224 = createTwoViewTransform({ size: 224, secondSize: 112, mean: INCEPTION_MEAN, std: INCEPTION_STD });
results.cases['jpeg-224-transform'] = await rate(async () => {
  for (const im of decoded.slice(0, 16)) t224(im, rng);
  return 16;
});
results.cases['jpeg-224-loader'] = await loaderRate(folder, t224, 32);
results.cases['jpeg-224-loader-2-workers'] = await loaderRate(folder, t224, 32, pool);
const dino = createTwoViewTransform({
  size: 224,
  secondSize: 112,
  colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, p: 0.8 },
  grayscale: 0.2,
  blur: { p: 0.5 },
  solarize: 0.2,
});
results.cases['jpeg-224-dino-augment-loader'] = await loaderRate(folder, dino, 32);
results.cases['jpeg-224-dino-augment-loader-2-workers'] = await loaderRate(folder, dino, 32, pool);
await pool.close();

// 3. The same work in PIL + torchvision.
try {
  const out = join(tmpdir(), 'splitmask-bench-torch.json');
  execFileSync('/usr/bin/python3', [join(here, '../../../tools/bench_datasets_torch.py'), jpegDir, out], {
    stdio: 'inherit',
  });
  const torch = JSON.parse(readFileSync(out, 'utf8'));
  results.torchvision = torch;
  results.ratios = {
    'fmnist-32 two-view (loader / torchvision), per CPU-s':
      results.cases['fmnist-32-loader'].cpu / torch['fmnist-32'].cpu,
    'jpeg-224 decode+two-view (loader / torchvision), per CPU-s':
      results.cases['jpeg-224-loader'].cpu / torch['jpeg-224'].cpu,
    'jpeg decode (sharp / PIL), per CPU-s': results.cases['jpeg-decode-sharp'].cpu / torch['jpeg-decode'].cpu,
  };
} catch (e) {
  results.torchvision = `not run: ${e.message}`;
}

mkdirSync(join(here, '..', 'bench-results'), { recursive: true });
writeFileSync(join(here, '..', 'bench-results', 'bench.json'), `${JSON.stringify(results, null, 1)}\n`);
const fmt = (v) =>
  `${v.wall.toFixed(0).padStart(6)} img/s wall ${v.cpu.toFixed(0).padStart(6)} img/CPU-s` +
  (v.mainThreadBusy === undefined ? '' : `  main thread busy ${(100 * v.mainThreadBusy).toFixed(0)}%`);
console.log(`load average ${results.loadavg.map((x) => x.toFixed(1)).join(' ')}`);
for (const [k, v] of Object.entries(results.cases)) console.log(`${k.padEnd(40)} ${fmt(v)}`);
if (typeof results.torchvision === 'object')
  for (const k of ['fmnist-32', 'jpeg-224', 'jpeg-decode'])
    console.log(`torchvision ${k.padEnd(18)} ${fmt(results.torchvision[k])}`);
if (results.ratios)
  for (const [k, v] of Object.entries(results.ratios)) console.log(`${k.padEnd(62)} ${v.toFixed(2)}x`);
