/**
 * The supervised method passes the TrainMethod contract of @splitmask/splitmask (gradient coverage,
 * leaks, determinism, snapshot → restore, NaN stops before the update).
 */
import { createRng } from '@splitmask/core';
import { describeEachBackend } from '@splitmask/test-utils';
import { initVitParams, resolveVitConfig } from '@splitmask/vit';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { methodContract } from '../../splitmask/test/method-contract';
import { initClassifierParams } from './finetune';
import { createSupervisedMethod, samplePatchKeep } from './supervised';

const encCfg = resolveVitConfig('mu', { depth: 2 }); // 16px, patch 4, 1 channel, D=32
let role = 0;

function contract(name: string, patchDropRate: number) {
  methodContract(name, {
    shape: [4, 16, 16, 1],
    batch: (i) => {
      const rng = createRng(100 + i);
      return Float32Array.from({ length: 4 * 256 }, () => rng.random());
    },
    labels: (i) => Int32Array.from({ length: 4 }, (_, r) => (r + i) % 3),
    create: () => {
      const enc = initVitParams(encCfg, createRng(0));
      // No drop-path: a dropped block's weights get a zero gradient on purpose.
      const { params, cfg } = initClassifierParams(enc, encCfg, { numClasses: 3, dropPath: 0 }, createRng(1));
      tf.dispose(Object.values(enc as object).flat(4) as tf.Tensor[]);
      const m = createSupervisedMethod(
        {
          cfg,
          totalSteps: 10,
          warmupSteps: 1,
          lr: 1e-3,
          minLr: 1e-6,
          weightDecay: 0.05,
          layerDecay: 0.65,
          labelSmoothing: 0.1,
          mixup: { mixupAlpha: 0.8, cutmixAlpha: 1, prob: 1, switchProb: 0.5 },
          seed: 0,
          patchDropRate,
        },
        `sup${role++}`,
        params,
      );
      tf.dispose(Object.values(params as object).flat(4) as tf.Tensor[]);
      return m;
    },
  });
}

describeEachBackend('supervised TrainMethod contract', () => {
  contract('supervised', 0);
  // 16 patches, 8 kept per image: every parameter still gets a gradient (pos_embed through the kept rows)
  contract('supervised with PatchDropout 0.5', 0.5);
});

describe('samplePatchKeep', () => {
  test('K = round(L(1 - rate)) distinct sorted indices per row, at least one', () => {
    const { indices, keep } = samplePatchKeep(createRng(3), 50, 49, 0.5);
    expect(keep).toBe(25); // round(24.5)
    for (let r = 0; r < 50; r++) {
      const row = Array.from(indices.subarray(r * keep, (r + 1) * keep));
      expect(new Set(row).size).toBe(keep);
      expect(row).toEqual([...row].sort((a, b) => a - b));
      expect(row.every((v) => v >= 0 && v < 49)).toBe(true);
    }
    expect(samplePatchKeep(createRng(3), 2, 49, 0.99).keep).toBe(1);
    expect(samplePatchKeep(createRng(3), 2, 49, 0).keep).toBe(49);
  });

  test('deterministic under a seed; rows differ; every patch kept about (1 - rate) of the time', () => {
    const a = samplePatchKeep(createRng(7), 2000, 16, 0.25);
    expect(samplePatchKeep(createRng(7), 2000, 16, 0.25).indices).toEqual(a.indices);
    expect(samplePatchKeep(createRng(8), 2000, 16, 0.25).indices).not.toEqual(a.indices);
    const counts = new Array(16).fill(0);
    for (const i of a.indices) counts[i]++;
    // each patch: Binomial(2000, 0.75), sd ~19.4; 5 sd bound
    for (const c of counts) expect(Math.abs(c - 1500)).toBeLessThan(97);
    // rows are not all the same subset
    expect(a.indices.subarray(0, 12)).not.toEqual(a.indices.subarray(12, 24));
  });
});
