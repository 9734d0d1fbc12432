/**
 * `splitmask pretrain --method dino <dataset>`: the DINO baseline (paper.md §7) from the command line.
 * DINO has its own config schema (`resolveDinoConfig`) and loop (`runDino`), so it branches off before
 * `resolvePretrainConfig`. Writes `<out>/config.json`, `<out>/log.jsonl` (every step),
 * `<out>/checkpoints/step-*` (resumable with `--resume`) and `<out>/teacher-encoder.safetensors`, the EMA
 * teacher's ViT in timm layout with its config in the metadata, which `splitmask eval` reads.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, disposeParams, isBackendChoice, toTfTensors, unflattenParams } from '@splitmask/core';
import { loadSafetensorsSync } from '@splitmask/core/node';
import { saveEncoderTimm } from '@splitmask/eval/node';
import {
  ConfigError,
  createArraySource,
  DINO_DEFAULT_CONFIG,
  type DinoConfig,
  DinoConfigError,
  type DinoConfigInput,
  type DinoEvent,
  dinoArch,
  resolveDinoConfig,
} from '@splitmask/splitmask';
import { listCheckpoints, runDino } from '@splitmask/splitmask/node';
import { initVitParams } from '@splitmask/vit';
import * as tf from '@tensorflow/tfjs-core';
import { intFlag, numberFlag, type ParsedArgs, readConfigFile } from './cli-args';
import { loadImages, summarizeSkipped } from './datasets';
import { createJsonlLogger } from './jsonl';
import { createProgressBar } from './progress';
import { prepareRunFolder, writeSkippedList } from './run-folder';
import { resolveWorkers } from './workers';

/**
 * Sizes for the 28 px embedded sets (zero-padded to 32): ViT patch 4, D 96, 4 blocks, 3 heads; 2 × 32 px
 * global + 6 × 16 px local crops; a 4,096-way head. DINO's defaults (ViT-S/16, 224 px RGB) stay for folders.
 */
export const DINO_SMALL_IMAGES: DinoConfigInput = {
  model: { imageSize: 32, patchSize: 4, inChans: 1, embedDim: 96, depth: 4, numHeads: 3 },
  crops: { localSize: 16, localCrops: 6 },
  head: { outDim: 4096, hiddenDim: 512, bottleneckDim: 256 },
};

/** CLI defaults on top of DINO's: checkpoint every 500 steps and always at the last one. */
const CLI_BASE: DinoConfigInput = { train: { checkpointEvery: 500 } };

/** Section-by-section merge of partial DINO configs (later inputs win field by field). */
function mergeDinoInputs(...inputs: DinoConfigInput[]): DinoConfigInput {
  const out: Record<string, unknown> = {};
  for (const input of inputs) {
    for (const [k, v] of Object.entries(input)) {
      const prev = out[k];
      const isObj = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x);
      out[k] = isObj(prev) && isObj(v) ? { ...(prev as object), ...(v as object) } : v;
    }
  }
  return out as DinoConfigInput;
}

/**
 * Flags (+ `--config` file, a partial DinoConfig) → a resolved DINO config; every problem is reported at
 * once as a ConfigError (exit code 2). `--lr` is DINO's base LR per 256 images.
 * @example dinoConfigFromFlags(parseArgs(['pretrain', 'mnist', '--method', 'dino', '--steps', '10'], SPECS), 'mnist')
 */
export function dinoConfigFromFlags(args: ParsedArgs, dataset: string): Readonly<DinoConfig> {
  const issues: string[] = [];
  const file = args.flags.config;
  const fromFile: DinoConfigInput = typeof file === 'string' ? (readConfigFile(file) as DinoConfigInput) : {};
  const steps = intFlag(args.flags, 'steps', issues, 1);
  const batch = intFlag(args.flags, 'batch-size', issues, 2);
  const lr = numberFlag(args.flags, 'lr', issues);
  const seed = intFlag(args.flags, 'seed', issues, 0);
  const backend = args.flags.backend;
  if (backend !== undefined && !isBackendChoice(backend))
    issues.push(`--backend: unknown backend '${backend}'`);
  if (lr !== undefined && !(lr > 0)) issues.push(`--lr: expected a positive number, got '${lr}'`);
  if (issues.length) throw new ConfigError(issues, 'command line');
  const flags: DinoConfigInput = {};
  const train: Partial<DinoConfig['train']> = {};
  if (steps !== undefined) train.steps = steps;
  if (batch !== undefined) train.batchSize = batch;
  if (Object.keys(train).length) flags.train = train;
  if (lr !== undefined) flags.optim = { lr };
  if (seed !== undefined) flags.seed = seed;
  const small = dataset === 'fashion-mnist' || dataset === 'mnist' ? DINO_SMALL_IMAGES : {};
  const merged = mergeDinoInputs(CLI_BASE, small, fromFile, flags);
  // Short runs: keep the LR warmup within the run.
  const total = merged.train?.steps ?? DINO_DEFAULT_CONFIG.train.steps;
  const warm = merged.optim?.warmupSteps ?? DINO_DEFAULT_CONFIG.optim.warmupSteps;
  if (typeof total === 'number' && typeof warm === 'number' && warm > total)
    merged.optim = { ...merged.optim, warmupSteps: Math.max(0, Math.floor(total / 10)) };
  try {
    return resolveDinoConfig(merged, DINO_DEFAULT_CONFIG);
  } catch (e) {
    if (e instanceof DinoConfigError) throw new ConfigError([e.message], 'DINO config');
    throw e;
  }
}

