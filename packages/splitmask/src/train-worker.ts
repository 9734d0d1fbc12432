/**
 * Entry of a data-parallel training worker thread (Node worker_threads), built to
 * `dist/train-worker.js` and started by `workerThreads()` from `@splitmask/splitmask/node`.
 */
import { parentPort } from 'node:worker_threads';
import { serveWorker } from './train/worker-serve';

if (!parentPort) throw new Error('train-worker: must run in a worker thread (started by workerThreads())');
const port = parentPort;
serveWorker(
  (handler) => port.on('message', handler),
  (reply, transfer) => port.postMessage(reply, transfer ?? []),
  () => port.close(),
);
