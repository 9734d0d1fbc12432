/**
 * `splitmask demo`: pretrain a small SplitMask ViT on Fashion-MNIST for a few minutes, then compare the
 * k-NN accuracy (weighted, cosine, k = 20, T = 0.07) of its frozen encoder with a randomly initialised
 * encoder of the same architecture and seed, on a held-out subset; write pictures and a JSON summary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '@splitmask/core';
import { knnClassify } from '@splitmask/eval';
import {
  buildTokenizer,
  createArraySource,
  createPretrainer,
  encodeFeatures,
  type ImageArray,
  type ImageSource,
  imagesOf,
  type Parallelism,
  type PretrainConfig,
  type PretrainConfigInput,
  plotSeries,
  resolvePretrainConfig,
  type SplitMaskParams,
  type TrainEvent,
  toVitConfig,
} from '@splitmask/splitmask';
import { encodePng } from '@splitmask/splitmask/node';
import type { Tokenizer } from '@splitmask/tokenizers';
import * as tf from '@tensorflow/tfjs-core';
import { loadImages } from './datasets';
import { writeRunPictures } from './run-pictures';

/**
 * The demo's model and schedule: 28px Fashion-MNIST, patch 4 (7x7 = 49 patches; SplitMask's two
 * branches see 24 disjoint random patches each and the odd patch is predicted by both), width 64, depth 4, 4 heads, MLP ratio 2,
 * decoder 2 blocks (paper), k-means vocabulary of 128, batch 64. LR 2e-3 peak (BEiT's
 * 1.5e-3 x batch/2048 would be 5e-5: far too small for a minutes-long run from scratch), warmup 10%
 * of the steps, cosine to 1e-5, wd 0.05, clip 3.0, drop-path 0.05 (tiny model, short run).
 * `train.steps` is a default; `runDemo` fits the step count to a wall-clock budget unless told not to.
 */
export const DEMO_CONFIG: PretrainConfigInput = {
  method: 'splitmask',
  seed: 0,
  model: {
    imageSize: 28,
    patchSize: 4,
    inChans: 1,
    embedDim: 64,
    depth: 4,
    numHeads: 4,
    mlpRatio: 2,
    dropPathRate: 0.05,
    decoderDepth: 2,
  },
  tokenizer: { kind: 'kmeans', vocabSize: 128, seed: 0, fitImages: 2048, fitIterations: 10 },
  // Random halves and InfoNCE weight 0.3 instead of the paper's block halves and weight 1: on this 7x7 grid
  // a 50 % block mask leaves each branch one or two large regions (chosen on a validation split of the
  // same model: k-NN 73.2 -> 76.5; docs/results/ssl-sweep.md).
  masking: { mode: 'random', visibleFraction: 0.5 },
  loss: { temperature: 0.2, nceWeight: 0.3 },
  optim: { lr: 2e-3, minLr: 1e-5, weightDecay: 0.05, warmupSteps: 20, clipGrad: 3 },
  train: {
    batchSize: 64,
    accumSteps: 1,
    steps: 200,
    logEvery: 10,
    checkpointEvery: 0,
    keepCheckpoints: 1,
  },
};

/** A seconds-long variant for tests and smoke runs (`--tiny`). */
export const TINY_DEMO_CONFIG: PretrainConfigInput = {
  ...DEMO_CONFIG,
  model: { ...DEMO_CONFIG.model, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2 },
  tokenizer: { ...DEMO_CONFIG.tokenizer, vocabSize: 16, fitImages: 64, fitIterations: 2 },
  optim: { ...DEMO_CONFIG.optim, warmupSteps: 1 },
  train: { ...DEMO_CONFIG.train, batchSize: 8, steps: 2 },
};

/** Options of runDemo. */
export interface DemoOptions {
  out: string;
  config?: PretrainConfigInput;
  /** Training images used (per class: n/10). */
  trainImages?: number;
  /** Held-out images for k-NN (test split) and the k-NN memory bank size (train split). */
  evalImages?: number;
  bankImages?: number;
  /**
   * Wall-clock seconds for pretraining: the step count is set so the run fits (measured on 3 probe
   * steps, which are discarded). Absent = run `config.train.steps` as given.
   */
  trainBudgetSec?: number;
  /** Also evaluate k-NN every this many steps (0 = only before and after); adds to the run time. */
  knnEvery?: number;
  signal?: AbortSignal;
  onEvent?: (ev: TrainEvent) => void;
  log?: (line: string) => void;
  /** Data-parallel workers (`workerThreads(n)` from `@splitmask/splitmask/node`); absent = this thread. */
  parallel?: Parallelism;
}

