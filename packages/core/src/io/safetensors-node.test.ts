import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeSafetensors } from './safetensors';
import { SafetensorsError } from './safetensors-error';
import {
  assertWritablePath,
  ensureFolder,
  loadSafetensors,
  openSafetensors,
  readSafetensorsHeader,
  saveSafetensors,
  writeFileAtomic,
} from './safetensors-node';
import { loadSafetensorsSync, readFileBoundedSync } from './safetensors-sync';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitmask-st-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entries = {
  'blocks.0.mlp.fc1.weight': { shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i / 3) },
  'blocks.0.mlp.fc1.bias': { dtype: 'BF16' as const, shape: [4], data: [1, 2, 3, 4] },
  steps: { dtype: 'I64' as const, shape: [2], data: [7, -7] },
};

describe('safetensors files', () => {
  test('save writes exactly encodeSafetensors bytes, atomically, and load reads them back', async () => {
    const path = join(dir, 'a.safetensors');
    await saveSafetensors(path, entries, { epoch: '3' });
    expect(
      Buffer.from(await readFile(path)).equals(Buffer.from(encodeSafetensors(entries, { epoch: '3' }))),
    ).toBe(true);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const { tensors, metadata } = await loadSafetensors(path);
    expect(metadata).toEqual({ epoch: '3' });
    expect(Array.from(tensors['blocks.0.mlp.fc1.weight'].data)).toEqual(
      Array.from(entries['blocks.0.mlp.fc1.weight'].data),
    );
    expect(Array.from(tensors.steps.data)).toEqual([7, -7]);
  });

  test('streaming: header only, then one tensor at a time', async () => {
    const path = join(dir, 'b.safetensors');
    await saveSafetensors(path, entries);
    const header = await readSafetensorsHeader(path);
    expect(Object.keys(header.tensors).sort()).toEqual(Object.keys(entries).sort());
    expect(header.tensors['blocks.0.mlp.fc1.bias']).toEqual({
      dtype: 'BF16',
      shape: [4],
      dataOffsets: [64, 72],
    });
    const r = await openSafetensors(path);
    try {
      expect(r.names.length).toBe(3);
      const bias = await r.read('blocks.0.mlp.fc1.bias', { shape: [4], dtype: 'BF16' });
      expect(Array.from(bias.data)).toEqual([1, 2, 3, 4]);
      await expect(r.read('blocks.0.mlp.fc1.bias', { shape: [5] })).rejects.toThrow(
        /shape \[4\], expected \[5\]/,
      );
      await expect(r.read('nope')).rejects.toMatchObject({
        code: 'SAFETENSORS_MISMATCH',
        tensor: 'nope',
        file: path,
      });
    } finally {
      await r.close();
    }
  });

  test('errors name the file: truncated, expectation mismatch, bad header length', async () => {
    const good = encodeSafetensors(entries);
    const cut = join(dir, 'cut.safetensors');
    await writeFile(cut, good.subarray(0, good.length - 3));
    await expect(loadSafetensors(cut)).rejects.toMatchObject({ code: 'SAFETENSORS_TRUNCATED', file: cut });
    await expect(openSafetensors(cut)).rejects.toThrow(SafetensorsError);
    const tiny = join(dir, 'tiny.safetensors');
    await writeFile(tiny, new Uint8Array(3));
    await expect(readSafetensorsHeader(tiny)).rejects.toThrow(new RegExp(`${tiny}.*3 bytes`));
    const ok = join(dir, 'ok.safetensors');
    await writeFile(ok, good);
    await expect(loadSafetensors(ok, { expect: { steps: { dtype: 'I32' } } })).rejects.toThrow(
      new RegExp(`${ok}: tensor 'steps': has dtype I64, expected I32`),
    );
  });

  test('writeFileAtomic replaces the old file and leaves no temp file when the write fails', async () => {
    const path = join(dir, 'c.bin');
    await writeFileAtomic(path, Uint8Array.of(1, 2));
    await writeFileAtomic(path, [Uint8Array.of(3), Uint8Array.of(4, 5)]);
    expect(Array.from(await readFile(path))).toEqual([3, 4, 5]);
    function* failing() {
      yield Uint8Array.of(9);
      throw new Error('boom');
    }
    await expect(writeFileAtomic(path, failing())).rejects.toThrow('boom');
    expect(Array.from(await readFile(path))).toEqual([3, 4, 5]);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  test('writeFileAtomic creates a missing parent folder (saveAdamWState into a new run folder)', async () => {
    const path = join(dir, 'no', 'such', 'dir.bin');
    await writeFileAtomic(path, Uint8Array.of(1));
    expect(Array.from(await readFile(path))).toEqual([1]);
    // a parent that is a file: the error names the folder, not a temp file
    await expect(writeFileAtomic(join(path, 'x.bin'), Uint8Array.of(1))).rejects.toThrow(
      new RegExp(`cannot create folder ${path}`),
    );
  });

  test.each([['/proc/self/out'], ['/sys/x'], ['/dev/shm/../null/x'], ['/tmp/../proc/a']])(
    'output paths on special file systems are refused up front: %s',
    async (p) => {
      expect(() => assertWritablePath('--out', p)).toThrow(/special file system/);
      await expect(ensureFolder(p)).rejects.toThrow(/special file system/);
    },
  );

  test('the /dev/shm RAM disk and ordinary folders are fine', () => {
    expect(() => assertWritablePath('--out', '/dev/shm/run')).not.toThrow();
    expect(() => assertWritablePath('--out', 'runs/a')).not.toThrow();
    expect(() => assertWritablePath('--out', '/tmp/proc/x')).not.toThrow();
  });

  test('requireFinite: a NaN aborts the write, names file and tensor, and keeps the old file', async () => {
    const path = join(dir, 'finite.safetensors');
    await saveSafetensors(path, entries, undefined, { requireFinite: true });
    const before = await readFile(path);
    const bad = { ...entries, w: { shape: [3], data: Float32Array.of(1, Number.NaN, 2) } };
    const err = await saveSafetensors(path, bad, undefined, { requireFinite: true }).catch((e) => e);
    expect(err).toBeInstanceOf(SafetensorsError);
    expect(err).toMatchObject({ code: 'SAFETENSORS_NON_FINITE', file: path, tensor: 'w' });
    expect(err.message).toMatch(new RegExp(`^${path}: tensor 'w': element 1 is NaN`));
    const inf = { v: { dtype: 'BF16' as const, shape: [1], data: [Number.NEGATIVE_INFINITY] } };
    await expect(saveSafetensors(path, inf, undefined, { requireFinite: true })).rejects.toMatchObject({
      code: 'SAFETENSORS_NON_FINITE',
    });
    expect(Buffer.from(await readFile(path)).equals(before)).toBe(true);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // without the option, non-finite values are data like any other (safetensors allows them)
    await saveSafetensors(path, bad);
    expect(Number.isNaN((await loadSafetensors(path)).tensors.w.data[1])).toBe(true);
  });
});

describe('hostile files are refused with bounded reads', () => {
  test.each([
    ['loadSafetensors', (p: string) => loadSafetensors(p)],
    ['openSafetensors', (p: string) => openSafetensors(p)],
    ['readSafetensorsHeader', (p: string) => readSafetensorsHeader(p)],
  ])('%s: symlink to an endless device, a folder and a FIFO are SAFETENSORS_NOT_A_FILE', async (_n, read) => {
    const link = join(dir, `zero-${_n}.safetensors`);
    await symlink('/dev/zero', link);
    await expect(read(link)).rejects.toMatchObject({ code: 'SAFETENSORS_NOT_A_FILE', file: link });
    const folder = join(dir, `folder-${_n}.safetensors`);
    await mkdir(folder);
    await expect(read(folder)).rejects.toThrow(new RegExp(`${folder}: is a folder`));
    const fifo = join(dir, `fifo-${_n}.safetensors`);
    execFileSync('mkfifo', [fifo]);
    await expect(read(fifo)).rejects.toThrow(new RegExp(`${fifo}: is a FIFO`));
  });

  test('a virtual file that reports size 0 but has content is refused, not read without limit', async () => {
    await expect(loadSafetensors('/proc/self/status')).rejects.toMatchObject({
      file: '/proc/self/status',
    });
  });

  test('errors from a file name its path, never <bytes>', async () => {
    const p = join(dir, 'bom.safetensors');
    const json = new TextEncoder().encode('\uFEFF{}      ');
    const bytes = new Uint8Array(8 + json.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    await writeFile(p, bytes);
    for (const read of [loadSafetensors, readSafetensorsHeader, openSafetensors]) {
      const err = await read(p).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'SAFETENSORS_INVALID_HEADER', file: p });
      expect((err as Error).message).toMatch(/byte-order mark/);
      expect((err as Error).message).not.toMatch(/<bytes>/);
    }
  });
});

describe('synchronous reads are as bounded as the async ones', () => {
  test('loadSafetensorsSync reads a file, refuses /dev/zero behind a symlink, a FIFO and /proc files', async () => {
    const path = join(dir, 'sync.safetensors');
    await saveSafetensors(path, entries);
    expect(Array.from(loadSafetensorsSync(path).tensors.steps.data)).toEqual([7, -7]);
    const link = join(dir, 'sync-zero.safetensors');
    await symlink('/dev/zero', link);
    expect(() => loadSafetensorsSync(link)).toThrow(
      expect.objectContaining({ code: 'SAFETENSORS_NOT_A_FILE', file: link }),
    );
    const fifo = join(dir, 'sync-fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => readFileBoundedSync(fifo)).toThrow(/is a FIFO/);
    expect(() => readFileBoundedSync('/proc/self/status')).toThrow(/grew past the 0 bytes/);
    const cut = join(dir, 'sync-cut.safetensors');
    await writeFile(cut, (await readFile(path)).subarray(0, 20));
    expect(() => loadSafetensorsSync(cut)).toThrow(expect.objectContaining({ file: cut }));
  });
});
