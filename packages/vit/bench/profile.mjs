#!/usr/bin/env node
// Kernel-time breakdown of one training step (fwd + bwd of CE on the head) on a backend, via tf.profile.
// Usage (after `pnpm build`): node bench/profile.mjs [--backend wasm] [--variant Ti/4] [--batch 32]
//   [--depth 2] [--half] [--checkpoint] [--top 15]
import { createRng, crossEntropyPerRow, initBackend, toVariables, varList } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { initVitParams, resolveVitConfig, vitClassify, vitDims } from '../dist/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
// --backend wasm-xnnpack: tfjs's own matmul instead of core's wasm GEMM (see bench/run.mjs).
const chosen = arg('backend', 'wasm');
await initBackend(
  chosen === 'wasm-xnnpack' ? 'wasm' : chosen,
  chosen === 'wasm-xnnpack' ? { wasmGemm: false } : {},
);
const b = Number(arg('batch', '32'));
const cfg = resolveVitConfig(arg('variant', 'Ti/4'), { numClasses: 10, depth: Number(arg('depth', '2')) });
const l = vitDims(cfg).numPatches;
const p = toVariables(initVitParams(cfg, createRng(0)), 'p');
const x = tf.randomUniform([b, cfg.imageSize, cfg.imageSize, cfg.inChans]);
const labels = tf.tensor1d(
  Array.from({ length: b }, (_, i) => i % 10),
  'int32',
);
const visible = process.argv.includes('--half')
  ? tf.tensor2d(
      Array.from({ length: b * (l / 2) }, (_, i) => (i % (l / 2)) * 2),
      [b, l / 2],
      'int32',
    )
  : undefined;
const opts = { visible, checkpoint: process.argv.includes('--checkpoint') };
const loss = () => tf.mean(crossEntropyPerRow(vitClassify(p, x, cfg, opts), labels));
const step = () =>
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, varList(p));
    tf.dispose(Object.values(grads));
    return value;
  });
(await step()).dispose();
const c0 = process.cpuUsage();
const w0 = performance.now();
for (let i = 0; i < 3; i++) await step().data();
const cpu = process.cpuUsage(c0);
console.log(
  `per step: wall ${((performance.now() - w0) / 3).toFixed(0)} ms, process cpu ${((cpu.user + cpu.system) / 3000).toFixed(0)} ms`,
);
const info = await tf.profile(() => step());
const byName = {};
const byShape = {};
let total = 0;
for (const k of info.kernels) {
  const ms = Number(await k.kernelTimeMs) || 0;
  // customGrad scopes are recorded as 'unnamed scope' around their inner kernels: not added to the total.
  if (k.name !== 'unnamed scope') total += ms;
  byName[k.name] = (byName[k.name] ?? 0) + ms;
  const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
  byShape[key] = (byShape[key] ?? 0) + ms;
}
const top = (o, n) =>
  Object.entries(o)
    .sort((a, c) => c[1] - a[1])
    .slice(0, n);
console.log(
  `total kernel time ${total.toFixed(0)} ms, peak ${(info.peakBytes / 2 ** 20).toFixed(0)} MiB (tfjs count)`,
);
for (const [k, v] of top(byName, Number(arg('top', '12'))))
  console.log(`  ${k.padEnd(24)} ${v.toFixed(0).padStart(6)} ms`);
console.log('by input shapes:');
for (const [k, v] of top(byShape, Number(arg('top', '15'))))
  console.log(`  ${v.toFixed(0).padStart(6)} ms  ${k}`);
