import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadJsonFixture } from '@splitmask/test-utils';
import { describe, expect, test } from 'vitest';
import {
  bf16BitsToFloat32,
  decodeBf16,
  decodeF16,
  encodeBf16,
  encodeF16,
  f16BitsToFloat32,
  float32ToBf16Bits,
  float32ToF16Bits,
} from './half';

const pkg = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const fx = loadJsonFixture<{ bits: number[]; f16: number[]; bf16: number[] }>(pkg, 'state_half.json');
const values = new Float32Array(new Uint32Array(fx.bits).buffer);

describe('half floats', () => {
  test('float32 → F16 matches numpy astype(float16) bit for bit (RNE, subnormals, overflow, NaN)', () => {
    const got = Array.from(encodeF16(values));
    const bad = got.flatMap((b, i) =>
      b === fx.f16[i] || (Number.isNaN(values[i]) && (b & 0x7c00) === 0x7c00 && b & 0x3ff) ? [] : [i],
    );
    expect(bad.map((i) => `${values[i]}: ${got[i]} vs ${fx.f16[i]}`)).toEqual([]);
  });

  test('float32 → BF16 matches torch bit for bit (ties to even, NaN quiet)', () => {
    const got = Array.from(encodeBf16(values));
    const bad = got.flatMap((b, i) =>
      b === fx.bf16[i] || (Number.isNaN(values[i]) && Number.isNaN(bf16BitsToFloat32(b))) ? [] : [i],
    );
    expect(bad.map((i) => `${values[i]}: ${got[i]} vs ${fx.bf16[i]}`)).toEqual([]);
  });

  test('widening is exact and inverts narrowing on every F16/BF16 bit pattern', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const f16 = decodeF16(all);
    const bf16 = decodeBf16(all);
    const bad: string[] = [];
    for (let i = 0; i < 65536; i++) {
      if (!Number.isNaN(f16[i]) && float32ToF16Bits(f16[i]) !== i) bad.push(`f16 ${i}`);
      if (!Number.isNaN(bf16[i]) && float32ToBf16Bits(bf16[i]) !== i) bad.push(`bf16 ${i}`);
      if (!Object.is(f16BitsToFloat32(i), f16[i]) && !Number.isNaN(f16[i])) bad.push(`scalar f16 ${i}`);
    }
    expect(bad).toEqual([]);
  });

  test.each([
    [65504, 65504],
    [65520, Number.POSITIVE_INFINITY],
    [2 ** -24, 2 ** -24],
    [2 ** -25, 0],
    [-0, -0],
  ])('F16 round trip of %d gives %d', (x, want) => {
    expect(Object.is(f16BitsToFloat32(float32ToF16Bits(x)), want)).toBe(true);
  });
});
