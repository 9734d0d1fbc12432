/**
 * Which parameters get weight decay. BEiT's `get_parameter_groups` skips 1-D tensors, `*.bias` and the
 * model's `no_weight_decay()` set (`pos_embed`, `cls_token`); project decision 7 (paper.md) adds
 * `mask_token` and any normalisation layer.
 */
import { flattenParams, stripRole } from '../params/tree';

/** Leaf names that never decay (also matched as a suffix: `decoder_pos_embed`). */
export const NO_WEIGHT_DECAY_NAMES: readonly string[] = Object.freeze([
  'pos_embed',
  'cls_token',
  'mask_token',
]);

/** Decides, from a flat name and shape, whether a parameter is exempt from weight decay. */
export type NoWeightDecayPredicate = (name: string, shape: readonly number[]) => boolean;

/**
 * The default predicate: no decay for tensors with rank ≤ 1, biases, `pos_embed`/`cls_token`/`mask_token`,
 * and anything inside a module whose name contains `norm` (`norm1`, `fc_norm`, ...). Accepts flat names
 * with or without a `role/` prefix.
 * @example defaultNoWeightDecay('blocks.0.attn.qkv.bias', [1152]) // true
 * @example defaultNoWeightDecay('blocks.0.attn.qkv.weight', [384, 1152]) // false
 */
export const defaultNoWeightDecay: NoWeightDecayPredicate = (name, shape) => {
  const parts = stripRole(name).split('.');
  const leaf = parts[parts.length - 1];
  if (shape.length <= 1 || leaf === 'bias') return true;
  if (NO_WEIGHT_DECAY_NAMES.some((n) => leaf === n || leaf.endsWith(`_${n}`))) return true;
  return parts.slice(0, -1).some((p) => p.includes('norm'));
};

/**
 * Flat names of the parameters of `tree` that get no weight decay, in flatten order.
 * @example paramNamesWithoutDecay(vitParams) // ['cls_token', 'pos_embed', 'patch_embed.proj.bias', ...]
 */
export function paramNamesWithoutDecay(
  tree: unknown,
  predicate: NoWeightDecayPredicate = defaultNoWeightDecay,
): string[] {
  return Object.entries(flattenParams(tree))
    .filter(([name, t]) => predicate(name, t.shape))
    .map(([name]) => name);
}
