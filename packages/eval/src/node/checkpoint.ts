/**
 * Loading encoders for evaluation, from either format the project writes:
 * - a SplitMask/BEiT trainer checkpoint (`<dir>/step-XXXXXXXX/{tensors.safetensors, state.json}`, see
 *   @splitmask/splitmask `checkpoint.ts`): tensors `params.encoder.<name>` in the in-memory layout, the
 *   encoder's ViT config derived from `state.json`'s `config.model` (as the trainer's `toVitConfig`: learned
 *   pos-embed, qkv bias, final `norm` on tokens). A run folder (the CLI's `--out`, or its `checkpoints/`)
 *   picks its newest checkpoint; a broken newest one is reported, not skipped.
 * - a timm-named safetensors file (`toTimmStateDict` layout, e.g. written by `saveEncoderTimm`), its ViT
 *   config from the file's `vit_config` metadata or from the caller (`--config`).
 * Node only (reads files).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  createRng,
  disposeParams,
  fromTfTensors,
  InvalidArgumentError,
  SplitmaskError,
  toTfTensors,
  unflattenParams,
} from '@splitmask/core';
import { loadSafetensorsSync, readFileBoundedSync, saveSafetensors } from '@splitmask/core/node';
import {
  fromTimmStateDict,
  initVitParams,
  resolveVitConfig,
  toTimmStateDict,
  type VitConfig,
  type VitParams,
} from '@splitmask/vit';
import * as tf from '@tensorflow/tfjs-core';

/** A checkpoint that cannot be read as an encoder; the message names the file and what is wrong. */
export class EvalCheckpointError extends SplitmaskError {
  constructor(message: string) {
    super('EVAL_CHECKPOINT', message);
  }
}

/** An encoder read from disk (caller disposes `params`). */
export interface LoadedEncoder {
  params: VitParams;
  cfg: VitConfig;
  format: 'trainer' | 'timm';
  path: string;
}

type VitInput = Parameters<typeof resolveVitConfig>[0];

/** The trainer's `toVitConfig(config.model)`. */
function vitFromModel(m: Record<string, unknown>): VitConfig {
  return resolveVitConfig({
    imageSize: m.imageSize as number,
    patchSize: m.patchSize as number,
    inChans: m.inChans as number,
    embedDim: m.embedDim as number,
    depth: m.depth as number,
    numHeads: m.numHeads as number,
    mlpRatio: m.mlpRatio as number,
    qkvBias: true,
    dropPathRate: 0,
    posEmbed: 'learned',
    pool: 'cls',
  });
}

const STEP = /^step-\d{8}$/;

/** The newest `step-XXXXXXXX` folder of `dir` (complete or not: a broken one is reported, not skipped). */
function newestStep(dir: string): string | undefined {
  const last = readdirSync(dir)
    .filter((n) => STEP.test(n))
    .sort()
    .at(-1);
  return last ? join(dir, last) : undefined;
}

/**
 * Resolves what a user passes to the trainer checkpoint folder, or undefined for a plain file:
 * `<run>` (the CLI's `--out`, holding `checkpoints/`), `<run>/checkpoints`, `<run>/checkpoints/step-N`, or
 * `<…>/step-N/tensors.safetensors`.
 */
function trainerFolder(path: string): string | undefined {
  if (statSync(path).isFile()) {
    const dir = dirname(path);
    return basename(path) === 'tensors.safetensors' && existsSync(join(dir, 'state.json')) ? dir : undefined;
  }
  if (existsSync(join(path, 'state.json')) || STEP.test(basename(path))) return path;
  const own = newestStep(path);
  if (own) return own;
  const sub = join(path, 'checkpoints');
  return existsSync(sub) && statSync(sub).isDirectory() ? newestStep(sub) : undefined;
}

function readState(dir: string): { config?: { model?: Record<string, unknown> } } {
  const file = join(dir, 'state.json');
  if (!existsSync(file))
    throw new EvalCheckpointError(`${dir}: state.json is missing (incomplete checkpoint)`);
  try {
    const state = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(readFileBoundedSync(file)));
    if (state === null || typeof state !== 'object' || Array.isArray(state))
      throw new Error(`holds ${JSON.stringify(state)}, not an object`);
    return state;
  } catch (e) {
    throw new EvalCheckpointError(`${file}: not a valid checkpoint state (${(e as Error).message})`);
  }
}

