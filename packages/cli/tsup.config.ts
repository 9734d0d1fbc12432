import { defineConfig } from 'tsup';

export default defineConfig({
  // An application: ESM only. `bin` is the executable (always runs), `index` the importable functions.
  entry: ['src/index.ts', 'src/bin.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
