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
 * model.imageSize) and a `--config` JSON deep-merged over the preset (fields: see PRESETS in presets.mjs).
 * Needs `pnpm --filter "splitmask..." build` first (this harness lives in the application package, above
 * every library it uses).
 *
 * This file holds runExperiment (one seed), main and the CLI entry; the rest lives beside it: presets.mjs,
 * args.mjs, data.mjs (split and images), baselines.mjs (raw pixels, logistic regression), pretrain.mjs
 * (DINO, k-NN monitor), evaluate.mjs, aggregate.mjs (seeds, merging), report.mjs and jobs.mjs (--jobs).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@splitmask/core';
import { loadEncoderCheckpoint, saveEncoderTimm } from '@splitmask/eval/node';
import * as tf from '@tensorflow/tfjs-core';
import { combineResults } from './aggregate.mjs';
import { commandLine, defaultName, parseArgs, REPO } from './args.mjs';
import { pixelBaselines } from './baselines.mjs';
import { loadSplitImages, VAL_SPLIT_SEED } from './data.mjs';
import { evaluate, finetuneAll } from './evaluate.mjs';
import { runJobs } from './jobs.mjs';
import { resolvePreset } from './presets.mjs';
import { dinoConfigOf, knnMonitor, pretrainDino } from './pretrain.mjs';
import { writeReport } from './report.mjs';

// What this script exported before it was split into modules.
export { aggregateSeeds, combineResults, mergeResults } from './aggregate.mjs';
export { commandLine } from './args.mjs';
export { loadSplitImages } from './data.mjs';
export { partitionMethods } from './jobs.mjs';
export { PRESETS } from './presets.mjs';
export { writeReport } from './report.mjs';

async function importSplitmask() {
  return import('@splitmask/splitmask');
}

/** The tensors of a parameter tree (to dispose a loaded encoder). */
function flattenTree(t) {
  if (t instanceof tf.Tensor) return [t];
  return Object.values(t ?? {}).flatMap(flattenTree);
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
