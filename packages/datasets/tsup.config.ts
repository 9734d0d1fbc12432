import { defineConfig } from 'tsup';

export default defineConfig({
  // index: browser-safe (no node:*, no sharp). node: fs/sharp sources. transform-worker: the
  // worker_threads script of createWorkerPool, resolved next to the node entry.
  entry: { index: 'src/index.ts', node: 'src/node.ts', 'transform-worker': 'src/node/transform-worker.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  shims: true, // import.meta.url in the CJS build (createRequire in node/embedded-files.ts)
});
