/**
 * The images of an experiment: a dataset's train/test splits (Fashion-MNIST, MNIST or an image folder),
 * class-balanced subsets and the fixed validation split held out of the train images.
 */
import { join } from 'node:path';
import { centerCrop, resizeShorterSide } from '@splitmask/datasets';
import { imageFolder, loadFashionMnist, loadMnist } from '@splitmask/datasets/node';
import { classBalancedSubset } from '@splitmask/eval';

/** The classes of Fashion-MNIST and MNIST; every evaluation of the harness assumes 10. */
export const NUM_CLASSES = 10;

/**
 * A split of the data: the embedded datasets, or `<folder>/<split>` with one subfolder per class, decoded
 * to the preset's channels (grey: Pillow's luma of RGB).
 */
async function loadSplit(data, split, channels) {
  if (data === 'fashion-mnist') return loadFashionMnist({ split });
  if (data === 'mnist') return loadMnist({ split });
  return imageFolder(join(data, split), { channels });
}

/**
 * An image at the preset's size, as the CLI and @splitmask/eval's features prepare a folder's images:
 * torchvision's `Resize(size)` + `CenterCrop(size)` (bicubic), so a folder of any image size runs under a
 * preset unchanged; images already at the size pass through.
 */
function fitImage(image, size) {
  return centerCrop(resizeShorterSide(image, size, 'bicubic'), size);
}

/** The seed of the train/validation split: fixed, so every --seed is validated on the same images. */
export const VAL_SPLIT_SEED = 54321;

/** uint8 images (ImageArray for the trainer) and [0, 1] floats + labels (for evaluation) of `idx`. */
async function readImages(ds, idx, labels, size, channels) {
  const per = size * size * channels;
  const u8 = new Uint8Array(idx.length * per);
  for (let j = 0; j < idx.length; j++) {
    const image = fitImage((await ds.get(idx[j])).image, size);
    if (image.channels !== channels)
      throw new Error(
        `image ${idx[j]} has ${image.channels} channels; this preset's model expects ${channels}`,
      );
    u8.set(image.data, j * per);
  }
  const y = Int32Array.from(idx, (i) => labels[i]);
  return {
    array: { pixels: u8, count: idx.length, size, channels, labels: y },
    images: { pixels: Float32Array.from(u8, (v) => v / 255), labels: y, count: idx.length },
  };
}

/**
 * A class-balanced subset of `count` images (0 = all) and, when `valCount` > 0, a class-balanced
 * validation split of `valCount` of them held out (seed VAL_SPLIT_SEED): → { train, val? }.
 */
async function loadImages(ds, count, size, channels, valCount = 0) {
  // an image folder knows its labels from the paths; the embedded sets from their label files
  const labels = ds.labels ?? new Int32Array(ds.length);
  if (!ds.labels) for (let i = 0; i < ds.length; i++) labels[i] = (await ds.get(i)).label;
  const idx =
    count && count < ds.length
      ? classBalancedSubset(labels, count / ds.length, 12345)
      : Int32Array.from(labels.keys());
  if (!valCount) return { train: await readImages(ds, idx, labels, size, channels) };
  const sub = Int32Array.from(idx, (i) => labels[i]);
  const valPos = new Set(classBalancedSubset(sub, valCount / idx.length, VAL_SPLIT_SEED));
  const valIdx = idx.filter((_, j) => valPos.has(j));
  const trainIdx = idx.filter((_, j) => !valPos.has(j));
  return {
    train: await readImages(ds, trainIdx, labels, size, channels),
    val: await readImages(ds, valIdx, labels, size, channels),
  };
}

/**
 * The images of a preset's split: train (minus the validation images), validation (when
 * `preset.valImages` > 0) and test, each { array (uint8, for the trainer), images ([0, 1] floats) }.
 */
export async function loadSplitImages(data, preset) {
  const m = preset.pretrain.model;
  const trainDs = await loadSplit(data, 'train', m.inChans);
  const { train, val } = await loadImages(
    trainDs,
    preset.trainImages,
    m.imageSize,
    m.inChans,
    preset.valImages ?? 0,
  );
  const { train: test } = await loadImages(
    await loadSplit(data, 'test', m.inChans),
    preset.testImages,
    m.imageSize,
    m.inChans,
  );
  return { train, val, test, classNames: trainDs.classNames };
}
