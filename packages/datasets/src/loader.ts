/**
 * Batch loader: per-epoch seeded shuffling, per-sample seeded transforms, batches written straight into
 * typed arrays ready for `tf.tensor4d(images, shape)`, prefetching, and an exact resume point.
 *
 * Determinism: the order of epoch e is `createRng(seed).split(ORDER).split(e).permutation(N)` and sample
 * p of epoch e is transformed with `createRng(seed).split(AUG).split(e).split(p)`. Nothing depends on
 * timing or on how many decodes run at once, so a run resumed from `getState()` after k batches yields
 * the same batch k + 1 as an uninterrupted run.
 */
import { createRng, type Rng, type RngState } from '@splitmask/core/rng';
import { checkArg, DatasetError } from './errors';
import type { ImageTransform, TransformSpec } from './transforms/pipeline';
import type { ImageDataset, RawImage, Sample, StreamingImageDataset, TransformedViews } from './types';

const ORDER_STREAM = 1;
const AUG_STREAM = 2;

/** A batch, channels-last float32. */
export interface Batch {
  /** [B, H, W, C] encoder view. */
  readonly images: Float32Array;
  readonly shape: [number, number, number, number];
  /** [B, H2, W2, C] tokenizer view (two-view transforms only). */
  readonly tokenizerImages?: Float32Array;
  readonly tokenizerShape?: [number, number, number, number];
  /** [B] class labels, for labelled datasets. */
  readonly labels?: Int32Array;
  /** [B] dataset indices (random access) or stream positions (streaming) of the samples. */
  readonly indices: Int32Array;
  readonly epoch: number;
  /** Index of this batch within its epoch. */
  readonly batch: number;
}

/** Resume point: the next batch to produce. JSON-serialisable. */
export interface BatchLoaderState {
  readonly seed: number;
  readonly epoch: number;
  readonly batch: number;
}

/** Options of `createBatchLoader`. */
export interface BatchLoaderOptions {
  batchSize: number;
  seed: number;
  transform: ImageTransform;
  /** Shuffle each epoch (default true). Streaming sources shuffle through a buffer. */
  shuffle?: boolean;
  /** Drop the last incomplete batch so every batch has B samples (default true: fixed shapes). */
  dropLast?: boolean;
  /** Batches prepared ahead of the consumer (default 2). */
  prefetch?: number;
  /** Epochs the async iterator runs for, counted from the state's epoch (default Infinity). */
  epochs?: number;
  /**
   * 'raise' (default) rejects on a bad sample; 'skip' substitutes the next readable sample of the epoch
   * order, and reports each bad sample once (`onSkip`, `skipped`).
   */
  onError?: 'raise' | 'skip';
  /** Called for each skipped sample. */
  onSkip?: (error: DatasetError) => void;
  /** Streaming only: shuffle buffer size (default 1024). */
  shuffleBuffer?: number;
  /**
   * Runs the (built-in, `spec`-carrying) transform elsewhere, e.g. `createWorkerPool({ workers: 2 })`
   * from `@splitmask/datasets/node`. Results are identical to running on this thread.
   */
  executor?: TransformExecutor;
}

/** Runs built-in transforms off the main thread; `rngState` is the sample's `Rng.getState()`. */
export interface TransformExecutor {
  run(spec: TransformSpec, image: RawImage, rngState: RngState): Promise<TransformedViews>;
}

/** A resumable stream of batches. */
export interface BatchLoader extends AsyncIterable<Batch> {
  /** Batches per epoch (random access only; undefined for streams). */
  readonly batchesPerEpoch?: number;
  /** Distinct bad samples found (and skipped) under `onError: 'skip'` so far. */
  readonly skipped: number;
  /** The next batch (advances the state). */
  next(): Promise<Batch>;
  getState(): BatchLoaderState;
  /** Moves to a saved state; discards prefetched batches. */
  setState(state: BatchLoaderState): void;
}

interface Slot {
  sample: Sample;
  index: number;
  rng: Rng;
}

