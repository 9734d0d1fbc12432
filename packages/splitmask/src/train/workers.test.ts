/**
 * Data-parallel worker threads against one thread on the same global batch: N = 2 and N = 3 compute the
 * same losses (InfoNCE negatives and DINO's center from the whole batch), gradient norms and weights
 * as N = 1 up to float summation order; N workers are bit-identical run to run; a checkpoint written
 * with N workers resumes with M; a dying worker stops the run with an error naming it and the step.
 *
 * The workers run the built `dist/train-worker.js` (turbo builds this package before its tests).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { flattenParams } from '@splitmask/core';
import { useBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tinyConfig, tinySource } from '../../test/tiny';
import { DINO_TINY_CONFIG, resolveDinoConfig } from '../dino/config';
import { createDinoTrainer, createPretrainer } from '../node-trainers';
import type { ImageSource } from '../source';
import { NonFiniteLossError } from '../trainer';
import { type WebWorkerLike, webWorkers } from './web-workers';
import { WorkerError, workerThreads } from './worker-threads';

const workerUrl = fileURLToPath(new URL('../../dist/train-worker.js', import.meta.url));
const built = existsSync(workerUrl);
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'splitmask-workers-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const parallel = (n: number) => (n > 1 ? workerThreads(n, { workerUrl, backend: 'wasm' }) : undefined);

async function flatParams(tree: object): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(flattenParams(tree))) out[k] = (await v.data()) as Float32Array;
  return out;
}

async function runMasked(method: 'splitmask' | 'beit', workers: number, steps: number, extra = {}) {
  // batch 6: 2 workers get 3 + 3 rows, 4 workers 2 + 2 + 1 + 1 (uneven shards).
  const config = tinyConfig({ method, train: { batchSize: 6, steps: 4 }, ...extra });
  const t = await createPretrainer({ config, source: tinySource(), parallel: parallel(workers) });
  const ev = [];
  try {
    for (let i = 0; i < steps; i++) ev.push(await t.trainStep());
    await t.syncParams();
    return { ev, params: await flatParams(t.params) };
  } finally {
    await t.dispose();
  }
}

describe.skipIf(!built)('worker threads', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  test.each(['splitmask', 'beit'] as const)(
    '%s: 2 and 4 workers agree with 1 on loss parts, gradient norm and weights; N workers are deterministic',
    async (method) => {
      const one = await runMasked(method, 1, 3);
      const two = await runMasked(method, 2, 3);
      const four = await runMasked(method, 4, 3);
      for (const other of [two, four]) {
        other.ev.forEach((e, i) => {
          for (const [k, v] of Object.entries(one.ev[i].parts))
            expect(e.parts[k], `${k} step ${i + 1}`).toBeCloseTo(v, 5);
          expect(e.gradNorm / one.ev[i].gradNorm).toBeCloseTo(1, 4);
          expect(e.workers).toBeGreaterThan(1);
        });
      }
      const again = await runMasked(method, 2, 3);
      expect(again.ev.map((e) => e.parts)).toEqual(two.ev.map((e) => e.parts));
      expect(again.params).toEqual(two.params);
    },
  );

  test.each(['splitmask', 'beit'] as const)(
    '%s: the all-reduced gradient of 2 and 4 workers is the gradient of one thread',
    async (method) => {
      // With ε = 1 AdamW's first step is lr·g/(|g| + 1): smooth in g (not Adam's usual ≈ lr·sign(g), where
      // float noise flips the sign of ~0 gradients), so the weights after one step compare the gradients.
      const extra = { optim: { lr: 1, eps: 1, warmupSteps: 0, weightDecay: 0, clipGrad: 0 } };
      const init = await runMasked(method, 1, 0, extra);
      const one = await runMasked(method, 1, 1, extra);
      let scale = 0;
      for (const k of Object.keys(init.params))
        init.params[k].forEach((v, i) => {
          scale = Math.max(scale, Math.abs(v - one.params[k][i]));
        });
      for (const n of [2, 4]) {
        const other = await runMasked(method, n, 1, extra);
        let worst = 0;
        for (const k of Object.keys(one.params))
          one.params[k].forEach((v, i) => {
            worst = Math.max(worst, Math.abs(v - other.params[k][i]));
          });
        expect(scale).toBeGreaterThan(1e-3);
        expect(worst / scale, `${n} workers`).toBeLessThan(1e-4); // measured 8e-7 (SplitMask), 1.6e-7 (BEiT): float summation order
      }
    },
  );

  test('InfoNCE keeps every negative: with 2 workers its accuracy and loss are the whole batch’s', async () => {
    // τ = 100 → |logits| ≤ 0.01 → loss ≈ log(B) of the *global* batch (log 6 = 1.79), not of a shard (log 3 = 1.10).
    const one = await runMasked('splitmask', 1, 1, { loss: { temperature: 100, nceWeight: 1 } });
    const two = await runMasked('splitmask', 2, 1, { loss: { temperature: 100, nceWeight: 1 } });
    expect(one.ev[0].parts.nce).toBeCloseTo(Math.log(6), 1);
    expect(two.ev[0].parts.nce).toBeCloseTo(one.ev[0].parts.nce, 6);
  });

  test('DINO: 2 workers agree with 1 (global center, monitors on the whole batch)', async () => {
    const cfg = resolveDinoConfig({ train: { batchSize: 4, steps: 3, logEvery: 1 } }, DINO_TINY_CONFIG);
    const src: ImageSource = {
      imageSize: 16,
      channels: 1,
      length: 64,
      normalization: { mean: [0.3], std: [0.3] },
      batch: (index, b) =>
        Float32Array.from({ length: b * 256 }, (_, i) => ((i * 7919 + index * 31) % 97) / 97),
    };
    const run = async (n: number) => {
      const t = await createDinoTrainer({ config: cfg, source: src, parallel: parallel(n), role: `dw${n}` });
      try {
        const ev = [];
        for (let i = 0; i < 3; i++) ev.push(await t.trainStep());
        await t.syncParams();
        return { ev, center: Array.from(await t.center.data()) };
      } finally {
        await t.dispose();
      }
    };
    const one = await run(1);
    const two = await run(2);
    two.ev.forEach((e, i) => {
      expect(e.loss).toBeCloseTo(one.ev[i].loss, 5);
      expect(e.monitors?.teacherEntropy).toBeCloseTo(one.ev[i].monitors?.teacherEntropy ?? Number.NaN, 4);
    });
    two.center.forEach((v, i) => {
      expect(v).toBeCloseTo(one.center[i], 5);
    });
  });

  test('a checkpoint written with 2 workers resumes with 1 and with 2, continuing the same run', async () => {
    const config = tinyConfig({ train: { batchSize: 6, steps: 4, checkpointEvery: 2 } });
    const straight = await runMasked('splitmask', 2, 4);
    const dir = tmp();
    const a = await createPretrainer({
      config,
      source: tinySource(),
      parallel: parallel(2),
      checkpointDir: dir,
    });
    for (let i = 0; i < 2; i++) await a.trainStep();
    await a.dispose();
    for (const n of [1, 2]) {
      const b = await createPretrainer({
        config,
        source: tinySource(),
        parallel: parallel(n),
        checkpointDir: dir,
        resumeFrom: join(dir, 'step-00000002'),
      });
      expect(b.step).toBe(2);
      const e3 = await b.trainStep();
      const e4 = await b.trainStep();
      expect(e3.loss).toBeCloseTo(straight.ev[2].loss, 5);
      expect(e4.loss).toBeCloseTo(straight.ev[3].loss, 5);
      if (n === 2) expect([e3.loss, e4.loss]).toEqual([straight.ev[2].loss, straight.ev[3].loss]); // bit-exact
      await b.dispose();
    }
  });

  test('a non-finite loss stops every worker before the update, with the typed error', async () => {
    const config = tinyConfig({ train: { batchSize: 4, steps: 3 } });
    const bad: ImageSource = {
      ...tinySource(),
      batch: (i, b) => new Float32Array(b * 64).fill(i === 1 ? Number.NaN : 0.5),
    };
    const t = await createPretrainer({ config, source: bad, parallel: parallel(2) });
    try {
      await t.trainStep();
      await t.syncParams();
      const before = await flatParams(t.params);
      const err = await t.trainStep().catch((e) => e);
      expect(err).toBeInstanceOf(NonFiniteLossError);
      expect(err.message).toMatch(/step 2.*not applied/);
      await t.syncParams();
      expect(await flatParams(t.params)).toEqual(before);
    } finally {
      await t.dispose();
    }
  });

  test('a worker that dies stops the run with an error naming the worker and the step', async () => {
    const config = tinyConfig({ train: { batchSize: 4, steps: 3 } });
    const dying = fileURLToPath(new URL('../../test/dying-worker.mjs', import.meta.url));
    const t = await createPretrainer({
      config,
      source: tinySource(),
      parallel: workerThreads(2, { workerUrl: dying, backend: 'wasm' }),
    });
    try {
      await t.trainStep();
      const err = await t.trainStep().catch((e) => e);
      expect(err).toBeInstanceOf(WorkerError);
      expect(err.message).toMatch(/worker 1 at step 2: exited with code 7/);
    } finally {
      await t.dispose();
    }
  });

  test('the Web Worker adapter (webWorkers + serveWebWorker) trains like worker threads', async () => {
    // Browser Workers are EventTargets; here Node worker threads wear that interface (test/web-worker-shim.mjs).
    const shim = fileURLToPath(new URL('../../test/web-worker-shim.mjs', import.meta.url));
    const asWebWorker = (): WebWorkerLike => {
      const w = new Worker(shim);
      return {
        postMessage: (m, transfer) => w.postMessage(m, transfer),
        addEventListener: (type, listener) => {
          if (type === 'message') w.on('message', (data) => listener({ data }));
          if (type === 'error') w.on('error', (e) => listener({ message: e.message }));
        },
        terminate: () => void w.terminate(),
      };
    };
    const config = tinyConfig({ train: { batchSize: 6, steps: 4 } });
    const reference = await runMasked('splitmask', 2, 2);
    const t = await createPretrainer({
      config,
      source: tinySource(),
      parallel: webWorkers(2, asWebWorker, { backend: 'wasm' }),
    });
    try {
      const losses = [(await t.trainStep()).loss, (await t.trainStep()).loss];
      expect(losses).toEqual(reference.ev.map((e) => e.loss)); // same pool and worker code: bit-identical
    } finally {
      await t.dispose();
    }
  });

  test('no tensors leak in the main thread across a worker session', async () => {
    await runMasked('splitmask', 2, 1); // warm-up of one-off caches
    const before = tf.memory().numTensors;
    await runMasked('splitmask', 2, 2);
    expect(tf.memory().numTensors).toBe(before);
  });
});
