/**
 * The supervised method passes the TrainMethod contract of @splitmask/splitmask (gradient coverage,
 * leaks, determinism, snapshot → restore, NaN stops before the update).
 */
import { createRng } from '@splitmask/core';
import { describeEachBackend } from '@splitmask/test-utils';
import { initVitParams, resolveVitConfig } from '@splitmask/vit';
import * as tf from '@tensorflow/tfjs-core';
import { methodContract } from '../../splitmask/test/method-contract';
import { initClassifierParams } from './finetune';
import { createSupervisedMethod } from './supervised';

const encCfg = resolveVitConfig('mu', { depth: 2 }); // 16px, patch 4, 1 channel, D=32
let role = 0;

describeEachBackend('supervised TrainMethod contract', () => {
  methodContract('supervised', {
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
        },
        `sup${role++}`,
        params,
      );
      tf.dispose(Object.values(params as object).flat(4) as tf.Tensor[]);
      return m;
    },
  });
});
