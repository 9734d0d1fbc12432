import { describe, expect, test } from 'vitest';
import { DatasetError } from '../errors';
import { chunked, writeTar } from '../internal/tar-writer';
import { groupWebDataset, readTar, splitKey } from './tar';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const dec = new TextDecoder();

describe('readTar', () => {
  const entries = [
    { path: 'a/000001.jpg', data: new Uint8Array(700).fill(7) },
    { path: 'a/000001.cls', data: '3' },
    { path: 'a/000002.jpg', data: new Uint8Array(512).fill(9) },
    { path: 'a/000002.cls', data: '1\n' },
    { path: 'a/000003.seg.png', data: '' },
  ];
  test.each([1, 7, 512, 100000])('reads every member intact with %i-byte chunks', async (chunk) => {
    const got = await collect(readTar(chunked(writeTar(entries), chunk)));
    expect(got.map((e) => e.path)).toEqual(entries.map((e) => e.path));
    expect(got[0].data).toEqual(entries[0].data);
    expect(got[2].data.length).toBe(512);
    expect(dec.decode(got[1].data)).toBe('3');
  });

  test('GNU long names', async () => {
    const long = `${'d'.repeat(120)}/sample.jpg`;
    const got = await collect(
      readTar(chunked(writeTar([{ path: long, data: 'x' }], { longNames: true }), 64)),
    );
    expect(got.map((e) => e.path)).toEqual([long]);
  });

  test('bad checksum names the shard and offset', async () => {
    const bytes = writeTar(entries);
    bytes[512 + 1024 + 3] ^= 0xff; // corrupt the second header's name
    const err = await collect(readTar(chunked(bytes, 4096), 'shard-7.tar')).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.reason).toBe('CORRUPT_IMAGE');
    expect(err.message).toMatch(/shard-7\.tar: bad tar header checksum at byte 1536/);
  });

  test('truncated member', async () => {
    const bytes = writeTar(entries).subarray(0, 900);
    await expect(collect(readTar(chunked(bytes, 100), 'cut.tar'))).rejects.toThrow(
      /cut\.tar: truncated tar member at byte 0/,
    );
  });

  test('empty stream is an error', async () => {
    await expect(collect(readTar(chunked(new Uint8Array(0), 1), 'empty.tar'))).rejects.toThrow(/empty\.tar/);
  });
});

describe('groupWebDataset', () => {
  test('groups consecutive members by key', async () => {
    const tar = writeTar([
      { path: 'x/1.jpg', data: 'A' },
      { path: 'x/1.cls', data: '0' },
      { path: 'x/2.png', data: 'B' },
      { path: 'x/2.seg.PNG', data: 'C' },
      { path: 'x/3.jpg', data: 'D' },
    ]);
    const recs = await collect(groupWebDataset(readTar(chunked(tar, 333))));
    expect(recs.map((r) => [r.key, Object.keys(r.files)])).toEqual([
      ['x/1', ['jpg', 'cls']],
      ['x/2', ['png', 'seg.png']],
      ['x/3', ['jpg']],
    ]);
  });
  test.each([
    ['a/b.c/000.jpg', ['a/b.c/000', 'jpg']],
    ['noext', ['noext', '']],
    ['k.tar.gz', ['k', 'tar.gz']],
  ])('splitKey(%s)', (p, want) => expect(splitKey(p)).toEqual(want));
});
