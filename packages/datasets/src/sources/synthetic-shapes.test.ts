import { describe, expect, test } from 'vitest';
import { DatasetError } from '../errors';
import { syntheticShapes } from './synthetic-shapes';

/** Mean |horizontal| and |vertical| gradients of channel 0. */
function gradients(data: Uint8Array, size: number, c: number): [number, number] {
  let gx = 0;
  let gy = 0;
  for (let y = 0; y < size - 1; y++)
    for (let x = 0; x < size - 1; x++) {
      const v = data[(y * size + x) * c];
      gx += Math.abs(data[(y * size + x + 1) * c] - v);
      gy += Math.abs(data[((y + 1) * size + x) * c] - v);
    }
  return [gx, gy];
}

describe('syntheticShapes', () => {
  test('is deterministic per (seed, index) and seed-sensitive', async () => {
    const a = syntheticShapes({ n: 20, size: 16, seed: 3 });
    const b = syntheticShapes({ n: 20, size: 16, seed: 3 });
    const c = syntheticShapes({ n: 20, size: 16, seed: 4 });
    expect((await a.get(7)).image.data).toEqual((await b.get(7)).image.data);
    expect((await a.get(7)).image.data).not.toEqual((await c.get(7)).image.data);
    expect((await a.get(7)).image.data).not.toEqual((await a.get(17)).image.data);
  });

  test.each([
    [1, 28],
    [3, 32],
    [3, 5],
  ] as const)('channels %i, size %i; labels i mod numClasses', async (channels, size) => {
    const ds = syntheticShapes({ n: 12, size, channels, numClasses: 4 });
    expect([ds.length, ds.numClasses, ds.classNames]).toEqual([
      12,
      4,
      ['disc', 'square', 'triangle', 'ring'],
    ]);
    const s = await ds.get(9);
    expect(s.label).toBe(1);
    expect([s.image.width, s.image.height, s.image.channels, s.image.data.length]).toEqual([
      size,
      size,
      channels,
      size * size * channels,
    ]);
  });

  test('classes are distinguishable: stripes orientation shows in the gradients', async () => {
    const ds = syntheticShapes({ n: 200, size: 32, noise: 0 });
    for (let i = 0; i < 200; i += 10) {
      const h = await ds.get(i + 5); // h-stripes: intensity changes along y
      const v = await ds.get(i + 6); // v-stripes: along x
      const [hx, hy] = gradients(h.image.data, 32, 3);
      const [vx, vy] = gradients(v.image.data, 32, 3);
      expect(hy).toBeGreaterThan(hx);
      expect(vx).toBeGreaterThan(vy);
    }
  });

  test.each([
    [{ n: 0, size: 8 }, /n must be a positive integer, got 0/],
    [{ n: 4, size: 2 }, /size must be an integer >= 4, got 2/],
    [{ n: 4, size: 8, numClasses: 11 }, /numClasses must be an integer in \[2, 10\], got 11/],
  ])('bad options %j', (o, msg) => {
    expect(() => syntheticShapes(o)).toThrow(msg);
  });

  test('index out of range names the index', async () => {
    const err = await syntheticShapes({ n: 3, size: 8 })
      .get(3)
      .catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect([err.reason, err.index]).toEqual(['INDEX_OUT_OF_RANGE', 3]);
  });
});
