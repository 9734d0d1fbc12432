/**
 * The `splitmask` command line: `demo`, `pretrain` (SplitMask, BEiT, DINO), `tokenizer fit`, and `eval`
 * (`@splitmask/eval/node`'s `runEval`, flags through the same parser). Flags and config files are
 * validated up front and every problem is reported at once; the backend comes from core's
 * `initBackend` (default 'auto': wasm in Node unless tfjs-node is installed).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BackendChoice, createRng, initBackend, isBackendChoice, SplitmaskError } from '@splitmask/core';
import { assertWritablePath } from '@splitmask/core/node';
import { EVAL_FLAGS, EVAL_USAGE, evalArgsFromFlags, runEval } from '@splitmask/eval/node';
import {
  buildTokenizer,
  ConfigError,
  createArraySource,
  DEFAULT_CONFIG,
  imagesOf,
  mergeConfigInputs,
  type PretrainConfigInput,
  resolvePretrainConfig,
  type TrainEvent,
} from '@splitmask/splitmask';
import { createPretrainer } from '@splitmask/splitmask/node';
import { saveTokenizer } from '@splitmask/tokenizers/node';
import { type FlagSpec, intFlag, numberFlag, type ParsedArgs, parseArgs, readConfigFile } from './cli-args';
import { pretrainDino } from './cli-dino';
import { loadImages, summarizeSkipped } from './datasets';
import { DEMO_CONFIG, runDemo, TINY_DEMO_CONFIG } from './demo';
import { createJsonlLogger, readJsonl } from './jsonl';
import { createProgressBar } from './progress';
import { prepareRunFolder, writeSkippedList } from './run-folder';
import { writeRunPictures } from './run-pictures';
import { resolveWorkers } from './workers';

/** This package's version (read from its package.json, one folder above src/ and dist/). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const USAGE = `splitmask <command> [options]

Commands:
  demo                  pretrain a small SplitMask ViT on Fashion-MNIST for a few minutes, then compare
                        k-NN accuracy of the pretrained encoder with a random one (pictures in --out)
  pretrain <dataset>    pretrain on fashion-mnist, mnist or a folder (see README) with
                        --method splitmask|beit|dino (dino: own config schema, small ViT for (fashion-)mnist;
                        writes <out>/teacher-encoder.safetensors for eval)
  tokenizer fit <dataset>   fit the k-means visual-token vocabulary and save it (safetensors)
  eval knn|linear|finetune --checkpoint <run|ckpt|file.safetensors> --data <dataset>
                        evaluate an encoder (k-NN, linear probe, fine-tuning); 'splitmask eval --help'

Common options:
  --version             print the version
  --backend <auto|cpu|wasm|webgl|webgpu|tensorflow|tensorflow-gpu>   (default auto)
  --out <dir>           output folder (JSONL log, checkpoints, pictures)
  --config <file.json>  a config (see README: model, tokenizer, masking, loss, optim, train)
  --steps <n>  --batch-size <n>  --lr <x>  --seed <n>  --method <splitmask|beit|dino>
  --workers <auto|n>    data-parallel worker threads (default auto: the cores, at most the batch; 1 = no threads)
  --verbose             print stack traces of errors (otherwise one line, exit code 2 for user/data errors)
  demo: --train-minutes <x> (pretraining budget, default 5; --steps overrides)
                        --knn-every <n> (k-NN curve, slower) --tiny (smoke run)
  pretrain: --resume    continue the run in --out from its newest checkpoint (--steps may extend it)
            --resume-from <step folder>   continue from this checkpoint instead
            --overwrite start fresh in an --out that holds another run, moving that run aside
            --strict    stop at the first unreadable image (default: skip and list them)
`;

const COMMON = ['backend', 'out', 'config', 'steps', 'batch-size', 'lr', 'seed', 'method', 'workers'];
const SPECS: Record<string, FlagSpec> = {
  demo: { values: [...COMMON, 'train-minutes', 'knn-every'], switches: ['tiny'] },
  pretrain: {
    values: [...COMMON, 'resume-from'],
    switches: ['resume', 'overwrite', 'strict'],
    positionals: ['dataset'],
  },
  tokenizer: {
    values: ['backend', 'out', 'config', 'vocab-size', 'seed'],
    switches: ['strict'],
    positionals: ['fit', 'dataset'],
  },
  eval: { values: EVAL_FLAGS, switches: [], positionals: ['knn|linear|finetune'] },
};

/** Turns flags (+ --config file) into a config input; collects every problem. */
function configFromFlags(args: ParsedArgs, base: PretrainConfigInput): PretrainConfigInput {
  const issues: string[] = [];
  const file = args.flags.config;
  const fromFile: PretrainConfigInput = typeof file === 'string' ? readConfigFile(file) : {};
  const train: Record<string, number> = {};
  const steps = intFlag(args.flags, 'steps', issues, 1);
  const batch = intFlag(args.flags, 'batch-size', issues, 2);
  if (steps !== undefined) train.steps = steps;
  if (batch !== undefined) train.batchSize = batch;
  const lr = numberFlag(args.flags, 'lr', issues);
  const seed = intFlag(args.flags, 'seed', issues, 0);
  const vocab = intFlag(args.flags, 'vocab-size', issues, 2);
  const backend = args.flags.backend;
  if (backend !== undefined && !isBackendChoice(backend))
    issues.push(`--backend: unknown backend '${backend}'`);
  if (issues.length) throw new ConfigError(issues, 'command line');
  const flags: PretrainConfigInput = {};
  if (Object.keys(train).length) flags.train = train;
  if (lr !== undefined) flags.optim = { lr };
  if (seed !== undefined) flags.seed = seed;
  if (vocab !== undefined) flags.tokenizer = { vocabSize: vocab };
  if (typeof args.flags.method === 'string') flags.method = args.flags.method as never;
  const merged = mergeConfigInputs(base, fromFile, flags);
  // Short runs: keep warmup within the run.
  const total = merged.train?.steps ?? DEFAULT_CONFIG.train.steps;
  const warm = merged.optim?.warmupSteps ?? DEFAULT_CONFIG.optim.warmupSteps;
  if (warm > total) merged.optim = { ...merged.optim, warmupSteps: Math.max(0, Math.floor(total / 10)) };
  return merged;
}

