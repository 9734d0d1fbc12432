/**
 * Reading one checkpoint folder (`state.json` + `tensors.safetensors`) with every failure a typed
 * `CheckpointError` naming the path and the reason: missing files, garbled JSON, missing or mistyped
 * fields, a malformed tensors file, NaN/Inf in any float tensor (a tokenizer codebook included). Reads are
 * bounded by the size `stat` reports, so a symlink to an endless device is refused, not read forever.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsError, type SafetensorsTensor } from '@splitmask/core';
import { loadSafetensorsSync, readFileBoundedSync } from '@splitmask/core/node';
import { CheckpointError } from './errors';

/** Everything besides tensors that a checkpoint stores (JSON). */
export interface CheckpointState {
  step: number;
  fingerprint: string;
  config: Record<string, unknown>;
  /** The run that wrote it (absent in checkpoints written before runs had ids). */
  runId?: string;
  /** Every `resume` that extended the run: at which step, and which config fields changed. */
  extensions?: CheckpointExtension[];
  [key: string]: unknown;
}

/** A resume that changed `train.steps` (or another extendable field) of a run. */
export interface CheckpointExtension {
  atStep: number;
  changed: string[];
  at: string;
}

/** A checkpoint read back: host tensors (caller turns them into tensors) and the JSON state. */
export interface LoadedCheckpoint {
  path: string;
  tensors: Record<string, SafetensorsTensor>;
  state: CheckpointState;
}

/** Run id of checkpoints written before run ids existed. */
export const LEGACY_RUN_ID = 'legacy';

/** The run id a state belongs to. */
export function runIdOf(state: { runId?: unknown }): string {
  return typeof state.runId === 'string' ? state.runId : LEGACY_RUN_ID;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Issues with the fields every checkpoint has, plus the optimizer state when `optim.*` tensors exist. */
function stateIssues(state: Record<string, unknown>, tensorNames: string[], required: readonly string[]) {
  const issues: string[] = [];
  if (!Number.isSafeInteger(state.step) || (state.step as number) < 0)
    issues.push(`"step" must be a non-negative integer, got ${JSON.stringify(state.step)}`);
  if (typeof state.fingerprint !== 'string')
    issues.push(`"fingerprint" must be a string, got ${JSON.stringify(state.fingerprint)}`);
  if (!isObject(state.config)) issues.push(`"config" must be an object, got ${JSON.stringify(state.config)}`);
  if (state.runId !== undefined && typeof state.runId !== 'string')
    issues.push(`"runId" must be a string, got ${JSON.stringify(state.runId)}`);
  for (const key of required) if (!(key in state)) issues.push(`"${key}" is missing`);
  if (tensorNames.some((n) => n.startsWith('optim.'))) {
    const key = 'optimizer' in state ? 'optimizer' : 'optim';
    const opt = state[key];
    if (!isObject(opt) || !Number.isSafeInteger(opt.stepCount) || !isObject(opt.paramSteps))
      issues.push(
        `"${key}" must be { stepCount: integer, paramSteps: object } (the tensors hold optimizer moments), got ${JSON.stringify(opt)}`,
      );
  }
  return issues;
}

/** First non-finite element of a float tensor, or -1. */
function firstNonFinite(t: SafetensorsTensor): number {
  if (!(t.data instanceof Float32Array)) return -1;
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (d[i] - d[i] !== 0) return i;
  return -1;
}

/** Parses `state.json` of checkpoint folder `path`; throws CheckpointError. */
export function readCheckpointState(path: string): Record<string, unknown> {
  const file = join(path, 'state.json');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileBoundedSync(file));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new CheckpointError('CHECKPOINT_INCOMPLETE', path, 'state.json is missing');
    throw new CheckpointError(
      'CHECKPOINT_CORRUPT',
      path,
      `state.json cannot be read (${(e as Error).message})`,
      {
        cause: e,
      },
    );
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(
      'CHECKPOINT_CORRUPT',
      path,
      `state.json is not valid JSON (${(e as Error).message})`,
      {
        cause: e,
      },
    );
  }
  if (!isObject(state))
    throw new CheckpointError(
      'CHECKPOINT_CORRUPT',
      path,
      `state.json holds ${JSON.stringify(state)}, not an object`,
    );
  return state;
}

/**
 * Reads and validates a checkpoint folder. `required` names extra state keys the caller needs.
 * @example const { state, tensors } = readCheckpoint('runs/a/checkpoints/step-00000100');
 */
export function readCheckpoint(path: string, required: readonly string[] = []): LoadedCheckpoint {
  if (!safeIsDir(path))
    throw new CheckpointError('CHECKPOINT_NOT_FOUND', path, 'is not a checkpoint folder (does not exist)');
  const state = readCheckpointState(path);
  const file = join(path, 'tensors.safetensors');
  let tensors: Record<string, SafetensorsTensor>;
  try {
    tensors = loadSafetensorsSync(file).tensors;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT')
      throw new CheckpointError('CHECKPOINT_INCOMPLETE', path, 'tensors.safetensors is missing');
    const why = e instanceof SafetensorsError ? e.message.replace(`${file}: `, '') : (e as Error).message;
    throw new CheckpointError('CHECKPOINT_CORRUPT', path, `tensors.safetensors: ${why}`, { cause: e });
  }
  const issues = stateIssues(state, Object.keys(tensors), required);
  const named = /step-(\d{8})$/.exec(path.replace(/[\\/]+$/, ''));
  if (named && issues.length === 0 && Number(named[1]) !== state.step)
    issues.push(`"step" is ${state.step} but the folder is named for step ${Number(named[1])}`);
  if (issues.length)
    throw new CheckpointError('CHECKPOINT_CORRUPT', path, `state.json: ${issues.join('; ')}`);
  for (const [name, t] of Object.entries(tensors)) {
    const i = firstNonFinite(t);
    if (i >= 0)
      throw new CheckpointError(
        'CHECKPOINT_CORRUPT',
        path,
        `tensor '${name}' element ${i} is ${t.data[i]} (a checkpoint never holds NaN/Inf)`,
      );
  }
  return { path, tensors, state: state as CheckpointState };
}

function safeIsDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
