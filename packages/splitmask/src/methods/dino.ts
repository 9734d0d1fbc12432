/**
 * DINO (main_dino.py `train_one_epoch` @ 7c446df) as a `TrainMethod`: multi-crop on the host, teacher
 * on the 2 global crops (no gradients, no drop-path), student on all crops, `dinoLoss` against the
 * centred, sharpened teacher; per-tensor clipping, last-layer gradients dropped during the first
 * `freezeLastLayerEpochs` epochs (DINO sets them to None, so AdamW skips those tensors); AdamW with the
 * LR / weight-decay schedules; teacher EMA; center ← m·center + (1 − m)·batch mean of teacher outputs.
 *
 * Data parallel: each shard's loss is its share of the batch mean (dinoLoss is per-sample), and the
 * center's batch mean is over the *global* batch — the teacher outputs' column sums are summed over
 * micro-batches and workers by the trainer (`takeAux`) before the update. Crops of global row r use
 * `cropRng(seed, step).split(r)`, so crops do not depend on the worker count.
 */
import { clipPerTensor, flattenParams, type Rng, stripRole } from '@splitmask/core';
import { dinoLoss } from '@splitmask/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { DinoConfig } from '../dino/config';
import { applyEma } from '../dino/ema';
import { type DinoParams, dinoForward } from '../dino/model';
import { dinoMonitorTensor } from '../dino/monitors';
import { createMultiCrop, cropRng } from '../dino/multi-crop';
import { dinoSchedules } from '../dino/schedules';
import { disposeDinoState, initDinoState } from '../dino/step';
import type { Normalization } from '../source';
import type { TrainMethod } from '../train/method';

/** Options of `createDinoMethod`. */
export interface DinoMethodOptions {
  config: DinoConfig;
  normalization: Normalization;
  role: string;
  /** Iterations per epoch (teacher-temperature and last-layer schedules); default `config.train.stepsPerEpoch` or 1. */
  stepsPerEpoch?: number;
}

interface DinoInputs {
  globals: tf.Tensor4D[];
  locals: tf.Tensor4D[];
  /** 2 × [size, K]: the teacher runs here, outside the gradient tape (it gets no gradients). */
  teacherOut: tf.Tensor2D[];
  monitor: boolean;
}

/** An Rng whose `split(i)` is `base.split(offset + i)` (a shard's rows of a global batch). */
function offsetRng(base: Rng, offset: number): Rng {
  return Object.assign(Object.create(base) as Rng, { split: (i: number) => base.split(offset + i) });
}

/**
 * The DINO method of a config.
 * @example const m = createDinoMethod({ config, normalization: source.normalization, role: 'dino', stepsPerEpoch: 10 });
 */
