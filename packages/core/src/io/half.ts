/**
 * float32 ↔ IEEE half (F16) and bfloat16 (BF16) bit conversions, host side.
 *
 * Both narrowings round to nearest, ties to even, as numpy's `astype(float16)` and torch's
 * `.to(torch.bfloat16)` do; NaN stays NaN (quiet), overflow goes to ±Inf, F16 subnormals are exact.
 * Widening is exact. Checked bit for bit against numpy/torch in `half.test.ts`.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** One float32 value → F16 bits (round to nearest even). */
export function float32ToF16Bits(value: number): number {
  f32[0] = value;
  return f32BitsToF16(u32[0]);
}

/** float32 bit pattern → F16 bits (round to nearest even). */
function f32BitsToF16(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0); // Inf / NaN (quiet)
  const e = exp - 127 + 15; // re-biased exponent
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit-1 mantissa right, round to nearest even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && h & 1)) h += 1;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h += 1; // may carry into the exponent: correct
  return sign | h;
}

/** F16 bits → float32 value (exact). */
export function f16BitsToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** One float32 value → BF16 bits (round to nearest even; NaN kept quiet). */
export function float32ToBf16Bits(value: number): number {
  f32[0] = value;
  return f32BitsToBf16(u32[0]);
}

/** float32 bit pattern → BF16 bits. */
function f32BitsToBf16(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** BF16 bits → float32 value (exact). */
export function bf16BitsToFloat32(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** Float32Array → Uint16Array of F16 bits. */
export function encodeF16(values: ArrayLike<number>): Uint16Array {
  const bits = new Uint32Array(Float32Array.from(values).buffer);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16(bits[i]);
  return out;
}

let f16Table: Float32Array | undefined;

/** Uint16Array of F16 bits → Float32Array (through a 256 KiB table of all 65536 values, built once). */
export function decodeF16(bits: Uint16Array): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToFloat32(h);
  }
  const table = f16Table;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

/** Float32Array → Uint16Array of BF16 bits. */
export function encodeBf16(values: ArrayLike<number>): Uint16Array {
  const bits = new Uint32Array(Float32Array.from(values).buffer);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToBf16(bits[i]);
  return out;
}

/** Uint16Array of BF16 bits → Float32Array. */
export function decodeBf16(bits: Uint16Array): Float32Array {
  const wide = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) wide[i] = bits[i] << 16;
  return new Float32Array(wide.buffer);
}