async function setBackend(args: ParsedArgs, log: (s: string) => void): Promise<void> {
  const info = await initBackend((args.flags.backend as BackendChoice | undefined) ?? 'auto');
  log(
    `backend: ${info.name}${info.simd ? ' (SIMD)' : ''}${info.threads ? `, ${info.threads} thread(s)` : ''}`,
  );
}

/** Progress bar (ETA from this session's steps, img/s over the last 10 steps) and the JSONL log. */
function progressHandler(logFile: ReturnType<typeof createJsonlLogger>, runId?: string) {
  let bar: ReturnType<typeof createProgressBar> | undefined;
  let first: TrainEvent | undefined;
  let window: TrainEvent[] = [];
  return {
    onEvent(ev: TrainEvent): void {
      first ??= ev;
      bar ??= createProgressBar(ev.totalSteps - first.step + 1, process.stderr, 10);
      window = [...window.slice(-9), ev];
      const ips = window.length / window.reduce((s, e) => s + 1 / e.imgsPerSec, 0);
      const nce = ev.parts.nce !== undefined ? ` nce ${ev.parts.nce.toFixed(3)}` : '';
      bar.update({
        step: ev.step - first.step + 1,
        elapsedSec: ev.elapsedSec - first.elapsedSec,
        imgsPerSec: ips,
        loss: ev.loss,
        extra: `mim ${ev.parts.mim.toFixed(3)}${nce} step ${ev.step}/${ev.totalSteps}`,
      });
      logFile.log({ ...ev, ...(runId ? { run: runId } : {}), time: new Date().toISOString() });
    },
    done: () => bar?.done(),
  };
}

