/**
 * `@splitmask/splitmask/node`: the Node-only half of the package (files and processes): atomic
 * checkpoint folders, JSONL logs, PNG encoding, datasets read from disk (`@splitmask/datasets/node`),
 * the end-of-run pictures and `splitmask demo` as a function.
 */

export type { CheckpointManager, CheckpointState, LoadedCheckpoint } from './checkpoint';
export { createCheckpointManager, listCheckpoints } from './checkpoint';
export { loadImages, openDataset, toImageArray } from './datasets';
export type { DemoOptions, DemoResult } from './demo';
export { DEMO_CONFIG, runDemo, TINY_DEMO_CONFIG } from './demo';
export type { JsonlLogger } from './jsonl';
export { createJsonlLogger, readJsonl } from './jsonl';
export { decodePng, encodePng } from './png';
export { writeRunPictures } from './run-pictures';
