import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/rng.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // tfjs-core's Node (CJS) build registers no gradients; its ESM gradient registry is bundled in so
  // that `variableGrads` works under Node. Registries are process-global, so one copy suffices.
  noExternal: [/@tensorflow\/tfjs-core\/dist\/(register_all_gradients|gradients\/|public\/chained_ops\/)/],
});
