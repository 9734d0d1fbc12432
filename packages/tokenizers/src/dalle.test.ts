import { createRng, decodeSafetensors, ShapeError, toTfTensors } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { describeTokenizerContract } from '../test/contract';
import { type DalleFixture, fixture, fixtureBytes } from '../test/fixtures';
import {
  createDalleTokenizer,
  DALLE_ENCODER_CONFIG,
  dalleEncoderLogits,
  dalleParamsFromTensors,
  initDalleEncoderParams,
  mapPixels,
  resolveDalleEncoderConfig,
} from './dalle';
import { decodeTokenizer, encodeTokenizer } from './serialize';

const fx = fixture<DalleFixture>('dalle_small.json');
const tiny = resolveDalleEncoderConfig({ groupCount: 2, nHid: 8, nBlkPerGroup: 1, vocabSize: 16 });

describeTokenizerContract('dalle', {
  make: () => createDalleTokenizer(initDalleEncoderParams(tiny, createRng(1)), tiny),
  roundTrip: async (tok) => decodeTokenizer(await encodeTokenizer(tok)),
  patchLocal: false,
});

describeEachBackend('DALL-E encoder vs PyTorch (converted pickled module)', () => {
  test('logits within 1e-4 and identical tokens', () => {
    const file = decodeSafetensors(fixtureBytes('dalle_small.safetensors'));
    const meta = JSON.parse(file.metadata.config);
    const cfg = resolveDalleEncoderConfig(meta.encoder);
    expect(cfg).toEqual({ groupCount: 4, nHid: 8, nBlkPerGroup: 1, inputChannels: 3, vocabSize: 32 });
    const params = dalleParamsFromTensors(cfg, toTfTensors(file.tensors));
    const images = tf.tensor4d(fx.images.data, fx.images.shape as [number, number, number, number]);
    const logits = dalleEncoderLogits(params, mapPixels(images), cfg);
    expectClose(logits, tf.tensor(fx.logits.data, fx.logits.shape), {
      rtol: 1e-4,
      atol: 1e-4,
      label: 'logits',
    });
    expectNoLeak(() => dalleEncoderLogits(params, images, cfg), 'dalleEncoderLogits');
    const tok = createDalleTokenizer(params, cfg);
    const ids = tok.tokenize(images);
    expect(ids.shape).toEqual(fx.tokens.shape);
    expect(Array.from(ids.dataSync())).toEqual(fx.tokens.data);
    tf.dispose([images, logits, ids]);
    tok.dispose();
  });
  test('decodeTokenizer reads the converter output directly', () => {
    const tok = decodeTokenizer(fixtureBytes('dalle_small.safetensors'));
    expect(tok.kind).toBe('dalle');
    expect(tok.patchSize).toBe(8);
    const images = tf.tensor4d(fx.images.data, fx.images.shape as [number, number, number, number]);
    const ids = tok.tokenize(images);
    expect(Array.from(ids.dataSync())).toEqual(fx.tokens.data);
    tf.dispose([images, ids]);
    tok.dispose();
  });
});

describeEachBackend('DALL-E config and weights', () => {
  test('defaults are the released encoder: 53.8M parameters, 8px cells, V = 8192', () => {
    expect(DALLE_ENCODER_CONFIG).toEqual({
      groupCount: 4,
      nHid: 256,
      nBlkPerGroup: 2,
      inputChannels: 3,
      vocabSize: 8192,
    });
    // Count from the architecture without allocating 215 MB.
    const c = DALLE_ENCODER_CONFIG;
    let n = 7 * 7 * 3 * c.nHid + c.nHid;
    let width = c.nHid;
    for (let g = 1; g <= 4; g++) {
      const out = 2 ** (g - 1) * c.nHid;
      for (let b = 1; b <= 2; b++) {
        const nIn = b === 1 ? width : out;
        const hid = out / 4;
        if (nIn !== out) n += nIn * out + out;
        n += 9 * nIn * hid + hid + 2 * (9 * hid * hid + hid) + hid * out + out;
      }
      width = out;
    }
    n += width * c.vocabSize + c.vocabSize;
    expect(n).toBe(53786240); // torch's count, printed by tools/fixtures_tokenizers.py
  });
  test('init follows dall_e/utils.py: N(0, 1/sqrt(n_in kw^2)) weights, zero biases', () => {
    const cfg = resolveDalleEncoderConfig({ groupCount: 2, nHid: 64, nBlkPerGroup: 1, vocabSize: 16 });
    const p = initDalleEncoderParams(cfg, createRng(0));
    const w = p.group_2.block_1.res_path.conv_1.weight; // [3, 3, 64, 32]
    const std = Math.sqrt(tf.moments(w).variance.dataSync()[0]);
    expect(std).toBeCloseTo(1 / Math.sqrt(64 * 9), 3);
    expect(tf.sum(tf.abs(p.input.bias)).dataSync()[0]).toBe(0);
    expect(p.group_1.block_1.id_path).toBeUndefined();
    expect(p.group_2.block_1.id_path?.weight.shape).toEqual([1, 1, 64, 128]);
  });
  test('rejects weights that do not fit the config, listing every problem', () => {
    const p = initDalleEncoderParams(tiny, createRng(0));
    const tok = createDalleTokenizer(p, tiny);
    const flat = { ...tok.toTensors() };
    delete flat['input.bias'];
    flat['extra.weight'] = flat['input.weight'];
    const wrong = resolveDalleEncoderConfig({ ...tiny, vocabSize: 17 });
    expect(() => dalleParamsFromTensors(wrong, flat)).toThrow(ShapeError);
    expect(() => dalleParamsFromTensors(wrong, flat)).toThrow(
      /missing input.bias \[8\].*output.conv.weight is \[1,1,16,16\], expected \[1,1,16,17\].*unexpected extra.weight/,
    );
    tok.dispose();
  });
  test.each([
    [{ nHid: 10 }, /nHid must be a multiple of 4.*got 10/],
    [{ groupCount: 0 }, /groupCount must be a positive integer, got 0/],
  ])('rejects config %o', (partial, msg) => {
    expect(() => resolveDalleEncoderConfig(partial)).toThrow(msg);
  });
});
