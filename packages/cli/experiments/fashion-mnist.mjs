#!/usr/bin/env node
/**
 * The paper's claim on a small dataset: pretraining on the target data alone. BEiT vs SplitMask vs DINO
 * (the paper's §7 baseline), each pretrained only on the Fashion-MNIST *training* images (the labels are
 * not used), then evaluated with DINO's weighted k-NN, BEiT's linear probe, and fine-tuning with 1%, 10%
 * and 100% of the training labels (class-balanced, seeded) — next to the baselines a user would run
 * first, computed on the same split: raw pixels (`pixels`: the same k-NN on the flattened pixels, and
 * standardised-pixel logistic regression at each fraction), the same ViT trained from scratch on the
 * labels alone (`scratch`, its own small-data recipe) and the untrained encoder (`random`).
 *
 *   node packages/cli/experiments/fashion-mnist.mjs --preset smoke   # a few minutes: plumbing check
 *   node packages/cli/experiments/fashion-mnist.mjs --preset standard --seeds 0,1,2 --jobs 2   # the headline table
 *   node packages/cli/experiments/fashion-mnist.mjs --preset quick --jobs 2   # the earlier 5-epoch table
 *   node packages/cli/experiments/fashion-mnist.mjs --preset full --backend webgpu
 *   ... [--seed 0 | --seeds 0,1,2] [--backend auto|cpu|wasm|webgpu|tensorflow]
 *       [--methods pixels,scratch,random,beit,splitmask,dino] (default: the preset's `methods`)
 *       [--eval test|val]   # val: evaluate on the validation split (recipe choices), never on test
 *       [--config overrides.json] [--out docs/results] [--name fashion-mnist] [--encoders <dir>]
 *       [--reuse-encoders 1]  # evaluate encoders this name/seed already saved in --encoders (sweeps)
 *       [--jobs N]   # (seed, arms) units in N child processes (tfjs-wasm is single-threaded: one per core)
 *       [--workers auto|N]  # data-parallel worker threads per job for pretraining and fine-tuning
 *                           # (default auto: the cores divided among the jobs, at least 1)
 *   ... --merge a.json,b.json [--out ...] [--name ...]   # one report from partial results (arms, seeds)
 *
 * Any dataset: `--data mnist` or `--data <folder>` (train/ and test/ class folders; images are resized to
 * model.imageSize) and a `--config` JSON deep-merged over the preset (fields: see PRESETS below).
 * Needs `pnpm --filter "splitmask..." build` first (this harness lives in the application package, above
 * every library it uses).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@splitmask/core';
import { imageFolder, loadFashionMnist, loadMnist } from '@splitmask/datasets/node';
import {
  arraySource,
  classBalancedSubset,
  extractFeatures,
  finetune,
  fitLogisticRegression,
  knnClassify,
  markdownTable,
  metricsFromLogits,
  metricsMarkdown,
  plotConfusion,
  plotCurves,
  selectImages,
  trainLinearProbe,
} from '@splitmask/eval';
import { loadEncoderCheckpoint, saveEncoderTimm, writePng } from '@splitmask/eval/node';
import * as tf from '@tensorflow/tfjs-core';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = join(HERE, '..', '..', '..');

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
  standard: {
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
  },
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

function parseArgs(argv) {
  const a = {
    preset: 'smoke',
    seed: 0,
    backend: 'auto',
    methods: undefined,
    eval: 'test',
    data: 'fashion-mnist',
    encoders: join(tmpdir(), 'splitmask-experiments'),
    jobs: 1,
    workers: 'auto',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i]?.replace(/^--/, '');
    if (
      !k ||
      ![
        'preset',
        'seed',
        'backend',
        'methods',
        'config',
        'out',
        'name',
        'data',
        'encoders',
        'jobs',
        'workers',
        'merge',
        'seeds',
        'eval',
        'reuse-encoders',
        'stem',
      ].includes(k) ||
      argv[i + 1] === undefined
    )
      throw new Error(
        `unknown or incomplete argument '${argv[i]}' (see the header of ${fileURLToPath(import.meta.url)})`,
      );
    a[k] = k === 'seed' || k === 'jobs' ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!Number.isInteger(a.jobs) || a.jobs < 1)
    throw new Error(`--jobs must be a positive integer, got ${a.jobs}`);
  a.workers =
    a.workers === 'auto' ? Math.max(1, Math.floor(availableParallelism() / a.jobs)) : Number(a.workers);
  if (!Number.isInteger(a.workers) || a.workers < 1)
    throw new Error(`--workers must be 'auto' or a positive integer, got ${a.workers}`);
  if (!PRESETS[a.preset])
    throw new Error(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got '${a.preset}'`);
  a.methods ??= PRESETS[a.preset].methods ?? DEFAULT_METHODS;
  for (const m of a.methods.split(','))
    if (!ARMS.includes(m)) throw new Error(`--methods: unknown arm '${m}' (arms: ${ARMS.join(', ')})`);
  if (a.eval !== 'test' && a.eval !== 'val')
    throw new Error(`--eval must be 'test' or 'val', got '${a.eval}'`);
  if (a.seeds !== undefined) {
    a.seeds = a.seeds.split(',').map(Number);
    if (!a.seeds.every((v) => Number.isInteger(v) && v >= 0))
      throw new Error(`--seeds must be comma-separated non-negative integers, got '${a.seeds}'`);
  }
  return a;
}

/** Every arm the harness knows: baselines first, then the encoders. */
const ARMS = ['pixels', 'scratch', 'random', 'beit', 'splitmask', 'dino'];
const DEFAULT_METHODS = 'pixels,scratch,random,beit,splitmask,dino';

function deepMerge(base, over) {
  if (over === null || typeof over !== 'object' || Array.isArray(over)) return over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base?.[k], v);
  return out;
}

async function loadSplit(data, split) {
  if (data === 'fashion-mnist') return loadFashionMnist({ split });
  if (data === 'mnist') return loadMnist({ split });
  return imageFolder(join(data, split));
}

/** The seed of the train/validation split: fixed, so every --seed is validated on the same images. */
const VAL_SPLIT_SEED = 54321;

