/**
 * DINO training loop (main_dino.py `train_one_epoch` @ 7c446df, paper.md §7): per step
 * 1. multi-crop the batch (host); 2. teacher on the 2 global crops (no gradients, no drop-path);
 * 3. student on all crops, `dinoLoss` against the centred, sharpened teacher; 4. per-tensor gradient
 * clipping, last-layer gradients dropped during the first `freezeLastLayerEpochs` epochs (DINO sets
 * them to None, so AdamW skips those tensors entirely); 5. AdamW with the LR / weight-decay schedules;
 * 6. teacher EMA; 7. center ← `nextCenter`. Steps 2–7 are one tidy; the loss (every step) and the
 * collapse monitors (every `logEvery` steps) are read after it, the loop's only sync points.
 *
 * Its own loop rather than a `PretrainMethodImpl`: that interface has no teacher/EMA or multi-crop hooks.
 * Checkpoints reuse this package's `createCheckpointManager` (atomic folders, config fingerprint).
 */
import {
  type AdamW,
  cosineSchedule,
  flattenParams,
  type Schedule,
  toTfTensors,
  type VariableTree,
} from '@splitmask/core';
import { teacherTempSchedule } from '@splitmask/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { CheckpointManager } from '../checkpoint';
import type { PretrainConfig } from '../config';
import { restoreOptimizer } from '../restore';
import type { ImageSource } from '../source';
import { type DinoConfig, DinoConfigError } from './config';
import { momentumSchedule } from './ema';
import type { DinoArch, DinoParams } from './model';
import type { DinoMonitors } from './monitors';
import { createMultiCrop, cropRng } from './multi-crop';
import { dinoStep, disposeDinoState, initDinoState } from './step';

/** What every step reports. `monitors` is present every `train.logEvery` steps. */
export interface DinoEvent {
  /** Steps completed (1-based). */
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  lr: number;
  weightDecay: number;
  momentum: number;
  teacherTemp: number;
  /** Whether the last layer's gradients were dropped this step. */
  lastLayerFrozen: boolean;
  imgsPerSec: number;
  numTensors: number;
  elapsedSec: number;
  monitors?: DinoMonitors;
  checkpoint?: string;
}

/** Options of `createDinoTrainer`. */
export interface DinoTrainerOptions {
  config: DinoConfig;
  source: ImageSource;
  checkpointDir?: string;
  /** Resume from the newest checkpoint in `checkpointDir` (refused if its config differs). */
  resume?: boolean;
  /** Variable-name prefix (tfjs variable names are process-global). Default 'dino'. */
  role?: string;
}

/** A DINO run in progress. */
export interface DinoTrainer {
  readonly config: DinoConfig;
  readonly arch: DinoArch;
  readonly student: VariableTree<DinoParams>;
  readonly teacher: VariableTree<DinoParams>;
  /** [1, K] */
  readonly center: tf.Variable;
  readonly optimizer: AdamW;
  /** Steps completed. */
  readonly step: number;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  /** Checkpoint folder this run resumed from, if any. */
  readonly resumedFrom?: string;
  trainStep(): Promise<DinoEvent>;
  /** Writes a checkpoint now (needs `checkpointDir`); returns its folder. */
  save(): Promise<string>;
  dispose(): void;
}

/** Per-step scalars of the DINO schedules. */
export interface DinoSchedules {
  lr: Schedule;
  weightDecay: Schedule;
  momentum: Schedule;
  teacherTemp: (epoch: number) => number;
}

/**
 * DINO's schedules for a run: LR = lr·batch/256 with linear warmup then cosine to minLr, weight decay
 * cosine weightDecay → weightDecayEnd, teacher momentum cosine → 1 (all per step); teacher temperature per epoch.
 * @example const s = dinoSchedules(cfg, 10); s.lr(0) // 0 (warmup starts at 0)
 */
export function dinoSchedules(cfg: DinoConfig, stepsPerEpoch: number): DinoSchedules {
  const totalSteps = cfg.train.steps;
  const epochs = Math.ceil(totalSteps / stepsPerEpoch);
  return {
    lr: cosineSchedule({
      base: (cfg.optim.lr * cfg.train.batchSize) / 256,
      final: cfg.optim.minLr,
      warmupSteps: cfg.optim.warmupSteps,
      totalSteps,
    }),
    weightDecay: cosineSchedule({
      base: cfg.optim.weightDecay,
      final: cfg.optim.weightDecayEnd,
      warmupSteps: 0,
      totalSteps,
    }),
    momentum: momentumSchedule({ totalSteps, base: cfg.optim.momentumTeacher }),
    teacherTemp: teacherTempSchedule({
      warmupTemp: cfg.loss.warmupTeacherTemp,
      temp: cfg.loss.teacherTemp,
      warmupEpochs: Math.min(cfg.loss.warmupTeacherTempEpochs, epochs),
      epochs,
    }),
  };
}

