import { describe, expect, test } from 'vitest';
import { DatasetError } from '../errors';
import { makeCifar } from '../internal/test-data';
import { cifarFromBytes } from './cifar';

describe('cifarFromBytes', () => {
  test('CIFAR-10: labels and planar → interleaved pixels across files', async () => {
    const ds = cifarFromBytes([
      { name: 'b1.bin', bytes: makeCifar([[3], [9]]) },
      { name: 'b2.bin', bytes: makeCifar([[0]]) },
    ]);
    expect([ds.length, ds.numClasses, ds.classNames?.[3]]).toEqual([3, 10, 'cat']);
    const s1 = await ds.get(1);
    expect(s1.label).toBe(9);
    expect([s1.image.width, s1.image.height, s1.image.channels]).toEqual([32, 32, 3]);
    // pixel (row 2, col 5) = position 69, channel g (k = 1) of record 1
    expect(s1.image.data[69 * 3 + 1]).toBe((7 + 50 + 69) % 256);
    expect((await ds.get(2)).label).toBe(0);
    expect((await ds.get(2)).image.data[0]).toBe(0);
  });

  test.each([
    ['fine', 100, 42],
    ['coarse', 20, 7],
  ] as const)('CIFAR-100 %s labels', async (labels, numClasses, want) => {
    const ds = cifarFromBytes([{ name: 'train.bin', bytes: makeCifar([[7, 42]]) }], { variant: 100, labels });
    expect(ds.numClasses).toBe(numClasses);
    expect((await ds.get(0)).label).toBe(want);
  });

  test('wrong file size names the file', () => {
    const bytes = makeCifar([[1]]).subarray(0, 3000);
    expect(() => cifarFromBytes([{ name: 'data_batch_9.bin', bytes }])).toThrow(
      /data_batch_9\.bin has 3000 bytes/,
    );
  });

  test('out-of-range label is a corrupt record naming the file', async () => {
    const ds = cifarFromBytes([{ name: 'bad.bin', bytes: makeCifar([[1], [12]]) }]);
    const err = await ds.get(1).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/bad\.bin record 1 has label 12/);
  });

  test('index out of range', async () => {
    const ds = cifarFromBytes([{ name: 'b.bin', bytes: makeCifar([[1]]) }]);
    await expect(ds.get(1)).rejects.toThrow(/index 1 outside \[0, 1\)/);
  });
});
