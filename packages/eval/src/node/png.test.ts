import { inflateSync } from 'node:zlib';
import { expect, test } from 'vitest';
import { crc32, encodePng } from './png';

test('crc32 check value', () => {
  expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
});

test('encodePng: signature, IHDR, chunk CRCs, and pixels round-trip through inflate', () => {
  const data = new Uint8Array(3 * 2 * 4).map((_, i) => (i * 37) % 256);
  const png = encodePng({ width: 3, height: 2, data });
  expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const dv = new DataView(png.buffer, png.byteOffset);
  let o = 8;
  const chunks: Record<string, Uint8Array> = {};
  while (o < png.length) {
    const len = dv.getUint32(o);
    const type = new TextDecoder().decode(png.subarray(o + 4, o + 8));
    expect(dv.getUint32(o + 8 + len), `${type} crc`).toBe(crc32(png.subarray(o + 4, o + 8 + len)));
    chunks[type] = png.subarray(o + 8, o + 8 + len);
    o += 12 + len;
  }
  expect(Object.keys(chunks)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const ih = new DataView((chunks.IHDR as Uint8Array).slice().buffer);
  expect([ih.getUint32(0), ih.getUint32(4), ih.getUint8(8), ih.getUint8(9)]).toEqual([3, 2, 8, 6]);
  const raw = inflateSync(chunks.IDAT as Uint8Array);
  expect(raw.length).toBe(2 * (1 + 12));
  expect(raw[0]).toBe(0);
  expect(Array.from(raw.subarray(14, 26))).toEqual(Array.from(data.subarray(12, 24)));
});
