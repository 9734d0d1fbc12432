// A training worker that serves normally, except worker 1 exits (code 7) when asked for its second step:
// the pool must stop the run with an error naming the worker and the step.
import { parentPort } from 'node:worker_threads';
import { serveWorker } from '../dist/index.js';

let index = -1;
let steps = 0;
serveWorker(
  (handler) =>
    parentPort.on('message', (req) => {
      if (req.type === 'init') index = req.index;
      if (req.type === 'step' && index === 1 && ++steps === 2) process.exit(7);
      handler(req);
    }),
  (reply, transfer) => parentPort.postMessage(reply, transfer ?? []),
  () => parentPort.close(),
);
