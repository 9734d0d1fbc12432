/**
 * Loading encoders for evaluation, from either format the project writes:
 * - a SplitMask/BEiT trainer checkpoint (`<dir>/step-XXXXXXXX/{tensors.safetensors, state.json}`, see
 *   @splitmask/splitmask `checkpoint.ts`): tensors `params.encoder.<name>` in the in-memory layout, the
 *   encoder's ViT config derived from `state.json`'s `config.model` (as the trainer's `toVitConfig`: learned
 *   pos-embed, qkv bias, final `norm` on tokens). A run folder picks its newest checkpoint.
 * - a timm-named safetensors file (`toTimmStateDict` layout, e.g. written by `saveEncoderTimm`), its ViT
 *   config from the file's `vit_config` metadata or from the caller (`--config`).
 * Node only (reads files).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  createRng,
  decodeSafetensors,
  disposeParams,
  fromTfTensors,
  InvalidArgumentError,
  SplitmaskError,
  toTfTensors,
  unflattenParams,
} from '@splitmask/core';
import { saveSafetensors } from '@splitmask/core/node';
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

/** Resolves a run folder / checkpoint folder / tensors file to the checkpoint folder, or undefined. */
function trainerFolder(path: string): string | undefined {
  if (statSync(path).isFile()) {
    const dir = join(path, '..');
    return existsSync(join(dir, 'state.json')) && path.endsWith('tensors.safetensors') ? dir : undefined;
  }
  if (existsSync(join(path, 'state.json'))) return path;
  const steps = readdirSync(path)
    .filter((n) => /^step-\d{8}$/.test(n) && existsSync(join(path, n, 'state.json')))
    .sort();
  const last = steps.at(-1);
  return last ? join(path, last) : undefined;
}

function loadTrainer(dir: string): LoadedEncoder {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
    config?: { model?: Record<string, unknown> };
  };
  if (!state.config?.model) throw new EvalCheckpointError(`${dir}/state.json has no config.model`);
  const cfg = vitFromModel(state.config.model);
  const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'tensors.safetensors'))));
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
  const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(path)), { file: path });
  let base: VitInput | undefined = opts.vit;
  if (base === undefined && metadata.vit_config) base = JSON.parse(metadata.vit_config) as VitInput;
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
