/**
 * Tokenizer files (Node only: the `@splitmask/tokenizers/node` entry). The bytes are the same as
 * `encodeTokenizer` / `decodeTokenizer` produce in any runtime.
 */
import { loadSafetensors, saveSafetensors } from '@splitmask/core/node';
import { metadataAndEntries, tokenizerFromSafetensors } from './serialize';
import type { Tokenizer } from './types';

/** Writes a tokenizer to a safetensors file (Node). @example await saveTokenizer(tok, 'rp-8192.safetensors'); */
export async function saveTokenizer(tok: Tokenizer, path: string): Promise<void> {
  const { entries, metadata } = await metadataAndEntries(tok);
  await saveSafetensors(path, entries, metadata);
}

/**
 * Loads a tokenizer file written by `saveTokenizer` or tools/convert_dalle.py (Node).
 * @example const tok = await loadTokenizer('dalle-encoder.safetensors');
 */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  return tokenizerFromSafetensors(await loadSafetensors(path), path);
}
