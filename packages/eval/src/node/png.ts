/**
 * PNG files of evaluation plots: core's pngjs encoder (`@splitmask/core/node`), one PNG stack for the
 * whole project.
 */
export { encodePng, writePng } from '@splitmask/core/node';