/** uint8 images (ImageArray for the trainer) and [0, 1] floats + labels (for evaluation) of `idx`. */
async function readImages(ds, idx, labels, size, channels) {
  const per = size * size * channels;
  const u8 = new Uint8Array(idx.length * per);
  for (let j = 0; j < idx.length; j++) {
    const { image } = await ds.get(idx[j]);
    if (image.width !== size || image.height !== size || image.channels !== channels)
      throw new Error(
        `image ${idx[j]} is ${image.width}x${image.height}x${image.channels}; this script expects ${size}x${size}x${channels}`,
      );
    u8.set(image.data, j * per);
  }
  const y = Int32Array.from(idx, (i) => labels[i]);
  return {
    array: { pixels: u8, count: idx.length, size, channels, labels: y },
    images: { pixels: Float32Array.from(u8, (v) => v / 255), labels: y, count: idx.length },
  };
}

/**
 * A class-balanced subset of `count` images (0 = all) and, when `valCount` > 0, a class-balanced
 * validation split of `valCount` of them held out (seed VAL_SPLIT_SEED): → { train, val? }.
 */
async function loadImages(ds, count, size, channels, valCount = 0) {
  const labels = new Int32Array(ds.length);
  for (let i = 0; i < ds.length; i++) labels[i] = (await ds.get(i)).label;
  const idx =
    count && count < ds.length
      ? classBalancedSubset(labels, count / ds.length, 12345)
      : Int32Array.from(labels.keys());
  if (!valCount) return { train: await readImages(ds, idx, labels, size, channels) };
  const sub = Int32Array.from(idx, (i) => labels[i]);
  const valPos = new Set(classBalancedSubset(sub, valCount / idx.length, VAL_SPLIT_SEED));
  const valIdx = idx.filter((_, j) => valPos.has(j));
  const trainIdx = idx.filter((_, j) => !valPos.has(j));
  return {
    train: await readImages(ds, trainIdx, labels, size, channels),
    val: await readImages(ds, valIdx, labels, size, channels),
  };
}

/**
 * The images of a preset's split: train (minus the validation images), validation (when
 * `preset.valImages` > 0) and test, each { array (uint8, for the trainer), images ([0, 1] floats) }.
 */
export async function loadSplitImages(data, preset) {
  const m = preset.pretrain.model;
  const trainDs = await loadSplit(data, 'train');
  const { train, val } = await loadImages(
    trainDs,
    preset.trainImages,
    m.imageSize,
    m.inChans,
    preset.valImages ?? 0,
  );
  const { train: test } = await loadImages(
    await loadSplit(data, 'test'),
    preset.testImages,
    m.imageSize,
    m.inChans,
  );
  return { train, val, test, classNames: trainDs.classNames };
}

/** The resolved DINO config of a preset: DINO's sections from `preset.dino`, the rest from `preset.pretrain`. */
function dinoConfigOf(sm, preset, seed) {
  const p = preset.pretrain;
  const d = preset.dino ?? {};
  const { decoderDepth: _decoder, ...model } = p.model;
  const input = {
    seed,
    model: { ...model, ...d.model },
    optim: { warmupSteps: p.optim.warmupSteps, ...d.optim },
    train: {
      steps: p.train.steps,
      batchSize: p.train.batchSize,
      logEvery: p.train.logEvery,
      checkpointEvery: 0,
    },
  };
  for (const k of ['crops', 'head', 'loss']) if (d[k]) input[k] = d[k];
  return sm.resolveDinoConfig(input, sm.DINO_DEFAULT_CONFIG);
}

/**
 * DINO pretraining (runDino's loop, on a trainer we keep so its teacher can be read afterwards); returns
 * the trainer (caller disposes), its ViT config, the last event and the k-NN monitor curve.
 */
async function pretrainDino(sm, config, source, log, parallel, monitor) {
  const trainer = await sm.createDinoTrainer({ config, source, role: 'exp-dino', parallel });
  const vit = trainer.arch.vit;
  let last;
  const curve = monitor.enabled ? [await monitor.at(0, trainer.teacher.backbone, vit)] : [];
  while (trainer.step < trainer.totalSteps) {
    last = await trainer.trainStep();
    if (last.step % config.train.logEvery === 0 || last.step === last.totalSteps) {
      const mon = last.monitors
        ? ` teacher H ${last.monitors.teacherEntropy.toFixed(2)}/${last.monitors.logK.toFixed(2)} KL ${last.monitors.klToCenter.toFixed(3)}`
        : '';
      log(
        `  step ${last.step}/${last.totalSteps} loss ${last.loss.toFixed(4)} m ${last.momentum.toFixed(4)}${mon}`,
      );
    }
    if (monitor.due(last.step, last.totalSteps)) {
      await trainer.syncParams();
      curve.push(await monitor.at(last.step, trainer.teacher.backbone, vit));
    }
  }
  await trainer.syncParams(); // with workers the teacher lives there until synced
  return { trainer, vit, last, curve };
}

/**
 * The command that produced a report, as a reader can rerun it: paths in the OS temp folder (the
 * encoders and the per-job folders of --jobs) become `<tmp>/…`, so reports record no machine paths.
 */
export function commandLine(argv) {
  const tmp = tmpdir();
  const portable = argv.map((a) =>
    a.startsWith(tmp) ? `<tmp>${a.slice(tmp.length).replace(/splitmask-[A-Za-z0-9-]+/, 'x')}` : a,
  );
  return `node packages/cli/experiments/fashion-mnist.mjs ${portable.join(' ')}`.trim();
}

async function importSplitmask() {
  return import('@splitmask/splitmask');
}

const NUM_CLASSES = 10;

/** The tensors of a parameter tree (to dispose a loaded encoder). */
function flattenTree(t) {
  if (t instanceof tf.Tensor) return [t];
  return Object.values(t ?? {}).flatMap(flattenTree);
}

/** Flattened pixels [N, S·S·C] in [0, 1]. */
const pixelTensor = (d) => tf.tensor2d(d.pixels, [d.count, d.pixels.length / d.count]);

/**
 * The k-NN monitor of a pretraining run: every `every` steps, DINO's k-NN of the encoder's mean-pooled
 * features, fitted on the train images and scored on the monitor set (the validation split when there
 * is one). → { due(step, total), at(step, encoder, vit) → { step, top1 } }.
 */
