/**
 * AdamW with decoupled weight decay, exactly `torch.optim.AdamW` (PyTorch 1.13 `_single_tensor_adamw`):
 *
 *   p ← p·(1 − lr·wd)                       (decay first, on the pre-update weights)
 *   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)      (ε after the bias-corrected sqrt)
 *
 * with `t` counted per parameter (a parameter without a gradient at a step is skipped, as torch skips
 * `grad is None`). Parameter groups as BEiT builds them: a weight-decay mask (`defaultNoWeightDecay`) and
 * a per-parameter LR scale (layer decay), the group LR being `lr · scale` for both terms. Moments live in
 * non-trainable Variables `${role}/adam_m/<name>` and `${role}/adam_v/<name>`; one `step` is one `tidy`
 * with no host reads. Defaults follow paper.md decision 7: β = (0.9, 0.999), ε = 1e-8, wd = 0.05.
 * On webgpu each parameter's update is one WGSL dispatch (ops/webgpu/adamw.ts) instead of ~12.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '../errors';
import { wasmAdamW } from '../ops/wasm-gemm/wasm-gemm';
import { webgpuAdamW } from '../ops/webgpu/ops';
import { flattenParams, stripRole } from '../params/tree';
import { defaultNoWeightDecay, type NoWeightDecayPredicate } from './weight-decay';

/** Options of {@link createAdamW}. */
export interface AdamWOptions {
  /** β1 (default 0.9). */
  beta1?: number;
  /** β2 (default 0.999). */
  beta2?: number;
  /** ε, added after the bias-corrected square root (default 1e-8). */
  eps?: number;
  /** Decoupled weight decay for parameters that decay (default 0.05). */
  weightDecay?: number;
  /** Which parameters get no decay (default {@link defaultNoWeightDecay}). */
  noWeightDecay?: NoWeightDecayPredicate;
  /** LR multiplier per flat name (e.g. from `layerDecayScales`); missing names get 1. */
  lrScale?: Record<string, number> | ((name: string) => number);
  /** Prefix of the moment Variables' names (default: the params' shared role prefix, else 'optim'). */
  role?: string;
}

/** Per-step arguments of `AdamW.step`. */
export interface AdamWStepArgs {
  /** Base learning rate for this step (multiplied by each parameter's LR scale). */
  lr: number;
  /** Overrides the weight decay of decaying parameters for this step (DINO's wd schedule). */
  weightDecay?: number;
}

/** How one parameter is optimised. */
export interface AdamWParamGroup {
  name: string;
  weightDecay: number;
  lrScale: number;
}

/** A snapshot of optimizer state. `tensors` holds `exp_avg.<name>` and `exp_avg_sq.<name>` (caller owns). */
export interface AdamWState {
  /** Number of `step` calls. */
  stepCount: number;
  /** torch's per-parameter `state['step']`. */
  paramSteps: Record<string, number>;
  tensors: Record<string, tf.Tensor>;
}

/** An AdamW optimizer bound to a set of parameter Variables. */
export interface AdamW {
  readonly role: string;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Number of `step` calls so far. */
  readonly stepCount: number;
  /** Flat name → decay and LR scale, in flatten order. */
  readonly groups: readonly AdamWParamGroup[];
  /**
   * Updates every parameter that has a gradient. `grads` is keyed by flat name or Variable name
   * (what `tf.variableGrads` returns); grads are not disposed.
   */
  step(grads: Record<string, tf.Tensor>, args: AdamWStepArgs): void;
  /** Copies of the moments (`exp_avg.<name>`, `exp_avg_sq.<name>`) and step counts. */
  getState(): AdamWState;
  /** Restores a state from `getState` (values copied; the inputs stay owned by the caller). */
  setState(state: AdamWState): void;
  /** Frees the moment Variables. */
  dispose(): void;
}

interface Slot {
  name: string;
  param: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
  weightDecay: number;
  lrScale: number;
  t: number;
}

function sharedRole(vars: tf.Variable[]): string {
  const roles = new Set(
    vars.map((v) => (v.name.includes('/') ? v.name.slice(0, v.name.lastIndexOf('/')) : '')),
  );
  const [only] = roles;
  return roles.size === 1 && only ? only : 'optim';
}

function checkHyper(name: string, value: number, lo: number, hi: number): void {
  if (!(Number.isFinite(value) && value >= lo && value < hi)) {
    throw new InvalidArgumentError(`AdamW: ${name} must be in [${lo}, ${hi}), got ${value}`);
  }
}