function checkSource(cfg: DinoConfig, source: ImageSource): void {
  if (source.channels !== cfg.model.inChans) {
    throw new DinoConfigError(
      `createDinoTrainer: the source gives ${source.channels} channels, model.inChans=${cfg.model.inChans}`,
    );
  }
}

/**
 * The package's checkpoint manager, loaded only when used (it needs node:fs; the rest of the loop runs in
 * browsers too, as the SplitMask trainer). It wants a PretrainConfig only for its fingerprint and diff,
 * which read plain JSON and the `train.{logEvery, checkpointEvery, keepCheckpoints}` fields DinoConfig has.
 */
async function checkpointManager(dir: string, cfg: DinoConfig): Promise<CheckpointManager> {
  const { createCheckpointManager } = await import('../checkpoint');
  return createCheckpointManager({
    dir,
    keep: cfg.train.keepCheckpoints,
    config: cfg as unknown as PretrainConfig,
  });
}

/**
 * Builds a DINO trainer (student, EMA teacher, center, AdamW), resuming from a checkpoint if asked.
 * @example
 * const t = await createDinoTrainer({ config: resolveDinoConfig({}, DINO_TINY_CONFIG), source });
 * for (let i = 0; i < t.totalSteps; i++) console.log((await t.trainStep()).loss);
 * t.dispose();
 */
export async function createDinoTrainer(options: DinoTrainerOptions): Promise<DinoTrainer> {
  const { config: cfg, source } = options;
  checkSource(cfg, source);
  const role = options.role ?? 'dino';
  const stepsPerEpoch =
    cfg.train.stepsPerEpoch || Math.max(1, Math.ceil(source.length / cfg.train.batchSize));
  const sched = dinoSchedules(cfg, stepsPerEpoch);
  const state = initDinoState(cfg, role);
  const { student, teacher, center, optimizer } = state;
  const ckpt = options.checkpointDir ? await checkpointManager(options.checkpointDir, cfg) : undefined;
  const multiCrop = createMultiCrop({
    globalSize: cfg.model.imageSize,
    localSize: cfg.crops.localSize,
    localCrops: cfg.crops.localCrops,
    globalScale: cfg.crops.globalScale,
    localScale: cfg.crops.localScale,
    blurRadius: cfg.crops.blurRadius,
    normalization: source.normalization,
  });
  let step = 0;
  let resumedFrom: string | undefined;
  const t0 = Date.now();

  if (options.resume && ckpt) {
    const path = ckpt.latest();
    if (path) {
      step = restore(state, ckpt.load(path));
      resumedFrom = path;
    }
  }

  const save = async (): Promise<string> => {
    if (!ckpt) throw new DinoConfigError('DinoTrainer.save: no checkpointDir was given');
    const opt = optimizer.getState();
    const tensors: Record<string, tf.Tensor> = { center };
    for (const [k, v] of Object.entries(flattenParams(student))) tensors[`student.${k}`] = v;
    for (const [k, v] of Object.entries(flattenParams(teacher))) tensors[`teacher.${k}`] = v;
    for (const [k, v] of Object.entries(opt.tensors)) tensors[`optim.${k}`] = v;
    try {
      return await ckpt.save(step, tensors, {
        data: { step, seed: cfg.seed },
        optim: { stepCount: opt.stepCount, paramSteps: opt.paramSteps },
      });
    } finally {
      tf.dispose(Object.values(opt.tensors));
    }
  };

  const trainStep = async (): Promise<DinoEvent> => {
    if (step >= cfg.train.steps) {
      throw new DinoConfigError(`DinoTrainer.trainStep: all train.steps=${cfg.train.steps} steps are done`);
    }
    const started = Date.now();
    const b = cfg.train.batchSize;
    const pixels = await source.batch(step, b);
    const crops = multiCrop(pixels, b, source.imageSize, source.channels, cropRng(cfg.seed, step));
    const epoch = Math.floor(step / stepsPerEpoch);
    const ev = {
      lr: sched.lr(step),
      weightDecay: sched.weightDecay(step),
      momentum: sched.momentum(step),
      teacherTemp: sched.teacherTemp(epoch),
      lastLayerFrozen: epoch < cfg.optim.freezeLastLayerEpochs,
    };
    const monitor = (step + 1) % cfg.train.logEvery === 0 || step + 1 === cfg.train.steps;
    const { loss, monitors: mon } = tf.tidy(() => {
      const g = cfg.model.imageSize;
      const l = cfg.crops.localSize;
      const c = cfg.model.inChans;
      const globals = crops.globals.map((d) => tf.tensor4d(d, [b, g, g, c]));
      const locals = crops.locals.map((d) => tf.tensor4d(d, [b, l, l, c]));
      return dinoStep(state, { globals, locals }, ev, {
        studentTemp: cfg.loss.studentTemp,
        centerMomentum: cfg.loss.centerMomentum,
        clipGrad: cfg.optim.clipGrad,
        seed: step,
        monitor,
      });
    });
    const lossValue = (await loss.data())[0];
    loss.dispose();
    let monitors: DinoMonitors | undefined;
    if (mon) {
      const [teacherEntropy, klToCenter, centerEntropy, meanEntropy] = await mon.data();
      mon.dispose();
      monitors = { teacherEntropy, klToCenter, centerEntropy, meanEntropy, logK: Math.log(cfg.head.outDim) };
    }
    step += 1;
    let checkpoint: string | undefined;
    if (
      ckpt &&
      cfg.train.checkpointEvery > 0 &&
      (step % cfg.train.checkpointEvery === 0 || step === cfg.train.steps)
    ) {
      checkpoint = await save();
    }
    const sec = Math.max(1e-3, (Date.now() - started) / 1000);
    return {
      step,
      totalSteps: cfg.train.steps,
      epoch,
      loss: lossValue,
      ...ev,
      imgsPerSec: b / sec,
      numTensors: tf.memory().numTensors,
      elapsedSec: (Date.now() - t0) / 1000,
      ...(monitors ? { monitors } : {}),
      ...(checkpoint ? { checkpoint } : {}),
    };
  };

  return {
    config: cfg,
    arch: state.arch,
    student,
    teacher,
    center,
    optimizer,
    get step() {
      return step;
    },
    totalSteps: cfg.train.steps,
    stepsPerEpoch,
    resumedFrom,
    trainStep,
    save,
    dispose() {
      disposeDinoState(state);
    },
  };
}

