// Tokenizer benchmarks on wasm (the fastest CPU backend here, BACKENDS.md) against dist/.
// Usage: pnpm build && pnpm bench   (BENCH_QUICK=1 for a smoke run; BENCH_BACKEND=cpu to switch)
// Writes bench-results/tokenizers-<backend>.json; if bench-results/torch.json exists (written by
// `/usr/bin/python3 tools/bench_tokenizers_torch.py`), adds tfjs/torch speed ratios for the same shapes.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  createDalleTokenizer,
  createRandomProjectionTokenizer,
  createRowStore,
  fitKMeansTokenizer,
  fitRandomPatchesTokenizer,
  initDalleEncoderParams,
  kmeansPlusPlus,
  resolveDalleEncoderConfig,
  sphericalKMeans,
  tokenUsage,
} from '../dist/index.js';

const QUICK = process.env.BENCH_QUICK === '1';
const backend = process.env.BENCH_BACKEND ?? 'wasm';
await tf.setBackend(backend);
await tf.ready();

async function median(fn, reps) {
  await fn(); // warm-up (XNNPACK operator creation)
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const images = (b, s, seed) => tf.randomUniform([b, s, s, 3], 0, 1, 'float32', seed);
const results = [];
const log = (r) => {
  results.push(r);
  console.log(JSON.stringify(r));
};

// 1. Codebook tokenizers (random projection; random patches and k-means run the same code path).
for (const c of [
  { name: 'codebook-112px-p8-V8192', size: 112, p: 8, v: 8192, b: QUICK ? 4 : 32 },
  { name: 'codebook-16px-p2-V512', size: 16, p: 2, v: 512, b: 64 },
  { name: 'codebook-224px-p16-V8192', size: 224, p: 16, v: 8192, b: QUICK ? 2 : 16 },
]) {
  const tok = createRandomProjectionTokenizer({ vocabSize: c.v, patchSize: c.p, seed: 0 });
  const x = images(c.b, c.size, 1);
  const ms = await median(
    async () => {
      const ids = tok.tokenize(x, { checkFinite: false });
      await ids.data();
      ids.dispose();
    },
    QUICK ? 2 : 5,
  );
  const tokens = c.b * (c.size / c.p) ** 2;
  log({
    case: `tokenize ${c.name}`,
    batch: c.b,
    ms,
    imagesPerSec: (1000 * c.b) / ms,
    tokensPerSec: (1000 * tokens) / ms,
    gflops: (2 * tokens * c.p * c.p * 3 * c.v) / ms / 1e6,
  });
  x.dispose();
  tok.dispose();
}

// 2. DALL-E dVAE encoder, released architecture with random weights, 112px view.
{
  const cfg = resolveDalleEncoderConfig(QUICK ? { nHid: 64, vocabSize: 512 } : {});
  const tok = createDalleTokenizer(initDalleEncoderParams(cfg, createRng(0)), cfg);
  const b = QUICK ? 1 : 2;
  const x = images(b, 112, 2);
  const ms = await median(
    async () => {
      const ids = tok.tokenize(x, { checkFinite: false });
      await ids.data();
      ids.dispose();
    },
    QUICK ? 1 : 2,
  );
  log({
    case: `tokenize dalle-112px${QUICK ? '-nHid64' : ''}`,
    batch: b,
    ms,
    imagesPerSec: (1000 * b) / ms,
    tokensPerSec: (1000 * b * 196) / ms,
  });
  x.dispose();
  tok.dispose();
}

// 3. k-means: one Lloyd iteration on 100k patches × 192 dims × V = 1024, and k-means++ seeding.
{
  const n = QUICK ? 20_000 : 100_000;
  const d = 192;
  const v = 1024;
  const rng = createRng(3);
  const rows = createRowStore(n, d);
  const row = new Float32Array(d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      row[j] = rng.normal();
      s += row[j] * row[j];
    }
    for (let j = 0; j < d; j++) row[j] /= Math.sqrt(s);
    rows.push(row, 0);
  }
  let t0 = performance.now();
  const init = await kmeansPlusPlus(rows, v, { seed: 0, sampleSize: 4 * v });
  const seedMs = performance.now() - t0;
  log({ case: `kmeans++ seeding V=${v} on ${4 * v} points`, ms: seedMs });
  const its = QUICK ? 1 : 3;
  t0 = performance.now();
  const res = await sphericalKMeans(rows, init, { iterations: its });
  const itMs = (performance.now() - t0) / res.iterationsRun;
  log({ case: `kmeans iteration N=${n} P=${d} V=${v}`, ms: itMs, gflops: (2 * n * d * v) / itMs / 1e6 });
  const scale = (1_000_000 * 8192) / (n * v);
  log({
    case: 'kmeans iteration N=1M P=192 V=8192 (extrapolated ×' + scale.toFixed(0) + ')',
    ms: itMs * scale,
  });
}

