/**
 * The experiment presets (smoke, quick, standard, full), the shared model/DINO/fine-tuning settings they
 * are built from, and a preset resolved with a `--config` JSON deep-merged over it.
 */
import { readFileSync } from 'node:fs';

/** A 28px, 1-channel ViT with 4px patches (7x7 grid). */
const MODEL = { imageSize: 28, patchSize: 4, inChans: 1, mlpRatio: 2, dropPathRate: 0.05, decoderDepth: 2 };

/**
 * DINO arm (`dino` in a preset): the DinoConfigInput sections that are DINO's own (crops, head, loss,
 * optim). model (minus the decoder), seed, train.steps/batchSize and optim.warmupSteps come from
 * `pretrain`, so DINO gets the same encoder and step budget as BEiT and SplitMask. 28 px globals with
 * 12 px locals (DINO's 96/224 ratio, a multiple of the 4 px patch); docs/dino.md's short-run settings:
 * LR 5e-4 per 256 images and teacher momentum 0.99 (the tiny config's LR 0.05 collapses).
 */
const DINO_SHORT = {
  crops: { localSize: 12, localCrops: 6, blurRadius: [0.1, 0.5] },
  head: { outDim: 1024, hiddenDim: 256, bottleneckDim: 128 },
  optim: { lr: 5e-4, momentumTeacher: 0.99 },
};

/**
 * Fine-tuning recipe for small labelled sets (chosen on the validation split, docs/results/recipe-sweep.md):
 * no mixup/cutmix (at 90–9,000 labels they slow convergence more than they regularise), label smoothing
 * 0.1, drop-path 0.1, horizontal flips, AdamW lr 1e-3 / wd 0.05 at batch 64, 10 % warmup, cosine; no
 * layer decay from scratch (there is no pretrained stack to protect).
 */
const SMALL_DATA_RECIPE = {
  batchSize: 64,
  lr: 1e-3,
  minLr: 1e-6,
  warmupEpochs: 3,
  weightDecay: 0.05,
  layerDecay: 1,
  labelSmoothing: 0.1,
  mixupAlpha: 0,
  cutmixAlpha: 0,
  mixupProb: 0,
  dropPath: 0.1,
  hflip: true,
};

/** The headline preset (see its note). */
const STANDARD = {
  note: 'the headline table: 9,000 train images (1,000 more held out for validation), SplitMask (random halves, InfoNCE weight 0.3)/BEiT/DINO pretrained ~12 epochs with a k-NN monitor, the small-data fine-tuning recipe, a supervised-from-scratch arm and raw-pixel baselines; about 2.3 h on 2 CPU cores for 3 seeds, estimated from the per-arm times measured in docs/results/fashion-mnist-standard.md (DINO not yet measured)',
  trainImages: 10000,
  testImages: 2000,
  valImages: 1000,
  pretrain: {
    model: { ...MODEL, embedDim: 64, depth: 4, numHeads: 4 },
    tokenizer: { kind: 'kmeans', vocabSize: 128, seed: 0, fitImages: 2048, fitIterations: 10 },
    // Random halves and InfoNCE weight 0.3, chosen on the validation split (docs/results/ssl-sweep.md):
    // on a 7x7 grid a 50 % block mask leaves each branch one or two big regions (k-NN 73.2 -> 76.5).
    masking: { mode: 'random', visibleFraction: 0.5 },
    optim: { lr: 2e-3, minLr: 1e-5, weightDecay: 0.05, warmupSteps: 100, clipGrad: 3 },
    train: {
      batchSize: 64,
      accumSteps: 1,
      steps: 1700,
      logEvery: 100,
      checkpointEvery: 0,
      keepCheckpoints: 1,
    },
    loss: { nceWeight: 0.3 },
  },
  pretrainMonitorEvery: 425,
  methods: 'pixels,scratch,beit,splitmask,dino',
  dino: DINO_SHORT,
  knn: { k: 20, temperature: 0.07 },
  linear: { epochs: 50, batchSize: 256, lr: 4e-3, weightDecay: 1e-4 },
  pixels: { Cs: [0.01, 0.1, 1] },
  finetune: {
    ...SMALL_DATA_RECIPE,
    layerDecay: 0.75,
    fractions: [
      [0.01, 100],
      [0.1, 40],
      [1, 15],
    ],
  },
  scratch: {
    ...SMALL_DATA_RECIPE,
    fractions: [
      [0.01, 300],
      [0.1, 100],
      [1, 30],
    ],
  },
};