function knnMonitor(every, train, set, preset, normalization, log) {
  return {
    enabled: every > 0,
    due: (step, total) => every > 0 && (step % every === 0 || step === total),
    async at(step, encoder, vit) {
      const s = vit.imageSize;
      const c = vit.inChans;
      const feat = { pool: 'mean', normalization, batchSize: 256 };
      const trF = await extractFeatures(encoder, vit, arraySource(train.pixels, train.count, s, c), feat);
      const teF = await extractFeatures(encoder, vit, arraySource(set.images.pixels, set.count, s, c), feat);
      const knn = await knnClassify(trF, train.labels, teF, set.images.labels, {
        numClasses: NUM_CLASSES,
        ...preset.knn,
      });
      tf.dispose([trF, teF]);
      log(`  monitor: step ${step} k-NN (${set.name}) ${knn.top1.toFixed(2)}%`);
      return { step, top1: knn.top1 };
    },
  };
}

/**
 * Standardised logistic regression (`fitLogisticRegression`: scikit-learn's StandardScaler +
 * LogisticRegression) at each label fraction of `preset.finetune.fractions`, on features trX [N, D] (raw
 * pixels or frozen encoder features), C picked from `Cs` on the validation features when there are
 * several. → { [fraction]: { labels, C, valTop1, top1, top5, metrics, ... } }.
 */
async function logisticFractions(
  trX,
  trainLabels,
  teX,
  testLabels,
  valX,
  valLabels,
  Cs,
  preset,
  seed,
  log,
  what,
) {
  const out = {};
  for (const [fraction] of preset.finetune.fractions) {
    const idx = classBalancedSubset(trainLabels, Number(fraction), seed);
    const x = tf.gather(trX, tf.tensor1d(idx, 'int32'));
    const labels = Int32Array.from(idx, (i) => trainLabels[i]);
    const t0 = Date.now();
    let best;
    const valTop1 = {};
    for (const C of Cs) {
      const lr = await fitLogisticRegression(x, labels, { numClasses: NUM_CLASSES, C });
      const score = valX && Cs.length > 1 ? await metricsOf(lr, valX, valLabels) : undefined;
      if (score) valTop1[C] = score.top1;
      if (!best || (score && score.top1 > best.score.top1)) {
        best?.lr.dispose();
        best = { C, lr, score };
      } else lr.dispose();
    }
    const metrics = await metricsOf(best.lr, teX, testLabels);
    out[fraction] = {
      labels: idx.length,
      C: best.C,
      valTop1,
      iterations: best.lr.iterations,
      converged: best.lr.converged,
      top1: metrics.top1,
      top5: metrics.top5,
      metrics,
      seconds: (Date.now() - t0) / 1000,
    };
    best.lr.dispose();
    tf.dispose(x);
    log(
      `  ${what} logistic regression ${Number(fraction) * 100}% (${idx.length} labels, C ${best.C}): top-1 ${metrics.top1.toFixed(2)}%`,
    );
  }
  return out;
}

/**
 * The raw-pixel baselines: DINO's weighted k-NN on the flattened pixels (the encoders' k-NN, same k and
 * T) and a standardised-pixel logistic regression at each label fraction (`logisticFractions`).
 */
async function pixelBaselines(train, test, val, preset, seed, log) {
  const trX = pixelTensor(train);
  const teX = pixelTensor(test);
  const knn = await knnClassify(trX, train.labels, teX, test.labels, {
    numClasses: NUM_CLASSES,
    ...preset.knn,
  });
  log(`  pixels k-NN top-1 ${knn.top1.toFixed(2)}%`);
  const valX = val ? pixelTensor(val) : undefined;
  const Cs = preset.pixels?.Cs ?? [1];
  const finetunes = await logisticFractions(
    trX,
    train.labels,
    teX,
    test.labels,
    valX,
    val?.labels,
    Cs,
    preset,
    seed,
    log,
    'pixels',
  );
  tf.dispose([trX, teX, ...(valX ? [valX] : [])]);
  const full = finetunes[String(preset.finetune.fractions.at(-1)[0])];
  return {
    knn: { top1: knn.top1, top5: knn.top5 },
    linear: { top1: full.top1, top5: full.top5 },
    finetunes,
    logreg: finetunes,
  };
}

async function metricsOf(model, x, labels) {
  const logits = model.logits(x);
  try {
    return await metricsFromLogits(logits, labels);
  } finally {
    logits.dispose();
  }
}

/** The fine-tuning runs of one encoder at each label fraction of `recipe` (FinetuneOptions + fractions). */
async function finetuneAll(encoder, vit, train, test, recipe, normalization, seed, log, parallel) {
  const finetunes = {};
  const { fractions, ...ft } = recipe;
  for (const [fraction, epochs] of fractions) {
    const sub = selectImages(train, classBalancedSubset(train.labels, Number(fraction), seed));
    const t0 = Date.now();
    const res = await finetune(
      encoder,
      vit,
      sub,
      {
        ...ft,
        numClasses: NUM_CLASSES,
        epochs,
        // the curve at ~25 points: evaluating every epoch of a 300-epoch 1 % run costs more than training
        evalEvery: ft.evalEvery ?? Math.max(1, Math.round(epochs / 25)),
        seed,
        normalization,
        parallel,
        onEpoch: (e) => {
          const every = Math.max(1, Math.round(epochs / 5));
          if ((e.epoch + 1) % every === 0 && e.epoch + 1 < epochs)
            log(
              `    ${Number(fraction) * 100}% epoch ${e.epoch + 1}/${epochs} loss ${e.loss.toFixed(4)}${e.eval ? ` top-1 ${e.eval.top1.toFixed(2)}%` : ''}`,
            );
        },
      },
      test,
    );
    const last = res.history.at(-1).eval;
    const bs = Math.min(ft.batchSize ?? 64, sub.count);
    finetunes[fraction] = {
      labels: sub.count,
      epochs,
      imagesSeen: epochs * Math.floor(sub.count / bs) * bs,
      top1: last.top1,
      top5: last.top5,
      curve: res.history.map((h) => h.eval?.top1 ?? Number.NaN),
      loss: res.history.map((h) => h.loss),
      metrics: last,
      seconds: (Date.now() - t0) / 1000,
    };
    res.dispose();
    log(
      `  fine-tune ${Number(fraction) * 100}% (${sub.count} labels, ${epochs} ep): top-1 ${last.top1.toFixed(2)}%`,
    );
  }
  return finetunes;
}