/** What the demo measured. */
export interface DemoResult {
  config: PretrainConfig;
  steps: number;
  trainSeconds: number;
  imagesSeen: number;
  knn: {
    pretrained: number;
    random: number;
    /** The same k-NN on raw pixels (flattened, cosine): the bar an encoder must clear to be useful. */
    rawPixels: number;
    k: number;
    temperature: number;
    bank: number;
    queries: number;
    /** [step, accuracy] (step 0 = random init). */
    curve: [number, number][];
  };
  finalParts: Record<string, number>;
  files: string[];
}

function subset(data: ImageArray, n: number): ImageArray {
  const count = Math.min(n, data.count);
  return {
    pixels: data.pixels.subarray(0, count * data.size * data.size * data.channels),
    count,
    size: data.size,
    channels: data.channels,
    labels: data.labels?.subarray(0, count),
  };
}

/**
 * Runs the demo end to end (the backend must already be initialised).
 * @example const r = await runDemo({ out: './splitmask-demo' }); console.log(r.knn);
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const log = opts.log ?? (() => {});
  let config = resolvePretrainConfig(opts.config ?? DEMO_CONFIG);
  const t0 = Date.now();
  const train = await loadImages('fashion-mnist', 'train', config.model, opts.trainImages);
  const bank = subset(train, opts.bankImages ?? 2000); // class-balanced prefix
  const test = await loadImages('fashion-mnist', 'test', config.model, opts.evalImages ?? 1000);
  log(
    `Fashion-MNIST: ${train.count} training images, k-NN bank ${bank.count}, held-out queries ${test.count} (${((Date.now() - t0) / 1000).toFixed(1)}s)`,
  );
  const source = createArraySource(train, { imageSize: config.model.imageSize, seed: config.seed });
  const vit = toVitConfig(config.model);
  const bankPixels = imagesOf(
    bank,
    Array.from({ length: bank.count }, (_, i) => i),
    vit.imageSize,
  );
  const testPixels = imagesOf(
    test,
    Array.from({ length: test.count }, (_, i) => i),
    vit.imageSize,
  );

  /** DINO's weighted k-NN (k=20, T=0.07, cosine) of held-out queries against the bank: top-1 in [0, 1]. */
  const knnTop1 = async (bankFeatures: tf.Tensor2D, queryFeatures: tf.Tensor2D): Promise<number> => {
    try {
      const r = await knnClassify(
        bankFeatures,
        bank.labels as Int32Array,
        queryFeatures,
        test.labels as Int32Array,
        {
          numClasses: 10,
          k: 20,
          temperature: 0.07,
        },
      );
      return r.top1 / 100;
    } finally {
      tf.dispose([bankFeatures, queryFeatures]);
    }
  };
  const evaluate = (encoder: SplitMaskParams['encoder']): Promise<number> =>
    knnTop1(
      encodeFeatures(encoder, bankPixels, bank.count, vit, source.normalization),
      encodeFeatures(encoder, testPixels, test.count, vit, source.normalization),
    );

  // The baseline every encoder is read against: the same k-NN on the raw pixels of the same split.
  const per = vit.imageSize * vit.imageSize * vit.inChans;
  const rawPixels = await knnTop1(
    tf.tensor2d(bankPixels, [bank.count, per]),
    tf.tensor2d(testPixels, [test.count, per]),
  );
  log(`k-NN on raw pixels (same split): ${(100 * rawPixels).toFixed(2)}%`);

  const tokenizer = await buildTokenizer(config, source);
  log(
    `tokenizer: ${config.tokenizer.kind}, V=${tokenizer.vocabSize} (${((Date.now() - t0) / 1000).toFixed(1)}s)`,
  );
  if (opts.trainBudgetSec !== undefined) {
    config = await fitStepsToBudget(config, source, tokenizer, opts.trainBudgetSec, log, opts.parallel);
  }
  const trainer = await createPretrainer({
    config,
    source,
    tokenizer,
    role: `demo${Date.now()}`,
    parallel: opts.parallel,
  });
  const params = trainer.params as unknown as SplitMaskParams;
  // The random baseline is the same initialisation (same seed) before any step.
  const random = await evaluate(params.encoder);
  log(`k-NN of the randomly initialised encoder: ${(100 * random).toFixed(2)}%`);
  const events: TrainEvent[] = [];
  const tTrain = Date.now();
  const curve: [number, number][] = [[0, random]];
  let evalSeconds = 0;
  for await (const ev of trainer.run({ signal: opts.signal })) {
    events.push(ev);
    opts.onEvent?.(ev);
    if (opts.knnEvery && ev.step % opts.knnEvery === 0 && ev.step < ev.totalSteps) {
      const te = Date.now();
      await trainer.syncParams(); // with workers, the main-thread copy is current only after a sync
      curve.push([ev.step, await evaluate(params.encoder)]);
      evalSeconds += (Date.now() - te) / 1000;
      log(`\nk-NN at step ${ev.step}: ${(100 * (curve.at(-1)?.[1] ?? 0)).toFixed(2)}%`);
    }
  }
  const trainSeconds = (Date.now() - tTrain) / 1000 - evalSeconds;
  const pretrained = await evaluate(params.encoder);
  curve.push([trainer.step, pretrained]);
  log(`k-NN of the SplitMask-pretrained encoder: ${(100 * pretrained).toFixed(2)}%`);

  mkdirSync(opts.out, { recursive: true });
  const files = await writeRunPictures({
    out: opts.out,
    events,
    trainer,
    sample: imagesOf(
      test,
      Array.from({ length: Math.min(6, test.count) }, (_, i) => i),
      vit.imageSize,
    ),
    rng: createRng(config.seed + 1),
  });
  if (curve.length > 2) {
    const p = join(opts.out, 'knn.png');
    writeFileSync(
      p,
      encodePng(plotSeries([{ name: 'knn top1', points: curve }], { title: 'k-nn accuracy per step' })),
    );
    files.push(p);
  }
  const result: DemoResult = {
    config,
    steps: trainer.step,
    trainSeconds,
    imagesSeen: trainer.step * config.train.batchSize * config.train.accumSteps,
    knn: {
      pretrained,
      random,
      rawPixels,
      k: 20,
      temperature: 0.07,
      bank: bank.count,
      queries: test.count,
      curve,
    },
    finalParts: events.at(-1)?.parts ?? {},
    files,
  };
  const summary = join(opts.out, 'summary.json');
  writeFileSync(summary, `${JSON.stringify(result, null, 2)}\n`);
  result.files.push(summary);
  await trainer.dispose();
  tokenizer.dispose();
  return result;
}

