import { createRng } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak, expectNoLeakAsync } from '@splitmask/test-utils';
import { initVitParams, resolveVitConfig, vitEncode, vitEncodeWithIntermediates } from '@splitmask/vit';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { arraySource, datasetSource, encodeFeatures, extractFeatures, loadLabeledImages } from './features';

const cfg = resolveVitConfig('mu', { depth: 2 }); // 16px, 1 channel, D=32
const meanCfg = resolveVitConfig(cfg, { pool: 'mean' }); // fcNorm follows pool

function pixels(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return new Float32Array(n * 16 * 16).map(() => rng.random());
}

describeEachBackend('features', () => {
  test('extractFeatures is batch-size invariant and equals one encodeFeatures call', async () => {
    const params = initVitParams(cfg, createRng(0));
    const px = pixels(7, 1);
    const a = await extractFeatures(params, cfg, arraySource(px, 7, 16, 1), { batchSize: 3, pool: 'mean' });
    const b = await extractFeatures(params, cfg, arraySource(px, 7, 16, 1), { batchSize: 100, pool: 'mean' });
    const x = tf.tensor4d(px, [7, 16, 16, 1]);
    const c = encodeFeatures(params, x, cfg, { pool: 'mean' });
    expect(a.shape).toEqual([7, 32]);
    expectClose(a, await b.data(), { atol: 1e-5 });
    expectClose(a, await c.data(), { atol: 1e-5 });
    tf.dispose([a, b, c, x]);
  });

  test.each([
    [
      'cls, final output',
      { pool: 'cls' as const },
      (t: tf.Tensor3D) => tf.reshape(tf.slice(t, [0, 0, 0], [-1, 1, -1]), [-1, 32]),
    ],
    [
      'mean of patch tokens',
      { pool: 'mean' as const },
      (t: tf.Tensor3D) => tf.mean(tf.slice(t, [0, 1, 0], [-1, -1, -1]), 1),
    ],
  ])('pooling: %s', (_, opts, ref) => {
    const params = initVitParams(cfg, createRng(2));
    const x = tf.tensor4d(pixels(2, 3), [2, 16, 16, 1]);
    const f = encodeFeatures(params, x, cfg, opts);
    const want = tf.tidy(() => ref(vitEncode(params, x, cfg)));
    expectClose(f, want, { atol: 1e-5 });
    tf.dispose([x, f, want]);
  });

  test('layer 0 pools the first block output (before the final norm); -1 === depth-1', () => {
    const params = initVitParams(cfg, createRng(4));
    const x = tf.tensor4d(pixels(2, 5), [2, 16, 16, 1]);
    const f0 = encodeFeatures(params, x, cfg, { pool: 'cls', layer: 0 });
    const want = tf.tidy(() => {
      const { layers } = vitEncodeWithIntermediates(params, x, cfg, { layers: [0] });
      return tf.reshape(tf.slice(layers[0] as tf.Tensor3D, [0, 0, 0], [-1, 1, -1]), [-1, 32]);
    });
    expectClose(f0, want, { atol: 1e-5 });
    const a = encodeFeatures(params, x, cfg, { layer: -1 });
    const b = encodeFeatures(params, x, cfg, { layer: 1 });
    expectClose(a, b, { atol: 0 });
    tf.dispose([x, f0, want, a, b]);
  });

  test('fc_norm is applied after mean pooling when the params have it', () => {
    const params = initVitParams(meanCfg, createRng(6));
    expect(params.fc_norm).toBeDefined();
    const x = tf.tensor4d(pixels(2, 7), [2, 16, 16, 1]);
    const f = encodeFeatures(params, x, meanCfg);
    const m = tf.moments(f, 1); // LayerNorm with unit gain, zero bias → per-row mean 0, var ~1
    expectClose(m.mean, [0, 0], { atol: 1e-5 });
    expectClose(m.variance, [1, 1], { atol: 1e-3 });
    tf.dispose([x, f, m.mean, m.variance]);
  });

  test('normalization equals normalising the input by hand', () => {
    const params = initVitParams(cfg, createRng(8));
    const x = tf.tensor4d(pixels(2, 9), [2, 16, 16, 1]);
    const a = encodeFeatures(params, x, cfg, { normalization: { mean: [0.3], std: [0.2] } });
    const xn = tf.div(tf.sub(x, 0.3), 0.2) as tf.Tensor4D;
    const b = encodeFeatures(params, xn, cfg);
    expectClose(a, b, { atol: 1e-4 });
    tf.dispose([x, xn, a, b]);
  });

  test('datasetSource scales uint8 to [0, 1] and follows indices', async () => {
    const img = (v: number) => ({
      image: { data: new Uint8Array(256).fill(v), width: 16, height: 16, channels: 1 },
    });
    const ds = { length: 3, get: async (i: number) => img([0, 51, 255][i] as number) };
    const out = await datasetSource(ds, 16, 1, [2, 1]).read(0, 2);
    expect(out[0]).toBe(1);
    expect(out[256]).toBeCloseTo(0.2, 6);
    await expect(datasetSource(ds, 28, 1, undefined, { fit: 'exact' }).read(0, 1)).rejects.toThrow(
      /image 0 is 16x16x1, expected 28x28x1/,
    );
    const big = await datasetSource(ds, 8, 3).read(2, 1); // resized to 8x8, grey replicated to 3 channels
    expect(big.length).toBe(8 * 8 * 3);
    expect(big.every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
    const labelled = { length: 2, get: async (i: number) => ({ ...img(51), label: 1 - i }) };
    const all = await loadLabeledImages(labelled, 16, 1);
    expect(Array.from(all.labels)).toEqual([1, 0]);
    expect(all.count).toBe(2);
    await expect(loadLabeledImages(ds, 16, 1)).rejects.toThrow(/sample 0 has no label/);
  });

  test('no leaks; bad layer and bad reads are named', async () => {
    const params = initVitParams(cfg, createRng(10));
    const x = tf.tensor4d(pixels(2, 11), [2, 16, 16, 1]);
    expectNoLeak(() =>
      encodeFeatures(params, x, cfg, { layer: 0, normalization: { mean: [0.5], std: [0.5] } }),
    );
    await expectNoLeakAsync(() =>
      extractFeatures(params, cfg, arraySource(pixels(3, 1), 3, 16, 1), { batchSize: 2 }),
    );
    expect(() => encodeFeatures(params, x, cfg, { layer: 2 })).toThrow(
      /layer must be an integer in \[-2, 1\], got 2/,
    );
    const short = { length: 2, read: () => new Float32Array(5) };
    await expect(extractFeatures(params, cfg, short)).rejects.toThrow(
      /returned 5 values, expected 2x16x16x1/,
    );
    tf.dispose(x);
  });
});
