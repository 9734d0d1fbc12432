import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expectNoLeak, useBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ShapeError } from '../../errors';
import { createAdamW } from '../../optim/adamw';
import { linear } from '../linear';
import { GEMM_C_SHA256 } from './gemm-wasm';
import {
  disableWasmGemm,
  fusedSelfAttention,
  installWasmGemm,
  matMul2d,
  WASM_GEMM_KERNEL,
  wasmAdamW,
  wasmGelu,
  wasmGeluGrad,
  wasmGemmActive,
  wasmLayerNorm,
  wasmLayerNormGrad,
  wasmSumRows,
} from './wasm-gemm';

/** op(a)·op(b) in float64 on the host: the reference, independent of every tfjs kernel. */
function hostGemm(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  tA: boolean,
  tB: boolean,
) {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[tA ? p * m + i : i * k + p] * b[tB ? j * k + p : p * n + j];
      out[i * n + j] = s;
    }
  return out;
}

function maxRelErr(got: Float32Array, want: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  return worst;
}

test('the committed binary was built from the committed gemm.c (tools/build_wasm_gemm.sh)', () => {
  const source = readFileSync(new URL('./gemm.c', import.meta.url));
  expect(createHash('sha256').update(source).digest('hex')).toBe(GEMM_C_SHA256);
});

