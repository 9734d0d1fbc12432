import { createRng, InvalidArgumentError } from '@splitmask/core/rng';
import { describe, expect, test } from 'vitest';
import { indicesToMask, maskToIndices, stackIndices, stackMasks } from './indices';
import { randomMask } from './random-mask';

describe('maskToIndices', () => {
  test('small case by hand', () => {
    const { visible, masked, restore } = maskToIndices([1, 0, 0, 1, 0]);
    expect(Array.from(visible)).toEqual([1, 2, 4]);
    expect(Array.from(masked)).toEqual([0, 3]);
    // sequence [...visible, ...masked] = [1, 2, 4, 0, 3]; restore[p] = position of p in it
    expect(Array.from(restore)).toEqual([3, 0, 1, 4, 2]);
  });
  test('restore un-shuffles [...visible, ...masked] (MAE ids_restore) on random masks', () => {
    const rng = createRng(8);
    for (let k = 0; k < 50; k++) {
      const mask = randomMask({ height: 7, width: 7, numMasking: 37 }, rng);
      const { visible, masked, restore } = maskToIndices(mask);
      const seq = [...visible, ...masked];
      expect(Array.from(restore, (r) => seq[r])).toEqual(Array.from({ length: 49 }, (_, i) => i));
      expect(indicesToMask(masked, 49)).toEqual(mask);
    }
  });
  test('rejects non-binary masks, naming value and index', () => {
    expect(() => maskToIndices([0, 1, 3])).toThrow(/got 3 at index 2/);
  });
});

describe('stacking', () => {
  test('stackIndices lays rows out as [B, K] row-major', () => {
    expect(Array.from(stackIndices([Int32Array.of(1, 2), Int32Array.of(3, 4), [5, 6]]))).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    expect(stackIndices([]).length).toBe(0);
  });
  test('stackIndices rejects ragged rows (fixed shapes)', () => {
    expect(() => stackIndices([Int32Array.of(1, 2), Int32Array.of(3)])).toThrow(InvalidArgumentError);
    expect(() => stackIndices([Int32Array.of(1, 2), Int32Array.of(3)])).toThrow(
      /K=2 \(fixed shapes\), row 1 has 1/,
    );
  });
  test('stackMasks gives float weights [B, L]', () => {
    expect(Array.from(stackMasks([Uint8Array.of(1, 0), Uint8Array.of(0, 1)]))).toEqual([1, 0, 0, 1]);
    expect(() => stackMasks([Uint8Array.of(1, 0), Uint8Array.of(0)])).toThrow(/L=2, mask 1 has 1/);
  });
  test('indicesToMask rejects out-of-range and duplicate indices', () => {
    expect(() => indicesToMask([0, 4], 4)).toThrow(/index 4 at position 1 is outside \[0, 4\)/);
    expect(() => indicesToMask([1, 1], 4)).toThrow(/index 1 appears twice/);
  });
});
