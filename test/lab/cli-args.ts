import { LabUsageError } from './lab-errors.js';
import { assertLabName } from './lab-paths.js';

export type CliCommand =
  | { name: string; cmd: 'up'; managers: number; workers: number; agent: boolean; cluster: string; startJitterMs: number }
  | { name: string; cmd: 'scale'; group: string; n: number }
  | { name: string; cmd: 'terminate'; instance: string; decrement: boolean }
  | { name: string; cmd: 'crash' | 'reboot' | 'partition' | 'heal'; instance: string }
  | { name: string; cmd: 'status'; json: boolean }
  | { name: string; cmd: 'exec'; instance: string; docker: string[] }
  | { name: string; cmd: 'logs'; instance: string; engine: boolean }
  | { name: string; cmd: 'down' };

export const USAGE = `usage: npm run lab -- <command> [--name <lab>]
  up --managers <n> --workers <n> [--no-agent] [--cluster <name>] [--jitter <ms>]
  scale <group> <n>            group: managers, workers or the full ASG name
  terminate <instance> [--decrement]
  crash|reboot|partition|heal <instance>
  status [--json]
  exec <instance> -- docker <args...>
  logs <instance> [--engine]
  down
<instance> is an instance id, hostname (ip-10-213-k-n) or private IP.`;

const INSTANCE_COMMANDS = new Set(['crash', 'reboot', 'partition', 'heal']);

/** Parses the lab CLI's arguments; every mistake is a LabUsageError naming the fix. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? [...argv] : argv.slice(0, dash);
  const rest = dash === -1 ? [] : argv.slice(dash + 1);
  const flags = new Map<string, string | true>();
  const words: string[] = [];
  const valued = new Set(['--name', '--managers', '--workers', '--cluster', '--jitter']);
  for (let i = 0; i < own.length; i++) {
    const arg = own[i]!;
    if (valued.has(arg)) {
      const value = own[++i];
      if (value === undefined) throw usage(`${arg} needs a value`);
      flags.set(arg, value);
    } else if (arg.startsWith('--')) {
      flags.set(arg, true);
    } else {
      words.push(arg);
    }
  }
  const [cmd, ...params] = words;
  const name = stringFlag(flags, '--name') ?? 'lab';
  assertLabName(name);
  const allowed = (...known: string[]): void => {
    for (const flag of flags.keys()) {
      if (flag !== '--name' && !known.includes(flag)) throw usage(`unknown option ${flag} for '${cmd}'`);
    }
  };
  const arity = (n: number, what: string): void => {
    if (params.length !== n) throw usage(`'${cmd}' takes ${what}`);
  };
  switch (cmd) {
    case 'up':
      allowed('--managers', '--workers', '--no-agent', '--cluster', '--jitter');
      arity(0, 'only options');
      return {
        name,
        cmd,
        managers: countFlag(flags, '--managers', 3),
        workers: countFlag(flags, '--workers', 0),
        agent: !flags.has('--no-agent'),
        cluster: stringFlag(flags, '--cluster') ?? 'lab',
        startJitterMs: countFlag(flags, '--jitter', 0),
      };
    case 'scale':
      allowed();
      arity(2, '<group> <n>');
      return { name, cmd, group: params[0]!, n: count(params[1]!, '<n>') };
    case 'terminate':
      allowed('--decrement');
      arity(1, '<instance>');
      return { name, cmd, instance: params[0]!, decrement: flags.has('--decrement') };
    case 'status':
      allowed('--json');
      arity(0, 'no arguments');
      return { name, cmd, json: flags.has('--json') };
    case 'exec': {
      allowed();
      arity(1, '<instance> -- docker <args...>');
      const docker = rest[0] === 'docker' ? rest.slice(1) : rest;
      if (docker.length === 0) throw usage("'exec' needs a docker command after --, e.g. exec <instance> -- docker node ls");
      return { name, cmd, instance: params[0]!, docker };
    }
    case 'logs':
      allowed('--engine');
      arity(1, '<instance>');
      return { name, cmd, instance: params[0]!, engine: flags.has('--engine') };
    case 'down':
      allowed();
      arity(0, 'no arguments');
      return { name, cmd };
    default:
      if (cmd !== undefined && INSTANCE_COMMANDS.has(cmd)) {
        allowed();
        arity(1, '<instance>');
        return { name, cmd: cmd as 'crash' | 'reboot' | 'partition' | 'heal', instance: params[0]! };
      }
      throw usage(cmd === undefined ? 'no command given' : `unknown command '${cmd}'`);
  }
}

function usage(message: string): LabUsageError {
  return new LabUsageError(message, 'see `npm run lab -- help` for the commands');
}

function stringFlag(flags: Map<string, string | true>, flag: string): string | undefined {
  const value = flags.get(flag);
  return typeof value === 'string' ? value : undefined;
}

function countFlag(flags: Map<string, string | true>, flag: string, fallback: number): number {
  const value = stringFlag(flags, flag);
  return value === undefined ? fallback : count(value, flag);
}

function count(value: string, what: string): number {
  if (!/^\d+$/.test(value)) {
    throw new LabUsageError(`${what} must be a whole number >= 0, got '${value}'`, `pass a count like 0, 1 or 3`);
  }
  return Number(value);
}
