/**
 * Node file readers for the byte-level sources: CIFAR binaries and WebDataset tar shards.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DatasetError } from '../errors';
import { type CifarOptions, cifarFromBytes } from '../sources/cifar';
import { type WebDatasetOptions, webDataset } from '../sources/web-dataset';
import type { ImageDataset, StreamingImageDataset } from '../types';
import { sharpDecoder } from './decode-sharp';

/**
 * CIFAR-10/100 binary files supplied by the user (e.g. `cifar-10-batches-bin/data_batch_{1..5}.bin`).
 * @example const train = await cifarBinary(['data_batch_1.bin', 'data_batch_2.bin']);
 */
export async function cifarBinary(
  paths: readonly string[],
  options: CifarOptions = {},
): Promise<ImageDataset> {
  const files = await Promise.all(
    paths.map(async (name) => {
      try {
        return { name, bytes: new Uint8Array(await readFile(name)) };
      } catch (e) {
        throw new DatasetError(
          'MISSING_FILE',
          `cifarBinary: cannot read ${name} (${(e as { code?: string }).code ?? e})`,
          {
            path: name,
            cause: e,
          },
        );
      }
    }),
  );
  return cifarFromBytes(files, options);
}

/**
 * WebDataset tar shards on disk, streamed (64 KiB reads), decoded with sharp unless `decode` is given.
 * @example for await (const s of webDatasetShards(['shard-000.tar'])) console.log(s.key, s.label);
 */
export function webDatasetShards(
  paths: readonly string[],
  options: Partial<WebDatasetOptions> = {},
): StreamingImageDataset {
  const shards = paths.map((name) => ({
    name,
    open: async function* () {
      try {
        for await (const chunk of createReadStream(name, { highWaterMark: 1 << 16 }))
          yield chunk as Uint8Array;
      } catch (e) {
        throw new DatasetError(
          'MISSING_FILE',
          `webDatasetShards: cannot read ${name} (${(e as { code?: string }).code ?? e})`,
          {
            path: name,
            cause: e,
          },
        );
      }
    },
  }));
  return webDataset(shards, { decode: sharpDecoder, ...options });
}
