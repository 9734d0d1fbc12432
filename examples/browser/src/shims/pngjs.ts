/**
 * Browser stand-in for `pngjs`. `@splitmask/splitmask`'s main entry imports pngjs at module load (its
 * `raster.ts`, behind the `encodePng` / `decodePng` / `createImage` exports) and pngjs runs
 * `util.inherits(...)` from Node's `util`/`stream`/`zlib` as soon as it is evaluated, which throws in a
 * browser. The page never encodes PNGs (it draws to canvases), so vite.config.ts aliases `pngjs` here.
 * TODO(integrate): drop this alias when @splitmask/splitmask's main entry is browser-safe.
 */
const NODE_ONLY =
  'PNG encoding/decoding (pngjs) is Node-only; in the browser draw RgbaImage data to a canvas instead';

export class PNG {
  constructor() {
    throw new Error(NODE_ONLY);
  }
  static sync = {
    read(): never {
      throw new Error(NODE_ONLY);
    },
    write(): never {
      throw new Error(NODE_ONLY);
    },
  };
}

export default { PNG };
