/**
 * Mask generators built from serializable specs, so experiment configs and checkpoints can record
 * exactly how masks were drawn (`generator.spec` is plain JSON with every default filled in).
 */
import { createBlockMasker, resolveBlockMaskConfig } from './block-mask';
import { MaskSpecError } from './errors';
import { stackMasks, writeIndices } from './indices';
import { toSampler } from './internal/sampler';
import { checkGrid, checkInt } from './internal/validate';
import { randomMask } from './random-mask';
import { createSplitCore, createSplitter, type SplitCore, scaledBlockLimits } from './split-mask';
import { countMasked, topUpInPlace } from './top-up';
import type { MaskRng, SplitPair } from './types';

/** BEiT block masks; `exact: true` tops each mask up to exactly `numMasking`. */
export interface BlockMaskSpec {
  kind: 'block';
  height: number;
  width: number;
  numMasking: number;
  minNumPatches?: number;
  maxNumPatches?: number;
  minAspect?: number;
  maxAspect?: number;
  exact?: boolean;
}

/** MAE random masks with exactly `numMasking` ones. */
export interface RandomMaskSpec {
  kind: 'random';
  height: number;
  width: number;
  numMasking: number;
}

/** SplitMask A/B splits (see `splitMask`). */
export interface SplitMaskSpec {
  kind: 'split';
  height: number;
  width: number;
  mode?: 'block' | 'random';
  visibleFraction?: number;
  minNumPatches?: number;
  maxNumPatches?: number;
  minAspect?: number;
  maxAspect?: number;
}

/** Any mask generator spec (a discriminated union on `kind`). */
export type MaskGeneratorSpec = BlockMaskSpec | RandomMaskSpec | SplitMaskSpec;

/** Generates single-set masks (`'block'`, `'random'`). */
export interface MaskGenerator {
  readonly kind: 'block' | 'random';
  /** The resolved spec (all defaults filled in), JSON-serializable. */
  readonly spec: Readonly<BlockMaskSpec | RandomMaskSpec>;
  /** L. */
  readonly numPatches: number;
  /** Exact number of ones per mask, or null when a non-exact block mask may fall short. */
  readonly numMasked: number | null;
  /** One mask: Uint8Array [L], 1 = masked. */
  sample(rng: MaskRng): Uint8Array;
  /** B masks stacked: Float32Array [B·L] (1 = masked), one fresh mask per image. */
  sampleBatch(rng: MaskRng, batchSize: number): Float32Array;
}

/** One branch of a stacked batch of splits. */
export interface SplitBatchBranch {
  /** Int32Array [B·K]: `tf.tensor2d(visible, [B, K], 'int32')`. */
  readonly visible: Int32Array;
  /** Int32Array [B·(L-K)]. */
  readonly masked: Int32Array;
  /** Int32Array [B·L]: MAE's `ids_restore` per image. */
  readonly restore: Int32Array;
}

/** Generates SplitMask A/B splits. */
export interface SplitGenerator {
  readonly kind: 'split';
  readonly spec: Readonly<SplitMaskSpec>;
  readonly numPatches: number;
  /** K: visible patches per branch. */
  readonly numVisible: number;
  sample(rng: MaskRng): SplitPair;
  /** B splits (one per image) stacked per branch. */
  sampleBatch(rng: MaskRng, batchSize: number): { a: SplitBatchBranch; b: SplitBatchBranch };
}

type Issues = string[];

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function intField(
  o: Record<string, unknown>,
  key: string,
  issues: Issues,
  min: number,
  optional = false,
): void {
  const v = o[key];
  if (v === undefined && optional) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    issues.push(`${key}: expected an integer >= ${min}, got ${describe(v)}`);
  }
}

function numField(o: Record<string, unknown>, key: string, issues: Issues): void {
  const v = o[key];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    issues.push(`${key}: expected a finite number > 0, got ${describe(v)}`);
  }
}

