import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Raw bytes of `test/fixtures/<name>` relative to a package directory (pass `import.meta.dirname/..`). */
export function loadFixture(packageDir: string, name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(packageDir, 'test', 'fixtures', name)));
}

/** Parsed JSON fixture from `test/fixtures/<name>`. */
export function loadJsonFixture<T = unknown>(packageDir: string, name: string): T {
  return JSON.parse(readFileSync(join(packageDir, 'test', 'fixtures', name), 'utf8')) as T;
}
