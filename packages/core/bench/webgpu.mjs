#!/usr/bin/env node
// core's WGSL kernels against tfjs-backend-webgpu's own kernels, op by op, in one process on one adapter:
// the same core function timed with the kernels installed and with them turned off, alternating
// (`disableWebgpuKernels()`, what `initBackend('webgpu', { webgpuKernels: false })` does), forward +
// backward where the op has a gradient, plus the largest difference between the two results.
// On a software adapter (lavapipe, SwiftShader) this checks the code path, not GPU speed.
// Usage (after `pnpm --filter @splitmask/core build`, with a Vulkan driver for Dawn, e.g.
//   eval "$(tools/setup-webgpu.sh)"):  node bench/webgpu.mjs [--tier small|full|gpu] [--reps 10] [--ops attention,linear]
// Writes bench-results/core-webgpu.json and prints a Markdown table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as core from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const flagValue = (name, dflt) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : dflt;
const tier = flagValue('--tier', 'small');
const MIN_MS = Number(process.env.BENCH_MIN_MS ?? 300);

// [name, shape description, builder(scale) → () => tensors]; full = ViT-S/16 at batch 8 sizes, gpu = at
// batch 128 (what a GPU trains with; too large for lavapipe).
const TIERS = {
  small: { r: 260, d: 192, h: 3, n: 65, b: 4, v: 512, m: 128 },
  full: { r: 1576, d: 384, h: 6, n: 197, b: 8, v: 8192, m: 600 },
  gpu: { r: 25216, d: 384, h: 6, n: 197, b: 128, v: 8192, m: 4800 },
};
const S = TIERS[tier];
if (!S) throw new Error(`--tier must be one of ${Object.keys(TIERS).join(', ')}, got '${tier}'`);
const rn = (shape, seed) => tf.randomNormal(shape, 0, 1, 'float32', seed);
const fwdBwd = (f, inputs) => {
  const g = tf.grads((...xs) => tf.sum(f(...xs)));
  return () => g(inputs);
};

function cases() {
  const { r, d, h, n, b, v, m } = S;
  const x = rn([r, d], 1);
  const w = rn([d, 4 * d], 2);
  const w2 = rn([4 * d, d], 3);
  const bias = rn([4 * d], 4);
  const qkv = rn([b, n, 3 * d], 5);
  const logits = rn([m, v], 6);
  const targets = tf.tensor1d(
    Array.from({ length: m }, (_, i) => (i * 31) % v),
    'int32',
  );
  const ln = { weight: rn([d], 7), bias: rn([d], 8) };
  const params = Object.fromEntries(
    Array.from({ length: 12 }, (_, i) => [`p${i}`, tf.variable(rn([d, d], 20 + i), true, `bench-${i}`)]),
  );
  const grads = Object.fromEntries(Object.keys(params).map((k, i) => [k, rn([d, d], 40 + i)]));
  const opt = core.createAdamW(params, { role: 'bench-adamw' });
  return [
    [
      'linear fwd+bwd',
      `[${r}, ${d}]·[${d}, ${4 * d}] + b`,
      fwdBwd((a, ww, bb) => core.linear(a, ww, bb), [x, w, bias]),
    ],
    [
      'linear (no bias) fwd+bwd',
      `[${r}, ${4 * d}]·[${4 * d}, ${d}]`,
      fwdBwd((a, ww) => core.linear(a, ww), [rn([r, 4 * d], 9), w2]),
    ],
    [
      'linearGelu fwd+bwd',
      `GELU([${r}, ${d}]·[${d}, ${4 * d}] + b)`,
      fwdBwd((a, ww, bb) => core.linearGelu(a, ww, bb), [x, w, bias]),
    ],
    ['gelu fwd+bwd', `[${r}, ${4 * d}]`, fwdBwd((a) => core.gelu(a), [rn([r, 4 * d], 10)])],
    [
      'self-attention fwd+bwd',
      `qkv [${b}, ${n}, ${3 * d}], ${h} heads`,
      fwdBwd((q) => core.fusedSelfAttention(q, h) ?? unfusedAttention(q, h), [qkv]),
    ],
    [
      'layerNorm fwd+bwd',
      `[${r}, ${d}]`,
      fwdBwd((a, ww, bb) => core.layerNorm(a, { weight: ww, bias: bb }), [x, ln.weight, ln.bias]),
    ],
    ['cross-entropy fwd+bwd', `[${m}, ${v}]`, fwdBwd((l) => core.crossEntropyPerRow(l, targets), [logits])],
    [
      'AdamW step',
      `12 × [${d}, ${d}]`,
      () => {
        opt.step(grads, { lr: 1e-4 });
        return [params.p0];
      },
    ],
  ];
}

