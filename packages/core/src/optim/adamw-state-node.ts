/**
 * AdamW state ↔ safetensors files (Node only: the `@splitmask/core/node` entry). The byte-level
 * format and its checks are in `adamw-state.ts`.
 */

import { loadSafetensors, saveSafetensors } from '../io/safetensors-node';
import type { AdamW } from './adamw';
import { expectedShapes, restore, stateEntries } from './adamw-state';

/**
 * Saves optimizer state to a safetensors file (atomic write; Node only).
 * @example await saveAdamWState(opt, 'run/optim.safetensors');
 */
export async function saveAdamWState(opt: AdamW, path: string): Promise<void> {
  const { entries, metadata } = await stateEntries(opt);
  await saveSafetensors(path, entries, metadata);
}

/**
 * Loads optimizer state from a file written by `saveAdamWState` (Node only).
 * @example await loadAdamWState(opt, 'run/optim.safetensors');
 */
export async function loadAdamWState(opt: AdamW, path: string): Promise<void> {
  restore(opt, await loadSafetensors(path, { expect: expectedShapes(opt) }), path);
}
