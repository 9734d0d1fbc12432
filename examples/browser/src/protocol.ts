/** Messages between the page and the training worker. */
import type { BackendChoice, BackendInfo } from '@splitmask/core';
import type { ImageArray } from '@splitmask/splitmask';
import type { DemoChoice } from './config';
import type { KnnPoint } from './knn';
import type { ParityResult } from './parity';
import type { StepEvent } from './session';

/** An RGBA picture (ImageData layout). */
export interface Picture {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Page → worker. */
export type ToWorker =
  | { type: 'init'; backend: BackendChoice }
  | {
      type: 'start';
      choice: DemoChoice;
      images: ImageArray;
      /** IndexedDB key of the run (checkpoints). */
      runKey: string;
      resume: boolean;
      checkpointEvery: number;
      /** Data-parallel Web Workers (wasm/cpu, cross-origin isolated pages); 1 = the session worker alone. */
      workers?: number;
      /** Debug: throw a simulated GPU out-of-memory error at this step on webgpu/webgl (tests the fallback). */
      simulateGpuFailureAt?: number;
      /** k-NN monitor: labelled images (bank = first 256, query = last 128) and its period in steps. */
      knn?: { images: ImageArray; every: number };
    }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'checkpoint' }
  | { type: 'export' }
  | { type: 'parity'; images: ImageArray };

/** Worker → page. */
export type FromWorker =
  | { type: 'backend'; info: BackendInfo }
  | { type: 'status'; message: string }
  | {
      type: 'started';
      step: number;
      resumed: boolean;
      numParams: number;
      /** Threads computing the steps (1 = the session worker alone). */
      workers: number;
      history: StepEvent[];
      knnHistory: KnnPoint[];
    }
  | { type: 'knn'; point: KnnPoint }
  | { type: 'step'; event: StepEvent }
  | { type: 'preview'; step: number; splits: Picture[]; tokens: Picture[]; labels: number[] }
  | { type: 'checkpoint'; step: number; bytes: number; ms: number }
  | { type: 'paused'; step: number }
  | { type: 'done'; step: number }
  | { type: 'export'; bytes: Uint8Array; step: number }
  | { type: 'parity'; result: ParityResult }
  | { type: 'error'; code: string; message: string; fallback?: string };
