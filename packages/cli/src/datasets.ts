/**
 * Datasets for the CLI and the demo, from @splitmask/datasets: the embedded Fashion-MNIST and MNIST
 * (seeded 6:1 train/test split) and image folders (decoded with sharp), materialised once as an
 * in-memory uint8 array at the training resolution (shorter side resized with Pillow-exact bicubic,
 * centre crop), which `createArraySource` then batches deterministically.
 */
import { existsSync, statSync } from 'node:fs';
import {
  centerCrop,
  DatasetError,
  type ImageDataset,
  resizeShorterSide,
  toChannels,
} from '@splitmask/datasets';
import { imageFolder, loadFashionMnist, loadMnist } from '@splitmask/datasets/node';
import { ConfigError, type ImageArray } from '@splitmask/splitmask';

/** A file the loader skipped, and why. */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** ImageArray plus what was skipped on the way (undecodable, truncated, unreadable or non-image files). */
export interface LoadedImages extends ImageArray {
  skipped: SkippedFile[];
}

function fileOf(ds: ImageDataset, i: number): string {
  return (ds as { files?: readonly string[] }).files?.[i] ?? `sample ${i}`;
}

/**
 * Copies up to `limit` images of `ds` (from index 0) into an ImageArray of `size`×`size`×`channels`.
 * Images already at `size` are copied as they are; others are resized (shorter side) and centre-cropped.
 * Samples that fail to load (DatasetError: corrupt, truncated, unsupported, missing) are skipped and
 * listed in `skipped`, unless `strict` (then the first one throws). No readable image at all is an
 * EMPTY_DATASET error naming the first failures.
 * @example const train = await toImageArray(await loadFashionMnist(), { size: 28, channels: 1 });
 */
export async function toImageArray(
  ds: ImageDataset,
  {
    size,
    channels,
    limit,
    strict = false,
  }: { size: number; channels: 1 | 3; limit?: number; strict?: boolean },
): Promise<LoadedImages> {
  const want = Math.min(limit ?? ds.length, ds.length);
  const per = size * size * channels;
  const pixels = new Uint8Array(want * per);
  const labels = new Int32Array(want);
  const skipped: SkippedFile[] =
    (ds as { ignored?: readonly string[] }).ignored?.map((file) => ({
      file,
      reason: 'not an image file (extension)',
    })) ?? [];
  let count = 0;
  for (let i = 0; i < ds.length && count < want; i++) {
    let sample: Awaited<ReturnType<ImageDataset['get']>>;
    try {
      sample = await ds.get(i);
    } catch (e) {
      if (strict || !(e instanceof DatasetError)) throw e;
      skipped.push({ file: e.path ?? fileOf(ds, i), reason: e.message.replace(`${e.path}: `, '') });
      continue;
    }
    let img = toChannels(sample.image, channels);
    if (img.width !== size || img.height !== size)
      img = centerCrop(resizeShorterSide(img, size, 'bicubic'), size);
    pixels.set(img.data, count * per);
    labels[count] = sample.label ?? -1;
    count++;
  }
  if (count === 0 && want > 0) {
    const first = skipped.slice(0, 3).map((s) => `${s.file}: ${s.reason}`);
    throw new DatasetError(
      'EMPTY_DATASET',
      `no readable image among ${ds.length} file(s)${first.length ? ` (${first.join('; ')})` : ''}`,
    );
  }
  return {
    pixels: count === want ? pixels : pixels.slice(0, count * per),
    count,
    size,
    channels,
    labels: count === want ? labels : labels.slice(0, count),
    skipped,
  };
}

/**
 * One line about skipped files (count and the first few with reasons), or undefined when none.
 * @example summarizeSkipped(skipped, 'runs/a/skipped-files.txt')
 */
export function summarizeSkipped(
  skipped: readonly SkippedFile[],
  listFile?: string,
  first = 3,
): string | undefined {
  if (skipped.length === 0) return undefined;
  const names = skipped.slice(0, first).map((s) => `${s.file} (${s.reason})`);
  const more = skipped.length > first ? `, and ${skipped.length - first} more` : '';
  return `skipped ${skipped.length} file(s) that are not readable images: ${names.join('; ')}${more}${listFile ? `; full list: ${listFile}` : ''}. Use --strict to stop at the first bad file.`;
}

/** Every `step`-th index first: a class-balanced prefix of a class-ordered dataset. */
function interleave(ds: ImageDataset, numClasses: number): ImageDataset {
  const per = Math.ceil(ds.length / numClasses);
  const order: number[] = [];
  for (let j = 0; j < per; j++) {
    for (let c = 0; c < numClasses; c++) {
      const i = Math.round((c * ds.length) / numClasses) + j;
      if (i < Math.round(((c + 1) * ds.length) / numClasses)) order.push(i);
    }
  }
  return { ...ds, length: order.length, get: (i) => ds.get(order[i]) };
}

/**
 * Loads `fashion-mnist`, `mnist` or an image folder (class sub-folders) as an ImageDataset. The
 * embedded sets are class-ordered; they come back interleaved so any prefix is class-balanced.
 * @example const test = await openDataset('fashion-mnist', 'test');
 */
export async function openDataset(name: string, split: 'train' | 'test' = 'train'): Promise<ImageDataset> {
  if (name === 'fashion-mnist') return interleave(await loadFashionMnist({ split }), 10);
  if (name === 'mnist') return interleave(await loadMnist({ split }), 10);
  if (existsSync(name) && statSync(name).isDirectory()) return imageFolder(name);
  throw new ConfigError(
    [`dataset '${name}': expected fashion-mnist, mnist or a folder of images (one sub-folder per class)`],
    'command line',
  );
}

/**
 * Opens `name` and materialises up to `limit` images for a model of `imageSize` px and `inChans`
 * channels: the 28 px embedded sets stay at 28 px when the model is larger (zero-padded by the source),
 * everything else is resized to imageSize.
 * @example const train = await loadImages('fashion-mnist', 'train', cfg.model);
 */
export async function loadImages(
  name: string,
  split: 'train' | 'test',
  { imageSize, inChans }: { imageSize: number; inChans: number },
  limit?: number,
  options: { strict?: boolean } = {},
): Promise<LoadedImages> {
  const ds = await openDataset(name, split);
  const embedded = name === 'fashion-mnist' || name === 'mnist';
  const size = embedded && imageSize >= 28 ? 28 : imageSize;
  try {
    return await toImageArray(ds, { size, channels: inChans === 1 ? 1 : 3, limit, strict: options.strict });
  } catch (e) {
    if (e instanceof DatasetError && e.reason === 'EMPTY_DATASET' && !embedded)
      throw new DatasetError('EMPTY_DATASET', `${name}: ${e.message}`, { path: name, cause: e });
    throw e;
  }
}
