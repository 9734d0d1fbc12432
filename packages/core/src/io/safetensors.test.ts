import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFixture, loadJsonFixture } from '@splitmask/test-utils';
import { describe, expect, test } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
  parseSafetensorsHeader,
  SAFETENSORS_MAX_HEADER_BYTES,
  SAFETENSORS_MAX_HEADER_DEPTH,
  SAFETENSORS_MAX_TENSORS,
  type SafetensorsDtype,
  type SafetensorsEntry,
} from './safetensors';
import { SafetensorsError } from './safetensors-error';

const pkg = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** The same tensors as TS_SPEC in tools/fixtures_core_state.py. */
const TS_SPEC: Record<string, SafetensorsEntry> = {
  'a.f32': { dtype: 'F32', shape: [2, 3], data: [0, 1, 2, 3, 4, 5].map((i) => i * 0.5 - 1) },
  'b.f16': { dtype: 'F16', shape: [4], data: [0.1, -2.5, 65504, 1e-7] },
  'c.bf16': { dtype: 'BF16', shape: [3], data: [1.1, -3.3, 1e30] },
  'd.i32': { dtype: 'I32', shape: [2, 2], data: [-3, 0, 7, 2147483647] },
  'e.i64': { dtype: 'I64', shape: [3], data: [-2147483648, 0, 123456] },
  'f.u8': { dtype: 'U8', shape: [5], data: [0, 1, 127, 128, 255] },
  'g.bool': { dtype: 'BOOL', shape: [2, 2], data: [1, 0, 0, 1] },
  'h.scalar': { dtype: 'F32', shape: [], data: [3.25] },
  'i.empty': { dtype: 'F32', shape: [0, 3], data: [] },
  'blocks.10.ü': { dtype: 'F32', shape: [1], data: [7] },
};
const TS_METADATA = { format: 'pt', written_by: 'splitmask', step: '12' };

