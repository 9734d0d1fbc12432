/**
 * How this app initialises a tfjs backend inside a Web Worker (the session worker and the data-parallel
 * training workers): the bundler's importers and wasm file URLs, and tfjs-wasm kept single-threaded
 * (its threaded build starts pthread workers from a blob of its own source, which breaks once bundled).
 */
import { type BackendChoice, type BackendInfo, initBackend } from '@splitmask/core';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs-core';

export const importers = {
  '@tensorflow/tfjs-backend-cpu': () => import('@tensorflow/tfjs-backend-cpu'),
  '@tensorflow/tfjs-backend-wasm': () => import('@tensorflow/tfjs-backend-wasm'),
  '@tensorflow/tfjs-backend-webgl': () => import('@tensorflow/tfjs-backend-webgl'),
  '@tensorflow/tfjs-backend-webgpu': () => import('@tensorflow/tfjs-backend-webgpu'),
};

export const wasmPaths = {
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
};

/**
 * Initialises `choice` in this worker with the app's importers and wasm URLs.
 * @example const info = await initWorkerBackend('wasm');
 */
export async function initWorkerBackend(choice: BackendChoice): Promise<BackendInfo> {
  if (choice === 'auto' || choice === 'wasm') {
    await importers['@tensorflow/tfjs-backend-wasm']();
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  return initBackend(choice, { importers, wasmPaths });
}
