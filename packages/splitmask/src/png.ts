/**
 * PNG files of core's raster (pngjs), re-exported for this package's Node entry.
 */
export { decodePng, encodePng } from '@splitmask/core/node';