interface RestoreTarget {
  student: unknown;
  teacher: unknown;
  center: tf.Variable;
  optimizer: AdamW;
}

/** Assigns a loaded checkpoint into the run's Variables and optimizer; returns the step. */
function restore(target: RestoreTarget, loaded: ReturnType<CheckpointManager['load']>): number {
  const host = toTfTensors(loaded.tensors);
  try {
    const take = (prefix: string, tree: unknown) => {
      for (const [k, v] of Object.entries(flattenParams(tree))) {
        const t = host[`${prefix}.${k}`];
        if (!t) throw new DinoConfigError(`restore: ${loaded.path} has no tensor ${prefix}.${k}`);
        (v as tf.Variable).assign(t);
      }
    };
    take('student', target.student);
    take('teacher', target.teacher);
    target.center.assign(host.center);
    restoreOptimizer(
      target.optimizer,
      host,
      loaded.state.optim as { stepCount: number; paramSteps: Record<string, number> },
    );
  } finally {
    tf.dispose(Object.values(host));
  }
  return loaded.state.step;
}

/** Options of `runDino`. */
export interface RunDinoOptions extends DinoTrainerOptions {
  /** Called after every step. */
  onEvent?: (event: DinoEvent) => void;
  signal?: AbortSignal;
}

/** What `runDino` returns. */
export interface RunDinoResult {
  last?: DinoEvent;
  /** Steps completed (all of `train.steps` unless aborted). */
  steps: number;
  resumedFrom?: string;
  /** Checkpoint written because the run was aborted (with a `checkpointDir`). */
  abortCheckpoint?: string;
}

/**
 * Runs (or resumes) a DINO pretraining to `train.steps` and disposes the trainer. When `signal` aborts the
 * run and a `checkpointDir` is set, the current step is checkpointed first, so `resume` continues exactly.
 * @example const { last } = await runDino({ config, source, checkpointDir: 'out/ckpt', onEvent: console.log });
 */
export async function runDino(options: RunDinoOptions): Promise<RunDinoResult> {
  const trainer = await createDinoTrainer(options);
  let last: DinoEvent | undefined;
  try {
    while (trainer.step < trainer.totalSteps && !options.signal?.aborted) {
      last = await trainer.trainStep();
      options.onEvent?.(last);
    }
    const aborted = trainer.step < trainer.totalSteps && options.checkpointDir !== undefined;
    const abortCheckpoint = aborted ? await trainer.save() : undefined;
    return { last, steps: trainer.step, resumedFrom: trainer.resumedFrom, abortCheckpoint };
  } finally {
    trainer.dispose();
  }
}