/** A file with a hand-written header (`json`) and `data` bytes. */
function rawFile(json: string, data: Uint8Array = new Uint8Array(0), headerLength?: bigint): Uint8Array {
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function expectError(fn: () => unknown, code: string, ...parts: (string | RegExp)[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a SafetensorsError').toBeInstanceOf(SafetensorsError);
  const e = err as SafetensorsError;
  expect(e.code).toBe(code);
  for (const p of parts) expect(e.message).toMatch(p);
}

describe('safetensors bytes', () => {
  test('our encoding of TS_SPEC is the committed file that Python parsed (byte-identical)', () => {
    const bytes = encodeSafetensors(TS_SPEC, TS_METADATA);
    const path = join(pkg, 'test', 'fixtures', 'state_ts_written.safetensors');
    if (process.env.SPLITMASK_WRITE_FIXTURES === '1') writeFileSync(path, bytes);
    expect(Buffer.from(bytes).equals(Buffer.from(loadFixture(pkg, 'state_ts_written.safetensors')))).toBe(
      true,
    );
  });

  test('decodes a file written by Python and re-encodes it byte-identically', () => {
    const bytes = loadFixture(pkg, 'state_py_written.safetensors');
    const want = loadJsonFixture<{
      metadata: Record<string, string>;
      tensors: Record<string, { dtype: SafetensorsDtype; shape: number[]; data: number[] }>;
    }>(pkg, 'state_py_written.json');
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual(want.metadata);
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(want.tensors).sort());
    for (const [name, t] of Object.entries(want.tensors)) {
      expect(tensors[name].dtype, name).toBe(t.dtype);
      expect(tensors[name].shape, name).toEqual(t.shape);
      expect(Array.from(tensors[name].data), name).toEqual(t.data);
    }
    expect(tensors['norm.weight'].data).toBeInstanceOf(Float32Array);
    expect(tensors.step.data).toBeInstanceOf(Int32Array);
    expect(tensors.mask.data).toBeInstanceOf(Uint8Array);
    const again = encodeSafetensors(tensors, metadata);
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  });

  test('header is compact JSON padded with spaces to 8 bytes; tensors widest dtype first, then by name', () => {
    const bytes = encodeSafetensors({
      z: { dtype: 'U8', shape: [3], data: [1, 2, 3] },
      b: { shape: [1], data: [1] },
      a: { dtype: 'I64', shape: [1], data: [5] },
      c: { shape: [1], data: [2] },
    });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd()).toBe(
      '{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' +
        '"c":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},"z":{"dtype":"U8","shape":[3],"data_offsets":[16,19]}}',
    );
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    expect(bytes.length).toBe(8 + n + 19);
  });

  test.each<[SafetensorsDtype, number[], number[]]>([
    [
      'F32',
      [1.5, -0, Number.NaN, Number.POSITIVE_INFINITY, 1e-40],
      [1.5, -0, Number.NaN, Number.POSITIVE_INFINITY, 1e-40],
    ],
    ['F16', [1, -2, 0.1, 70000], [1, -2, 0.0999755859375, Number.POSITIVE_INFINITY]],
    ['BF16', [1, -2, 0.1], [1, -2, 0.10009765625]],
    ['I32', [-2147483648, 0, 2147483647], [-2147483648, 0, 2147483647]],
    ['I64', [-2147483648, -1, 2147483647], [-2147483648, -1, 2147483647]],
    ['U8', [0, 128, 255], [0, 128, 255]],
    ['BOOL', [1, 0, 1], [1, 0, 1]],
  ])('round trip %s', (dtype, data, want) => {
    const { tensors } = decodeSafetensors(encodeSafetensors({ t: { dtype, shape: [data.length], data } }));
    expect(tensors.t.dtype).toBe(dtype);
    expect(tensors.t.shape).toEqual([data.length]);
    const got = Array.from(tensors.t.data);
    const f32 = Array.from(Float32Array.from(want));
    got.forEach((v, i) => {
      expect(
        Object.is(v, dtype === 'F32' ? f32[i] : want[i]) || (Number.isNaN(v) && Number.isNaN(want[i])),
      ).toBe(true);
    });
  });

  test('empty file set, metadata only, integer-like and __proto__ names survive', () => {
    const bytes = encodeSafetensors(
      { '0': { shape: [], data: [1] }, __proto__x: { shape: [], data: [2] } },
      { '1': 'a', b: 'c' },
    );
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(Array.from(tensors['0'].data)).toEqual([1]);
    expect(metadata).toEqual({ '1': 'a', b: 'c' });
    expect(decodeSafetensors(encodeSafetensors({})).tensors).toEqual({});
    const proto = rawFile('{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', Uint8Array.of(9));
    const own = Object.getOwnPropertyDescriptor(decodeSafetensors(proto).tensors, '__proto__');
    expect(Array.from(own?.value.data)).toEqual([9]);
  });
});

