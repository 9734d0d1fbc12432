/**
 * `@splitmask/splitmask/node`: the Node-only half of the package: atomic checkpoint folders and PNG
 * encoding. The command line, the demo, JSONL logs and datasets read from disk are in the application
 * package `splitmask`.
 */

export type { CheckpointManager, CheckpointState, LoadedCheckpoint } from './checkpoint';
export { createCheckpointManager, listCheckpoints } from './checkpoint';
export { decodePng, encodePng } from './png';
