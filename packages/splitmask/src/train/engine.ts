/**
 * One optimiser step of a method on one shard, the same code in-process and in every worker:
 * 1. per micro-batch: inputs → loss → gradients (one tidy each), summed over micro-batches;
 * 2. with workers: one all-reduce (sum) of every gradient and of the loss-part shares, in a fixed order;
 * 3. the global gradient norm and the parts are read on the host and checked for NaN/Inf *before*
 *    anything is updated, so a bad step leaves weights and optimizer at the last good step;
 * 4. the method's update (clipping, AdamW, EMA, center) with the global gradient.
 */
import { SplitmaskError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Collective } from './collective';
import type { MicroBatch, StepContext, TrainMethod } from './method';

/** A loss part or the gradient norm became NaN or ±Inf: names the step, the micro-batches and the part. */
export class NonFiniteLossError extends SplitmaskError {
  readonly step: number;
  readonly batch: number;
  readonly part: string;
  readonly value: number;
  constructor(step: number, batch: number, part: string, value: number, accumSteps = 1) {
    const what = part === 'gradNorm' ? 'The gradient norm' : `Loss part '${part}'`;
    const cause =
      part === 'gradNorm'
        ? 'the loss is finite but its gradient overflowed (e.g. a tiny loss.temperature or a huge optim.lr).'
        : 'the weights diverged (try a lower optim.lr or optim.clipGrad) or an input batch holds NaN/Inf pixels.';
    super(
      'NON_FINITE_LOSS',
      `${what} is ${value} at step ${step} (data batches ${batch}..${batch + accumSteps - 1}); the step was not ` +
        `applied: weights and optimizer stay at step ${step - 1}. Likely cause: ${cause}`,
    );
    this.step = step;
    this.batch = batch;
    this.part = part;
    this.value = value;
  }
}

/** Gradients of a step (global: summed over micro-batches and workers) and its host read-outs. */
export interface ComputedStep {
  /** Caller disposes (via `applyStep` or `discardStep`). */
  grads: Record<string, tf.Tensor>;
  /** Loss parts of the global batch, averaged over micro-batches, in `method.parts` order. */
  parts: Float32Array;
  gradNorm: number;
  /** Summed `takeAux` values, if the method has any. */
  aux?: Float32Array;
}

/** Shape of a shard's micro-batch: [rows, H, W, C]. */
export type ShardShape = [number, number, number, number];

function flatSize(ts: tf.Tensor[]): number {
  return ts.reduce((n, t) => n + t.size, 0);
}

/**
 * Steps 1–3: gradients of `method` on this shard's micro-batches, all-reduced, parts and norm on the host.
 * Host reads are async (`data()`), so the step also runs on backends without synchronous readback (webgpu).
 * @example const c = await computeStep(method, [{ pixels }], [64, 28, 28, 1], step, localCollective(64));
 */