async function demo(args: ParsedArgs): Promise<number> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const base = args.flags.tiny ? TINY_DEMO_CONFIG : DEMO_CONFIG;
  const config = resolvePretrainConfig(configFromFlags(args, base), undefined, 'demo config');
  const { workers, parallel } = resolveWorkers(args.flags.workers, config.train.batchSize);
  const { out } = await prepareRunFolder(
    typeof args.flags.out === 'string' ? args.flags.out : './splitmask-demo',
    {
      resume: true, // the demo has no checkpoints to protect; it rewrites its pictures and appends its log
      overwrite: false,
    },
  );
  await setBackend(args, log);
  log(`workers: ${workers}${workers > 1 ? ' threads' : ' (this thread)'}`);
  // each demo is a fresh run without checkpoints: its log starts empty instead of mixing into the last one
  rmSync(join(out, 'log.jsonl'), { force: true });
  const logFile = createJsonlLogger(join(out, 'log.jsonl'));
  const progress = progressHandler(logFile);
  const tiny = args.flags.tiny === true;
  const budgetIssues: string[] = [];
  const minutes = numberFlag(args.flags, 'train-minutes', budgetIssues);
  const knnEvery = intFlag(args.flags, 'knn-every', budgetIssues, 1);
  if (budgetIssues.length || (minutes !== undefined && !(minutes > 0))) {
    throw new ConfigError(
      budgetIssues.length
        ? budgetIssues
        : [`--train-minutes: expected a positive number, got '${args.flags['train-minutes']}'`],
      'command line',
    );
  }
  // Unless --steps pins the step count, fit the run to a wall-clock budget (default 5 minutes).
  const trainBudgetSec = tiny || args.flags.steps !== undefined ? undefined : (minutes ?? 5) * 60;
  const t0 = Date.now();
  const r = await runDemo({
    out,
    config,
    trainImages: tiny ? 200 : undefined,
    bankImages: tiny ? 100 : undefined,
    evalImages: tiny ? 50 : undefined,
    trainBudgetSec,
    knnEvery,
    parallel,
    onEvent: progress.onEvent,
    log,
  });
  progress.done();
  const gain = r.knn.pretrained - r.knn.random;
  const verdict =
    gain > 0.005
      ? `SplitMask pretraining improved k-NN accuracy by ${(100 * gain).toFixed(2)} points.`
      : `No improvement over the random encoder in this run (${(100 * gain).toFixed(2)} points).`;
  process.stdout.write(
    [
      `splitmask demo: ${r.steps} steps, ${r.imagesSeen} images in ${r.trainSeconds.toFixed(0)}s of training (${((Date.now() - t0) / 1000).toFixed(0)}s total)`,
      `k-NN (k=${r.knn.k}, T=${r.knn.temperature}, cosine; bank ${r.knn.bank} train images, ${r.knn.queries} held-out test images):`,
      `  raw pixels (no encoder):   ${(100 * r.knn.rawPixels).toFixed(2)}%`,
      `  random init encoder:       ${(100 * r.knn.random).toFixed(2)}%`,
      `  SplitMask-pretrained:      ${(100 * r.knn.pretrained).toFixed(2)}%`,
      verdict,
      r.knn.pretrained >= r.knn.rawPixels
        ? `The pretrained encoder also beats raw pixels (+${(100 * (r.knn.pretrained - r.knn.rawPixels)).toFixed(2)} points).`
        : `Raw pixels are still ${(100 * (r.knn.rawPixels - r.knn.pretrained)).toFixed(2)} points ahead: this short run is not yet a useful encoder (longer schedules are needed).`,
      `pictures and log: ${out}`,
      '',
    ].join('\n'),
  );
  return 0;
}

/** The `method` field of a --config file, if it is readable JSON (errors are reported later). */
function methodInFile(file: string | boolean | undefined): unknown {
  return typeof file === 'string' ? readConfigFile(file).method : undefined;
}

