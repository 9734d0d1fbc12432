import { describeEachBackend, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { dinoMonitors, dinoMonitorTensor } from './monitors';

/** float64 host reference of the four monitors. */
function reference(rows: number[][], center: number[], temp: number) {
  const softmax = (z: number[]) => {
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  const H = (p: number[]) => -p.reduce((a, v) => a + (v > 0 ? v * Math.log(v) : 0), 0);
  const ps = rows.map((r) => softmax(r.map((v, k) => (v - center[k]) / temp)));
  const pc = softmax(center.map((v) => v / temp));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const raw = rows.map((r) => softmax(r.map((v) => v / temp)));
  const kl = mean(raw.map((p) => p.reduce((a, v, k) => a + (v > 0 ? v * Math.log(v / pc[k]) : 0), 0)));
  const pm = pc.map((_, k) => mean(ps.map((p) => p[k])));
  return [mean(ps.map(H)), kl, H(pc), H(pm)];
}

describeEachBackend('dinoMonitors', () => {
  test('entropy, KL to the center, center entropy and mean entropy match a float64 reference', async () => {
    const a = [
      [0.1, -0.3, 0.02, 0.05],
      [0.0, 0.2, -0.1, 0.01],
    ];
    const b = [
      [0.3, 0.1, 0.0, -0.2],
      [-0.05, 0.04, 0.03, 0.02],
    ];
    const center = [0.02, -0.01, 0.0, 0.03];
    const m = await dinoMonitors([tf.tensor2d(a), tf.tensor2d(b)], tf.tensor2d([center]), 0.07);
    const ref = reference([...a, ...b], center, 0.07);
    expect(m.teacherEntropy).toBeCloseTo(ref[0], 4);
    expect(m.klToCenter).toBeCloseTo(ref[1], 4);
    expect(m.centerEntropy).toBeCloseTo(ref[2], 4);
    expect(m.meanEntropy).toBeCloseTo(ref[3], 4);
    expect(m.logK).toBeCloseTo(Math.log(4), 10);
  });

  test('collapse signatures: identical outputs → KL 0; uniform → entropy log K', async () => {
    const t = tf.tensor2d([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    const same = await dinoMonitors([t], tf.tensor2d([[1, 2, 3]]), 0.1);
    expect(same.klToCenter).toBeCloseTo(0, 5);
    expect(same.teacherEntropy).toBeCloseTo(Math.log(3), 4);
    const peaked = await dinoMonitors([tf.tensor2d([[10, 0, 0]])], tf.zeros([1, 3]) as tf.Tensor2D, 0.04);
    expect(peaked.teacherEntropy).toBeLessThan(1e-3);
  });

  test('no leak', () => {
    const t = tf.randomNormal([4, 8], 0, 1, 'float32', 3) as tf.Tensor2D;
    const c = tf.zeros([1, 8]) as tf.Tensor2D;
    expectNoLeak(() => dinoMonitorTensor([t, t], c, 0.04), 'dinoMonitorTensor');
    tf.dispose([t, c]);
  });
});
