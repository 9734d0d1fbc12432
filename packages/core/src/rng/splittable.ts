/**
 * Fast seeded RNG for host-side randomness (masks, crops, shuffles, init).
 *
 * xoshiro128** (Blackman & Vigna) with 32-bit state words, seeded through SplitMix32 so that nearby
 * seeds give unrelated streams. `split(streamId)` derives an independent generator from (seed, streamId)
 * without advancing the parent, so data workers, layers and steps can each own a stream.
 */

/** A seeded source of randomness. All methods advance the state. */
export interface Rng {
  /** The seed this generator was created from (after mixing in stream ids). */
  readonly seed: number;
  /** Uniform uint32 in [0, 2^32). */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 53 bits of precision. */
  random(): number;
  /** Uniform float in [low, high). */
  uniform(low: number, high: number): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal sample (Box-Muller, one sample per two uniforms). */
  normal(): number;
  /** Fisher-Yates shuffle of `array` in place; returns it. */
  shuffle<T>(array: T[]): T[];
  /** A permutation of 0..n-1 as Int32Array. */
  permutation(n: number): Int32Array;
  /** An independent generator for stream `streamId`; the parent is not advanced. */
  split(streamId: number): Rng;
  /** Serializable state, for checkpoints. */
  getState(): RngState;
  /** Restores a state produced by `getState`. */
  setState(state: RngState): void;
}

/** Serializable RNG state (checkpointed as JSON). */
export interface RngState {
  seed: number;
  s: [number, number, number, number];
}

function splitmix32(state: number): [number, number] {
  let z = (state + 0x9e3779b9) | 0;
  const next = z;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [(z ^ (z >>> 16)) >>> 0, next];
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Mixes a stream id into a seed (order-sensitive hash). */
function mixSeed(seed: number, streamId: number): number {
  let h = Math.imul(seed ^ 0x27d4eb2d, 0x165667b1) ^ Math.imul(streamId + 0x61c88647, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca77);
  return (h ^ (h >>> 13)) >>> 0;
}

/**
 * Creates a seeded RNG.
 * @example const rng = createRng(0); rng.int(10); const workerRng = rng.split(3);
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`createRng: seed must be a finite number, got ${seed}`);
  const seed32 = seed >>> 0;
  const s: [number, number, number, number] = [0, 0, 0, 0];
  let st = seed32;
  for (let i = 0; i < 4; i++) [s[i], st] = splitmix32(st);
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9);
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result >>> 0;
  };
  const random = (): number => ((nextUint32() >>> 5) * 67108864 + (nextUint32() >>> 6)) / 9007199254740992;
  const int = (n: number): number => {
    if (!(n > 0) || !Number.isInteger(n))
      throw new RangeError(`rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(random() * n);
  };
  const rng: Rng = {
    seed: seed32,
    nextUint32,
    random,
    uniform: (low, high) => low + (high - low) * random(),
    int,
    // No cached second sample: the whole state is `s`, so checkpoints resume exactly.
    normal: () => {
      let u = 0;
      while (u === 0) u = random();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    },
    shuffle: (array) => {
      for (let i = array.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [array[i], array[j]] = [array[j], array[i]];
      }
      return array;
    },
    permutation: (n) => {
      const p = new Int32Array(n);
      for (let i = 0; i < n; i++) p[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = int(i + 1);
        const t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
      return p;
    },
    split: (streamId) => createRng(mixSeed(seed32, streamId)),
    getState: () => ({ seed: seed32, s: [s[0], s[1], s[2], s[3]] }),
    setState: (state) => {
      for (let i = 0; i < 4; i++) s[i] = state.s[i] >>> 0;
    },
  };
  return rng;
}
