// Creates the standard files of a library package under packages/<name> (idempotent: never overwrites).
// Usage: node tools/scaffold-package.mjs <name> "<description>"
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [name, description = ''] = process.argv.slice(2);
if (!name) throw new Error('usage: scaffold-package.mjs <name> "<description>"');
const dir = join('packages', name);
mkdirSync(join(dir, 'src'), { recursive: true });

const pkg = {
  name: `@splitmask/${name}`,
  version: '0.1.0',
  description,
  license: 'MIT',
  type: 'module',
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.cts',
  exports: {
    '.': {
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  files: ['dist', 'README.md'],
  publishConfig: { access: 'public' },
  scripts: {
    build: 'tsup',
    test: 'vitest run --reporter=default --reporter=json --outputFile=test-results/vitest.json',
    typecheck: 'tsc -p tsconfig.json',
    lint: 'biome check .',
    'check:pkg': 'publint && attw --pack . --profile node16',
  },
  peerDependencies: { '@tensorflow/tfjs-core': '^4.22.0' },
  devDependencies: { '@tensorflow/tfjs-core': '4.22.0' },
};
const files = {
  'package.json': JSON.stringify(pkg, null, 2) + '\n',
  'tsconfig.json':
    JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test'] }, null, 2) + '\n',
  'tsup.config.ts': `import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
`,
  'README.md': `# @splitmask/${name}\n\n${description}\n`,
  'src/index.ts': `export {};\n`,
};
for (const [file, text] of Object.entries(files)) {
  const path = join(dir, file);
  if (!existsSync(path)) writeFileSync(path, text);
}