describe('wasm GEMM', () => {
  // tf.setBackend, not initBackend: the GEMM installs itself on first use (and initBackend's own
  // install is tested in init-backend.test.ts, which needs to run before any initBackend).
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  test('installs itself on first use on wasm, registered as a kernel; off on cpu', async () => {
    expect(wasmGemmActive()).toBe(true);
    expect(tf.getKernel(WASM_GEMM_KERNEL, 'wasm')).toBeDefined();
    await useBackend('cpu');
    expect(wasmGemmActive()).toBe(false);
    await useBackend('wasm');
    expect(wasmGemmActive()).toBe(true);
  });

  // Edges of every blocking level: MR 4, NR 8, MC 128, KC 256 (partial tiles, several K blocks).
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 8, 256],
    [5, 9, 257],
    [130, 17, 300],
    [129, 64, 513],
    [64, 130, 31],
  ];
  for (const [m, n, k] of shapes) {
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      test(`[${m}x${k}]·[${k}x${n}] transposeA=${tA} transposeB=${tB} equals a float64 host GEMM`, () => {
        const a = tf.randomNormal(tA ? [k, m] : [m, k], 0, 1, 'float32', m + k) as tf.Tensor2D;
        const b = tf.randomNormal(tB ? [n, k] : [k, n], 0, 1, 'float32', n + 2 * k) as tf.Tensor2D;
        const want = hostGemm(a.dataSync() as Float32Array, b.dataSync() as Float32Array, m, n, k, tA, tB);
        const c = matMul2d(a, b, tA, tB);
        expect(c.shape).toEqual([m, n]);
        expect(maxRelErr(c.dataSync() as Float32Array, want)).toBeLessThan(2e-6 * Math.sqrt(k) + 1e-6);
        expectNoLeak(() => matMul2d(a, b, tA, tB), 'matMul2d');
        tf.dispose([a, b, c]);
      });
    }
  }

  test('leaves its inputs untouched and overwrites (does not accumulate into) a reused output block', () => {
    const a = tf.randomNormal([37, 300], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([300, 19], 0, 1, 'float32', 2) as tf.Tensor2D;
    const a0 = a.dataSync().slice();
    const first = matMul2d(a, b);
    const v = first.dataSync().slice();
    first.dispose(); // tfjs's malloc hands the same block to the next output
    const second = matMul2d(a, b);
    expect(second.dataSync()).toEqual(v);
    expect(a.dataSync()).toEqual(a0);
    tf.dispose([a, b, second]);
  });

  test("K = 0 gives zeros (tfjs-wasm's BatchMatMul leaves garbage there)", () => {
    const e = matMul2d(tf.zeros([3, 0]) as tf.Tensor2D, tf.zeros([0, 4]) as tf.Tensor2D);
    expect(e.shape).toEqual([3, 4]);
    expect(Array.from(e.dataSync())).toEqual(new Array(12).fill(0));
  });

  test('mismatched inner dimensions or ranks: a ShapeError naming both shapes', () => {
    const a = tf.zeros([3, 4]) as tf.Tensor2D;
    expect(() => matMul2d(a, tf.zeros([5, 2]) as tf.Tensor2D)).toThrow(ShapeError);
    expect(() => matMul2d(a, tf.zeros([5, 2]) as tf.Tensor2D)).toThrow(/\[3,4\].*\[5,2\]/);
    expect(() => matMul2d(a, tf.zeros([4]) as unknown as tf.Tensor2D)).toThrow(ShapeError);
    expect(matMul2d(a, tf.zeros([5, 3]) as tf.Tensor2D, true, true).shape).toEqual([4, 5]);
  });

  test('linear on the GEMM: value and all three gradients equal the cpu backend', async () => {
    const run = () => {
      const x = tf.randomNormal([6, 11, 20], 0, 1, 'float32', 3);
      const w = tf.randomNormal([20, 13], 0, 1, 'float32', 4);
      const bias = tf.randomNormal([13], 0, 1, 'float32', 5);
      const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(linear(xx, ww, bb)));
      const { value, grads } = tf.valueAndGrads(f)([x, w, bias]);
      return [value, ...grads].map((t) => Array.from(t.dataSync()));
    };
    const onWasm = run();
    await useBackend('cpu');
    const onCpu = run();
    await useBackend('wasm');
    for (let i = 0; i < onCpu.length; i++) {
      const want = Float64Array.from(onCpu[i]);
      expect(maxRelErr(Float32Array.from(onWasm[i]), want), `output ${i}`).toBeLessThan(1e-4);
    }
  });

  test('an exhausted heap (malloc returns 0) is a WASM_HEAP_EXHAUSTED error, never a write to address 0', () => {
    const a = tf.randomNormal([64, 96], 0, 1, 'float32', 8) as tf.Tensor2D;
    const b = tf.randomNormal([96, 48], 0, 1, 'float32', 9) as tf.Tensor2D;
    const want = tf.tidy(() => tf.matMul(a, b).dataSync().slice()) as Float32Array;
    const wasm = (tf.backend() as unknown as { wasm: { _malloc(n: number): number } }).wasm;
    const malloc = wasm._malloc;
    let calls = 0;
    // tfjs allocates the output first, then the kernel its scratch: fail the kernel's allocation only.
    wasm._malloc = (n: number) => (++calls === 2 ? 0 : malloc.call(wasm, n));
    try {
      expect(() => tf.dispose(matMul2d(a, b))).toThrow(/WASM_HEAP_EXHAUSTED|heap .* is exhausted/);
    } finally {
      wasm._malloc = malloc;
    }
    // nothing was corrupted: the same product is still right
    const got = tf.tidy(() => matMul2d(a, b).dataSync().slice()) as Float32Array;
    expect(maxRelErr(got, Float64Array.from(want))).toBeLessThan(1e-5);
    tf.dispose([a, b]);
  });

  test('the wasm heap does not grow over repeated calls (the scratch block is freed)', () => {
    const a = tf.randomNormal([200, 300], 0, 1, 'float32', 6) as tf.Tensor2D;
    const b = tf.randomNormal([300, 150], 0, 1, 'float32', 7) as tf.Tensor2D;
    tf.dispose(matMul2d(a, b, false, false));
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const before = heap();
    for (let i = 0; i < 50; i++) tf.dispose(matMul2d(a, b));
    expect(heap()).toBe(before);
    tf.dispose([a, b]);
  });
});

