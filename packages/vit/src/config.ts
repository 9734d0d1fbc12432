/**
 * ViT configurations as frozen data: named variants (timm/DeiT sizes at 224px, small-image variants for
 * 28–64px inputs, a test-size `'mu'`) and `resolveVitConfig`, which merges, validates and freezes.
 *
 * Defaults follow the plain ViT of Dosovitskiy et al. as used by DeiT/BEiT/SplitMask (paper.md §1.3,
 * §3.1, Decision 2): pre-norm, qkv bias, LayerNorm eps 1e-6, learned absolute position embedding, CLS
 * token, no LayerScale.
 */
import { InvalidArgumentError } from '@splitmask/core';

/** How token features are pooled into one image descriptor. */
export type VitPool = 'cls' | 'mean';
/** Learned absolute (ViT/BEiT) or fixed 2-D sin-cos (MAE) position embedding. */
export type VitPosEmbed = 'learned' | 'sincos';

/** A resolved, validated, frozen ViT configuration. */
export interface VitConfig {
  /** Square input side in pixels (H = W). */
  readonly imageSize: number;
  /** Patch side p; imageSize must be divisible by it. */
  readonly patchSize: number;
  /** Input channels C (1 or 3). */
  readonly inChans: number;
  /** Width D. */
  readonly embedDim: number;
  /** Number of transformer blocks. */
  readonly depth: number;
  /** Attention heads H; embedDim must be divisible by it. */
  readonly numHeads: number;
  /** MLP hidden width = round(mlpRatio · D). */
  readonly mlpRatio: number;
  /** Bias in the qkv projection (true for ViT/DeiT/BEiT). */
  readonly qkvBias: boolean;
  /** Maximum stochastic-depth rate; block i uses linspace(0, rate, depth)[i] as timm/BEiT. */
  readonly dropPathRate: number;
  /** Position embedding kind. */
  readonly posEmbed: VitPosEmbed;
  /** Classes of the linear head; 0 = no head. */
  readonly numClasses: number;
  /** Pooling for `poolFeatures` / the head: CLS token or mean of patch tokens. */
  readonly pool: VitPool;
  /**
   * timm's `fc_norm`: a LayerNorm after pooling instead of the final `norm` on tokens (BEiT fine-tuning's
   * `use_mean_pooling`). Default: true when pool is 'mean'.
   */
  readonly fcNorm: boolean;
  /** LayerScale init value (gamma_1/gamma_2); 0 = no LayerScale (Decision 2). */
  readonly layerScaleInit: number;
  /** LayerNorm epsilon (1e-6 as timm/BEiT, not tfjs's 1e-3). */
  readonly layerNormEps: number;
}

/** Named variant keys. */
export type VitVariantName = 'mu' | 'Ti/16' | 'S/16' | 'B/16' | 'Ti/4' | 'S/4' | 'B/4' | 'Ti/4@28' | 'S/4@28';

const BASE = {
  inChans: 3,
  mlpRatio: 4,
  qkvBias: true,
  dropPathRate: 0,
  posEmbed: 'learned',
  numClasses: 0,
  pool: 'cls',
  layerScaleInit: 0,
  layerNormEps: 1e-6,
} as const;

const TI = { embedDim: 192, depth: 12, numHeads: 3 };
const S = { embedDim: 384, depth: 12, numHeads: 6 };
const B = { embedDim: 768, depth: 12, numHeads: 12 };

function freezeVariant(v: Omit<VitConfig, 'fcNorm'>): VitConfig {
  return Object.freeze({ ...v, fcNorm: v.pool === 'mean' });
}

/**
 * Named variants. 'Ti/16', 'S/16', 'B/16': timm `vit_{tiny,small,base}_patch16_224` (= DeiT). Small-image
 * variants use patch 4: 'Ti/4', 'S/4', 'B/4' at 32px (8×8 grid), 'Ti/4@28', 'S/4@28' at 28px with 1
 * channel (Fashion-MNIST, 7×7 grid). 'mu': test size (16px, patch 4, 1 channel, D=32, 1 block, 2 heads).
 * @example const cfg = resolveVitConfig('Ti/4', { numClasses: 10 });
 */
export const VIT_VARIANTS: Readonly<Record<VitVariantName, VitConfig>> = Object.freeze({
  mu: freezeVariant({
    ...BASE,
    imageSize: 16,
    patchSize: 4,
    inChans: 1,
    embedDim: 32,
    depth: 1,
    numHeads: 2,
  }),
  'Ti/16': freezeVariant({ ...BASE, ...TI, imageSize: 224, patchSize: 16 }),
  'S/16': freezeVariant({ ...BASE, ...S, imageSize: 224, patchSize: 16 }),
  'B/16': freezeVariant({ ...BASE, ...B, imageSize: 224, patchSize: 16 }),
  'Ti/4': freezeVariant({ ...BASE, ...TI, imageSize: 32, patchSize: 4 }),
  'S/4': freezeVariant({ ...BASE, ...S, imageSize: 32, patchSize: 4 }),
  'B/4': freezeVariant({ ...BASE, ...B, imageSize: 32, patchSize: 4 }),
  'Ti/4@28': freezeVariant({ ...BASE, ...TI, imageSize: 28, patchSize: 4, inChans: 1 }),
  'S/4@28': freezeVariant({ ...BASE, ...S, imageSize: 28, patchSize: 4, inChans: 1 }),
});

const KEYS: readonly (keyof VitConfig)[] = [
  'imageSize',
  'patchSize',
  'inChans',
  'embedDim',
  'depth',
  'numHeads',
  'mlpRatio',
  'qkvBias',
  'dropPathRate',
  'posEmbed',
  'numClasses',
  'pool',
  'fcNorm',
  'layerScaleInit',
  'layerNormEps',
];

