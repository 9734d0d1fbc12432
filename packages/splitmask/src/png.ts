/**
 * PNG encoding of rasters through pngjs (Node entry: pngjs evaluates Node's zlib at load).
 */
import { PNG } from 'pngjs';
import type { RgbaImage } from './raster';

/**
 * Encodes an image as PNG bytes.
 * @example writeFileSync('a.png', encodePng(createImage(8, 8)));
 */
export function encodePng(img: RgbaImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return new Uint8Array(PNG.sync.write(png));
}

/** Decodes PNG bytes (used by tests to check what was written). */
export function decodePng(bytes: Uint8Array): RgbaImage {
  const png = PNG.sync.read(Buffer.from(bytes));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}