function scaleOf(lrScale: AdamWOptions['lrScale'], name: string): number {
  const s = typeof lrScale === 'function' ? lrScale(name) : (lrScale?.[name] ?? 1);
  if (!(Number.isFinite(s) && s >= 0)) throw new InvalidArgumentError(`AdamW: lrScale of '${name}' is ${s}`);
  return s;
}

function makeSlots(params: unknown, opts: AdamWOptions, role: string): Slot[] {
  const wd = opts.weightDecay ?? 0.05;
  const noDecay = opts.noWeightDecay ?? defaultNoWeightDecay;
  const slots: Slot[] = [];
  const created: tf.Variable[] = [];
  const moment = (kind: string, name: string, shape: number[]) => {
    const v = tf.tidy(() => tf.variable(tf.zeros(shape, 'float32'), false, `${role}/${kind}/${name}`));
    created.push(v);
    return v;
  };
  try {
    for (const [name, param] of Object.entries(flattenParams<tf.Variable>(params))) {
      if (!(param instanceof tf.Variable))
        throw new InvalidArgumentError(`AdamW: '${name}' is not a tf.Variable`);
      if (param.dtype !== 'float32')
        throw new InvalidArgumentError(`AdamW: '${name}' is ${param.dtype}, not float32`);
      const lrScale = scaleOf(opts.lrScale, name);
      const weightDecay = noDecay(name, param.shape) ? 0 : wd;
      const m = moment('adam_m', name, param.shape);
      const v = moment('adam_v', name, param.shape);
      slots.push({ name, param, m, v, weightDecay, lrScale, t: 0 });
    }
  } catch (e) {
    tf.dispose(created);
    throw e;
  }
  return slots;
}

/** Maps grads keyed by flat or Variable name to slots; throws naming unknown keys and bad shapes. */
function matchGrads(slots: Slot[], grads: Record<string, tf.Tensor>): [Slot, tf.Tensor][] {
  const byName = new Map<string, Slot>();
  for (const s of slots) {
    byName.set(s.name, s);
    byName.set(s.param.name, s);
  }
  const out: [Slot, tf.Tensor][] = [];
  for (const [key, g] of Object.entries(grads)) {
    const s = byName.get(key) ?? byName.get(stripRole(key));
    if (!s) throw new InvalidArgumentError(`AdamW.step: gradient '${key}' matches no parameter`);
    if (!tf.util.arraysEqual(g.shape, s.param.shape)) {
      throw new ShapeError(
        `AdamW.step: gradient '${key}' has shape [${g.shape}], parameter is [${s.param.shape}]`,
      );
    }
    out.push([s, g]);
  }
  return out;
}

/** One torch AdamW update of one parameter (inside the caller's tidy). */
function updateOne(
  s: Slot,
  g: tf.Tensor,
  lr: number,
  wd: number,
  hp: { b1: number; b2: number; eps: number },
): void {
  const t = s.t + 1;
  const bc1 = 1 - hp.b1 ** t;
  const bc2Sqrt = Math.sqrt(1 - hp.b2 ** t);
  const decay = 1 - lr * wd;
  // One kernel per parameter on webgpu and wasm (core's WGSL / wasm-SIMD AdamW); else tfjs ops.
  const attrs = { decay, ...hp, bc2Sqrt, stepScale: -lr / bc1 };
  const fused = webgpuAdamW(s.param, s.m, s.v, g, attrs) ?? wasmAdamW(s.param, s.m, s.v, g, attrs);
  if (fused) {
    s.param.assign(fused[0]);
    s.m.assign(fused[1]);
    s.v.assign(fused[2]);
    s.t = t;
    return;
  }
  const decayed = wd !== 0 ? tf.mul(s.param, tf.scalar(decay)) : s.param;
  const m = tf.add(tf.mul(s.m, tf.scalar(hp.b1)), tf.mul(g, tf.scalar(1 - hp.b1)));
  const v = tf.add(tf.mul(s.v, tf.scalar(hp.b2)), tf.mul(tf.mul(g, g), tf.scalar(1 - hp.b2)));
  const denom = tf.add(tf.div(tf.sqrt(v), tf.scalar(bc2Sqrt)), tf.scalar(hp.eps));
  const p = tf.add(decayed, tf.mul(tf.div(m, denom), tf.scalar(-lr / bc1)));
  s.m.assign(m);
  s.v.assign(v);
  s.param.assign(p);
  s.t = t;
}

