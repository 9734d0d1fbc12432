/**
 * AdamW state ↔ safetensors. Tensors are `exp_avg.<param>` and `exp_avg_sq.<param>` (torch's state keys
 * with timm parameter names); the metadata holds `step` (number of steps taken), `param_steps` (JSON of
 * torch's per-parameter step counts) and the hyper-parameters, for inspection.
 */

import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { decodeSafetensors, encodeSafetensors, type SafetensorsExpectation } from '../io/safetensors';
import { fromTfTensors, toTfTensors } from '../io/safetensors-tf';
import type { AdamW } from './adamw';

/** The `format` metadata value of AdamW state files. */
export const ADAMW_STATE_FORMAT = 'splitmask.adamw.v1';

/** @internal shared with adamw-state-node.ts */
export async function stateEntries(opt: AdamW) {
  const state = opt.getState();
  try {
    const metadata = {
      format: ADAMW_STATE_FORMAT,
      step: String(state.stepCount),
      param_steps: JSON.stringify(state.paramSteps),
      betas: JSON.stringify([opt.beta1, opt.beta2]),
      eps: String(opt.eps),
    };
    return { entries: await fromTfTensors(state.tensors), metadata };
  } finally {
    tf.dispose(state.tensors);
  }
}

/**
 * Serialises optimizer state to safetensors bytes (reads tensors with async `data()`).
 * @example const bytes = await encodeAdamWState(opt);
 */
export async function encodeAdamWState(opt: AdamW): Promise<Uint8Array> {
  const { entries, metadata } = await stateEntries(opt);
  return encodeSafetensors(entries, metadata);
}

/** @internal shared with adamw-state-node.ts */
export function expectedShapes(opt: AdamW): Record<string, SafetensorsExpectation> {
  const state = opt.getState();
  const out: Record<string, SafetensorsExpectation> = {};
  for (const [k, t] of Object.entries(state.tensors)) out[k] = { shape: t.shape, dtype: 'F32' };
  tf.dispose(state.tensors);
  return out;
}

/** @internal shared with adamw-state-node.ts */
export function restore(opt: AdamW, decoded: ReturnType<typeof decodeSafetensors>, file: string): void {
  const { metadata } = decoded;
  if (metadata.format !== ADAMW_STATE_FORMAT) {
    throw new InvalidArgumentError(`${file}: not an AdamW state (format '${metadata.format}')`);
  }
  const stepCount = Number(metadata.step);
  let paramSteps: Record<string, number>;
  try {
    paramSteps = JSON.parse(metadata.param_steps ?? '');
  } catch (cause) {
    throw new InvalidArgumentError(`${file}: bad param_steps metadata`, { cause });
  }
  const tensors = toTfTensors(decoded.tensors);
  try {
    opt.setState({ stepCount, paramSteps, tensors });
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * Restores optimizer state from `encodeAdamWState` bytes; shapes are checked against the optimizer's
 * parameters (SafetensorsError naming the tensor on mismatch).
 * @example decodeAdamWState(opt, bytes);
 */
export function decodeAdamWState(opt: AdamW, bytes: Uint8Array, file = '<bytes>'): void {
  restore(opt, decodeSafetensors(bytes, { expect: expectedShapes(opt), file }), file);
}
