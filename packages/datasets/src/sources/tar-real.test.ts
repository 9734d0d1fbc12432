// readTar on archives made by real tools (tools/fixtures_tar.py: GNU tar 1.34 in gnu, posix/pax and
// ustar formats; Python's tarfile in GNU, PAX and USTAR formats), not only by our own test writer.
// Expected members (archive order, size, sha256) were listed by Python's tarfile when they were made.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { chunked } from '../internal/tar-writer';
import { groupWebDataset, readTar } from './tar';

const DIR = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'tar');
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as {
  archives: Record<string, { path: string; size: number; sha256: string }[]>;
};
const archives = Object.entries(manifest.archives);

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('readTar on real archives', () => {
  test('the fixtures cover every maker and format', () => {
    expect(archives.map(([name]) => name).sort()).toEqual([
      'gnutar-gnu.tar',
      'gnutar-posix.tar',
      'gnutar-ustar.tar',
      'python-gnu.tar',
      'python-pax.tar',
      'python-ustar.tar',
    ]);
  });

  test.each(archives.flatMap(([name, want]) => [1, 700, 1 << 20].map((c) => [name, c, want] as const)))(
    '%s with %i-byte chunks: every regular file, in order, byte-exact; directories and symlinks skipped',
    async (name, chunk, want) => {
      const got = await collect(readTar(chunked(readFileSync(join(DIR, name)), chunk), name));
      expect(got.map((e) => ({ path: e.path, size: e.data.length, sha256: sha256(e.data) }))).toEqual(want);
    },
  );

  test.each(archives.map(([name]) => [name]))('%s: long and non-ASCII paths survive', async (name) => {
    const paths = (await collect(readTar(chunked(readFileSync(join(DIR, name)), 4096), name))).map(
      (e) => e.path,
    );
    expect(paths).toContain(`shard/${'d'.repeat(60)}/${'e'.repeat(50)}/000004.txt`);
    expect(paths).toContain('shard/\u00fcn\u00efc\u00f8d\u00e9/000005.txt');
    if (!name.endsWith('ustar.tar')) expect(paths).toContain(`shard/${'n'.repeat(120)}.txt`);
  });

  test('a real shard groups into WebDataset samples', async () => {
    const name = 'gnutar-gnu.tar';
    const records = await collect(
      groupWebDataset(readTar(chunked(readFileSync(join(DIR, name)), 512), name)),
    );
    const byKey = Object.fromEntries(records.map((r) => [r.key, Object.keys(r.files).sort()]));
    expect(byKey['shard/000001']).toEqual(['cls', 'jpg']);
    expect(byKey['shard/000002']).toEqual(['cls', 'jpg']);
    expect(byKey['shard/000003']).toEqual(['seg.png']);
  });
});
