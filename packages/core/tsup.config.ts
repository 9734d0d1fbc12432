import { defineConfig } from 'tsup';
import { tfjsPublicPlugin } from './tfjs-public-plugin';

// The gradient functions and chained ops of tfjs-core are registered by `import '#register'` (package.json
// "imports"), resolved by the consumer's bundler or Node:
// - "browser"/"default": dist/register.js imports `@tensorflow/tfjs-core/dist/register_all_gradients` from
//   the user's own tfjs-core (ESM), so a browser bundle holds exactly one copy of tfjs-core.
// - "node": tfjs-core's Node build (CommonJS `main`) has no gradient registry and Node cannot load its
//   extension-less ESM files, so dist/register-node.cjs carries the gradient and chained-op definitions,
//   built from tfjs-core's ESM sources, and takes everything else (engine, ops, Tensor) from the user's
//   `@tensorflow/tfjs-core`: no copy of tfjs-core's engine or ops is inlined.
const common = { sourcemap: true, target: 'node20' } as const;
export default defineConfig([
  {
    ...common,
    entry: ['src/index.ts', 'src/rng.ts', 'src/node.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    // Shared chunks in both formats: every entry shares one copy of the error classes, so `instanceof`
    // works across entries for CommonJS users too.
    splitting: true,
    external: ['#register'],
  },
  { ...common, entry: { register: 'src/register.ts' }, format: ['esm', 'cjs'] },
  {
    // One CommonJS file serves both `import` and `require` in Node (so the registry is loaded once),
    // without a source map. tfjsPublicPlugin bundles only tfjs-core's gradient and chained-op code and
    // points everything it imports at the user's `@tensorflow/tfjs-core` (see tfjs-public-plugin.ts).
    target: 'node20',
    entry: { 'register-node': 'src/register.ts' },
    format: ['cjs'],
    platform: 'node',
    noExternal: [
      /@tensorflow\/tfjs-core\/dist\/(register_all_gradients|public\/chained_ops\/register_all_chained_ops)/,
    ],
    esbuildPlugins: [
      tfjsPublicPlugin(['register_all_gradients.js', 'public/chained_ops/register_all_chained_ops.js']),
    ],
  },
]);
