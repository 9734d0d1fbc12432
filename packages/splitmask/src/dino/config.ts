/**
 * DINO run configuration as frozen data (paper.md §7; main_dino.py defaults @ 7c446df, scaled down by the
 * `model`/`head`/`crops` sizes). Steps are the unit of the per-iteration schedules (LR, weight decay,
 * teacher momentum, as DINO's `cosine_scheduler`); the per-epoch ones (teacher temperature, last-layer
 * freezing) use `train.stepsPerEpoch`.
 */
import { InvalidArgumentError } from '@splitmask/core';

/**
 * A DINO configuration was invalid; the message names every bad field.
 * @example try { resolveDinoConfig(input); } catch (e) { if (e instanceof DinoConfigError) console.error(e.message); }
 */
export class DinoConfigError extends InvalidArgumentError {}

/** Full DINO configuration. */
export interface DinoConfig {
  method: 'dino';
  seed: number;
  /** Backbone (a @splitmask/vit config subset); `imageSize` is the global-crop size. */
  model: {
    imageSize: number;
    patchSize: number;
    inChans: number;
    embedDim: number;
    depth: number;
    numHeads: number;
    mlpRatio: number;
    /** Student drop-path (DINO 0.1); the teacher never drops. */
    dropPathRate: number;
  };
  head: { outDim: number; hiddenDim: number; bottleneckDim: number; nLayers: number; normLastLayer: boolean };
  crops: {
    globalScale: [number, number];
    localScale: [number, number];
    /** Number of local crops (DINO 8). */
    localCrops: number;
    /** Local crop side (DINO 96 for 224 globals); a multiple of patchSize. */
    localSize: number;
    /** Gaussian-blur radius range in pixels (DINO/PIL: [0.1, 2.0] at 224 px). */
    blurRadius: [number, number];
  };
  loss: {
    studentTemp: number;
    teacherTemp: number;
    warmupTeacherTemp: number;
    warmupTeacherTempEpochs: number;
    centerMomentum: number;
  };
  optim: {
    /** Base LR per 256 images; the run uses lr·batchSize/256. */
    lr: number;
    minLr: number;
    warmupSteps: number;
    weightDecay: number;
    weightDecayEnd: number;
    /** Per-tensor gradient-norm clip (0 = off). */
    clipGrad: number;
    freezeLastLayerEpochs: number;
    momentumTeacher: number;
    beta1: number;
    beta2: number;
  };
  train: {
    steps: number;
    batchSize: number;
    /** Iterations per epoch; 0 = ceil(source.length / batchSize). */
    stepsPerEpoch: number;
    logEvery: number;
    checkpointEvery: number;
    keepCheckpoints: number;
  };
}

/** Partial input: every section may be partial. */
export type DinoConfigInput = { [K in keyof DinoConfig]?: Partial<DinoConfig[K]> | DinoConfig[K] };

/**
 * DINO's code defaults (ViT-S/16 at 224 px, out_dim 65,536, 2 × 224 + 8 × 96 crops).
 * @example const cfg = resolveDinoConfig({ train: { batchSize: 64 } }, DINO_DEFAULT_CONFIG);
 */
export const DINO_DEFAULT_CONFIG: Readonly<DinoConfig> = deepFreeze({
  method: 'dino',
  seed: 0,
  model: {
    imageSize: 224,
    patchSize: 16,
    inChans: 3,
    embedDim: 384,
    depth: 12,
    numHeads: 6,
    mlpRatio: 4,
    dropPathRate: 0.1,
  },
  head: { outDim: 65536, hiddenDim: 2048, bottleneckDim: 256, nLayers: 3, normLastLayer: true },
  crops: {
    globalScale: [0.4, 1],
    localScale: [0.05, 0.4],
    localCrops: 8,
    localSize: 96,
    blurRadius: [0.1, 2],
  },
  loss: {
    studentTemp: 0.1,
    teacherTemp: 0.04,
    warmupTeacherTemp: 0.04,
    warmupTeacherTempEpochs: 0,
    centerMomentum: 0.9,
  },
  optim: {
    lr: 5e-4,
    minLr: 1e-6,
    warmupSteps: 0,
    weightDecay: 0.04,
    weightDecayEnd: 0.4,
    clipGrad: 3,
    freezeLastLayerEpochs: 1,
    momentumTeacher: 0.996,
    beta1: 0.9,
    beta2: 0.999,
  },
  train: {
    steps: 1000,
    batchSize: 64,
    stepsPerEpoch: 0,
    logEvery: 10,
    checkpointEvery: 0,
    keepCheckpoints: 2,
  },
} as DinoConfig);

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

const posInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
const nonNegInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
const pos = (v: unknown) => typeof v === 'number' && v > 0 && Number.isFinite(v);
const nonNeg = (v: unknown) => typeof v === 'number' && v >= 0 && Number.isFinite(v);
const unit = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;
const range01 = (v: unknown) =>
  Array.isArray(v) &&
  v.length === 2 &&
  v.every((x) => typeof x === 'number' && x > 0 && x <= 1) &&
  v[0] <= v[1];

function validate(c: DinoConfig): string[] {
  const bad: string[] = [];
  const need = (ok: boolean, path: string, value: unknown, what: string) => {
    if (!ok) bad.push(`${path}=${JSON.stringify(value)} (${what})`);
  };
  need(c.method === 'dino', 'method', c.method, "must be 'dino'");
  need(nonNegInt(c.seed), 'seed', c.seed, 'non-negative integer');
  for (const k of ['imageSize', 'patchSize', 'inChans', 'embedDim', 'depth', 'numHeads'] as const)
    need(posInt(c.model[k]), `model.${k}`, c.model[k], 'positive integer');
  need(pos(c.model.mlpRatio), 'model.mlpRatio', c.model.mlpRatio, '> 0');
  need(unit(c.model.dropPathRate), 'model.dropPathRate', c.model.dropPathRate, 'in [0, 1]');
  need(
    c.model.imageSize % c.model.patchSize === 0,
    'model.imageSize',
    c.model.imageSize,
    'multiple of patchSize',
  );
  need(c.model.embedDim % c.model.numHeads === 0, 'model.embedDim', c.model.embedDim, 'multiple of numHeads');
  for (const k of ['outDim', 'hiddenDim', 'bottleneckDim', 'nLayers'] as const)
    need(posInt(c.head[k]), `head.${k}`, c.head[k], 'positive integer');
  need(typeof c.head.normLastLayer === 'boolean', 'head.normLastLayer', c.head.normLastLayer, 'boolean');
  need(range01(c.crops.globalScale), 'crops.globalScale', c.crops.globalScale, '[lo, hi] in (0, 1]');
  need(range01(c.crops.localScale), 'crops.localScale', c.crops.localScale, '[lo, hi] in (0, 1]');
  need(nonNegInt(c.crops.localCrops), 'crops.localCrops', c.crops.localCrops, 'non-negative integer');
  need(
    posInt(c.crops.localSize) && c.crops.localSize % c.model.patchSize === 0,
    'crops.localSize',
    c.crops.localSize,
    'positive multiple of model.patchSize',
  );
  const br = c.crops.blurRadius;
  need(
    Array.isArray(br) && br.length === 2 && br[0] >= 0 && br[0] <= br[1],
    'crops.blurRadius',
    br,
    '[lo, hi], 0 <= lo <= hi',
  );
  for (const k of ['studentTemp', 'teacherTemp', 'warmupTeacherTemp'] as const)
    need(pos(c.loss[k]), `loss.${k}`, c.loss[k], '> 0');
  need(
    nonNegInt(c.loss.warmupTeacherTempEpochs),
    'loss.warmupTeacherTempEpochs',
    c.loss.warmupTeacherTempEpochs,
    'non-negative integer',
  );
  need(unit(c.loss.centerMomentum), 'loss.centerMomentum', c.loss.centerMomentum, 'in [0, 1]');
  for (const k of ['lr', 'minLr', 'weightDecay', 'weightDecayEnd', 'clipGrad'] as const)
    need(nonNeg(c.optim[k]), `optim.${k}`, c.optim[k], '>= 0');
  need(
    nonNegInt(c.optim.warmupSteps) && c.optim.warmupSteps <= c.train.steps,
    'optim.warmupSteps',
    c.optim.warmupSteps,
    'integer in [0, train.steps]',
  );
  need(
    nonNegInt(c.optim.freezeLastLayerEpochs),
    'optim.freezeLastLayerEpochs',
    c.optim.freezeLastLayerEpochs,
    'non-negative integer',
  );
  for (const k of ['momentumTeacher', 'beta1', 'beta2'] as const)
    need(unit(c.optim[k]), `optim.${k}`, c.optim[k], 'in [0, 1]');
  for (const k of ['steps', 'batchSize', 'logEvery', 'keepCheckpoints'] as const)
    need(posInt(c.train[k]), `train.${k}`, c.train[k], 'positive integer');
  for (const k of ['stepsPerEpoch', 'checkpointEvery'] as const)
    need(nonNegInt(c.train[k]), `train.${k}`, c.train[k], 'non-negative integer');
  return bad;
}

