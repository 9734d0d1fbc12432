/**
 * Synchronous safetensors reads for start-up code (checkpoint folders, evaluation): as bounded as the
 * async reader. Only regular files are read, at most the size `stat` reported, and a file that grows
 * while being read is refused; every error names the path.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { decodeSafetensors, type SafetensorsReadOptions, type SafetensorsTensor } from './safetensors';
import { SafetensorsError } from './safetensors-error';

/**
 * Reads a whole regular file, never more than the size `stat` reports (FIFOs, devices, folders refused).
 * Throws SafetensorsError `SAFETENSORS_NOT_A_FILE` for those; Node's ENOENT/EACCES errors pass through.
 * @example const bytes = readFileBoundedSync('run/state.json');
 */
export function readFileBoundedSync(path: string): Uint8Array {
  const st = statSync(path);
  if (!st.isFile()) {
    const kind = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a FIFO' : 'not a regular file';
    throw new SafetensorsError('SAFETENSORS_NOT_A_FILE', { file: path }, `is ${kind}, not a regular file`);
  }
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const out = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, out, done, size - done, done);
      if (n === 0)
        throw new SafetensorsError(
          'SAFETENSORS_TRUNCATED',
          { file: path },
          `file ended at byte ${done} of ${size}`,
        );
      done += n;
    }
    if (readSync(fd, new Uint8Array(1), 0, 1, size) !== 0)
      throw new SafetensorsError(
        'SAFETENSORS_INVALID_OFFSETS',
        { file: path },
        `file grew past the ${size} bytes it had when opened (still being written?)`,
      );
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a whole safetensors file synchronously (see `decodeSafetensors`); errors name the path.
 * @example const { tensors } = loadSafetensorsSync('run/checkpoints/step-00000100/tensors.safetensors');
 */
export function loadSafetensorsSync(
  path: string,
  options: Omit<SafetensorsReadOptions, 'file'> = {},
): { tensors: Record<string, SafetensorsTensor>; metadata: Record<string, string> } {
  return decodeSafetensors(readFileBoundedSync(path), { ...options, file: path });
}
