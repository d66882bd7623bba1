import type { Config } from '../config/config.js';
import type { Logger } from '../log/logger.js';

/** What main hands a command once argv and the configuration are validated. */
export interface CommandContext {
  config: Config;
  /** Command options given on the command line: `{ json: true }` for `--json`, `{ from: 'KEY' }` for `--from KEY`. */
  options: Readonly<Record<string, boolean | string>>;
  log: Logger;
  /** The command's report (plan, health, status); logs go to `log`, never here. */
  out(text: string): void;
  /** Aborted on SIGTERM or SIGINT: long-running commands end cleanly and promptly. */
  signal: AbortSignal;
}

/** A command module (src/app/<procedure>/command.ts and friends) exports `run`, resolving to the process exit code. */
export interface CommandModule {
  run(context: CommandContext): Promise<number>;
}

export interface CommandOption {
  /** `json` for `--json`. */
  name: string;
  description: string;
  /** The option takes a value, shown as this in help (`--from KEY`); otherwise it is a switch. */
  value?: string;
}

export interface CommandSpec {
  summary: string;
  options: readonly CommandOption[];
  /**
   * true: the command prints a report on stdout, so its logs go to stderr to keep stdout
   * parseable; false: logs are the output (JSON lines on stdout for journald).
   */
  reports: boolean;
  /** Lazy, so `--help` and `--version` never load the AWS SDK or dockerode. */
  load(): Promise<CommandModule>;
}
