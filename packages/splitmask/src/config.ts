/**
 * Pretraining configuration: plain immutable data, validated once at the edge (CLI flags, JSON files)
 * with every bad field reported at once (STYLE §8). Defaults follow paper.md Decisions 1-7, scaled to
 * small images; the demo overrides them with `DEMO_CONFIG`.
 */
import { InvalidArgumentError } from '@splitmask/core';

/** Which pretraining method the trainer runs. */
export type PretrainMethod = 'splitmask' | 'beit';

/** The encoder (and SplitMask decoder) architecture. Decoder width/heads/MLP ratio equal the encoder's. */
export interface ModelConfig {
  imageSize: number;
  patchSize: number;
  inChans: number;
  embedDim: number;
  depth: number;
  numHeads: number;
  mlpRatio: number;
  dropPathRate: number;
  /** SplitMask decoder blocks (paper: 2). */
  decoderDepth: number;
}

/** Visual-token targets. */
export interface TokenizerConfig {
  kind: 'random-projection' | 'kmeans';
  vocabSize: number;
  seed: number;
  /** k-means only: images sampled to fit the vocabulary, and Lloyd iterations. */
  fitImages: number;
  fitIterations: number;
}

/** How patches are hidden. */
export interface MaskingConfig {
  /** SplitMask split: 'block' = BEiT block mask at 50% + complement; 'random' = disjoint random subsets. */
  mode: 'block' | 'random';
  /** 'random' mode: fraction of patches each branch sees. */
  visibleFraction: number;
  /** BEiT: fraction of patches masked (block masking, paper 0.4). */
  beitMaskRatio: number;
}

/** Loss weights. */
export interface LossConfig {
  /** InfoNCE temperature τ (paper 0.2). */
  temperature: number;
  /** Weight of InfoNCE in total = MIM + w·InfoNCE (paper 1). */
  nceWeight: number;
}

/** AdamW + warmup-cosine schedule (BEiT recipe). `lr` is the absolute peak LR, already batch-scaled. */
export interface OptimConfig {
  lr: number;
  minLr: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  warmupSteps: number;
  /** Global gradient-norm clip (0 disables). */
  clipGrad: number;
}

/** Loop control. `batchSize` is the micro-batch; one optimiser step sees batchSize·accumSteps images. */
export interface TrainConfig {
  batchSize: number;
  accumSteps: number;
  steps: number;
  logEvery: number;
  checkpointEvery: number;
  keepCheckpoints: number;
}

/** A fully resolved pretraining configuration (frozen). */
export interface PretrainConfig {
  method: PretrainMethod;
  seed: number;
  model: ModelConfig;
  tokenizer: TokenizerConfig;
  masking: MaskingConfig;
  loss: LossConfig;
  optim: OptimConfig;
  train: TrainConfig;
}

/** A partial config as read from JSON or assembled from flags (each section partial). */
export type PretrainConfigInput = Partial<{
  [K in keyof PretrainConfig]: PretrainConfig[K] extends object
    ? Partial<PretrainConfig[K]>
    : PretrainConfig[K];
}>;

/** Every bad field of a config, reported at once. */
export class ConfigError extends InvalidArgumentError {
  readonly issues: readonly string[];
  constructor(issues: string[], source = 'config') {
    super(
      `Invalid ${source} (${issues.length} problem${issues.length > 1 ? 's' : ''}):\n  - ${issues.join('\n  - ')}`,
    );
    this.issues = issues;
  }
}

/** Defaults: a small SplitMask ViT for 32 px images (Fashion-MNIST is zero-padded 28 → 32 for an even 8x8 grid). */
export const DEFAULT_CONFIG: PretrainConfig = {
  method: 'splitmask',
  seed: 0,
  model: {
    imageSize: 32,
    patchSize: 4,
    inChans: 1,
    embedDim: 96,
    depth: 4,
    numHeads: 3,
    mlpRatio: 4,
    dropPathRate: 0.1,
    decoderDepth: 2,
  },
  tokenizer: { kind: 'kmeans', vocabSize: 256, seed: 0, fitImages: 2048, fitIterations: 10 },
  masking: { mode: 'block', visibleFraction: 0.25, beitMaskRatio: 0.4 },
  loss: { temperature: 0.2, nceWeight: 1 },
  optim: {
    lr: 1e-3,
    minLr: 1e-5,
    weightDecay: 0.05,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    warmupSteps: 20,
    clipGrad: 3,
  },
  train: { batchSize: 64, accumSteps: 1, steps: 300, logEvery: 10, checkpointEvery: 100, keepCheckpoints: 2 },
};

