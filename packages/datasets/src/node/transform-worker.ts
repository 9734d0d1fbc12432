/**
 * worker_threads entry of `createWorkerPool`: rebuilds transforms from their specs and runs jobs
 * `{ id, spec, image, rngState }`, replying `{ id, views }` (Float32Array buffers transferred) or
 * `{ id, error }`. The per-sample Rng is restored from its state, so results equal the main thread's.
 */
import { parentPort } from 'node:worker_threads';
import { createRng, type RngState } from '@splitmask/core/rng';
import { type ImageTransform, type TransformSpec, transformFromSpec } from '../transforms/pipeline';
import type { RawImage } from '../types';

interface Job {
  id: number;
  spec: TransformSpec;
  image: RawImage;
  rngState: RngState;
}

const cache = new Map<string, ImageTransform>();

function transformFor(spec: TransformSpec): ImageTransform {
  const key = JSON.stringify(spec);
  let t = cache.get(key);
  if (!t) {
    t = transformFromSpec(spec);
    cache.set(key, t);
  }
  return t;
}

parentPort?.on('message', (job: Job) => {
  try {
    const rng = createRng(job.rngState.seed);
    rng.setState(job.rngState);
    const views = transformFor(job.spec)(job.image, rng);
    const transfer = [views.image.data.buffer, ...(views.tokenizer ? [views.tokenizer.data.buffer] : [])];
    parentPort?.postMessage({ id: job.id, views }, transfer as ArrayBuffer[]);
  } catch (e) {
    parentPort?.postMessage({
      id: job.id,
      error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
    });
  }
});
