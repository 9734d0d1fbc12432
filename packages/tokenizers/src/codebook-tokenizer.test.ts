import { ShapeError } from '@splitmask/core';
import { describeEachBackend, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { fixture, type TokenizeFixture } from '../test/fixtures';
import { nearestCodeword, nearestCodewordWithScore } from './codebook';
import { createCodebookTokenizer } from './codebook-tokenizer';

const fx = fixture<TokenizeFixture>('tokenize.json');
const cfg = {
  kind: 'random-patches' as const,
  vocabSize: fx.vocabSize,
  patchSize: fx.patchSize,
  channels: 3,
  normalization: { mean: fx.mean, std: fx.std },
  seed: 0,
};

describeEachBackend('codebook tokenizer', () => {
  test('tokens equal numpy argmax of the dot product', () => {
    const tok = createCodebookTokenizer(
      cfg,
      tf.tensor2d(fx.codebook.data, fx.codebook.shape as [number, number]),
    );
    const images = tf.tensor4d(fx.images.data, fx.images.shape as [number, number, number, number]);
    const ids = tok.tokenize(images);
    expect(ids.shape).toEqual(fx.tokens.shape);
    expect(ids.dtype).toBe('int32');
    expect(Array.from(ids.dataSync())).toEqual(fx.tokens.data);
    expectNoLeak(() => tok.tokenize(images), 'tokenize');
    tf.dispose([ids, images]);
    tok.dispose();
  });
  test.each([1, 7, 64, 1 << 20])(
    'chunked assignment (%i score elements per chunk) equals one matmul',
    (max) => {
      const x = tf.randomNormal([23, 12], 0, 1, 'float32', 4) as tf.Tensor2D;
      const cb = tf.randomNormal([12, 9], 0, 1, 'float32', 5) as tf.Tensor2D;
      const ref = tf.argMax(tf.matMul(x, cb), 1);
      expect(Array.from(nearestCodeword(x, cb, max).dataSync())).toEqual(Array.from(ref.dataSync()));
      const { ids, scores } = nearestCodewordWithScore(x, cb, max);
      expect(Array.from(ids.dataSync())).toEqual(Array.from(ref.dataSync()));
      expect(Array.from(scores.dataSync())).toEqual(Array.from(tf.max(tf.matMul(x, cb), 1).dataSync()));
      expectNoLeak(() => nearestCodeword(x, cb, max), 'nearestCodeword');
      expectNoLeak(() => nearestCodewordWithScore(x, cb, max), 'nearestCodewordWithScore');
      tf.dispose([x, cb, ref, ids, scores]);
    },
  );
  test('rejects a codebook of the wrong shape, naming it', () => {
    const cb = tf.zeros([191, fx.vocabSize]) as tf.Tensor2D;
    expect(() => createCodebookTokenizer(cfg, cb)).toThrow(ShapeError);
    expect(() => createCodebookTokenizer(cfg, cb)).toThrow(/\[P, V\] = \[192, 37\].*got \[191, 37\]/);
    cb.dispose();
  });
});