const KEYS: Record<MaskGeneratorSpec['kind'], readonly string[]> = {
  block: [
    'kind',
    'height',
    'width',
    'numMasking',
    'minNumPatches',
    'maxNumPatches',
    'minAspect',
    'maxAspect',
    'exact',
  ],
  random: ['kind', 'height', 'width', 'numMasking'],
  split: [
    'kind',
    'height',
    'width',
    'mode',
    'visibleFraction',
    'minNumPatches',
    'maxNumPatches',
    'minAspect',
    'maxAspect',
  ],
};

/**
 * Validates untrusted JSON (a config file, a checkpoint) as a mask generator spec. Reports every bad
 * field at once in a `MaskSpecError` (`issues` lists them; the message names each field and value).
 * @example const spec = parseMaskSpec(JSON.parse(text)); const gen = createMaskGenerator(spec);
 */
export function parseMaskSpec(json: unknown): MaskGeneratorSpec {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new MaskSpecError([`expected an object, got ${describe(json)}`]);
  }
  const o = json as Record<string, unknown>;
  const kind = o.kind;
  if (kind !== 'block' && kind !== 'random' && kind !== 'split') {
    throw new MaskSpecError([`kind: expected 'block', 'random' or 'split', got ${describe(kind)}`]);
  }
  const issues: Issues = [];
  for (const key of Object.keys(o))
    if (!KEYS[kind].includes(key)) issues.push(`${key}: unknown field for kind '${kind}'`);
  intField(o, 'height', issues, 1);
  intField(o, 'width', issues, 1);
  const numPatches = Number(o.height) * Number(o.width);
  if (kind !== 'split') {
    intField(o, 'numMasking', issues, 0);
    if (typeof o.numMasking === 'number' && o.numMasking > numPatches) {
      issues.push(`numMasking: must be <= L=height·width=${numPatches}, got ${o.numMasking}`);
    }
  }
  if (kind !== 'random')
    for (const key of ['minNumPatches', 'maxNumPatches', 'minAspect', 'maxAspect']) numField(o, key, issues);
  if (kind === 'block' && o.exact !== undefined && typeof o.exact !== 'boolean') {
    issues.push(`exact: expected a boolean, got ${describe(o.exact)}`);
  }
  if (kind === 'split') {
    if (o.mode !== undefined && o.mode !== 'block' && o.mode !== 'random') {
      issues.push(`mode: expected 'block' or 'random', got ${describe(o.mode)}`);
    }
    const f = o.visibleFraction;
    if (f !== undefined && !(typeof f === 'number' && f > 0 && f <= 0.5)) {
      issues.push(`visibleFraction: expected a number in (0, 0.5], got ${describe(f)}`);
    }
  }
  if (issues.length > 0) throw new MaskSpecError(issues);
  return o as unknown as MaskGeneratorSpec;
}

function sampleMaskBatch(
  sample: (rng: MaskRng) => Uint8Array,
  rng: MaskRng,
  batchSize: number,
): Float32Array {
  checkInt('sampleBatch', 'batchSize', batchSize, 0);
  return stackMasks(Array.from({ length: batchSize }, () => sample(rng)));
}

function createBlockGenerator(spec: BlockMaskSpec): MaskGenerator {
  const cfg = resolveBlockMaskConfig(spec);
  const exact = spec.exact ?? false;
  const resolved: BlockMaskSpec = { kind: 'block', ...cfg, exact };
  const numPatches = cfg.height * cfg.width;
  const masker = createBlockMasker(cfg);
  const sample = (rng: MaskRng): Uint8Array => {
    const mask = masker(rng);
    if (exact) topUpInPlace(mask, cfg.numMasking - countMasked(mask), toSampler(rng));
    return mask;
  };
  return {
    kind: 'block',
    spec: Object.freeze(resolved),
    numPatches,
    numMasked: exact ? cfg.numMasking : null,
    sample,
    sampleBatch: (rng, batchSize) => sampleMaskBatch(sample, rng, batchSize),
  };
}

