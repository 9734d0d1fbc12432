import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { sharpDecoder } from './decode-sharp';

describe('sharpDecoder', () => {
  test('EXIF orientation is applied (orientation 6 = rotate 90° clockwise)', async () => {
    // 4 wide × 2 tall, left half black, right half white; stored with orientation 6.
    const raw = new Uint8Array(4 * 2 * 3);
    for (let y = 0; y < 2; y++)
      for (let x = 2; x < 4; x++) raw.fill(255, (y * 4 + x) * 3, (y * 4 + x + 1) * 3);
    const jpg = await sharp(raw, { raw: { width: 4, height: 2, channels: 3 } })
      .png()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const img = await sharpDecoder(jpg);
    expect([img.width, img.height]).toEqual([2, 4]);
    // rotated clockwise: the right (white) half is now at the bottom
    expect(img.data[0]).toBe(0);
    expect(img.data[(3 * 2 + 1) * 3]).toBe(255);
  });

  test('grey+alpha PNG → RGB (alpha dropped) or 1 channel', async () => {
    const ga = new Uint8Array([10, 255, 90, 0, 200, 128, 30, 7]);
    const png = await sharp(ga, { raw: { width: 2, height: 2, channels: 2 } })
      .png()
      .toBuffer();
    const rgb = await sharpDecoder(png);
    expect(rgb.channels).toBe(3);
    expect(Array.from(rgb.data)).toEqual([10, 10, 10, 90, 90, 90, 200, 200, 200, 30, 30, 30]);
    const grey = await sharpDecoder(png, { channels: 1 });
    expect(Array.from(grey.data)).toEqual([10, 90, 200, 30]);
  });

  test('RGBA → RGB keeps colour (as Pillow convert("RGB"))', async () => {
    const rgba = new Uint8Array([255, 0, 0, 0, 0, 255, 0, 255]);
    const png = await sharp(rgba, { raw: { width: 2, height: 1, channels: 4 } })
      .png()
      .toBuffer();
    expect(Array.from((await sharpDecoder(png)).data)).toEqual([255, 0, 0, 0, 255, 0]);
  });

  test('garbage names the source', async () => {
    await expect(sharpDecoder(new Uint8Array([1, 2, 3]), { name: 'x/y.jpg' })).rejects.toThrow(
      /x\/y\.jpg: cannot decode image/,
    );
  });
});