type ViewOf = (j: number, out?: { image: Float32Array; tokenizer?: Float32Array }) => TransformedViews;

/** Writes the slots' transformed views into one batch's typed arrays (in place when the view allows). */
function assemble(slots: Slot[], viewOf: ViewOf, epoch: number, batch: number): Batch {
  const B = slots.length;
  const hasLabels = slots[0].sample.label !== undefined;
  const labels = hasLabels ? new Int32Array(B) : undefined;
  const first = viewOf(0);
  const n = first.image.data.length;
  const m = first.tokenizer?.data.length ?? 0;
  const images = new Float32Array(B * n);
  images.set(first.image.data);
  const tok = first.tokenizer ? new Float32Array(B * m) : undefined;
  if (tok && first.tokenizer) tok.set(first.tokenizer.data);
  for (let j = 0; j < B; j++) {
    const { sample, index } = slots[j];
    if ((sample.label !== undefined) !== hasLabels)
      throw new DatasetError(
        'INVALID_ARGUMENT',
        `loader: sample ${index} ${hasLabels ? 'has no' : 'has a'} label unlike the batch's first`,
        { index },
      );
    if (labels) labels[j] = sample.label as number;
    if (j === 0) continue;
    const out = { image: images.subarray(j * n, (j + 1) * n), tokenizer: tok?.subarray(j * m, (j + 1) * m) };
    const v = viewOf(j, out);
    if (v.image.data.length !== n || (v.tokenizer?.data.length ?? 0) !== m)
      throw new DatasetError(
        'WRONG_SIZE',
        `loader: sample ${index} transformed to a different size than the batch's first`,
        {
          index,
        },
      );
    if (v.image.data !== out.image) out.image.set(v.image.data);
    if (v.tokenizer && out.tokenizer && v.tokenizer.data !== out.tokenizer)
      out.tokenizer.set(v.tokenizer.data);
  }
  const v = first.image;
  const t = first.tokenizer;
  return {
    images,
    shape: [B, v.height, v.width, v.channels],
    ...(t && tok
      ? { tokenizerImages: tok, tokenizerShape: [B, t.height, t.width, t.channels] as const }
      : {}),
    ...(labels ? { labels } : {}),
    indices: Int32Array.from(slots, (s) => s.index),
    epoch,
    batch,
  };
}

/** Transforms the slots on this thread (writing into the batch) or through the executor. */
async function transformSlots(
  slots: Slot[],
  o: BatchLoaderOptions,
  epoch: number,
  batch: number,
): Promise<Batch> {
  const { executor, transform } = o;
  if (!executor)
    return assemble(slots, (j, out) => transform(slots[j].sample.image, slots[j].rng, out), epoch, batch);
  const spec = transform.spec as TransformSpec;
  const views = await Promise.all(slots.map((s) => executor.run(spec, s.sample.image, s.rng.getState())));
  return assemble(slots, (j) => views[j], epoch, batch);
}

/**
 * Creates a batch loader over a random-access or streaming dataset.
 * @example
 * const loader = createBatchLoader(ds, { batchSize: 64, seed: 0, transform: createTwoViewTransform({ size: 32, secondSize: 16 }) });
 * for await (const { images, shape, tokenizerImages } of loader) { const x = tf.tensor4d(images, shape); }
 */
export function createBatchLoader(
  dataset: ImageDataset | StreamingImageDataset,
  options: BatchLoaderOptions,
): BatchLoader {
  const { batchSize, seed } = options;
  checkArg(
    Number.isInteger(batchSize) && batchSize > 0,
    `createBatchLoader: batchSize must be a positive integer, got ${batchSize}`,
  );
  checkArg(Number.isFinite(seed), `createBatchLoader: seed must be a finite number, got ${seed}`);
  const prefetch = options.prefetch ?? 2;
  checkArg(
    Number.isInteger(prefetch) && prefetch >= 0,
    `createBatchLoader: prefetch must be an integer >= 0, got ${prefetch}`,
  );
  checkArg(
    !options.executor || options.transform.spec !== undefined,
    'createBatchLoader: an executor needs a built-in transform (createTwoViewTransform/createEvalTransform) that carries a spec',
  );
  return 'get' in dataset ? randomAccessLoader(dataset, options, prefetch) : streamLoader(dataset, options);
}

