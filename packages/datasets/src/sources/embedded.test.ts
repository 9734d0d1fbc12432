import { describe, expect, test } from 'vitest';
import { classJsonToBytes, createEmbeddedDataset, embeddedTestIndices } from './embedded';

function fakeClasses(counts: number[]): Uint8Array[] {
  // image i of class c: every pixel = (c·31 + i) mod 256, so samples are identifiable
  return counts.map((n, c) => {
    const b = new Uint8Array(n * 784);
    for (let i = 0; i < n; i++) b.fill((c * 31 + i) % 256, i * 784, (i + 1) * 784);
    return b;
  });
}

describe('createEmbeddedDataset split', () => {
  const classes = fakeClasses([70, 15, 7]);
  const names = ['a', 'b', 'c'];

  test('train and test partition every class, test = round(n / 7), stable under re-creation', async () => {
    const train = createEmbeddedDataset(classes, names, { split: 'train' });
    const test_ = createEmbeddedDataset(classes, names, { split: 'test' });
    expect([train.length, test_.length]).toEqual([60 + 13 + 6, 10 + 2 + 1]);
    const ids = async (ds: typeof train) => {
      const out: string[] = [];
      for (let i = 0; i < ds.length; i++) {
        const s = await ds.get(i);
        out.push(`${s.label}:${s.image.data[0]}`);
      }
      return out;
    };
    const a = await ids(train);
    const b = await ids(test_);
    expect(new Set([...a, ...b]).size).toBe(92);
    expect(await ids(createEmbeddedDataset(classes, names, { split: 'test' }))).toEqual(b);
    expect(b.slice(0, 10).every((s) => s.startsWith('0:'))).toBe(true);
  });

  test('split seed changes membership; indices are sorted', () => {
    const t0 = embeddedTestIndices(7000, 2);
    const t1 = embeddedTestIndices(7000, 2, 1);
    expect(t0.length).toBe(1000);
    expect(Array.from(t0)).toEqual(Array.from(t0).sort((x, y) => x - y));
    expect(t0).not.toEqual(t1);
    expect(embeddedTestIndices(7000, 3)).not.toEqual(t0);
  });

  test('sample shape and label', async () => {
    const s = await createEmbeddedDataset(classes, names).get(0);
    expect([s.image.width, s.image.height, s.image.channels, s.label]).toEqual([28, 28, 1, 0]);
  });

  test('bad split and bad buffer sizes', () => {
    expect(() => createEmbeddedDataset(classes, names, { split: 'val' as 'test' })).toThrow(
      /split must be 'train' or 'test', got 'val'/,
    );
    expect(() => createEmbeddedDataset([new Uint8Array(785)], ['x'])).toThrow(/class 0 has 785 bytes/);
  });
});

describe('classJsonToBytes', () => {
  test('Fashion-MNIST nested 0..255 arrays', () => {
    const row = Array.from({ length: 784 }, (_, i) => i % 256);
    const b = classJsonToBytes({ data: [row, [], row] }, '0.json'); // empty entries are dropped
    expect(b.length).toBe(1568);
    expect(b[300]).toBe(300 % 256);
  });
  test('MNIST flat p/255 floats with 3 decimals round back to grey levels', () => {
    const levels = Array.from({ length: 784 }, (_, i) => i % 256);
    const json = { data: levels.map((v) => Math.round((v / 255) * 1000) / 1000) };
    expect(Array.from(classJsonToBytes(json, 'd.json'))).toEqual(levels);
  });
  test.each([
    [{}, /x\.json: expected \{ data/],
    [{ data: [[1, 2]] }, /x\.json: image 0 has 2 pixels/],
    [{ data: [0.5] }, /x\.json: 1 values is not a multiple of 784/],
  ])('rejects %j', (json, msg) => expect(() => classJsonToBytes(json, 'x.json')).toThrow(msg));
});
