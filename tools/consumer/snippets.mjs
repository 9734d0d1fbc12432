// Snippets are tests: every ts/js code block of the READMEs and docs/*.md, type-checked with
// `tsc --strict` (bundler resolution) against the packed packages installed from npm. A snippet is a
// fragment: names it uses but does not define (the reader's `images`, `params`, ...) are declared `any`
// in a first pass, from tsc's own "Cannot find name" errors; what remains are real errors: a wrong import
// or export name, a wrong entry (`@splitmask/core` vs `/node`), a syntax error, a bad call on a typed
// value. The first block of each package README is also run by examples.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { splitImports } from './examples.mjs';

/** Every README and docs page that can hold code blocks. */
export function markdownFiles(root) {
  const out = [join(root, 'README.md')];
  for (const f of readdirSync(join(root, 'docs'))) if (f.endsWith('.md')) out.push(join(root, 'docs', f));
  for (const group of ['packages', 'examples']) {
    for (const d of readdirSync(join(root, group))) {
      const f = join(root, group, d, 'README.md');
      if (existsSync(f)) out.push(f);
    }
  }
  return out;
}

/** The ts/js blocks of a markdown file with their 1-based starting lines. */
export function codeBlocks(md) {
  const blocks = [];
  const re = /^```(ts|typescript|js|javascript|mjs)[^\n]*\n([\s\S]*?)^```/gm;
  for (let m = re.exec(md); m; m = re.exec(md)) {
    blocks.push({ line: md.slice(0, m.index).split('\n').length, code: m[2] });
  }
  return blocks;
}

function wrap(code, declared) {
  const { imports, body } = splitImports(code);
  return [
    ...imports,
    ...[...declared].map((n) => `declare const ${n}: any;`),
    'async function __snippet(): Promise<void> {',
    body,
    '}',
    'export {};',
    '',
  ].join('\n');
}

/**
 * Type-checks every snippet in `dir` (a folder inside an npm project that has the packages installed).
 * Returns [{ name, ok, detail }], one per snippet.
 */
export function checkSnippets(root, dir, tsc) {
  mkdirSync(dir, { recursive: true });
  const snippets = [];
  for (const file of markdownFiles(root)) {
    const rel = relative(root, file);
    for (const b of codeBlocks(readFileSync(file, 'utf8'))) {
      const id = `${rel.replace(/[^A-Za-z0-9]+/g, '_')}_L${b.line}`;
      snippets.push({ name: `${rel}:${b.line}`, file: `${id}.ts`, code: b.code, declared: new Set() });
    }
  }
  const compilerOptions = {
    strict: true,
    target: 'ES2022',
    lib: ['ES2022', 'DOM'],
    types: ['node'],
    module: 'ESNext',
    moduleResolution: 'Bundler',
    noEmit: true,
    skipLibCheck: true,
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }));
  const run = () => {
    for (const s of snippets) writeFileSync(join(dir, s.file), wrap(s.code, s.declared));
    const r = spawnSync(tsc, ['-p', dir], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
    return (r.stdout ?? '').split('\n').filter((l) => /error TS/.test(l));
  };
  for (const e of run()) {
    const m =
      /^(.+?)\(\d+,\d+\): error TS(?:2304|2552|2663|2581|2582): Cannot find name '([^']+)'/.exec(e) ??
      /^(.+?)\(\d+,\d+\): error TS18004: No value exists in scope for the shorthand property '([^']+)'/.exec(
        e,
      );
    const s = m && snippets.find((x) => x.file === m[1]);
    if (s) s.declared.add(m[2]);
  }
  const errors = run();
  return snippets.map((s) => {
    const mine = errors.filter((e) => e.startsWith(`${s.file}(`));
    return { name: s.name, ok: mine.length === 0, detail: mine.join('\n'), declared: [...s.declared] };
  });
}
