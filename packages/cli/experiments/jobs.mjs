/**
 * `--jobs N` / `--seeds`: the arms split into groups of similar cost, each (seed, group) run as a child
 * process of the harness, and their partial results combined into one report.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { combineResults } from './aggregate.mjs';
import { commandLine, defaultName, REPO, SCRIPT } from './args.mjs';
import { writeReport } from './report.mjs';

// Relative cost of one arm (pretraining + the shared evaluation), measured with the quick preset on
// wasm: DINO's multi-crop steps are the dearest, SplitMask's two branches + decoder next, then BEiT;
// scratch fine-tunes longer than the others; raw pixels take seconds.
const ARM_COST = { dino: 4, splitmask: 2.5, scratch: 2, beit: 1.5, random: 1, pixels: 0.2 };

/** Methods split into `jobs` groups of similar total cost (longest first, each to the lightest group). */
export function partitionMethods(methods, jobs) {
  const groups = Array.from({ length: Math.min(jobs, methods.length) }, () => ({ cost: 0, methods: [] }));
  const order = [...methods].sort((x, y) => (ARM_COST[y] ?? 2) - (ARM_COST[x] ?? 2));
  for (const m of order) {
    const g = groups.reduce((a, b) => (b.cost < a.cost ? b : a));
    g.cost += ARM_COST[m] ?? 2;
    g.methods.push(m);
  }
  // dearest first inside a group too (arms are independent: each is seeded, the data source is stateless)
  return groups.map((g) => g.methods);
}

/**
 * `--jobs N` (and `--seeds`): this script once per (seed, group of arms), N child processes at a time,
 * dearest first, then one report.
 */
export async function runJobs(args, log) {
  const t0 = Date.now();
  const methods = args.methods.split(',');
  const seeds = args.seeds ?? [args.seed];
  const groups = partitionMethods(methods, args.jobs);
  const cost = (g) => g.reduce((a, m) => a + (ARM_COST[m] ?? 2), 0);
  const units = seeds
    .flatMap((seed) => groups.map((g) => ({ seed, methods: g })))
    .sort((a, b) => cost(b.methods) - cost(a.methods));
  const tmp = mkdtempSync(join(tmpdir(), 'splitmask-jobs-'));
  const passOn = [];
  for (let i = 0; i < args.argv.length; i += 2) {
    if (
      !['--jobs', '--methods', '--out', '--name', '--workers', '--seed', '--seeds', '--stem'].includes(
        args.argv[i],
      )
    )
      passOn.push(args.argv[i], args.argv[i + 1]);
  }
  // Each job gets its share of the cores as worker threads (resolved from --workers in the parent).
  passOn.push('--workers', String(args.workers ?? 1), '--stem', defaultName(args));
  log(
    `--jobs ${args.jobs}: ${units.map((u) => `seed ${u.seed}: ${u.methods.join(',')}`).join(' | ')} (${args.jobs} at a time)`,
  );
  const runUnit = (u, i) =>
    new Promise((resolve, reject) => {
      const tag = `${seeds.length > 1 ? `s${u.seed} ` : ''}${u.methods.join(',')}`;
      const child = spawn(
        process.execPath,
        [
          SCRIPT,
          ...passOn,
          '--seed',
          String(u.seed),
          '--methods',
          u.methods.join(','),
          '--out',
          tmp,
          '--name',
          `part${i}`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      child.stdout.on('data', (b) => {
        for (const line of String(b).split('\n')) if (line) log(`[${tag}] ${line}`);
      });
      child.on('exit', (code) =>
        code === 0
          ? resolve(JSON.parse(readFileSync(join(tmp, `part${i}.json`), 'utf8')))
          : reject(new Error(`job ${tag} exited with ${code}`)),
      );
    });
  const parts = new Array(units.length);
  let next = 0;
  const lane = async () => {
    while (next < units.length) {
      const i = next++;
      parts[i] = await runUnit(units[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.jobs, units.length) }, lane));
  const doc = combineResults(parts, {
    name: defaultName(args),
    order: methods,
    command: commandLine(args.argv),
    wallSeconds: (Date.now() - t0) / 1000,
  });
  await writeReport(args.out ?? join(REPO, 'docs', 'results'), doc);
  return doc;
}