describe('wasm sum_rows', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(async () => {
    await useBackend('cpu');
  });
  for (const [r, d] of [
    [1, 1],
    [7, 3],
    [2112, 768],
    [33, 21],
    [5, 16],
  ] as const) {
    test(`[${r}, ${d}] → [${d}] equals a float64 host sum, no leak`, () => {
      const x = tf.randomNormal([r, d], 0, 1, 'float32', r + d) as tf.Tensor2D;
      const v = x.dataSync();
      const want = new Float64Array(d);
      for (let i = 0; i < r; i++) for (let j = 0; j < d; j++) want[j] += v[i * d + j];
      const got = wasmSumRows(x);
      expect(got?.shape).toEqual([d]);
      expect(maxRelErr(got?.dataSync() as Float32Array, want)).toBeLessThan(1e-5 * Math.sqrt(r));
      expectNoLeak(() => wasmSumRows(x) as tf.Tensor, 'wasmSumRows');
      tf.dispose([x, got as tf.Tensor]);
    });
  }
  test('is null (caller falls back) on cpu, for empty or non-float input', async () => {
    expect(wasmSumRows(tf.zeros([0, 3]) as tf.Tensor2D)).toBeNull();
    expect(wasmSumRows(tf.zeros([2, 3], 'int32') as tf.Tensor2D)).toBeNull();
    await useBackend('cpu');
    expect(wasmSumRows(tf.zeros([2, 3]) as tf.Tensor2D)).toBeNull();
    await useBackend('wasm');
  });
});

describe('wasm GELU kernels', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(async () => {
    await useBackend('cpu');
  });
  const erf64 = (z: number): number => {
    // erf by its Maclaurin series below 3 and its asymptotic complement above: |error| < 1e-13 here
    const a = Math.abs(z);
    if (a < 3) {
      let term = a;
      let sum = a;
      for (let k = 1; k < 200; k++) {
        term *= (-a * a) / k;
        sum += term / (2 * k + 1);
      }
      return Math.sign(z) * ((2 / Math.sqrt(Math.PI)) * sum);
    }
    let c = 1;
    let t = 1;
    for (let k = 1; k < 12; k++) {
      t *= -(2 * k - 1) / (2 * a * a);
      c += t;
    }
    return Math.sign(z) * (1 - (Math.exp(-a * a) / (a * Math.sqrt(Math.PI))) * c);
  };
  const cdf = (x: number) => 0.5 * (1 + erf64(x / Math.SQRT2));
  const pdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  // a dense sweep of [-12, 12] (both erf tails, exp underflow) plus a length that leaves a scalar tail
  const xs = Float32Array.from({ length: 4803 }, (_, i) => -12 + (24 * i) / 4802);

  test('gelu(x) = x·Φ(x) within 3e-7·(1+|y|) of a float64 reference over [-12, 12]', () => {
    const x = tf.tensor1d(xs);
    const y = wasmGelu(x);
    const got = y?.dataSync() as Float32Array;
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const want = xs[i] * cdf(xs[i]);
      worst = Math.max(worst, Math.abs(got[i] - want) / (1 + Math.abs(want)));
    }
    expect(worst).toBeLessThan(3e-7);
    expectNoLeak(() => wasmGelu(x) as tf.Tensor, 'wasmGelu');
    tf.dispose([x, y as tf.Tensor]);
  });

  test("dy·GELU'(x) within 3e-7 of a float64 reference; NaN and ±∞ behave as torch's", () => {
    const x = tf.tensor1d(xs);
    const dy = tf.tensor1d(xs.map((_v, i) => Math.cos(i) * 2));
    const dx = wasmGeluGrad(x, dy);
    const got = dx?.dataSync() as Float32Array;
    const g = dy.dataSync();
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const want = g[i] * (cdf(xs[i]) + xs[i] * pdf(xs[i]));
      worst = Math.max(worst, Math.abs(got[i] - want) / (1 + Math.abs(want)));
    }
    expect(worst).toBeLessThan(3e-7);
    expectNoLeak(() => wasmGeluGrad(x, dy) as tf.Tensor, 'wasmGeluGrad');
    const special = wasmGelu(tf.tensor1d([Number.NaN, Number.POSITIVE_INFINITY, 0, -0.5]))?.dataSync();
    expect(Number.isNaN(special?.[0])).toBe(true);
    expect(special?.[1]).toBe(Number.POSITIVE_INFINITY);
    expect(special?.[2]).toBe(0);
    tf.dispose([x, dy, dx as tf.Tensor]);
  });

  test('null where the kernels do not apply (shape mismatch, int32, cpu)', async () => {
    expect(wasmGeluGrad(tf.zeros([3]), tf.zeros([4]))).toBeNull();
    expect(wasmGelu(tf.zeros([3], 'int32'))).toBeNull();
    await useBackend('cpu');
    expect(wasmGelu(tf.zeros([3]))).toBeNull();
    await useBackend('wasm');
  });
});