function randomAccessLoader(ds: ImageDataset, o: BatchLoaderOptions, prefetch: number): BatchLoader {
  const n = ds.length;
  const B = o.batchSize;
  const dropLast = o.dropLast ?? true;
  const perEpoch = dropLast ? Math.floor(n / B) : Math.ceil(n / B);
  if (perEpoch === 0)
    throw new DatasetError(
      'EMPTY_DATASET',
      `createBatchLoader: ${n} samples cannot fill one batch of ${B} (dropLast)`,
    );
  const root = createRng(o.seed);
  const orders = new Map<number, Int32Array>();
  const orderOf = (epoch: number): Int32Array => {
    let ord = orders.get(epoch);
    if (!ord) {
      ord =
        o.shuffle === false
          ? Int32Array.from({ length: n }, (_, i) => i)
          : root.split(ORDER_STREAM).split(epoch).permutation(n);
      if (orders.size > 2) orders.delete(orders.keys().next().value as number);
      orders.set(epoch, ord);
    }
    return ord;
  };
  let skipped = 0;
  const bad = new Set<number>();

  const loadSlot = async (order: Int32Array, p: number, epoch: number): Promise<Slot> => {
    const rng = root.split(AUG_STREAM).split(epoch).split(p);
    let lastError: unknown;
    for (let k = 0; k < Math.min(n, 64); k++) {
      const index = order[(p + k) % n];
      if (bad.has(index)) continue;
      try {
        return { sample: await ds.get(index), index, rng };
      } catch (e) {
        if (o.onError !== 'skip' || !(e instanceof DatasetError)) throw e;
        lastError = e;
        // Each bad sample is reported once and never decoded again; which sample replaces it depends
        // only on the epoch order, so batches stay deterministic.
        if (!bad.has(index)) {
          bad.add(index);
          skipped++;
          o.onSkip?.(e);
        }
      }
    }
    throw new DatasetError('EMPTY_DATASET', `loader: no readable sample among 64 tried from position ${p}`, {
      index: p,
      cause: lastError,
    });
  };

  const produce = async (epoch: number, batch: number): Promise<Batch> => {
    const order = orderOf(epoch);
    const start = batch * B;
    const end = Math.min(n, start + B);
    const slots = await Promise.all(
      Array.from({ length: end - start }, (_, j) => loadSlot(order, start + j, epoch)),
    );
    return transformSlots(slots, o, epoch, batch);
  };

  let state = { epoch: 0, batch: 0 };
  const queue: { epoch: number; batch: number; promise: Promise<Batch> }[] = [];
  const advance = (s: { epoch: number; batch: number }) =>
    s.batch + 1 >= perEpoch ? { epoch: s.epoch + 1, batch: 0 } : { epoch: s.epoch, batch: s.batch + 1 };
  const fill = () => {
    let s = queue.length ? advance(queue[queue.length - 1]) : state;
    while (queue.length < prefetch + 1) {
      const promise = produce(s.epoch, s.batch);
      promise.catch(() => {}); // surfaced when consumed
      queue.push({ ...s, promise });
      s = advance(s);
    }
  };
  const next = async (): Promise<Batch> => {
    fill();
    const head = queue.shift()!;
    state = advance(head);
    fill();
    return head.promise;
  };
  return {
    batchesPerEpoch: perEpoch,
    get skipped() {
      return skipped;
    },
    next,
    getState: () => ({ seed: o.seed, ...state }),
    setState: (s) => {
      checkArg(s.seed === o.seed, `loader.setState: state has seed ${s.seed}, loader has ${o.seed}`);
      checkArg(
        Number.isInteger(s.epoch) &&
          s.epoch >= 0 &&
          Number.isInteger(s.batch) &&
          s.batch >= 0 &&
          s.batch < perEpoch,
        () => `loader.setState: bad position ${JSON.stringify(s)} (batchesPerEpoch ${perEpoch})`,
      );
      queue.length = 0;
      state = { epoch: s.epoch, batch: s.batch };
    },
    async *[Symbol.asyncIterator]() {
      const epochs = o.epochs ?? Number.POSITIVE_INFINITY;
      const startEpoch = state.epoch;
      while (state.epoch < startEpoch + epochs) yield await next();
    },
  };
}

