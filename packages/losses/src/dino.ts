/**
 * DINO self-distillation loss with centring and sharpening (paper.md §7.1; facebookresearch/dino
 * `DINOLoss` @ 7c446df). What we changed: the loss is pure. DINO's `forward` also updates its `center`
 * buffer; here the update is the separate state transition `nextCenter`, which the train step applies,
 * and the per-epoch teacher temperature is an argument (see `teacherTempSchedule`).
 */
import { InvalidArgumentError, logSoftmax, ShapeError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { expectDtype, expectInRange, expectPositive, expectShape } from './internal/checks';
import { stopGradient } from './internal/numerics';

/** Options of `dinoLoss`. */
export interface DinoLossOptions {
  /** Student temperature τs; 0.1 as DINO. */
  studentTemp?: number;
  /** Teacher temperature τt for this epoch, e.g. `teacherTempSchedule(...)(epoch)` (0.04 → 0.07). */
  teacherTemp: number;
}

function validateCrops(
  fn: string,
  crops: readonly tf.Tensor2D[],
  name: string,
  shape: readonly number[],
): void {
  crops.forEach((c, i) => {
    expectShape(fn, `${name}[${i}]`, c, shape, 'B, K');
    expectDtype(fn, `${name}[${i}]`, c, 'float32');
  });
}

/**
 * DINO cross-entropy between sharpened, centred teacher distributions and student distributions,
 * over every (teacher view iq, student crop v) pair with v ≠ iq, averaged over pairs and batch.
 *
 * studentOut: S crops of [B, K] (the first crops are the global views, in the teacher's order),
 * teacherOut: T global views of [B, K], center: [1, K] → Scalar
 *
 * loss = (1/n) Σ_{iq, v≠iq} mean_B( Σ_K −softmax((t_iq − c)/τt) · log_softmax(s_v/τs) ), n = T·S − min(T, S)
 * (2 global + 8 local crops: 18 terms). The teacher side gets no gradient (DINO's `.detach()`): only
 * the student outputs are differentiated. Stable for large outputs (log-sum-exp); NaN inputs propagate.
 *
 * @example
 * const tt = teacherTempSchedule({ warmupTemp: 0.04, temp: 0.07, warmupEpochs: 30, epochs: 100 })(epoch);
 * const loss = dinoLoss([s1, s2, ...locals], [t1, t2], center, { teacherTemp: tt });
 */
export function dinoLoss(
  studentOut: readonly tf.Tensor2D[],
  teacherOut: readonly tf.Tensor2D[],
  center: tf.Tensor2D,
  options: DinoLossOptions,
): tf.Scalar {
  const { studentTemp = 0.1, teacherTemp } = options;
  expectPositive('dinoLoss', 'studentTemp', studentTemp);
  expectPositive('dinoLoss', 'teacherTemp', teacherTemp);
  if (teacherOut.length < 1 || studentOut.length < 1) {
    throw new InvalidArgumentError(
      `dinoLoss: needs at least one teacher view and one student crop, got ${teacherOut.length} and ${studentOut.length}`,
    );
  }
  const nTerms = teacherOut.length * studentOut.length - Math.min(teacherOut.length, studentOut.length);
  if (nTerms === 0) {
    throw new InvalidArgumentError(
      `dinoLoss: no cross-view pairs (teacher views ${teacherOut.length}, student crops ${studentOut.length}): every pair is a same-view pair`,
    );
  }
  const shape = teacherOut[0].shape;
  validateCrops('dinoLoss', teacherOut, 'teacherOut', shape);
  validateCrops('dinoLoss', studentOut, 'studentOut', shape);
  expectShape('dinoLoss', 'center', center, [1, shape[1]], '1, K');
  return tf.tidy(() => {
    const logp = studentOut.map((s) => logSoftmax(tf.div(s, studentTemp))); // S × [B, K]
    const q = teacherOut.map((t) => stopGradient(tf.softmax(tf.div(tf.sub(t, center), teacherTemp))));
    let total: tf.Tensor = tf.scalar(0);
    q.forEach((qi, iq) => {
      logp.forEach((lv, v) => {
        if (v === iq) return; // same view
        total = tf.add(total, tf.mean(tf.neg(tf.sum(tf.mul(qi, lv), 1))));
      });
    });
    return tf.div(total, nTerms) as tf.Scalar;
  });
}

/**
 * The next DINO center: EMA of the batch mean of the teacher outputs (DINO's `update_center`, one
 * process: the mean is over every row of every global view).
 *
 * center: [1, K], teacherOut: [T·B, K] or T views of [B, K] → [1, K]
 *
 * @example
 * const c = nextCenter(center, [t1, t2], 0.9); center.assign(c); // in the train step's tidy
 */
export function nextCenter(
  center: tf.Tensor2D,
  teacherOut: tf.Tensor2D | readonly tf.Tensor2D[],
  momentum = 0.9,
): tf.Tensor2D {
  expectInRange('nextCenter', 'momentum', momentum, 0, 1);
  const views = Array.isArray(teacherOut) ? teacherOut : [teacherOut as tf.Tensor2D];
  if (views.length === 0) throw new InvalidArgumentError('nextCenter: teacherOut is an empty list');
  const k = center.shape[1];
  expectShape('nextCenter', 'center', center, [1, k], '1, K');
  views.forEach((t, i) => {
    if (t.rank !== 2 || t.shape[1] !== k) {
      throw new ShapeError(
        `nextCenter: expected teacherOut[${i}] [B, K] with K=${k}, got [${t.shape.join(', ')}]`,
      );
    }
  });
  return tf.tidy(() => {
    const all = views.length === 1 ? views[0] : tf.concat(views as tf.Tensor2D[], 0);
    const batchCenter = tf.mean(all, 0, true);
    return tf.add(tf.mul(center, momentum), tf.mul(batchCenter, 1 - momentum)) as tf.Tensor2D;
  });
}
