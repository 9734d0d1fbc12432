/**
 * A dataset over in-memory encoded images: browser `File`s from a file picker or drag-and-drop, `Blob`s,
 * fetched `ArrayBuffer`s, or bytes. Decoding is lazy (per `get`) with the given decoder
 * (`createBrowserDecoder()` in browsers, `sharpDecoder` in Node), so the same code runs in both.
 */
import { checkIndex, DatasetError } from '../errors';
import type { DecodeOptions, ImageDataset, ImageDecoder } from '../types';

/** Anything with the bytes of one encoded image (`File` and `Blob` qualify). */
export interface EncodedImage {
  /** Name used in error messages (e.g. `File.name`). */
  readonly name: string;
  readonly data?: Uint8Array;
  arrayBuffer?(): Promise<ArrayBuffer>;
}

/** Options of `encodedImages`. */
export interface EncodedImagesOptions extends Pick<DecodeOptions, 'channels'> {
  decode: ImageDecoder;
  /** Labels, one per entry (all or none). */
  labels?: ArrayLike<number>;
  numClasses?: number;
  classNames?: readonly string[];
}

/**
 * Wraps encoded images (e.g. the `FileList` of `<input type="file" multiple>`) as a dataset.
 * @example const ds = encodedImages(Array.from(input.files), { decode: createBrowserDecoder() });
 */
export function encodedImages(entries: readonly EncodedImage[], options: EncodedImagesOptions): ImageDataset {
  if (entries.length === 0) throw new DatasetError('EMPTY_DATASET', 'encodedImages: no images given');
  const { labels } = options;
  if (labels && labels.length !== entries.length)
    throw new DatasetError(
      'INVALID_ARGUMENT',
      `encodedImages: ${labels.length} labels for ${entries.length} images`,
    );
  const numClasses = labels ? (options.numClasses ?? Math.max(...Array.from(labels)) + 1) : undefined;
  return {
    length: entries.length,
    numClasses,
    classNames: options.classNames,
    get: async (i) => {
      checkIndex(i, entries.length, 'encodedImages');
      const e = entries[i];
      let bytes = e.data instanceof Uint8Array ? e.data : undefined;
      if (!bytes) {
        if (typeof e.arrayBuffer !== 'function')
          throw new DatasetError(
            'MISSING_FILE',
            `encodedImages: entry ${i} (${e.name}) has neither data nor arrayBuffer()`,
            {
              path: e.name,
              index: i,
            },
          );
        bytes = new Uint8Array(await e.arrayBuffer());
      }
      const image = await options.decode(bytes, { channels: options.channels, name: e.name });
      return labels ? { image, label: labels[i] } : { image };
    },
  };
}
