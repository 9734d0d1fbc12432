/**
 * Collapse monitors for DINO (DINO paper §5.3 / Fig. 7: the teacher's entropy and its KL divergence
 * are what distinguish the two collapse modes). With P = softmax((t − c)/τt):
 * - `teacherEntropy` = mean_b H(P_b): → 0 when one dimension dominates, → log K under uniform collapse;
 * - `klToCenter` = mean_b KL(softmax(t_b/τt) ‖ softmax(c/τt)): how far the teacher's outputs are from the
 *   center (their running mean); → 0 when every output equals it, i.e. the outputs no longer depend on the image;
 * - `centerEntropy` = H(softmax(c/τt)): the center's own sharpness;
 * - `meanEntropy` = H(mean_b P_b): → 0 when every image maps to the same dimension.
 * Values are read on the host every few steps (one sync point), never inside the train step.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Monitor values (nats) as host numbers, and log K for reference. */
export interface DinoMonitors {
  teacherEntropy: number;
  klToCenter: number;
  centerEntropy: number;
  meanEntropy: number;
  logK: number;
}

/**
 * Computes the monitors as a [4] tensor (teacherEntropy, klToCenter, centerEntropy, meanEntropy).
 * teacherOut: T views of [B, K], center: [1, K] → [4]
 * @example const m = dinoMonitorTensor([t1, t2], center, 0.04); const v = await m.data(); m.dispose();
 */
export function dinoMonitorTensor(
  teacherOut: readonly tf.Tensor2D[],
  center: tf.Tensor2D,
  teacherTemp: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const t = teacherOut.length === 1 ? teacherOut[0] : tf.concat(teacherOut as tf.Tensor2D[], 0);
    const logp = tf.logSoftmax(tf.div(tf.sub(t, center), teacherTemp)); // [T·B, K]
    const p = tf.exp(logp);
    const entropy = tf.mean(tf.neg(tf.sum(tf.mul(p, logp), 1)));
    const logc = tf.logSoftmax(tf.div(center, teacherTemp)); // [1, K]
    const logr = tf.logSoftmax(tf.div(t, teacherTemp)); // uncentred, [T·B, K]
    const kl = tf.mean(tf.sum(tf.mul(tf.exp(logr), tf.sub(logr, logc)), 1));
    const centerEntropy = tf.neg(tf.sum(tf.mul(tf.exp(logc), logc)));
    const pm = tf.mean(p, 0);
    const meanEntropy = tf.neg(tf.sum(tf.mul(pm, tf.log(tf.maximum(pm, 1e-30)))));
    return tf.stack([entropy, kl, centerEntropy, meanEntropy]) as tf.Tensor1D;
  });
}

/**
 * Host-side monitors (one async read).
 * @example const { teacherEntropy } = await dinoMonitors([t1, t2], center, 0.04);
 */
export async function dinoMonitors(
  teacherOut: readonly tf.Tensor2D[],
  center: tf.Tensor2D,
  teacherTemp: number,
): Promise<DinoMonitors> {
  const m = dinoMonitorTensor(teacherOut, center, teacherTemp);
  const [teacherEntropy, klToCenter, centerEntropy, meanEntropy] = await m.data();
  m.dispose();
  return { teacherEntropy, klToCenter, centerEntropy, meanEntropy, logK: Math.log(center.shape[1]) };
}
