/**
 * Restoring a training session from a checkpoint's flat tensor map (safetensors keys `params.<name>`,
 * `optim.<moment>.<name>`), shared by the SplitMask/BEiT trainer, the DINO loop and the browser example,
 * whatever stores the bytes (files in Node, IndexedDB in a page).
 */
import { type AdamW, SplitmaskError } from '@splitmask/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * Assigns `tensors['<prefix>.<name>']` into every Variable of `vars`; throws naming the first missing key.
 * @example assignVariables(vars, all, 'params', `checkpoint ${path}`);
 */
export function assignVariables(
  vars: Record<string, tf.Variable>,
  tensors: Record<string, tf.Tensor>,
  prefix: string,
  where = 'checkpoint',
): void {
  for (const [name, v] of Object.entries(vars)) {
    const t = tensors[`${prefix}.${name}`];
    if (!t) throw new SplitmaskError('CHECKPOINT_MISMATCH', `${where} has no tensor '${prefix}.${name}'`);
    if (t.shape.join() !== v.shape.join()) {
      throw new SplitmaskError(
        'CHECKPOINT_MISMATCH',
        `${where}: '${prefix}.${name}' is [${t.shape}], the model has [${v.shape}]`,
      );
    }
    v.assign(t);
  }
}

/**
 * Restores AdamW from the `optim.`-prefixed moments of `tensors` and the saved step counters.
 * @example restoreOptimizer(optimizer, all, loaded.state.optimizer);
 */
export function restoreOptimizer(
  optimizer: AdamW,
  tensors: Record<string, tf.Tensor>,
  saved: { stepCount: number; paramSteps: Record<string, number> },
): void {
  const moments: Record<string, tf.Tensor> = {};
  for (const [key, t] of Object.entries(tensors)) if (key.startsWith('optim.')) moments[key.slice(6)] = t;
  optimizer.setState({ stepCount: saved.stepCount, paramSteps: saved.paramSteps, tensors: moments });
}
