/**
 * A procedurally generated, labelled image dataset for tests and smoke runs: 10 classes of shapes and
 * textures (disc, square, triangle, ring, cross, horizontal/vertical/diagonal stripes, checkerboard,
 * dots), each drawn with a random position, scale, phase, colours and pixel noise. Sample `i` depends only
 * on (seed, i), so random access is deterministic and any `size` works.
 */
import { createRng, type Rng } from '@splitmask/core/rng';
import { checkArg, checkIndex } from '../errors';
import type { ImageDataset, RawImage, Sample } from '../types';

/** Names of the synthetic classes, indexed by label. */
export const SYNTHETIC_CLASS_NAMES: readonly string[] = Object.freeze([
  'disc',
  'square',
  'triangle',
  'ring',
  'cross',
  'h-stripes',
  'v-stripes',
  'd-stripes',
  'checker',
  'dots',
]);

/** Options of `syntheticShapes`. */
export interface SyntheticShapesOptions {
  /** Number of samples. */
  n: number;
  /** Image side length in pixels (e.g. 32 or 224). */
  size: number;
  /** 1 (grey) or 3 (RGB, default). */
  channels?: 1 | 3;
  /** Default 0. */
  seed?: number;
  /** Number of classes used, 2..10 (default 10). Sample i has label i mod numClasses. */
  numClasses?: number;
  /** Pixel noise standard deviation in grey levels (default 12). */
  noise?: number;
}

type Inside = (x: number, y: number) => boolean;

/** Membership test of class `label` in unit coordinates centred on the shape, with random geometry. */
function shapeMask(label: number, rng: Rng): Inside {
  const r = rng.uniform(0.22, 0.4);
  const period = rng.uniform(0.12, 0.3);
  const phase = rng.random();
  const stripe = (t: number) => (((t / period + phase) % 1) + 1) % 1 < 0.5;
  switch (label) {
    case 0:
      return (x, y) => x * x + y * y < r * r;
    case 1:
      return (x, y) => Math.abs(x) < r && Math.abs(y) < r;
    case 2:
      return (x, y) => y < r && y > -r && Math.abs(x) < (y + r) / 2;
    case 3:
      return (x, y) => {
        const d = Math.hypot(x, y);
        return d < r && d > r * 0.55;
      };
    case 4:
      return (x, y) =>
        (Math.abs(x) < r * 0.3 && Math.abs(y) < r) || (Math.abs(y) < r * 0.3 && Math.abs(x) < r);
    case 5:
      return (_x, y) => stripe(y);
    case 6:
      return (x) => stripe(x);
    case 7:
      return (x, y) => stripe((x + y) * Math.SQRT1_2);
    case 8:
      return (x, y) => stripe(x) !== stripe(y);
    default:
      return (x, y) => {
        const gx = ((((x / period + phase) % 1) + 1) % 1) - 0.5;
        const gy = ((((y / period + phase) % 1) + 1) % 1) - 0.5;
        return gx * gx + gy * gy < 0.06;
      };
  }
}

function randomColour(rng: Rng, channels: number): number[] {
  return Array.from({ length: channels }, () => rng.int(256));
}

/** Renders sample `i`. */
function render(o: Required<SyntheticShapesOptions>, i: number): Sample {
  const label = i % o.numClasses;
  const rng = createRng(o.seed).split(i);
  const inside = shapeMask(label, rng);
  const c = o.channels;
  let fg = randomColour(rng, c);
  let bg = randomColour(rng, c);
  // Keep foreground and background distinguishable (mean contrast >= 64 grey levels).
  const contrast = fg.reduce((s, v, k) => s + Math.abs(v - bg[k]), 0) / c;
  if (contrast < 64) [fg, bg] = [fg.map((v) => (v + 128) % 256), bg];
  const cx = rng.uniform(-0.15, 0.15);
  const cy = rng.uniform(-0.15, 0.15);
  const { size, noise } = o;
  const data = new Uint8Array(size * size * c);
  for (let py = 0; py < size; py++) {
    const y = (py + 0.5) / size - 0.5 - cy;
    for (let px = 0; px < size; px++) {
      const x = (px + 0.5) / size - 0.5 - cx;
      const col = inside(x, y) ? fg : bg;
      const o2 = (py * size + px) * c;
      for (let k = 0; k < c; k++)
        data[o2 + k] = Math.max(0, Math.min(255, Math.round(col[k] + noise * rng.normal())));
    }
  }
  const image: RawImage = { data, width: size, height: size, channels: c };
  return { image, label };
}

/**
 * A seeded procedural dataset of `n` labelled `size`×`size` images.
 * @example const ds = syntheticShapes({ n: 256, size: 32, seed: 0 }); const { image, label } = await ds.get(0);
 */
export function syntheticShapes(options: SyntheticShapesOptions): ImageDataset {
  const o: Required<SyntheticShapesOptions> = { channels: 3, seed: 0, numClasses: 10, noise: 12, ...options };
  checkArg(Number.isInteger(o.n) && o.n > 0, `syntheticShapes: n must be a positive integer, got ${o.n}`);
  checkArg(
    Number.isInteger(o.size) && o.size >= 4,
    `syntheticShapes: size must be an integer >= 4, got ${o.size}`,
  );
  checkArg(
    o.channels === 1 || o.channels === 3,
    `syntheticShapes: channels must be 1 or 3, got ${o.channels}`,
  );
  checkArg(
    Number.isInteger(o.numClasses) && o.numClasses >= 2 && o.numClasses <= 10,
    `syntheticShapes: numClasses must be an integer in [2, 10], got ${o.numClasses}`,
  );
  return {
    length: o.n,
    numClasses: o.numClasses,
    classNames: SYNTHETIC_CLASS_NAMES.slice(0, o.numClasses),
    get: async (i) => {
      checkIndex(i, o.n, 'syntheticShapes');
      return render(o, i);
    },
  };
}
