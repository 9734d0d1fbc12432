/**
 * Layer-wise LR decay for ViT fine-tuning, BEiT's `get_layer_id_for_vit` and `LayerDecayValueAssigner`
 * (paper.md §6.4): embeddings (`cls_token`, `mask_token`, `pos_embed`, `patch_embed.*`) are layer 0,
 * `blocks.i.*` is layer i + 1, everything else (final norm, head, `rel_pos_bias`) is layer L + 1, and the
 * LR scale of layer k is `decay^(L + 1 − k)`: 1 for the head, decay^(L+1) for the patch embedding.
 */
import { InvalidArgumentError } from '../errors';
import { stripRole } from '../params/tree';

/**
 * BEiT's layer id of a flat parameter name (a `role/` prefix is ignored) in a ViT with `numLayers` blocks.
 * @example layerIdForVit('blocks.3.attn.qkv.weight', 12) // 4
 * @example layerIdForVit('head.weight', 12) // 13
 */
export function layerIdForVit(name: string, numLayers: number): number {
  const n = stripRole(name);
  if (n === 'cls_token' || n === 'mask_token' || n === 'pos_embed' || n.startsWith('patch_embed')) return 0;
  if (n.startsWith('blocks')) {
    const id = Number(n.split('.')[1]);
    if (!Number.isInteger(id) || id < 0 || id >= numLayers) {
      throw new InvalidArgumentError(`layerIdForVit: '${name}' is not a block of a ${numLayers}-layer ViT`);
    }
    return id + 1;
  }
  return numLayers + 1;
}

/**
 * LR scale per parameter name: `decay^(numLayers + 1 − layerIdForVit(name))`. Pass the result as
 * `createAdamW(params, { lrScale })`.
 * @example
 * layerDecayScales(['patch_embed.proj.weight', 'blocks.11.mlp.fc2.bias', 'head.weight'], 12, 0.65)
 * // { 'patch_embed.proj.weight': 0.65 ** 13, 'blocks.11.mlp.fc2.bias': 0.65, 'head.weight': 1 }
 */
export function layerDecayScales(
  paramNames: Iterable<string>,
  numLayers: number,
  decay: number,
): Record<string, number> {
  if (!(Number.isSafeInteger(numLayers) && numLayers >= 0)) {
    throw new InvalidArgumentError(
      `layerDecayScales: numLayers must be a non-negative integer, got ${numLayers}`,
    );
  }
  if (!(decay > 0 && decay <= 1))
    throw new InvalidArgumentError(`layerDecayScales: decay must be in (0, 1], got ${decay}`);
  const out: Record<string, number> = {};
  for (const name of paramNames) out[name] = decay ** (numLayers + 1 - layerIdForVit(name, numLayers));
  return out;
}