describe('wasm fused self-attention', () => {
  /** The unfused formulation with tfjs ops: split heads, softmax(scale·q·kᵀ)·v, merge heads. */
  const unfused = (qkv: tf.Tensor3D, h: number): tf.Tensor3D =>
    tf.tidy(() => {
      const [b, n, d3] = qkv.shape;
      const dh = d3 / 3 / h;
      const t = tf.transpose(tf.reshape(qkv, [b, n, 3, h, dh]), [2, 0, 3, 1, 4]); // [3, B, H, N, Dh]
      const [q, k, v] = tf.unstack(t) as tf.Tensor4D[];
      const attn = tf.softmax(tf.mul(tf.matMul(q, k, false, true), dh ** -0.5));
      return tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [b, n, h * dh]) as tf.Tensor3D;
    });
  const cases: [number, number, number, number][] = [
    [2, 65, 3, 64], // Ti/4 at 32 px, all tokens
    [3, 33, 3, 64], // half subset
    [1, 5, 2, 3], // tails of every tile
    [2, 17, 1, 8],
  ];
  for (const [b, n, h, dh] of cases) {
    test(`B=${b} N=${n} H=${h} Dh=${dh}: value and d(qkv) equal the unfused tfjs ops on cpu`, async () => {
      const qkvData = tf.tidy(() => tf.randomNormal([b, n, 3 * h * dh], 0, 1, 'float32', n + h).dataSync());
      const cot = tf.tidy(() => tf.randomNormal([b, n, h * dh], 0, 1, 'float32', 7).dataSync());
      const run = (f: (x: tf.Tensor3D) => tf.Tensor3D): Float64Array[] => {
        const x = tf.tensor3d(qkvData, [b, n, 3 * h * dh]);
        const c = tf.tensor3d(cot, [b, n, h * dh]);
        const loss = (xx: tf.Tensor) => tf.sum(tf.mul(f(xx as tf.Tensor3D), c));
        const { value, grads } = tf.valueAndGrads(loss)([x]);
        const y = f(x);
        const out = [y, value, grads[0]].map((t) => Float64Array.from(t.dataSync()));
        tf.dispose([x, c, value, grads[0], y]);
        return out;
      };
      await useBackend('cpu');
      const want = run((x) => unfused(x, h));
      await useBackend('wasm');
      const got = run((x) => fusedSelfAttention(x, h) as tf.Tensor3D);
      for (const [i, label] of ['out', 'loss', 'dqkv'].entries()) {
        expect(maxRelErr(Float32Array.from(got[i]), want[i]), label).toBeLessThan(2e-5);
      }
      const x = tf.tensor3d(qkvData, [b, n, 3 * h * dh]);
      expectNoLeak(() => fusedSelfAttention(x, h) as tf.Tensor, 'fusedSelfAttention');
      expectNoLeak(
        () => tf.grads((xx: tf.Tensor) => tf.sum(fusedSelfAttention(xx as tf.Tensor3D, h) as tf.Tensor))([x]),
        'grads',
      );
      x.dispose();
    });
  }
  test('a bad qkv shape is a ShapeError; null on cpu (the caller keeps its path)', async () => {
    await useBackend('wasm');
    expect(() => fusedSelfAttention(tf.zeros([2, 5, 10]) as tf.Tensor3D, 3)).toThrow(ShapeError);
    await useBackend('cpu');
    expect(fusedSelfAttention(tf.zeros([2, 5, 18]) as tf.Tensor3D, 3)).toBeNull();
  });
});

