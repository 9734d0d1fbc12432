/**
 * Argument parsing for the `splitmask` CLI: `<command> [positionals] [--flag value | --flag=value | --switch]`.
 * Every problem is collected and reported at once, like config errors.
 */
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
}

/**
 * Parses `argv` (without node and script) against `spec[command]`; throws a ConfigError listing every
 * unknown flag, missing value or duplicate.
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
  const issues: string[] = [];
  const flags: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    if (name in flags) issues.push(`--${name}: given more than once`);
    if (spec.switches.includes(name)) {
      if (eq >= 0) issues.push(`--${name}: is a switch and takes no value`);
      flags[name] = true;
    } else if (spec.values.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : rest[i + 1];
      if (value === undefined || (eq < 0 && value.startsWith('--'))) {
        issues.push(`--${name}: expects a value`);
      } else {
        flags[name] = value;
        if (eq < 0) i++;
      }
    } else {
      const known = [...spec.values, ...spec.switches].map((f) => `--${f}`).join(', ');
      issues.push(`--${name}: unknown option for '${command}' (known: ${known})`);
    }
  }
  if (issues.length) throw new ConfigError(issues, 'command line');
  return { command, positionals, flags };
}

/** Reads an integer flag, pushing an issue naming it when it is not one. */
export function intFlag(
  flags: ParsedArgs['flags'],
  name: string,
  issues: string[],
  min = 0,
): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(v) || v < min) {
    issues.push(`--${name}: expected an integer >= ${min}, got '${raw}'`);
    return undefined;
  }
  return v;
}

/** Reads a number flag, pushing an issue naming it when it is not one. */
export function numberFlag(flags: ParsedArgs['flags'], name: string, issues: string[]): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v)) {
    issues.push(`--${name}: expected a number, got '${raw}'`);
    return undefined;
  }
  return v;
}
