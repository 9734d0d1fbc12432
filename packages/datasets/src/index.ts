/**
 * @splitmask/datasets — image sources, decoding and seeded augmentations (browser-safe entry).
 *
 * Pure TypeScript on typed arrays: no tfjs, no Node built-ins. Batches come out as Float32Array + shape
 * for the trainer to turn into tensors. Node-only sources (folders, sharp, CIFAR/tar files, the embedded
 * Fashion-MNIST/MNIST files) live in `@splitmask/datasets/node`.
 */
export { createBrowserDecoder, rgbaToRgb } from './decode-browser';
export type { DatasetErrorReason } from './errors';
export { DatasetError } from './errors';
export type { Batch, BatchLoader, BatchLoaderOptions, BatchLoaderState, TransformExecutor } from './loader';
export { createBatchLoader } from './loader';
export type { TransformPort } from './port-executor';
export { createPortExecutor, serveTransforms } from './port-executor';
export {
  createRawImage,
  IMAGENET_MEAN,
  IMAGENET_STD,
  INCEPTION_MEAN,
  INCEPTION_STD,
  normalize,
  toChannels,
} from './raw-image';
export type { EncodedImage, EncodedImagesOptions } from './sources/blobs';
export { encodedImages } from './sources/blobs';
export type { CifarFile, CifarOptions } from './sources/cifar';
export { CIFAR10_CLASS_NAMES, cifarFromBytes } from './sources/cifar';
export type { EmbeddedOptions } from './sources/embedded';
export {
  classJsonToBytes,
  createEmbeddedDataset,
  EMBEDDED_SPLIT_SEED,
  embeddedTestIndices,
  FASHION_MNIST_CLASS_NAMES,
  MNIST_CLASS_NAMES,
} from './sources/embedded';
export type { SyntheticShapesOptions } from './sources/synthetic-shapes';
export { SYNTHETIC_CLASS_NAMES, syntheticShapes } from './sources/synthetic-shapes';
export type { TarEntry, WebDatasetRecord } from './sources/tar';
export { groupWebDataset, readTar, splitKey } from './sources/tar';
export type { Shard, WebDatasetOptions } from './sources/web-dataset';
export { webDataset } from './sources/web-dataset';
export { gaussianBlur } from './transforms/blur';
export {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  hflip,
  solarize,
  toGreyscale,
} from './transforms/color';
export type { CropBox, CropBoxOptions, UniformSource } from './transforms/crop-box';
export { pyRound, sampleCropBox } from './transforms/crop-box';
export type {
  ColorJitterOptions,
  EvalOptions,
  ImageTransform,
  PhotometricOptions,
  TransformSpec,
  TwoViewOptions,
} from './transforms/pipeline';
export {
  centerCrop,
  createEvalTransform,
  createTwoViewTransform,
  resizeShorterSide,
  transformFromSpec,
} from './transforms/pipeline';
export type { Interpolation } from './transforms/resample';
export { crop, resize } from './transforms/resample';
export type {
  DecodeOptions,
  FloatImage,
  ImageDataset,
  ImageDecoder,
  RawImage,
  Sample,
  StreamingImageDataset,
  TransformedViews,
} from './types';
