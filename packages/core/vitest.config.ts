import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests run on the sources: '#register' (package.json imports, resolved to dist/ for users) is the source.
  resolve: { alias: { '#register': fileURLToPath(new URL('./src/register.ts', import.meta.url)) } },
  test: {
    setupFiles: ['./src/register.ts'],
    // One module graph per worker: the inlined gradient registry is transformed once, not per file.
    isolate: false,
    // Core's tests run on its sources, which import tfjs-core's ESM gradient registry; let vite
    // transform those ESM files instead of handing them to Node's CJS loader.
    server: {
      deps: {
        inline: [/@tensorflow\/tfjs-core\/dist\/(register_all_gradients|gradients\/|public\/chained_ops\/)/],
      },
    },
  },
});
