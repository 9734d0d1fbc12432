/**
 * The project's one raster: an RGBA8 image type and rectangles, lines, a 3x5 pixel font and scaled
 * copies. Enough for loss curves, evaluation plots and image grids without a canvas dependency.
 * Browser-safe; PNG files are `encodePng`/`decodePng` of the Node entry (`@splitmask/core/node`, pngjs).
 */
/** An RGBA8 image, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** [r, g, b] or [r, g, b, a] in 0..255. */
export type Color = readonly [number, number, number] | readonly [number, number, number, number];

/** A new image filled with `background` (default white). */
export function createImage(width: number, height: number, background: Color = [255, 255, 255]): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[i * 4] = background[0];
    data[i * 4 + 1] = background[1];
    data[i * 4 + 2] = background[2];
    data[i * 4 + 3] = background[3] ?? 255;
  }
  return { width, height, data };
}

/** Sets one pixel (ignored outside the image). */
export function setPixel(img: RgbaImage, x: number, y: number, c: Color): void {
  const xi = Math.round(x);
  const yi = Math.round(y);
  if (xi < 0 || yi < 0 || xi >= img.width || yi >= img.height) return;
  const o = (yi * img.width + xi) * 4;
  img.data[o] = c[0];
  img.data[o + 1] = c[1];
  img.data[o + 2] = c[2];
  img.data[o + 3] = c[3] ?? 255;
}

/** Fills the rectangle [x, x+w) × [y, y+h). */
export function fillRect(img: RgbaImage, x: number, y: number, w: number, h: number, c: Color): void {
  for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) setPixel(img, i, j, c);
}

/** Draws a 1-px line (Bresenham). */
export function drawLine(img: RgbaImage, x0: number, y0: number, x1: number, y1: number, c: Color): void {
  let x = Math.round(x0);
  let y = Math.round(y0);
  const xe = Math.round(x1);
  const ye = Math.round(y1);
  const dx = Math.abs(xe - x);
  const dy = -Math.abs(ye - y);
  const sx = x < xe ? 1 : -1;
  const sy = y < ye ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    setPixel(img, x, y, c);
    if (x === xe && y === ye) break;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}

// 3x5 glyphs, rows top to bottom, 3 bits per row (MSB = left).
const FONT: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 7, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 2, 2],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  '.': [0, 0, 0, 0, 2],
  '-': [0, 0, 7, 0, 0],
  ':': [0, 2, 0, 2, 0],
  '/': [1, 1, 2, 4, 4],
  '%': [5, 1, 2, 4, 5],
  '=': [0, 7, 0, 7, 0],
  '+': [0, 2, 7, 2, 0],
  '(': [1, 2, 2, 2, 1],
  ')': [4, 2, 2, 2, 4],
  ' ': [0, 0, 0, 0, 0],
  A: [2, 5, 7, 5, 5],
  B: [6, 5, 6, 5, 6],
  C: [3, 4, 4, 4, 3],
  D: [6, 5, 5, 5, 6],
  E: [7, 4, 6, 4, 7],
  F: [7, 4, 6, 4, 4],
  G: [3, 4, 5, 5, 3],
  H: [5, 5, 7, 5, 5],
  I: [7, 2, 2, 2, 7],
  J: [1, 1, 1, 5, 2],
  K: [5, 5, 6, 5, 5],
  L: [4, 4, 4, 4, 7],
  M: [5, 7, 7, 5, 5],
  N: [6, 5, 5, 5, 5],
  O: [2, 5, 5, 5, 2],
  P: [6, 5, 6, 4, 4],
  Q: [2, 5, 5, 6, 3],
  R: [6, 5, 6, 5, 5],
  S: [3, 4, 2, 1, 6],
  T: [7, 2, 2, 2, 2],
  U: [5, 5, 5, 5, 7],
  V: [5, 5, 5, 5, 2],
  W: [5, 5, 7, 7, 5],
  X: [5, 5, 2, 5, 5],
  Y: [5, 5, 2, 2, 2],
  Z: [7, 1, 2, 4, 7],
};

/** Draws `text` (upper-cased; unknown characters as blanks) at (x, y) with pixel size `scale`. */
export function drawText(img: RgbaImage, text: string, x: number, y: number, c: Color, scale = 2): void {
  let cx = x;
  for (const ch of text.toUpperCase()) {
    const glyph = FONT[ch] ?? FONT[' '];
    for (let r = 0; r < 5; r++) {
      for (let b = 0; b < 3; b++) {
        if (glyph[r] & (4 >> b)) fillRect(img, cx + b * scale, y + r * scale, scale, scale, c);
      }
    }
    cx += 4 * scale;
  }
}

/** Width in pixels of `text` drawn at `scale`. */
export function textWidth(text: string, scale = 2): number {
  return text.length * 4 * scale - scale;
}

/** Copies `src` into `dst` at (x, y), each source pixel as a `scale`×`scale` square. */
export function blit(dst: RgbaImage, src: RgbaImage, x: number, y: number, scale = 1): void {
  for (let j = 0; j < src.height; j++) {
    for (let i = 0; i < src.width; i++) {
      const o = (j * src.width + i) * 4;
      const c: Color = [src.data[o], src.data[o + 1], src.data[o + 2], src.data[o + 3]];
      fillRect(dst, x + i * scale, y + j * scale, scale, scale, c);
    }
  }
}
