import type { ConfigProblem } from '../errors/config-error.js';
import { ConfigError } from '../errors/config-error.js';
import type { Config } from './config.js';
import type { Resolved } from './config-schema.js';
import { CONFIG_SCHEMA } from './config-schema.js';

/**
 * Validates every key once and returns the configuration, or throws one ConfigError listing every
 * problem. `flags` is keyed by the variable name (the CLI maps `--join-timeout` to
 * SWARMNODE_JOIN_TIMEOUT) and wins over `env`. An empty variable counts as unset, as systemd's
 * EnvironmentFile writes `KEY=` for a value left blank.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, flags: Readonly<Record<string, string>> = {}): Config {
  const resolved: Resolved = {};
  const problems: ConfigProblem[] = [];
  for (const entry of CONFIG_SCHEMA) {
    const raw = flags[entry.key] ?? (env[entry.key] === '' ? undefined : env[entry.key]);
    if (raw === undefined) {
      if (entry.defaultValue === undefined) {
        const parsed = entry.parse('');
        problems.push({ key: entry.key, value: undefined, expected: parsed.ok ? entry.description : parsed.expected });
      } else {
        Object.assign(resolved, { [entry.field]: entry.defaultValue(resolved, env) });
      }
      continue;
    }
    const parsed = entry.parse(raw);
    if (parsed.ok) Object.assign(resolved, { [entry.field]: parsed.value });
    else problems.push({ key: entry.key, value: raw, expected: parsed.expected });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(resolved as Config);
}