/** tfjs ops for attention (what vit runs when core's fused kernel is not in use). */
function unfusedAttention(qkv, h) {
  const [b, n, d3] = qkv.shape;
  const dh = d3 / 3 / h;
  const t = tf.transpose(tf.reshape(qkv, [b, n, 3, h, dh]), [2, 0, 3, 1, 4]);
  const [q, k, v] = tf.unstack(t);
  const attn = tf.softmax(tf.mul(tf.matMul(q, k, false, true), dh ** -0.5));
  return tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [b, n, h * dh]);
}

// Ours and tfjs's alternate sample by sample, so that load from other processes hits both alike. A
// sample queues REPS runs and reads back only the last one's outputs (the GPU runs them in order), so
// the time per run is the kernels' and not one readback's round trip (milliseconds through Dawn on a
// real GPU: a one-run-per-read sample measured the same 9-19 ms for every op on an H200).
const REPS = Number(flagValue('--reps', '10'));
async function timePair(fn) {
  const run = async (reps = 1) => {
    // Outputs that are variables (AdamW's parameters) live on: dispose only what the run created.
    for (let r = 1; r < reps; r++) {
      const o = tf.tidy(fn);
      tf.dispose((Array.isArray(o) ? o : [o]).filter((t) => !(t instanceof tf.Variable)));
    }
    const out = tf.tidy(() => {
      const o = fn();
      return Array.isArray(o) ? o.map((t) => t.clone()) : [o.clone()];
    });
    const data = await Promise.all(out.map((t) => t.data()));
    tf.dispose(out);
    return data;
  };
  const sides = [core.installWebgpuKernels, core.disableWebgpuKernels];
  const first = [];
  for (const set of sides) {
    set();
    first.push(await run()); // warm-up: shader compiles
    await run();
  }
  const times = [[], []];
  const t0 = performance.now();
  while (times[0].length < 5 || (performance.now() - t0 < 2 * MIN_MS && times[0].length < 15)) {
    for (const [i, set] of sides.entries()) {
      set();
      const s = performance.now();
      await run(REPS);
      times[i].push((performance.now() - s) / REPS);
    }
  }
  core.installWebgpuKernels();
  const med = (t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)];
  return { oursMs: med(times[0]), tfjsMs: med(times[1]), first };
}

const info = await core.initBackend('webgpu');
const rows = [];
// --ops attention,layerNorm: only the cases whose names contain one of these words.
const only = flagValue('--ops', '').split(',').filter(Boolean);
for (const [name, shape, fn] of cases()) {
  if (only.length && !only.some((w) => name.includes(w))) continue;
  const { oursMs, tfjsMs, first } = await timePair(fn);
  // The AdamW row mutates its parameters between runs: its difference is not a comparison.
  let maxAbsDiff = null;
  if (!name.startsWith('AdamW')) {
    maxAbsDiff = 0;
    first[0].forEach((a, i) => {
      for (let j = 0; j < a.length; j++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[j] - first[1][i][j]));
    });
  }
  rows.push({ op: name, shape, oursMs, tfjsMs, speedup: tfjsMs / oursMs, maxAbsDiff });
  console.error(`${name}: ours ${oursMs.toFixed(2)} ms, tfjs ${tfjsMs.toFixed(2)} ms`);
}
// One readback's round trip (a 1-element result, nothing queued before it): what every awaited read in a
// training step (the loss, the NaN check) costs on top of the kernels.
// The input is large enough that tfjs-webgpu does not hand the op to the CPU (it does for small inputs).
const big = tf.randomNormal([65536]);
await tf.sum(big).data();
const rt = [];
for (let i = 0; i < 20; i++) {
  const s = performance.now();
  const t = tf.sum(big);
  await t.data();
  t.dispose();
  rt.push(performance.now() - s);
}
const readbackMs = rt.sort((a, b) => a - b)[10];
console.error(`readback round trip: ${readbackMs.toFixed(3)} ms (median of 20)`);
const out = {
  date: new Date().toISOString(),
  tier,
  reps: REPS,
  readbackMs,
  adapter: info.adapter,
  note: /llvmpipe|swiftshader|lavapipe/i.test(info.adapter ?? '')
    ? 'software adapter: code path only, not GPU speed'
    : 'hardware adapter',
  rows,
};
mkdirSync(join(here, '..', 'bench-results'), { recursive: true });
writeFileSync(join(here, '..', 'bench-results', 'core-webgpu.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(`adapter: ${info.adapter} (${out.note})\n`);
console.log('| op | shape | core WGSL (ms) | tfjs webgpu (ms) | tfjs / ours | max abs diff |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.op} | ${r.shape} | ${r.oursMs.toFixed(2)} | ${r.tfjsMs.toFixed(2)} | ${r.speedup.toFixed(2)}× | ${r.maxAbsDiff === null ? '—' : r.maxAbsDiff.toExponential(1)} |`,
  );
}
process.exit(0);