/** k-NN, linear probe and the fine-tuning runs of one encoder. */
async function evaluate(encoder, vit, train, test, preset, normalization, seed, log, parallel, val) {
  const s = vit.imageSize;
  const c = vit.inChans;
  const feat = { pool: 'mean', normalization, batchSize: 256 };
  const trF = await extractFeatures(encoder, vit, arraySource(train.pixels, train.count, s, c), feat);
  const teF = await extractFeatures(encoder, vit, arraySource(test.pixels, test.count, s, c), feat);
  const vaF = val
    ? await extractFeatures(encoder, vit, arraySource(val.pixels, val.count, s, c), feat)
    : undefined;
  // frozen features + logistic regression at each fraction (C on the validation split, as for pixels)
  const logreg = await logisticFractions(
    trF,
    train.labels,
    teF,
    test.labels,
    vaF,
    val?.labels,
    preset.pixels?.Cs ?? [1],
    preset,
    seed,
    log,
    'frozen-feature',
  );
  vaF?.dispose();
  const knn = await knnClassify(trF, train.labels, teF, test.labels, {
    numClasses: NUM_CLASSES,
    ...preset.knn,
  });
  log(`  k-NN top-1 ${knn.top1.toFixed(2)}%`);
  const probe = await trainLinearProbe(trF, train.labels, {
    numClasses: NUM_CLASSES,
    seed,
    ...preset.linear,
  });
  const logits = probe.logits(teF);
  const linear = await metricsFromLogits(logits, test.labels);
  tf.dispose([trF, teF, logits]);
  probe.dispose();
  log(`  linear probe top-1 ${linear.top1.toFixed(2)}%`);
  const finetunes = await finetuneAll(
    encoder,
    vit,
    train,
    test,
    preset.finetune,
    normalization,
    seed,
    log,
    parallel,
  );
  return {
    knn: { top1: knn.top1, top5: knn.top5 },
    linear: { top1: linear.top1, top5: linear.top5 },
    logreg,
    finetunes,
  };
}

/** The report's name: --name, else by preset (quick → fashion-mnist, the committed result). */
function defaultName(args) {
  if (args.name) return args.name;
  if (args.preset === 'smoke') return 'fashion-mnist-smoke';
  return args.preset === 'quick' ? 'fashion-mnist' : `fashion-mnist-${args.preset}`;
}

/** The preset with --config merged over it. */
function resolvePreset(args) {
  return deepMerge(PRESETS[args.preset], args.config ? JSON.parse(readFileSync(args.config, 'utf8')) : {});
}