function streamLoader(ds: StreamingImageDataset, o: BatchLoaderOptions): BatchLoader {
  const B = o.batchSize;
  const root = createRng(o.seed);
  const bufferSize = o.shuffle === false ? 1 : (o.shuffleBuffer ?? 1024);
  checkArg(
    Number.isInteger(bufferSize) && bufferSize > 0,
    `createBatchLoader: shuffleBuffer must be a positive integer, got ${bufferSize}`,
  );
  let state = { epoch: 0, batch: 0 };
  let iter: AsyncGenerator<Slot> | undefined;
  let iterAt = { epoch: -1, batch: -1 };

  /** One epoch of samples, reordered through a seeded shuffle buffer. */
  async function* epochSlots(epoch: number): AsyncGenerator<Slot> {
    const pick = root.split(ORDER_STREAM).split(epoch);
    const aug = root.split(AUG_STREAM).split(epoch);
    const buf: { sample: Sample; index: number }[] = [];
    let pos = 0;
    let out = 0;
    const emit = (): Slot => {
      const k = pick.int(buf.length);
      const item = buf[k];
      buf[k] = buf[buf.length - 1];
      buf.pop();
      return { ...item, rng: aug.split(out++) };
    };
    for await (const sample of ds) {
      buf.push({ sample, index: pos++ });
      if (buf.length >= bufferSize) yield emit();
    }
    while (buf.length > 0) yield emit();
  }

  const next = async (): Promise<Batch> => {
    for (;;) {
      if (!iter || iterAt.epoch !== state.epoch || iterAt.batch !== state.batch) {
        // (Re)open the epoch and fast-forward to the state's batch (exact resume; re-reads the stream).
        iter = epochSlots(state.epoch);
        for (let k = 0; k < state.batch * B; k++) if ((await iter.next()).done) break;
        iterAt = { ...state };
      }
      const slots: Slot[] = [];
      while (slots.length < B) {
        const r = await iter.next();
        if (r.done) break;
        slots.push(r.value);
      }
      if (slots.length === B || (slots.length > 0 && o.dropLast === false)) {
        const batch = await transformSlots(slots, o, state.epoch, state.batch);
        state = { epoch: state.epoch, batch: state.batch + 1 };
        iterAt = { ...state };
        return batch;
      }
      if (state.batch === 0)
        throw new DatasetError('EMPTY_DATASET', `createBatchLoader: the stream has fewer than ${B} samples`);
      state = { epoch: state.epoch + 1, batch: 0 };
    }
  };
  return {
    // Streams skip bad samples inside the source (`webDataset({ onError: 'skip', onSkip })`).
    skipped: 0,
    next,
    getState: () => ({ seed: o.seed, ...state }),
    setState: (s) => {
      checkArg(s.seed === o.seed, `loader.setState: state has seed ${s.seed}, loader has ${o.seed}`);
      state = { epoch: s.epoch, batch: s.batch };
    },
    async *[Symbol.asyncIterator]() {
      const epochs = o.epochs ?? Number.POSITIVE_INFINITY;
      const start = state.epoch;
      for (;;) {
        const b = await next();
        if (b.epoch >= start + epochs) {
          state = { epoch: b.epoch, batch: 0 }; // un-consume the look-ahead batch
          return;
        }
        yield b;
      }
    },
  };
}
