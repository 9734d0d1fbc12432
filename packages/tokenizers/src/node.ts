/**
 * `@splitmask/tokenizers/node`: tokenizer files on disk (atomic writes through `@splitmask/core/node`).
 * Everything else is in the browser-safe main entry.
 */

export { loadTokenizer, saveTokenizer } from './serialize-node';