/** Runs the experiment for one seed; returns the results object it wrote. */
export async function runExperiment(args, log = console.log) {
  const preset = resolvePreset(args);
  const name = defaultName(args);
  const out = args.out ?? join(REPO, 'docs', 'results');
  const t0 = Date.now();
  const backend = await initBackend(args.backend);
  const sm = await importSplitmask();
  const { workerThreads } = await import('@splitmask/splitmask/node');
  const workers = args.workers ?? 1;
  const parallel = workers > 1 ? workerThreads(workers) : undefined;
  log(
    `workers: ${workers}${workers > 1 ? ' threads per job (pretraining and fine-tuning)' : ' (this thread)'}`,
  );
  const m = preset.pretrain.model;
  const { train, val, test: testSplit, classNames } = await loadSplitImages(args.data, preset);
  const evalOnVal = args.eval === 'val';
  if (evalOnVal && !val) throw new Error('--eval val needs a validation split (valImages > 0 in the preset)');
  const test = evalOnVal ? val : testSplit;
  log(
    `${args.data}: ${train.images.count} train / ${val ? `${val.images.count} validation / ` : ''}${test.images.count} ${evalOnVal ? 'validation (evaluated)' : 'test'} images; backend ${backend.name}; preset ${args.preset}`,
  );
  const monitorSet = val
    ? { name: 'validation', images: val.images, count: val.images.count }
    : { name: 'test', images: test.images, count: test.images.count };
  const base = { ...preset.pretrain, seed: args.seed };
  const cfgOf = (method) => sm.resolvePretrainConfig({ ...base, method });
  const source = sm.createArraySource(train.array, { imageSize: m.imageSize, seed: args.seed });
  const methods = args.methods.split(',');
  if (methods.includes('scratch') && !preset.scratch)
    throw new Error(`preset ${args.preset} has no 'scratch' recipe (add one with --config)`);
  const needsTokenizer = methods.some((x) => x !== 'pixels' && x !== 'dino');
  const tokenizer = needsTokenizer ? await sm.buildTokenizer(cfgOf('splitmask'), source) : undefined;
  const results = {};
  mkdirSync(out, { recursive: true });
  const monitor = knnMonitor(
    preset.pretrainMonitorEvery ?? 0,
    train.images,
    monitorSet,
    preset,
    source.normalization,
    log,
  );
  const evalArgs = [
    train.images,
    test.images,
    preset,
    source.normalization,
    args.seed,
    log,
    parallel,
    evalOnVal ? undefined : val?.images, // C is chosen on the validation split; not on the set it scores
  ];
  for (const method of methods) {
    const tm = Date.now();
    // --jobs children get --name part<i> for their partial report, and --stem the run's name
    const saved = join(args.encoders, `${args.stem ?? name}-s${args.seed}-${method}.safetensors`);
    if (
      args['reuse-encoders'] === '1' &&
      existsSync(saved) &&
      !['pixels', 'scratch', 'random'].includes(method)
    ) {
      // recipe sweeps: evaluate an encoder this preset/seed already pretrained instead of pretraining again
      log(`${method}: reusing the pretrained encoder ${saved}`);
      const { params: encoder, cfg: vit } = loadEncoderCheckpoint(saved);
      // the pretraining record saved beside it (steps, time, k-NN monitor curve on the validation split)
      const record = existsSync(`${saved}.json`) ? JSON.parse(readFileSync(`${saved}.json`, 'utf8')) : {};
      const r = await evaluate(encoder, vit, ...evalArgs);
      results[method] = { pretrainSteps: 0, pretrainSeconds: 0, ...record, ...r, reusedEncoder: true };
      tf.dispose(flattenTree(encoder));
      continue;
    }
    if (method === 'pixels') {
      log('pixels: raw-pixel k-NN and logistic regression (no network)');
      const r = await pixelBaselines(train.images, test.images, val?.images, preset, args.seed, log);
      results[method] = { ...r, pretrainSteps: 0, pretrainSeconds: 0 };
      continue;
    }
    if (method === 'dino') {
      const config = dinoConfigOf(sm, preset, args.seed);
      log(`dino: pretraining ${config.train.steps} steps (evaluating the EMA teacher's backbone)`);
      const { trainer, vit, last, curve } = await pretrainDino(sm, config, source, log, parallel, monitor);
      const pretrainSeconds = (Date.now() - tm) / 1000;
      // DINO evaluates the teacher; its backbone is a VitParams tree like the other arms' encoder.
      const encoder = trainer.teacher.backbone;
      mkdirSync(args.encoders, { recursive: true });
      await saveEncoderTimm(saved, encoder, vit);
      const record = {
        pretrainSteps: config.train.steps,
        pretrainImages: config.train.steps * config.train.batchSize,
        pretrainSeconds,
        pretrainCurve: curve,
        finalLoss: last ? { dino: last.loss, ...(last.monitors ?? {}) } : undefined,
      };
      writeFileSync(`${saved}.json`, JSON.stringify(record));
      const r = await evaluate(encoder, vit, ...evalArgs);
      results[method] = { ...r, ...record };
      await trainer.dispose();
      continue;
    }
    const config = cfgOf(method === 'random' || method === 'scratch' ? 'splitmask' : method);
    const trainer = await sm.createPretrainer({ config, source, tokenizer, role: `exp-${method}`, parallel });
    const vit = sm.toVitConfig(config.model);
    let last;
    const curve = [];
    if (method === 'beit' || method === 'splitmask') {
      log(`${method}: pretraining ${config.train.steps} steps`);
      if (monitor.enabled) curve.push(await monitor.at(0, trainer.params.encoder, vit));
      for await (const ev of trainer.run()) {
        last = ev;
        if (ev.step % config.train.logEvery === 0 || ev.step === ev.totalSteps)
          log(`  step ${ev.step}/${ev.totalSteps} loss ${ev.loss.toFixed(4)} ${JSON.stringify(ev.parts)}`);
        if (monitor.due(ev.step, ev.totalSteps)) {
          await trainer.syncParams();
          curve.push(await monitor.at(ev.step, trainer.params.encoder, vit));
        }
      }
    } else
      log(
        `${method}: the same initialisation as SplitMask, no pretraining${method === 'scratch' ? '; trained from scratch with the labels only' : ''}`,
      );
    const pretrainSeconds = (Date.now() - tm) / 1000;
    const encoder = trainer.params.encoder;
    if (method === 'scratch') {
      const finetunes = await finetuneAll(
        encoder,
        vit,
        train.images,
        test.images,
        preset.scratch,
        source.normalization,
        args.seed,
        log,
        parallel,
      );
      results[method] = { finetunes, pretrainSteps: 0, pretrainSeconds: 0 };
      await trainer.dispose();
      continue;
    }
    mkdirSync(args.encoders, { recursive: true });
    await saveEncoderTimm(saved, encoder, vit);
    const pretrained = method !== 'random';
    const record = {
      pretrainSteps: pretrained ? config.train.steps : 0,
      pretrainImages: pretrained ? config.train.steps * config.train.batchSize : 0,
      pretrainSeconds,
      ...(curve.length && { pretrainCurve: curve }),
      finalLoss: last?.parts,
    };
    writeFileSync(`${saved}.json`, JSON.stringify(record));
    const r = await evaluate(encoder, vit, ...evalArgs);
    results[method] = { ...r, ...record };
    await trainer.dispose();
  }
  tokenizer?.dispose();
  const seconds = (Date.now() - t0) / 1000;
  const command = commandLine(args.argv ?? []);
  const doc = {
    name,
    classNames,
    preset: args.preset,
    note: preset.note,
    seed: args.seed,
    data: args.data,
    evaluatedOn: evalOnVal ? 'validation' : 'test',
    split: {
      train: train.images.count,
      validation: val?.images.count ?? 0,
      [evalOnVal ? 'evaluated' : 'test']: test.images.count,
      validationSeed: val ? VAL_SPLIT_SEED : undefined,
    },
    backend: backend.name,
    command,
    seconds,
    config: preset,
    results,
  };
  await writeReport(out, doc);
  return doc;
}

/** A paragraph on the DINO arm's end state (collapse monitors), or '' without one. */
function dinoNote(doc) {
  const d = doc.results.dino;
  if (!d?.finalLoss) return '';
  const f = d.finalLoss;
  const m = doc.config.dino?.optim?.momentumTeacher ?? 0.996;
  const h =
    f.teacherEntropy === undefined
      ? ''
      : ` teacher entropy ${f.teacherEntropy.toFixed(2)} of log K = ${f.logK.toFixed(2)} (near log K: the teacher gives
close to uniform outputs; near 0: one-dimension collapse), KL to the center ${f.klToCenter.toFixed(3)};`;
  return `DINO after ${d.pretrainSteps} steps${doc.seeds ? ` (seed ${doc.seeds[0]})` : ''}: loss ${f.dino.toFixed(4)};${h} the teacher's EMA momentum runs cosine ${m} → 1
over the run, so after a short run the evaluated teacher is still close to its initialisation (not the
random arm's: DINO initialises its own ViT from the seed).

`;
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n − 1), 0 for one value. */
const std = (xs) =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

/** { top1, top5 } over seeds → { top1 (mean), top1Std, top5, n, values }. */
function meanStd(entries) {
  const top1 = entries.map((e) => e.top1);
  return {
    top1: mean(top1),
    top1Std: std(top1),
    top5: mean(entries.map((e) => e.top5)),
    n: top1.length,
    values: top1,
  };
}

/** Mean of equal-length curves, point by point (keys `key` of each point, or the numbers themselves). */
function meanCurve(curves, key) {
  const n = Math.min(...curves.map((c) => c.length));
  return Array.from({ length: n }, (_, i) => {
    const pts = curves.map((c) => (key ? c[i][key] : c[i]));
    if (!key) return pts.some((p) => p === null || Number.isNaN(p)) ? null : mean(pts); // null: not evaluated
    return { ...curves[0][i], [key]: mean(pts), [`${key}Std`]: std(pts) };
  });
}

/**
 * Per-seed results documents (same preset, data and config; every arm in each) → one document whose
 * `results` hold the mean over seeds with `top1Std` (sample std) and `n`, and `seedResults` the raw ones.
 */
