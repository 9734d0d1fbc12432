/**
 * Tokenizers ↔ safetensors: the tensors of `toTensors()` (codebook [P, V], or the DALL-E encoder's
 * HWIO weights) plus the JSON config in the header's `__metadata__` (`format: 'splitmask-tokenizer'`,
 * `config: <JSON>`). tools/convert_dalle.py writes the same layout from `encoder.pkl`.
 */
import {
  decodeSafetensors,
  encodeSafetensors,
  fromTfTensors,
  InvalidArgumentError,
  type SafetensorsTensor,
  toTfTensors,
} from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { createCodebookTokenizer } from './codebook-tokenizer';
import { createDalleTokenizer, dalleParamsFromTensors, resolveDalleEncoderConfig } from './dalle';
import { resolveNormalization } from './normalization';
import type { CodebookTokenizerConfig, DalleTokenizerConfig, Tokenizer, TokenizerConfig } from './types';

/** `__metadata__.format` of tokenizer files. */
export const TOKENIZER_FORMAT = 'splitmask-tokenizer';

/** @internal the tensors and metadata of a tokenizer file (shared with serialize-node.ts). */
export async function metadataAndEntries(tok: Tokenizer) {
  const entries = await fromTfTensors(tok.toTensors());
  return { entries, metadata: { format: TOKENIZER_FORMAT, config: JSON.stringify(tok.config) } };
}

/**
 * Serialises a tokenizer to safetensors bytes (browser-safe).
 * @example const bytes = await encodeTokenizer(tok); const same = decodeTokenizer(bytes);
 */
export async function encodeTokenizer(tok: Tokenizer): Promise<Uint8Array> {
  const { entries, metadata } = await metadataAndEntries(tok);
  return encodeSafetensors(entries, metadata);
}

/**
 * Rebuilds a tokenizer from decoded safetensors, dispatching on `config.kind`.
 * @example const tok = tokenizerFromSafetensors(decodeSafetensors(bytes), 'rp.safetensors');
 */
export function tokenizerFromSafetensors(
  file: { tensors: Record<string, SafetensorsTensor>; metadata: Record<string, string> },
  source = 'safetensors',
): Tokenizer {
  if (file.metadata.format !== TOKENIZER_FORMAT || !file.metadata.config) {
    throw new InvalidArgumentError(
      `${source}: not a tokenizer file (expected __metadata__.format = '${TOKENIZER_FORMAT}' with a config, got format ${JSON.stringify(file.metadata.format)})`,
    );
  }
  let config: TokenizerConfig;
  try {
    config = JSON.parse(file.metadata.config) as TokenizerConfig;
  } catch (e) {
    throw new InvalidArgumentError(
      `${source}: __metadata__.config is not valid JSON (${(e as Error).message})`,
      {
        cause: e,
      },
    );
  }
  for (const [name, t] of Object.entries(file.tensors)) {
    if (!(t.data instanceof Float32Array)) continue;
    const i = t.data.findIndex((v) => !Number.isFinite(v));
    if (i >= 0)
      throw new InvalidArgumentError(
        `${source}: tensor '${name}' element ${i} is ${t.data[i]}; a tokenizer must hold finite values`,
      );
  }
  const tensors = toTfTensors(file.tensors);
  try {
    return fromConfig(config, tensors, source);
  } catch (e) {
    tf.dispose(Object.values(tensors));
    throw e;
  }
}

function fromConfig(config: TokenizerConfig, tensors: Record<string, tf.Tensor>, source: string): Tokenizer {
  switch (config.kind) {
    case 'random-projection':
    case 'random-patches':
    case 'kmeans': {
      const cfg: CodebookTokenizerConfig = {
        ...config,
        normalization: resolveNormalization(config.channels, config.normalization),
      };
      if (!tensors.codebook)
        throw new InvalidArgumentError(`${source}: ${config.kind} tokenizer without a 'codebook' tensor`);
      return createCodebookTokenizer(cfg, tensors.codebook as tf.Tensor2D);
    }
    case 'dalle': {
      const d = config as DalleTokenizerConfig;
      const enc = resolveDalleEncoderConfig(d.encoder);
      return createDalleTokenizer(dalleParamsFromTensors(enc, tensors), enc, d.logitLaplaceEps);
    }
    default:
      throw new InvalidArgumentError(
        `${source}: unknown tokenizer kind ${JSON.stringify((config as { kind: unknown }).kind)} (expected random-projection, random-patches, kmeans or dalle)`,
      );
  }
}

/**
 * Parses safetensors bytes into a tokenizer (browser-safe).
 * @example const tok = decodeTokenizer(new Uint8Array(await (await fetch('rp.safetensors')).arrayBuffer()));
 */
export function decodeTokenizer(bytes: Uint8Array): Tokenizer {
  return tokenizerFromSafetensors(decodeSafetensors(bytes), 'tokenizer bytes');
}
