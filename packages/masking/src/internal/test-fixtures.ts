// Test-only helpers (not exported from the package): fixture loading and hex mask decoding.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Parsed `test/fixtures/<name>` of this package; fixtures are written by tools/fixtures_masking.py. */
export function loadFixture<T>(name: string): T {
  const path = join(import.meta.dirname, '..', '..', 'test', 'fixtures', name);
  return (JSON.parse(readFileSync(path, 'utf8')) as { data: T }).data;
}

/** Decodes the fixture's hex mask (row-major bits, MSB first per nibble) into Uint8Array [L]. */
export function hexToMask(hex: string, numPatches: number): Uint8Array {
  const mask = new Uint8Array(numPatches);
  for (let i = 0; i < numPatches; i++) mask[i] = (Number.parseInt(hex[i >> 2], 16) >> (3 - (i & 3))) & 1;
  return mask;
}
