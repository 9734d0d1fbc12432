import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, describe, expect, test } from 'vitest';
import { createBatchLoader } from './loader';
import { createPortExecutor, serveTransforms, type TransformPort } from './port-executor';
import { syntheticShapes } from './sources/synthetic-shapes';
import { createTwoViewTransform } from './transforms/pipeline';

// Node's MessagePort is an EventTarget like a browser Worker/MessagePort: the protocol runs unchanged
// (same thread here, so this checks messages and results, not parallelism).
const channels: MessageChannel[] = [];
function workerLike(): TransformPort {
  const ch = new MessageChannel();
  channels.push(ch);
  serveTransforms(ch.port2 as unknown as TransformPort);
  ch.port2.start();
  ch.port1.start();
  return ch.port1 as unknown as TransformPort;
}
afterAll(() => {
  for (const ch of channels) {
    (ch.port1 as MessagePort).close();
    (ch.port2 as MessagePort).close();
  }
});

describe('createPortExecutor / serveTransforms', () => {
  const ds = syntheticShapes({ n: 24, size: 20, seed: 4 });
  const transform = createTwoViewTransform({
    size: 12,
    secondSize: 6,
    colorJitter: { brightness: 0.4, p: 0.8 },
    blur: { p: 0.5 },
  });

  test('batches through two ports equal the single-thread batches', async () => {
    const executor = createPortExecutor([workerLike(), workerLike()]);
    const opts = { batchSize: 6, seed: 3, transform };
    const a = createBatchLoader(ds, opts);
    const b = createBatchLoader(ds, { ...opts, executor });
    for (let k = 0; k < 5; k++) {
      const [x, y] = [await a.next(), await b.next()];
      expect([y.indices, y.images, y.tokenizerImages]).toEqual([x.indices, x.images, x.tokenizerImages]);
    }
  });

  test('worker-side errors reject the job', async () => {
    const executor = createPortExecutor([workerLike()]);
    const image = (await ds.get(0)).image;
    await expect(
      executor.run({ kind: 'bogus' } as never, image, { seed: 0, s: [1, 2, 3, 4] }),
    ).rejects.toThrow(/transform worker: .*unknown kind 'bogus'/);
    expect(() => createPortExecutor([])).toThrow(/no ports given/);
  });
});
