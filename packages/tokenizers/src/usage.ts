/**
 * Codebook usage statistics (issue: "codebook usage statistics (how many ids are used) reported"): how
 * many vocabulary elements a batch of token ids actually uses, and the perplexity of their histogram
 * (V when usage is uniform, 1 when every patch gets the same id).
 */
import { InvalidArgumentError } from '@splitmask/core';

/** Usage of a vocabulary by a set of token ids. */
export interface TokenUsage {
  /** counts[v] = how many ids equal v. [V] */
  readonly counts: Int32Array;
  /** Number of ids with a non-zero count. */
  readonly used: number;
  /** exp(entropy of the id histogram), in [1, V]. */
  readonly perplexity: number;
  /** Total number of ids counted. */
  readonly total: number;
}

/**
 * Histogram statistics of token ids. ids: any flat list (e.g. `await tokens.data()`) in [0, V).
 * @example const { used, perplexity } = tokenUsage(await tok.tokenize(images).data(), tok.vocabSize);
 */
export function tokenUsage(ids: ArrayLike<number>, vocabSize: number): TokenUsage {
  const counts = new Int32Array(vocabSize);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (!(v >= 0 && v < vocabSize && Number.isInteger(v)))
      throw new InvalidArgumentError(`tokenUsage: id ${v} at index ${i} is outside [0, ${vocabSize})`);
    counts[v]++;
  }
  let used = 0;
  let h = 0;
  for (const c of counts) {
    if (c === 0) continue;
    used++;
    const q = c / ids.length;
    h -= q * Math.log(q);
  }
  return { counts, used, perplexity: Math.exp(h), total: ids.length };
}
