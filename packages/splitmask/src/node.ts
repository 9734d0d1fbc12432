/**
 * `@splitmask/splitmask/node`: the Node-only half of the package: atomic checkpoint folders and PNG
 * encoding. The command line, the demo, JSONL logs and datasets read from disk are in the application
 * package `splitmask`.
 */

export type {
  CheckpointExtension,
  CheckpointManager,
  CheckpointManagerOptions,
  CheckpointState,
  LoadedCheckpoint,
} from './checkpoint';
export {
  createCheckpointManager,
  listCheckpoints,
  moveAside,
  newRunId,
  removeStaleTemps,
} from './checkpoint';
export { readCheckpoint } from './checkpoint-read';
// Session constructors that also take checkpoint folders (checkpointDir / resume / resumeFrom / overwrite).
export { createDinoTrainer, createPretrainer, runDino } from './node-trainers';
export { decodePng, encodePng } from './png';
export { WorkerError } from './train/pool';
export type { WorkerThreadsOptions } from './train/worker-threads';
export { workerThreads } from './train/worker-threads';
