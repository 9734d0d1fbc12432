/**
 * `@splitmask/core/node`: the Node-only half of core (files). safetensors files with atomic writes,
 * bounded reads and streaming, and AdamW state files. Everything else, including the byte-level
 * `encodeSafetensors` / `decodeSafetensors`, is in the browser-safe main entry.
 */

export type { SafetensorsReader } from './io/safetensors-node';
export {
  assertWritablePath,
  ensureFolder,
  loadSafetensors,
  openSafetensors,
  readSafetensorsHeader,
  saveSafetensors,
  syncFolder,
  writeFileAtomic,
} from './io/safetensors-node';
export { loadSafetensorsSync, readFileBoundedSync } from './io/safetensors-sync';
export { loadAdamWState, saveAdamWState } from './optim/adamw-state-node';
export { decodePng, encodePng, writePng } from './raster/png-node';
