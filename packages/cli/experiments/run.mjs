#!/usr/bin/env node
/**
 * `pnpm experiment <name> [flags]` → runs `experiments/<name>.mjs` (root package.json:
 * `"experiment": "node packages/cli/experiments/run.mjs"`). Lists the experiments when the name is unknown.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const names = readdirSync(here)
  .filter(
    (f) => f.endsWith('.mjs') && !f.endsWith('.test.mjs') && !['run.mjs', 'export-split.mjs'].includes(f),
  )
  .map((f) => f.slice(0, -4));
const [name, ...argv] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.error(`usage: pnpm experiment <${names.join('|')}> [--preset smoke|quick|standard|full] [...]`);
  process.exitCode = 2;
} else {
  const { main } = await import(`./${name}.mjs`);
  process.exitCode = await main(argv);
}