export function createDinoMethod(o: DinoMethodOptions): TrainMethod {
  const cfg = o.config;
  const stepsPerEpoch = o.stepsPerEpoch || cfg.train.stepsPerEpoch || 1;
  const sched = dinoSchedules(cfg, stepsPerEpoch);
  const state = initDinoState(cfg, o.role);
  const { student, teacher, center, optimizer, arch } = state;
  const params = flattenParams<tf.Variable>(student);
  const buffers: Record<string, tf.Variable> = { center };
  for (const [k, v] of Object.entries(flattenParams<tf.Variable>(teacher))) buffers[`teacher.${k}`] = v;
  const multiCrop = createMultiCrop({
    globalSize: cfg.model.imageSize,
    localSize: cfg.crops.localSize,
    localCrops: cfg.crops.localCrops,
    globalScale: cfg.crops.globalScale,
    localScale: cfg.crops.localScale,
    blurRadius: cfg.crops.blurRadius,
    normalization: o.normalization,
  });
  const epochOf = (step: number) => Math.floor(step / stepsPerEpoch);
  const teacherTemp = (step: number) => sched.teacherTemp(epochOf(step));
  let aux: tf.Tensor | undefined;
  let monitorTensor: tf.Tensor | undefined;

  return {
    name: 'dino',
    parts: ['total'],
    tree: student,
    params,
    buffers,
    optimizer,
    extraTensors: {},
    extraState: {},
    scalars: (step) => ({
      lr: sched.lr(step),
      weightDecay: sched.weightDecay(step),
      momentum: sched.momentum(step),
      teacherTemp: teacherTemp(step),
      epoch: epochOf(step),
      lastLayerFrozen: epochOf(step) < cfg.optim.freezeLastLayerEpochs,
    }),
    inputs(pixels, ctx): DinoInputs {
      const { lo, size } = ctx.collective.shard;
      const [, s, , c] = pixels.shape;
      const crops = multiCrop(
        ctx.pixels, // the host copy the trainer already has: no device read
        size,
        s,
        c,
        offsetRng(cropRng(cfg.seed, ctx.dataIndex), lo),
      );
      const g = cfg.model.imageSize;
      const l = cfg.crops.localSize;
      const step = ctx.step;
      const globals = crops.globals.map((d) => tf.tensor4d(d, [size, g, g, c]));
      return {
        globals,
        locals: crops.locals.map((d) => tf.tensor4d(d, [size, l, l, c])),
        teacherOut: dinoForward(teacher as unknown as DinoParams, globals, [], arch),
        monitor: (step + 1) % cfg.train.logEvery === 0 || step + 1 === cfg.train.steps,
      };
    },
    loss(inputs, ctx) {
      const x = inputs as DinoInputs;
      const { lo, size, total } = ctx.collective.shard;
      const center2d = center as unknown as tf.Tensor2D;
      const temp = teacherTemp(ctx.step);
      const { teacherOut } = x;
      const studentOut = dinoForward(student as unknown as DinoParams, x.globals, x.locals, arch, {
        training: true,
        seed: ctx.dataIndex,
        shard: { lo, total },
      });
      const loss = tf.mul(
        dinoLoss(studentOut, teacherOut, center2d, { studentTemp: cfg.loss.studentTemp, teacherTemp: temp }),
        size / total,
      ) as tf.Scalar;
      // Side values, outside the loss: teacher column sums for the center, monitors on the global batch.
      aux?.dispose();
      aux = tf.keep(tf.sum(tf.concat(teacherOut, 0), 0));
      if (x.monitor) {
        monitorTensor?.dispose();
        const all = teacherOut.map((t) => ctx.collective.allGather(t, { grad: false }));
        monitorTensor = tf.keep(dinoMonitorTensor(all, center2d, temp));
      }
      return { total: loss };
    },
    takeAux() {
      const t = aux;
      aux = undefined;
      return t;
    },
    update(grads, step, sums) {
      const s = this.scalars(step);
      tf.tidy(() => {
        let g: Record<string, tf.Tensor> = grads;
        if (cfg.optim.clipGrad > 0) g = clipPerTensor(g, cfg.optim.clipGrad).grads;
        if (s.lastLayerFrozen) {
          g = Object.fromEntries(
            Object.entries(g).filter(([k]) => !stripRole(k).startsWith('head.last_layer.')),
          );
        }
        optimizer.step(g, { lr: s.lr, weightDecay: s.weightDecay as number });
        applyEma(teacher, student, s.momentum as number);
        if (sums) {
          // Rows the sums cover: 2 global views × the global batch × micro-batches of the step.
          const rows = 2 * (cfg.train.batchSize * ((cfg.train as { accumSteps?: number }).accumSteps ?? 1));
          const mean = tf.div(tf.tensor2d(sums, [1, sums.length]), rows);
          const m = cfg.loss.centerMomentum;
          center.assign(tf.add(tf.mul(center, m), tf.mul(mean, 1 - m)) as tf.Tensor2D);
        }
      });
    },
    async monitors() {
      if (!monitorTensor) return undefined;
      const [teacherEntropy, klToCenter, centerEntropy, meanEntropy] = await monitorTensor.data();
      monitorTensor.dispose();
      monitorTensor = undefined;
      return { teacherEntropy, klToCenter, centerEntropy, meanEntropy, logK: Math.log(cfg.head.outDim) };
    },
    dispose() {
      aux?.dispose();
      monitorTensor?.dispose();
      disposeDinoState(state);
    },
  };
}