function readTensors(file: string) {
  if (!existsSync(file)) throw new EvalCheckpointError(`${file} is missing (incomplete checkpoint)`);
  try {
    return loadSafetensorsSync(file);
  } catch (e) {
    throw new EvalCheckpointError((e as Error).message);
  }
}

function loadTrainer(dir: string): LoadedEncoder {
  const state = readState(dir);
  if (!state.config?.model) throw new EvalCheckpointError(`${dir}/state.json has no config.model`);
  const cfg = vitFromModel(state.config.model);
  const { tensors } = readTensors(join(dir, 'tensors.safetensors'));
  const prefix = 'params.encoder.';
  const picked = Object.fromEntries(
    Object.entries(tensors)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  );
  if (Object.keys(picked).length === 0)
    throw new EvalCheckpointError(
      `${dir}/tensors.safetensors has no '${prefix}*' tensors (not a trainer checkpoint?)`,
    );
  const flat = toTfTensors(picked);
  const template = initVitParams(cfg, createRng(0));
  try {
    return { params: unflattenParams(template, flat), cfg, format: 'trainer', path: dir };
  } catch (e) {
    tf.dispose(Object.values(flat));
    throw new EvalCheckpointError(`${dir}: ${(e as Error).message}`);
  } finally {
    disposeParams(template);
  }
}

/**
 * Reads an encoder from a trainer run/checkpoint folder or a timm-named safetensors file. `vit` (a variant
 * name or partial config) is required for timm files without `vit_config` metadata and overrides it.
 * @example const { params, cfg } = loadEncoderCheckpoint('runs/fmnist/ckpt');
 * @example const enc = loadEncoderCheckpoint('vit.safetensors', { vit: 'Ti/4@28' });
 */
export function loadEncoderCheckpoint(path: string, opts: { vit?: VitInput } = {}): LoadedEncoder {
  if (!existsSync(path)) throw new EvalCheckpointError(`checkpoint ${path} does not exist`);
  const dir = trainerFolder(path);
  if (dir) return loadTrainer(dir);
  if (statSync(path).isDirectory())
    throw new EvalCheckpointError(`${path} is a folder without state.json or step-XXXXXXXX checkpoints`);
  const { tensors, metadata } = readTensors(path);
  let base: VitInput | undefined = opts.vit;
  if (base === undefined && metadata.vit_config) {
    try {
      base = JSON.parse(metadata.vit_config) as VitInput;
    } catch (e) {
      throw new EvalCheckpointError(`${path}: vit_config metadata is not JSON (${(e as Error).message})`);
    }
  }
  if (base === undefined)
    throw new InvalidArgumentError(
      `loadEncoderCheckpoint: ${path} has no vit_config metadata; pass the ViT config (--config or opts.vit)`,
    );
  const cfg = resolveVitConfig(base, { numClasses: 0, dropPathRate: 0 });
  const strip = (k: string) => k.replace(/^(params\.)?(module\.|model\.|encoder\.)/, '');
  const dict = toTfTensors(Object.fromEntries(Object.entries(tensors).map(([k, v]) => [strip(k), v])));
  try {
    return { params: fromTimmStateDict(dict, cfg, { allowUnexpected: true }), cfg, format: 'timm', path };
  } finally {
    tf.dispose(Object.values(dict));
  }
}

/**
 * Writes an encoder as a timm-named safetensors file with its config in the `vit_config` metadata.
 * @example await saveEncoderTimm('vit.safetensors', params, cfg);
 */
export async function saveEncoderTimm(path: string, params: VitParams, cfg: VitConfig): Promise<void> {
  const sd = toTimmStateDict(params, cfg);
  try {
    await saveSafetensors(path, await fromTfTensors(sd), { vit_config: JSON.stringify(cfg), format: 'pt' });
  } finally {
    tf.dispose(Object.values(sd));
  }
}