// 4. Codebook usage on held-out images: how many of V = 1024 ids the three codebook tokenizers use, and
// the end-to-end k-means fit time (sampling + seeding + Lloyd) on smooth synthetic 32px images.
{
  const v = 1024;
  const size = 32;
  const synth = (n, seed) => {
    const rng = createRng(seed);
    const data = new Float32Array(n * size * size * 3);
    for (let i = 0; i < n; i++) {
      const [fx, fy] = [rng.uniform(0.05, 1.2), rng.uniform(0.05, 1.2)];
      const ph = [rng.uniform(0, 6.3), rng.uniform(0, 6.3), rng.uniform(0, 6.3)];
      for (let p = 0; p < size * size; p++)
        for (let c = 0; c < 3; c++)
          data[(i * size * size + p) * 3 + c] =
            0.5 + 0.4 * Math.sin(fx * (p % size) + fy * Math.floor(p / size) + ph[c]) + 0.05 * rng.normal();
    }
    return data;
  };
  const nTrain = QUICK ? 512 : 4096;
  const train = Array.from({ length: nTrain / 256 }, (_, k) => ({
    images: synth(256, 10 + k),
    shape: [256, size, size, 3],
  }));
  const heldOut = tf.tensor4d(synth(1024, 99), [1024, size, size, 3]);
  const toks = {
    'random-projection': createRandomProjectionTokenizer({ vocabSize: v, patchSize: 8, seed: 0 }),
    'random-patches': await fitRandomPatchesTokenizer(train, { vocabSize: v, patchSize: 8, seed: 0 }),
  };
  const fitT0 = performance.now();
  toks.kmeans = await fitKMeansTokenizer(train, {
    vocabSize: v,
    patchSize: 8,
    seed: 0,
    numPatches: nTrain * 16,
    iterations: QUICK ? 2 : 5,
  });
  log({
    case: `kmeans fit V=${v} on ${nTrain * 16} patches (sample + k-means++ + ${QUICK ? 2 : 5} iterations)`,
    ms: performance.now() - fitT0,
    inertia: toks.kmeans.config.fit.inertia,
  });
  for (const [kind, tok] of Object.entries(toks)) {
    const ids = tok.tokenize(heldOut);
    const u = tokenUsage(await ids.data(), v);
    ids.dispose();
    log({
      case: `usage ${kind} V=${v} on 16384 held-out tokens`,
      ms: 0,
      used: u.used,
      perplexity: u.perplexity,
    });
    tok.dispose();
  }
  heldOut.dispose();
}

const out = {
  backend,
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  quick: QUICK,
  results,
};
const torchPath = new URL('../bench-results/torch.json', import.meta.url);
if (existsSync(torchPath)) {
  const torch = JSON.parse(readFileSync(torchPath, 'utf8'));
  for (const r of results) {
    const t = torch.results.find((x) => x.case === r.case);
    if (!t) continue;
    r.torchMs = t.ms;
    r.speedVsTorch = t.ms / r.ms;
  }
  out.torch = { torch: torch.torch, threads: torch.threads };
}
mkdirSync(new URL('../bench-results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL(`../bench-results/tokenizers-${backend}.json`, import.meta.url),
  JSON.stringify(out, null, 2),
);
console.table(
  results.map((r) => ({
    case: r.case,
    ms: r.ms.toFixed(1),
    'img/s': r.imagesPerSec?.toFixed(1),
    'vs torch': r.speedVsTorch?.toFixed(3),
  })),
);