export function aggregateSeeds(docs, { name, command, wallSeconds, partial = false } = {}) {
  const [first] = docs;
  for (const d of docs) {
    for (const k of ['preset', 'data', 'backend'])
      if (d[k] !== first[k])
        throw new Error(`cannot aggregate results with different ${k}: ${first[k]} vs ${d[k]}`);
    if (JSON.stringify(d.config) !== JSON.stringify(first.config))
      throw new Error('cannot aggregate results of different configs');
  }
  const seeds = docs.map((d) => d.seed);
  if (new Set(seeds).size !== seeds.length) throw new Error(`cannot aggregate repeated seeds: ${seeds}`);
  const results = {};
  const arms = [...new Set(docs.flatMap((d) => Object.keys(d.results)))];
  for (const method of arms) {
    const all = docs.map((d) => d.results[method]);
    if (!partial && all.some((r) => !r)) throw new Error(`arm '${method}' is missing from some seeds`);
    const rs = all.filter(Boolean); // partial: each arm over the seeds that ran it (its n says how many)
    const r0 = rs[0];
    const finetunes = {};
    for (const f of Object.keys(r0.finetunes)) {
      const fs = rs.map((r) => r.finetunes[f]);
      finetunes[f] = {
        ...fs[0],
        ...meanStd(fs),
        ...(fs[0].curve && { curve: meanCurve(fs.map((x) => x.curve)) }),
        metrics: fs[0].metrics,
        seconds: mean(fs.map((x) => x.seconds)),
      };
    }
    results[method] = {
      ...r0,
      ...(r0.knn && { knn: meanStd(rs.map((r) => r.knn)) }),
      ...(r0.linear && { linear: meanStd(rs.map((r) => r.linear)) }),
      ...(r0.logreg && {
        logreg: Object.fromEntries(
          Object.keys(r0.logreg).map((f) => [f, { ...r0.logreg[f], ...meanStd(rs.map((r) => r.logreg[f])) }]),
        ),
      }),
      finetunes,
      pretrainSeconds: mean(rs.map((r) => r.pretrainSeconds)),
      ...(r0.pretrainCurve && {
        pretrainCurve: meanCurve(
          rs.map((r) => r.pretrainCurve),
          'top1',
        ),
      }),
    };
  }
  return {
    ...first,
    name: name ?? first.name,
    command: command ?? first.command,
    seed: undefined,
    seeds,
    seconds: wallSeconds ?? docs.reduce((a, d) => a + d.seconds, 0),
    parts: docs.flatMap(
      (d) => d.parts ?? [{ methods: Object.keys(d.results), seconds: d.seconds, command: d.command }],
    ),
    results,
    seedResults: Object.fromEntries(docs.map((d) => [d.seed, d.results])),
  };
}

/** "81.40" for one seed, "81.40 ± 0.35" over several; "(n=1)" where other cells have more seeds. */
function cellOf(e, maxN = 1) {
  if (!e) return '—';
  const n = e.n ?? 1;
  const v = n > 1 ? `${e.top1.toFixed(2)} ± ${e.top1Std.toFixed(2)}` : e.top1.toFixed(2);
  return n < maxN ? `${v} (n=${n})` : v;
}

const ARM_LABEL = {
  pixels: 'raw pixels (k-NN; logistic regression)',
  scratch: 'supervised from scratch',
};

/** The headline table's rows: one per arm, the label fractions as columns. */
function tableRows(doc) {
  const fr = doc.config.finetune.fractions.map(([f]) => String(f));
  const n = doc.seeds?.length ?? 1;
  return Object.entries(doc.results).map(([method, r]) => ({
    method: ARM_LABEL[method] ?? method,
    'k-NN': cellOf(r.knn, n),
    linear: cellOf(r.linear, n),
    ...Object.fromEntries(fr.map((f) => [`${Number(f) * 100}% labels`, cellOf(r.finetunes[f], n)])),
  }));
}

/** The frozen-feature logistic-regression table: one row per arm that has one. */
function logregRows(doc) {
  const fr = doc.config.finetune.fractions.map(([f]) => String(f));
  const n = doc.seeds?.length ?? 1;
  return Object.entries(doc.results)
    .filter(([, r]) => r.logreg)
    .map(([method, r]) => ({
      features: method === 'pixels' ? 'raw pixels' : method,
      ...Object.fromEntries(fr.map((f) => [`${Number(f) * 100}% labels`, cellOf(r.logreg[f], n)])),
    }));
}

/** Training images seen per arm (pretraining + fine-tuning, or the supervised run), at each fraction. */
function budgetRows(doc) {
  const fr = doc.config.finetune.fractions.map(([f]) => String(f));
  return Object.entries(doc.results)
    .filter(([m]) => m !== 'pixels')
    .map(([method, r]) => ({
      method: ARM_LABEL[method] ?? method,
      pretraining: r.pretrainImages ?? 0,
      ...Object.fromEntries(
        fr.map((f) => {
          const ft = r.finetunes[f];
          return [
            `${Number(f) * 100}%: epochs, images seen`,
            ft ? `${ft.epochs}, ${(r.pretrainImages ?? 0) + ft.imagesSeen}` : '—',
          ];
        }),
      ),
    }));
}

const COLOUR_NAMES = ['blue', 'orange', 'green', 'red', 'purple', 'brown', 'pink', 'grey'];

/**
 * Writes `<name>.md`, `<name>.json` and the PNGs of a results object (also usable to re-render a saved
 * JSON). `doc.notes` (optional, Markdown paragraphs): the reading of the numbers, kept in the JSON so a
 * re-render keeps it.
 */
