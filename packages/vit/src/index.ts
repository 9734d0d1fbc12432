/**
 * @splitmask/vit — a Vision Transformer for TensorFlow.js with timm's parameter names, BEiT's init,
 * and encoding of a fixed-size subset of patches per image (SplitMask/MAE encoders).
 */

export type { BlockConfig, BlockOptions, DropPathRows } from './block';
export { transformerBlock, transformerBlockCheckpointed, transformerBlockWithAttention } from './block';
export type { FromTimmOptions } from './checkpoint';
export { CheckpointMismatchError, fromTimmStateDict, timmShapes, toTimmStateDict } from './checkpoint';
export type { VitConfig, VitPool, VitPosEmbed, VitVariantName } from './config';
export { resolveVitConfig, VIT_VARIANTS, VitConfigError, vitDims } from './config';
export type { VitEncodeOptions, VitIntermediateOptions, VitIntermediates } from './encode';
export { vitEmbed, vitEncode, vitEncodeWithIntermediates, vitPosEmbed } from './encode';
export { initBlockParams, initVitParams } from './init';
export { patchify, unpatchify } from './patchify';
export { poolFeatures, vitClassify, vitFeatures } from './pool';
export type { InterpolatePosEmbedOptions } from './pos-embed';
export { bicubicAntialiasMatrix, bicubicMatrix, interpolatePosEmbed, sincosPosEmbed2d } from './pos-embed';
export { gatherRows, placeTokens, selectTokens } from './tokens';
export type { BlockParams, LayerScaleParams, LinearParams, VitParams } from './types';