/**
 * Creates an AdamW optimizer over `params` (a Variable tree or a flat record of Variables).
 * @example
 * const params = toVariables(initVitParams(cfg, rng), 'student');
 * const opt = createAdamW(params, { weightDecay: 0.05, lrScale: layerDecayScales(names, 12, 0.65) });
 * const { grads } = tf.variableGrads(() => loss(params), varList(params));
 * opt.step(grads, { lr: schedule(step) }); tf.dispose(grads);
 */
export function createAdamW(params: unknown, options: AdamWOptions = {}): AdamW {
  const hp = { b1: options.beta1 ?? 0.9, b2: options.beta2 ?? 0.999, eps: options.eps ?? 1e-8 };
  checkHyper('beta1', hp.b1, 0, 1);
  checkHyper('beta2', hp.b2, 0, 1);
  checkHyper('eps', hp.eps, 0, Number.POSITIVE_INFINITY);
  checkHyper('weightDecay', options.weightDecay ?? 0.05, 0, Number.POSITIVE_INFINITY);
  const role = options.role ?? sharedRole(Object.values(flattenParams<tf.Variable>(params)));
  const slots = makeSlots(params, options, role);
  let stepCount = 0;
  let disposed = false;
  const alive = () => {
    if (disposed) throw new InvalidArgumentError('AdamW: optimizer was disposed');
  };
  return {
    role,
    beta1: hp.b1,
    beta2: hp.b2,
    eps: hp.eps,
    get stepCount() {
      return stepCount;
    },
    groups: Object.freeze(
      slots.map(({ name, weightDecay, lrScale }) => Object.freeze({ name, weightDecay, lrScale })),
    ),
    step(grads, { lr, weightDecay }) {
      alive();
      checkHyper('lr', lr, 0, Number.POSITIVE_INFINITY);
      if (weightDecay !== undefined) checkHyper('weightDecay', weightDecay, 0, Number.POSITIVE_INFINITY);
      const pairs = matchGrads(slots, grads);
      tf.tidy(() => {
        for (const [s, g] of pairs) {
          const wd = s.weightDecay === 0 ? 0 : (weightDecay ?? s.weightDecay);
          updateOne(s, g, lr * s.lrScale, wd, hp);
        }
      });
      stepCount += 1;
    },
    getState() {
      alive();
      const tensors: Record<string, tf.Tensor> = {};
      const paramSteps: Record<string, number> = {};
      for (const s of slots) {
        tensors[`exp_avg.${s.name}`] = tf.clone(s.m);
        tensors[`exp_avg_sq.${s.name}`] = tf.clone(s.v);
        paramSteps[s.name] = s.t;
      }
      return { stepCount, paramSteps, tensors };
    },
    setState(state) {
      alive();
      for (const s of slots) {
        for (const [key, target] of [
          [`exp_avg.${s.name}`, s.m],
          [`exp_avg_sq.${s.name}`, s.v],
        ] as const) {
          const t = state.tensors[key];
          if (!t) throw new InvalidArgumentError(`AdamW.setState: missing '${key}'`);
          if (t.dtype !== 'float32') throw new InvalidArgumentError(`AdamW.setState: '${key}' is ${t.dtype}`);
          if (!tf.util.arraysEqual(t.shape, target.shape)) {
            throw new ShapeError(
              `AdamW.setState: '${key}' has shape [${t.shape}], expected [${target.shape}]`,
            );
          }
        }
        const t = state.paramSteps[s.name];
        if (!(Number.isSafeInteger(t) && t >= 0)) {
          throw new InvalidArgumentError(`AdamW.setState: step of '${s.name}' is ${t}`);
        }
      }
      if (!(Number.isSafeInteger(state.stepCount) && state.stepCount >= 0)) {
        throw new InvalidArgumentError(`AdamW.setState: stepCount is ${state.stepCount}`);
      }
      for (const s of slots) {
        s.m.assign(state.tensors[`exp_avg.${s.name}`]);
        s.v.assign(state.tensors[`exp_avg_sq.${s.name}`]);
        s.t = state.paramSteps[s.name];
      }
      stepCount = state.stepCount;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const s of slots) tf.dispose([s.m, s.v]);
    },
  };
}