export async function writeReport(out, doc) {
  mkdirSync(out, { recursive: true });
  const fr = doc.config.finetune.fractions.map(([f]) => String(f));
  const full = fr.at(-1);
  const curved = Object.entries(doc.results).filter(([, r]) => r.finetunes[full]?.curve);
  await writePng(
    join(out, `${doc.name}-finetune.png`),
    plotCurves(
      curved.map(([k, r]) => ({ name: k, values: r.finetunes[full].curve.map((v) => v ?? Number.NaN) })),
    ),
  );
  const monitored = Object.entries(doc.results).filter(([, r]) => r.pretrainCurve?.length);
  if (monitored.length)
    await writePng(
      join(out, `${doc.name}-pretrain-knn.png`),
      plotCurves(monitored.map(([k, r]) => ({ name: k, values: r.pretrainCurve.map((p) => p.top1) }))),
    );
  const best = doc.results.splitmask?.finetunes[full]?.metrics
    ? ['splitmask', doc.results.splitmask]
    : (curved.at(-1) ?? Object.entries(doc.results).at(-1));
  await writePng(
    join(out, `${doc.name}-confusion.png`),
    plotConfusion(best[1].finetunes[full].metrics.confusion),
  );
  const seedText = doc.seeds
    ? `seeds ${doc.seeds.join(', ')} (mean ± sample std over ${doc.seeds.length})`
    : `seed ${doc.seed}`;
  const split = doc.split
    ? `${doc.split.train} train images${doc.split.validation ? `, ${doc.split.validation} held out from the train split for validation (class-balanced, seed ${doc.split.validationSeed})` : ''}; evaluated on ${doc.evaluatedOn === 'validation' ? `the **validation** split (${doc.split.evaluated} images) — a recipe-selection run, not a test result` : `${doc.split.test} test images`}`
    : '';
  const curveText = (entries, what) =>
    entries.map(([k], i) => `${k} = ${COLOUR_NAMES[i % COLOUR_NAMES.length]}`).join(', ') + `; ${what}`;
  const monitorEvery = doc.config.pretrainMonitorEvery;
  const md = `# ${doc.name}

${
  doc.preset === 'smoke'
    ? `> **What this is:** the output of the "smoke" preset, a few-minute plumbing check of the harness
> (tiny model, ${doc.config.pretrain.train.steps} pretraining steps, 1–3 fine-tuning epochs, ${doc.config.trainImages} train /
> ${doc.config.testImages} test images). It shows the pipeline runs end to end; its numbers say **nothing** about
> the paper's claim.\n`
    : ''
}
Preset **${doc.preset}** (${doc.note}); ${seedText}; backend ${doc.backend}; total ${(doc.seconds / 60).toFixed(1)} min.
${split ? `\nData: ${doc.data}, ${split}.\n` : ''}
Command: \`${doc.command}\`
${
  doc.parts && doc.parts.length > 1
    ? `\nRun as ${doc.parts.length} processes (\`--jobs\`: tfjs-wasm uses one core each): ${doc.parts
        .map((p) => `${p.methods.join(' + ')} ${(p.seconds / 60).toFixed(1)} min`)
        .join('; ')}.\n`
    : ''
}
${Object.keys(doc.results).join(' vs ')}. Encoders are pretrained only on the training images (no labels; DINO is
evaluated through its EMA teacher's backbone), then evaluated with DINO's weighted k-NN (k=${doc.config.knn.k},
T=${doc.config.knn.temperature}), BEiT's linear probe on frozen mean-pooled features, and fine-tuning with
${fr.map((f) => `${Number(f) * 100}%`).join(' / ')} of the training labels (class-balanced, seeded). Baselines on the same
split: raw pixels (the same k-NN on the flattened pixels; standardised-pixel logistic regression at each
fraction, C chosen on the validation split) and the same ViT trained from scratch on the labels alone. All
numbers: top-1 in percent.

${markdownTable(tableRows(doc))}
${
  Object.values(doc.results).some((r) => r.logreg)
    ? `Frozen features (mean-pooled; raw pixels for the first row) + standardised logistic regression at each
label fraction, C from {${(doc.config.pixels?.Cs ?? [1]).join(', ')}} picked on the validation split:

${markdownTable(logregRows(doc))}
`
    : ''
}Training images seen per arm (pretraining steps × batch + fine-tuning epochs × labelled images):

${markdownTable(budgetRows(doc))}
Fine-tuning with ${Number(full) * 100}% of the labels, top-1 after each epoch (${curveText(curved, 'y axis 0–100%')}):

![fine-tuning curves](${doc.name}-finetune.png)
${
  monitored.length
    ? `\nPretraining k-NN monitor${monitorEvery ? ` every ${monitorEvery} steps` : ''} (on the ${doc.split?.validation ? 'validation split' : 'evaluation images'}; ${curveText(monitored, 'x = monitor point from step 0, y 0–100%')}):

![pretraining k-NN](${doc.name}-pretrain-knn.png)

${markdownTable(
  monitored.map(([k, r]) => ({
    method: k,
    ...Object.fromEntries(r.pretrainCurve.map((p) => [`step ${p.step}`, p.top1])),
  })),
)}`
    : ''
}
Confusion matrix of ${best[0]}, ${Number(full) * 100}% labels${doc.seeds ? `, seed ${doc.seeds[0]}` : ''} (rows = true class):

![confusion](${doc.name}-confusion.png)

${metricsMarkdown(best[1].finetunes[full].metrics, doc.classNames)}
${dinoNote(doc)}${(doc.notes ?? []).map((n) => `${n}\n\n`).join('')}Pretraining time per arm (s${doc.seeds ? ', mean over seeds' : ''}): ${Object.entries(
    doc.results,
  )
    .map(([k, r]) => `${k} ${r.pretrainSeconds.toFixed(0)}`)
    .join(', ')}.
Full results (every seed) and the resolved config: \`${doc.name}.json\`. The encoders were saved (timm names, not
committed) as \`<--encoders>/${doc.name}-s<seed>-<method>.safetensors\`; \`splitmask eval knn --checkpoint <file> --data ${doc.data}\`
re-evaluates one.
`;
  writeFileSync(join(out, `${doc.name}.md`), md);
  writeFileSync(join(out, `${doc.name}.json`), `${JSON.stringify(doc, null, 1)}\n`);
}

// Relative cost of one arm (pretraining + the shared evaluation), measured with the quick preset on
// wasm: DINO's multi-crop steps are the dearest, SplitMask's two branches + decoder next, then BEiT;
// scratch fine-tunes longer than the others; raw pixels take seconds.
const ARM_COST = { dino: 4, splitmask: 2.5, scratch: 2, beit: 1.5, random: 1, pixels: 0.2 };

/** Methods split into `jobs` groups of similar total cost (longest first, each to the lightest group). */
export function partitionMethods(methods, jobs) {
  const groups = Array.from({ length: Math.min(jobs, methods.length) }, () => ({ cost: 0, methods: [] }));
  const order = [...methods].sort((x, y) => (ARM_COST[y] ?? 2) - (ARM_COST[x] ?? 2));
  for (const m of order) {
    const g = groups.reduce((a, b) => (b.cost < a.cost ? b : a));
    g.cost += ARM_COST[m] ?? 2;
    g.methods.push(m);
  }
  // dearest first inside a group too (arms are independent: each is seeded, the data source is stateless)
  return groups.map((g) => g.methods);
}

