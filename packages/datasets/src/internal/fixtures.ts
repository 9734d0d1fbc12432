// Test-only helpers for the Python fixtures (base64 uint8 images). Not exported from the package.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RawImage } from '../types';

export interface FixtureImage {
  width: number;
  height: number;
  channels: number;
  data: string;
}

export function fromFixture(e: FixtureImage): RawImage {
  return {
    width: e.width,
    height: e.height,
    channels: e.channels,
    data: new Uint8Array(Buffer.from(e.data, 'base64')),
  };
}

export function loadTransformFixtures<T>(): T {
  return JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'transforms.json'), 'utf8'),
  ) as T;
}

/** Largest absolute per-pixel difference, after checking that sizes agree. */
export function maxAbsDiff(a: RawImage, b: RawImage): number {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels)
    throw new Error(
      `size mismatch ${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels}`,
    );
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

/** Fraction of pixels that differ at all. */
export function fractionDifferent(a: RawImage, b: RawImage): number {
  let n = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) n++;
  return n / a.data.length;
}
