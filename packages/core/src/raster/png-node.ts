/**
 * PNG files of the one raster, through pngjs (Node entry: pngjs evaluates Node's zlib at load).
 */
import { PNG } from 'pngjs';
import { writeFileAtomic } from '../io/safetensors-node';
import type { RgbaImage } from './raster';

/**
 * Encodes an RGBA8 image as PNG bytes.
 * @example writeFileSync('a.png', encodePng(createImage(8, 8)));
 */
export function encodePng(img: RgbaImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return new Uint8Array(PNG.sync.write(png));
}

/**
 * Decodes PNG bytes to an RGBA8 image.
 * @example const { width, height } = decodePng(readFileSync('loss.png'));
 */
export function decodePng(bytes: Uint8Array): RgbaImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}

/**
 * Writes `img` as a PNG file (atomically; the folder is created if missing).
 * @example await writePng('runs/a/loss.png', plotSeries(series));
 */
export async function writePng(path: string, img: RgbaImage): Promise<void> {
  await writeFileAtomic(path, encodePng(img));
}