describe('wasm AdamW kernel', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(async () => {
    await installWasmGemm();
    await useBackend('cpu');
  });

  // Three steps of createAdamW over a decayed matrix and an undecayed bias (odd sizes: the SIMD loop and
  // its scalar tail), with the kernel on or off; returns every parameter and moment as bits.
  async function threeSteps(kernel: boolean): Promise<Uint32Array[]> {
    if (kernel) await installWasmGemm();
    else disableWasmGemm();
    expect(wasmGemmActive()).toBe(kernel);
    const values = (n: number, seed: number) =>
      Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 1.7));
    const params = {
      fc: {
        weight: tf.variable(tf.tensor2d(values(35, 1), [5, 7]), true, 'adamw-test/fc.weight'),
        bias: tf.variable(tf.tensor1d(values(7, 2)), true, 'adamw-test/fc.bias'),
      },
    };
    const opt = createAdamW(params, { weightDecay: 0.05 });
    for (let step = 0; step < 3; step++) {
      const grads = {
        'fc.weight': tf.tensor2d(values(35, 10 + step), [5, 7]),
        'fc.bias': tf.tensor1d(values(7, 20 + step).map((x) => x * 1e-3)),
      };
      opt.step(grads, { lr: 1e-3 * (step + 1) });
      tf.dispose(Object.values(grads));
    }
    const state = opt.getState();
    const tensors = [params.fc.weight, params.fc.bias, ...Object.values(state.tensors)];
    const bits = await Promise.all(
      tensors.map(async (t) => new Uint32Array((await t.data()).slice().buffer)),
    );
    tf.dispose([params.fc.weight, params.fc.bias, ...Object.values(state.tensors)]);
    opt.dispose();
    return bits;
  }

  test("createAdamW's update on the kernel is bit-identical to its tfjs composition (decay and none)", async () => {
    const composed = await threeSteps(false);
    const fused = await threeSteps(true);
    expect(fused).toHaveLength(6);
    for (const [i, bits] of fused.entries()) expect(Array.from(bits)).toEqual(Array.from(composed[i]));
  });

  test('one call per parameter, no leak; null on cpu, for mismatched shapes or int32', async () => {
    const p = tf.ones([9]);
    const attrs = { decay: 0.99, b1: 0.9, b2: 0.999, eps: 1e-8, bc2Sqrt: 0.5, stepScale: -0.1 };
    expectNoLeak(() => wasmAdamW(p, p, p, p, attrs) as tf.Tensor[], 'wasmAdamW');
    const [p1, m1, v1] = wasmAdamW(p, tf.zeros([9]), tf.zeros([9]), p, attrs) as tf.Tensor[];
    // m' = 0.1, v' = 0.001, p' = 0.99 − 0.1·0.1/(sqrt(0.001)/0.5 + 1e-8)
    expect((await m1.data())[8]).toBeCloseTo(0.1, 7);
    expect((await v1.data())[0]).toBeCloseTo(0.001, 8);
    expect((await p1.data())[4]).toBeCloseTo(0.99 - 0.01 / (Math.sqrt(0.001) / 0.5 + 1e-8), 6);
    expect(wasmAdamW(p, p, p, tf.ones([3, 3]), attrs)).toBeNull();
    expect(wasmAdamW(p, p, p, tf.ones([9], 'int32'), attrs)).toBeNull();
    await useBackend('cpu');
    expect(wasmAdamW(tf.ones([9]), tf.ones([9]), tf.ones([9]), tf.ones([9]), attrs)).toBeNull();
    await useBackend('wasm');
    tf.dispose([p, p1, m1, v1]);
  });
});