type Rule =
  | { kind: 'int' | 'number'; min?: number; max?: number; exclusiveMin?: boolean }
  | { kind: 'enum'; values: readonly string[] };

const int = (min: number, max = Number.MAX_SAFE_INTEGER): Rule => ({ kind: 'int', min, max });
const num = (min: number, max = Number.POSITIVE_INFINITY, exclusiveMin = false): Rule => ({
  kind: 'number',
  min,
  max,
  exclusiveMin,
});

const SCHEMA: {
  [S in keyof PretrainConfig]: PretrainConfig[S] extends object
    ? { [F in keyof PretrainConfig[S]]: Rule }
    : Rule;
} = {
  method: { kind: 'enum', values: ['splitmask', 'beit'] },
  seed: int(0, 2 ** 32 - 1),
  model: {
    imageSize: int(2, 4096),
    patchSize: int(1, 1024),
    inChans: int(1, 4),
    embedDim: int(1, 8192),
    depth: int(1, 128),
    numHeads: int(1, 256),
    mlpRatio: num(0, 64, true),
    dropPathRate: num(0, 0.99),
    decoderDepth: int(1, 64),
  },
  tokenizer: {
    kind: { kind: 'enum', values: ['random-projection', 'kmeans'] },
    vocabSize: int(2, 1 << 20),
    seed: int(0, 2 ** 32 - 1),
    fitImages: int(1),
    fitIterations: int(0, 10000),
  },
  masking: {
    mode: { kind: 'enum', values: ['block', 'random'] },
    visibleFraction: num(0, 0.5, true),
    beitMaskRatio: num(0, 1, true),
  },
  loss: { temperature: num(0, 100, true), nceWeight: num(0, 1e6) },
  optim: {
    lr: num(0, 10, true),
    minLr: num(0, 10),
    weightDecay: num(0, 10),
    beta1: num(0, 0.9999999),
    beta2: num(0, 0.9999999),
    eps: num(0, 1, true),
    warmupSteps: int(0),
    clipGrad: num(0, 1e9),
  },
  train: {
    batchSize: int(2, 1 << 16),
    accumSteps: int(1, 1 << 16),
    steps: int(1),
    logEvery: int(1),
    checkpointEvery: int(0),
    keepCheckpoints: int(1, 1000),
  },
};

