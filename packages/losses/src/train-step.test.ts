import { describeEachBackend, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { test } from 'vitest';
import { expectFiniteNonZero } from '../test/helpers';
import { dinoLoss, nextCenter } from './dino';
import { infoNCE } from './info-nce';
import { maskedCrossEntropy } from './masked-cross-entropy';

// Gradient coverage as a train step uses the losses: Variables, an explicit varList, inputs (targets,
// weights, teacher outputs) created inside the step's tidy and disposed before the backward pass runs.
describeEachBackend(
  'losses inside a train step',
  (backend) => {
    test('SplitMask-style MIM + InfoNCE: every variable gets a finite, non-zero gradient', async () => {
      const w = tf.variable(
        tf.randomNormal([6, 11], 0, 0.5, 'float32', 1),
        true,
        `losses-test/${backend}/head`,
      );
      const proj = tf.variable(
        tf.randomNormal([6, 4], 0, 0.5, 'float32', 2),
        true,
        `losses-test/${backend}/proj`,
      );
      const step = () =>
        tf.tidy(() => {
          const xa = tf.randomNormal([3, 5, 6], 0, 1, 'float32', 3); // [B, M, D] branch A tokens
          const xb = tf.randomNormal([3, 5, 6], 0, 1, 'float32', 4);
          const ids = tf.randomUniform([3, 10], 0, 11, 'int32', 5) as tf.Tensor2D;
          return tf.variableGrads(() => {
            const logits = tf.reshape(tf.matMul(tf.reshape(tf.concat([xa, xb], 1), [30, 6]), w), [3, 10, 11]);
            const mim = maskedCrossEntropy(logits as tf.Tensor3D, ids);
            const za = tf.matMul(tf.mean(xa, 1), proj) as tf.Tensor2D;
            const zb = tf.matMul(tf.mean(xb, 1), proj) as tf.Tensor2D;
            return tf.add(mim, infoNCE(za, zb).loss) as tf.Scalar;
          }, [w, proj]);
        });
      const { value, grads } = step();
      await expectFiniteNonZero(value, 'loss');
      await expectFiniteNonZero(grads[w.name], 'grad head');
      await expectFiniteNonZero(grads[proj.name], 'grad proj');
      tf.dispose([value, grads]);
      expectNoLeak(step, 'train step');
      tf.dispose([w, proj]);
    });

    test('DINO step: student variable gets a gradient, center is updated by the step only', async () => {
      const ws = tf.variable(
        tf.randomNormal([4, 7], 0, 0.5, 'float32', 6),
        true,
        `losses-test/${backend}/student`,
      );
      const wt = tf.variable(
        tf.randomNormal([4, 7], 0, 0.5, 'float32', 7),
        false,
        `losses-test/${backend}/teacher`,
      );
      const center = tf.variable(tf.zeros([1, 7]), false, `losses-test/${backend}/center`);
      const step = () =>
        tf.tidy(() => {
          const crops = [0, 1, 2].map((i) => tf.randomNormal([2, 4], 0, 1, 'float32', 10 + i) as tf.Tensor2D);
          const teacher = crops.slice(0, 2).map((c) => tf.matMul(c, wt) as tf.Tensor2D);
          const out = tf.variableGrads(() => {
            const student = crops.map((c) => tf.matMul(c, ws) as tf.Tensor2D);
            return dinoLoss(student, teacher, center as tf.Variable<tf.Rank.R2>, { teacherTemp: 0.04 });
          }, [ws]);
          center.assign(nextCenter(center as tf.Variable<tf.Rank.R2>, teacher, 0.9));
          return out;
        });
      const { value, grads } = step();
      await expectFiniteNonZero(value, 'loss');
      await expectFiniteNonZero(grads[ws.name], 'grad student');
      await expectFiniteNonZero(center, 'center after one step');
      tf.dispose([value, grads]);
      expectNoLeak(step, 'DINO step');
      tf.dispose([ws, wt, center]);
    });
  },
  { webgpu: true },
);