/**
 * `long`: the standard preset with 5x the pretraining (8,500 steps x 64 images = 60 epochs of the 9,000
 * training images, warmup 400 steps, k-NN monitor every 850) — docs/results/fashion-mnist-long.md. The
 * from-scratch arm gets the same total budget at 100 % labels: 75 epochs = 675k images, as many as 60
 * epochs of pretraining plus 15 of fine-tuning (1 % / 10 % keep the standard epochs: their validation
 * curves are flat long before, on 90 / 900 images).
 */
const LONG = {
  note: 'the standard preset with 5x the pretraining (60 epochs, 8,500 steps) and a same-budget from-scratch arm (75 epochs at 100 % labels): ~50-80 min of SplitMask pretraining per seed on one wasm core; for several cores or a GPU',
  pretrain: { optim: { warmupSteps: 400 }, train: { steps: 8500, logEvery: 500 } },
  pretrainMonitorEvery: 850,
  // 1 % / 10 %: the standard epochs by construction; 100 %: the same-budget 75
  scratch: { fractions: [...STANDARD.scratch.fractions.filter(([f]) => f !== 1), [1, 75]] },
};

/**
 * Presets. trainImages/testImages: class-balanced subsets of the splits (0 = all). pretrain: the
 * splitmask PretrainConfigInput fields shared by BEiT and SplitMask (method set per run). finetune:
 * FinetuneOptions plus `fractions`: [labelled fraction, epochs] pairs (a JSON override replaces the list). linear: LinearProbeOptions. knn: { k, temperature }. dino: see DINO_SHORT.
 */
