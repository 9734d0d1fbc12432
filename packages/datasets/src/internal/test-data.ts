// Test helpers shared by several test files. Not exported from the package.

/** n records; record r has pixel (plane k, position p) = (r·7 + k·50 + p) mod 256, labels as given. */
export function makeCifar(labels: number[][]): Uint8Array {
  const lb = labels[0].length;
  const rec = lb + 3072;
  const out = new Uint8Array(labels.length * rec);
  labels.forEach((ls, r) => {
    out.set(ls, r * rec);
    for (let k = 0; k < 3; k++)
      for (let p = 0; p < 1024; p++) out[r * rec + lb + k * 1024 + p] = (r * 7 + k * 50 + p) % 256;
  });
  return out;
}
