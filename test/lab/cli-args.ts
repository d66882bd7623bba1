import { isEventCode, EVENT_CODES } from './fake-aws/scheduled-events.js';
import type { PoolState, ScheduledEventCode, SpotAction, WarmPoolSpec } from './fake-aws/types.js';
import { LabUsageError } from './lab-errors.js';
import { assertLabName } from './lab-paths.js';

export type CliCommand =
  | { name: string; cmd: 'up'; managers: number; workers: number; agent: boolean; cluster: string; startJitterMs: number; spotWorkers: boolean }
  | { name: string; cmd: 'scale'; group: string; n: number }
  | { name: string; cmd: 'terminate'; instance: string; decrement: boolean }
  | { name: string; cmd: 'crash' | 'reboot' | 'partition' | 'heal'; instance: string }
  | { name: string; cmd: 'status'; json: boolean }
  | { name: string; cmd: 'exec'; instance: string; docker: string[] }
  | { name: string; cmd: 'logs'; instance: string; engine: boolean }
  | { name: string; cmd: 'down' }
  | { name: string; cmd: 'rebalance'; instance: string }
  | { name: string; cmd: 'spot'; instance: string; action: SpotAction; inMs: number }
  | { name: string; cmd: 'event'; instance: string; code: ScheduledEventCode; inMs: number }
  | { name: string; cmd: 'warm-pool'; group: string; pool: WarmPoolSpec }
  | { name: string; cmd: 'warm-pool-delete'; group: string; force: boolean };

export const USAGE = `usage: npm run lab -- <command> [--name <lab>]
  up --managers <n> --workers <n> [--no-agent] [--cluster <name>] [--jitter <ms>] [--spot-workers]
  scale <group> <n>            group: managers, workers or the full ASG name
  terminate <instance> [--decrement]
  crash|reboot|partition|heal <instance>
  warm-pool <group> --size <n> | --min <n> [--max-prepared <n>]  [--state Stopped|Running|Hibernated] [--reuse]
  warm-pool <group> --delete [--force]
  event <instance> <code> [--in <time>]   code: ${EVENT_CODES.join(', ')}; default in 30s
  spot <instance> [--action terminate|stop|hibernate] [--in <time>]   Spot instances; default in 2m
  rebalance <instance>         a rebalance recommendation (Spot instances)
  status [--json]
  exec <instance> -- docker <args...>
  logs <instance> [--engine]
  down
<instance> is an instance id, hostname (ip-10-213-k-n) or private IP; <time> is like 500ms, 30s, 2m.`;

const INSTANCE_COMMANDS = new Set(['crash', 'reboot', 'partition', 'heal']);
const POOL_STATES: readonly PoolState[] = ['Stopped', 'Running', 'Hibernated'];
const SPOT_ACTIONS: readonly SpotAction[] = ['terminate', 'stop', 'hibernate'];

/** Parses the lab CLI's arguments; every mistake is a LabUsageError naming the fix. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? [...argv] : argv.slice(0, dash);
  const rest = dash === -1 ? [] : argv.slice(dash + 1);
  const flags = new Map<string, string | true>();
  const words: string[] = [];
  const valued = new Set(['--name', '--managers', '--workers', '--cluster', '--jitter', '--size', '--min', '--max-prepared', '--state', '--in', '--action']);
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
      allowed('--managers', '--workers', '--no-agent', '--cluster', '--jitter', '--spot-workers');
      arity(0, 'only options');
      return {
        name,
        cmd,
        managers: countFlag(flags, '--managers', 3),
        workers: countFlag(flags, '--workers', 0),
        agent: !flags.has('--no-agent'),
        cluster: stringFlag(flags, '--cluster') ?? 'lab',
        startJitterMs: countFlag(flags, '--jitter', 0),
        spotWorkers: flags.has('--spot-workers'),
      };
    case 'warm-pool': {
      arity(1, '<group> and options');
      const group = params[0]!;
      if (flags.has('--delete')) {
        allowed('--delete', '--force');
        return { name, cmd: 'warm-pool-delete', group, force: flags.has('--force') };
      }
      allowed('--size', '--min', '--max-prepared', '--state', '--reuse');
      const size = stringFlag(flags, '--size');
      if (size !== undefined && (flags.has('--min') || flags.has('--max-prepared'))) throw usage("'warm-pool' takes --size or --min/--max-prepared, not both");
      if (size === undefined && !flags.has('--min')) throw usage("'warm-pool' needs --size <n> (an absolute size) or --min <n>");
      const state = stringFlag(flags, '--state') ?? 'Stopped';
      if (!(POOL_STATES as readonly string[]).includes(state)) throw usage(`--state must be one of ${POOL_STATES.join(', ')}, got '${state}'`);
      // Equal MinSize and MaxGroupPreparedCapacity give the pool an absolute size (warm pool user guide).
      const min = size === undefined ? countFlag(flags, '--min', 0) : count(size, '--size');
      const maxPrepared = size === undefined ? stringFlag(flags, '--max-prepared') : size;
      return {
        name,
        cmd,
        group,
        pool: {
          minSize: min,
          ...(maxPrepared === undefined ? {} : { maxGroupPreparedCapacity: count(maxPrepared, '--max-prepared') }),
          poolState: state as PoolState,
          reuseOnScaleIn: flags.has('--reuse'),
        },
      };
    }
    case 'event': {
      allowed('--in');
      arity(2, '<instance> <code>');
      const code = params[1]!;
      if (!isEventCode(code)) throw usage(`unknown event code '${code}': use one of ${EVENT_CODES.join(', ')}`);
      return { name, cmd, instance: params[0]!, code, inMs: duration(stringFlag(flags, '--in') ?? '30s') };
    }
    case 'spot': {
      allowed('--action', '--in');
      arity(1, '<instance>');
      const action = stringFlag(flags, '--action') ?? 'terminate';
      if (!(SPOT_ACTIONS as readonly string[]).includes(action)) throw usage(`--action must be one of ${SPOT_ACTIONS.join(', ')}, got '${action}'`);
      return { name, cmd, instance: params[0]!, action: action as SpotAction, inMs: duration(stringFlag(flags, '--in') ?? '2m') };
    }
    case 'rebalance':
      allowed();
      arity(1, '<instance>');
      return { name, cmd, instance: params[0]! };
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

/** `500ms`, `30s`, `2m`, `1h` (a bare number is seconds). */
function duration(value: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(value);
  if (match === null) throw usage(`'${value}' is not a time like 500ms, 30s, 2m or 1h`);
  const unitMs: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  return Number(match[1]) * (unitMs[match[2] ?? 's'] ?? 1_000);
}

function count(value: string, what: string): number {
  if (!/^\d+$/.test(value)) {
    throw new LabUsageError(`${what} must be a whole number >= 0, got '${value}'`, `pass a count like 0, 1 or 3`);
  }
  return Number(value);
}