/**
 * Sets `train.steps` (and warmup = 10% of it) so that pretraining takes about `budgetSec`, from the
 * time of probe steps 2-3 of a throwaway trainer (step 1 includes one-off kernel setup).
 */
async function fitStepsToBudget(
  config: PretrainConfig,
  source: ImageSource,
  tokenizer: Tokenizer,
  budgetSec: number,
  log: (line: string) => void,
  parallel?: Parallelism,
): Promise<PretrainConfig> {
  const probe = await createPretrainer({ config, source, tokenizer, role: `probe${Date.now()}`, parallel });
  // Worker threads compile and warm up over their first steps: time steps 4-6, not 2-3 (with 2 workers the
  // shorter probe read 0.39 s/step where the run then averaged 0.26 s, and trained 198 s of a 300 s budget).
  for (let i = 0; i < 3; i++) await probe.trainStep();
  const t = Date.now();
  for (let i = 0; i < 3; i++) await probe.trainStep();
  const perStep = (Date.now() - t) / 3000;
  await probe.dispose();
  const steps = Math.max(10, Math.min(5000, Math.floor(budgetSec / perStep)));
  log(
    `probe: ${perStep.toFixed(2)}s per step of ${config.train.batchSize} images -> ${steps} steps fit ${budgetSec}s`,
  );
  return resolvePretrainConfig({
    ...config,
    optim: { ...config.optim, warmupSteps: Math.max(1, Math.round(steps / 10)) },
    train: { ...config.train, steps },
  });
}
