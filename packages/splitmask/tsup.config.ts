import { defineConfig } from 'tsup';

export default defineConfig({
  // `index` is browser-safe; `node` holds the file-system parts (checkpoints, PNG).
  entry: ['src/index.ts', 'src/node.ts', 'src/train-worker.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
