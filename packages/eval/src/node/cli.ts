/**
 * `splitmask eval knn|linear|finetune` (the splitmask CLI delegates here): load an encoder checkpoint,
 * load a labelled dataset (Fashion-MNIST, MNIST or `<folder>/{train,test}/<class>/*`), run the protocol,
 * write `<out>/<mode>.json`, `<out>/<mode>.md` and PNG plots, print a one-line summary. Node only.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BackendChoice,
  createRng,
  disposeParams,
  InvalidArgumentError,
  initBackend,
  isBackendChoice,
} from '@splitmask/core';
import type { ImageDataset } from '@splitmask/datasets';
import { imageFolder, loadFashionMnist, loadMnist } from '@splitmask/datasets/node';
import * as tf from '@tensorflow/tfjs-core';
import { arraySource, extractFeatures, loadLabeledImages } from '../features';
import { type FinetuneOptions, finetune } from '../finetune';
import { knnClassify } from '../knn';
import { type LinearProbeOptions, trainLinearProbe } from '../linear-probe';
import { type ClassificationMetrics, metricsFromLogits, metricsFromRanked } from '../metrics';
import { pixelNormalization } from '../normalization';
import { plotConfusion, plotCurves } from '../plot';
import { markdownTable, metricsMarkdown } from '../report';
import { classBalancedSubset, selectImages } from '../subset';
import { loadEncoderCheckpoint } from './checkpoint';
import { writePng } from './png';

export const EVAL_USAGE = `Usage: splitmask eval knn|linear|finetune --checkpoint <path> --data fashion-mnist|mnist|<folder>
  --checkpoint  trainer run/checkpoint folder, or timm-named .safetensors (needs vit_config metadata or --config)
  --config      JSON file: { "vit"?: variant name | partial ViT config, "knn"?: {k, temperature},
                "linear"?: LinearProbeOptions, "finetune"?: FinetuneOptions, "pool"?: "cls"|"mean", "layer"?: n }
  --data        fashion-mnist | mnist | <folder> with train/ and test/ class folders
  --backend     auto|cpu|wasm|webgl|webgpu|tensorflow (default auto)
  --out         output folder (default eval-out)
  --fraction    labelled fraction of the train set, class-balanced (default 1)
  --limit-train / --limit-test  use N images drawn at random under --seed (quick checks)
  --seed --epochs --lr --batch-size --k --temperature --pool --layer  override the config`;

/** Parsed flags of `splitmask eval`. */
export interface EvalArgs {
  mode: 'knn' | 'linear' | 'finetune';
  checkpoint: string;
  data: string;
  config?: string;
  backend: BackendChoice;
  out: string;
  fraction: number;
  seed: number;
  limitTrain?: number;
  limitTest?: number;
  overrides: Record<string, number | string>;
}

const NUMERIC = [
  'fraction',
  'seed',
  'limit-train',
  'limit-test',
  'epochs',
  'lr',
  'batch-size',
  'k',
  'temperature',
  'layer',
];
const STRINGS = ['checkpoint', 'data', 'config', 'backend', 'out', 'pool'];

/** Value flags of `splitmask eval` (all take one value). */
export const EVAL_FLAGS: readonly string[] = Object.freeze([...NUMERIC, ...STRINGS]);

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INTEGERS = new Set(['seed', 'limit-train', 'limit-test', 'epochs', 'batch-size', 'k', 'layer']);

/**
 * Parses `knn|linear|finetune --flag value ...`; throws listing every bad flag.
 * @example parseEvalArgs(['knn', '--checkpoint', 'run/ckpt', '--data', 'fashion-mnist'])
 */
export function parseEvalArgs(argv: readonly string[]): EvalArgs {
  const [mode, ...rest] = argv;
  const bad: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') ? a.slice(2, eq > 0 ? eq : undefined) : undefined;
    if (!name || !EVAL_FLAGS.includes(name)) {
      bad.push(`unknown argument '${a}'`);
      continue;
    }
    const v = eq > 0 ? a.slice(eq + 1) : rest[++i];
    if (v === undefined) bad.push(`--${name} needs a value`);
    else flags[name] = v;
  }
  return evalArgsFromFlags(mode, flags, bad);
}

/**
 * Validates already-split flags (the `splitmask` CLI's parser hands them over) into EvalArgs; throws one
 * InvalidArgumentError listing every problem. Numbers are parsed strictly (no hex, no trailing junk).
 * @example evalArgsFromFlags('knn', { checkpoint: 'runs/mine', data: 'fashion-mnist' })
 */