export const PRESETS = {
  smoke: {
    note: 'plumbing check only: tiny model, 40 pretraining steps, 1-3 fine-tuning epochs; numbers are NOT meaningful',
    trainImages: 1000,
    testImages: 500,
    pretrain: {
      model: { ...MODEL, embedDim: 32, depth: 2, numHeads: 2, decoderDepth: 1 },
      tokenizer: { kind: 'kmeans', vocabSize: 64, seed: 0, fitImages: 512, fitIterations: 3 },
      masking: { mode: 'block' },
      optim: { lr: 2e-3, minLr: 1e-5, weightDecay: 0.05, warmupSteps: 4, clipGrad: 3 },
      train: {
        batchSize: 32,
        accumSteps: 1,
        steps: 40,
        logEvery: 10,
        checkpointEvery: 0,
        keepCheckpoints: 1,
      },
    },
    dino: DINO_SHORT,
    knn: { k: 20, temperature: 0.07 },
    linear: { epochs: 10, batchSize: 128, lr: 4e-3, weightDecay: 1e-4 },
    finetune: {
      fractions: [
        [0.01, 3],
        [0.1, 2],
        [1, 1],
      ],
      batchSize: 32,
      lr: 2e-3,
      warmupEpochs: 0,
    },
    valImages: 100,
    pixels: { Cs: [0.1, 1] },
    scratch: {
      ...SMALL_DATA_RECIPE,
      fractions: [
        [0.01, 3],
        [0.1, 2],
        [1, 1],
      ],
      batchSize: 32,
      warmupEpochs: 0,
    },
    pretrainMonitorEvery: 20,
  },
  quick: {
    note: 'small ViT, short schedules; measured 24 min on 2 CPU cores with --jobs 2 (wasm, core wasm kernels; 66 min before them), within the one-hour budget',
    trainImages: 10000,
    testImages: 2000,
    pretrain: {
      model: { ...MODEL, embedDim: 64, depth: 4, numHeads: 4 },
      tokenizer: { kind: 'kmeans', vocabSize: 128, seed: 0, fitImages: 2048, fitIterations: 10 },
      masking: { mode: 'block' },
      optim: { lr: 2e-3, minLr: 1e-5, weightDecay: 0.05, warmupSteps: 50, clipGrad: 3 },
      train: {
        batchSize: 64,
        accumSteps: 1,
        steps: 800,
        logEvery: 50,
        checkpointEvery: 0,
        keepCheckpoints: 1,
      },
    },
    dino: DINO_SHORT,
    knn: { k: 20, temperature: 0.07 },
    linear: { epochs: 50, batchSize: 256, lr: 4e-3, weightDecay: 1e-4 },
    finetune: {
      fractions: [
        [0.01, 30],
        [0.1, 10],
        [1, 3],
      ],
      batchSize: 64,
      lr: 2e-3,
      warmupEpochs: 1,
    },
    pixels: { Cs: [1] },
    methods: 'pixels,random,beit,splitmask,dino',
  },
  standard: STANDARD,
  long: deepMerge(STANDARD, LONG),
  full: {
    note: 'all 60k/10k images, ViT-Ti-like width, long schedules: for a GPU backend',
    trainImages: 0,
    testImages: 0,
    pretrain: {
      model: { ...MODEL, embedDim: 192, depth: 12, numHeads: 3, mlpRatio: 4, dropPathRate: 0.1 },
      tokenizer: { kind: 'kmeans', vocabSize: 512, seed: 0, fitImages: 20000, fitIterations: 20 },
      // Random halves and InfoNCE weight 0.3, chosen on the validation split (docs/results/ssl-sweep.md):
      // on a 7x7 grid a 50 % block mask leaves each branch one or two big regions (k-NN 73.2 -> 76.5).
      masking: { mode: 'random', visibleFraction: 0.5 },
      optim: { lr: 1.5e-3, minLr: 1e-5, weightDecay: 0.05, warmupSteps: 2000, clipGrad: 3 },
      train: {
        batchSize: 256,
        accumSteps: 1,
        steps: 50000,
        logEvery: 100,
        checkpointEvery: 5000,
        keepCheckpoints: 2,
      },
      loss: { nceWeight: 0.3 },
    },
    dino: {
      ...DINO_SHORT,
      head: { outDim: 8192, hiddenDim: 1024, bottleneckDim: 256 },
      optim: { lr: 5e-4, momentumTeacher: 0.996 },
    },
    knn: { k: 20, temperature: 0.07 },
    linear: { epochs: 100, batchSize: 1024, lr: 4e-3, weightDecay: 1e-4 },
    valImages: 5000,
    pretrainMonitorEvery: 2500,
    pixels: { Cs: [0.01, 0.1, 1] },
    finetune: {
      ...SMALL_DATA_RECIPE,
      layerDecay: 0.75,
      fractions: [
        [0.01, 200],
        [0.1, 100],
        [1, 50],
      ],
      batchSize: 256,
      lr: 4e-3,
      warmupEpochs: 5,
    },
    scratch: {
      ...SMALL_DATA_RECIPE,
      fractions: [
        [0.01, 1000],
        [0.1, 300],
        [1, 100],
      ],
      batchSize: 256,
      lr: 4e-3,
      warmupEpochs: 5,
    },
  },
};

function deepMerge(base, over) {
  if (over === null || typeof over !== 'object' || Array.isArray(over)) return over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base?.[k], v);
  return out;
}

/** The preset with --config merged over it. */
export function resolvePreset(args) {
  return deepMerge(PRESETS[args.preset], args.config ? JSON.parse(readFileSync(args.config, 'utf8')) : {});
}