/**
 * Several results JSONs (the same preset, seed and data; different methods) → one report, methods in
 * `order` (default: as they come). `seconds` becomes `wallSeconds` when given (parallel runs).
 */
export function mergeResults(docs, { name, order, command, wallSeconds } = {}) {
  const [first] = docs;
  for (const d of docs) {
    for (const k of ['preset', 'seed', 'data', 'backend']) {
      if (d[k] !== first[k])
        throw new Error(`cannot merge results with different ${k}: ${first[k]} vs ${d[k]}`);
    }
    if (JSON.stringify(d.config) !== JSON.stringify(first.config))
      throw new Error('cannot merge results of different configs');
  }
  const all = Object.assign({}, ...docs.map((d) => d.results));
  const methods = order ?? Object.keys(all);
  return {
    ...first,
    name: name ?? first.name,
    command: command ?? first.command,
    seconds: wallSeconds ?? Math.max(...docs.map((d) => d.seconds)),
    parts: docs.map((d) => ({ methods: Object.keys(d.results), seconds: d.seconds, command: d.command })),
    results: Object.fromEntries(methods.filter((m) => all[m]).map((m) => [m, all[m]])),
  };
}

/**
 * Partial results (any mix of seeds and arms of one preset/config) → one document: the parts of each
 * seed merged (mergeResults), then, with several seeds, aggregated (aggregateSeeds; `partial`: arms may
 * have run under fewer seeds than others, and each cell says its n). Arms in `order`.
 */
export function combineResults(docs, { name, order, command, wallSeconds, partial = false } = {}) {
  const bySeed = new Map();
  // an already aggregated report contributes each of its seeds
  const flat = docs.flatMap((d) =>
    d.seedResults
      ? Object.entries(d.seedResults).map(([seed, results]) => ({
          ...d,
          seed: Number(seed),
          seeds: undefined,
          seedResults: undefined,
          results,
        }))
      : [d],
  );
  for (const d of flat) bySeed.set(d.seed, [...(bySeed.get(d.seed) ?? []), d]);
  const perSeed = [...bySeed.values()].map((parts) =>
    mergeResults(parts, { name, order, command, wallSeconds }),
  );
  if (perSeed.length === 1) return perSeed[0];
  const doc = aggregateSeeds(perSeed, {
    name,
    command,
    partial,
    wallSeconds: wallSeconds ?? perSeed.reduce((a, d) => a + d.seconds, 0),
  });
  // arms in the requested order (a partial seed may have run fewer, in another order)
  const arms = order ?? Object.keys(doc.results);
  return {
    ...doc,
    results: Object.fromEntries(arms.filter((m) => doc.results[m]).map((m) => [m, doc.results[m]])),
  };
}

/**
 * `--jobs N` (and `--seeds`): this script once per (seed, group of arms), N child processes at a time,
 * dearest first, then one report.
 */
async function runJobs(args, log) {
  const t0 = Date.now();
  const methods = args.methods.split(',');
  const seeds = args.seeds ?? [args.seed];
  const groups = partitionMethods(methods, args.jobs);
  const cost = (g) => g.reduce((a, m) => a + (ARM_COST[m] ?? 2), 0);
  const units = seeds
    .flatMap((seed) => groups.map((g) => ({ seed, methods: g })))
    .sort((a, b) => cost(b.methods) - cost(a.methods));
  const tmp = mkdtempSync(join(tmpdir(), 'splitmask-jobs-'));
  const passOn = [];
  for (let i = 0; i < args.argv.length; i += 2) {
    if (
      !['--jobs', '--methods', '--out', '--name', '--workers', '--seed', '--seeds', '--stem'].includes(
        args.argv[i],
      )
    )
      passOn.push(args.argv[i], args.argv[i + 1]);
  }
  // Each job gets its share of the cores as worker threads (resolved from --workers in the parent).
  passOn.push('--workers', String(args.workers ?? 1), '--stem', defaultName(args));
  log(
    `--jobs ${args.jobs}: ${units.map((u) => `seed ${u.seed}: ${u.methods.join(',')}`).join(' | ')} (${args.jobs} at a time)`,
  );
  const runUnit = (u, i) =>
    new Promise((resolve, reject) => {
      const tag = `${seeds.length > 1 ? `s${u.seed} ` : ''}${u.methods.join(',')}`;
      const child = spawn(
        process.execPath,
        [
          fileURLToPath(import.meta.url),
          ...passOn,
          '--seed',
          String(u.seed),
          '--methods',
          u.methods.join(','),
          '--out',
          tmp,
          '--name',
          `part${i}`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      child.stdout.on('data', (b) => {
        for (const line of String(b).split('\n')) if (line) log(`[${tag}] ${line}`);
      });
      child.on('exit', (code) =>
        code === 0
          ? resolve(JSON.parse(readFileSync(join(tmp, `part${i}.json`), 'utf8')))
          : reject(new Error(`job ${tag} exited with ${code}`)),
      );
    });
  const parts = new Array(units.length);
  let next = 0;
  const lane = async () => {
    while (next < units.length) {
      const i = next++;
      parts[i] = await runUnit(units[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.jobs, units.length) }, lane));
  const doc = combineResults(parts, {
    name: defaultName(args),
    order: methods,
    command: commandLine(args.argv),
    wallSeconds: (Date.now() - t0) / 1000,
  });
  await writeReport(args.out ?? join(REPO, 'docs', 'results'), doc);
  return doc;
}

/** CLI entry: `main(process.argv.slice(2))`; resolves to the exit code. */
export async function main(argv) {
  try {
    const args = { ...parseArgs(argv), argv };
    if (args.merge) {
      const docs = args.merge.split(',').map((f) => JSON.parse(readFileSync(f, 'utf8')));
      const doc = combineResults(docs, {
        name: args.name ?? docs[0].name,
        order: args.argv.includes('--methods') ? args.methods.split(',') : undefined,
        partial: true,
      });
      await writeReport(args.out ?? join(REPO, 'docs', 'results'), doc);
      return 0;
    }
    if (args.jobs > 1 || args.seeds) {
      await runJobs(args, console.log);
      return 0;
    }
    await runExperiment(args);
    return 0;
  } catch (e) {
    console.error(e);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
