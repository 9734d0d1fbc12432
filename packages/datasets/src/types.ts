/**
 * Core data types of `@splitmask/datasets`: decoded images as interleaved uint8 pixels, and the two
 * dataset shapes (random access and streaming) every source implements.
 */

/**
 * A decoded image: row-major, channels-last (interleaved) uint8 pixels, `data.length = H·W·C`.
 * `channels` is 1 (grey) or 3 (RGB). Sources may return views into shared buffers: never mutate `data`.
 */
export interface RawImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

/** One example: an image and, for labelled sources, its class index in [0, numClasses). */
export interface Sample {
  readonly image: RawImage;
  readonly label?: number;
}

/**
 * A random-access dataset (image folder, embedded Fashion-MNIST, CIFAR binaries, synthetic shapes).
 * `get(i)` is async because decoding may be (sharp in Node, createImageBitmap in browsers).
 */
export interface ImageDataset {
  readonly length: number;
  /** Number of classes for labelled datasets; absent for unlabelled ones. */
  readonly numClasses?: number;
  /** Class names indexed by label (folder names, CIFAR/Fashion-MNIST names). */
  readonly classNames?: readonly string[];
  /** The `i`-th sample, `0 <= i < length`; rejects with a `DatasetError` naming the index/file. */
  get(i: number): Promise<Sample>;
}

/**
 * A streaming dataset (WebDataset tar shards): read once front to back, for data larger than memory.
 * Each iteration re-reads the source from the start.
 */
export interface StreamingImageDataset {
  readonly numClasses?: number;
  readonly classNames?: readonly string[];
  /** Key of each sample is available as `sample.key` (the tar member basename). */
  [Symbol.asyncIterator](): AsyncIterator<Sample & { readonly key?: string }>;
}

/** Decodes encoded image bytes (JPEG/PNG/WebP/…) to a `RawImage`; Node uses sharp, browsers canvas. */
export type ImageDecoder = (bytes: Uint8Array, options?: DecodeOptions) => Promise<RawImage>;

/** Options shared by every decoder. */
export interface DecodeOptions {
  /** Output channels: 3 converts grey/alpha to RGB (default), 1 converts to luma. */
  channels?: 1 | 3;
  /** Name used in error messages (file path or tar member). */
  name?: string;
}

/** A float image, channels-last: `data.length = H·W·C`, typically normalised. */
export interface FloatImage {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

/** What a loader transform returns: the encoder view and, optionally, the tokenizer view (BEiT's second size). */
export interface TransformedViews {
  readonly image: FloatImage;
  readonly tokenizer?: FloatImage;
}