export async function computeStep(
  method: TrainMethod,
  micro: MicroBatch[],
  shape: ShardShape,
  step: number,
  collective: Collective,
): Promise<ComputedStep> {
  const names = Object.keys(method.params);
  const vars = names.map((n) => method.params[n]);
  const accum = micro.length;
  const per = shape[1] * shape[2] * shape[3];
  const nParts = method.parts.length;
  const parts = new Float32Array(nParts);
  let sum: tf.Tensor[] | undefined;
  let aux: Float32Array | undefined;
  for (const [a, { pixels, labels }] of micro.entries()) {
    const ctx: StepContext = { step, dataIndex: step * accum + a, collective, pixels, labels };
    // [shard rows, S, S, C]; a fullBatchInputs method gets the global micro-batch and slices it itself.
    const rows = pixels.length / per;
    const { grads, shares } = tf.tidy(() => {
      const inputs = method.inputs(tf.tensor4d(pixels, [rows, shape[1], shape[2], shape[3]]), ctx);
      let kept: tf.Tensor | undefined;
      const r = tf.variableGrads(() => {
        const p = method.loss(inputs, ctx);
        kept = tf.keep(tf.stack(method.parts.map((k) => p[k])));
        return tf.div(p.total, accum) as tf.Scalar;
      }, vars);
      const g = vars.map((v) => r.grads[v.name] ?? tf.zerosLike(v));
      const next = sum ? g.map((t, i) => tf.add((sum as tf.Tensor[])[i], t)) : g;
      return { grads: next, shares: kept as tf.Tensor };
    });
    if (sum) tf.dispose(sum);
    sum = grads;
    const s = await shares.data();
    shares.dispose();
    for (let i = 0; i < nParts; i++) parts[i] += s[i] / accum;
    const auxTensor = method.takeAux?.();
    if (auxTensor) {
      const x = await auxTensor.data();
      auxTensor.dispose();
      if (!aux) aux = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) aux[i] += x[i];
    }
  }
  let grads = sum as tf.Tensor[];
  let gradNorm: number;
  const auxLen = aux?.length ?? 0;
  if (collective.shard.count > 1) {
    // One all-reduce of [grads..., parts, aux] (host floats; sums in worker order → identical bits everywhere).
    const n = flatSize(grads);
    const flat = new Float32Array(n + nParts + auxLen);
    let off = 0;
    for (const g of grads) {
      flat.set((await g.data()) as Float32Array, off);
      off += g.size;
    }
    flat.set(parts, n);
    if (aux) flat.set(aux, n + nParts);
    tf.dispose(grads);
    const red = collective.allReduceHost(flat);
    off = 0;
    let sq = 0;
    grads = vars.map((v) => {
      const seg = red.subarray(off, off + v.size);
      off += v.size;
      for (let i = 0; i < seg.length; i++) sq += seg[i] * seg[i];
      return tf.tensor(seg, v.shape, 'float32');
    });
    gradNorm = Math.sqrt(sq);
    parts.set(red.subarray(n, n + nParts));
    if (aux) aux = red.slice(n + nParts);
  } else {
    const norm = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))));
    gradNorm = (await norm.data())[0];
    norm.dispose();
  }
  return { grads: Object.fromEntries(names.map((n, i) => [n, grads[i]])), parts, gradNorm, aux };
}

/**
 * Step 3's check: throws `NonFiniteLossError` (after freeing the gradients) when a part or the norm is
 * NaN/±Inf. The decision uses all-reduced values, so every worker takes the same one.
 */
export function checkFinite(method: TrainMethod, c: ComputedStep, step: number, accumSteps: number): void {
  const bad = method.parts.findIndex((_, i) => !Number.isFinite(c.parts[i]));
  if (bad < 0 && Number.isFinite(c.gradNorm)) return;
  discardStep(c);
  // Name the part that broke, not `total` that follows it.
  const idx = bad === 0 ? method.parts.findIndex((_k, i) => i > 0 && !Number.isFinite(c.parts[i])) : bad;
  const part = bad < 0 ? 'gradNorm' : idx > 0 ? method.parts[idx] : 'total';
  const value = bad < 0 ? c.gradNorm : c.parts[method.parts.indexOf(part)];
  throw new NonFiniteLossError(step + 1, step * accumSteps, part, value, accumSteps);
}

/** Step 4: the method's update with the global gradient; frees the gradients. */
export function applyStep(method: TrainMethod, c: ComputedStep, step: number): void {
  try {
    method.update(c.grads, step, c.aux, c.gradNorm);
  } finally {
    discardStep(c);
  }
}

/** Frees a computed step's gradients without applying it. */
export function discardStep(c: ComputedStep): void {
  tf.dispose(Object.values(c.grads));
}

/** Checks the shard shape against a method's expectations (clear error instead of a shape crash). */
export function assertShape(shape: ShardShape, imageSize: number, channels: number): void {
  if (shape[1] !== imageSize || shape[2] !== imageSize || shape[3] !== channels) {
    throw new SplitmaskError(
      'INVALID_ARGUMENT',
      `trainer: batches are [${shape.join(', ')}], the model expects [B, ${imageSize}, ${imageSize}, ${channels}]`,
    );
  }
}
