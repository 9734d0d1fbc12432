import { readFileSync } from 'node:fs';
import { afterEach, expect, test, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

// npm runs the bin through `node_modules/.bin/splitmask` (a symlink; a shim on Windows), so the entry must
// run whatever process.argv[1] is. It used to guess from argv[1] ending in cli.(js|ts) and did nothing.
test("bin runs main for any argv[1], e.g. npm's node_modules/.bin/splitmask link", async () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  vi.spyOn(process, 'argv', 'get').mockReturnValue([
    '/usr/bin/node',
    '/app/node_modules/.bin/splitmask',
    '--version',
  ]);
  await import('./bin');
  await vi.waitFor(() => expect(stdout).toBe(`${pkg.version}\n`));
  expect(process.exitCode).toBe(0);
});
