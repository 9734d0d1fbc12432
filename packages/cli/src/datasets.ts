/**
 * Datasets for the CLI and the demo, from @splitmask/datasets: the embedded Fashion-MNIST and MNIST
 * (seeded 6:1 train/test split) and image folders (decoded with sharp), materialised once as an
 * in-memory uint8 array at the training resolution (shorter side resized with Pillow-exact bicubic,
 * centre crop), which `createArraySource` then batches deterministically.
 */
import { existsSync, statSync } from 'node:fs';
import { centerCrop, type ImageDataset, resizeShorterSide, toChannels } from '@splitmask/datasets';
import { imageFolder, loadFashionMnist, loadMnist } from '@splitmask/datasets/node';
import { ConfigError, type ImageArray } from '@splitmask/splitmask';

/**
 * Copies up to `limit` images of `ds` (from index 0) into an ImageArray of `size`×`size`×`channels`.
 * Images already at `size` are copied as they are; others are resized (shorter side) and centre-cropped.
 * @example const train = await toImageArray(await loadFashionMnist(), { size: 28, channels: 1 });
 */
export async function toImageArray(
  ds: ImageDataset,
  { size, channels, limit }: { size: number; channels: 1 | 3; limit?: number },
): Promise<ImageArray> {
  const count = Math.min(limit ?? ds.length, ds.length);
  const per = size * size * channels;
  const pixels = new Uint8Array(count * per);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const { image, label } = await ds.get(i);
    let img = toChannels(image, channels);
    if (img.width !== size || img.height !== size)
      img = centerCrop(resizeShorterSide(img, size, 'bicubic'), size);
    pixels.set(img.data, i * per);
    labels[i] = label ?? -1;
  }
  return { pixels, count, size, channels, labels };
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
): Promise<ImageArray> {
  const ds = await openDataset(name, split);
  const embedded = name === 'fashion-mnist' || name === 'mnist';
  const size = embedded && imageSize >= 28 ? 28 : imageSize;
  return toImageArray(ds, { size, channels: inChans === 1 ? 1 : 3, limit });
}