function checkValue(path: string, value: unknown, rule: Rule, issues: string[]): void {
  if (rule.kind === 'enum') {
    if (typeof value !== 'string' || !rule.values.includes(value)) {
      issues.push(
        `${path}: expected one of ${rule.values.map((v) => `'${v}'`).join(' | ')}, got ${JSON.stringify(value)}`,
      );
    }
    return;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    issues.push(`${path}: expected a finite number, got ${JSON.stringify(value)}`);
    return;
  }
  if (rule.kind === 'int' && !Number.isInteger(value))
    issues.push(`${path}: expected an integer, got ${value}`);
  const lo = rule.min ?? Number.NEGATIVE_INFINITY;
  const hi = rule.max ?? Number.POSITIVE_INFINITY;
  const tooLow = rule.kind === 'number' && rule.exclusiveMin ? value <= lo : value < lo;
  if (tooLow || value > hi) {
    const lower = rule.kind === 'number' && rule.exclusiveMin ? `(${lo}` : `[${lo}`;
    issues.push(`${path}: ${value} is outside ${lower}, ${hi}]`);
  }
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function crossChecks(c: PretrainConfig, issues: string[]): void {
  const m = c.model;
  if (Number.isInteger(m.imageSize) && Number.isInteger(m.patchSize) && m.imageSize % m.patchSize !== 0) {
    issues.push(`model.imageSize: ${m.imageSize} is not divisible by model.patchSize=${m.patchSize}`);
  }
  const grid = Math.floor(m.imageSize / m.patchSize);
  if (grid * grid < 4) issues.push(`model: a ${grid}x${grid} patch grid is too small (need at least 2x2)`);
  if (Number.isInteger(m.embedDim) && Number.isInteger(m.numHeads) && m.embedDim % m.numHeads !== 0) {
    issues.push(`model.embedDim: ${m.embedDim} is not divisible by model.numHeads=${m.numHeads}`);
  }
  if (c.optim.minLr > c.optim.lr)
    issues.push(`optim.minLr: ${c.optim.minLr} is above optim.lr=${c.optim.lr}`);
  if (c.optim.warmupSteps > c.train.steps) {
    issues.push(`optim.warmupSteps: ${c.optim.warmupSteps} is more than train.steps=${c.train.steps}`);
  }
}

/**
 * Merges `input` over `base` (default `DEFAULT_CONFIG`), validates every field (unknown keys, types,
 * ranges, cross-field constraints) and returns a frozen config; throws one ConfigError listing all issues.
 * @example const cfg = resolvePretrainConfig({ method: 'beit', train: { steps: 10 } });
 */
export function resolvePretrainConfig(
  input: unknown = {},
  base: PretrainConfig = DEFAULT_CONFIG,
  source = 'config',
): PretrainConfig {
  const issues: string[] = [];
  if (!isPlainObject(input))
    throw new ConfigError([`expected a JSON object, got ${JSON.stringify(input)}`], source);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (!(key in SCHEMA)) issues.push(`${key}: unknown field (known: ${Object.keys(SCHEMA).join(', ')})`);
  }
  for (const [key, rule] of Object.entries(SCHEMA) as [keyof PretrainConfig, unknown][]) {
    const baseValue = base[key];
    const given = input[key];
    if (isPlainObject(baseValue)) {
      if (given !== undefined && !isPlainObject(given)) {
        issues.push(`${key}: expected an object, got ${JSON.stringify(given)}`);
        out[key] = { ...(baseValue as object) };
        continue;
      }
      const section: Record<string, unknown> = { ...(baseValue as object) };
      const rules = rule as Record<string, Rule>;
      for (const [field, value] of Object.entries(given ?? {})) {
        if (!(field in rules)) {
          issues.push(`${key}.${field}: unknown field (known: ${Object.keys(rules).join(', ')})`);
        } else section[field] = value;
      }
      for (const [field, r] of Object.entries(rules))
        checkValue(`${key}.${field}`, section[field], r, issues);
      out[key] = Object.freeze(section);
    } else {
      const value = given === undefined ? baseValue : given;
      checkValue(key, value, rule as Rule, issues);
      out[key] = value;
    }
  }
  const cfg = out as unknown as PretrainConfig;
  if (issues.length === 0) crossChecks(cfg, issues);
  if (issues.length) throw new ConfigError(issues, source);
  return Object.freeze(cfg);
}

/** Deep merge of config inputs, later ones winning (used for file < flags). */
export function mergeConfigInputs(...inputs: PretrainConfigInput[]): PretrainConfigInput {
  const out: Record<string, unknown> = {};
  for (const input of inputs) {
    for (const [k, v] of Object.entries(input)) {
      out[k] = isPlainObject(v) && isPlainObject(out[k]) ? { ...(out[k] as object), ...v } : v;
    }
  }
  return out as PretrainConfigInput;
}

/** Canonical JSON (sorted keys), so equal configs serialise identically. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A short hash of everything that determines the training trajectory: all fields except the loop's
 * logging/checkpoint cadence (`steps` stays in: it shapes the cosine schedule).
 * @example configFingerprint(cfg) // 'a3f09c12'
 */
export function configFingerprint(cfg: object): string {
  const whole = cfg as { train?: Record<string, unknown> };
  const { logEvery: _l, checkpointEvery: _c, keepCheckpoints: _k, ...train } = whole.train ?? {};
  const text = canonicalJson(whole.train === undefined ? whole : { ...whole, train });
  // FNV-1a, 2 x 32 bits with different offsets.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193 + 2);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** Fields of two configs that differ, as `path: a → b` lines (for the mismatch message). */
export function diffConfigs(a: unknown, b: unknown, path = ''): string[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffConfigs(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return canonicalJson(a) === canonicalJson(b) ? [] : [`${path}: ${canonicalJson(a)} → ${canonicalJson(b)}`];
}
