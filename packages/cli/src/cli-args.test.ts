import { ConfigError } from '@splitmask/splitmask';
import { expect, test } from 'vitest';
import { intFlag, numberFlag, parseArgs } from './cli-args';

const SPECS = {
  demo: { values: ['steps', 'out'], switches: ['tiny'] },
  pretrain: { values: ['config'], switches: [] },
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
    "--bogus: unknown option for 'demo' (known: --steps, --out, --tiny)",
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
    "--steps: expected an integer >= 1, got '2.5'",
    "--lr: expected a number, got 'x'",
  ]);
});
