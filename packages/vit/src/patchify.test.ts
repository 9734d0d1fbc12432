import { ShapeError } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { patchify, unpatchify } from './patchify';

describeEachBackend('patchify', () => {
  test.each([
    [1, 8, 8, 1, 4],
    [2, 8, 12, 3, 4],
    [3, 16, 16, 3, 8],
  ])('B=%i H=%i W=%i C=%i p=%i: exact inverse', (b, h, w, c, p) => {
    const x = tf.randomUniform([b, h, w, c], 0, 1, 'float32', 3) as tf.Tensor4D;
    const patches = patchify(x, p);
    expect(patches.shape).toEqual([b, (h / p) * (w / p), p * p * c]);
    expectClose(unpatchify(patches, p, c, [h / p, w / p]), x, { rtol: 0, atol: 0 });
    expectNoLeak(() => patchify(x, p), 'patchify');
    expectNoLeak(() => unpatchify(patches, p, c, [h / p, w / p]), 'unpatchify');
    tf.dispose([x, patches]);
  });

  test('pixel order within a patch is (py, px, c), patches row-major (MAE order)', () => {
    // value = 1000*y + 10*x + c at pixel (y, x, c)
    const h = 4;
    const data = new Float32Array(h * h * 2);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < h; x++)
        for (let c = 0; c < 2; c++) data[(y * h + x) * 2 + c] = 1000 * y + 10 * x + c;
    const p = patchify(tf.tensor4d(data, [1, h, h, 2]), 2).arraySync()[0];
    expect(p[1].slice(0, 4)).toEqual([20, 21, 30, 31]); // patch (0,1): (py0,px0,c0), (py0,px0,c1), (py0,px1,c0)...
    expect(p[2][4]).toBe(3000); // patch (1,0), pixel (py1, px0, c0) = (y3, x0)
  });

  test('shape errors name the shape and patch size', () => {
    expect(() => patchify(tf.zeros([1, 10, 8, 3]) as tf.Tensor4D, 4)).toThrow(ShapeError);
    expect(() => patchify(tf.zeros([1, 10, 8, 3]) as tf.Tensor4D, 4)).toThrow(
      /divisible by patchSize=4, got \[1,10,8,3\]/,
    );
    expect(() => unpatchify(tf.zeros([1, 4, 47]) as tf.Tensor3D, 4, 3)).toThrow(/got \[1,4,47\]/);
  });
});