export function evalArgsFromFlags(
  mode: string | undefined,
  flags: Record<string, string>,
  bad: string[] = [],
): EvalArgs {
  if (mode !== 'knn' && mode !== 'linear' && mode !== 'finetune')
    bad.unshift(`mode must be knn, linear or finetune, got '${mode ?? ''}'`);
  const num = (k: string): number | undefined => {
    if (flags[k] === undefined) return undefined;
    const raw = flags[k];
    const v = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isFinite(v)) bad.push(`--${k} must be a number, got '${raw}'`);
    else if (INTEGERS.has(k) && !/^[+-]?\d+$/.test(raw))
      bad.push(`--${k} must be a decimal integer, got '${raw}'`);
    return v;
  };
  if (!flags.checkpoint) bad.push('--checkpoint is required');
  if (!flags.data) bad.push('--data is required');
  const backend = flags.backend ?? 'auto';
  if (!isBackendChoice(backend))
    bad.push(`--backend must be one of auto, cpu, wasm, webgl, webgpu, tensorflow, got '${backend}'`);
  const fraction = num('fraction') ?? 1;
  if (!(fraction > 0 && fraction <= 1)) bad.push(`--fraction must be in (0, 1], got ${fraction}`);
  if (flags.pool && flags.pool !== 'cls' && flags.pool !== 'mean')
    bad.push(`--pool must be cls or mean, got '${flags.pool}'`);
  const overrides: Record<string, number | string> = {};
  for (const k of ['epochs', 'lr', 'batch-size', 'k', 'temperature', 'layer']) {
    const v = num(k);
    if (v !== undefined) overrides[k] = v;
  }
  if (flags.pool) overrides.pool = flags.pool;
  const limitTrain = num('limit-train');
  const limitTest = num('limit-test');
  const seed = num('seed') ?? 0;
  if (bad.length) throw new InvalidArgumentError(`splitmask eval: ${bad.join('; ')}`);
  return {
    mode: mode as EvalArgs['mode'],
    checkpoint: flags.checkpoint as string,
    data: flags.data as string,
    config: flags.config,
    backend: backend as BackendChoice,
    out: flags.out ?? 'eval-out',
    fraction,
    seed,
    limitTrain,
    limitTest,
    overrides,
  };
}

/** Eval config file contents. */
export interface EvalFileConfig {
  vit?: string | Record<string, unknown>;
  pool?: 'cls' | 'mean';
  layer?: number;
  knn?: { k?: number; temperature?: number };
  linear?: Partial<LinearProbeOptions>;
  finetune?: Partial<FinetuneOptions>;
}

const CONFIG_KEYS: Record<string, readonly string[] | 'any'> = {
  vit: 'any',
  pool: 'any',
  layer: 'any',
  knn: ['k', 'temperature'],
  linear: [
    'epochs',
    'batchSize',
    'lr',
    'minLr',
    'warmupEpochs',
    'weightDecay',
    'optimizer',
    'momentum',
    'eps',
  ],
  finetune: [
    'epochs',
    'batchSize',
    'lr',
    'minLr',
    'warmupEpochs',
    'weightDecay',
    'layerDecay',
    'labelSmoothing',
    'mixupAlpha',
    'cutmixAlpha',
    'mixupProb',
    'switchProb',
    'dropPath',
    'hflip',
    'cropPadding',
    'patchDropRate',
    'evalEvery',
  ],
};

/**
 * Checks an eval config file's contents; throws listing every unknown or mistyped field at once.
 * @example validateEvalConfig(JSON.parse(readFileSync('eval.json', 'utf8')), 'eval.json');
 */
