/**
 * DINO's state (student, EMA teacher, center, AdamW) and one training step on given crops
 * (main_dino.py `train_one_epoch` body @ 7c446df), separated from data loading so it can be checked
 * against a PyTorch step. The step is one tidy: teacher forward, student forward + loss + gradients,
 * per-tensor clipping, last-layer freezing, AdamW, teacher EMA, center update.
 */
import {
  type AdamW,
  clipPerTensor,
  createAdamW,
  createRng,
  type NoWeightDecayPredicate,
  stripRole,
  toVariables,
  type VariableTree,
  varList,
} from '@splitmask/core';
import { dinoLoss, nextCenter } from '@splitmask/losses';
import * as tf from '@tensorflow/tfjs-core';
import type { DinoConfig } from './config';
import { applyEma } from './ema';
import { type DinoArch, type DinoParams, dinoArch, dinoForward, initDinoParams } from './model';
import { dinoMonitorTensor } from './monitors';

/**
 * DINO's weight-decay groups (`utils.get_params_groups`): no decay for `*.bias` and 1-D tensors.
 * @example dinoNoWeightDecay('backbone.pos_embed', [1, 197, 384]) // false: DINO decays pos_embed
 */
export const dinoNoWeightDecay: NoWeightDecayPredicate = (name, shape) =>
  shape.length <= 1 || stripRole(name).endsWith('bias');

/** The Variables of a DINO run. */
export interface DinoState {
  readonly arch: DinoArch;
  readonly student: VariableTree<DinoParams>;
  /** Non-trainable; updated only by EMA. */
  readonly teacher: VariableTree<DinoParams>;
  /** [1, K] */
  readonly center: tf.Variable;
  readonly optimizer: AdamW;
}

const asParams = (tree: VariableTree<DinoParams>): DinoParams => tree as unknown as DinoParams;

/** A fresh copy of every leaf of a Variable tree (the teacher's initial weights). */
function cloneTree(tree: VariableTree<DinoParams>): DinoParams {
  const copy = (node: unknown): unknown =>
    node instanceof tf.Tensor
      ? tf.clone(node)
      : Object.fromEntries(Object.entries(node as object).map(([k, v]) => [k, copy(v)]));
  return copy(tree) as DinoParams;
}

/**
 * Allocates a run's Variables: student from `initDinoParams(arch, createRng(cfg.seed))`, the teacher a
 * copy, center zeros, AdamW moments. Names are `${role}/student/…`, `${role}/teacher/…`, `${role}/center`,
 * `${role}/optim/…`. Free with `disposeDinoState`.
 * @example const state = initDinoState(cfg, 'dino');
 */
export function initDinoState(cfg: DinoConfig, role: string): DinoState {
  const arch = dinoArch(cfg);
  const student = toVariables(initDinoParams(arch, createRng(cfg.seed)), `${role}/student`);
  const teacher = toVariables(cloneTree(student), `${role}/teacher`, false);
  const center = tf.tidy(() => tf.variable(tf.zeros([1, cfg.head.outDim]), false, `${role}/center`));
  const optimizer = createAdamW(student, {
    weightDecay: cfg.optim.weightDecay,
    noWeightDecay: dinoNoWeightDecay,
    beta1: cfg.optim.beta1,
    beta2: cfg.optim.beta2,
    role: `${role}/optim`,
  });
  return { arch, student, teacher, center, optimizer };
}

/**
 * Frees every Variable of a state.
 * @example const state = initDinoState(cfg, 'dino'); … disposeDinoState(state);
 */
export function disposeDinoState(state: DinoState): void {
  tf.dispose([...varList(state.student), ...varList(state.teacher), state.center]);
  state.optimizer.dispose();
}

/** The scheduled scalars of one step. */
export interface DinoStepScalars {
  lr: number;
  weightDecay: number;
  momentum: number;
  teacherTemp: number;
  /** Drop the last layer's gradients (DINO's first epoch). */
  lastLayerFrozen: boolean;
}

/** Fixed options of the step (from the config) and the drop-path seed. */
export interface DinoStepOptions {
  studentTemp: number;
  centerMomentum: number;
  /** Per-tensor clip norm; 0 = off. */
  clipGrad: number;
  /** Drop-path seed (the step index). */
  seed: number;
  /** Also return the collapse monitors tensor. */
  monitor?: boolean;
}

/**
 * One DINO step on given crops, updating the state's Variables. Returns the loss (before the update) and,
 * with `monitor`, `dinoMonitorTensor` of the teacher outputs and the pre-update center. Caller disposes.
 * globals: 2 × [B, Hg, Hg, C], locals: N × [B, Hl, Hl, C] → { loss: Scalar, monitors?: [4] }
 * @example const { loss } = dinoStep(state, { globals, locals }, scalars, { studentTemp: 0.1, centerMomentum: 0.9, clipGrad: 3, seed: step });
 */
export function dinoStep(
  state: DinoState,
  crops: { globals: tf.Tensor4D[]; locals: tf.Tensor4D[] },
  s: DinoStepScalars,
  o: DinoStepOptions,
): { loss: tf.Scalar; monitors?: tf.Tensor1D } {
  const { arch, student, teacher, center, optimizer } = state;
  const center2d = center as unknown as tf.Tensor2D; // [1, K]
  const out = tf.tidy(() => {
    const teacherOut = dinoForward(asParams(teacher), crops.globals, [], arch);
    const { value, grads } = tf.variableGrads(() => {
      const studentOut = dinoForward(asParams(student), crops.globals, crops.locals, arch, {
        training: true,
        seed: o.seed,
      });
      return dinoLoss(studentOut, teacherOut, center2d, {
        studentTemp: o.studentTemp,
        teacherTemp: s.teacherTemp,
      });
    }, varList(student));
    let update: Record<string, tf.Tensor> = grads;
    if (o.clipGrad > 0) update = clipPerTensor(grads, o.clipGrad).grads;
    if (s.lastLayerFrozen) {
      update = Object.fromEntries(
        Object.entries(update).filter(([k]) => !stripRole(k).startsWith('head.last_layer.')),
      );
    }
    optimizer.step(update, { lr: s.lr, weightDecay: s.weightDecay });
    applyEma(teacher, student, s.momentum);
    const monitors = o.monitor ? dinoMonitorTensor(teacherOut, center2d, s.teacherTemp) : undefined;
    center.assign(nextCenter(center2d, teacherOut, o.centerMomentum));
    return monitors ? { loss: value, monitors } : { loss: value };
  });
  return out as { loss: tf.Scalar; monitors?: tf.Tensor1D };
}