describe('wasm LayerNorm kernels', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterAll(async () => {
    await useBackend('cpu');
  });
  // float64 host reference of y = x̂·w + b and of (dx, dw, db) for the loss Σ y·dy
  function reference(
    x: Float32Array,
    w: Float32Array,
    b: Float32Array,
    dy: Float32Array,
    d: number,
    eps: number,
  ) {
    const rows = x.length / d;
    const y = new Float64Array(x.length);
    const dx = new Float64Array(x.length);
    const dw = new Float64Array(d);
    const db = new Float64Array(d);
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      let mu = 0;
      for (let j = 0; j < d; j++) mu += x[o + j] / d;
      let v = 0;
      for (let j = 0; j < d; j++) v += (x[o + j] - mu) ** 2 / d;
      const rs = 1 / Math.sqrt(v + eps);
      let mg = 0;
      let mgx = 0;
      for (let j = 0; j < d; j++) {
        const xh = (x[o + j] - mu) * rs;
        y[o + j] = xh * w[j] + b[j];
        mg += (dy[o + j] * w[j]) / d;
        mgx += (dy[o + j] * w[j] * xh) / d;
        dw[j] += dy[o + j] * xh;
        db[j] += dy[o + j];
      }
      for (let j = 0; j < d; j++) {
        const xh = (x[o + j] - mu) * rs;
        dx[o + j] = (dy[o + j] * w[j] - mg - xh * mgx) * rs;
      }
    }
    return { y, dx, dw, db };
  }
  const worst = (got: ArrayLike<number>, want: ArrayLike<number>) =>
    Array.from(want).reduce((m, v, i) => Math.max(m, Math.abs(got[i] - v) / (1 + Math.abs(v))), 0);

  for (const [r, d] of [
    [1, 1],
    [5, 7],
    [33, 64],
    [260, 192],
  ]) {
    test(`[${r}, ${d}]: value and (dx, dw, db) within 1e-4 of a float64 reference, no leaks`, () => {
      const x = tf.randomNormal([r, d], 2, 3, 'float32', 21) as tf.Tensor2D;
      const w = tf.randomNormal([d], 1, 0.5, 'float32', 22) as tf.Tensor1D;
      const b = tf.randomNormal([d], 0, 1, 'float32', 23) as tf.Tensor1D;
      const dy = tf.randomNormal([r, d], 0, 1, 'float32', 24) as tf.Tensor2D;
      const ref = reference(
        x.dataSync() as Float32Array,
        w.dataSync() as Float32Array,
        b.dataSync() as Float32Array,
        dy.dataSync() as Float32Array,
        d,
        1e-6,
      );
      const y = wasmLayerNorm(x, w, b, 1e-6) as tf.Tensor2D;
      const g = wasmLayerNormGrad(x, w, dy, 1e-6) as tf.Tensor[];
      expect(worst(y.dataSync(), ref.y)).toBeLessThan(1e-4);
      expect(worst(g[0].dataSync(), ref.dx)).toBeLessThan(1e-4);
      expect(worst(g[1].dataSync(), ref.dw)).toBeLessThan(1e-4 * r);
      expect(worst(g[2].dataSync(), ref.db)).toBeLessThan(1e-4 * r);
      expectNoLeak(() => wasmLayerNorm(x, w, b, 1e-6) as tf.Tensor, 'wasmLayerNorm');
      expectNoLeak(() => wasmLayerNormGrad(x, w, dy, 1e-6) as tf.Tensor[], 'wasmLayerNormGrad');
      tf.dispose([x, w, b, dy, y, ...g]);
    });
  }

  test('null for shapes it does not take (the caller composes instead)', () => {
    const x = tf.zeros([2, 4]) as tf.Tensor2D;
    expect(wasmLayerNorm(x, tf.ones([3]) as tf.Tensor1D, tf.zeros([4]) as tf.Tensor1D, 1e-6)).toBeNull();
    expect(
      wasmLayerNormGrad(x, tf.ones([4]) as tf.Tensor1D, tf.zeros([2, 3]) as tf.Tensor2D, 1e-6),
    ).toBeNull();
  });
});
