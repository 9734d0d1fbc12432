#!/usr/bin/env node
/**
 * The `splitmask` executable. It always runs `main`: npm links it as `node_modules/.bin/splitmask`
 * (a symlink, or a shim on Windows), so guessing "am I the main module?" from `process.argv[1]` fails.
 * The importable code lives in `cli.ts`.
 */
import { main } from './cli';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`splitmask: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