export function validateEvalConfig(raw: unknown, file = 'config'): EvalFileConfig {
  const bad: string[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error(`${file}: expected a JSON object`);
  for (const [k, v] of Object.entries(raw)) {
    const allowed = CONFIG_KEYS[k];
    if (!allowed) {
      bad.push(`unknown field '${k}' (expected ${Object.keys(CONFIG_KEYS).join(', ')})`);
      continue;
    }
    if (k === 'pool' && v !== 'cls' && v !== 'mean')
      bad.push(`pool must be 'cls' or 'mean', got ${JSON.stringify(v)}`);
    if (k === 'layer' && !Number.isInteger(v)) bad.push(`layer must be an integer, got ${JSON.stringify(v)}`);
    if (k === 'vit' && typeof v !== 'string' && (v === null || typeof v !== 'object'))
      bad.push(`vit must be a variant name or an object, got ${JSON.stringify(v)}`);
    if (allowed === 'any') continue;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      bad.push(`${k} must be an object, got ${JSON.stringify(v)}`);
      continue;
    }
    for (const [f, x] of Object.entries(v)) {
      if (!allowed.includes(f)) bad.push(`unknown field '${k}.${f}'`);
      else if (
        f === 'optimizer'
          ? x !== 'adamw' && x !== 'sgd'
          : f === 'hflip'
            ? typeof x !== 'boolean'
            : typeof x !== 'number'
      )
        bad.push(`${k}.${f} has the wrong type: ${JSON.stringify(x)}`);
    }
  }
  if (bad.length) throw new Error(`${file}: ${bad.join('; ')}`);
  return raw as EvalFileConfig;
}

async function loadSplits(data: string): Promise<{ train: ImageDataset; test: ImageDataset; name: string }> {
  if (data === 'fashion-mnist' || data === 'mnist') {
    const load = data === 'mnist' ? loadMnist : loadFashionMnist;
    return { train: await load({ split: 'train' }), test: await load({ split: 'test' }), name: data };
  }
  return {
    train: await imageFolder(join(data, 'train')),
    test: await imageFolder(join(data, 'test')),
    name: data,
  };
}

/**
 * `n` of `length` indices drawn without replacement under `seed`, in ascending order. Not the first n:
 * sources are often grouped by class (the embedded Fashion-MNIST split is), and a prefix would hold one
 * class only.
 */
function sampleIndices(length: number, n: number, seed: number): Int32Array {
  if (n >= length) return Int32Array.from({ length }, (_, i) => i);
  return createRng(seed).permutation(length).slice(0, n).sort();
}

/**
 * Runs `splitmask eval ...`; returns the exit code (0 ok, 1 failure, 2 usage error).
 * @example process.exitCode = await runEvalCli(process.argv.slice(3)); // after `splitmask eval`
 */
