/**
 * `--workers auto|N`: data-parallel worker threads for a run (`@splitmask/splitmask/node`'s
 * `workerThreads`). 'auto' is the cores of this machine, capped at the micro-batch (every worker needs
 * at least one image); 1 trains in this thread.
 */
import { availableParallelism } from 'node:os';
import { ConfigError, type Parallelism } from '@splitmask/splitmask';
import { workerThreads } from '@splitmask/splitmask/node';
import { parseStrictInt } from './cli-args';

/**
 * Resolves `--workers` (default 'auto') for a micro-batch of `batchSize`; throws a ConfigError naming a
 * bad value. Returns the count and the Parallelism to pass (undefined for 1: this thread).
 * @example const { workers, parallel } = resolveWorkers('auto', 64); // { workers: 2, parallel: … } on 2 cores
 */
export function resolveWorkers(
  raw: string | boolean | undefined,
  batchSize: number,
): { workers: number; parallel?: Parallelism } {
  let workers: number;
  if (raw === undefined || raw === 'auto') workers = Math.max(1, Math.min(availableParallelism(), batchSize));
  else {
    const n = typeof raw === 'string' ? parseStrictInt(raw) : undefined;
    if (n === undefined || n < 1)
      throw new ConfigError(
        [`--workers: expected 'auto' or a decimal integer >= 1, got '${raw}'`],
        'command line',
      );
    if (n > batchSize)
      throw new ConfigError(
        [`--workers: ${n} is more than train.batchSize=${batchSize} (every worker needs at least one image)`],
        'command line',
      );
    workers = n;
  }
  return { workers, parallel: workers > 1 ? workerThreads(workers) : undefined };
}
