import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DatasetError } from '../errors';
import { createBatchLoader } from '../loader';
import { createTwoViewTransform } from '../transforms/pipeline';
import { imageFileList, imageFolder } from './image-folder';

let dir: string;

/** A w×h RGB image whose every pixel is `rgb`. */
function solid(w: number, h: number, rgb: [number, number, number]) {
  return sharp({
    create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
  });
}

async function tree(root: string, files: Record<string, Buffer | string>) {
  for (const [rel, data] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), data);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitmask-ds-'));
  const png = await solid(6, 4, [200, 10, 10]).png().toBuffer();
  const jpg = await solid(5, 5, [10, 200, 10]).jpeg({ quality: 95 }).toBuffer();
  const webp = await solid(3, 7, [10, 10, 200]).webp({ lossless: true }).toBuffer();
  await tree(join(dir, 'classes'), {
    'dog/b.png': png,
    'dog/a.jpg': jpg,
    'dog/notes.txt': 'not an image',
    'cat/deep/x.webp': webp,
  });
  await tree(join(dir, 'flat'), { '1.png': png, 'sub/2.jpg': jpg });
  await mkdir(join(dir, 'empty'));
  await tree(join(dir, 'emptyclass'), { 'a/1.png': png, 'b/readme.md': 'x' });
  await tree(join(dir, 'broken'), {
    'ok.png': png,
    'bad.jpg': jpg.subarray(0, jpg.length >> 1),
    'fake.png': 'hello',
  });
  await tree(join(dir, 'outside'), { 'secret.png': png });
  await tree(join(dir, 'escape'), { 'ok.png': png });
  await symlink(join(dir, 'outside', 'secret.png'), join(dir, 'escape', 'link.png'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('imageFolder', () => {
  test('class subfolders → sorted labels, nested files, non-images ignored', async () => {
    const ds = await imageFolder(join(dir, 'classes'));
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.numClasses).toBe(2);
    expect(ds.files.map((f) => f.slice(f.indexOf('classes')))).toEqual([
      'classes/cat/deep/x.webp',
      'classes/dog/a.jpg',
      'classes/dog/b.png',
    ]);
    const samples = await Promise.all([0, 1, 2].map((i) => ds.get(i)));
    expect(samples.map((s) => s.label)).toEqual([0, 1, 1]);
    expect(samples.map((s) => [s.image.width, s.image.height, s.image.channels])).toEqual([
      [3, 7, 3],
      [5, 5, 3],
      [6, 4, 3],
    ]);
    expect(Array.from(samples[2].image.data.subarray(0, 3))).toEqual([200, 10, 10]); // PNG is lossless
    expect(samples[0].image.data[2]).toBe(200);
  });

  test('flat (nested) folder → unlabelled; channels: 1 gives Pillow luma', async () => {
    const ds = await imageFolder(join(dir, 'flat'), { channels: 1 });
    expect([ds.length, ds.numClasses]).toEqual([2, undefined]);
    const s = await ds.get(0);
    expect(s.label).toBeUndefined();
    expect(s.image.channels).toBe(1);
    expect(s.image.data[0]).toBe((200 * 19595 + 10 * 38470 + 10 * 7471 + 0x8000) >> 16);
  });

  test("labels: 'none' forces unlabelled on a class tree", async () => {
    const ds = await imageFolder(join(dir, 'classes'), { labels: 'none' });
    expect([ds.length, ds.numClasses]).toEqual([3, undefined]);
  });

  test("labels: 'folders' on a folder without subfolders names it", async () => {
    const err = await imageFolder(join(dir, 'broken'), { labels: 'folders' }).catch((e) => e);
    expect([err.reason, /broken has no class subfolders/.test(err.message)]).toEqual(['EMPTY_DATASET', true]);
  });

  test('a file given as root is not a directory', async () => {
    const err = await imageFolder(join(dir, 'broken', 'ok.png')).catch((e) => e);
    expect([err.reason, /ok\.png is not a directory/.test(err.message)]).toEqual(['MISSING_FILE', true]);
  });

  test.each([
    ['empty', 'EMPTY_DATASET', /no \.jpg\/\.jpeg\/\.png\/\.webp images under .*empty/],
    ['emptyclass', 'EMPTY_DATASET', /class folder .*emptyclass\/b has no/],
    ['does-not-exist', 'MISSING_FILE', /does-not-exist does not exist/],
    ['escape', 'OUTSIDE_ROOT', /escape\/link\.png links to .*outside\/secret\.png, outside the root/],
  ])('%s → %s naming the path', async (sub, reason, msg) => {
    const err = await imageFolder(join(dir, sub)).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(msg);
  });

  test('corrupt, truncated and non-image files fail at get() naming the file', async () => {
    const ds = await imageFolder(join(dir, 'broken'));
    const errs = await Promise.all(
      [0, 1, 2].map((i) =>
        ds.get(i).then(
          () => null,
          (e) => e,
        ),
      ),
    );
    const byFile = Object.fromEntries(ds.files.map((f, i) => [f.split('/').pop(), errs[i]]));
    expect(byFile['ok.png']).toBeNull();
    expect(byFile['bad.jpg']).toBeInstanceOf(DatasetError);
    expect(byFile['bad.jpg'].reason).toBe('CORRUPT_IMAGE');
    expect(byFile['bad.jpg'].message).toMatch(/broken\/bad\.jpg: cannot decode image/);
    expect(byFile['fake.png'].reason).toBe('UNSUPPORTED_FORMAT');
    expect(byFile['fake.png'].path).toMatch(/broken\/fake\.png$/);
  });
});

describe('imageFolder + loader bad-input policy', () => {
  test("onError 'skip' replaces the corrupt and fake files with good ones, counting each", async () => {
    const ds = await imageFolder(join(dir, 'broken'));
    const skipped: string[] = [];
    const loader = createBatchLoader(ds, {
      batchSize: 3,
      seed: 0,
      shuffle: false,
      transform: createTwoViewTransform({ size: 4 }),
      onError: 'skip',
      onSkip: (e) => skipped.push(String(e.path).split('/').pop() as string),
    });
    const b = await loader.next();
    const ok = ds.files.findIndex((f) => f.endsWith('ok.png'));
    expect(Array.from(b.indices)).toEqual([ok, ok, ok]);
    expect(loader.skipped).toBe(2);
    expect(skipped.sort()).toEqual(['bad.jpg', 'fake.png']);
  });
});

describe('imageFileList', () => {
  test('labelled list relative to a root', async () => {
    const ds = await imageFileList(
      [
        { path: 'dog/b.png', label: 1 },
        { path: 'cat/deep/x.webp', label: 0 },
      ],
      { root: join(dir, 'classes') },
    );
    expect([ds.length, ds.numClasses]).toEqual([2, 2]);
    expect((await ds.get(1)).label).toBe(0);
  });
  test.each([
    [['missing.png'], 'MISSING_FILE', /missing\.png does not exist/],
    [['../outside/secret.png'], 'OUTSIDE_ROOT', /outside the root/],
    [[], 'EMPTY_DATASET', /no files given/],
  ])('%j → %s', async (entries, reason, msg) => {
    const err = await imageFileList(entries, { root: join(dir, 'classes') }).catch((e) => e);
    expect([err.reason, msg.test(err.message)]).toEqual([reason, true]);
  });
});

describe('files that are not images', () => {
  test('imageFolder lists files without an image extension as ignored (not samples)', async () => {
    const ds = await imageFolder(join(dir, 'classes'));
    expect(ds.ignored?.map((p) => p.slice(p.indexOf('/classes/')))).toEqual(['/classes/dog/notes.txt']);
    expect(ds.files.some((f) => f.endsWith('.txt'))).toBe(false);
  });

  test('a folder of only non-images is EMPTY_DATASET naming one of them', async () => {
    const root = await mkdtemp(join(tmpdir(), 'splitmask-ds-txt-'));
    await tree(root, { 'a.txt': 'x', 'b.csv': 'y' });
    await expect(imageFolder(root)).rejects.toThrow(
      /no \.jpg\/\.jpeg\/\.png\/\.webp images under .* \(2 other file\(s\), e\.g\. .*a\.txt\)/,
    );
  });
});
