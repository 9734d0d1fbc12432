/**
 * The contract every Tokenizer satisfies (STYLE.md §13: one suite shared by all implementations).
 * Call `describeTokenizerContract` from each tokenizer's test file; it runs on every test backend.
 */
import { InvalidArgumentError, ShapeError } from '@splitmask/core';
import { describeEachBackend, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Tokenizer } from '../src/types';

export interface ContractOptions {
  /** Builds the tokenizer under test (same seed every call). */
  make: () => Tokenizer | Promise<Tokenizer>;
  /** Round trip through the serialised form (safetensors bytes); undefined skips that test. */
  roundTrip?: (tok: Tokenizer) => Promise<Tokenizer>;
  /** True when token (r, c) depends only on the pixels of cell (r, c) (the codebook tokenizers). */
  patchLocal: boolean;
}

/** Deterministic pseudo-random images in [0, 1]. [B, H, W, C] */
export function testImages(shape: [number, number, number, number], seed = 0): tf.Tensor4D {
  return tf.tidy(() => tf.randomUniform(shape, 0, 1, 'float32', seed)) as tf.Tensor4D;
}

export function describeTokenizerContract(name: string, opts: ContractOptions): void {
  describeEachBackend(`${name} contract`, () => {
    let tok: Tokenizer;
    beforeAll(async () => {
      tok = await opts.make();
    });
    afterAll(() => tok.dispose());

    test.each([
      [1, 1, 1],
      [2, 2, 3],
    ])('ids [B, H/p, W/p] int32 in [0, V) for a %i x (%i, %i) cell batch', (b, gh, gw) => {
      const p = tok.patchSize;
      const images = testImages([b, gh * p, gw * p, tok.channels], 7);
      const ids = tok.tokenize(images);
      expect(ids.shape).toEqual([b, gh, gw]);
      expect(ids.dtype).toBe('int32');
      for (const v of ids.dataSync()) expect(v >= 0 && v < tok.vocabSize && Number.isInteger(v)).toBe(true);
      expectNoLeak(() => tok.tokenize(images), 'tokenize');
      tf.dispose([images, ids]);
    });

    test('a half-size view gives one token per encoder patch (112px/8px ↔ 224px/16px)', () => {
      // The paper tokenizes the 112px view with 8px patches for a 16px-patch encoder at 224px.
      // Scaled down: an encoder view of 4p·2 px with 2p patches has a 4×4 grid; so must the tokens.
      const p = tok.patchSize;
      const encoderGrid = (4 * 2 * p) / (2 * p);
      const view = testImages([1, 4 * p, 4 * p, tok.channels], 3);
      const ids = tok.tokenize(view);
      expect(ids.shape).toEqual([1, encoderGrid, encoderGrid]);
      tf.dispose([view, ids]);
    });

    if (opts.patchLocal) {
      test('token (r, c) depends only on the pixels of cell (r, c)', () => {
        const p = tok.patchSize;
        const a = testImages([1, 3 * p, 3 * p, tok.channels], 11);
        const data = a.dataSync().slice();
        for (let y = p; y < 2 * p; y++)
          for (let x = 0; x < p; x++)
            for (let c = 0; c < tok.channels; c++)
              data[(y * 3 * p + x) * tok.channels + c] = 1 - data[(y * 3 * p + x) * tok.channels + c];
        const b = tf.tensor4d(data, a.shape);
        const ta = Array.from(tok.tokenize(a).dataSync());
        const tb = Array.from(tok.tokenize(b).dataSync());
        ta.forEach((v, i) => {
          if (i !== 3) expect(tb[i], `cell ${i}`).toBe(v);
        });
        tf.dispose([a, b]);
      });
    }

    test('same seed gives the same tokenizer and tokens', async () => {
      const other = await opts.make();
      const images = testImages([2, 2 * tok.patchSize, 2 * tok.patchSize, tok.channels], 5);
      expect(Array.from(other.tokenize(images).dataSync())).toEqual(
        Array.from(tok.tokenize(images).dataSync()),
      );
      expect(other.config).toEqual(tok.config);
      other.dispose();
      images.dispose();
    });

    test('config is plain JSON and toTensors matches it', () => {
      expect(JSON.parse(JSON.stringify(tok.config))).toEqual(tok.config);
      expect(tok.config.kind).toBe(tok.kind);
      expect(tok.config.vocabSize).toBe(tok.vocabSize);
      expect(tok.config.patchSize).toBe(tok.patchSize);
      expect(Object.keys(tok.toTensors()).length).toBeGreaterThan(0);
    });

    test.each([
      {
        name: 'wrong channels',
        shape: (p: number, c: number): number[] => [1, p, p, c + 1],
        err: ShapeError,
        msg: /channels=/,
      },
      {
        name: 'size not divisible',
        shape: (p: number, c: number): number[] => [1, p + 1, p, c],
        err: ShapeError,
        msg: /multiples of patchSize/,
      },
      {
        name: 'rank 3',
        shape: (p: number, c: number): number[] => [p, p, c],
        err: ShapeError,
        msg: /rank 3/,
      },
    ])('rejects $name, naming the shape', ({ shape, err, msg }) => {
      const s = shape(tok.patchSize, tok.channels);
      const x = tf.zeros(s as unknown as [number, number, number, number]) as tf.Tensor4D;
      expect(() => tok.tokenize(x)).toThrow(err);
      expect(() => tok.tokenize(x)).toThrow(msg);
      expect(() => tok.tokenize(x)).toThrow(`[${s.join(', ')}]`);
      x.dispose();
    });

    test('rejects int32 pixels, naming the dtype', () => {
      const x = tf.zeros([1, tok.patchSize, tok.patchSize, tok.channels], 'int32') as tf.Tensor4D;
      expect(() => tok.tokenize(x)).toThrow(/Expected float32 images in \[0, 1\], got dtype int32/);
      x.dispose();
    });

    test('rejects NaN pixels, naming the value and position', () => {
      const p = tok.patchSize;
      const data = new Float32Array(p * p * tok.channels).fill(0.25);
      data[tok.channels * (p + 1)] = Number.NaN;
      const x = tf.tensor4d(data, [1, p, p, tok.channels]);
      const before = tf.memory().numTensors;
      expect(() => tok.tokenize(x)).toThrow(InvalidArgumentError);
      expect(() => tok.tokenize(x)).toThrow(/got NaN at \[b, y, x, c\] = \[0, 1, 1, 0\]/);
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
    });

    if (opts.roundTrip) {
      const roundTrip = opts.roundTrip;
      test('save/load round trip gives identical tokens', async () => {
        const images = testImages([2, 2 * tok.patchSize, 3 * tok.patchSize, tok.channels], 9);
        const loaded = await roundTrip(tok);
        expect(loaded.config).toEqual(tok.config);
        expect(Array.from(loaded.tokenize(images).dataSync())).toEqual(
          Array.from(tok.tokenize(images).dataSync()),
        );
        loaded.dispose();
        images.dispose();
      });
    }

    test('dispose frees the tokenizer tensors and is idempotent', async () => {
      const before = tf.memory().numTensors;
      const t = await opts.make();
      t.dispose();
      t.dispose();
      expect(tf.memory().numTensors).toBe(before);
      const x = tf.zeros([1, t.patchSize, t.patchSize, t.channels]) as tf.Tensor4D;
      expect(() => t.tokenize(x)).toThrow(/disposed/);
      x.dispose();
    });
  });
}
