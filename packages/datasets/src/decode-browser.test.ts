import { describe, expect, test } from 'vitest';
import { createBrowserDecoder, rgbaToRgb } from './decode-browser';
import { DatasetError } from './errors';

/** Stand-ins for createImageBitmap/OffscreenCanvas: "decodes" bytes [w, h, r, g, b, a, …]. */
function fakeGlobals() {
  const closed: number[] = [];
  class FakeBlob {
    constructor(readonly parts: Uint8Array[]) {}
  }
  return {
    closed,
    Blob: FakeBlob,
    createImageBitmap: async (blob: unknown, opts?: Record<string, string>) => {
      expect(opts?.imageOrientation).toBe('from-image');
      const bytes = (blob as FakeBlob).parts[0];
      if (bytes[0] === 0) throw new Error('InvalidStateError: cannot decode');
      return { width: bytes[0], height: bytes[1], pixels: bytes.subarray(2), close: () => closed.push(1) };
    },
    OffscreenCanvas: class {
      private bm?: { pixels: Uint8Array };
      getContext() {
        return {
          drawImage: (b: { pixels: Uint8Array }) => {
            this.bm = b;
          },
          getImageData: () => ({ data: new Uint8ClampedArray(this.bm!.pixels) }),
        };
      }
    },
  };
}

describe('createBrowserDecoder', () => {
  test('RGBA canvas pixels → RGB or luma; bitmap closed', async () => {
    const g = fakeGlobals();
    const decode = createBrowserDecoder(g as never);
    const bytes = new Uint8Array([2, 1, 200, 10, 10, 255, 0, 0, 255, 0]);
    const rgb = await decode(bytes);
    expect([rgb.width, rgb.height, rgb.channels, Array.from(rgb.data)]).toEqual([
      2,
      1,
      3,
      [200, 10, 10, 0, 0, 255],
    ]);
    const grey = await decode(bytes, { channels: 1 });
    expect(Array.from(grey.data)).toEqual([
      (200 * 19595 + 10 * 38470 + 10 * 7471 + 0x8000) >> 16,
      (255 * 7471 + 0x8000) >> 16,
    ]);
    expect(g.closed.length).toBe(2);
  });
  test('decode failure names the file', async () => {
    const decode = createBrowserDecoder(fakeGlobals() as never);
    const err = await decode(new Uint8Array([0]), { name: 'pick/cat.heic' }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/pick\/cat\.heic: cannot decode image/);
  });
  test('unavailable APIs (Node) throw a helpful error', () => {
    expect(() => createBrowserDecoder({})).toThrow(
      /in Node use sharpDecoder from @splitmask\/datasets\/node/,
    );
  });
  test('rgbaToRgb drops alpha', () => {
    expect(Array.from(rgbaToRgb([1, 2, 3, 4, 5, 6, 7, 8], 2, 1).data)).toEqual([1, 2, 3, 5, 6, 7]);
  });
});
