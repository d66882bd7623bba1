import { CONFIG_SCHEMA } from '../config/config-schema.js';
import { UsageError } from '../errors/usage-error.js';
import type { CommandSpec } from './command.js';

export type Invocation =
  | { kind: 'version' }
  | { kind: 'help'; command: string | undefined }
  | { kind: 'run'; command: string; flags: Record<string, string>; options: Record<string, boolean | string> };

const CONFIG_BY_FLAG = new Map(CONFIG_SCHEMA.map((entry) => [entry.flag, entry]));

/**
 * `swarmnode [--version|--help] <command> [--flag value|--flag=value|--bool|--no-bool]...`.
 * Config flags come back keyed by their variable name so loadConfig can let them win over env.
 */
export function parseArgv(argv: readonly string[], commands: Readonly<Record<string, CommandSpec>>): Invocation {
  let command: string | undefined;
  let help = false;
  let version = false;
  const flags: Record<string, string> = {};
  const options: Record<string, boolean | string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--version' || arg === '-v') version = true;
    else if (!arg.startsWith('-')) {
      if (command !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
      if (!Object.hasOwn(commands, arg)) throw new UsageError(`unknown command ${JSON.stringify(arg)}: expected one of ${Object.keys(commands).join(', ')}`);
      command = arg;
    } else {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg : arg.slice(0, eq);
      const inline = eq === -1 ? undefined : arg.slice(eq + 1);
      const entry = CONFIG_BY_FLAG.get(name as `--${string}`) ?? CONFIG_BY_FLAG.get(name.replace(/^--no-/, '--') as `--${string}`);
      if (entry?.boolean && name !== entry.flag) {
        if (inline !== undefined) throw new UsageError(`${name} takes no value`);
        flags[entry.key] = 'false';
      } else if (entry?.boolean && inline === undefined) {
        flags[entry.key] = 'true';
      } else if (entry && name === entry.flag) {
        const value = inline ?? argv[++i];
        if (value === undefined) throw new UsageError(`${name} needs a value`);
        flags[entry.key] = value;
      } else {
        const option = command === undefined ? undefined : commands[command]?.options.find((o) => `--${o.name}` === name);
        if (!option || (inline !== undefined && option.value === undefined)) {
          const where = command === undefined ? 'swarmnode' : `swarmnode ${command}`;
          throw new UsageError(`unknown option ${JSON.stringify(arg)} for \`${where}\``, `run \`${where} --help\``);
        }
        if (option.value === undefined) {
          options[option.name] = true;
        } else {
          const value = inline ?? argv[++i];
          // `--from --json` is a forgotten value, not a key named "--json".
          if (value === undefined || value === '' || (inline === undefined && value.startsWith('-'))) throw new UsageError(`${name} needs a value (${option.value})`);
          options[option.name] = value;
        }
      }
    }
  }
  if (version) return { kind: 'version' };
  if (help || command === undefined) return { kind: 'help', command };
  return { kind: 'run', command, flags, options };
}
