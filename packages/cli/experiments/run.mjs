#!/usr/bin/env node
/**
 * `pnpm experiment <name> [flags]` → runs `experiments/<name>.mjs` (root package.json:
 * `"experiment": "node packages/cli/experiments/run.mjs"`). Lists the experiments when the name is unknown.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
/** Scripts and modules of this folder that are not experiments (the fashion-mnist.mjs harness's modules). */
const NOT_EXPERIMENTS = [
  'run.mjs',
  'export-split.mjs',
  'aggregate.mjs',
  'args.mjs',
  'baselines.mjs',
  'data.mjs',
  'evaluate.mjs',
  'jobs.mjs',
  'presets.mjs',
  'pretrain.mjs',
  'report.mjs',
  'replace-arm.mjs',
];
const names = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && !f.endsWith('.test.mjs') && !NOT_EXPERIMENTS.includes(f))
  .map((f) => f.slice(0, -4));
const [name, ...argv] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.error(`usage: pnpm experiment <${names.join('|')}> [--preset smoke|quick|standard|full] [...]`);
  process.exitCode = 2;
} else {
  const { main } = await import(`./${name}.mjs`);
  process.exitCode = await main(argv);
}
