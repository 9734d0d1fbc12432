// Page script of bench/webgpu-chromium.mjs (bundled by esbuild from core's sources): core's WGSL kernels
// on Chromium's WebGPU (SwiftShader without a GPU) against float64 references and against the same core
// functions with the kernels off (tfjs-backend-webgpu's own kernels), values and gradients.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { layerNorm, layerNormNaive } from '../src/ops/layer-norm';
import { linear, linearGelu } from '../src/ops/linear';
import { crossEntropyPerRow } from '../src/ops/log-softmax';
import { fusedSelfAttention } from '../src/ops/wasm-gemm/wasm-gemm';
import { disableWebgpuKernels, installWebgpuKernels, webgpuKernelsActive } from '../src/ops/webgpu/context';
import { allShaderSources } from '../src/ops/webgpu/kernels';
import { webgpuAdamW, webgpuGemm } from '../src/ops/webgpu/ops';
import { hostGemm, hostSelfAttention, maxRelErr } from '../src/ops/webgpu/test-helpers';

type Row = { check: string; err: number; tol: number; ok: boolean };
const rows: Row[] = [];
const record = (check: string, err: number, tol: number) => rows.push({ check, err, tol, ok: err <= tol });

async function maxDiff(a: tf.Tensor | tf.Tensor[], b: tf.Tensor | tf.Tensor[]): Promise<number> {
  const as = Array.isArray(a) ? a : [a];
  const bs = Array.isArray(b) ? b : [b];
  let m = 0;
  for (let i = 0; i < as.length; i++) {
    const [x, y] = await Promise.all([as[i].data(), bs[i].data()]);
    for (let j = 0; j < x.length; j++) m = Math.max(m, Math.abs(x[j] - y[j]) / (1 + Math.abs(y[j])));
  }
  return m;
}

function off<T>(fn: () => T): T {
  disableWebgpuKernels();
  try {
    return fn();
  } finally {
    installWebgpuKernels();
  }
}

