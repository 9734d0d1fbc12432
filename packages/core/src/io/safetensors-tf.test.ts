import { describeEachBackend, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from './safetensors';
import { fromTfTensors, toTfTensors } from './safetensors-tf';

describeEachBackend(
  'safetensors ↔ tfjs',
  () => {
    test('tensors survive a round trip with their dtypes; F16/BF16 on request', async () => {
      const src = {
        w: tf.tensor2d([
          [0.1, -2],
          [3.5, 1e-3],
        ]),
        idx: tf.tensor1d([3, -1, 2], 'int32'),
        keep: tf.tensor1d([true, false], 'bool'),
      };
      const entries = await fromTfTensors(src, { dtypes: { idx: 'I64' } });
      expect(Object.fromEntries(Object.entries(entries).map(([k, e]) => [k, e.dtype]))).toEqual({
        w: 'F32',
        idx: 'I64',
        keep: 'BOOL',
      });
      const back = toTfTensors(decodeSafetensors(encodeSafetensors(entries)).tensors);
      expect(back.w.dtype).toBe('float32');
      expect(back.idx.dtype).toBe('int32');
      expect(back.keep.dtype).toBe('bool');
      expect(back.w.shape).toEqual([2, 2]);
      expect(Array.from(await back.w.data())).toEqual(Array.from(await src.w.data()));
      expect(Array.from(await back.idx.data())).toEqual([3, -1, 2]);
      expect(Array.from(await back.keep.data())).toEqual([1, 0]);
      const half = await fromTfTensors({ w: src.w }, { floatDtype: 'BF16' });
      const wb = toTfTensors(decodeSafetensors(encodeSafetensors(half)).tensors).w;
      expect(Array.from(await wb.data())).toEqual([0.10009765625, -2, 3.5, 0.00099945068359375]);
      tf.dispose([src, back, wb]);
    });

    test('U8 becomes int32; no leaks; bad dtypes are named', async () => {
      const { tensors } = decodeSafetensors(
        encodeSafetensors({ u: { dtype: 'U8', shape: [2], data: [200, 1] } }),
      );
      expectNoLeak(() => toTfTensors(tensors), 'toTfTensors');
      const u = toTfTensors(tensors).u;
      expect(u.dtype).toBe('int32');
      expect(Array.from(await u.data())).toEqual([200, 1]);
      u.dispose();
      const c = tf.tensor1d(['a'], 'string');
      await expect(fromTfTensors({ c })).rejects.toThrow(/tensor 'c'.*string/);
      c.dispose();
    });
  },
  { webgpu: true },
);
