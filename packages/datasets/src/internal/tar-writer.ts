// Test/bench helper: writes a ustar archive (with optional GNU long-name records). Not exported.
const enc = new TextEncoder();

function header(name: string, size: number, type: string): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, off: number, len: number) => h.set(enc.encode(s).subarray(0, len), off);
  put(name, 0, 100);
  put('0000644\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put(`${size.toString(8).padStart(11, '0')}\0`, 124, 12);
  put('00000000000\0', 136, 12);
  h[156] = type.charCodeAt(0);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  h.fill(32, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

export function writeTar(
  entries: { path: string; data: Uint8Array | string }[],
  { longNames = false } = {},
): Uint8Array {
  const parts: Uint8Array[] = [];
  const add = (name: string, data: Uint8Array, type: string) => {
    parts.push(header(name, data.length, type), data, new Uint8Array((512 - (data.length % 512)) % 512));
  };
  for (const e of entries) {
    const data = typeof e.data === 'string' ? enc.encode(e.data) : e.data;
    if (longNames || e.path.length > 99) {
      add('././@LongLink', enc.encode(`${e.path}\0`), 'L');
      add(e.path.slice(0, 99), data, '0');
    } else add(e.path, data, '0');
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
