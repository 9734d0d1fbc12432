/**
 * The harness's command line: argument parsing and checks, the arms it knows, the report's default name
 * and the portable command a report records.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRESETS } from './presets.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const REPO = join(HERE, '..', '..', '..');
/** The harness's entry script: the usage header, and what `--jobs` runs in each child process. */
export const SCRIPT = join(HERE, 'fashion-mnist.mjs');

export function parseArgs(argv) {
  const a = {
    preset: 'smoke',
    seed: 0,
    backend: 'auto',
    methods: undefined,
    eval: 'test',
    data: 'fashion-mnist',
    encoders: join(tmpdir(), 'splitmask-experiments'),
    jobs: 1,
    workers: 'auto',
  };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i]?.replace(/^--/, '');
    if (
      !k ||
      ![
        'preset',
        'seed',
        'backend',
        'methods',
        'config',
        'out',
        'name',
        'data',
        'encoders',
        'jobs',
        'workers',
        'merge',
        'seeds',
        'eval',
        'reuse-encoders',
        'stem',
      ].includes(k) ||
      argv[i + 1] === undefined
    )
      throw new Error(`unknown or incomplete argument '${argv[i]}' (see the header of ${SCRIPT})`);
    a[k] = k === 'seed' || k === 'jobs' ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!Number.isInteger(a.jobs) || a.jobs < 1)
    throw new Error(`--jobs must be a positive integer, got ${a.jobs}`);
  a.workers =
    a.workers === 'auto' ? Math.max(1, Math.floor(availableParallelism() / a.jobs)) : Number(a.workers);
  if (!Number.isInteger(a.workers) || a.workers < 1)
    throw new Error(`--workers must be 'auto' or a positive integer, got ${a.workers}`);
  if (!PRESETS[a.preset])
    throw new Error(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got '${a.preset}'`);
  a.methods ??= PRESETS[a.preset].methods ?? DEFAULT_METHODS;
  for (const m of a.methods.split(','))
    if (!ARMS.includes(m)) throw new Error(`--methods: unknown arm '${m}' (arms: ${ARMS.join(', ')})`);
  if (a.eval !== 'test' && a.eval !== 'val')
    throw new Error(`--eval must be 'test' or 'val', got '${a.eval}'`);
  if (a.seeds !== undefined) {
    a.seeds = a.seeds.split(',').map(Number);
    if (!a.seeds.every((v) => Number.isInteger(v) && v >= 0))
      throw new Error(`--seeds must be comma-separated non-negative integers, got '${a.seeds}'`);
  }
  return a;
}

/** Every arm the harness knows: baselines first, then the encoders. */
const ARMS = ['pixels', 'scratch', 'random', 'beit', 'splitmask', 'dino'];
const DEFAULT_METHODS = 'pixels,scratch,random,beit,splitmask,dino';

/**
 * The command that produced a report, as a reader can rerun it: paths in the OS temp folder (the
 * encoders and the per-job folders of --jobs) become `<tmp>/…`, so reports record no machine paths.
 */
export function commandLine(argv) {
  const tmp = tmpdir();
  const portable = argv.map((a) =>
    a.startsWith(tmp) ? `<tmp>${a.slice(tmp.length).replace(/splitmask-[A-Za-z0-9-]+/, 'x')}` : a,
  );
  return `node packages/cli/experiments/fashion-mnist.mjs ${portable.join(' ')}`.trim();
}

/** The report's name: --name, else by preset (quick → fashion-mnist, the committed result). */
export function defaultName(args) {
  if (args.name) return args.name;
  if (args.preset === 'smoke') return 'fashion-mnist-smoke';
  return args.preset === 'quick' ? 'fashion-mnist' : `fashion-mnist-${args.preset}`;
}