/**
 * Merges `input` section by section over `base` (default: DINO's code defaults), validates every field
 * at once (throws `DinoConfigError` naming each bad one) and freezes.
 * @example resolveDinoConfig({ model: { imageSize: 32, patchSize: 4 }, crops: { localSize: 16 } })
 */
export function resolveDinoConfig(
  input: DinoConfigInput = {},
  base: DinoConfig = DINO_DEFAULT_CONFIG,
): Readonly<DinoConfig> {
  const out = structuredClone(base) as unknown as Record<string, unknown>;
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(input)) {
    if (!(k in out)) {
      unknown.push(k);
      continue;
    }
    const section = out[k];
    if (section !== null && typeof section === 'object' && !Array.isArray(section)) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        unknown.push(`${k} (must be an object)`);
        continue;
      }
      for (const f of Object.keys(v)) if (!(f in section)) unknown.push(`${k}.${f}`);
      out[k] = { ...section, ...v };
    } else out[k] = v;
  }
  const cfg = out as unknown as DinoConfig;
  const bad = [...unknown.map((f) => `${f} (unknown field)`), ...(unknown.length > 0 ? [] : validate(cfg))];
  if (bad.length > 0) throw new DinoConfigError(`resolveDinoConfig: invalid fields: ${bad.join('; ')}`);
  return deepFreeze(cfg);
}

/**
 * Test/demo size: 'mu'-like ViT (16 px, patch 4, D 32, 1 block), out_dim 64, batch 4,
 * 2 global 16 px + 2 local 8 px crops. Runs a step in well under a second on the cpu backend.
 * @example const cfg = resolveDinoConfig({ train: { steps: 20 } }, DINO_TINY_CONFIG);
 */
export const DINO_TINY_CONFIG: Readonly<DinoConfig> = resolveDinoConfig({
  model: {
    imageSize: 16,
    patchSize: 4,
    inChans: 1,
    embedDim: 32,
    depth: 1,
    numHeads: 2,
    mlpRatio: 2,
    dropPathRate: 0.1,
  },
  head: { outDim: 64, hiddenDim: 32, bottleneckDim: 16, nLayers: 3, normLastLayer: true },
  crops: { localCrops: 2, localSize: 8, blurRadius: [0.1, 0.5] },
  optim: { lr: 0.05, warmupSteps: 2 },
  train: { steps: 20, batchSize: 4, stepsPerEpoch: 10, logEvery: 5 },
});
