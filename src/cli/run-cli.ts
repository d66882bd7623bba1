import { loadConfig } from '../config/load-config.js';
import { SwarmnodeError } from '../errors/swarmnode-error.js';
import type { Logger } from '../log/logger.js';
import { createLogger } from '../log/logger.js';
import type { CommandSpec } from './command.js';
import { commandHelp, globalHelp } from './help.js';
import { parseArgv } from './parse-argv.js';
import { VERSION } from './version.js';

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** File descriptors the logger writes to (1 and 2 in the real process). */
  stdoutFd: number;
  stderrFd: number;
  signal: AbortSignal;
}

/**
 * The one catch: any SwarmnodeError becomes one log line and one stderr line (what happened, what
 * to do) and its sysexits code; anything else is a bug or an unexpected outage, exit 1.
 */
function report(error: unknown, log: Logger, io: CliIo): number {
  if (error instanceof SwarmnodeError) {
    log.error({ error: error.name, action: error.action, exitCode: error.exitCode, cause: causeText(error.cause) }, error.message);
    io.stderr(`swarmnode: ${error.message}\n  fix: ${error.action}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  log.error({ error: error instanceof Error ? error.name : typeof error, stack: error instanceof Error ? error.stack : undefined }, message);
  io.stderr(`swarmnode: unexpected error: ${message}\n`);
  return 1;
}

function causeText(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

export async function runCli(argv: readonly string[], commands: Readonly<Record<string, CommandSpec>>, io: CliIo): Promise<number> {
  let command = 'swarmnode';
  let log = createLogger('info', command, io.stdoutFd);
  try {
    const invocation = parseArgv(argv, commands);
    if (invocation.kind === 'version') {
      io.stdout(`swarmnode ${VERSION}\n`);
      return 0;
    }
    if (invocation.kind === 'help') {
      const spec = invocation.command === undefined ? undefined : commands[invocation.command];
      io.stdout(spec && invocation.command ? commandHelp(invocation.command, spec) : globalHelp(commands));
      return 0;
    }
    command = invocation.command;
    const spec = commands[command] as CommandSpec;
    const logFd = spec.reports ? io.stderrFd : io.stdoutFd;
    log = createLogger('info', command, logFd);
    const config = loadConfig(io.env, invocation.flags);
    log = createLogger(config.logLevel, command, logFd);
    const module = await spec.load();
    return await module.run({ config, options: invocation.options, log, out: io.stdout, signal: io.signal });
  } catch (error) {
    return report(error, log, io);
  }
}