export async function runEvalCli(argv: readonly string[]): Promise<number> {
  let args: EvalArgs;
  try {
    args = parseEvalArgs(argv);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  try {
    const report = await runEval(args);
    console.log(
      `${args.mode}: top-1 ${report.metrics.top1.toFixed(2)}%, top-5 ${report.metrics.top5.toFixed(2)}% → ${args.out}`,
    );
    return 0;
  } catch (e) {
    console.error(`splitmask eval ${args.mode}: ${(e as Error).message}`);
    return 1;
  }
}

/** Result written by {@link runEval}. */
export interface EvalReport {
  mode: EvalArgs['mode'];
  checkpoint: string;
  data: string;
  backend: string;
  seed: number;
  fraction: number;
  trainCount: number;
  testCount: number;
  metrics: ClassificationMetrics;
  history?: { epoch: number; loss: number; top1?: number }[];
  seconds: number;
}

/**
 * The work behind the CLI, callable from scripts: returns the report it wrote to `args.out`.
 * @example const r = await runEval(parseEvalArgs(['knn', '--checkpoint', 'ck', '--data', 'mnist']));
 */
export async function runEval(args: EvalArgs): Promise<EvalReport> {
  const t0 = Date.now();
  const info = await initBackend(args.backend);
  const file: EvalFileConfig = args.config
    ? (JSON.parse(readFileSync(args.config, 'utf8')) as EvalFileConfig)
    : {};
  const enc = loadEncoderCheckpoint(args.checkpoint, { vit: file.vit as never });
  const { imageSize: s, inChans: c } = enc.cfg;
  const { train, test, name } = await loadSplits(args.data);
  const trainAll = args.limitTrain ? sampleIndices(train.length, args.limitTrain, args.seed) : undefined;
  const testIdx = args.limitTest ? sampleIndices(test.length, args.limitTest, args.seed + 1) : undefined;
  let trainData = await loadLabeledImages(train, s, c, trainAll);
  if (args.fraction < 1)
    trainData = selectImages(trainData, classBalancedSubset(trainData.labels, args.fraction, args.seed));
  const testData = await loadLabeledImages(test, s, c, testIdx);
  const numClasses = train.numClasses ?? Math.max(...trainData.labels) + 1;
  const normalization = pixelNormalization(trainData.pixels, trainData.count, c);
  const o = args.overrides;
  let metrics: ClassificationMetrics;
  let history: EvalReport['history'];
  try {
    if (args.mode === 'finetune') {
      const res = await finetune(
        enc.params,
        enc.cfg,
        trainData,
        {
          ...file.finetune,
          numClasses,
          normalization,
          seed: args.seed,
          ...(o.epochs !== undefined && { epochs: o.epochs as number }),
          ...(o.lr !== undefined && { lr: o.lr as number }),
          ...(o['batch-size'] !== undefined && { batchSize: o['batch-size'] as number }),
        },
        testData,
      );
      history = res.history.map((h) => ({ epoch: h.epoch, loss: h.loss, top1: h.eval?.top1 }));
      metrics = res.history.at(-1)?.eval as ClassificationMetrics;
      res.dispose();
    } else {
      const fopts = {
        pool: (o.pool as 'cls' | 'mean' | undefined) ?? file.pool ?? 'mean',
        layer: (o.layer as number | undefined) ?? file.layer,
        normalization,
      };
      const trF = await extractFeatures(
        enc.params,
        enc.cfg,
        arraySource(trainData.pixels, trainData.count, s, c),
        fopts,
      );
      const teF = await extractFeatures(
        enc.params,
        enc.cfg,
        arraySource(testData.pixels, testData.count, s, c),
        fopts,
      );
      try {
        if (args.mode === 'knn') {
          const k = Math.min((o.k as number | undefined) ?? file.knn?.k ?? 20, trainData.count);
          const temperature = (o.temperature as number | undefined) ?? file.knn?.temperature ?? 0.07;
          const r = await knnClassify(trF, trainData.labels, teF, testData.labels, {
            numClasses,
            k,
            temperature,
          });
          metrics = metricsFromRanked(r.ranked, r.rankWidth, testData.labels, numClasses);
        } else {
          const probe = await trainLinearProbe(trF, trainData.labels, {
            ...file.linear,
            numClasses,
            seed: args.seed,
            ...(o.epochs !== undefined && { epochs: o.epochs as number }),
            ...(o.lr !== undefined && { lr: o.lr as number }),
            ...(o['batch-size'] !== undefined && { batchSize: o['batch-size'] as number }),
          });
          history = probe.losses.map((loss, epoch) => ({ epoch, loss }));
          const logits = probe.logits(teF);
          metrics = await metricsFromLogits(logits, testData.labels);
          tf.dispose(logits);
          probe.dispose();
        }
      } finally {
        tf.dispose([trF, teF]);
      }
    }
  } finally {
    disposeParams(enc.params);
  }
  const report: EvalReport = {
    mode: args.mode,
    checkpoint: args.checkpoint,
    data: name,
    backend: info.name,
    seed: args.seed,
    fraction: args.fraction,
    trainCount: trainData.count,
    testCount: testData.count,
    metrics,
    history,
    seconds: (Date.now() - t0) / 1000,
  };
  await writeReport(args.out, report, train.classNames);
  return report;
}

async function writeReport(out: string, r: EvalReport, classNames?: readonly string[]): Promise<void> {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${r.mode}.json`), `${JSON.stringify(r, null, 1)}\n`);
  const meta = markdownTable([
    {
      mode: r.mode,
      checkpoint: r.checkpoint,
      data: r.data,
      backend: r.backend,
      seed: r.seed,
      'labelled fraction': r.fraction,
      train: r.trainCount,
      test: r.testCount,
      seconds: r.seconds,
    },
  ]);
  let md = `# splitmask eval ${r.mode}\n\n${meta}\n${metricsMarkdown(r.metrics, classNames)}\n![confusion](${r.mode}-confusion.png)\n`;
  await writePng(join(out, `${r.mode}-confusion.png`), plotConfusion(r.metrics.confusion));
  if (r.history?.some((h) => h.top1 !== undefined)) {
    await writePng(
      join(out, `${r.mode}-accuracy.png`),
      plotCurves([{ name: 'test top-1', values: r.history.map((h) => h.top1 ?? Number.NaN) }]),
    );
    md += `\nTest top-1 per epoch (0–100%): ![accuracy](${r.mode}-accuracy.png)\n`;
  }
  writeFileSync(join(out, `${r.mode}.md`), md);
}
