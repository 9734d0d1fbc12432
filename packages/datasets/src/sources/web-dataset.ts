/**
 * WebDataset-style tar shards as a streaming dataset: each sample's image member (jpg/jpeg/png/webp) is
 * decoded with the given decoder and its `.cls` member (decimal text) becomes the label. Shards are read
 * in order, one at a time, so datasets larger than memory stream through.
 */
import { DatasetError } from '../errors';
import type { DecodeOptions, ImageDecoder, Sample, StreamingImageDataset } from '../types';
import { groupWebDataset, readTar } from './tar';

/** A shard: its name (for messages) and a function opening its byte stream (called once per pass). */
export interface Shard {
  name: string;
  open: () => AsyncIterable<Uint8Array>;
}

/** Options of `webDataset`. */
export interface WebDatasetOptions extends Pick<DecodeOptions, 'channels'> {
  decode: ImageDecoder;
  /** Member extensions tried in order for the image. Default jpg, jpeg, png, webp. */
  imageExtensions?: readonly string[];
  numClasses?: number;
  classNames?: readonly string[];
  /** 'raise' (default) rejects on a bad sample; 'skip' drops it and calls `onSkip`. */
  onError?: 'raise' | 'skip';
  onSkip?: (error: DatasetError) => void;
}

const DEFAULT_EXTS = ['jpg', 'jpeg', 'png', 'webp'];

/**
 * Streams decoded samples from tar shards.
 * @example
 * const ds = webDataset([{ name: 'a.tar', open: () => fs.createReadStream('a.tar') }], { decode: sharpDecoder });
 * for await (const { image, label, key } of ds) {}
 */
export function webDataset(shards: readonly Shard[], options: WebDatasetOptions): StreamingImageDataset {
  if (shards.length === 0) throw new DatasetError('EMPTY_DATASET', 'webDataset: no shards given');
  const exts = options.imageExtensions ?? DEFAULT_EXTS;
  async function* iterate(): AsyncGenerator<Sample & { key: string }> {
    for (const shard of shards) {
      for await (const rec of groupWebDataset(readTar(shard.open(), shard.name))) {
        const where = `${shard.name}:${rec.key}`;
        try {
          const ext = exts.find((e) => rec.files[e] !== undefined);
          if (ext === undefined)
            throw new DatasetError('UNSUPPORTED_FORMAT', `${where}: no image member (${exts.join('/')})`, {
              path: where,
            });
          const image = await options.decode(rec.files[ext], {
            channels: options.channels,
            name: `${where}.${ext}`,
          });
          const cls = rec.files.cls;
          let label: number | undefined;
          if (cls !== undefined) {
            label = Number.parseInt(new TextDecoder().decode(cls).trim(), 10);
            if (!Number.isInteger(label) || label < 0)
              throw new DatasetError('CORRUPT_IMAGE', `${where}.cls: not a non-negative integer label`, {
                path: where,
              });
          }
          yield label === undefined ? { image, key: rec.key } : { image, label, key: rec.key };
        } catch (e) {
          if (options.onError !== 'skip' || !(e instanceof DatasetError)) throw e;
          options.onSkip?.(e);
        }
      }
    }
  }
  return {
    numClasses: options.numClasses,
    classNames: options.classNames,
    [Symbol.asyncIterator]: () => iterate(),
  };
}
