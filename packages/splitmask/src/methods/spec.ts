/**
 * A method described as plain data, so a worker thread can build the same method as the main thread:
 * the resolved config, the data normalisation and, for the masked methods, the frozen tokenizer.
 */
import { SplitmaskError } from '@splitmask/core';
import type { CodebookTokenizerConfig } from '@splitmask/tokenizers';
import * as tf from '@tensorflow/tfjs-core';
import type { PretrainConfig } from '../config';
import { createCodebookTokenizer, type Tokenizer } from '../deps';
import type { DinoConfig } from '../dino/config';
import type { Normalization } from '../source';
import type { TrainMethod } from '../train/method';
import { createDinoMethod } from './dino';
import { createMaskedMethod } from './masked';

/** Host copy of a tensor (structured-clone friendly). */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * Everything needed to build a method anywhere: a built-in method's config (SplitMask, BEiT, DINO), or a
 * method from another module (`module`: an ES module URL whose export `export` is called as
 * `factory(options, role)` in each worker — how @splitmask/eval's supervised method runs on workers).
 * A worker's weights are then set from the main thread's, so the factory's initialisation does not matter.
 */
export interface MethodSpec {
  config?: PretrainConfig | DinoConfig;
  normalization: Normalization;
  /** The frozen tokenizer of SplitMask/BEiT: its config and `toTensors()` as host arrays. */
  tokenizer?: { config: CodebookTokenizerConfig; tensors: Record<string, HostTensor> };
  /** A method defined outside this package (structured-clone-able options). */
  module?: { url: string; export: string; options: unknown };
}

/** Host copies of a tokenizer's defining tensors, for a spec (async reads: works on every backend). */
export async function tokenizerSpec(t: Tokenizer): Promise<MethodSpec['tokenizer']> {
  const tensors: Record<string, HostTensor> = {};
  for (const [k, v] of Object.entries(t.toTensors())) {
    tensors[k] = { shape: v.shape.slice(), data: Float32Array.from((await v.data()) as Float32Array) };
  }
  return { config: t.config as CodebookTokenizerConfig, tensors };
}

/**
 * Builds the method of a spec. `tokenizer`, when given, is used as is (the main thread's own);
 * otherwise a codebook tokenizer is rebuilt from the spec (a worker). Returns the tokenizer it built
 * so the caller can dispose it.
 * @example const { method } = createTrainMethod(spec, 'splitmask0');
 */
export function createTrainMethod(
  spec: MethodSpec,
  role: string,
  tokenizer?: Tokenizer,
): { method: TrainMethod; ownTokenizer?: Tokenizer } {
  const cfg = spec.config;
  if (!cfg) {
    throw new SplitmaskError(
      'INVALID_ARGUMENT',
      'createTrainMethod: the spec has no config (a module spec is built by loadTrainMethod)',
    );
  }
  if (cfg.method === 'dino')
    return { method: createDinoMethod({ config: cfg, normalization: spec.normalization, role }) };
  let own: Tokenizer | undefined;
  if (!tokenizer) {
    if (!spec.tokenizer?.tensors.codebook) {
      throw new SplitmaskError(
        'INVALID_ARGUMENT',
        `createTrainMethod: ${cfg.method} needs a codebook tokenizer in the spec (workers rebuild it from its codebook)`,
      );
    }
    const cb = spec.tokenizer.tensors.codebook;
    const codebook = tf.tensor2d(cb.data, cb.shape as [number, number]);
    own = createCodebookTokenizer(spec.tokenizer.config, codebook); // takes ownership of the codebook
  }
  const method = createMaskedMethod({
    config: cfg,
    tokenizer: (tokenizer ?? own) as Tokenizer,
    normalization: spec.normalization,
    role,
  });
  return { method, ownTokenizer: own };
}

/**
 * Builds the method of any spec: a module spec by importing its module (async), else `createTrainMethod`.
 * @example const method = await loadTrainMethod(spec, 'w0');
 */
export async function loadTrainMethod(spec: MethodSpec, role: string): Promise<TrainMethod> {
  if (!spec.module) return createTrainMethod(spec, role).method;
  const mod = (await import(/* @vite-ignore */ spec.module.url)) as Record<string, unknown>;
  const factory = mod[spec.module.export];
  if (typeof factory !== 'function') {
    throw new SplitmaskError(
      'INVALID_ARGUMENT',
      `method module ${spec.module.url} has no function export '${spec.module.export}'`,
    );
  }
  return (factory as (options: unknown, role: string) => TrainMethod)(spec.module.options, role);
}
