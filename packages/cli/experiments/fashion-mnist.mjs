#!/usr/bin/env node
/**
 * The paper's claim on a small dataset: pretraining on the target data alone. Random init vs BEiT vs
 * SplitMask vs DINO (the paper's §7 baseline), each pretrained only on the Fashion-MNIST *training* images (the labels are not used), then
 * evaluated with DINO's weighted k-NN, BEiT's linear probe, and fine-tuning with 1%, 10% and 100% of the
 * training labels (class-balanced, seeded); test = the held-out test split.
 *
 *   node packages/cli/experiments/fashion-mnist.mjs --preset smoke   # a few minutes: plumbing check
 *   node packages/cli/experiments/fashion-mnist.mjs --preset quick   # sized for ~1 h on 2 CPU cores
 *   node packages/cli/experiments/fashion-mnist.mjs --preset full --backend webgpu
 *   ... [--seed 0] [--backend auto|cpu|wasm|webgpu|tensorflow] [--methods random,beit,splitmask,dino]
 *       [--config overrides.json] [--out docs/results] [--name fashion-mnist] [--encoders <dir>]
 *       [--jobs N]   # the methods in N child processes (tfjs-wasm is single-threaded: one per core)
 *       [--workers auto|N]  # data-parallel worker threads per job for pretraining and fine-tuning
 *                           # (default auto: the cores divided among the jobs, at least 1)
 *   ... --merge a.json,b.json [--out ...] [--name ...]   # one report from partial results
 *
 * Any dataset: `--data mnist` or `--data <folder>` (train/ and test/ class folders; images are resized to
 * model.imageSize) and a `--config` JSON deep-merged over the preset (fields: see PRESETS below).
 * Needs `pnpm --filter "splitmask..." build` first (this harness lives in the application package, above
 * every library it uses).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
  knnClassify,
  markdownTable,
  metricsFromLogits,
  metricsMarkdown,
  plotConfusion,
  plotCurves,
  selectImages,
  trainLinearProbe,
} from '@splitmask/eval';
import { saveEncoderTimm, writePng } from '@splitmask/eval/node';
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
  },
  full: {
    note: 'all 60k/10k images, ViT-Ti-like width, long schedules: for a GPU backend',
    trainImages: 0,
    testImages: 0,
    pretrain: {
      model: { ...MODEL, embedDim: 192, depth: 12, numHeads: 3, mlpRatio: 4, dropPathRate: 0.1 },
      tokenizer: { kind: 'kmeans', vocabSize: 512, seed: 0, fitImages: 20000, fitIterations: 20 },
      masking: { mode: 'block' },
      optim: { lr: 1.5e-3, minLr: 1e-5, weightDecay: 0.05, warmupSteps: 2000, clipGrad: 3 },
      train: {
        batchSize: 256,
        accumSteps: 1,
        steps: 50000,
        logEvery: 100,
        checkpointEvery: 5000,
        keepCheckpoints: 2,
      },
    },
    dino: {
      ...DINO_SHORT,
      head: { outDim: 8192, hiddenDim: 1024, bottleneckDim: 256 },
      optim: { lr: 5e-4, momentumTeacher: 0.996 },
    },
    knn: { k: 20, temperature: 0.07 },
    linear: { epochs: 100, batchSize: 1024, lr: 4e-3, weightDecay: 1e-4 },
    finetune: {
      fractions: [
        [0.01, 200],
        [0.1, 100],
        [1, 50],
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
    methods: 'random,beit,splitmask,dino',
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
  return a;
}

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

/** uint8 images (ImageArray for the trainer) and [0, 1] floats + labels (for evaluation) of a class-balanced subset. */
async function loadImages(ds, count, size, channels) {
  const labels = new Int32Array(ds.length);
  for (let i = 0; i < ds.length; i++) labels[i] = (await ds.get(i)).label;
  const idx =
    count && count < ds.length
      ? classBalancedSubset(labels, count / ds.length, 12345)
      : Int32Array.from(labels.keys());
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
 * the trainer (caller disposes), its ViT config and the last event.
 */
async function pretrainDino(sm, config, source, log, parallel) {
  const trainer = await sm.createDinoTrainer({ config, source, role: 'exp-dino', parallel });
  let last;
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
  }
  await trainer.syncParams(); // with workers the teacher lives there until synced
  return { trainer, vit: trainer.arch.vit, last };
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

/** k-NN, linear probe and the fine-tuning runs of one encoder. */
async function evaluate(encoder, vit, train, test, preset, normalization, seed, log, parallel) {
  const s = vit.imageSize;
  const c = vit.inChans;
  const feat = { pool: 'mean', normalization, batchSize: 256 };
  const trF = await extractFeatures(encoder, vit, arraySource(train.pixels, train.count, s, c), feat);
  const teF = await extractFeatures(encoder, vit, arraySource(test.pixels, test.count, s, c), feat);
  const numClasses = 10;
  const knn = await knnClassify(trF, train.labels, teF, test.labels, { numClasses, ...preset.knn });
  log(`  k-NN top-1 ${knn.top1.toFixed(2)}%`);
  const probe = await trainLinearProbe(trF, train.labels, { numClasses, seed, ...preset.linear });
  const logits = probe.logits(teF);
  const linear = await metricsFromLogits(logits, test.labels);
  tf.dispose([trF, teF, logits]);
  probe.dispose();
  log(`  linear probe top-1 ${linear.top1.toFixed(2)}%`);
  const finetunes = {};
  const { fractions, ...ft } = preset.finetune;
  for (const [fraction, epochs] of fractions) {
    const sub = selectImages(train, classBalancedSubset(train.labels, Number(fraction), seed));
    const t0 = Date.now();
    const res = await finetune(
      encoder,
      vit,
      sub,
      { ...ft, numClasses, epochs, seed, normalization, parallel },
      test,
    );
    const last = res.history.at(-1).eval;
    finetunes[fraction] = {
      labels: sub.count,
      epochs,
      top1: last.top1,
      top5: last.top5,
      curve: res.history.map((h) => h.eval?.top1 ?? Number.NaN),
      metrics: last,
      seconds: (Date.now() - t0) / 1000,
    };
    res.dispose();
    log(
      `  fine-tune ${Number(fraction) * 100}% (${sub.count} labels, ${epochs} ep): top-1 ${last.top1.toFixed(2)}%`,
    );
  }
  return {
    knn: { top1: knn.top1, top5: knn.top5 },
    linear: { top1: linear.top1, top5: linear.top5 },
    finetunes,
  };
}

/** Runs the experiment; returns the results object it wrote. */
/** The report's name: --name, else by preset (quick → fashion-mnist, the committed result). */
function defaultName(args) {
  if (args.name) return args.name;
  if (args.preset === 'smoke') return 'fashion-mnist-smoke';
  return args.preset === 'quick' ? 'fashion-mnist' : `fashion-mnist-${args.preset}`;
}

export async function runExperiment(args, log = console.log) {
  const preset = deepMerge(
    PRESETS[args.preset],
    args.config ? JSON.parse(readFileSync(args.config, 'utf8')) : {},
  );
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
  const trainDs = await loadSplit(args.data, 'train');
  const train = await loadImages(trainDs, preset.trainImages, m.imageSize, m.inChans);
  const test = await loadImages(
    await loadSplit(args.data, 'test'),
    preset.testImages,
    m.imageSize,
    m.inChans,
  );
  log(
    `${args.data}: ${train.images.count} train / ${test.images.count} test images; backend ${backend.name}; preset ${args.preset}`,
  );
  const base = { ...preset.pretrain, seed: args.seed };
  const cfgOf = (method) => sm.resolvePretrainConfig({ ...base, method });
  const source = sm.createArraySource(train.array, { imageSize: m.imageSize, seed: args.seed });
  const tokenizer = await sm.buildTokenizer(cfgOf('splitmask'), source);
  const results = {};
  mkdirSync(out, { recursive: true });
  for (const method of args.methods.split(',')) {
    const tm = Date.now();
    if (method === 'dino') {
      const config = dinoConfigOf(sm, preset, args.seed);
      log(`dino: pretraining ${config.train.steps} steps (evaluating the EMA teacher's backbone)`);
      const { trainer, vit, last } = await pretrainDino(sm, config, source, log, parallel);
      const pretrainSeconds = (Date.now() - tm) / 1000;
      // DINO evaluates the teacher; its backbone is a VitParams tree like the other arms' encoder.
      const encoder = trainer.teacher.backbone;
      mkdirSync(args.encoders, { recursive: true });
      await saveEncoderTimm(join(args.encoders, `${name}-${method}.safetensors`), encoder, vit);
      const r = await evaluate(
        encoder,
        vit,
        train.images,
        test.images,
        preset,
        source.normalization,
        args.seed,
        log,
        parallel,
      );
      results[method] = {
        ...r,
        pretrainSteps: config.train.steps,
        pretrainSeconds,
        finalLoss: last ? { dino: last.loss, ...(last.monitors ?? {}) } : undefined,
      };
      trainer.dispose();
      continue;
    }
    const config = cfgOf(method === 'random' ? 'splitmask' : method);
    const trainer = await sm.createPretrainer({ config, source, tokenizer, role: `exp-${method}`, parallel });
    let last;
    if (method !== 'random') {
      log(`${method}: pretraining ${config.train.steps} steps`);
      for await (const ev of trainer.run()) {
        last = ev;
        if (ev.step % config.train.logEvery === 0 || ev.step === ev.totalSteps)
          log(`  step ${ev.step}/${ev.totalSteps} loss ${ev.loss.toFixed(4)} ${JSON.stringify(ev.parts)}`);
      }
    } else log('random: the same initialisation as SplitMask, no pretraining');
    const pretrainSeconds = (Date.now() - tm) / 1000;
    const vit = sm.toVitConfig(config.model);
    const encoder = trainer.params.encoder;
    mkdirSync(args.encoders, { recursive: true });
    await saveEncoderTimm(join(args.encoders, `${name}-${method}.safetensors`), encoder, vit);
    const r = await evaluate(
      encoder,
      vit,
      train.images,
      test.images,
      preset,
      source.normalization,
      args.seed,
      log,
      parallel,
    );
    results[method] = {
      ...r,
      pretrainSteps: method === 'random' ? 0 : config.train.steps,
      pretrainSeconds,
      finalLoss: last?.parts,
    };
    trainer.dispose();
  }
  tokenizer.dispose();
  const seconds = (Date.now() - t0) / 1000;
  const command = commandLine(args.argv ?? []);
  const doc = {
    name,
    classNames: trainDs.classNames,
    preset: args.preset,
    note: preset.note,
    seed: args.seed,
    data: args.data,
    backend: backend.name,
    command,
    seconds,
    config: preset,
    results,
  };
  writeReport(out, doc);
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
  return `DINO after ${d.pretrainSteps} steps: loss ${f.dino.toFixed(4)};${h} the teacher's EMA momentum runs cosine ${m} → 1
over the run, so after a short run the evaluated teacher is still close to its initialisation (not the
random arm's: DINO initialises its own ViT from the seed).

`;
}

/**
 * Writes `<name>.md`, `<name>.json` and the PNGs of a results object (also usable to re-render a saved
 * JSON). `doc.notes` (optional, Markdown paragraphs): the reading of the numbers, kept in the JSON so a
 * re-render keeps it.
 */
export function writeReport(out, doc) {
  mkdirSync(out, { recursive: true });
  const fr = doc.config.finetune.fractions.map(([f]) => String(f));
  const rows = Object.entries(doc.results).map(([method, r]) => ({
    method,
    'pretrain steps': r.pretrainSteps,
    'k-NN top-1': r.knn.top1.toFixed(2),
    'linear top-1': r.linear.top1.toFixed(2),
    ...Object.fromEntries(fr.map((f) => [`FT ${Number(f) * 100}% top-1`, r.finetunes[f]?.top1.toFixed(2)])),
  }));
  const full = fr.at(-1);
  // the curve of the fraction fine-tuned for the most epochs (one point per epoch)
  const [cf, curveEpochs] = doc.config.finetune.fractions.reduce((a, b) => (b[1] > a[1] ? b : a));
  const curveF = String(cf);
  writePng(
    join(out, `${doc.name}-finetune.png`),
    plotCurves(Object.entries(doc.results).map(([k, r]) => ({ name: k, values: r.finetunes[curveF].curve }))),
  );
  const best = doc.results.splitmask
    ? ['splitmask', doc.results.splitmask]
    : Object.entries(doc.results).at(-1);
  writePng(join(out, `${doc.name}-confusion.png`), plotConfusion(best[1].finetunes[full].metrics.confusion));
  const colours = ['blue', 'orange', 'green', 'red'];
  const md = `# ${doc.name}

${
  doc.preset === 'smoke'
    ? `> **What this is:** the output of the "smoke" preset, a few-minute plumbing check of the harness
> (tiny model, ${doc.config.pretrain.train.steps} pretraining steps, 1–3 fine-tuning epochs, ${doc.config.trainImages} train /
> ${doc.config.testImages} test images). It shows the pipeline runs end to end; its numbers say **nothing** about
> the paper's claim. The claim is tested by the "quick" preset (docs/results/fashion-mnist.md).\n`
    : ''
}
Preset **${doc.preset}** (${doc.note}); seed ${doc.seed}; backend ${doc.backend}; total ${(doc.seconds / 60).toFixed(1)} min.

Command: \`${doc.command}\`
${
  doc.parts
    ? `\nRun as ${doc.parts.length} parallel processes (\`--jobs\`: tfjs-wasm uses one core each): ${doc.parts
        .map((p) => `${p.methods.join(' + ')} ${(p.seconds / 60).toFixed(1)} min`)
        .join('; ')}.\n`
    : ''
}
${Object.keys(doc.results).join(' vs ')}, pretrained only on the ${doc.data} training images (no labels; DINO is evaluated
through its EMA teacher's backbone), then
DINO weighted k-NN (k=${doc.config.knn.k}, T=${doc.config.knn.temperature}), BEiT linear probe on frozen mean-pooled
features, and fine-tuning with ${fr.map((f) => `${Number(f) * 100}%`).join(' / ')} of the training labels
(class-balanced, seeded). All numbers: test top-1 in percent.

${markdownTable(rows)}
Fine-tuning with ${Number(curveF) * 100}% of the labels, test top-1 after each of its ${curveEpochs} epochs (${Object.keys(
    doc.results,
  )
    .map((k, i) => `${k} = ${colours[i]}`)
    .join(', ')}; y axis 0–100%):

![fine-tuning curves](${doc.name}-finetune.png)

Confusion matrix of ${best[0]}, fine-tuned on ${Number(full) * 100}% (rows = true class):

![confusion](${doc.name}-confusion.png)

${metricsMarkdown(best[1].finetunes[full].metrics, doc.classNames)}
${dinoNote(doc)}${(doc.notes ?? []).map((n) => `${n}\n\n`).join('')}Pretraining time per method (s): ${Object.entries(
    doc.results,
  )
    .map(([k, r]) => `${k} ${r.pretrainSeconds.toFixed(0)}`)
    .join(', ')}.
Full results and the resolved config: \`${doc.name}.json\`. The encoders were saved (timm names, not
committed) as \`<--encoders>/${doc.name}-<method>.safetensors\`; \`splitmask eval knn --checkpoint <file> --data ${doc.data}\`
re-evaluates one.
`;
  writeFileSync(join(out, `${doc.name}.md`), md);
  writeFileSync(join(out, `${doc.name}.json`), `${JSON.stringify(doc, null, 1)}\n`);
}

// Relative cost of one arm (pretraining + the shared evaluation), measured with the quick preset on
// wasm: DINO's multi-crop steps are the dearest, SplitMask's two branches + decoder next, then BEiT.
const ARM_COST = { dino: 4, splitmask: 2.5, beit: 1.5, random: 1 };

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

/** `--jobs N`: this script once per group of methods, in parallel child processes, then one report. */
async function runJobs(args, log) {
  const t0 = Date.now();
  const methods = args.methods.split(',');
  const groups = partitionMethods(methods, args.jobs);
  const tmp = mkdtempSync(join(tmpdir(), 'splitmask-jobs-'));
  const passOn = [];
  for (let i = 0; i < args.argv.length; i += 2) {
    if (!['--jobs', '--methods', '--out', '--name', '--workers'].includes(args.argv[i]))
      passOn.push(args.argv[i], args.argv[i + 1]);
  }
  // Each job gets its share of the cores as worker threads (resolved from --workers in the parent).
  passOn.push('--workers', String(args.workers ?? 1));
  log(`--jobs ${args.jobs}: ${groups.map((g) => g.join(',')).join(' | ')}`);
  const parts = await Promise.all(
    groups.map(
      (g, i) =>
        new Promise((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [
              fileURLToPath(import.meta.url),
              ...passOn,
              '--methods',
              g.join(','),
              '--out',
              tmp,
              '--name',
              `part${i}`,
            ],
            { stdio: ['ignore', 'pipe', 'inherit'] },
          );
          child.stdout.on('data', (b) => {
            for (const line of String(b).split('\n')) if (line) log(`[${g.join(',')}] ${line}`);
          });
          child.on('exit', (code) =>
            code === 0
              ? resolve(JSON.parse(readFileSync(join(tmp, `part${i}.json`), 'utf8')))
              : reject(new Error(`job ${g.join(',')} exited with ${code}`)),
          );
        }),
    ),
  );
  const doc = mergeResults(parts, {
    name: defaultName(args),
    order: methods,
    command: commandLine(args.argv),
    wallSeconds: (Date.now() - t0) / 1000,
  });
  writeReport(args.out ?? join(REPO, 'docs', 'results'), doc);
  return doc;
}

/** CLI entry: `main(process.argv.slice(2))`; resolves to the exit code. */
export async function main(argv) {
  try {
    const args = { ...parseArgs(argv), argv };
    if (args.merge) {
      const docs = args.merge.split(',').map((f) => JSON.parse(readFileSync(f, 'utf8')));
      const doc = mergeResults(docs, { name: args.name, order: args.methods.split(',') });
      writeReport(args.out ?? join(REPO, 'docs', 'results'), doc);
      return 0;
    }
    if (args.jobs > 1) {
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
