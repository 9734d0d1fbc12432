// webgpu-in-Node coverage (opt-in suites; Node's webgpu has no sync readback, so every read is async).
// The DALL-E parity test stays on cpu + wasm: lavapipe compiles a shader per conv shape (~50 s here).
import { describeEachBackend, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { fixture, type TokenizeFixture } from '../test/fixtures';
import { createCodebookTokenizer } from './codebook-tokenizer';
import { createRandomProjectionTokenizer } from './random-projection';

const tokFx = fixture<TokenizeFixture>('tokenize.json');
const shape4 = (s: number[]) => s as [number, number, number, number];

describeEachBackend(
  'async reads (every backend incl. webgpu)',
  () => {
    test('codebook tokens equal numpy argmax', async () => {
      const tok = createCodebookTokenizer(
        {
          kind: 'random-patches',
          vocabSize: tokFx.vocabSize,
          patchSize: tokFx.patchSize,
          channels: 3,
          normalization: { mean: tokFx.mean, std: tokFx.std },
          seed: 0,
        },
        tf.tensor2d(tokFx.codebook.data, tokFx.codebook.shape as [number, number]),
      );
      const images = tf.tensor4d(tokFx.images.data, shape4(tokFx.images.shape));
      const ids = tok.tokenize(images);
      expect(ids.dtype).toBe('int32');
      expect(Array.from(await ids.data())).toEqual(tokFx.tokens.data);
      expectNoLeak(() => tok.tokenize(images), 'tokenize');
      tf.dispose([images, ids]);
      tok.dispose();
    });
    test('same seed, same tokens (V = 2048, chunked rows)', async () => {
      const tok = createRandomProjectionTokenizer({ vocabSize: 2048, patchSize: 4, seed: 0 });
      const images = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const a = tok.tokenize(images);
      const b = tok.tokenize(images);
      expect(a.shape).toEqual([2, 8, 8]);
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      tf.dispose([images, a, b]);
      tok.dispose();
    });
  },
  { webgpu: true },
);
