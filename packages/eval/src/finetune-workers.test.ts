/**
 * Fine-tuning on the one training loop with worker threads: 2 workers agree with this thread (same
 * mixup pairs across the global batch, drop-path per global row, one all-reduced gradient) — loss curve
 * and test accuracy — and the workers are deterministic. Runs the built dist (eval and splitmask).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRng } from '@splitmask/core';
import { workerThreads } from '@splitmask/splitmask/node';
import { useBackend } from '@splitmask/test-utils';
import { initVitParams, resolveVitConfig } from '@splitmask/vit';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { textures } from '../test/textures';
import { finetune } from './finetune';

const moduleUrl = new URL('../dist/index.js', import.meta.url);
const built = existsSync(fileURLToPath(moduleUrl));
const encCfg = resolveVitConfig('mu', { depth: 2 }); // 16px, patch 4, 1 channel, D=32

describe.skipIf(!built)('finetune on worker threads', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  const train = textures(48, 1);
  const test_ = textures(32, 2);
  const run = async (workers: number, patchDropRate = 0) => {
    const enc = initVitParams(encCfg, createRng(0));
    const res = await finetune(
      enc,
      encCfg,
      train,
      {
        numClasses: 4,
        epochs: 3,
        batchSize: 12,
        lr: 3e-3,
        seed: 5,
        patchDropRate,
        parallel: workers > 1 ? workerThreads(workers, { backend: 'wasm' }) : undefined,
        methodModule: moduleUrl.href,
      },
      test_,
    );
    tf.dispose(Object.values(enc as object).flat(4) as tf.Tensor[]);
    const out = { losses: res.history.map((h) => h.loss), top1: res.history.at(-1)?.eval?.top1 };
    res.dispose();
    return out;
  };

  test('2 workers match this thread (loss per epoch, accuracy) and are deterministic', async () => {
    const one = await run(1);
    const two = await run(2);
    two.losses.forEach((l, i) => {
      expect(l).toBeCloseTo(one.losses[i], 4);
    });
    expect(two.top1).toBeCloseTo(one.top1 ?? Number.NaN, 6);
    expect((await run(2)).losses).toEqual(two.losses);
  }, 300_000);

  test('with PatchDropout, 2 workers keep the same tokens per global row as this thread', async () => {
    const one = await run(1, 0.5);
    const two = await run(2, 0.5);
    two.losses.forEach((l, i) => {
      expect(l).toBeCloseTo(one.losses[i], 4);
    });
    expect(two.top1).toBeCloseTo(one.top1 ?? Number.NaN, 6);
    expect(one.losses).not.toEqual((await run(1)).losses); // the option reaches the workers' loss
  }, 300_000);
});
