/// <reference lib="webworker" />
/**
 * The training worker: picks the backend (webgpu > webgl > wasm > cpu), runs the session step by step
 * (so pause/resume and messages are handled between steps), writes checkpoints to IndexedDB, renders
 * A/B splits and token maps, and on a GPU failure (e.g. out of memory) falls back to wasm and resumes
 * from the last checkpoint.
 */
import { type BackendChoice, type BackendInfo, createRng, SplitmaskError } from '@splitmask/core';
import { renderSplit, splitMask } from '@splitmask/masking';
import { canShareMemory, imagesOf, type Parallelism, webWorkers } from '@splitmask/splitmask';
import { renderTokenColors } from '@splitmask/tokenizers';
import * as tf from '@tensorflow/tfjs-core';
import { initWorkerBackend } from './backend-setup';
import { demoConfig } from './config';
import { loadCheckpoint, saveCheckpoint } from './idb';
import { createKnnMonitor, type KnnMonitor, type KnnPoint } from './knn';
import { runParityCase } from './parity';
import type { FromWorker, Picture, ToWorker } from './protocol';
import { createSession, type Session, type StepEvent } from './session';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

let info: BackendInfo | undefined;
let session: Session | undefined;
let run: Extract<ToWorker, { type: 'start' }> | undefined;
let paused = false;
let looping = false;
let lastCheckpoint: Uint8Array | undefined;
/** Step events of this run (restored from the checkpoint after a reload). */
let history: StepEvent[] = [];
/** k-NN measurements of this run (restored with the checkpoint). */
let knnHistory: KnnPoint[] = [];
let knnMonitor: KnnMonitor | undefined;

function errorInfo(e: unknown): { code: string; message: string } {
  const code = (e as { code?: string }).code ?? (e instanceof Error ? e.name : 'ERROR');
  return { code, message: e instanceof Error ? e.message : String(e) };
}

async function setBackend(choice: BackendChoice): Promise<BackendInfo> {
  info = await initWorkerBackend(choice);
  post({ type: 'backend', info });
  return info;
}

/**
 * Data-parallel training workers for this run: `run.workers` Web Workers on wasm/cpu when the page is
 * cross-origin isolated; otherwise one thread, and the page says why.
 */
function parallelFor(workers: number): Parallelism | undefined {
  if (workers <= 1) return undefined;
  const backend = info?.name ?? 'wasm';
  const why = !canShareMemory()
    ? 'SharedArrayBuffer is unavailable (the page is not cross-origin isolated)'
    : backend !== 'wasm' && backend !== 'cpu'
      ? `the ${backend} backend runs on one device`
      : undefined;
  if (why) {
    post({ type: 'status', message: `workers: 1 (asked for ${workers}: ${why})` });
    return undefined;
  }
  post({ type: 'status', message: `workers: ${workers} Web Workers on ${backend}` });
  return webWorkers(
    workers,
    () => new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module' }),
    { backend },
  );
}

function toPicture(img: { width: number; height: number; data: Uint8ClampedArray }): Picture {
  return { width: img.width, height: img.height, data: img.data };
}

/** A/B splits and token maps of the first 4 images, with this step's split draw. */
async function preview(s: Session): Promise<void> {
  if (!run) return;
  const n = Math.min(4, run.images.count);
  const size = s.config.model.imageSize;
  const p = s.config.model.patchSize;
  const grid = { height: size / p, width: size / p };
  const pixels = imagesOf(
    run.images,
    Array.from({ length: n }, (_, i) => i),
    size,
  );
  const rng = createRng(s.config.seed + 1000).split(s.step);
  const splits: Picture[] = [];
  for (let i = 0; i < n; i++) {
    const pair = splitMask(grid, rng, {
      mode: s.config.masking.mode,
      visibleFraction: s.config.masking.visibleFraction,
    });
    const image = {
      data: pixels.subarray(i * size * size, (i + 1) * size * size),
      width: size,
      height: size,
      channels: 1 as const,
    };
    splits.push(toPicture(renderSplit(pair, grid, { image, alpha: 0.45 })));
  }
  const ids = tf.tidy(() =>
    s.tokenizer.tokenize(tf.tensor4d(pixels, [n, size, size, 1]), { checkFinite: false }),
  );
  const flat = await ids.data();
  ids.dispose();
  const per = grid.height * grid.width;
  const tokens = Array.from({ length: n }, (_, i) =>
    toPicture(renderTokenColors(flat.subarray(i * per, (i + 1) * per), grid.height, grid.width, p)),
  );
  post({
    type: 'preview',
    step: s.step,
    splits,
    tokens,
    labels: Array.from(run.images.labels?.subarray(0, n) ?? []),
  });
}

async function checkpointNow(s: Session): Promise<void> {
  if (!run) return;
  const t0 = performance.now();
  const bytes = await s.checkpoint();
  lastCheckpoint = bytes;
  await saveCheckpoint(run.runKey, {
    bytes,
    step: s.step,
    fingerprint: s.fingerprint,
    savedAt: Date.now(),
    history: history.filter((e) => e.step <= s.step),
    knn: knnHistory.filter((p) => p.step <= s.step),
  });
  post({ type: 'checkpoint', step: s.step, bytes: bytes.length, ms: performance.now() - t0 });
}