async function run(): Promise<unknown> {
  await tf.setBackend('webgpu');
  await tf.ready();
  const adapter = await (
    navigator as unknown as { gpu: { requestAdapter(): Promise<{ info: Record<string, string> }> } }
  ).gpu.requestAdapter();
  if (!webgpuKernelsActive()) throw new Error('kernels not active');
  // Every WGSL source compiles without messages on this adapter.
  const device = (
    tf.backend() as unknown as {
      device: {
        createShaderModule(d: { code: string }): { getCompilationInfo(): Promise<{ messages: unknown[] }> };
      };
    }
  ).device;
  let messages = 0;
  for (const [, code] of allShaderSources())
    messages += (await device.createShaderModule({ code }).getCompilationInfo()).messages.length;
  record('WGSL sources compile without messages', messages, 0);
  for (const [m, n, k] of [
    [1, 1, 1],
    [65, 63, 17],
    [130, 70, 33],
  ]) {
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ]) {
      const a = tf.randomNormal(tA ? [k, m] : [m, k], 0, 1, 'float32', 1) as tf.Tensor2D;
      const b = tf.randomNormal(tB ? [n, k] : [k, n], 0, 1, 'float32', 2) as tf.Tensor2D;
      const got = webgpuGemm(a, b, { transposeA: tA, transposeB: tB }) as tf.Tensor;
      const want = hostGemm(await a.data(), await b.data(), m, n, k, tA, tB);
      record(
        `GEMM [${m},${n},${k}] tA=${tA} tB=${tB} vs float64`,
        maxRelErr(await got.data(), want),
        2e-6 * k + 1e-6,
      );
    }
  }
  const x = tf.randomNormal([3, 33, 70], 0, 1, 'float32', 3);
  const w = tf.randomNormal([70, 65], 0, 0.3, 'float32', 4);
  const bias = tf.randomNormal([65], 0, 1, 'float32', 5);
  const lin = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(linear(xx, ww, bb)));
  const lg = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(linearGelu(xx, ww, bb)));
  record(
    'linear grads vs tfjs kernels',
    await maxDiff(
      tf.grads(lin)([x, w, bias]),
      off(() => tf.grads(lin)([x, w, bias])),
    ),
    1e-4,
  );
  record(
    'linearGelu grads vs tfjs kernels',
    await maxDiff(
      tf.grads(lg)([x, w, bias]),
      off(() => tf.grads(lg)([x, w, bias])),
    ),
    1e-4,
  );
  for (const [b, n, h, dh] of [
    [2, 65, 3, 16],
    [1, 130, 1, 70],
  ]) {
    const qkv = tf.randomNormal([b, n, 3 * h * dh], 0, 1, 'float32', n) as tf.Tensor3D;
    const cot = tf.randomNormal([b, n, h * dh], 0, 1, 'float32', 7);
    const out = fusedSelfAttention(qkv, h) as tf.Tensor;
    const [g] = tf.grads((q: tf.Tensor) =>
      tf.sum(tf.mul(fusedSelfAttention(q as tf.Tensor3D, h) as tf.Tensor, cot)),
    )([qkv]);
    const host = hostSelfAttention(await qkv.data(), await cot.data(), [b, n, h, dh]);
    record(
      `attention B=${b} N=${n} H=${h} Dh=${dh} out vs float64`,
      maxRelErr(await out.data(), host.out),
      2e-5,
    );
    record(
      `attention B=${b} N=${n} H=${h} Dh=${dh} dqkv vs float64`,
      maxRelErr(await g.data(), host.dqkv),
      2e-5,
    );
  }
  const p = {
    weight: tf.randomNormal([65], 1, 0.5, 'float32', 8) as tf.Tensor1D,
    bias: tf.randomNormal([65], 0, 1, 'float32', 9) as tf.Tensor1D,
  };
  const xl = tf.randomNormal([131, 65], 2, 2, 'float32', 10);
  const lnl = (f: typeof layerNorm) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
    tf.sum(tf.square(f(xx, { weight: ww as tf.Tensor1D, bias: bb as tf.Tensor1D })));
  record(
    'layerNorm value vs tfjs kernels',
    await maxDiff(
      layerNorm(xl, p),
      off(() => layerNormNaive(xl, p)),
    ),
    1e-4,
  );
  record(
    'layerNorm grads vs tfjs kernels',
    await maxDiff(
      tf.grads(lnl(layerNorm))([xl, p.weight, p.bias]),
      off(() => tf.grads(lnl(layerNormNaive))([xl, p.weight, p.bias])),
    ),
    1e-3,
  );
  const logits = tf.mul(tf.randomNormal([33, 130], 0, 1, 'float32', 11), 4) as tf.Tensor2D;
  const targets = tf.tensor1d(
    Array.from({ length: 33 }, (_, i) => (i * 7 + 3) % 130),
    'int32',
  );
  const ce = (l: tf.Tensor) => tf.sum(tf.square(crossEntropyPerRow(l as tf.Tensor2D, targets)));
  record(
    'cross-entropy value vs tfjs kernels',
    await maxDiff(
      crossEntropyPerRow(logits, targets),
      off(() => crossEntropyPerRow(logits, targets)),
    ),
    1e-5,
  );
  record(
    'cross-entropy grads vs tfjs kernels',
    await maxDiff(
      tf.grads(ce)([logits]),
      off(() => tf.grads(ce)([logits])),
    ),
    1e-4,
  );
  const [pp, mm, gg] = [12, 13, 14].map((s) => tf.randomNormal([1000], 0, 1, 'float32', s));
  const vv = tf.abs(tf.randomNormal([1000], 0, 0.1, 'float32', 15));
  const attrs = {
    decay: 1 - 1e-3 * 0.05,
    b1: 0.9,
    b2: 0.999,
    eps: 1e-8,
    bc2Sqrt: Math.sqrt(1 - 0.999 ** 3),
    stepScale: -1e-3 / (1 - 0.9 ** 3),
  };
  const [po] = webgpuAdamW(pp, mm, vv, gg, attrs) as tf.Tensor[];
  const [pd, md, vd, gd] = await Promise.all([pp.data(), mm.data(), vv.data(), gg.data()]);
  const want = Array.from(pd, (p0, i) => {
    const m1 = 0.9 * md[i] + 0.1 * gd[i];
    const v1 = 0.999 * vd[i] + 0.001 * gd[i] ** 2;
    return p0 * attrs.decay + (m1 / (Math.sqrt(v1) / attrs.bc2Sqrt + 1e-8)) * attrs.stepScale;
  });
  record('AdamW update vs float64', maxRelErr(await po.data(), want), 1e-6);
  // The comparisons above mean something only if our kernels ran on one side and tfjs's on the other.
  const names = async (fn: () => tf.TensorContainer) => (await tf.profile(fn)).kernelNames;
  const f = () => [layerNorm(xl, p), crossEntropyPerRow(logits, targets), linear(x, w, bias)];
  const ours = await names(f);
  const theirs = await names(() => off(f));
  const expected = ['SplitmaskLayerNorm', 'SplitmaskCrossEntropy', 'SplitmaskGemmEpilogue'];
  record(
    'our kernels dispatched with them on (missing count)',
    expected.filter((k) => !ours.includes(k)).length,
    0,
  );
  record(
    'none of ours dispatched with them off (count)',
    theirs.filter((k) => k.startsWith('Splitmask')).length,
    0,
  );
  const i = adapter?.info ?? {};
  const info = {
    vendor: i.vendor,
    architecture: i.architecture,
    device: i.device,
    description: i.description,
  };
  return { adapter: info, rows, ok: rows.every((r) => r.ok) };
}

(globalThis as unknown as { __result: Promise<unknown> }).__result = run().catch((e) => ({
  error: String(e?.stack ?? e),
}));