function createRandomGenerator(spec: RandomMaskSpec): MaskGenerator {
  const { height, width, numMasking } = spec;
  const opts = { height, width, numMasking };
  checkGrid('createMaskGenerator', opts); // validate now rather than at the first sample
  checkInt('createMaskGenerator', 'numMasking', numMasking, 0, height * width);
  const sample = (rng: MaskRng): Uint8Array => randomMask(opts, rng);
  return {
    kind: 'random',
    spec: Object.freeze({ kind: 'random' as const, ...opts }),
    numPatches: height * width,
    numMasked: numMasking,
    sample,
    sampleBatch: (rng, batchSize) => sampleMaskBatch(sample, rng, batchSize),
  };
}

function allocBranch(batchSize: number, numPatches: number, numVisible: number) {
  return {
    visible: new Int32Array(batchSize * numVisible),
    masked: new Int32Array(batchSize * (numPatches - numVisible)),
    restore: new Int32Array(batchSize * numPatches),
  };
}

/** B splits written straight into the stacked arrays (no per-image allocations). */
function sampleSplitBatch(
  core: SplitCore,
  rng: MaskRng,
  batchSize: number,
): { a: SplitBatchBranch; b: SplitBatchBranch } {
  checkInt('sampleBatch', 'batchSize', batchSize, 0);
  const { numPatches: L, numVisible: K } = core;
  const a = allocBranch(batchSize, L, K);
  const b = allocBranch(batchSize, L, K);
  const maskA = new Uint8Array(L);
  const maskB = new Uint8Array(L);
  for (let i = 0; i < batchSize; i++) {
    core.fill(rng, maskA, maskB);
    writeIndices(maskA, a.visible, a.masked, a.restore, i * K, i * (L - K), i * L);
    writeIndices(maskB, b.visible, b.masked, b.restore, i * K, i * (L - K), i * L);
  }
  return { a, b };
}

function createSplitGenerator(spec: SplitMaskSpec): SplitGenerator {
  const { height, width } = spec;
  const numPatches = height * width;
  const mode = spec.mode ?? 'block';
  let resolved: SplitMaskSpec;
  if (mode === 'random') {
    resolved = { kind: 'split', height, width, mode, visibleFraction: spec.visibleFraction ?? 0.25 };
  } else {
    const limits = scaledBlockLimits(numPatches);
    const minAspect = spec.minAspect ?? 0.3;
    resolved = {
      kind: 'split',
      height,
      width,
      mode,
      minNumPatches: spec.minNumPatches ?? limits.minNumPatches,
      maxNumPatches: spec.maxNumPatches ?? limits.maxNumPatches,
      minAspect,
      maxAspect: spec.maxAspect || 1 / minAspect,
    };
  }
  const core = createSplitCore({ height, width }, resolved);
  const split = createSplitter({ height, width }, resolved);
  return {
    kind: 'split',
    spec: Object.freeze(resolved),
    numPatches,
    numVisible: core.numVisible,
    sample: (rng) => split(rng),
    sampleBatch: (rng, batchSize) => sampleSplitBatch(core, rng, batchSize),
  };
}

/**
 * Builds a generator from a spec (validated with `parseMaskSpec`; typed errors name every bad field).
 * @example
 * const gen = createMaskGenerator({ kind: 'split', height: 14, width: 14 });
 * const { a, b } = gen.sampleBatch(createRng(0), 256); // a.visible: Int32Array [256*98]
 * checkpoint.maskSpec = gen.spec;                       // resolved JSON, every default filled in
 */
export function createMaskGenerator(spec: SplitMaskSpec): SplitGenerator;
export function createMaskGenerator(spec: BlockMaskSpec | RandomMaskSpec): MaskGenerator;
export function createMaskGenerator(spec: unknown): MaskGenerator | SplitGenerator;
export function createMaskGenerator(spec: unknown): MaskGenerator | SplitGenerator {
  const s = parseMaskSpec(spec);
  if (s.kind === 'block') return createBlockGenerator(s);
  if (s.kind === 'random') return createRandomGenerator(s);
  return createSplitGenerator(s);
}