describe('safetensors errors', () => {
  const ok = '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  const data8 = new Uint8Array(8);
  test('shorter than 8 bytes', () => {
    expectError(
      () => decodeSafetensors(new Uint8Array(5), { file: 'x.st' }),
      'SAFETENSORS_TRUNCATED',
      'x.st',
      /5 bytes/,
    );
  });
  test('header length beyond the file', () => {
    expectError(
      () => decodeSafetensors(rawFile(ok, data8, 1000n)),
      'SAFETENSORS_TRUNCATED',
      '<bytes>',
      /1000/,
    );
  });
  test('header length above the 100 MB limit', () => {
    expectError(
      () => decodeSafetensors(rawFile(ok, data8, BigInt(SAFETENSORS_MAX_HEADER_BYTES + 1))),
      'SAFETENSORS_HEADER_TOO_LARGE',
      /100000001/,
    );
    expectError(() => decodeSafetensors(rawFile(ok, data8, 2n ** 63n)), 'SAFETENSORS_HEADER_TOO_LARGE');
  });
  test.each([
    ['not JSON', '{"w": oops}'],
    ['an array', '[1, 2]'],
    ['not starting with {', ' {}'],
    ['bad metadata', '{"__metadata__":{"a":1}}'],
    ['entry not an object', '{"w":3}'],
    ['shape not a list', '{"w":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}'],
    ['negative dim', '{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}'],
    ['offsets not a pair', '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}'],
  ])('malformed header: %s', (_, json) => {
    expectError(
      () => decodeSafetensors(rawFile(json, data8), { file: 'm.st' }),
      'SAFETENSORS_INVALID_HEADER',
      'm.st',
    );
  });
  test('a UTF-8 byte-order mark before the header is refused', () => {
    expectError(
      () => decodeSafetensors(rawFile('\uFEFF{}      '), { file: 'm.safetensors' }),
      'SAFETENSORS_INVALID_HEADER',
      /^m\.safetensors: header starts with a UTF-8 byte-order mark/,
    );
  });

  test.each([
    ['array', (n: number) => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`],
    ['object', (n: number) => `{"__metadata__":${'{"k":'.repeat(n)}1${'}'.repeat(n)}}`],
  ])('a header nested 200,000 deep (%s) is SAFETENSORS_HEADER_TOO_DEEP, not a RangeError', (_k, make) => {
    expectError(
      () => decodeSafetensors(rawFile(make(200_000)), { file: 'deep.safetensors' }),
      'SAFETENSORS_HEADER_TOO_DEEP',
      /deep\.safetensors/,
      new RegExp(`deeper than ${SAFETENSORS_MAX_HEADER_DEPTH}`),
    );
    // brackets inside strings do not count
    const quoted = `{"__metadata__":{"k":"${'[{'.repeat(1000)}"}}`;
    expect(decodeSafetensors(rawFile(quoted)).metadata.k).toBe('[{'.repeat(1000));
  });

  test('more tensors than maxTensors is SAFETENSORS_TOO_MANY_TENSORS before parsing', () => {
    const names = (n: number) =>
      Array.from({ length: n }, (_, i) => `"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
    const file = rawFile(`{"__metadata__":{"a":"b"},${names(5).join(',')}}`);
    expect(Object.keys(decodeSafetensors(file, { maxTensors: 5 }).tensors).length).toBe(5);
    expectError(
      () => decodeSafetensors(file, { maxTensors: 4, file: 'many.safetensors' }),
      'SAFETENSORS_TOO_MANY_TENSORS',
      /^many\.safetensors: header lists more than 4 tensors/,
    );
    const huge = rawFile(`{${names(SAFETENSORS_MAX_TENSORS + 1).join(',')}}`);
    expectError(() => decodeSafetensors(huge), 'SAFETENSORS_TOO_MANY_TENSORS');
  });

  test('encode with requireFinite refuses NaN/Inf in float tensors only', () => {
    expectError(
      () =>
        encodeSafetensors({ w: { shape: [2], data: [1, Number.POSITIVE_INFINITY] } }, undefined, {
          requireFinite: true,
        }),
      'SAFETENSORS_NON_FINITE',
      /tensor 'w': element 1 is Infinity/,
    );
    expect(
      encodeSafetensors({ w: { shape: [2], data: [1, Number.NaN] } }, undefined, { requireFinite: false })
        .length,
    ).toBeGreaterThan(0);
  });

  test('invalid UTF-8 in the header', () => {
    const f = rawFile('{"w":1}');
    f[10] = 0xff;
    expectError(() => decodeSafetensors(f), 'SAFETENSORS_INVALID_HEADER');
  });
  test('unknown dtype in the header', () => {
    expectError(
      () => decodeSafetensors(rawFile('{"w":{"dtype":"F128","shape":[2],"data_offsets":[0,8]}}', data8)),
      'SAFETENSORS_UNKNOWN_DTYPE',
      "tensor 'w'",
      /F128/,
    );
  });
  test('a dtype the format knows but we do not decode (F64) validates, then fails on decode', () => {
    const f = rawFile('{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}', data8);
    expect(parseSafetensorsHeader(f, f.length).tensors.w.dtype).toBe('F64');
    expectError(() => decodeSafetensors(f), 'SAFETENSORS_UNKNOWN_DTYPE', "tensor 'w'", /F64/);
  });
  test('truncated data section', () => {
    expectError(
      () => decodeSafetensors(rawFile(ok, new Uint8Array(6)), { file: 't.st' }),
      'SAFETENSORS_TRUNCATED',
      't.st',
      /8 data bytes.*6/,
    );
  });
  test('trailing bytes', () => {
    expectError(
      () => decodeSafetensors(rawFile(ok, new Uint8Array(12))),
      'SAFETENSORS_INVALID_OFFSETS',
      /trailing/,
    );
  });
  test.each([
    [
      'overlap',
      '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
      'b',
      /overlaps/,
    ],
    [
      'gap',
      '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
      'b',
      /gap/,
    ],
    ['size ≠ shape', '{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', 'a', /needs 12/],
    [
      'end before begin',
      '{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"U8","shape":[0],"data_offsets":[8,4]}}',
      'b',
      /gap|ends before/,
    ],
  ])('offsets: %s', (_, json, tensor, msg) => {
    expectError(
      () => decodeSafetensors(rawFile(json, data8)),
      'SAFETENSORS_INVALID_OFFSETS',
      `tensor '${tensor}'`,
      msg,
    );
  });
  test('I64 outside int32 names the tensor and element', () => {
    const data = new Uint8Array(16);
    new DataView(data.buffer).setBigInt64(8, 2n ** 40n, true);
    expectError(
      () => decodeSafetensors(rawFile('{"big":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}', data)),
      'SAFETENSORS_INVALID_VALUE',
      "tensor 'big'",
      /element 1 is 1099511627776/,
    );
  });
  test('expected shape/dtype mismatches and missing tensors', () => {
    const bytes = encodeSafetensors({ w: { shape: [2, 3], data: new Float32Array(6) } });
    expectError(
      () => decodeSafetensors(bytes, { file: 'e.st', expect: { w: { shape: [3, 2] } } }),
      'SAFETENSORS_MISMATCH',
      'e.st',
      "tensor 'w'",
      /\[2,3\].*\[3,2\]/,
    );
    expectError(
      () => decodeSafetensors(bytes, { expect: { w: { dtype: 'F16' } } }),
      'SAFETENSORS_MISMATCH',
      /F32, expected F16/,
    );
    expectError(
      () => decodeSafetensors(bytes, { expect: { v: {} } }),
      'SAFETENSORS_MISMATCH',
      "tensor 'v'",
      /missing/,
    );
    expect(() => decodeSafetensors(bytes, { expect: { w: { shape: [2, 3], dtype: 'F32' } } })).not.toThrow();
  });
  test.each<[string, SafetensorsEntry, string, RegExp]>([
    [
      'length ≠ shape',
      { shape: [2, 2], data: [1, 2, 3] },
      'SAFETENSORS_MISMATCH',
      /4 elements but the data has 3/,
    ],
    [
      'non-integer I32',
      { dtype: 'I32', shape: [2], data: [1, 1.5] },
      'SAFETENSORS_INVALID_VALUE',
      /element 1 is 1.5/,
    ],
    [
      'I64 beyond int32',
      { dtype: 'I64', shape: [1], data: [2 ** 31] },
      'SAFETENSORS_INVALID_VALUE',
      /2147483648/,
    ],
    ['U8 out of range', { dtype: 'U8', shape: [1], data: [256] }, 'SAFETENSORS_INVALID_VALUE', /256/],
    ['BOOL not 0/1', { dtype: 'BOOL', shape: [1], data: [2] }, 'SAFETENSORS_INVALID_VALUE', /BOOL/],
    ['bad shape', { shape: [-1], data: [] }, 'SAFETENSORS_INVALID_VALUE', /bad shape/],
    [
      'unknown dtype',
      { dtype: 'F64' as SafetensorsDtype, shape: [1], data: [1] },
      'SAFETENSORS_UNKNOWN_DTYPE',
      /F64/,
    ],
  ])('encode rejects %s, naming the tensor', (_, entry, code, msg) => {
    expectError(() => encodeSafetensors({ bad: entry }), code, "tensor 'bad'", msg);
  });
  test('encode rejects reserved names', () => {
    expectError(
      () => encodeSafetensors({ __metadata__: { shape: [], data: [1] } }),
      'SAFETENSORS_INVALID_VALUE',
      /reserved/,
    );
  });
});
