import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/rng.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Shared chunks in both formats: index and rng entries then share one copy of the error classes,
  // so `instanceof` works across the two entries for CommonJS users too.
  splitting: true,
  // tfjs-core's Node (CJS) build registers no gradients; its ESM gradient registry is bundled in so
  // that `variableGrads` works under Node. Registries are process-global, so one copy suffices.
  noExternal: [/@tensorflow\/tfjs-core\/dist\/(register_all_gradients|gradients\/|public\/chained_ops\/)/],
});
