import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, InvalidArgumentError } from '@splitmask/core';
import { describeEachBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { testImages } from '../test/contract';
import { createRandomProjectionTokenizer } from './random-projection';
import { decodeTokenizer, encodeTokenizer, TOKENIZER_FORMAT } from './serialize';
import { loadTokenizer, saveTokenizer } from './serialize-node';

describeEachBackend('saveTokenizer / loadTokenizer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tokenizers-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('file round trip: same config, same codebook, same tokens', async () => {
    const tok = createRandomProjectionTokenizer({
      vocabSize: 33,
      patchSize: 4,
      seed: 9,
      normalization: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    });
    const path = join(dir, 'rp.safetensors');
    await saveTokenizer(tok, path);
    const back = await loadTokenizer(path);
    expect(back.config).toEqual(tok.config);
    expect(Array.from(back.toTensors().codebook.dataSync())).toEqual(
      Array.from(tok.toTensors().codebook.dataSync()),
    );
    const images = testImages([2, 8, 12, 3], 1);
    expect(Array.from(back.tokenize(images).dataSync())).toEqual(Array.from(tok.tokenize(images).dataSync()));
    tf.dispose(images);
    tok.dispose();
    back.dispose();
  });

  test('the file is plain safetensors: codebook [P, V] F32 plus the JSON config', async () => {
    const tok = createRandomProjectionTokenizer({ vocabSize: 5, patchSize: 2, seed: 0 });
    const file = decodeSafetensors(await encodeTokenizer(tok));
    expect(file.metadata.format).toBe(TOKENIZER_FORMAT);
    expect(JSON.parse(file.metadata.config)).toEqual(tok.config);
    expect(file.tensors.codebook.shape).toEqual([12, 5]);
    expect(file.tensors.codebook.dtype).toBe('F32');
    tok.dispose();
  });

  test('rejects files that are not tokenizers, or of an unknown kind, without leaking', () => {
    const before = tf.memory().numTensors;
    const plain = encodeSafetensors({ w: { shape: [1], data: [1] } });
    expect(() => decodeTokenizer(plain)).toThrow(InvalidArgumentError);
    expect(() => decodeTokenizer(plain)).toThrow(/not a tokenizer file.*got format undefined/);
    const alien = encodeSafetensors(
      { codebook: { shape: [1], data: [1] } },
      { format: TOKENIZER_FORMAT, config: JSON.stringify({ kind: 'vq-gan' }) },
    );
    expect(() => decodeTokenizer(alien)).toThrow(/unknown tokenizer kind "vq-gan"/);
    const broken = encodeSafetensors(
      { codebook: { shape: [1], data: [1] } },
      { format: TOKENIZER_FORMAT, config: '{kind' },
    );
    expect(() => decodeTokenizer(broken)).toThrow(/tokenizer bytes: __metadata__.config is not valid JSON/);
    const badShape = encodeSafetensors(
      { codebook: { shape: [3, 2], data: [1, 2, 3, 4, 5, 6] } },
      {
        format: TOKENIZER_FORMAT,
        config: JSON.stringify({ kind: 'kmeans', vocabSize: 2, patchSize: 1, channels: 1, seed: 0 }),
      },
    );
    expect(() => decodeTokenizer(badShape)).toThrow(/\[P, V\] = \[1, 2\].*got \[3, 2\]/);
    const nan = encodeSafetensors(
      { codebook: { shape: [1, 2], data: [0.5, Number.NaN] } },
      {
        format: TOKENIZER_FORMAT,
        config: JSON.stringify({ kind: 'kmeans', vocabSize: 2, patchSize: 1, channels: 1, seed: 0 }),
      },
    );
    expect(() => decodeTokenizer(nan)).toThrow(
      /tensor 'codebook' element 1 is NaN; a tokenizer must hold finite values/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
