// Runs every case of one tier on one backend and prints one JSON array on stdout.
// Usage: node bench/backend.mjs <backend> <tier>   (run by bench/run.mjs, against dist/)
import * as tf from '@tensorflow/tfjs-core';
import * as core from '../dist/index.js';
import { benchCases } from './cases.mjs';

const [backend, tier] = process.argv.slice(2);
const MIN_MS = Number(process.env.BENCH_MIN_MS ?? 250);

async function timeIt(fn) {
  const sync = async (out) => {
    const list = Array.isArray(out) ? out : [out];
    await Promise.all(list.map((x) => x.data())); // async read: also works on webgpu in Node
    tf.dispose(list);
  };
  await sync(fn()); // warm-up: kernel/shader compile, XNNPACK operator creation
  await sync(fn());
  const times = [];
  const t0 = performance.now();
  while (times.length < 3 || (performance.now() - t0 < MIN_MS && times.length < 15)) {
    const s = performance.now();
    await sync(fn());
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function fwdBwd(f, inputs) {
  const g = tf.grads((...xs) => tf.sum(f(...xs)));
  return () => g(inputs);
}

function runner(c, variant) {
  const rn = (shape, seed) => tf.randomNormal(shape, 0, 1, 'float32', seed);
  switch (c.op) {
    case 'matmul': {
      const [m, k, n] = c.shape;
      const a = rn([m, k], 1);
      const b = rn([k, n], 2);
      const bT = tf.transpose(b);
      return variant === 'fast' ? () => tf.matMul(a, b) : () => tf.matMul(a, bT, false, true);
    }
    case 'linear': {
      const [r, i, o] = c.shape;
      const x = rn([r, i], 1);
      const w = rn([i, o], 2);
      const wT = tf.transpose(w);
      const bias = rn([o], 3);
      return variant === 'fast'
        ? fwdBwd((xx, ww, bb) => core.linear(xx, ww, bb), [x, w, bias])
        : fwdBwd((xx, ww, bb) => core.linearNaive(xx, ww, bb), [x, wT, bias]);
    }
    case 'bmm': {
      const [bn, m, k, n] = c.shape;
      const a = rn([bn, m, k], 1);
      const b = rn([bn, k, n], 2);
      const f = {
        auto: core.batchedMatMul,
        naive: core.batchedMatMulNaive,
        depthwise: (x, y) => core.batchedMatMulWith('depthwise', x, y),
        matmul: (x, y) => core.batchedMatMulWith('matmul', x, y),
      }[variant];
      return fwdBwd(f, [a, b]);
    }
    case 'layerNorm': {
      const [r, d] = c.shape;
      const ln = variant === 'fast' ? core.layerNorm : core.layerNormNaive;
      return fwdBwd((x, w, b) => ln(x, { weight: w, bias: b }), [rn([r, d], 1), rn([d], 2), rn([d], 3)]);
    }
    case 'sumRows': {
      const x = rn(c.shape, 1);
      return variant === 'fast' ? () => core.sumRows(x) : () => tf.sum(x, 0);
    }
    case 'gelu': {
      const fn = { erf: core.gelu, naive: core.geluNaive, tanh: core.geluTanh }[variant];
      return fwdBwd(fn, [rn(c.shape, 1)]);
    }
  }
  throw new Error(`unknown op ${c.op}`);
}

const info = await core.initBackend(backend);
const rows = [];
for (const c of benchCases(tier)) {
  for (const variant of c.variants) {
    if (c.op === 'bmm' && variant === 'auto') {
      // 'auto' is one of the explicit strategies on this backend; report which.
      rows.push({ ...c, variant, strategy: core.batchedMatMulStrategy(), ms: null });
      continue;
    }
    const ms = await timeIt(runner(c, variant));
    rows.push({ ...c, variant, ms, gflops: c.flops ? c.flops / 1e6 / ms : null });
  }
}
for (const r of rows) {
  if (r.variant === 'auto') {
    const chosen = rows.find((x) => x.id === r.id && x.variant === r.strategy);
    Object.assign(r, { ms: chosen.ms, gflops: chosen.gflops });
  }
  delete r.variants;
}
process.stdout.write(
  `${JSON.stringify({ backend: info.name, adapter: info.adapter, simd: info.simd, threads: info.threads, rows })}\n`,
);
process.exit(0);
