/**
 * `splitmask`: the command line and the demo as functions (Node only). The models, methods and trainer
 * are in the libraries (`@splitmask/splitmask`, `@splitmask/vit`, ...); this package is the application
 * that ties them to files, datasets and the terminal.
 */

export { main, VERSION } from './cli';
export type { DemoOptions, DemoResult } from './demo';
export { DEMO_CONFIG, runDemo, TINY_DEMO_CONFIG } from './demo';
