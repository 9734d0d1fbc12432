import { describe, expect, test } from 'vitest';
import { DatasetError } from '../errors';
import type { ImageDecoder } from '../types';
import { encodedImages } from './blobs';

// A stand-in decoder: byte 0 = width, byte 1 = height, then grey pixels; 0xff first = corrupt.
const decode: ImageDecoder = async (bytes, opts = {}) => {
  if (bytes[0] === 0xff)
    throw new DatasetError('CORRUPT_IMAGE', `${opts.name}: cannot decode image`, { path: opts.name });
  return { data: bytes.slice(2), width: bytes[0], height: bytes[1], channels: 1 };
};

describe('encodedImages', () => {
  test('Files/Blobs (arrayBuffer) and raw bytes, with labels', async () => {
    const file = new File([new Uint8Array([2, 1, 7, 8])], 'a.png');
    const ds = encodedImages([file, { name: 'b.png', data: new Uint8Array([1, 1, 9]) }], {
      decode,
      labels: [3, 1],
    });
    expect([ds.length, ds.numClasses]).toEqual([2, 4]);
    const a = await ds.get(0);
    expect([a.label, a.image.width, Array.from(a.image.data)]).toEqual([3, 2, [7, 8]]);
    expect((await ds.get(1)).label).toBe(1);
  });
  test('errors name the entry', async () => {
    const ds = encodedImages([{ name: 'bad.jpg', data: new Uint8Array([0xff]) }, { name: 'empty' }], {
      decode,
    });
    await expect(ds.get(0)).rejects.toThrow(/bad\.jpg: cannot decode image/);
    await expect(ds.get(1)).rejects.toThrow(/entry 1 \(empty\) has neither data nor arrayBuffer/);
    expect(() => encodedImages([], { decode })).toThrow(/no images given/);
    expect(() => encodedImages([{ name: 'x' }], { decode, labels: [1, 2] })).toThrow(/2 labels for 1 images/);
  });
});
