import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DatasetError } from '../errors';
import { writeTar } from '../internal/tar-writer';
import { makeCifar } from '../internal/test-data';
import { cifarBinary, webDatasetShards } from './files';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitmask-files-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('cifarBinary', () => {
  test('reads user-supplied files in order', async () => {
    await writeFile(join(dir, 'b1.bin'), makeCifar([[4], [5]]));
    await writeFile(join(dir, 'b2.bin'), makeCifar([[6]]));
    const ds = await cifarBinary([join(dir, 'b1.bin'), join(dir, 'b2.bin')]);
    expect(ds.length).toBe(3);
    expect((await ds.get(2)).label).toBe(6);
  });
  test('missing file names it', async () => {
    const err = await cifarBinary([join(dir, 'nope.bin')]).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect([err.reason, err.path]).toEqual(['MISSING_FILE', join(dir, 'nope.bin')]);
  });
});

describe('webDatasetShards', () => {
  const png = (v: number) =>
    sharp({ create: { width: 3, height: 2, channels: 3, background: { r: v, g: v, b: v } } })
      .png()
      .toBuffer();

  test('streams samples with labels across shards; corrupt samples raise or skip', async () => {
    await writeFile(
      join(dir, 's0.tar'),
      writeTar([
        { path: '000.png', data: await png(10) },
        { path: '000.cls', data: '2' },
        { path: '001.png', data: await png(20) },
        { path: '001.cls', data: '0' },
      ]),
    );
    await writeFile(
      join(dir, 's1.tar'),
      writeTar([
        { path: '002.jpg', data: 'garbage' },
        { path: '002.cls', data: '1' },
        { path: '003.png', data: await png(40) },
        { path: '003.cls', data: '1' },
      ]),
    );
    const paths = [join(dir, 's0.tar'), join(dir, 's1.tar')];
    const skipped: DatasetError[] = [];
    const ds = webDatasetShards(paths, { onError: 'skip', onSkip: (e) => skipped.push(e) });
    const got: [string | undefined, number | undefined, number][] = [];
    for await (const s of ds) got.push([s.key, s.label, s.image.data[0]]);
    expect(got).toEqual([
      ['000', 2, 10],
      ['001', 0, 20],
      ['003', 1, 40],
    ]);
    expect(skipped.map((e) => e.path)).toEqual([`${paths[1]}:002.jpg`]);
    const strict = webDatasetShards(paths);
    const err = await (async () => {
      for await (const _ of strict);
    })().catch((e) => e);
    expect(err.message).toMatch(/s1\.tar:002\.jpg: cannot decode image/);
  });

  test('a missing shard names it', async () => {
    const err = await (async () => {
      for await (const _ of webDatasetShards([join(dir, 'missing.tar')]));
    })().catch((e) => e);
    expect([err.reason, err.path]).toEqual(['MISSING_FILE', join(dir, 'missing.tar')]);
  });
});
