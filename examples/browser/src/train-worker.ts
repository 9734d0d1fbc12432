/// <reference lib="webworker" />
/**
 * A data-parallel training worker (started by the session worker through `webWorkers`): holds a replica
 * of the model and optimizer and computes the gradient of its rows of each batch; see @splitmask/splitmask's
 * docs/training.md.
 */
import type { BackendChoice } from '@splitmask/core';
import { serveWebWorker } from '@splitmask/splitmask';
import { initWorkerBackend } from './backend-setup';

serveWebWorker({ initBackend: (name) => initWorkerBackend(name as BackendChoice) });