/**
 * One progress-bar suffix for a DINO step: teacher entropy against its ceiling log K (collapse to one
 * dimension → 0, uniform collapse → log K) and the KL of the teacher to the center, when measured.
 * @example dinoProgressExtra(ev) // 'H 5.12/8.32 kl 0.041 m 0.996 step 10/100'
 */
export function dinoProgressExtra(ev: DinoEvent): string {
  const m = ev.monitors;
  const mon = m ? `H ${m.teacherEntropy.toFixed(2)}/${m.logK.toFixed(2)} kl ${m.klToCenter.toFixed(3)} ` : '';
  return `${mon}m ${ev.momentum.toFixed(4)} step ${ev.step}/${ev.totalSteps}`;
}

/**
 * Writes the EMA teacher's backbone of the checkpoint at `ckptDir` as a timm-named safetensors file
 * (`vit_config` metadata), the encoder DINO evaluates. Returns `path`.
 */
async function exportTeacher(cfg: DinoConfig, ckptDir: string, path: string): Promise<string> {
  const { tensors } = loadSafetensorsSync(join(ckptDir, 'tensors.safetensors'));
  // `state.teacher.backbone.*` since the one training loop; `teacher.backbone.*` in older checkpoints
  const prefix = Object.keys(tensors).some((k) => k.startsWith('state.teacher.backbone.'))
    ? 'state.teacher.backbone.'
    : 'teacher.backbone.';
  const picked = Object.fromEntries(
    Object.entries(tensors)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  );
  const { vit } = dinoArch(cfg);
  const flat = toTfTensors(picked);
  const template = initVitParams(vit, createRng(0));
  try {
    const params = unflattenParams(template, flat);
    await saveEncoderTimm(path, params, vit);
  } finally {
    tf.dispose(Object.values(flat));
    disposeParams(template);
  }
  return path;
}

/**
 * `splitmask pretrain --method dino <dataset>`; returns the exit code. `setBackend` is the CLI's backend
 * selection (after the dataset is read, as for the other methods).
 */
export async function pretrainDino(
  args: ParsedArgs,
  dataset: string,
  setBackend: () => Promise<void>,
): Promise<number> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const config = dinoConfigFromFlags(args, dataset);
  const { workers, parallel } = resolveWorkers(args.flags.workers, config.train.batchSize);
  const resumeFrom = typeof args.flags['resume-from'] === 'string' ? args.flags['resume-from'] : undefined;
  const resume = args.flags.resume === true || resumeFrom !== undefined;
  const { out, movedAside } = await prepareRunFolder(
    typeof args.flags.out === 'string' ? args.flags.out : './splitmask-run',
    { resume, overwrite: args.flags.overwrite === true },
  );
  if (movedAside) log(`moved the previous run in ${out} aside to ${movedAside}`);
  const data = await loadImages(dataset, 'train', config.model, undefined, {
    strict: args.flags.strict === true,
  });
  const skipped = summarizeSkipped(data.skipped, await writeSkippedList(out, data.skipped));
  if (skipped) log(skipped);
  log(`${dataset}: ${data.count} images (DINO, ${config.model.imageSize} px)`);
  await setBackend();
  log(`workers: ${workers}${workers > 1 ? ' threads' : ' (this thread)'}`);
  const source = createArraySource(data, { imageSize: config.model.imageSize, seed: config.seed });
  writeFileSync(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const logFile = createJsonlLogger(join(out, 'log.jsonl'));
  const ctl = new AbortController();
  const stop = () => {
    log('stopping after this step (Ctrl-C again to exit at once; the last complete checkpoint stays)');
    ctl.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let bar: ReturnType<typeof createProgressBar> | undefined;
  let first: DinoEvent | undefined;
  const checkpointDir = join(out, 'checkpoints');
  let r: Awaited<ReturnType<typeof runDino>>;
  try {
    r = await runDino({
      config,
      source,
      checkpointDir,
      resume,
      resumeFrom,
      overwrite: args.flags.overwrite === true,
      role: 'dino',
      parallel,
      signal: ctl.signal,
      onEvent(ev) {
        first ??= ev;
        bar ??= createProgressBar(ev.totalSteps - first.step + 1, process.stderr, 10);
        bar.update({
          step: ev.step - first.step + 1,
          elapsedSec: ev.elapsedSec - first.elapsedSec,
          imgsPerSec: ev.imgsPerSec,
          loss: ev.loss,
          extra: dinoProgressExtra(ev),
        });
        logFile.log({ ...ev, time: new Date().toISOString() });
      },
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    bar?.done();
  }
  if (r.resumedFrom) log(`resumed from ${r.resumedFrom}`);
  if (r.abortCheckpoint) log(`interrupted at step ${r.steps}; checkpoint: ${r.abortCheckpoint}`);
  const newest = listCheckpoints(checkpointDir).at(-1);
  const teacher = newest
    ? await exportTeacher(config, newest, join(out, 'teacher-encoder.safetensors'))
    : undefined;
  log(
    `DINO: ${r.steps}/${config.train.steps} steps${r.last ? `, loss ${r.last.loss.toFixed(4)}` : ''}; log ${logFile.path}${teacher ? `; teacher encoder ${teacher}` : ''}`,
  );
  return ctl.signal.aborted ? 130 : 0;
}
