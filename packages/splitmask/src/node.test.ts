import { expect, test } from 'vitest';
import * as api from './node';

// Snapshot of the Node entry's exports: a change here is an API change (README + changeset).
test('node entry exports', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "WorkerError",
      "createCheckpointManager",
      "createDinoTrainer",
      "createPretrainer",
      "decodePng",
      "encodePng",
      "listCheckpoints",
      "moveAside",
      "newRunId",
      "readCheckpoint",
      "removeStaleTemps",
      "runDino",
      "workerThreads",
    ]
  `);
});
