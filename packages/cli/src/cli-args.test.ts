import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@splitmask/splitmask';
import { expect, test } from 'vitest';
import {
  intFlag,
  numberFlag,
  parseArgs,
  parseStrictInt,
  parseStrictNumber,
  readConfigFile,
} from './cli-args';

const SPECS = {
  demo: { values: ['steps', 'out'], switches: ['tiny'] },
  pretrain: { values: ['config'], switches: [], positionals: ['dataset'] },
};

test('parses flags, = syntax, switches and positionals', () => {
  expect(parseArgs(['demo', '--steps', '2', '--out=x', '--tiny'], SPECS)).toEqual({
    command: 'demo',
    positionals: [],
    flags: { steps: '2', out: 'x', tiny: true },
  });
  expect(parseArgs(['pretrain', 'mnist', '--config', 'c.json'], SPECS).positionals).toEqual(['mnist']);
});

test('collects every argument error at once', () => {
  let err: unknown;
  try {
    parseArgs(['demo', '--steps', '--bogus', '--tiny=1', '--out', 'a', '--out', 'b'], SPECS);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).issues).toEqual([
    '--steps: expects a value',
    "--bogus: unknown option for 'demo' (known: --steps, --out, --tiny, --help, --verbose)",
    '--tiny: is a switch and takes no value',
    '--out: given more than once',
  ]);
});

test('unknown command names the known ones', () => {
  expect(() => parseArgs(['train'], SPECS)).toThrow(/unknown command 'train' \(expected demo, pretrain\)/);
});

test('numeric flags name the bad value', () => {
  const issues: string[] = [];
  expect(intFlag({ steps: '2.5' }, 'steps', issues, 1)).toBeUndefined();
  expect(numberFlag({ lr: 'x' }, 'lr', issues)).toBeUndefined();
  expect(intFlag({ steps: '3' }, 'steps', issues, 1)).toBe(3);
  expect(issues).toEqual([
    "--steps: expected a decimal integer >= 1, got '2.5'",
    "--lr: expected a number, got 'x'",
  ]);
});

test('unknown positionals are refused, naming what the command takes', () => {
  expect(() => parseArgs(['demo', 'extra'], SPECS)).toThrow(
    /unexpected argument 'extra' for 'demo' \(it takes no positional arguments\)/,
  );
  expect(() => parseArgs(['pretrain', 'mnist', 'more', 'x'], SPECS)).toThrow(
    /unexpected arguments 'more', 'x' for 'pretrain' \(it takes <dataset>\)/,
  );
  expect(parseArgs(['pretrain', '--', '--odd-name'], SPECS).positionals).toEqual(['--odd-name']);
});

test.each([
  ['0x10', undefined],
  ['1e3', undefined],
  ['12abc', undefined],
  ['3.0', undefined],
  ['', undefined],
  [' 7', undefined],
  ['99999999999999999999', undefined],
  ['300', 300],
  ['-4', -4],
  ['+5', 5],
])('parseStrictInt(%j) = %j', (raw, want) => {
  expect(parseStrictInt(raw)).toBe(want);
});

test.each([
  ['1e-3', 0.001],
  ['.5', 0.5],
  ['-2', -2],
  ['0x1', undefined],
  ['Infinity', undefined],
  ['NaN', undefined],
  ['1e999', undefined],
  ['3x', undefined],
  ['', undefined],
])('parseStrictNumber(%j) = %j', (raw, want) => {
  expect(parseStrictNumber(raw)).toBe(want);
});

test.each([['[]'], ['5'], ['null'], ['"splitmask"'], ['true']])(
  'a config file holding %s is one ConfigError naming the file',
  (text) => {
    const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'c.json');
    writeFileSync(file, text);
    expect(() => readConfigFile(file)).toThrow(ConfigError);
    expect(() => readConfigFile(file)).toThrow(new RegExp(`${file} must hold a JSON object`));
  },
);

test('config files: missing, garbled and BOM-prefixed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  expect(() => readConfigFile(join(dir, 'none.json'))).toThrow(/cannot read .*none\.json \(ENOENT\)/);
  writeFileSync(join(dir, 'bad.json'), '{"train": ');
  expect(() => readConfigFile(join(dir, 'bad.json'))).toThrow(/bad\.json is not valid JSON/);
  writeFileSync(join(dir, 'bom.json'), '\uFEFF{"seed": 1}');
  expect(readConfigFile(join(dir, 'bom.json'))).toEqual({ seed: 1 });
});