async function startSession(checkpoint?: Uint8Array): Promise<Session> {
  if (!run) throw new Error('no run');
  const config = demoConfig(run.choice);
  const s = await createSession({
    config,
    images: run.images,
    checkpoint,
    parallel: parallelFor(run.workers ?? 1),
    onStatus: (message) => post({ type: 'status', message }),
  });
  history = history.filter((e) => e.step <= s.step);
  knnHistory = knnHistory.filter((p) => p.step <= s.step);
  post({
    type: 'started',
    step: s.step,
    resumed: checkpoint !== undefined,
    numParams: countParams(s),
    workers: s.workers,
    history,
    knnHistory,
  });
  return s;
}

/** Runs the k-NN monitor (when the run's images are labelled) unless this step was measured already. */
async function measureKnn(s: Session): Promise<void> {
  if (!knnMonitor || knnHistory.some((p) => p.step === s.step)) return;
  await s.syncParams(); // with Web Workers the weights live there until synced
  const point = await knnMonitor.evaluate(s);
  knnHistory.push(point);
  post({ type: 'knn', point });
}

function countParams(s: Session): number {
  let n = 0;
  const walk = (x: unknown): void => {
    if (x instanceof tf.Tensor) n += x.size;
    else if (x && typeof x === 'object') for (const v of Object.values(x)) walk(v);
  };
  walk(s.params);
  return n;
}

/** GPU failure (out of memory, lost device): report, switch to wasm, resume from the last checkpoint. */
async function fallBack(e: unknown): Promise<boolean> {
  if (!info || (info.name !== 'webgpu' && info.name !== 'webgl')) return false;
  const { code, message } = errorInfo(e);
  const from = info.name;
  post({ type: 'error', code, message: `${from} failed: ${message}`, fallback: 'wasm' });
  try {
    session?.dispose();
  } catch {
    // the GPU backend may be unusable; its memory goes with it
  }
  session = undefined;
  await setBackend('wasm');
  session = await startSession(lastCheckpoint);
  return true;
}

async function loop(): Promise<void> {
  if (looping) return;
  looping = true;
  try {
    while (session && run && !paused && session.step < session.config.train.steps) {
      try {
        if (
          run.simulateGpuFailureAt === session.step + 1 &&
          info &&
          (info.name === 'webgpu' || info.name === 'webgl')
        ) {
          throw new SplitmaskError(
            'GPU_OUT_OF_MEMORY',
            `simulated out-of-memory on ${info.name} at step ${session.step + 1} (?simulateGpuFailureAt)`,
          );
        }
        const event = await session.trainStep();
        history.push(event);
        post({ type: 'step', event });
        const knnEvery = run.knn?.every ?? 0;
        if (knnEvery > 0 && (event.step % knnEvery === 0 || event.step === event.totalSteps))
          await measureKnn(session);
        const every = run.checkpointEvery;
        if (every > 0 && (event.step % every === 0 || event.step === event.totalSteps))
          await checkpointNow(session);
        if (event.step === 1 || event.step % 5 === 0 || event.step === event.totalSteps)
          await preview(session);
      } catch (e) {
        if (!(await fallBack(e))) throw e;
      }
      await new Promise((r) => setTimeout(r, 0)); // let pause/export messages in
    }
    if (session && !paused) post({ type: 'done', step: session.step });
    else if (session) post({ type: 'paused', step: session.step });
  } finally {
    looping = false;
  }
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init':
      await setBackend(msg.backend);
      return;
    case 'start': {
      run = msg;
      paused = false;
      history = [];
      knnHistory = [];
      knnMonitor = undefined;
      if (msg.knn && msg.knn.every > 0) {
        try {
          knnMonitor = createKnnMonitor(msg.knn.images);
        } catch (e) {
          post({ type: 'error', ...errorInfo(e), fallback: 'training without the k-NN monitor' });
        }
      }
      session?.dispose();
      session = undefined;
      const stored = msg.resume ? await loadCheckpoint(msg.runKey) : undefined;
      let checkpoint: Uint8Array | undefined;
      if (stored) {
        post({ type: 'status', message: `found a checkpoint at step ${stored.step} in IndexedDB: resuming` });
        checkpoint = stored.bytes;
        lastCheckpoint = stored.bytes;
        history = stored.history ?? [];
        knnHistory = stored.knn ?? [];
      }
      try {
        session = await startSession(checkpoint);
      } catch (e) {
        if (!checkpoint) throw e;
        post({ type: 'error', ...errorInfo(e), fallback: 'starting from scratch' });
        session = await startSession();
      }
      if (session.step === 0) await measureKnn(session); // the initial encoder's value
      if (!checkpoint) await checkpointNow(session);
      await preview(session);
      await loop();
      return;
    }
    case 'pause':
      paused = true;
      return;
    case 'resume':
      paused = false;
      await loop();
      return;
    case 'checkpoint':
      if (session) await checkpointNow(session);
      return;
    case 'export':
      if (session) {
        const bytes = await session.exportTimm();
        post({ type: 'export', bytes, step: session.step }, [bytes.buffer]);
      }
      return;
    case 'parity':
      post({ type: 'parity', result: await runParityCase(msg.images) });
      return;
  }
}

scope.onmessage = (ev: MessageEvent<ToWorker>) => {
  handle(ev.data).catch((e) => post({ type: 'error', ...errorInfo(e) }));
};
