/**
 * CIFAR-10/100 "binary version" files (`data_batch_1.bin`, `test_batch.bin`, `train.bin`, `test.bin`):
 * fixed-size records of label byte(s) followed by 3072 pixel bytes stored channel-planar (1024 R, 1024 G,
 * 1024 B, rows top to bottom). CIFAR-10 records have 1 label byte (3073 bytes); CIFAR-100 records have
 * 2 (coarse, fine; 3074 bytes). Images are returned interleaved 32×32×3.
 */
import { checkArg, checkIndex, DatasetError } from '../errors';
import type { ImageDataset } from '../types';

/** CIFAR-10 class names (`batches.meta.txt`). */
export const CIFAR10_CLASS_NAMES: readonly string[] = Object.freeze([
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
]);

/** Options of the CIFAR parsers. */
export interface CifarOptions {
  /** 10 (default) or 100. */
  variant?: 10 | 100;
  /** CIFAR-100 only: 'fine' (100 classes, default) or 'coarse' (20 superclasses). */
  labels?: 'fine' | 'coarse';
}

/** One CIFAR file's bytes with the name used in error messages. */
export interface CifarFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * A dataset over the concatenated records of several CIFAR binary files (bytes already in memory).
 * Sizes are checked up front: a file whose length is not a multiple of the record size is an error
 * naming it. [32, 32, 3] uint8 images, labels in [0, numClasses).
 * @example const ds = cifarFromBytes([{ name: 'data_batch_1.bin', bytes }]);
 */
export function cifarFromBytes(files: readonly CifarFile[], options: CifarOptions = {}): ImageDataset {
  const variant = options.variant ?? 10;
  checkArg(variant === 10 || variant === 100, `cifar: variant must be 10 or 100, got ${variant}`);
  const labelBytes = variant === 10 ? 1 : 2;
  const labelOffset = variant === 100 && options.labels !== 'coarse' ? 1 : 0;
  const numClasses = variant === 10 ? 10 : options.labels === 'coarse' ? 20 : 100;
  const record = labelBytes + 3072;
  if (files.length === 0) throw new DatasetError('EMPTY_DATASET', 'cifar: no files given');
  const starts: number[] = [];
  let length = 0;
  for (const f of files) {
    if (f.bytes.length === 0 || f.bytes.length % record !== 0)
      throw new DatasetError(
        'WRONG_SIZE',
        `cifar: ${f.name} has ${f.bytes.length} bytes, not a positive multiple of the CIFAR-${variant} record size ${record}`,
        { path: f.name },
      );
    starts.push(length);
    length += f.bytes.length / record;
  }
  return {
    length,
    numClasses,
    classNames: variant === 10 ? CIFAR10_CLASS_NAMES : undefined,
    get: async (i) => {
      checkIndex(i, length, 'cifar');
      let k = starts.length - 1;
      while (starts[k] > i) k--;
      const { bytes, name } = files[k];
      const base = (i - starts[k]) * record;
      const label = bytes[base + labelOffset];
      if (label >= numClasses)
        throw new DatasetError(
          'CORRUPT_IMAGE',
          `cifar: ${name} record ${i - starts[k]} has label ${label} >= ${numClasses}`,
          {
            path: name,
            index: i,
          },
        );
      const planes = bytes.subarray(base + labelBytes, base + record);
      const data = new Uint8Array(3072);
      for (let p = 0; p < 1024; p++) {
        data[3 * p] = planes[p];
        data[3 * p + 1] = planes[1024 + p];
        data[3 * p + 2] = planes[2048 + p];
      }
      return { image: { data, width: 32, height: 32, channels: 3 }, label };
    },
  };
}
