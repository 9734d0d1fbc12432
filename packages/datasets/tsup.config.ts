import { defineConfig } from 'tsup';

export default defineConfig({
  // index: browser-safe (no node:*, no sharp). node: fs/sharp sources.
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  shims: true, // import.meta.url in the CJS build (createRequire in node/embedded-files.ts)
});