async function pretrain(args: ParsedArgs): Promise<number> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const [dataset] = args.positionals;
  if (!dataset)
    throw new ConfigError(['pretrain: missing <dataset> (fashion-mnist or a folder)'], 'command line');
  // DINO has its own config schema (resolvePretrainConfig rejects 'dino') and loop; a --config file with
  // method 'dino' (e.g. a DINO run's config.json) selects it too.
  if ((args.flags.method ?? methodInFile(args.flags.config)) === 'dino')
    return pretrainDino(args, dataset, () => setBackend(args, log));
  const config = resolvePretrainConfig(configFromFlags(args, {}), undefined, 'config');
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
  log(`${dataset}: ${data.count} images`);
  await setBackend(args, log);
  log(`workers: ${workers}${workers > 1 ? ' threads' : ' (this thread)'}`);
  const source = createArraySource(data, { imageSize: config.model.imageSize, seed: config.seed });
  const trainer = await createPretrainer({
    parallel,
    config,
    source,
    checkpointDir: join(out, 'checkpoints'),
    resume,
    resumeFrom,
    overwrite: args.flags.overwrite === true,
  });
  const runId = trainer.runId;
  if (trainer.resumedFrom) log(`resumed run ${runId} from ${trainer.resumedFrom} at step ${trainer.step}`);
  if (trainer.extension) log(`extending run ${runId}: ${trainer.extension.changed.join(', ')}`);
  writeFileSync(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const logFile = createJsonlLogger(join(out, 'log.jsonl'));
  const progress = progressHandler(logFile, runId);
  const ctl = new AbortController();
  const stop = () => {
    log('stopping after this step (Ctrl-C again to exit at once; the last complete checkpoint stays)');
    ctl.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const events: TrainEvent[] = [];
  try {
    for await (const ev of trainer.run({ signal: ctl.signal })) {
      events.push(ev);
      progress.onEvent(ev);
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    progress.done();
  }
  if (ctl.signal.aborted) {
    log(`interrupted run ${runId} at step ${trainer.step}; checkpoint: ${await trainer.saveCheckpoint()}`);
    await trainer.dispose();
    return 130;
  }
  // Curves from the whole log of this run, so a resumed run draws every session's steps.
  const logged = readJsonl<TrainEvent & { run?: string }>(logFile.path).filter(
    (e) => e.step <= trainer.step && (e.run === undefined || e.run === runId),
  );
  const picks = Array.from({ length: Math.min(6, data.count) }, (_, i) => i);
  const files = await writeRunPictures({
    out,
    events: logged.length ? logged : events,
    trainer,
    sample: imagesOf(data, picks, config.model.imageSize),
    rng: createRng(config.seed + 1),
  });
  log(`wrote ${files.join(', ')} and ${logFile.path}`);
  await trainer.dispose();
  return 0;
}

async function tokenizerFit(args: ParsedArgs): Promise<number> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const [sub, dataset] = args.positionals;
  if (sub !== 'fit' || !dataset)
    throw new ConfigError(
      [`usage: splitmask tokenizer fit <dataset> [--vocab-size n] [--out file.safetensors]`],
      'command line',
    );
  const config = resolvePretrainConfig(
    mergeConfigInputs(configFromFlags(args, {}), { tokenizer: { kind: 'kmeans' } }),
    undefined,
    'config',
  );
  const data = await loadImages(dataset, 'train', config.model, config.tokenizer.fitImages, {
    strict: args.flags.strict === true,
  });
  const skipped = summarizeSkipped(data.skipped);
  if (skipped) log(skipped);
  await setBackend(args, log);
  const source = createArraySource(data, { imageSize: config.model.imageSize, seed: config.seed });
  const tokenizer = await buildTokenizer(config, source);
  const out = typeof args.flags.out === 'string' ? args.flags.out : './tokenizer.safetensors';
  assertWritablePath('--out', out);
  await saveTokenizer(tokenizer, out);
  log(`k-means vocabulary (V=${tokenizer.vocabSize}, patch ${tokenizer.patchSize}) written to ${out}`);
  tokenizer.dispose();
  return 0;
}

/** Errors caused by the user's input or data (exit 2, one line): typed errors and file-system errors on a path. */
function isUserError(e: unknown): boolean {
  if (e instanceof SplitmaskError) return true;
  const sys = e as { code?: unknown; path?: unknown; syscall?: unknown };
  return typeof sys?.code === 'string' && /^E[A-Z]+$/.test(sys.code) && typeof sys.path === 'string';
}

async function evalCommand(args: ParsedArgs): Promise<number> {
  const flags = Object.fromEntries(
    Object.entries(args.flags).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  const parsed = evalArgsFromFlags(args.positionals[0], flags);
  assertWritablePath('--out', parsed.out);
  const report = await runEval(parsed);
  process.stdout.write(
    `${parsed.mode}: top-1 ${report.metrics.top1.toFixed(2)}%, top-5 ${report.metrics.top5.toFixed(2)}% → ${parsed.out}\n`,
  );
  return 0;
}

/**
 * Runs the CLI; returns the exit code: 0 ok, 2 a user or data error (one line; the stack trace with
 * --verbose), 130 interrupted (checkpoint written), 1 an internal error (with its stack trace).
 */
export async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  const verbose = argv.includes('--verbose');
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command === 'eval' && (argv.includes('--help') || argv.includes('-h'))) {
    process.stdout.write(`${EVAL_USAGE}\n`);
    return 0;
  }
  if (command === 'eval' && argv.length === 1) {
    process.stderr.write(`splitmask eval: missing knn|linear|finetune\n\n${EVAL_USAGE}\n`);
    return 2;
  }
  if (!command || command === '--help' || command === '-h' || argv.includes('--help')) {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  try {
    const args = parseArgs(argv, SPECS);
    if (args.command === 'demo') return await demo(args);
    if (args.command === 'pretrain') return await pretrain(args);
    if (args.command === 'eval') return await evalCommand(args);
    return await tokenizerFit(args);
  } catch (e) {
    const err = e as Error;
    if (isUserError(e)) {
      const hint = e instanceof ConfigError ? "\n\nRun 'splitmask --help' for usage." : '';
      process.stderr.write(`splitmask: ${verbose ? (err.stack ?? err.message) : err.message}${hint}\n`);
      return 2;
    }
    process.stderr.write(`splitmask: ${err?.stack ?? e}\n`);
    return 1;
  }
}