/** A config failed validation; `fields` lists every bad field (all reported at once). */
export class VitConfigError extends InvalidArgumentError {
  readonly fields: readonly string[];
  constructor(problems: { field: string; message: string }[]) {
    super(`Invalid ViT config: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    this.fields = problems.map((p) => p.field);
  }
}

const isPosInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x > 0;

function validate(c: Record<string, unknown>): { field: string; message: string }[] {
  const bad: { field: string; message: string }[] = [];
  const need = (ok: boolean, field: string, message: string) => {
    if (!ok) bad.push({ field, message: `${message}, got ${JSON.stringify(c[field])}` });
  };
  for (const k of Object.keys(c)) need((KEYS as string[]).includes(k), k, 'unknown field');
  for (const k of ['imageSize', 'patchSize', 'inChans', 'embedDim', 'depth', 'numHeads'] as const)
    need(isPosInt(c[k]), k, 'expected a positive integer');
  if (isPosInt(c.imageSize) && isPosInt(c.patchSize))
    need(c.imageSize % c.patchSize === 0, 'imageSize', `expected a multiple of patchSize=${c.patchSize}`);
  if (isPosInt(c.embedDim) && isPosInt(c.numHeads))
    need(c.embedDim % c.numHeads === 0, 'embedDim', `expected a multiple of numHeads=${c.numHeads}`);
  const posEven = isPosInt(c.embedDim) && c.embedDim % 4 === 0;
  if (c.posEmbed === 'sincos') need(posEven, 'embedDim', "expected a multiple of 4 for posEmbed 'sincos'");
  need(typeof c.mlpRatio === 'number' && (c.mlpRatio as number) > 0, 'mlpRatio', 'expected a number > 0');
  need(typeof c.qkvBias === 'boolean', 'qkvBias', 'expected a boolean');
  const dpr = c.dropPathRate as number;
  need(typeof dpr === 'number' && dpr >= 0 && dpr < 1, 'dropPathRate', 'expected a number in [0, 1)');
  need(c.posEmbed === 'learned' || c.posEmbed === 'sincos', 'posEmbed', "expected 'learned' or 'sincos'");
  need(
    Number.isInteger(c.numClasses) && (c.numClasses as number) >= 0,
    'numClasses',
    'expected an integer >= 0',
  );
  need(c.pool === 'cls' || c.pool === 'mean', 'pool', "expected 'cls' or 'mean'");
  need(typeof c.fcNorm === 'boolean', 'fcNorm', 'expected a boolean');
  const ls = c.layerScaleInit as number;
  need(typeof ls === 'number' && ls >= 0, 'layerScaleInit', 'expected a number >= 0');
  const eps = c.layerNormEps as number;
  need(typeof eps === 'number' && eps > 0, 'layerNormEps', 'expected a number > 0');
  return bad;
}

/**
 * Merges a variant (by name or a partial config over 'mu'-free defaults) with overrides, validates every
 * field at once (throws `VitConfigError` naming each bad field) and freezes the result.
 * `fcNorm` follows `pool === 'mean'` unless set in the same call (overriding `pool` of a resolved
 * config re-derives it).
 * @example resolveVitConfig('S/16', { numClasses: 1000, dropPathRate: 0.1 })
 * @example resolveVitConfig({ imageSize: 32, patchSize: 4, embedDim: 64, depth: 2, numHeads: 2 })
 */
export function resolveVitConfig(
  nameOrPartial: VitVariantName | Partial<VitConfig>,
  overrides: Partial<VitConfig> = {},
): VitConfig {
  let base: Partial<VitConfig>;
  if (typeof nameOrPartial === 'string') {
    const v = VIT_VARIANTS[nameOrPartial];
    if (!v) {
      throw new VitConfigError([
        {
          field: 'variant',
          message: `unknown variant '${nameOrPartial}' (known: ${Object.keys(VIT_VARIANTS).join(', ')})`,
        },
      ]);
    }
    const { fcNorm: _omit, ...rest } = v;
    base = rest;
  } else {
    base = { ...BASE, ...nameOrPartial };
  }
  const merged: Record<string, unknown> = { ...base, ...overrides };
  // fcNorm is derived from pool unless this call sets it (also when `base` is a resolved config).
  const poolChanged = 'pool' in overrides || (typeof nameOrPartial === 'object' && 'pool' in nameOrPartial);
  const fcNormGiven =
    'fcNorm' in overrides ||
    (typeof nameOrPartial === 'object' && 'fcNorm' in nameOrPartial && !('pool' in overrides));
  if (merged.fcNorm === undefined || (poolChanged && !fcNormGiven)) merged.fcNorm = merged.pool === 'mean';
  const bad = validate(merged);
  if (bad.length) throw new VitConfigError(bad);
  return Object.freeze(merged as unknown as VitConfig);
}

/** Derived sizes. @example const { gridSize, numPatches, patchDim } = vitDims(cfg); */
export function vitDims(cfg: VitConfig): {
  gridSize: number;
  numPatches: number;
  patchDim: number;
  headDim: number;
  mlpHidden: number;
} {
  const gridSize = cfg.imageSize / cfg.patchSize;
  return {
    gridSize,
    numPatches: gridSize * gridSize,
    patchDim: cfg.patchSize * cfg.patchSize * cfg.inChans,
    headDim: cfg.embedDim / cfg.numHeads,
    mlpHidden: Math.round(cfg.embedDim * cfg.mlpRatio),
  };
}
