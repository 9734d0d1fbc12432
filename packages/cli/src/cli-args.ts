/**
 * The one argument parser of the `splitmask` CLI, on `node:util`'s `parseArgs` (its tokens), with the
 * checks it does not do: every problem is collected and reported at once (unknown or repeated flags,
 * missing values, stray positionals), integers are parsed strictly (no hex, no `1e3`, no trailing junk),
 * and config files must hold a JSON object.
 */
import { readFileSync } from 'node:fs';
import { parseArgs as nodeParseArgs } from 'node:util';
import { ConfigError } from '@splitmask/splitmask';

/** A parsed command line. */
export interface ParsedArgs {
  command: string;
  positionals: string[];
  flags: Record<string, string | boolean>;
}

/** Flag specification per command: value flags take one argument, switches none. */
export interface FlagSpec {
  values: readonly string[];
  switches: readonly string[];
  /** Positional arguments after the command: at most this many (default 0), named in the error. */
  positionals?: readonly string[];
}

/** Switches every command accepts. */
export const GLOBAL_SWITCHES = ['help', 'verbose'] as const;

/**
 * Parses `argv` (without node and script) against `spec[command]`; throws one ConfigError listing every
 * unknown flag, missing value, repeated flag and unexpected positional.
 * @example parseArgs(['demo', '--steps', '2'], SPECS) // { command: 'demo', positionals: [], flags: { steps: '2' } }
 */
export function parseArgs(argv: readonly string[], specs: Record<string, FlagSpec>): ParsedArgs {
  const [command = '', ...rest] = argv;
  const spec = specs[command];
  if (!spec)
    throw new ConfigError(
      [`unknown command '${command}' (expected ${Object.keys(specs).join(', ')})`],
      'command line',
    );
  const switches = [...spec.switches, ...GLOBAL_SWITCHES];
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const v of spec.values) options[v] = { type: 'string' };
  for (const s of switches) options[s] = { type: 'boolean' };
  options.help = { type: 'boolean', short: 'h' };
  const { tokens } = nodeParseArgs({
    args: [...rest],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const issues: string[] = [];
  const flags: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const known = [...spec.values, ...switches].map((f) => `--${f}`).join(', ');
  for (const t of tokens ?? []) {
    if (t.kind === 'positional') positionals.push(t.value);
    if (t.kind !== 'option') continue;
    const name = t.name;
    if (name in flags) issues.push(`--${name}: given more than once`);
    if (switches.includes(name)) {
      if (t.inlineValue) issues.push(`--${name}: is a switch and takes no value`);
      flags[name] = true;
    } else if (spec.values.includes(name)) {
      const v = t.value;
      if (v === undefined) issues.push(`--${name}: expects a value`);
      else if (!t.inlineValue && /^-[^\d.]/.test(v)) {
        // node's parseArgs took the next option as this one's value: report both
        issues.push(`--${name}: expects a value`);
        const next = v.replace(/^-+/, '').replace(/=.*$/, '');
        if (!spec.values.includes(next) && !switches.includes(next))
          issues.push(`${v.replace(/=.*$/, '')}: unknown option for '${command}' (known: ${known})`);
        else if (switches.includes(next)) flags[next] = true;
      } else flags[name] = v;
    } else issues.push(`${t.rawName}: unknown option for '${command}' (known: ${known})`);
  }
  const allowed = spec.positionals ?? [];
  if (positionals.length > allowed.length) {
    const extra = positionals.slice(allowed.length).map((p) => `'${p}'`);
    issues.push(
      `unexpected argument${extra.length > 1 ? 's' : ''} ${extra.join(', ')} for '${command}'` +
        ` (it takes ${allowed.length ? allowed.map((a) => `<${a}>`).join(' ') : 'no positional arguments'})`,
    );
  }
  if (issues.length) throw new ConfigError(issues, 'command line');
  return { command, positionals, flags };
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses a decimal integer strictly: digits only (optional sign); hex, exponents, fractions and
 * trailing characters are refused. Returns undefined when `raw` is not one.
 * @example parseStrictInt('300') // 300; parseStrictInt('0x10') // undefined; parseStrictInt('1e3') // undefined
 */
export function parseStrictInt(raw: string): number | undefined {
  if (!INTEGER.test(raw)) return undefined;
  const v = Number(raw);
  return Number.isSafeInteger(v) ? v : undefined;
}

/**
 * Parses a finite decimal number strictly (`1e-3`, `.5`, `-2` yes; hex, `Infinity`, `''`, `3x` no).
 * @example parseStrictNumber('1e-3') // 0.001
 */
export function parseStrictNumber(raw: string): number | undefined {
  if (!DECIMAL.test(raw)) return undefined;
  const v = Number(raw);
  return Number.isFinite(v) ? v : undefined;
}

/** Reads an integer flag (strictly), pushing an issue naming it when it is not one. */
export function intFlag(
  flags: ParsedArgs['flags'],
  name: string,
  issues: string[],
  min = 0,
): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const v = typeof raw === 'string' ? parseStrictInt(raw) : undefined;
  if (v === undefined || v < min) {
    issues.push(`--${name}: expected a decimal integer >= ${min}, got '${raw}'`);
    return undefined;
  }
  return v;
}

/** Reads a number flag (strictly), pushing an issue naming it when it is not one. */
export function numberFlag(flags: ParsedArgs['flags'], name: string, issues: string[]): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const v = typeof raw === 'string' ? parseStrictNumber(raw) : undefined;
  if (v === undefined) {
    issues.push(`--${name}: expected a number, got '${raw}'`);
    return undefined;
  }
  return v;
}

/**
 * Reads a JSON config file that must hold an object; a missing file, bad JSON or any other value
 * (`[]`, `5`, `null`, a string) is one ConfigError naming the file.
 * @example const input = readConfigFile('my-config.json');
 */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new ConfigError([`cannot read ${file} (${code ?? (e as Error).message})`], '--config');
  }
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new ConfigError([`${file} is not valid JSON (${(e as Error).message})`], '--config');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = JSON.stringify(value);
    throw new ConfigError(
      [
        `${file} must hold a JSON object of config sections, got ${got.length > 40 ? `${got.slice(0, 40)}…` : got}`,
      ],
      '--config',
    );
  }
  return value as Record<string, unknown>;
}
